import { sql, type Kysely, type Transaction } from 'kysely';
import { TAKES_UNITS_STATUSES } from '../../../common/emergency.js';
import { appendAudit } from '../../platform/audit/audit-log.js';
import type { AuditContext } from '../../platform/auth/principal.js';
import type { DB } from '../../platform/db/schema.js';
import type { ApprovedReason, Discretion, Reason } from '../../platform/discretion/discretion.js';
import { AppError, notFound } from '../../platform/errors.js';
import { ReloadingValue } from '../../platform/reloading-value.js';
import { assertTransition, dispatchedNow, findIncident, loadSettings, lockIncident, updateIncident } from './incident-store.js';
import { boxAround, boxWithinKnn, KNN_LON_SCALE, knnDistance, rankingRadiusM, rankUnits, type CandidateUnit, type Recommendation } from './recommend.js';
import { announceIncident, announceUnit, appendTimeline } from './timeline.js';

// Units read beyond the `limit` nearest: usually enough to hold every unit that could rank, so no second read.
const KNN_SLACK = 20;

type AssignPayload = { unitId: string; version?: number; rank: number | null };

// A safety net: a change through the API drops the copy at once (invalidate); one made in psql sends no NOTIFY.
const REFERENCE_TTL_MS = 5_000;

/** Which units to send, and sending them: safe when two dispatchers reach for the same unit. */
export class DispatchService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly discretion: Discretion,
  ) {
    discretion.declare<AssignPayload>({
      action: 'emergency.override_recommendation',
      entityType: 'incident',
      execute: (tx, ctx, incidentId, p, reason) => this.applyAssign(tx, ctx, incidentId, p, reason),
    });
  }

  // Settings and unit requirements change rarely and are read on every recommendation: kept a few seconds,
  // an expired copy answering while one reload runs (no request pays for it).
  private readonly reference = new ReloadingValue(async () => {
    const [settings, types] = await Promise.all([loadSettings(this.db), this.db.selectFrom('incident_types').select(['code', 'required_units']).execute()]);
    return { settings, requiredUnits: new Map(types.map((t) => [t.code, t.required_units])) };
  }, REFERENCE_TTL_MS, REFERENCE_TTL_MS);

  /** Drops the cached settings and unit requirements: a catalogue or settings change committed (CATALOGUE_CHANNEL). */
  invalidate(): void {
    this.reference.invalidate();
  }

  /** Capabilities the incident type needs and that no committed unit covers yet. */
  private neededCapabilities(required: { capability: string; count: number }[], committed: string[][]): string[] {
    const needed = required.filter((req) => committed.filter((c) => c.includes(req.capability)).length < req.count).map((r) => r.capability);
    // Once the type's needs are covered, any available unit may still be sent as backup.
    return needed.length > 0 ? needed : [...new Set(required.map((r) => r.capability))];
  }

  /**
   * The `limit` best units, exactly as ranking every available candidate would order them, without
   * reading every candidate: the nearest `limit + KNN_SLACK` (KNN index) bound the limit-th ETA, and a
   * unit farther than that ETA at the fastest speed with no penalty cannot beat it (`rankingRadiusM`).
   * When the box around that radius lies within the units already read, they are all there is to
   * rank: one round trip, which reads the incident and its nearest units together (`nearestQuery`).
   * Otherwise the box is read and ranked. Stale-position penalties apply as before.
   */
  async recommend(incidentId: string, limit = 10, now = Date.now()): Promise<{ needed: string[]; items: Recommendation[] }> {
    const read = limit + KNN_SLACK;
    const incident = (await nearestQuery(incidentId, read).execute(this.db)).rows[0];
    if (!incident) throw notFound();
    const { settings, requiredUnits } = await this.reference.get();
    const required = requiredUnits.get(incident.type_code) ?? [];
    const needed = this.neededCapabilities(required, incident.committed);
    const target = incident.incident_lat !== null && incident.incident_lon !== null ? { lat: incident.incident_lat, lon: incident.incident_lon } : null;
    let q = this.db
      .selectFrom('units')
      .select(['id', 'call_sign as callSign', 'unit_type as unitType', 'capabilities', 'department', 'lat', 'lon', 'position_at as positionAt'])
      .where('status', '=', 'available')
      .where('active', '=', true)
      .where('current_incident_id', 'is', null);
    // The same candidates rankUnits keeps: a unit with any needed capability.
    if (needed.length > 0) q = q.where(sql<boolean>`capabilities && ${needed}::text[]`);
    const positioned = q.where('lat', 'is not', null).where('lon', 'is not', null);
    // With a location the first `limit` are all that is shown; without one, department order is applied after.
    const rank = (units: CandidateUnit[]) => rankUnits(target, units, needed, settings, now, target ? limit : Number.POSITIVE_INFINITY);
    let ranked: Recommendation[] | null = null;
    let candidates: CandidateUnit[];
    if (!target) candidates = await q.execute();
    // The statement filtered by every capability the type requires; the incident may need fewer by now (units committed).
    else if (sameSet(needed, incident.required ?? [])) candidates = nearestUnits(incident.units);
    else candidates = await positioned.orderBy(sql`point(lon * ${sql.lit(KNN_LON_SCALE)}, lat) <-> point(${target.lon * KNN_LON_SCALE}, ${target.lat})`).limit(read).execute();
    if (target && candidates.length < limit) {
      // Fewer positioned candidates than asked for: all of them, then those with no position (ranked last).
      candidates = [...candidates, ...(await q.where((eb) => eb.or([eb('lat', 'is', null), eb('lon', 'is', null)])).execute())];
    } else if (target && candidates.length === read) {
      // (Fewer than `read` back means every positioned candidate is here already.)
      ranked = rank(candidates);
      const worst = ranked.at(-1)?.etaSeconds;
      const box = worst == null ? null : boxAround(target, rankingRadiusM(worst, settings));
      const last = candidates.at(-1)!;
      if (!box || !boxWithinKnn(target, box, knnDistance(target, { lat: last.lat!, lon: last.lon! }))) {
        ranked = null;
        candidates = box
          ? await positioned
              // The KNN index (migrations/0006) answers the box too: the same point, the same scale.
              .where(sql<boolean>`point(lon * ${sql.lit(KNN_LON_SCALE)}, lat) <@ box(point(${box.minLon * KNN_LON_SCALE}, ${box.minLat}), point(${box.maxLon * KNN_LON_SCALE}, ${box.maxLat}))`)
              .execute()
          : await q.execute();
      }
    }
    // The nearest units alone, when they hold every unit that can rank, are ranked once.
    ranked ??= rank(candidates);
    // Without coordinates, units of the incident's department come first.
    const items = target ? ranked : [...ranked.filter((r) => r.department === incident.incident_department), ...ranked.filter((r) => r.department !== incident.incident_department)].map((r, i) => ({ ...r, rank: i + 1 }));
    return { needed, items: items.slice(0, limit) };
  }

  /** Sending the top recommendation is routine; any other unit is discretionary and needs a reason. */
  async assign(ctx: AuditContext, incidentId: string, unitId: string, version: number | undefined, reason: Reason | undefined) {
    // A unit someone else just took is a conflict to report, not a choice to justify.
    const unit = await this.db.selectFrom('units').selectAll().where('id', '=', unitId).executeTakeFirst();
    if (!unit) throw notFound();
    await this.assertFree(unit);
    const { items } = await this.recommend(incidentId, 1000);
    const rank = items.find((r) => r.unitId === unitId)?.rank ?? null;
    // Not among the candidates: if another dispatcher took it meanwhile, that is still the conflict to report.
    if (rank === null) await this.assertFree((await this.db.selectFrom('units').selectAll().where('id', '=', unitId).executeTakeFirst()) ?? unit);
    const payload: AssignPayload = { unitId, version, rank };
    if (rank !== 1) {
      await this.discretion.request(ctx, 'emergency.override_recommendation', incidentId, payload, reason);
      return (await findIncident(this.db, incidentId))!;
    }
    // Not needed here, but a reason given is recorded, so it must be one a discretionary assignment would accept.
    const checked = await this.discretion.checkOptionalReason('emergency.override_recommendation', reason);
    return this.db.transaction().execute((tx) => this.applyAssign(tx, ctx, incidentId, payload, checked));
  }

  private async assertFree(unit: { call_sign: string; status: string; current_incident_id: string | null }, db: Kysely<DB> | Transaction<DB> = this.db) {
    if (unit.current_incident_id) {
      const other = await findIncident(db, unit.current_incident_id);
      throw new AppError('unit_committed', 409, { callSign: unit.call_sign, incidentNumber: other?.number ?? '?' }, { incidentId: unit.current_incident_id, incidentNumber: other?.number ?? null });
    }
    if (unit.status !== 'available') throw new AppError('unit_not_available', 409, { callSign: unit.call_sign, status: unit.status }, { unitStatus: unit.status });
  }

  private async applyAssign(tx: Transaction<DB>, ctx: AuditContext, incidentId: string, p: AssignPayload, reason: ApprovedReason | null) {
    // Unit first, then incident: every path that locks both does so in this order.
    const unit = await tx.selectFrom('units').selectAll().where('id', '=', p.unitId).forUpdate().executeTakeFirst();
    if (!unit) throw notFound();
    await this.assertFree(unit, tx);
    const incident = await lockIncident(tx, incidentId, p.version);
    // A first unit moves it along the table; more units join an incident already being worked.
    if (incident.status === 'received') assertTransition(incident, 'dispatched');
    else if (!TAKES_UNITS_STATUSES.includes(incident.status)) {
      throw new AppError('illegal_transition', 409, { from: incident.status, to: 'dispatched' }, { currentStatus: incident.status, currentVersion: incident.version });
    }
    const now = new Date();
    await tx.insertInto('assignments').values({ incident_id: incidentId, unit_id: unit.id, assigned_by: ctx.actorId, recommended_rank: p.rank, released_at: null }).execute();
    const updatedUnit = await tx
      .updateTable('units')
      .set({ status: 'dispatched', status_changed_at: now, current_incident_id: incidentId, version: unit.version + 1 })
      .where('id', '=', unit.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await tx.insertInto('unit_status_history').values({ unit_id: unit.id, status: 'dispatched', incident_id: incidentId, actor_id: ctx.actorId }).execute();
    const updated = await updateIncident(tx, incident, incident.status === 'received' ? dispatchedNow(incident, now) : {});
    await appendTimeline(tx, ctx, incidentId, 'assignment', { unitId: unit.id, callSign: unit.call_sign, recommendedRank: p.rank, ...(reason ? { reason } : {}) });
    if (incident.status === 'received') await appendTimeline(tx, ctx, incidentId, 'status', { from: 'received', to: 'dispatched' });
    await announceIncident(tx, updated, incident.status === 'received' ? 'status' : 'updated');
    await announceUnit(tx, updatedUnit, 'status');
    await appendAudit(tx, ctx, { action: 'incident.unit_assigned', entityType: 'incident', entityId: incidentId, changes: { unitId: unit.id, callSign: unit.call_sign, recommendedRank: p.rank }, reason });
    return updated;
  }
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === new Set(b).size && a.every((x) => b.includes(x));

/**
 * The incident (type, location, department, the capabilities of the units committed to it and those
 * its type requires) and, in `units`, its `read` nearest available units with any capability the
 * type requires, nearest first: the KNN index of migrations/0006, driven by the incident's own point.
 * One row; `units` is empty when no unit qualifies or the incident has no location; no row when it
 * does not exist. The units come as one JSON array of arrays (`nearestUnits` reads them): parsed
 * natively in one call, where a row per unit repeated the incident's columns and parsed each array
 * and time stamp in JavaScript. The capability test is a CASE: an `OR` there made PostgreSQL guess
 * 75 matching units of 5,000 and sort them all instead of walking the index.
 */
export function nearestQuery(incidentId: string, read: number) {
  return sql<{
    type_code: string;
    incident_lat: number | null;
    incident_lon: number | null;
    incident_department: string | null;
    committed: string[][];
    required: string[] | null;
    units: NearestUnitRow[];
  }>`
    WITH i AS MATERIALIZED (
      SELECT i.type_code, i.lat, i.lon, i.department,
             (SELECT array_agg(DISTINCT r->>'capability') FROM incident_types it, jsonb_array_elements(it.required_units) r WHERE it.code = i.type_code) AS required,
             COALESCE((SELECT jsonb_agg(cu.capabilities) FROM assignments a JOIN units cu ON cu.id = a.unit_id
                        WHERE a.incident_id = i.id AND a.released_at IS NULL), '[]'::jsonb) AS committed
        FROM incidents i WHERE i.id = ${incidentId})
    SELECT i.type_code, i.lat AS incident_lat, i.lon AS incident_lon, i.department AS incident_department, i.committed, i.required,
           COALESCE((SELECT json_agg(json_build_array(u.id, u.call_sign, u.unit_type, u.capabilities, u.department, u.lat, u.lon,
                                                      floor(extract(epoch FROM u.position_at) * 1000)) ORDER BY u.d)
                       FROM (SELECT u.*, point(u.lon * ${sql.lit(KNN_LON_SCALE)}, u.lat) <-> point(i.lon * ${sql.lit(KNN_LON_SCALE)}, i.lat) AS d
                               FROM units u
                              WHERE u.status = 'available' AND u.active AND u.current_incident_id IS NULL AND u.lat IS NOT NULL AND u.lon IS NOT NULL
                                AND i.lat IS NOT NULL AND i.lon IS NOT NULL
                                AND CASE WHEN i.required IS NULL THEN true ELSE u.capabilities && i.required END
                              ORDER BY d
                              LIMIT ${read}) u), '[]') AS units
      FROM i`;
}

/** One unit of `nearestQuery`: id, call sign, type, capabilities, department, lat, lon, position time (epoch ms, truncated as pg's Date is). */
type NearestUnitRow = [string, string, string, string[], string, number, number, number | null];

const nearestUnits = (rows: NearestUnitRow[]): CandidateUnit[] =>
  rows.map(([id, callSign, unitType, capabilities, department, lat, lon, at]) => ({ id, callSign, unitType, capabilities, department, lat, lon, positionAt: at === null ? null : new Date(at) }));
