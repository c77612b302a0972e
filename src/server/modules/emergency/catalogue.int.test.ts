import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/test-server.js';
import { escalateOverdue } from './escalation.js';
import { sequencePending } from '../../platform/audit/sequencer.js';
import { listenOn } from '../../platform/db/listen.js';
import { sleep } from '../../platform/realtime/live-test-client.js';
import { CATALOGUE_CHANNEL, IncidentTypeCache } from './catalogue.js';

let s: TestServer;
let admin: string;
let callTaker: string;
let dispatcher: string;
const CENTRE = { lat: 13.6978, lon: -89.1914 };

beforeAll(async () => {
  s = await createTestServer();
  [admin, callTaker, dispatcher] = [await s.loginAs('administrator'), await s.loginAs('call_taker'), await s.loginAs('dispatcher')];
});
afterAll(() => s.close());

const newType = {
  name: { es: 'Robo de vehículo', en: 'Vehicle theft' },
  defaultPriority: 3,
  requiredUnits: [{ capability: 'patrol_car', count: 1 }],
  emergency: true,
  questions: [{ key: 'occupants', prompt: { es: '¿Había personas dentro?', en: 'Were people inside?' }, kind: 'yes_no', options: null }],
  priorityRules: [{ questionKey: 'occupants', operator: 'eq', value: true, priority: 1 }],
};

describe('a configurable catalogue', () => {
  it('lets an administrator add a type whose questions and rules take effect at once, audited', async () => {
    const res = await s.request({ method: 'PUT', url: '/api/incident-types/ROBV', cookie: admin, body: newType });
    expect(res.statusCode, res.body).toBe(200);
    const inc = await s.request({ method: 'POST', url: '/api/incidents', cookie: callTaker, body: { typeCode: 'ROBV', location: { ...CENTRE, source: 'map_click' }, answers: { occupants: true } } });
    expect(inc.json().priority).toBe(1);
    await sequencePending(s.database.db);
    const entry = await s.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'catalogue.type_created').where('entity_id', '=', 'ROBV').executeTakeFirstOrThrow();
    expect(entry.actor_username).toBe('administrator');
  });

  it("drops every process's cached types when a type changes, so the next intake anywhere sees the change", async () => {
    // Another server process's cache, already loaded, listening like app.ts wires it.
    const other = new IncidentTypeCache(s.database.db);
    const stop = await listenOn(s.database, CATALOGUE_CHANNEL, () => other.invalidate(), () => undefined);
    try {
      expect(await other.get('ROBW')).toBeUndefined();
      // Cached here too before the change: the change must still take effect at once.
      expect((await s.request({ method: 'POST', url: '/api/incidents', cookie: callTaker, body: { typeCode: 'ROBW', location: { ...CENTRE, source: 'map_click' } } })).statusCode).toBe(422);
      expect((await s.request({ method: 'PUT', url: '/api/incident-types/ROBW', cookie: admin, body: newType })).statusCode).toBe(200);
      const inc = await s.request({ method: 'POST', url: '/api/incidents', cookie: callTaker, body: { typeCode: 'ROBW', location: { ...CENTRE, source: 'map_click' }, answers: { occupants: true } } });
      expect(inc.statusCode, inc.body).toBe(201);
      for (let i = 0; i < 100 && !(await other.get('ROBW')); i++) await sleep(20);
      expect((await other.get('ROBW'))?.priorityRules).toEqual(newType.priorityRules);
    } finally {
      await stop();
    }
  });

  it('refuses a rule about a question the type does not have, and refuses dispatchers', async () => {
    const bad = await s.request({ method: 'PUT', url: '/api/incident-types/ROBX', cookie: admin, body: { ...newType, priorityRules: [{ questionKey: 'nope', operator: 'eq', value: true, priority: 1 }] } });
    expect(bad.statusCode).toBe(422);
    expect((await s.request({ method: 'PUT', url: '/api/incident-types/ROBV', cookie: dispatcher, body: newType })).statusCode).toBe(403);
  });

  it('escalates against the time targets as configured', async () => {
    const put = await s.request({ method: 'PUT', url: '/api/priority-targets/4', cookie: admin, body: { answerToDispatchSeconds: 30, dispatchToArrivalSeconds: 600 } });
    expect(put.statusCode).toBe(200);
    const inc = await s.request({ method: 'POST', url: '/api/incidents', cookie: callTaker, body: { typeCode: 'ASST', callReceivedAt: new Date(Date.now() - 60_000).toISOString(), location: { ...CENTRE, source: 'map_click' } } });
    expect(inc.json().priority).toBe(4);
    await escalateOverdue(s.database.db);
    const timeline = (await s.request({ method: 'GET', url: `/api/incidents/${inc.json().id}`, cookie: dispatcher })).json().timeline;
    expect(timeline.find((t: { kind: string }) => t.kind === 'escalation')?.data).toMatchObject({ target: 'answer_to_dispatch', targetSeconds: 30 });
  });

  it('changes dispatch settings with an audit entry showing before and after', async () => {
    const res = await s.request({ method: 'PATCH', url: '/api/dispatch-settings', cookie: admin, body: { stalePositionSeconds: 120 } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().stalePositionSeconds).toBe(120);
    await sequencePending(s.database.db);
    const entry = await s.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'catalogue.dispatch_settings_changed').executeTakeFirstOrThrow();
    expect(entry.changes).toMatchObject({ before: { stalePositionSeconds: 300 }, after: { stalePositionSeconds: 120 } });
    const unknown = await s.request({ method: 'PATCH', url: '/api/dispatch-settings', cookie: admin, body: { warpSpeed: 9 } });
    expect(unknown.statusCode).toBe(400);
  });
});

