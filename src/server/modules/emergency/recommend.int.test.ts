import crypto from 'node:crypto';
import type { KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_CONTEXT } from '../../platform/auth/principal.js';
import type { UnitType } from '../../platform/db/schema.js';
import { Discretion } from '../../platform/discretion/discretion.js';
import { createTestServer, type TestServer } from '../../test/test-server.js';
import { DispatchService } from './dispatch.service.js';
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
    let recommendations = 0;
    const counting: KyselyPlugin = {
      transformQuery: (args) => {
        if (args.node.kind === 'SelectQueryNode' && JSON.stringify(args.node).includes('<@ box(')) boxReads++;
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
    for (let k = 0; k < 40; k++) {
      const typeCode = ['INJ', 'DIST', 'ROB', 'FIRE', 'TA'][k % 5]!;
      const inc = await incidents.create(SYSTEM_CONTEXT, { typeCode, location: { lat: 13.1 + rnd() * 1.2, lon: -90 + rnd() * 2.1, source: 'map_click' } });
      const limit = [1, 3, 10, 25, 200][k % 5]!;
      const got = await dispatch.recommend(inc.id, limit, now);
      recommendations++;
      const all = rankUnits({ lat: inc.lat!, lon: inc.lon! }, candidates, got.needed, settings, now);
      expect(got.items).toEqual(all.slice(0, limit));
      compared += got.items.length;
    }
    expect(compared).toBeGreaterThan(40 * 10);
    expect(boxReads).toBeGreaterThan(0);
    expect(boxReads).toBeLessThan(recommendations);
  });
});
