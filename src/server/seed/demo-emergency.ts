import type { Kysely } from 'kysely';
import { appendAudit } from '../platform/audit/audit-log.js';
import { SYSTEM_CONTEXT } from '../platform/auth/principal.js';
import type { DB, UnitStatus, UnitType } from '../platform/db/schema.js';
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

export type DemoEmergencySummary = { units: number; incidents: number; open: number };

/** About 150 units across the 14 departments and a day of incidents, only into an empty 911 database. */
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
  return db.transaction().execute(async (tx) => {
    if (await tx.selectFrom('units').select('id').limit(1).executeTakeFirst()) return null;
    const officer = await tx.selectFrom('users').select('id').where('username', '=', 'field_officer').executeTakeFirst();
    const unitRows: { id: string; department: string; lat: number; lon: number; status: UnitStatus; call_sign: string; capabilities: string[] }[] = [];
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
            current_incident_id: null,
            lat: pos.lat,
            lon: pos.lon,
            position_at: new Date(now.getTime() - Math.floor(rnd() * 240_000)),
            position_accuracy_m: 5 + Math.round(rnd() * 20),
          })
          .returning(['id', 'call_sign', 'capabilities'])
          .executeTakeFirstOrThrow();
        unitRows.push({ id: row.id, department: dept.id, lat: pos.lat, lon: pos.lon, status, call_sign: row.call_sign, capabilities: row.capabilities });
      }
    }
    if (officer) await tx.insertInto('unit_crew').values({ unit_id: unitRows[0]!.id, user_id: officer.id }).execute();

    const types = await tx.selectFrom('incident_types').select(['code', 'default_priority']).execute();
    const priorityOf = new Map(types.map((t) => [t.code, t.default_priority]));
    const total = INCIDENT_MIX.reduce((a, [, w]) => a + w, 0);
    const chooseType = () => {
      let r = rnd() * total;
      for (const [code, w, texts] of INCIDENT_MIX) if ((r -= w) <= 0) return { code, text: pick(texts) };
      return { code: 'ASST', text: 'Apoyo' };
    };
    let created = 0;
    let open = 0;
    const HISTORY = 320;
    for (let k = 0; k < HISTORY; k++) {
      const ageMin = (k / HISTORY) * 24 * 60 + rnd() * 4;
      const received = new Date(now.getTime() - ageMin * 60_000);
      const unit = pick(unitRows.filter((u) => u.status === 'available'));
      const place = around(unit.lat, unit.lon, 3, unit.department);
      const { code, text } = chooseType();
      const isOpen = ageMin < 25;
      const dispatchedAt = new Date(received.getTime() + (30 + rnd() * 200) * 1000);
      const enRouteAt = new Date(dispatchedAt.getTime() + (20 + rnd() * 60) * 1000);
      const onSceneAt = new Date(enRouteAt.getTime() + (180 + rnd() * 1200) * 1000);
      const closedAt = new Date(onSceneAt.getTime() + (600 + rnd() * 3000) * 1000);
      const stage = isOpen ? (ageMin < 3 ? 'received' : ageMin < 12 ? 'dispatched' : 'on_scene') : 'closed';
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
          disposition_code: stage === 'closed' ? pick(DISPOSITIONS) : null,
          closure_summary: stage === 'closed' ? 'Atendido por la unidad asignada.' : null,
          pending_cancellation: null,
          call_received_at: received,
          created_at: received,
          first_dispatched_at: stage === 'received' ? null : dispatchedAt,
          first_en_route_at: stage === 'received' || stage === 'dispatched' ? null : enRouteAt,
          first_on_scene_at: stage === 'closed' || stage === 'on_scene' ? onSceneAt : null,
          resolved_at: stage === 'closed' ? closedAt : null,
          closed_at: stage === 'closed' ? closedAt : null,
          escalated_dispatch_at: null,
          escalated_arrival_at: null,
          created_by: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const loc = await tx.insertInto('incident_locations').values({ incident_id: inc.id, lat: place.lat, lon: place.lon, address_text: null, landmark: null, department: unit.department, source: 'map_click', accuracy_m: 30, created_by: null, created_at: received }).returning('id').executeTakeFirstOrThrow();
      await tx.updateTable('incidents').set({ current_location_id: loc.id }).where('id', '=', inc.id).execute();
      const steps: [Date, string, Record<string, unknown>][] = [[received, 'created', { typeCode: code, demo: true }]];
      if (stage !== 'received') {
        const committed = stage !== 'closed';
        await tx.insertInto('assignments').values({ incident_id: inc.id, unit_id: unit.id, assigned_at: dispatchedAt, assigned_by: null, recommended_rank: 1, released_at: committed ? null : closedAt }).execute();
        steps.push([dispatchedAt, 'assignment', { unitId: unit.id, callSign: unit.call_sign, recommendedRank: 1 }]);
        if (stage !== 'dispatched') steps.push([enRouteAt, 'unit_status', { unitId: unit.id, callSign: unit.call_sign, status: 'en_route' }], [onSceneAt, 'unit_status', { unitId: unit.id, callSign: unit.call_sign, status: 'on_scene' }]);
        if (stage === 'closed') steps.push([closedAt, 'closure', { demo: true }]);
        if (committed) {
          unit.status = stage === 'dispatched' ? 'dispatched' : 'on_scene';
          await tx.updateTable('units').set({ status: unit.status, current_incident_id: inc.id, status_changed_at: dispatchedAt }).where('id', '=', unit.id).execute();
        }
      }
      await tx.insertInto('incident_timeline').values(steps.map(([at, kind, data]) => ({ incident_id: inc.id, at, kind, data: JSON.stringify(data), actor_id: null, actor_username: 'demo' }))).execute();
      created++;
      if (isOpen) open++;
    }
    const summary = { units: unitRows.length, incidents: created, open };
    await appendAudit(tx, SYSTEM_CONTEXT, { action: 'demo.emergency_seeded', entityType: 'demo', changes: summary });
    return summary;
  });
}
