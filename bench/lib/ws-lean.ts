import crypto from 'node:crypto';
import net from 'node:net';

// RFC 6455 §1.3's fixed GUID.
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const HEADER_END = Buffer.from('\r\n\r\n');

/** A server's frame as read off the wire: its opcode and its (unmasked) payload. */
export type Frame = { opcode: number; payload: Buffer };

/** A server broke the protocol (a masked frame, a frame too long): the connection is dropped, as 1002. */
class ProtocolError extends Error {}

/**
 * Reads RFC 6455 frames from a server (unmasked: §5.1) out of the bytes as they arrive, however
 * they are split; fragments of a message are joined into one frame carrying the first one's opcode.
 * Refuses a masked frame and a frame whose length does not fit in a JS number.
 */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentOpcode = 0;

  constructor(private readonly onFrame: (f: Frame) => void) {}

  push(chunk: Buffer): void {
    const buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let at = 0;
    for (;;) {
      if (buf.length - at < 2) break;
      const b0 = buf[at]!;
      const b1 = buf[at + 1]!;
      if (b1 & 0x80) throw new ProtocolError('a server frame must not be masked');
      let len = b1 & 0x7f;
      let head = 2;
      if (len === 126) {
        if (buf.length - at < 4) break;
        len = buf.readUInt16BE(at + 2);
        head = 4;
      } else if (len === 127) {
        if (buf.length - at < 10) break;
        const big = buf.readBigUInt64BE(at + 2);
        if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProtocolError('frame too long');
        len = Number(big);
        head = 10;
      }
      if (buf.length - at < head + len) break;
      const payload = buf.subarray(at + head, at + head + len);
      at += head + len;
      this.frame((b0 & 0x80) !== 0, b0 & 0x0f, payload);
    }
    // Keep only the unread tail, copied so the chunk it came from can be freed.
    this.pending = at === buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(at));
  }

  private frame(fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode >= 8) return this.onFrame({ opcode, payload }); // control frames are never fragmented and may come between fragments
    if (opcode !== 0) {
      if (fin) return this.onFrame({ opcode, payload });
      this.fragmentOpcode = opcode;
      this.fragments = [Buffer.from(payload)];
      return;
    }
    // Copied: the bytes read may be overwritten by the next read (LeanWebSocket reads into one buffer).
    this.fragments.push(Buffer.from(payload));
    if (fin) {
      const joined = Buffer.concat(this.fragments);
      this.fragments = [];
      this.onFrame({ opcode: this.fragmentOpcode, payload: joined });
    }
  }
}

/** A client frame: FIN, the opcode, masked as RFC 6455 §5.3 requires of a client. */
export function clientFrame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + 4 + len);
  out[0] = 0x80 | opcode;
  if (head === 2) out[1] = 0x80 | len;
  else if (head === 4) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(len), 2);
  }
  const mask = crypto.randomBytes(4);
  mask.copy(out, head);
  for (let i = 0; i < len; i++) out[head + 4 + i] = payload[i]! ^ mask[i & 3]!;
  return out;
}

/**
 * A WebSocket client that does only what figure 3's clients need, in the manner of load-http's
 * HTTP client: the upgrade (its Sec-WebSocket-Accept checked), messages handed over as the bytes
 * of their payload, pings answered, the closing handshake. `ws` spent more of the benchmark's CPU
 * per message than this (frames re-parsed through an event per message, payload copies, UTF-8
 * validation), on the two cores the server measured uses.
 */
export type LeanHandlers = {
  /** `payload` is valid only during the call: the next read overwrites it. */
  onMessage: (payload: Buffer) => void;
  onClose: (code: number) => void;
};

// Every socket of a thread reads into this one buffer (net's `onread`): no 64 KiB allocation per
// read, as a stream's 'data' makes; each read is handled before the next one can land.
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

export class LeanWebSocket {
  private closed = false;
  private closeSent = false;

  /** Frames that came with the 101 head are read here, once the handlers are in place. */
  private constructor(private readonly socket: net.Socket, rest: Buffer, private readonly handlers: LeanHandlers, route: (read: (chunk: Buffer) => void) => void) {
    const reader = new FrameReader((f) => this.frame(f));
    const read = (chunk: Buffer) => {
      try {
        reader.push(chunk);
      } catch (e) {
        // A handler's own error is the benchmark's bug: let it surface, not pass for the server's.
        if (!(e instanceof ProtocolError)) throw e;
        this.socket.destroy();
        this.end(1002);
      }
    };
    route(read);
    socket.on('close', () => this.end(1006));
    socket.on('error', () => this.end(1006));
    if (rest.length > 0) read(rest);
  }

