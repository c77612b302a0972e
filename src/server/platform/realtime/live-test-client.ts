import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import type { App } from '../http/app.js';

/** Test-only: a real `ws` client of /api/live that records what it receives. */
export type Msg = { type: string; [k: string]: unknown };

export class LiveTestClient {
  readonly received: Msg[] = [];
  closeCode: number | null = null;
  private cursor = 0;
  private wake: (() => void) | null = null;
  readonly closed: Promise<number>;

  private constructor(readonly ws: WebSocket) {
    ws.on('error', () => undefined);
    ws.on('message', (data) => {
      this.received.push(JSON.parse(String(data)) as Msg);
      this.wake?.();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code) => {
        this.closeCode = code;
        this.wake?.();
        resolve(code);
      }),
    );
  }

  static async connect(url: string, auth: { cookie?: string; token?: string; origin?: string } = {}): Promise<LiveTestClient> {
    const ws = new WebSocket(url, { headers: headersOf(auth) });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    return new LiveTestClient(ws);
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** The next message (after those already taken) that satisfies `pred`; earlier non-matching ones are skipped. */
  async next(pred: (m: Msg) => boolean = () => true, timeoutMs = 2_000): Promise<Msg> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      while (this.cursor < this.received.length) {
        const m = this.received[this.cursor++]!;
        if (pred(m)) return m;
      }
      const left = until - Date.now();
      if (left <= 0 || this.closeCode !== null) throw new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.received)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /** Resolves once any message received so far or later satisfies `pred` (order-insensitive). */
  async seen(pred: (m: Msg) => boolean, timeoutMs = 2_000): Promise<Msg> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.received.find(pred);
      if (hit) return hit;
      if (Date.now() > until || this.closeCode !== null) throw new Error(`no such message within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Subscribes and waits for the acknowledgement. */
  async subscribe(topics: unknown[], since?: number): Promise<Msg> {
    this.send({ type: 'subscribe', topics, ...(since === undefined ? {} : { since }) });
    return this.next((m) => m.type === 'subscribed');
  }

  events(): Msg[] {
    return this.received.filter((m) => m.type === 'event');
  }

  async close(): Promise<void> {
    if (this.closeCode === null) this.ws.close();
    await this.closed;
  }
}

const headersOf = (auth: { cookie?: string; token?: string; origin?: string }): Record<string, string> => ({
  ...(auth.cookie ? { cookie: `centinela_session=${auth.cookie}` } : {}),
  ...(auth.token ? { authorization: `Bearer ${auth.token}` } : {}),
  ...(auth.origin ? { origin: auth.origin } : {}),
});

/** The HTTP status with which an upgrade was refused, or 101 if it was accepted. */
export async function upgradeStatus(url: string, auth: { cookie?: string; token?: string; origin?: string } = {}): Promise<number> {
  const ws = new WebSocket(url, { headers: headersOf(auth) });
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (req, res) => {
      req.destroy();
      resolve(res.statusCode ?? 0);
    });
    ws.on('error', reject);
  });
}

/** Starts the app on an ephemeral port and returns the /api/live URL. */
export async function listenLive(app: App): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/live`;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
