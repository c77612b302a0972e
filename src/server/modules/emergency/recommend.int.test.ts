import crypto from 'node:crypto';
import type { KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_CONTEXT } from '../../platform/auth/principal.js';
import type { UnitType } from '../../platform/db/schema.js';
import { Discretion } from '../../platform/discretion/discretion.js';
import { createTestServer, type TestServer } from '../../test/test-server.js';
import { sql } from 'kysely';
import { DispatchService, nearestQuery } from './dispatch.service.js';
import { loadSettings } from './incident-store.js';
import { IncidentsService } from './incidents.service.js';
import { rankUnits } from './recommend.js';
import { mulberry32 } from '../../platform/random.js';

// The recommendation reads only the units near the incident; it must still answer exactly what
// ranking every available unit answers, stale positions, speeds per type and missing positions included.
let s: TestServer;
beforeAll(async () => {
  s = await createTestServer();
});
afterAll(() => s.close());

const TYPES: [UnitType, string[]][] = [
  ['patrol_car', ['patrol_car']],
  ['motorcycle', ['motorcycle', 'patrol_car']],
  ['ambulance', ['ambulance']],
  ['fire', ['fire', 'rescue']],
  ['specialised', ['rescue', 'patrol_car']],
];
const STATUSES = ['available', 'available', 'available', 'busy', 'off_duty'] as const;

describe('recommendation over many units', () => {
  it('answers exactly what ranking every available unit answers, on random units and incidents', async () => {
    const rnd = mulberry32(42);
    const now = Date.now();
    const rows = Array.from({ length: 1_500 }, (_, i) => {
      const [type, caps] = TYPES[Math.floor(rnd() * TYPES.length)]!;
      const noPosition = rnd() < 0.03;
      // Clusters make ties of distance and near-equal ETAs likely; some units are stale, some abroad.
      const cluster = rnd() < 0.3;
      const lat = cluster ? 13.7 + Math.round(rnd() * 20) * 0.001 : 12.9 + rnd() * 1.6;
      const lon = cluster ? -89.2 + Math.round(rnd() * 20) * 0.001 : -90.3 + rnd() * 2.6;
      const ageS = rnd() < 0.2 ? 300 + Math.floor(rnd() * 3_000) : Math.floor(rnd() * 290);
      return {
        id: crypto.randomUUID(),
        call_sign: `RQ-${String(i).padStart(5, '0')}`,
        unit_type: type,
        capabilities: caps,
        home_station: 'Central',
        department: 'SV.SS',
        status: STATUSES[Math.floor(rnd() * STATUSES.length)]!,
        lat: noPosition ? null : lat,
        lon: noPosition ? null : lon,
        position_at: noPosition || rnd() < 0.02 ? null : new Date(now - ageS * 1000),
      };
    });
    for (let i = 0; i < rows.length; i += 500) await s.database.db.insertInto('units').values(rows.slice(i, i + 500)).execute();

    const db = s.database.db;
    const discretion = new Discretion(db);
    const incidents = new IncidentsService(db, discretion);
    // Counts the box reads: both ways of answering (the nearest units alone, or with the box) must be compared here.
    let boxReads = 0;
    let nearestReads = 0;
    let recommendations = 0;
    const counting: KyselyPlugin = {
      transformQuery: (args) => {
        const text = JSON.stringify(args.node);
        if (args.node.kind === 'SelectQueryNode' && text.includes('<@ box(')) boxReads++;
        if (args.node.kind === 'SelectQueryNode' && text.includes('<-> point(')) nearestReads++;
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    const dispatch = new DispatchService(db.withPlugin(counting), discretion);
    const settings = await loadSettings(db);
    const candidates = (await db.selectFrom('units').selectAll().where('status', '=', 'available').where('active', '=', true).where('current_incident_id', 'is', null).execute()).map((u) => ({
      id: u.id,
      callSign: u.call_sign,
      unitType: u.unit_type,
      capabilities: u.capabilities,
      department: u.department,
      lat: u.lat,
      lon: u.lon,
      positionAt: u.position_at,
    }));
    let compared = 0;
    let narrowed = 0;
    let unlocated = 0;
    const taken = new Set<string>();
    for (let k = 0; k < 48; k++) {
      const typeCode = ['INJ', 'DIST', 'ROB', 'FIRE', 'TA'][k % 5]!;
      const located = k % 8 !== 7;
      const inc = await incidents.create(SYSTEM_CONTEXT, { typeCode, location: located ? { lat: 13.1 + rnd() * 1.2, lon: -90 + rnd() * 2.1, source: 'map_click' } : { addressText: 'Colonia Escalón, frente a la farmacia', source: 'caller_stated' } });
      if (located && k % 3 === 0) {
        // A unit already committed: the incident now needs fewer capabilities than its type lists.
        const first = (await dispatch.recommend(inc.id, 1, now)).items[0]!;
        await dispatch.assign(SYSTEM_CONTEXT, inc.id, first.unitId, undefined, undefined);
        taken.add(first.unitId);
      }
      const limit = [1, 3, 10, 25, 200][k % 5]!;
      const got = await dispatch.recommend(inc.id, limit, now);
      recommendations++;
      const free = candidates.filter((c) => !taken.has(c.id));
      const all = rankUnits(located ? { lat: inc.lat!, lon: inc.lon! } : null, free, got.needed, settings, now);
      // Without a location the incident's department comes first (none here: every unit is of SV.SS, the incident of none).
      expect(got.items).toEqual(all.slice(0, limit).map((r, i) => ({ ...r, rank: i + 1 })));
      compared += got.items.length;
      if (!located) unlocated++;
      const typeNeeds = new Set((await db.selectFrom('incident_types').select('required_units').where('code', '=', typeCode).executeTakeFirstOrThrow()).required_units.map((r) => r.capability));
      if (got.needed.length < typeNeeds.size) narrowed++;
    }
    expect(compared).toBeGreaterThan(40 * 10);
    expect(boxReads).toBeGreaterThan(0);
    expect(boxReads).toBeLessThan(recommendations);
    // Both ways of reading the nearest units ran: with the incident, and again with the narrower needs.
    expect(narrowed).toBeGreaterThan(2);
    expect(nearestReads).toBe(narrowed);
    expect(unlocated).toBe(6);

    // One round trip walks the KNN index from the incident's point; a sort of every unit would still answer right, slowly.
    const some = await incidents.create(SYSTEM_CONTEXT, { typeCode: 'INJ', location: { lat: 13.7, lon: -89.2, source: 'map_click' } });
    await sql`ANALYZE units`.execute(db);
    const plan = (await sql<{ 'QUERY PLAN': string }>`EXPLAIN ${nearestQuery(some.id, 30)}`.execute(db)).rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).toContain('Index Scan using units_available_knn');
    expect(plan).not.toMatch(/Sort Key: .*<->/);
  });
});
