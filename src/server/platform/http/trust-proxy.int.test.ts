import { afterEach, describe, expect, it } from 'vitest';
import { chained } from '../../test/audit-log.js';
import { createTestServer, DEMO_PASSWORD, type TestServer } from '../../test/test-server.js';

// Which address audit entries (and rate limits) take for the client, by TRUST_PROXY. Requests come
// from 127.0.0.1 (light-my-request); the client sends its own X-Forwarded-For, then the proxy's entry.
let s: TestServer | null = null;
afterEach(async () => {
  await s?.close();
  s = null;
});

async function clientIpSeen(trustProxy: string, forwardedFor: string): Promise<string | null> {
  s = await createTestServer({ TRUST_PROXY: trustProxy });
  const res = await s.request({ method: 'POST', url: '/api/auth/login', body: { username: 'analyst', password: DEMO_PASSWORD }, headers: { 'x-forwarded-for': forwardedFor } });
  expect(res.statusCode).toBe(200);
  const entry = await (await chained(s.database.db)).selectFrom('audit_log').select('client_ip').where('action', '=', 'auth.login').orderBy('seq', 'desc').executeTakeFirstOrThrow();
  return entry.client_ip;
}

// The client forged 198.51.100.7; the proxy (127.0.0.1) appended the address it saw, 203.0.113.9.
const FORGED_THEN_REAL = '198.51.100.7, 203.0.113.9';

describe('TRUST_PROXY', () => {
  it('ignores X-Forwarded-For by default', async () => {
    expect(await clientIpSeen('false', FORGED_THEN_REAL)).toBe('127.0.0.1');
  });

  it("with the proxy's address, takes the address the proxy saw, not the one the client wrote; from an address not listed, ignores the header", async () => {
    expect(await clientIpSeen('127.0.0.1', FORGED_THEN_REAL)).toBe('203.0.113.9');
    await s!.close();
    expect(await clientIpSeen('10.0.0.5,10.1.0.0/16', FORGED_THEN_REAL)).toBe('127.0.0.1');
  });

  it('with true, believes the left-most entry: the one a client can forge (documented)', async () => {
    expect(await clientIpSeen('true', FORGED_THEN_REAL)).toBe('198.51.100.7');
  });
});
