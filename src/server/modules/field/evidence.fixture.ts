import crypto from 'node:crypto';
import { sql } from 'kysely';
import type { TestServer } from '../../test/test-server.js';

// A tiny but real JPEG header followed by bytes: the server checks magic bytes, not the name.
export const PHOTO = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]), crypto.randomBytes(2048)]);
export const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

/** The field officer's unit (P-601) assigned to a new incident, so the officer may upload evidence for it. */
export async function officerOnIncident(s: TestServer) {
  const [admin, dispatcher, callTaker, officer] = [await s.loginAs('administrator'), await s.loginAs('dispatcher'), await s.loginAs('call_taker'), await s.loginAs('field_officer')];
  const me = await s.database.db.selectFrom('users').select('id').where('username', '=', 'field_officer').executeTakeFirstOrThrow();
  const unit = (await s.request({ method: 'POST', url: '/api/units', cookie: admin, body: { callSign: 'P-601', unitType: 'patrol_car', homeStation: 'Centro', department: 'SV.SS', status: 'available', crew: [me.id] } })).json();
  const inc = await s.request({ method: 'POST', url: '/api/incidents', cookie: callTaker, body: { typeCode: 'DIST', description: 'Riña', location: { lat: 13.6978, lon: -89.1914, source: 'map_click' } } });
  const incidentId = inc.json().id as string;
  const a = await s.request({ method: 'POST', url: `/api/incidents/${incidentId}/assignments`, cookie: dispatcher, body: { unitId: unit.id } });
  if (a.statusCode !== 200) throw new Error(`assignment: ${a.statusCode} ${a.body}`);
  return { officer, incidentId };
}

/** Uploads bytes as the officer's photo through the whole HTTP stack. */
export function uploadAs(s: TestServer, cookie: string, incidentId: string, bytes: Buffer, q: Record<string, string> = {}, key: string = crypto.randomUUID()) {
  const query = new URLSearchParams({ incidentId, kind: 'photo', sha256: sha(bytes), capturedAt: new Date(Date.now() - 60_000).toISOString(), name: 'foto.jpg', ...q });
  return s.centinela.app.inject({ method: 'POST', url: `/api/field/evidence?${query}`, headers: { cookie: `centinela_session=${cookie}`, 'content-type': 'application/octet-stream', 'idempotency-key': key }, payload: bytes });
}

/** Makes the database refuse the next evidence row (a real failure inside the upload's transaction). */
export async function refuseEvidenceRows(s: TestServer) {
  await sql`CREATE FUNCTION test_refuse_evidence() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by test'; END $$`.execute(s.database.db);
  await sql`CREATE TRIGGER test_refuse_evidence BEFORE INSERT ON evidence_items FOR EACH ROW EXECUTE FUNCTION test_refuse_evidence()`.execute(s.database.db);
  return async () => {
    await sql`DROP TRIGGER test_refuse_evidence ON evidence_items`.execute(s.database.db);
    await sql`DROP FUNCTION test_refuse_evidence()`.execute(s.database.db);
  };
}
