import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/test-server.js';
import { waitForLockWaiters } from '../../test/lock-waiters.js';

// Collected only on PostgreSQL (vitest.config.ts): a second session holds the unit while the request waits.
let s: TestServer;
let callTaker: string;
let dispatcher: string;
let admin: string;
const CENTRE = { lat: 13.6978, lon: -89.1914 };

beforeAll(async () => {
  s = await createTestServer();
  [callTaker, dispatcher, admin] = [await s.loginAs('call_taker'), await s.loginAs('dispatcher'), await s.loginAs('administrator')];
});
afterAll(() => s.close());

async function createIncident() {
  const res = await s.request({ method: 'POST', url: '/api/incidents', cookie: callTaker, body: { typeCode: 'DIST', location: { ...CENTRE, source: 'map_click' } } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; number: string };
}

describe('two dispatchers reaching for one unit', () => {
  it('answers the one who waited on the unit’s lock with the incident that took it, and keeps one open assignment', async () => {
    const created = await s.request({ method: 'POST', url: '/api/units', cookie: admin, body: { callSign: 'RC-1', unitType: 'patrol_car', homeStation: 'Centro', department: 'SV.SS', status: 'available' } });
    const unit = created.json().id as string;
    const pos = await s.request({ method: 'POST', url: `/api/units/${unit}/positions`, cookie: dispatcher, body: { positions: [{ ...CENTRE, accuracyM: 10, recordedAt: new Date().toISOString() }] } });
    expect(pos.statusCode, pos.body).toBe(200);
    const [a, b] = [await createIncident(), await createIncident()];

    const { pending } = await s.database.db.transaction().execute(async (tx) => {
      await sql`SELECT id FROM units WHERE id = ${unit} FOR UPDATE`.execute(tx);
      // The unit is free and ranks first when B's request reads it; it then waits for this lock.
      const pending = s.request({ method: 'POST', url: `/api/incidents/${b.id}/assignments`, cookie: dispatcher, body: { unitId: unit } });
      await waitForLockWaiters(s.database.db, 1);
      // Meanwhile the unit is committed to A, as another dispatcher's assignment would.
      await tx.insertInto('assignments').values({ incident_id: a.id, unit_id: unit, assigned_by: null, recommended_rank: 1, released_at: null }).execute();
      await tx.updateTable('units').set({ status: 'dispatched', current_incident_id: a.id, status_changed_at: new Date() }).where('id', '=', unit).execute();
      return { pending };
    });
    const res = await pending;
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json()).toMatchObject({ code: 'unit_committed', incidentId: a.id, incidentNumber: a.number });
    const open = await s.database.db.selectFrom('assignments').select(['incident_id']).where('unit_id', '=', unit).where('released_at', 'is', null).execute();
    expect(open).toEqual([{ incident_id: a.id }]);
    const incB = await s.request({ method: 'GET', url: `/api/incidents/${b.id}`, cookie: dispatcher });
    expect(incB.json().status).toBe('received');
  });
});