describe('response-time metrics', () => {
  it('reports answer-to-dispatch and dispatch-to-arrival per priority from the recorded times', async () => {
    const unit = await s.request({ method: 'POST', url: '/api/units', cookie: admin, body: { callSign: 'M-01', unitType: 'patrol_car', homeStation: 'Centro', department: 'SV.SS', status: 'available' } });
    await s.request({ method: 'POST', url: `/api/units/${unit.json().id}/positions`, cookie: dispatcher, body: { positions: [{ ...CENTRE, recordedAt: new Date().toISOString() }] } });
    const inc = await s.request({ method: 'POST', url: '/api/incidents', cookie: callTaker, body: { typeCode: 'DIST', callReceivedAt: new Date(Date.now() - 90_000).toISOString(), location: { ...CENTRE, source: 'map_click' } } });
    await s.request({ method: 'POST', url: `/api/incidents/${inc.json().id}/assignments`, cookie: dispatcher, body: { unitId: unit.json().id } });
    await s.request({ method: 'POST', url: `/api/units/${unit.json().id}/status`, cookie: dispatcher, body: { status: 'on_scene' } });
    const from = new Date(Date.now() - 3600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const res = await s.request({ method: 'GET', url: `/api/incidents/metrics?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&department=SV.SS`, cookie: dispatcher });
    expect(res.statusCode, res.body).toBe(200);
    const p3 = res.json().items.find((i: { priority: number }) => i.priority === 3);
    expect(p3.incidents).toBe(1);
    expect(p3.answerToDispatch.p50).toBeGreaterThanOrEqual(89);
    expect(p3.answerToDispatch.p50).toBeLessThan(120);
    expect(p3.dispatchToArrival.p50).toBeGreaterThanOrEqual(0);
  });
});

describe('integration contract', () => {
  it('keeps the operationIds integrators code against', async () => {
    const doc = (await s.request({ method: 'GET', url: '/api/openapi.json' })).json();
    const ids = Object.values<Record<string, { operationId: string }>>(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    for (const id of [
      'listIncidentTypes', 'createIncident', 'getIncident', 'listIncidents', 'findRelatedIncidents', 'addIncidentNote', 'changeIncidentPriority',
      'recommendUnits', 'assignUnit', 'updateUnitStatus', 'reportUnitPositions', 'listUnits', 'createUnit', 'closeIncident', 'cancelIncident',
      'reopenIncident', 'mergeIncident', 'getIncidentEido', 'listApprovals', 'decideApproval',
    ]) {
      expect(ids).toContain(id);
    }
  });
});
