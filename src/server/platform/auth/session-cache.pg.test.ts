import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCentinela, type Centinela } from '../../app.js';
import { createTestServer, type TestServer } from '../../test/test-server.js';
import { openDatabase, type Database } from '../db/database.js';
import { sleep } from '../realtime/live-test-client.js';
import { hashSecret } from './secrets.js';
import { authChanged } from './session-cache.js';

// Two server processes on one PostgreSQL database, each with its own session cache (a time to live far
// longer than the test): an auth change committed through one must end the session in the other's cache.
let s: TestServer;
let bDatabase: Database;
let b: Centinela;
beforeAll(async () => {
  s = await createTestServer({ AUTH_CACHE_SECONDS: '60' });
  bDatabase = await openDatabase({ kind: 'postgres', url: s.database.superuserUrl!, poolSize: 4 });
  b = await createCentinela(s.config, bDatabase, false);
  await b.app.ready();
});
afterAll(async () => {
  await b.stop();
  await bDatabase.close();
  await s.close();
});

const meOnB = (cookie: string) => b.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: `centinela_session=${cookie}` } });

describe('cached sessions across server processes', () => {
  it('ends a session cached by one process when another commits an auth change', async () => {
    const cookie = await s.loginAs('analyst');
    expect((await meOnB(cookie)).statusCode).toBe(200);
    // Revoked in SQL with no signal: B still answers from its cache (so it does cache)...
    await s.database.db.updateTable('sessions').set({ revoked_at: new Date() }).where('token_hash', '=', hashSecret(cookie)).execute();
    expect((await meOnB(cookie)).statusCode).toBe(200);
    // ...until a change committed through the other process signals, as sign-out, revocation and role changes do.
    await authChanged(s.database.db);
    // The other process hears of it by NOTIFY after the commit: a few milliseconds, not the 60 s time to live.
    const start = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - start < 2_000) {
      status = (await meOnB(cookie)).statusCode;
      if (status === 200) await sleep(10);
    }
    expect(status).toBe(401);
  });
});
