import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../platform/audit/verify.js';
import { departmentAt } from '../platform/geo/departments.js';
import { chained } from '../test/audit-log.js';
import { DEMO_PASSWORD, createTestServer, type TestServer } from '../test/test-server.js';
import { seedDemoEmergency, type DemoEmergencySummary } from './demo-emergency.js';

let s: TestServer;
let seededAt: Date;
let summary: DemoEmergencySummary | null;
beforeAll(async () => {
  s = await createTestServer();
  // Seeded here rather than at start-up, so the test knows the seed's "now" exactly.
  seededAt = new Date();
  summary = await seedDemoEmergency(s.database.db, seededAt);
}, 60_000);
afterAll(() => s.close());

// An incident's stamps in the order its life runs through them.
const LIFE = ['call_received_at', 'created_at', 'first_dispatched_at', 'first_en_route_at', 'first_on_scene_at', 'resolved_at', 'closed_at'] as const;

describe('911 demo data', () => {
  it('puts about 150 units in all 14 departments, each positioned inside its own department', async () => {
    expect(summary).not.toBeNull();
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

  it('records nothing later than the moment it was seeded, and each incident lives its stamps in order', async () => {
    const { db } = s.database;
    const late: string[] = [];
    const check = (what: string, at: Date | null) => {
      if (at && at > seededAt) late.push(`${what} ${at.toISOString()}`);
    };
    const incidents = await db.selectFrom('incidents').selectAll().execute();
    const disorder: string[] = [];
    for (const i of incidents) {
      // Every timestamp column, including any added later.
      for (const [column, value] of Object.entries(i)) if (value instanceof Date) check(`${i.number}.${column}`, value);
      const stamps = LIFE.flatMap((c) => (i[c] ? [[c, i[c]] as const] : []));
      for (let k = 1; k < stamps.length; k++) if (stamps[k]![1] < stamps[k - 1]![1]) disorder.push(`${i.number}: ${stamps[k]![0]} before ${stamps[k - 1]![0]}`);
    }
    for (const t of await db.selectFrom('incident_timeline').select(['incident_id', 'kind', 'at']).execute()) check(`timeline ${t.kind}`, t.at);
    const history = await db.selectFrom('unit_status_history').select(['status', 'at']).execute();
    for (const h of history) check(`unit ${h.status}`, h.at);
    const assignments = await db.selectFrom('assignments').select(['assigned_at', 'released_at']).execute();
    for (const a of assignments) {
      check('assigned', a.assigned_at);
      check('released', a.released_at);
    }
    for (const u of await db.selectFrom('units').select(['call_sign', 'status_changed_at', 'position_at']).execute()) {
      check(`${u.call_sign}.status_changed_at`, u.status_changed_at);
      check(`${u.call_sign}.position_at`, u.position_at);
    }
    expect(late).toEqual([]);
    expect(disorder).toEqual([]);
    // The checks above saw real rows: a unit's day has dispatches, arrivals and releases.
    expect(new Set(history.map((h) => h.status))).toEqual(new Set(['dispatched', 'en_route', 'on_scene', 'available']));
    expect(assignments.filter((a) => a.released_at).length).toBeGreaterThan(200);
  });

  it('gives each incident the stage its stamps reached', async () => {
    const incidents = await s.database.db.selectFrom('incidents').selectAll().execute();
    const stageOf = (i: (typeof incidents)[number]) =>
      i.closed_at ? 'closed' : i.first_on_scene_at ? 'on_scene' : i.first_en_route_at ? 'en_route' : i.first_dispatched_at ? 'dispatched' : 'received';
    expect(incidents.filter((i) => i.status !== stageOf(i)).map((i) => `${i.number} ${i.status} ≠ ${stageOf(i)}`)).toEqual([]);
    expect(incidents.filter((i) => (i.status === 'closed') !== (i.disposition_code !== null)).map((i) => i.number)).toEqual([]);
    expect(new Set(incidents.map((i) => i.status)).size).toBeGreaterThanOrEqual(4);
  });

  it('never has a unit on two incidents at once', async () => {
    const rows = await s.database.db.selectFrom('assignments').select(['unit_id', 'assigned_at', 'released_at']).orderBy('unit_id').orderBy('assigned_at').execute();
    const overlaps = rows.filter((a, k) => {
      const prev = rows[k - 1];
      return prev?.unit_id === a.unit_id && (prev.released_at === null || prev.released_at > a.assigned_at);
    });
    expect(overlaps).toEqual([]);
  });

  it('crews every unit on duty with one or two field officers who cannot sign in', async () => {
    const { db } = s.database;
    const units = await db.selectFrom('units').select(['id', 'call_sign', 'status']).execute();
    const crew = await db
      .selectFrom('unit_crew')
      .innerJoin('users', 'users.id', 'unit_crew.user_id')
      .innerJoin('user_roles', 'user_roles.user_id', 'users.id')
      .select(['unit_crew.unit_id', 'users.username', 'users.display_name', 'users.active', 'user_roles.role'])
      .execute();
    const crewOf = (unitId: string) => crew.filter((c) => c.unit_id === unitId);
    const onDuty = units.filter((u) => u.status !== 'off_duty');
    expect(onDuty.length).toBeGreaterThan(100);
    expect(onDuty.filter((u) => crewOf(u.id).length === 0).map((u) => u.call_sign)).toEqual([]);
    expect(units.filter((u) => crewOf(u.id).length > 2).map((u) => u.call_sign)).toEqual([]);
    expect(crew.every((c) => c.role === 'field_officer')).toBe(true);
    // The demo field officer keeps a unit of their own; the generated officers are inactive accounts.
    const officers = crew.filter((c) => c.username !== 'field_officer');
    expect(crew.filter((c) => c.username === 'field_officer').map((c) => crewOf(c.unit_id).length)).toEqual([1]);
    expect(officers.every((o) => !o.active && /^\S+ \S+ \S+$/.test(o.display_name))).toBe(true);
    expect(new Set(officers.map((o) => o.username)).size).toBe(officers.length);
    const login = await s.request({ method: 'POST', url: '/api/auth/login', body: { username: officers[0]!.username, password: DEMO_PASSWORD } });
    expect(login.statusCode).toBe(401);
  });

  it('seeds only once and keeps the audit log verifiable', async () => {
    expect(await seedDemoEmergency(s.database.db)).toBeNull();
    const users = await s.database.db.selectFrom('users').select('id').execute();
    const created = await (await chained(s.database.db)).selectFrom('audit_log').select('entity_id').where('action', '=', 'user.created').execute();
    expect(new Set(created.map((c) => c.entity_id))).toEqual(new Set(users.map((u) => u.id)));
    expect((await verifyAuditLog(s.database.db)).ok).toBe(true);
  });
});
