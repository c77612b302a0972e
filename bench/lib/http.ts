import http from 'node:http';
import { totpNow } from '../../src/server/platform/auth/totp.js';

export const DEMO_PASSWORD = 'Centinela-Demo-2026';
export const DEMO_TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
export const SESSION_COOKIE = 'centinela_session';

export type HttpResponse<T> = { status: number; body: T; setCookie: string[] };

/** A minimal keep-alive JSON client over node:http: low overhead, so the client side costs little. */
export class HttpClient {
  readonly agent: http.Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(baseUrl: string, maxSockets = 16) {
    const u = new URL(baseUrl);
    if (u.protocol !== 'http:') throw new Error(`only http:// is supported here, not ${u.protocol}`);
    this.host = u.hostname;
    this.port = Number(u.port || 80);
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  request<T = unknown>(method: string, path: string, opts: { body?: unknown; cookie?: string } = {}): Promise<HttpResponse<T>> {
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const headers: Record<string, string | number> = { accept: 'application/json' };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    if (opts.cookie) headers.cookie = `${SESSION_COOKIE}=${opts.cookie}`;
    return new Promise((resolve, reject) => {
      const req = http.request({ host: this.host, port: this.port, method, path, agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : null;
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, body: body as T, setCookie: res.headers['set-cookie'] ?? [] });
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Like request, but anything other than the expected status is an error that names the call. */
  async expect<T = unknown>(status: number, method: string, path: string, opts: { body?: unknown; cookie?: string } = {}): Promise<T> {
    const res = await this.request<T>(method, path, opts);
    if (res.status !== status) throw new Error(`${method} ${path}: expected ${status}, got ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    return res.body;
  }

  close(): void {
    this.agent.destroy();
  }
}

const sessionOf = (setCookie: string[]) => {
  for (const c of setCookie) {
    const m = new RegExp(`^${SESSION_COOKIE}=([^;]*)`).exec(c);
    if (m?.[1]) return m[1];
  }
  return null;
};

/** Signs in a demo account (username = role), passing TOTP when the account needs it; returns the session cookie. */
export async function login(client: HttpClient, username: string, password = DEMO_PASSWORD): Promise<string> {
  const res = await client.request<{ stage: string }>('POST', '/api/auth/login', { body: { username, password } });
  const cookie = sessionOf(res.setCookie);
  if (res.status !== 200 || !cookie) throw new Error(`login ${username}: ${res.status} ${JSON.stringify(res.body)}`);
  if (res.body.stage !== 'mfa_pending') return cookie;
  const mfa = await client.request('POST', '/api/auth/mfa/verify', { cookie, body: { code: totpNow(DEMO_TOTP_SECRET) } });
  const active = sessionOf(mfa.setCookie);
  if (mfa.status !== 200 || !active) throw new Error(`mfa ${username}: ${mfa.status} ${JSON.stringify(mfa.body)}`);
  return active;
}
