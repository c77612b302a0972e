import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, createTestServer, type TestServer } from '../src/server/test/test-server.js';

let s: TestServer;
let url: string;
beforeAll(async () => {
  s = await createTestServer({ SEED_DEMO_EMERGENCY: 'true' });
  // The simulator is another process: the server listens on a real port.
  await s.centinela.app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(s.centinela.app.server.address() as AddressInfo).port}`;
}, 60_000);
afterAll(() => s.close());

/** Runs the simulator to its end; resolves with its exit code and output. */
function simulate(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/simulate.ts', ...args], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

// Metres on a local plane around `origin`: straight lines in latitude/longitude stay straight here.
const planar = (origin: { lat: number; lon: number }, p: { lat: number; lon: number }) => ({
  x: (p.lon - origin.lon) * 111_320 * Math.cos((origin.lat * Math.PI) / 180),
  y: (p.lat - origin.lat) * 110_574,
});

describe('npm run simulate', () => {
  it('plays incidents end to end through the API, its units driving straight to the scene', async () => {
    const { db } = s.database;
    const before = new Map((await db.selectFrom('units').select(['id', 'lat', 'lon']).execute()).map((u) => [u.id, { lat: u.lat!, lon: u.lon! }]));
    const started = new Date();
    const COUNT = 6;
    const run = await simulate(['--url', url, '--password', DEMO_PASSWORD, '--count', String(COUNT), '--rate', '600', '--time-scale', '100']);
    expect(run.code, run.out).toBe(0);
    const done = /done: (\d+) incidents, \d+ assignments, \d+ position reports, \d+ on scene, (\d+) closed, (\d+) awaiting approval, (\d+) errors/.exec(run.out);
    expect(done, run.out).not.toBeNull();
    expect(done!.slice(1).map(Number), run.out).toEqual([COUNT, COUNT, 0, 0]);

    const incidents = await db.selectFrom('incidents').select(['id', 'number', 'status', 'disposition_code', 'closed_at', 'lat', 'lon']).where('created_at', '>=', started).execute();
    expect(incidents).toHaveLength(COUNT);
    expect(incidents.filter((i) => i.status !== 'closed' || !i.disposition_code || !i.closed_at).map((i) => i.number)).toEqual([]);

    const assignments = await db.selectFrom('assignments').select(['unit_id', 'incident_id', 'released_at']).where('assigned_at', '>=', started).execute();
    expect(assignments.length).toBeGreaterThan(0);
    expect(assignments.filter((a) => a.released_at === null)).toEqual([]);
    const positions = await db.selectFrom('unit_positions').select(['unit_id', 'lat', 'lon', 'recorded_at']).where('recorded_at', '>=', started).orderBy('recorded_at').execute();
    const track = (unitId: string) => positions.filter((p) => p.unit_id === unitId);
    expect(assignments.filter((a) => track(a.unit_id).length === 0).map((a) => a.unit_id)).toEqual([]);

    // A unit with one trip in this run started where it stood before, so its track is start → scene.
    const trip = assignments.find((a) => assignments.filter((b) => b.unit_id === a.unit_id).length === 1)!;
    const from = before.get(trip.unit_id)!;
    const sceneRow = incidents.find((i) => i.id === trip.incident_id)!;
    const scene = planar(from, { lat: sceneRow.lat!, lon: sceneRow.lon! });
    const length = Math.hypot(scene.x, scene.y);
    const along = track(trip.unit_id).map((p) => {
      const q = planar(from, p);
      return { t: (q.x * scene.x + q.y * scene.y) / length ** 2, offLineM: Math.abs(q.x * scene.y - q.y * scene.x) / length };
    });
    expect(along.length).toBeGreaterThanOrEqual(2);
    expect(along.filter((a) => a.offLineM > 1)).toEqual([]);
    expect(along.every((a, k) => a.t > (along[k - 1]?.t ?? 0) && a.t <= 1 + 1e-9)).toBe(true);
    expect(along.at(-1)!.t).toBeCloseTo(1, 6);
  }, 30_000);
});
