import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/test-server.js';

let s: TestServer;
beforeAll(async () => {
  s = await createTestServer({ BODY_LIMIT_BYTES: '2048' });
});
afterAll(() => s.close());

describe('HTTP conventions', () => {
  it('answers liveness and readiness once migrations are applied', async () => {
    expect((await s.request({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await s.request({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });
  });

  it('answers malformed JSON with a 400 problem in Spanish by default', async () => {
    const res = await s.centinela.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"username":' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ code: 'malformed_body', status: 400, detail: 'El cuerpo de la solicitud no es JSON válido.' });
  });

  it('names unknown fields and wrong types field by field, in English when asked', async () => {
    const res = await s.request({ method: 'POST', url: '/api/auth/login', body: { username: 5, password: 'x', admin: true }, headers: { 'accept-language': 'en-US,en;q=0.9' } });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.code).toBe('validation_failed');
    expect(body.detail).toBe('The submitted data is not valid.');
    expect(body.errors.length).toBeGreaterThan(0);
    expect(body.errors.every((e: { path: string }) => e.path.startsWith('body'))).toBe(true);
  });

  it('refuses an oversize body with 413, never a 500', async () => {
    const res = await s.request({ method: 'POST', url: '/api/auth/login', body: { username: 'a'.repeat(5000), password: 'x' } });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('body_too_large');
  });

  it('answers an unknown API path with a problem 404 and leaks no stack', async () => {
    const res = await s.request({ method: 'GET', url: '/api/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'not_found' });
    expect(res.body).not.toContain('at ');
  });

  it('echoes a valid request id and makes one up otherwise', async () => {
    const given = await s.request({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'abc12345-test' } });
    expect(given.headers['x-request-id']).toBe('abc12345-test');
    const made = await s.request({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'bad id with spaces' } });
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends security headers and no CORS allowance by default', async () => {
    const res = await s.request({ method: 'GET', url: '/healthz', headers: { origin: 'https://evil.example' } });
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('publishes an OpenAPI 3.1 document with a stable operationId on every operation', async () => {
    const doc = (await s.request({ method: 'GET', url: '/api/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    const ids: string[] = [];
    for (const [p, ops] of Object.entries<Record<string, { operationId?: string }>>(doc.paths)) {
      for (const [m, op] of Object.entries(ops)) {
        expect(op.operationId, `${m} ${p}`).toBeTruthy();
        ids.push(op.operationId!);
      }
    }
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ['login', 'logout', 'createApiToken', 'getAuditCheckpoint', 'getAuditInclusionProof', 'getAuditConsistencyProof']) {
      expect(ids).toContain(id);
    }
    expect((await s.request({ method: 'GET', url: '/api/docs/' })).statusCode).toBe(200);
  });

  it('refuses a cookie-authenticated write from another origin', async () => {
    const cookie = await s.loginAs('dispatcher');
    const res = await s.request({ method: 'POST', url: '/api/auth/logout', cookie, headers: { origin: 'https://evil.example', host: 'localhost:8080' } });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('csrf_origin_mismatch');
  });
});

describe('rate limits', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await createTestServer({ RATE_LIMIT_PUBLIC_PER_MINUTE: '3', RATE_LIMIT_AUTH_PER_MINUTE: '2' });
  });
  afterAll(() => limited.close());

  it('limits every public endpoint per client address, answering 429 as a problem', async () => {
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await limited.request({ method: 'GET', url: '/healthz' })).statusCode);
    expect(codes).toEqual([200, 200, 200, 429]);
    const res = await limited.request({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
  });

  it('limits sign-in attempts more tightly', async () => {
    const body = { username: 'nobody', password: 'wrong-password' };
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await limited.request({ method: 'POST', url: '/api/auth/login', body })).statusCode);
    expect(codes).toEqual([401, 401, 429]);
    const last = await limited.request({ method: 'POST', url: '/api/auth/login', body, headers: { 'accept-language': 'en' } });
    expect(last.json()).toMatchObject({ code: 'rate_limited', detail: 'Too many requests. Try again shortly.' });
  });
});
