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
    expect(bad.json()).toMatchObject({ code: 'catalogue_rule_invalid', key: 'nope' });
    expect(bad.json().detail).toContain('"nope"');
    expect((await s.request({ method: 'PUT', url: '/api/incident-types/ROBV', cookie: dispatcher, body: newType })).statusCode).toBe(403);
  });

  it('refuses questions nobody could answer and rules that could never fire, naming the key', async () => {
    const choice = { key: 'kind', prompt: { es: 'Tipo', en: 'Kind' }, kind: 'choice', options: [{ value: 'car', es: 'Carro', en: 'Car' }, { value: 'moto', es: 'Moto', en: 'Motorbike' }] };
    const put = (questions: unknown[], priorityRules: unknown[] = []) => s.request({ method: 'PUT', url: '/api/incident-types/ROBZ', cookie: admin, body: { ...newType, questions, priorityRules } });
    const refused = async (res: Awaited<ReturnType<typeof put>>, code: string, key: string) => {
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json()).toMatchObject({ code, key });
    };
    await refused(await put([{ ...choice, options: null }]), 'catalogue_question_invalid', 'kind');
    await refused(await put([{ ...choice, options: [] }]), 'catalogue_question_invalid', 'kind');
    await refused(await put([{ ...choice, options: [choice.options[0], choice.options[0]] }]), 'catalogue_question_invalid', 'kind');
    await refused(await put([newType.questions[0], newType.questions[0]]), 'catalogue_question_invalid', 'occupants');
    await refused(await put([{ ...newType.questions[0], options: choice.options }]), 'catalogue_question_invalid', 'occupants');
    // A string 'true' never equals a yes/no answer; a number rule needs a number; a choice rule, the question's own options.
    await refused(await put(newType.questions, [{ questionKey: 'occupants', operator: 'eq', value: 'true', priority: 1 }]), 'catalogue_rule_invalid', 'occupants');
    await refused(await put(newType.questions, [{ questionKey: 'occupants', operator: 'gte', value: 1, priority: 1 }]), 'catalogue_rule_invalid', 'occupants');
    await refused(await put([choice], [{ questionKey: 'kind', operator: 'eq', value: 'truck', priority: 1 }]), 'catalogue_rule_invalid', 'kind');
    await refused(await put([choice], [{ questionKey: 'kind', operator: 'in', value: ['car', 'truck'], priority: 1 }]), 'catalogue_rule_invalid', 'kind');
    expect((await s.request({ method: 'GET', url: '/api/incident-types', cookie: callTaker })).json().items.map((t: { code: string }) => t.code)).not.toContain('ROBZ');
    const ok = await put([choice, { key: 'people', prompt: { es: 'Personas', en: 'People' }, kind: 'number', options: null }], [
      { questionKey: 'kind', operator: 'in', value: ['moto'], priority: 2 },
      { questionKey: 'people', operator: 'gte', value: 3, priority: 1 },
    ]);
    expect(ok.statusCode, ok.body).toBe(200);
    const inc = await s.request({ method: 'POST', url: '/api/incidents', cookie: callTaker, body: { typeCode: 'ROBZ', location: { ...CENTRE, source: 'map_click' }, answers: { kind: 'moto' } } });
    expect(inc.json().priority).toBe(2);
  });

  it('retires a type: intake stops taking it, its incidents keep it, a PUT brings it back; all audited', async () => {
    expect((await s.request({ method: 'PUT', url: '/api/incident-types/ROBR', cookie: admin, body: newType })).statusCode).toBe(200);
    // In Santa Ana, away from the San Salvador figures the metrics tests read.
    const SANTA_ANA = { lat: 13.994, lon: -89.559 };
    const before = await s.request({ method: 'POST', url: '/api/incidents', cookie: callTaker, body: { typeCode: 'ROBR', location: { ...SANTA_ANA, source: 'map_click' } } });
    expect(before.statusCode).toBe(201);
    expect((await s.request({ method: 'DELETE', url: '/api/incident-types/ROBR', cookie: dispatcher })).statusCode).toBe(403);
    expect((await s.request({ method: 'DELETE', url: '/api/incident-types/ROBR', cookie: admin })).statusCode).toBe(204);
    expect((await s.request({ method: 'DELETE', url: '/api/incident-types/NOPE', cookie: admin })).statusCode).toBe(404);
    const codes = async () => (await s.request({ method: 'GET', url: '/api/incident-types', cookie: callTaker })).json().items.map((t: { code: string }) => t.code);
    expect(await codes()).not.toContain('ROBR');
    const after = await s.request({ method: 'POST', url: '/api/incidents', cookie: callTaker, body: { typeCode: 'ROBR', location: { ...SANTA_ANA, source: 'map_click' } } });
    expect(after.json().code).toBe('unknown_incident_type');
    expect((await s.request({ method: 'GET', url: `/api/incidents/${before.json().id}`, cookie: dispatcher })).json().typeCode).toBe('ROBR');
    // The open incident still takes its protocol's answers, and its rules still apply.
    const answered = await s.request({ method: 'POST', url: `/api/incidents/${before.json().id}/answers`, cookie: callTaker, body: { answers: { occupants: true } } });
    expect(answered.statusCode, answered.body).toBe(200);
    expect(answered.json().priority).toBe(1);
    expect((await s.request({ method: 'PUT', url: '/api/incident-types/ROBR', cookie: admin, body: newType })).statusCode).toBe(200);
    expect(await codes()).toContain('ROBR');
    await sequencePending(s.database.db);
    const actions = await s.database.db.selectFrom('audit_log').select('action').where('entity_id', '=', 'ROBR').orderBy('seq').execute();
    expect(actions.map((a) => a.action)).toEqual(['catalogue.type_created', 'catalogue.type_retired', 'catalogue.type_changed']);
    // A type the citizen channels still file reports as is not retired: every such report would fail.
    const inUse = await s.request({ method: 'DELETE', url: '/api/incident-types/ASST', cookie: admin });
    expect(inUse.statusCode, inUse.body).toBe(409);
    expect(inUse.json()).toMatchObject({ code: 'incident_type_in_use', citizenReportTypes: expect.arrayContaining(['other']) });
    expect(await codes()).toContain('ASST');
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

  it('computes every interval from the recorded stamps, closure intervals from closed incidents only', async () => {
    // Stamps fixed in a period no other test writes to, so each figure is exact.
    const T = Date.parse('2001-03-05T10:00:00Z');
    const at = (s: number | null) => (s === null ? null : new Date(T + s * 1000));
    const stamped = async (department: string, status: string, st: (number | null)[], more: { priority?: number; reopenedAt?: number } = {}) => {
      const inc = (await s.request({ method: 'POST', url: '/api/incidents', cookie: callTaker, body: { typeCode: 'DIST', location: { ...CENTRE, source: 'map_click' } } })).json();
      const [created, dispatched, enRoute, onScene, resolved, closed] = st.map(at);
      await s.database.db
        .updateTable('incidents')
        .set({ department, status: status as 'closed', priority: more.priority ?? 3, call_received_at: at(0)!, created_at: created!, first_dispatched_at: dispatched, first_en_route_at: enRoute, first_on_scene_at: onScene, resolved_at: resolved, closed_at: closed, reopened_at: at(more.reopenedAt ?? null) })
        .where('id', '=', inc.id)
        .execute();
    };
    await stamped('SV.SS', 'closed', [10, 60, 90, 360, 1260, 1500]);
    await stamped('SV.SS', 'closed', [20, 120, 180, 480, 1080, 1380]);
    // Cancelled: it stamps closed_at, but ends no work; it still counts for call processing.
    await stamped('SV.SS', 'cancelled', [30, null, null, null, null, 600]);
    // Merged: its survivor counts instead.
    await stamped('SV.SS', 'merged', [5, 5, 5, 5, null, null]);
    // Reopened and closed again: its closure stamps are the second episode's, its first_* the first's.
    await stamped('SV.SS', 'closed', [10, 60, 90, 360, 5000, 6000], { priority: 2, reopenedAt: 2000 });
    // Another department, left out by the filter.
    await stamped('SV.MO', 'closed', [10, 1000, 1100, 1200, 1300, 1400]);
    const range = `from=${encodeURIComponent(new Date(T - 60_000).toISOString())}&to=${encodeURIComponent(new Date(T + 60_000).toISOString())}`;
    const res = await s.request({ method: 'GET', url: `/api/incidents/metrics?${range}&department=SV.SS`, cookie: dispatcher });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().items).toEqual([
      {
        priority: 2,
        incidents: 1,
        callProcessing: { n: 1, p50: 10, p90: 10 },
        answerToDispatch: { n: 1, p50: 60, p90: 60 },
        turnout: { n: 1, p50: 30, p90: 30 },
        travel: { n: 1, p50: 270, p90: 270 },
        dispatchToArrival: { n: 1, p50: 300, p90: 300 },
        onSceneToResolved: { n: 0, p50: null, p90: null },
        resolvedToClosed: { n: 0, p50: null, p90: null },
        total: { n: 0, p50: null, p90: null },
      },
      {
        priority: 3,
        incidents: 3,
        callProcessing: { n: 3, p50: 20, p90: 28 },
        answerToDispatch: { n: 2, p50: 90, p90: 114 },
        turnout: { n: 2, p50: 45, p90: 57 },
        travel: { n: 2, p50: 285, p90: 297 },
        dispatchToArrival: { n: 2, p50: 330, p90: 354 },
        onSceneToResolved: { n: 2, p50: 750, p90: 870 },
        resolvedToClosed: { n: 2, p50: 270, p90: 294 },
        total: { n: 2, p50: 1440, p90: 1488 },
      },
    ]);
    const all = (await s.request({ method: 'GET', url: `/api/incidents/metrics?${range}`, cookie: dispatcher })).json().items;
    const p3 = all.find((i: { priority: number }) => i.priority === 3);
    expect(p3.incidents).toBe(4);
    expect(p3.answerToDispatch).toEqual({ n: 3, p50: 120, p90: 824 });
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
