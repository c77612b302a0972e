import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { createCentinela, type Centinela } from '../app.js';
import { totpNow } from '../platform/auth/totp.js';
import { loadConfig, type Config } from '../platform/config.js';
import type { Database } from '../platform/db/database.js';
import { freshDatabase } from './test-database.js';

export const DEMO_PASSWORD = 'Centinela-Demo-2026';
export const DEMO_TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

export type TestServer = {
  centinela: Centinela;
  database: Database & { superuserUrl: string | null };
  config: Config;
  /** An HTTP request through the whole server (routing, hooks, validation, serialisation). */
  request: (opts: { method: string; url: string; body?: unknown; cookie?: string; token?: string; headers?: Record<string, string> }) => Promise<LightMyRequestResponse>;
  /** Signs in a demo account (username = role), passing MFA when the account has it; returns the cookie. */
  loginAs: (username: string, password?: string) => Promise<string>;
  close: () => Promise<void>;
};

export async function createTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const database = await freshDatabase();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'centinela-test-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    SEED_DEMO: 'true',
    SEED_DEMO_EMERGENCY: 'false',
    LOG_LEVEL: 'silent',
    AUDIT_CHECKPOINT_SECONDS: '3600',
    AUDIT_CHECKPOINT_EVERY: '1000000',
    RATE_LIMIT_AUTH_PER_MINUTE: '1000',
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
    ...env,
  });
  const centinela = await createCentinela(config, database, false);
  await centinela.app.ready();

  const request: TestServer['request'] = ({ method, url, body, cookie, token, headers = {} }) =>
    centinela.app.inject({
      method: method as 'GET',
      url,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(cookie ? { cookie: `centinela_session=${cookie}` } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });

  const cookieOf = (res: LightMyRequestResponse) => {
    const c = res.cookies.find((k) => k.name === 'centinela_session');
    if (!c) throw new Error(`no session cookie in ${res.statusCode} ${res.body}`);
    return c.value;
  };

  const loginAs: TestServer['loginAs'] = async (username, password = DEMO_PASSWORD) => {
    const res = await request({ method: 'POST', url: '/api/auth/login', body: { username, password } });
    if (res.statusCode !== 200) throw new Error(`login ${username}: ${res.statusCode} ${res.body}`);
    const cookie = cookieOf(res);
    if (res.json().stage !== 'mfa_pending') return cookie;
    // Codes are single-use per 30 s step; tests sign in many times a step, so forget the last step.
    await database.db.updateTable('users').set({ mfa_last_step: null }).where('username', '=', username).execute();
    const mfa = await request({ method: 'POST', url: '/api/auth/mfa/verify', cookie, body: { code: totpNow(DEMO_TOTP_SECRET) } });
    if (mfa.statusCode !== 200) throw new Error(`mfa ${username}: ${mfa.statusCode} ${mfa.body}`);
    return cookieOf(mfa);
  };

  return {
    centinela,
    database,
    config,
    request,
    loginAs,
    close: async () => {
      await centinela.stop();
      await database.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
