import crypto from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { appendAudit, appendAudits } from '../platform/audit/audit-log.js';
import { hashPassword } from '../platform/auth/passwords.js';
import { SYSTEM_CONTEXT } from '../platform/auth/principal.js';
import type { DB, IncidentStatus, UnitStatus, UnitType } from '../platform/db/schema.js';
import { DEPARTMENTS, departmentAt } from '../platform/geo/departments.js';
import { mulberry32 } from '../platform/random.js';

// Units per department, roughly by population (San Salvador and La Libertad carry most of the load).
const UNITS_PER_DEPARTMENT: Record<string, number> = {
  'SV.SS': 34, 'SV.LI': 16, 'SV.SA': 12, 'SV.SM': 12, 'SV.SO': 9, 'SV.US': 9, 'SV.AH': 8,
  'SV.PA': 8, 'SV.CU': 7, 'SV.CH': 7, 'SV.UN': 7, 'SV.SV': 6, 'SV.MO': 5, 'SV.CA': 5,
};
const TYPE_MIX: [UnitType, number, string][] = [['patrol_car', 0.7, 'P'], ['motorcycle', 0.15, 'M'], ['ambulance', 0.08, 'A'], ['fire', 0.04, 'B'], ['specialised', 0.03, 'E']];
const INCIDENT_MIX: [string, number, string[]][] = [
  ['DIST', 18, ['Riña entre vecinos', 'Pelea a la salida de un bar', 'Escándalo en la vía pública']],
  ['ROB', 15, ['Robo de celular en parada de buses', 'Hurto en tienda', 'Asalto a transeúnte']],
  ['ASST', 12, ['Persona desorientada', 'Apoyo a adulto mayor', 'Llaves dentro del vehículo']],
  ['TA', 12, ['Choque entre dos vehículos', 'Motocicleta derrapada', 'Atropello en carretera']],
  ['DV', 10, ['Gritos y golpes en vivienda', 'Mujer pide auxilio por agresión', 'Agresión de pareja']],
  ['SUSP', 8, ['Vehículo sin placas estacionado', 'Personas merodeando viviendas', 'Sujeto observando negocio']],
  ['MED', 8, ['Persona inconsciente', 'Dolor de pecho', 'Caída de adulto mayor']],
  ['THR', 5, ['Amenazas por mensajes', 'Amenaza a comerciante', 'Vecino amenaza con machete']],
  ['INJ', 5, ['Persona herida con arma blanca', 'Lesionado tras riña', 'Golpeado en la calle']],
  ['NOISE', 3, ['Música a alto volumen', 'Fiesta con ruido excesivo']],
  ['MP', 2, ['Menor no regresó de la escuela', 'Adulto mayor extraviado']],
  ['FIRE', 1, ['Quema de maleza cerca de viviendas', 'Humo en local comercial']],
  ['EXT', 1, ['Cobro de renta a comerciante']],
];
const DISPOSITIONS = ['report_taken', 'assistance_given', 'arrest', 'unfounded', 'gone_on_arrival', 'referred', 'transported'];
// Common Salvadoran given names and surnames for the demo crews (invented people).
const GIVEN = ['José', 'Juan', 'Carlos', 'Luis', 'Mario', 'Jorge', 'Óscar', 'Francisco', 'Roberto', 'Miguel', 'Douglas', 'Nelson', 'Wilfredo', 'René', 'Edwin', 'Josué', 'Marvin', 'Walter', 'Ernesto', 'Salvador', 'María', 'Ana', 'Claudia', 'Karla', 'Sandra', 'Rosa', 'Gabriela', 'Wendy', 'Yesenia', 'Evelyn', 'Xiomara', 'Lorena'];
const SURNAMES = ['Hernández', 'Martínez', 'López', 'García', 'Rodríguez', 'Rivera', 'Flores', 'Ramírez', 'Pérez', 'Cruz', 'González', 'Sánchez', 'Portillo', 'Mejía', 'Aguilar', 'Romero', 'Orellana', 'Alvarado', 'Henríquez', 'Quintanilla', 'Ayala', 'Menjívar', 'Escobar', 'Guardado', 'Chávez', 'Argueta', 'Villalta', 'Amaya', 'Funes', 'Bonilla', 'Molina', 'Recinos'];

