import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../platform/audit/verify.js';
import { departmentAt } from '../platform/geo/departments.js';
import { createTestServer, type TestServer } from '../test/test-server.js';

let s: TestServer;
beforeAll(async () => {
  s = await createTestServer({ SEED_DEMO_EMERGENCY: 'true' });
}, 60_000);
afterAll(() => s.close());

describe('911 demo data', () => {
  it('puts about 150 units in all 14 departments, each positioned inside its own department', async () => {
    const units = await s.database.db.selectFrom('units').selectAll().execute();
    expect(units.length).toBeGreaterThanOrEqual(140);
    expect(new Set(units.map((u) => u.department)).size).toBe(14);
    const misplaced = units.filter((u) => departmentAt(u.lat!, u.lon!)?.id !== u.department);
    expect(misplaced).toEqual([]);
    expect(units.filter((u) => u.status === 'available').length).toBeGreaterThan(90);
  });

  it('leaves a day of closed incidents and a few open ones, consistent with unit commitments', async () => {
    const dispatcher = await s.loginAs('dispatcher');
    const open = (await s.request({ method: 'GET', url: '/api/incidents', cookie: dispatcher })).json().items;
    expect(open.length).toBeGreaterThan(3);
    const all = await s.database.db.selectFrom('incidents').select(['status', 'call_received_at']).execute();
    expect(all.length).toBeGreaterThanOrEqual(300);
    expect(Math.min(...all.map((i) => i.call_received_at.getTime()))).toBeLessThan(Date.now() - 20 * 3600_000);
    const committed = await s.database.db.selectFrom('units').select(['id', 'current_incident_id']).where('current_incident_id', 'is not', null).execute();
    const active = await s.database.db.selectFrom('assignments').select(['unit_id', 'incident_id']).where('released_at', 'is', null).execute();
    expect(new Set(committed.map((c) => `${c.id}:${c.current_incident_id}`))).toEqual(new Set(active.map((a) => `${a.unit_id}:${a.incident_id}`)));
  });

  it('gives the demo field officer a unit and keeps the audit log verifiable', async () => {
    const crew = await s.database.db.selectFrom('unit_crew').innerJoin('users', 'users.id', 'unit_crew.user_id').select('users.username').execute();
    expect(crew.map((c) => c.username)).toContain('field_officer');
    expect((await verifyAuditLog(s.database.db)).ok).toBe(true);
  });
});
