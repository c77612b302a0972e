import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { danglingReferences, validateEido } from '../../test/eido/eido-validator.js';
import { createTestServer, type TestServer } from '../../test/test-server.js';

// The EIDO export of an incident: every call it received, and its times as the incident recorded them.
let s: TestServer;
let callTaker: string;
let dispatcher: string;
let supervisor: string;
let analyst: string;
const CENTRE = { lat: 13.6978, lon: -89.1914 };

type Component = { $id: string; [k: string]: unknown };
const eidoOf = async (id: string, cookie = supervisor) => {
  const res = await s.request({ method: 'GET', url: `/api/incidents/${id}/eido`, cookie });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};
const expectValid = (eido: unknown) => {
  expect(validateEido(eido).errors).toEqual([]);
  expect(danglingReferences(eido)).toEqual([]);
};
const get = async (id: string) => (await s.request({ method: 'GET', url: `/api/incidents/${id}`, cookie: dispatcher })).json();
const post = async (url: string, body: unknown, cookie = dispatcher) => {
  const res = await s.request({ method: 'POST', url, cookie, body });
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.json();
};
// EIDO times are RFC 3339 to the second; the incident's are to the millisecond.
const second = (iso: string) => Math.floor(Date.parse(iso) / 1000) * 1000;

beforeAll(async () => {
  s = await createTestServer();
  [callTaker, dispatcher, supervisor, analyst] = [await s.loginAs('call_taker'), await s.loginAs('dispatcher'), await s.loginAs('supervisor'), await s.loginAs('analyst')];
});
afterAll(() => s.close());

describe('EIDO further calls', () => {
  it('exports a further call as a second call component with its own start time and caller, not as a merge note', async () => {
    const inc = await post('/api/incidents', { typeCode: 'DIST', description: 'Riña en la vía pública', location: { ...CENTRE, source: 'map_click' }, caller: { number: '+503 7000 1111', name: 'Ana Rivas' } }, callTaker);
    const receivedAt = new Date(Date.now() - 90_000).toISOString();
    await post(`/api/incidents/${inc.id}/calls`, { source: 'call', callReceivedAt: receivedAt, caller: { number: '+503 7123 4567', name: 'Vecina' }, description: 'Otra vecina oye disparos' }, callTaker);

    const eido = await eidoOf(inc.id);
    expectValid(eido);
    expect(eido.callComponent).toHaveLength(2);
    const [first, further] = eido.callComponent;
    expect(further.$id).not.toBe(first.$id);
    expect(Date.parse(further.callStartTimestamp)).toBe(second(receivedAt));
    expect(further).toMatchObject({ standardPrimaryCallType: 'emergency', localCallType: 'call', direction: 'incoming', agentReference: [{ $ref: 'call_taker@psap.centinela.sv' }] });
    const person = eido.personComponent.find((p: Component) => p.$id === further.personReference[0].$ref);
    expect(person.ncPersonComponent.name[0].personFullName[0].value).toBe('Vecina');
    expect(person.callIdentifier).toEqual([further.$id]);
    expect(eido.callbackComponent.find((c: Component) => c.$id === further.callBackReference.$ref).callBackInformationUri).toEqual(['tel:+50371234567']);
    expect(eido.incidentComponent.personReference).toHaveLength(2);
    const notes = JSON.stringify(eido.notesComponent);
    expect(notes).not.toContain('Merged from');
    expect(eido.notesComponent.find((n: Component) => n.$id === further.notesReference[0].$ref).notesActionComments).toBe('<p>Otra vecina oye disparos</p>');

    // A reader who may not see callers gets both calls and neither caller.
    const hidden = await eidoOf(inc.id, analyst);
    expectValid(hidden);
    expect(hidden.callComponent).toHaveLength(2);
    expect(hidden.callComponent[1].personReference).toBeUndefined();
    expect(JSON.stringify(hidden)).not.toMatch(/7123|Vecina|1111|Ana Rivas/);
  }, 30_000);
});

describe('EIDO times', () => {
  it("carries the incident's recorded received, dispatch, on-scene, resolution and closing times", async () => {
    const unit = await post('/api/units', { callSign: 'T-301', unitType: 'patrol_car', homeStation: 'Delegación Centro', department: 'SV.SS', status: 'available' }, supervisor);
    const inc = await post('/api/incidents', { typeCode: 'DIST', description: 'Riña', location: { ...CENTRE, source: 'map_click' }, callReceivedAt: new Date(Date.now() - 45_000).toISOString() }, callTaker);
    await post(`/api/incidents/${inc.id}/assignments`, { unitId: unit.id, reason: { code: 'other', text: 'Unidad elegida por cercanía real' } });
    // Arrives in a later second than it was dispatched, so the two times can be told apart.
    await new Promise((r) => setTimeout(r, 1050 - (Date.now() % 1000)));
    await post(`/api/units/${unit.id}/status`, { status: 'on_scene' });

    const onScene = await get(inc.id);
    const live = await eidoOf(inc.id);
    expectValid(live);
    expect(Date.parse(live.callComponent[0].callStartTimestamp)).toBe(second(onScene.times.callReceivedAt));
    // The assignment row is stamped by the database, the incident by the server, a few milliseconds apart.
    expect(Math.abs(Date.parse(live.dispatchComponent[0].lastUpdateTimeStamp) - second(onScene.times.firstDispatchedAt))).toBeLessThanOrEqual(1000);
    expect(live.emergencyResourceComponent[0]).toMatchObject({ primaryUnitStatusRegistryText: 'OnScene' });
    expect(Date.parse(live.emergencyResourceComponent[0].lastUpdateTimeStamp)).toBe(second(onScene.times.firstOnSceneAt));

    await post(`/api/incidents/${inc.id}/close`, { dispositionCode: 'arrest', summary: 'Detenido en el lugar' });
    const closed = await get(inc.id);
    const eido = await eidoOf(inc.id);
    expectValid(eido);
    expect(Date.parse(eido.callComponent[0].callStartTimestamp)).toBe(second(closed.times.callReceivedAt));
    expect(Math.abs(Date.parse(eido.dispatchComponent[0].lastUpdateTimeStamp) - second(closed.times.firstDispatchedAt))).toBeLessThanOrEqual(1000);
    expect(Date.parse(eido.incidentComponent.dispositionComponent[0].lastUpdateTimeStamp)).toBe(second(closed.times.resolvedAt));
    expect(Date.parse(eido.incidentComponent.lastUpdateTimeStamp)).toBe(second(closed.times.closedAt));
    expect(eido.incidentComponent.incidentStatusCommonRegistryText).toEqual(['Closed']);
    // Released at closing, the unit's last status is its release; its arrival stays as a milestone note.
    expect(eido.emergencyResourceComponent[0]).toMatchObject({ primaryUnitStatusRegistryText: 'Available' });
    const arrival = eido.notesComponent.find((n: Component) => n.notesActionComments === '<p>T-301: on_scene</p>');
    expect(Math.abs(Date.parse(arrival.lastUpdateTimeStamp) - second(closed.times.firstOnSceneAt))).toBeLessThanOrEqual(1000);
  }, 30_000);
});