  /**
   * Upgrades a connection to `url` (ws://host:port/path) with `headers`; rejects unless the server
   * answers 101 with the right accept key within `timeoutMs`. The handlers are given here, so that
   * nothing the server sends with its answer is missed.
   */
  static open(url: URL, headers: Record<string, string>, handlers: LeanHandlers, timeoutMs = 10_000): Promise<LeanWebSocket> {
    return new Promise((resolve, reject) => {
      const key = crypto.randomBytes(16).toString('base64');
      // Reads go to `onRead`: the upgrade's answer first, then the connection's frames.
      let onRead = (chunk: Buffer) => onHead(chunk);
      const socket = net.connect({
        host: url.hostname,
        port: Number(url.port || 80),
        noDelay: true,
        onread: {
          buffer: READ_BUFFER,
          callback: (n: number, buf: Uint8Array) => {
            onRead(Buffer.from(buf.buffer, buf.byteOffset, n));
            return true;
          },
        },
      });
      let head: Buffer = Buffer.alloc(0);
      const timer = setTimeout(() => fail(new Error(`no upgrade within ${timeoutMs} ms`)), timeoutMs);
      const fail = (e: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(e);
      };
      const closedEarly = () => fail(new Error('the server closed the connection before the upgrade'));
      const onHead = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf(HEADER_END);
        if (end < 0) return;
        clearTimeout(timer);
        onRead = () => undefined;
        socket.off('error', fail);
        socket.off('close', closedEarly);
        const lines = head.subarray(0, end).toString('latin1').split('\r\n');
        const status = /^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? '')?.[1];
        const accept = lines.find((l) => /^sec-websocket-accept:/i.test(l))?.split(':')[1]?.trim();
        const expected = crypto.createHash('sha1').update(key + GUID).digest('base64');
        if (status !== '101') return fail(new Error(`upgrade refused: HTTP ${status ?? '?'}`));
        if (accept !== expected) return fail(new Error('upgrade answered with a wrong Sec-WebSocket-Accept'));
        resolve(new LeanWebSocket(socket, head.subarray(end + HEADER_END.length), handlers, (read) => (onRead = read)));
      };
      socket.on('error', fail);
      socket.on('close', closedEarly);
      socket.once('connect', () => {
        const lines = [`GET ${url.pathname}${url.search} HTTP/1.1`, `host: ${url.host}`, 'upgrade: websocket', 'connection: Upgrade', `sec-websocket-key: ${key}`, 'sec-websocket-version: 13'];
        for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
        socket.write(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
      });
    });
  }

  get open(): boolean {
    return !this.closed;
  }

  send(text: string): void {
    if (!this.closed && !this.closeSent) this.socket.write(clientFrame(1, Buffer.from(text, 'utf8')));
  }

  /** Starts the closing handshake; the connection ends when the server answers (onClose gets its code) or after `timeoutMs`. */
  close(code = 1000, timeoutMs = 2_000): void {
    if (this.closed || this.closeSent) return;
    this.closeSent = true;
    const body = Buffer.alloc(2);
    body.writeUInt16BE(code);
    this.socket.write(clientFrame(8, body));
    setTimeout(() => this.terminate(), timeoutMs).unref();
  }

  terminate(): void {
    this.socket.destroy();
    this.end(1006);
  }

  private frame(f: Frame): void {
    if (this.closed) return;
    if (f.opcode === 1 || f.opcode === 2) this.handlers.onMessage(f.payload);
    else if (f.opcode === 9) this.socket.write(clientFrame(10, f.payload));
    else if (f.opcode === 8) {
      const code = f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005;
      // Answer the server's close (or it was the answer to ours), then let the server end the TCP connection.
      if (!this.closeSent) this.socket.write(clientFrame(8, f.payload.subarray(0, 2)));
      this.closeSent = true;
      this.end(code);
      this.socket.end();
    }
  }

  private end(code: number): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers.onClose(code);
  }
}
