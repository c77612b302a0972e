import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB, UnitType } from '../../src/server/platform/db/schema.js';
import { DEPARTMENTS, departmentAt } from '../../src/server/platform/geo/departments.js';
import type { CandidateUnit } from '../../src/server/modules/emergency/recommend.js';
import { mulberry32 } from '../../src/server/platform/random.js';

/** The seeded generator fixtures use, so two runs place the same units and incidents. */
export { mulberry32 };

/** A point inside El Salvador: a department at random, then a spot within ~20 km of its centre that lies in it. */
export function pointInElSalvador(rnd: () => number): { lat: number; lon: number; department: string } {
  const dept = DEPARTMENTS[Math.floor(rnd() * DEPARTMENTS.length)]!;
  for (let i = 0; i < 30; i++) {
    const lat = dept.label.lat + ((rnd() - 0.5) * 2 * 20) / 111;
    const lon = dept.label.lon + ((rnd() - 0.5) * 2 * 20) / 108;
    if (departmentAt(lat, lon, { toleranceMeters: 0 })?.id === dept.id) return { lat, lon, department: dept.id };
  }
  return { lat: dept.label.lat, lon: dept.label.lon, department: dept.id };
}

// Every unit can serve an INJ incident (patrol car + ambulance needed), so all of them are ranked.
const MIX: [UnitType, number, string[]][] = [
  ['patrol_car', 0.75, ['patrol_car']],
  ['motorcycle', 0.15, ['motorcycle', 'patrol_car']],
  ['ambulance', 0.1, ['ambulance']],
];

/** Inserts `n` available units with fresh positions straight into the table; returns them as the ranking sees them. */
export async function insertUnits(db: Kysely<DB>, n: number, now = new Date()): Promise<CandidateUnit[]> {
  const rnd = mulberry32(5000);
  const units: CandidateUnit[] = [];
  for (let i = 0; i < n; i++) {
    const r = rnd();
    let acc = 0;
    const [type, , caps] = MIX.find(([, share]) => (acc += share) >= r) ?? MIX[0]!;
    const p = pointInElSalvador(rnd);
    units.push({
      id: crypto.randomUUID(),
      callSign: `BN-${String(i + 1).padStart(5, '0')}`,
      unitType: type,
      capabilities: caps,
      department: p.department,
      lat: p.lat,
      lon: p.lon,
      // Fresh: within the last minute (stale after 300 s).
      positionAt: new Date(now.getTime() - Math.floor(rnd() * 60_000)),
    });
  }
  for (let i = 0; i < units.length; i += 500) {
    await db
      .insertInto('units')
      .values(
        units.slice(i, i + 500).map((u) => ({
          id: u.id,
          call_sign: u.callSign,
          unit_type: u.unitType as UnitType,
          capabilities: u.capabilities,
          home_station: `Delegación ${u.department}`,
          department: u.department,
          status: 'available' as const,
          current_incident_id: null,
          lat: u.lat,
          lon: u.lon,
          position_at: u.positionAt,
          position_accuracy_m: 10,
        })),
      )
      .execute();
  }
  return units;
}

/** Realistic intake: common call types, sometimes with protocol answers, a caller, a place. */
const INTAKE: { typeCode: string; description: string; answers?: Record<string, boolean | number | string> }[] = [
  { typeCode: 'DIST', description: 'Riña entre vecinos en la colonia, varias personas involucradas', answers: { weapons: false, people: 4 } },
  { typeCode: 'ROB', description: 'Robo de celular en parada de buses, el sospechoso huyó a pie', answers: { in_progress: false, weapons: false, injured: false, suspects: 1 } },
  { typeCode: 'TA', description: 'Choque entre dos vehículos en el bulevar, sin heridos aparentes', answers: { injured: false, trapped: false, vehicles: 2 } },
  { typeCode: 'SUSP', description: 'Vehículo sin placas estacionado frente a la escuela desde la mañana' },
  { typeCode: 'NOISE', description: 'Música a alto volumen en vivienda después de medianoche' },
  { typeCode: 'ASST', description: 'Adulto mayor desorientado en la vía pública' },
];

export function incidentBody(rnd: () => number, i: number) {
  const t = INTAKE[i % INTAKE.length]!;
  const p = pointInElSalvador(rnd);
  return {
    typeCode: t.typeCode,
    source: 'call',
    caller: { number: `+503 7${String(Math.floor(rnd() * 1e7)).padStart(7, '0')}`, name: 'Persona llamante' },
    description: t.description,
    location: { lat: p.lat, lon: p.lon, addressText: `Calle ${1 + (i % 40)}, colonia ${i % 17}`, source: 'caller_stated', accuracyM: 50 },
    ...(t.answers ? { answers: t.answers } : {}),
  };
}
