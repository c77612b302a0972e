import net from 'node:net';

export type LoadResponse = { status: number; body: string };

/**
 * The request of a load generator, as the bytes sent on the wire: built once per body, outside the
 * measured loop's HTTP machinery.
 */
export function requestBytes(method: string, url: URL, path: string, headers: Record<string, string>, body?: unknown): Buffer {
  const payload = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body), 'utf8');
  const lines = [`${method} ${path} HTTP/1.1`, `host: ${url.host}`, 'connection: keep-alive'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  if (body !== undefined) lines.push('content-type: application/json', `content-length: ${payload.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), payload]);
}

const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * One keep-alive HTTP/1.1 connection carrying one request at a time, like wrk's: the request is
 * written as prepared bytes and the response read by its Content-Length. node:http's client spent
 * ~0.14 ms of CPU per request here, three times this; on a 2-core machine that crowds the server it
 * measures. Anything it cannot read (no Content-Length, a closed connection) fails the request.
 */
export class LoadConnection {
  private buffered: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (r: LoadResponse) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
      this.read();
    });
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error('the server closed the connection')));
  }

  static open(url: URL): Promise<LoadConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: url.hostname, port: Number(url.port || 80), noDelay: true });
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new LoadConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  send(request: Buffer): Promise<LoadResponse> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiting) return Promise.reject(new Error('LoadConnection: one request at a time'));
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(request);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private read(): void {
    const end = this.buffered.indexOf(HEADER_END);
    if (end < 0) return;
    const head = this.buffered.subarray(0, end).toString('latin1');
    const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
    if (!length) return this.fail(new Error(`response without Content-Length: ${head.split('\r\n')[0]}`));
    const bodyEnd = end + HEADER_END.length + Number(length[1]);
    if (this.buffered.length < bodyEnd) return;
    const body = this.buffered.subarray(end + HEADER_END.length, bodyEnd).toString('utf8');
    this.buffered = this.buffered.subarray(bodyEnd);
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(head);
    const waiting = this.waiting;
    this.waiting = null;
    if (!waiting) return this.fail(new Error('a response no request asked for'));
    if (!status) return waiting.reject(new Error(`not an HTTP/1.1 status line: ${head.split('\r\n')[0]}`));
    waiting.resolve({ status: Number(status[1]), body });
  }

  private fail(e: Error): void {
    this.failure ??= e;
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.reject(e);
    this.socket.destroy();
  }
}

/** `size` LoadConnections to one server; `send` uses whichever is free (a closed loop has at most `size` in flight). */
export class LoadConnections {
  private constructor(private readonly free: LoadConnection[], private readonly all: LoadConnection[]) {}

  static async open(url: URL, size: number): Promise<LoadConnections> {
    if (url.protocol !== 'http:') throw new Error(`only http:// is supported here, not ${url.protocol}`);
    const all = await Promise.all(Array.from({ length: size }, () => LoadConnection.open(url)));
    return new LoadConnections([...all], all);
  }

  async send(request: Buffer): Promise<LoadResponse> {
    const connection = this.free.pop();
    if (!connection) throw new Error('LoadConnections: more requests in flight than connections');
    try {
      return await connection.send(request);
    } finally {
      this.free.push(connection);
    }
  }

  close(): void {
    for (const c of this.all) c.close();
  }
}