export type DemoEmergencySummary = { units: number; incidents: number; open: number; crew: number };

type DemoUnit = { id: string; department: string; lat: number; lon: number; status: UnitStatus; type: UnitType; call_sign: string };

/** About 150 units across the 14 departments with crews, and a day of incidents, only into an empty 911 database. */
export async function seedDemoEmergency(db: Kysely<DB>, now = new Date()): Promise<DemoEmergencySummary | null> {
  // Seeded: the same demo every first start, so screenshots and tests can rely on it.
  const rnd = mulberry32(2026);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const around = (lat: number, lon: number, km: number, dept: string) => {
    for (let i = 0; i < 20; i++) {
      const p = { lat: lat + ((rnd() - 0.5) * 2 * km) / 111, lon: lon + ((rnd() - 0.5) * 2 * km) / 108 };
      if (departmentAt(p.lat, p.lon, { toleranceMeters: 0 })?.id === dept) return p;
    }
    return { lat, lon };
  };
  // A crew member's account has a password nobody knows, hashed once (argon2 costs ~20 ms a hash).
  const unusableHash = await hashPassword(crypto.randomBytes(32).toString('base64url'));
  return db.transaction().execute(async (tx) => {
    if (await tx.selectFrom('units').select('id').limit(1).executeTakeFirst()) return null;
    const officer = await tx.selectFrom('users').select('id').where('username', '=', 'field_officer').executeTakeFirst();
    const unitRows: DemoUnit[] = [];
    for (const dept of DEPARTMENTS) {
      const n = UNITS_PER_DEPARTMENT[dept.id] ?? 5;
      for (let i = 1; i <= n; i++) {
        const r = rnd();
        let acc = 0;
        const [type, , letter] = TYPE_MIX.find(([, share]) => (acc += share) >= r) ?? TYPE_MIX[0]!;
        const pos = around(dept.label.lat, dept.label.lon, 9, dept.id);
        const s = rnd();
        const status: UnitStatus = s < 0.82 ? 'available' : s < 0.9 ? 'off_duty' : s < 0.95 ? 'busy' : 'out_of_service';
        const callSign = `${dept.id.slice(3)}-${letter}${String(i).padStart(2, '0')}`;
        const row = await tx
          .insertInto('units')
          .values({
            call_sign: callSign,
            unit_type: type,
            capabilities: type === 'motorcycle' ? ['motorcycle', 'patrol_car'] : [type],
            home_station: `Delegación ${dept.name}`,
            department: dept.id,
            status,
            status_changed_at: now,
            current_incident_id: null,
            lat: pos.lat,
            lon: pos.lon,
            position_at: new Date(now.getTime() - Math.floor(rnd() * 240_000)),
            position_accuracy_m: 5 + Math.round(rnd() * 20),
          })
          .returning(['id', 'call_sign'])
          .executeTakeFirstOrThrow();
        unitRows.push({ id: row.id, department: dept.id, lat: pos.lat, lon: pos.lon, status, type, call_sign: row.call_sign });
      }
    }
    if (officer) await tx.insertInto('unit_crew').values({ unit_id: unitRows[0]!.id, user_id: officer.id }).execute();
    const crew = await seedCrews(tx, officer ? unitRows.slice(1) : unitRows, unusableHash);

    const types = await tx.selectFrom('incident_types').select(['code', 'default_priority']).execute();
    const priorityOf = new Map(types.map((t) => [t.code, t.default_priority]));
    const total = INCIDENT_MIX.reduce((a, [, w]) => a + w, 0);
    const chooseType = () => {
      let r = rnd() * total;
      for (const [code, w, texts] of INCIDENT_MIX) if ((r -= w) <= 0) return { code, text: pick(texts) };
      return { code: 'ASST', text: 'Apoyo' };
    };
    // Periods each unit spent on a demo incident, so no unit is in two places at once.
    const busy = new Map<string, [number, number][]>();
    const freeBetween = (u: DemoUnit, from: number, to: number) => u.status === 'available' && !(busy.get(u.id) ?? []).some(([a, b]) => a < to && from < b);
    const history: { unit_id: string; status: UnitStatus; incident_id: string; at: Date; actor_id: null }[] = [];
    let created = 0;
    let open = 0;
    const HISTORY = 320;
    for (let k = 0; k < HISTORY; k++) {
      const ageMin = (k / HISTORY) * 24 * 60 + rnd() * 4;
      const received = new Date(now.getTime() - ageMin * 60_000);
      const dispatchedAt = new Date(received.getTime() + (30 + rnd() * 200) * 1000);
      const enRouteAt = new Date(dispatchedAt.getTime() + (20 + rnd() * 60) * 1000);
      const onSceneAt = new Date(enRouteAt.getTime() + (180 + rnd() * 1200) * 1000);
      const closedAt = new Date(onSceneAt.getTime() + (600 + rnd() * 3000) * 1000);
      // Only what has already happened by `now` is recorded: the stage follows from the stamps.
      const past = (d: Date) => (d <= now ? d : null);
      const stage: IncidentStatus = past(closedAt) ? 'closed' : past(onSceneAt) ? 'on_scene' : past(enRouteAt) ? 'en_route' : past(dispatchedAt) ? 'dispatched' : 'received';
      const lastAt = [closedAt, onSceneAt, enRouteAt, dispatchedAt].find(past) ?? received;
      const until = stage === 'closed' ? closedAt.getTime() : Infinity;
      const free = unitRows.filter((u) => freeBetween(u, dispatchedAt.getTime(), until));
      const unit = pick(free.length ? free : unitRows.filter((u) => u.status === 'available'));
      const place = around(unit.lat, unit.lon, 3, unit.department);
      const { code, text } = chooseType();
      const closed = stage === 'closed';
      const n = await tx.selectNoFrom((eb) => eb.fn<number>('nextval', [eb.val('incident_number_seq')]).as('n')).executeTakeFirstOrThrow();
      const inc = await tx
        .insertInto('incidents')
        .values({
          number: `SV-${received.getUTCFullYear()}-${String(Number(n.n)).padStart(6, '0')}`,
          type_code: code,
          priority: priorityOf.get(code) ?? 3,
          status: stage,
          source: rnd() < 0.85 ? 'call' : 'web',
          caller_number: `+503 7${Math.floor(rnd() * 1e3).toString().padStart(3, '0')} ${Math.floor(rnd() * 1e4).toString().padStart(4, '0')}`,
          caller_name: null,
          description: text,
          department: unit.department,
          lat: place.lat,
          lon: place.lon,
          current_location_id: null,
          duplicate_of: null,
          merged_into: null,
          disposition_code: closed ? pick(DISPOSITIONS) : null,
          closure_summary: closed ? 'Atendido por la unidad asignada.' : null,
          pending_cancellation: null,
          call_received_at: received,
          created_at: received,
          first_dispatched_at: past(dispatchedAt),
          first_en_route_at: past(enRouteAt),
          first_on_scene_at: past(onSceneAt),
          resolved_at: past(closedAt),
          closed_at: past(closedAt),
          escalated_dispatch_at: null,
          escalated_arrival_at: null,
          created_by: null,
          updated_at: lastAt,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const loc = await tx.insertInto('incident_locations').values({ incident_id: inc.id, lat: place.lat, lon: place.lon, address_text: null, landmark: null, department: unit.department, source: 'map_click', accuracy_m: 30, created_by: null, created_at: received }).returning('id').executeTakeFirstOrThrow();
      await tx.updateTable('incidents').set({ current_location_id: loc.id }).where('id', '=', inc.id).execute();
      const steps: [Date, string, Record<string, unknown>][] = [[received, 'created', { typeCode: code, demo: true }]];
      if (stage !== 'received') {
        await tx.insertInto('assignments').values({ incident_id: inc.id, unit_id: unit.id, assigned_at: dispatchedAt, assigned_by: null, recommended_rank: 1, released_at: past(closedAt) }).execute();
        busy.set(unit.id, [...(busy.get(unit.id) ?? []), [dispatchedAt.getTime(), until]]);
        steps.push([dispatchedAt, 'assignment', { unitId: unit.id, callSign: unit.call_sign, recommendedRank: 1 }]);
        const moves: [Date, UnitStatus][] = [[dispatchedAt, 'dispatched'], [enRouteAt, 'en_route'], [onSceneAt, 'on_scene'], [closedAt, 'available']];
        for (const [at, status] of moves.filter(([at]) => past(at))) {
          history.push({ unit_id: unit.id, status, incident_id: inc.id, at, actor_id: null });
          if (status !== 'dispatched') steps.push([at, 'unit_status', { unitId: unit.id, callSign: unit.call_sign, status, ...(status === 'available' ? { released: true } : {}) }]);
        }
        if (closed) steps.push([closedAt, 'closure', { demo: true }]);
        else {
          unit.status = stage === 'dispatched' || stage === 'en_route' ? stage : 'on_scene';
          await tx
            .updateTable('units')
            .set({ status: unit.status, current_incident_id: inc.id, status_changed_at: lastAt, ...(stage === 'on_scene' ? { lat: place.lat, lon: place.lon } : {}) })
            .where('id', '=', unit.id)
            .execute();
        }
      }
      await tx.insertInto('incident_timeline').values(steps.map(([at, kind, data]) => ({ incident_id: inc.id, at, kind, data: JSON.stringify(data), actor_id: null, actor_username: 'demo' }))).execute();
      created++;
      if (!closed) open++;
    }
    for (let i = 0; i < history.length; i += 1000) await tx.insertInto('unit_status_history').values(history.slice(i, i + 1000)).execute();
    const summary = { units: unitRows.length, incidents: created, open, crew };
    await appendAudit(tx, SYSTEM_CONTEXT, { action: 'demo.emergency_seeded', entityType: 'demo', changes: summary });
    return summary;
  });
}

/**
 * One or two field officers for every unit on duty: accounts that cannot sign in (inactive, with a
 * password nobody knows), named like Salvadoran officers, the username their PNC ONI number.
 */
async function seedCrews(tx: Transaction<DB>, units: DemoUnit[], passwordHash: string): Promise<number> {
  // Its own sequence, so the units stay those the demo always had.
  const rnd = mulberry32(911);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const onis = new Set<number>();
  const members: { unitId: string; username: string; displayName: string }[] = [];
  for (const u of units.filter((x) => x.status !== 'off_duty')) {
    const size = u.type === 'motorcycle' ? 1 : rnd() < 0.75 ? 2 : 1;
    for (let i = 0; i < size; i++) {
      let oni = 10_000 + Math.floor(rnd() * 90_000);
      while (onis.has(oni)) oni = 10_000 + Math.floor(rnd() * 90_000);
      onis.add(oni);
      members.push({ unitId: u.id, username: `oni.${oni}`, displayName: `${pick(GIVEN)} ${pick(SURNAMES)} ${pick(SURNAMES)}` });
    }
  }
  if (members.length === 0) return 0;
  const users = await tx
    .insertInto('users')
    .values(members.map((m) => ({ username: m.username, display_name: m.displayName, email: null, password_hash: passwordHash, active: false, mfa_secret: null, mfa_last_step: null, locked_until: null })))
    .returning(['id', 'username'])
    .execute();
  const idOf = new Map(users.map((u) => [u.username, u.id]));
  const crew = members.map((m) => ({ ...m, userId: idOf.get(m.username)! }));
  await tx.insertInto('user_roles').values(crew.map((m) => ({ user_id: m.userId, role: 'field_officer', granted_by: null }))).execute();
  await tx.insertInto('unit_crew').values(crew.map((m) => ({ unit_id: m.unitId, user_id: m.userId }))).execute();
  // One audit entry per account, as for any other account, written in one statement.
  await appendAudits(
    tx,
    SYSTEM_CONTEXT,
    crew.map((m) => ({ action: 'user.created', entityType: 'user', entityId: m.userId, changes: { after: { username: m.username, roles: ['field_officer'], active: false, demo: true } } })),
  );
  return crew.length;
}
