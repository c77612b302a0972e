import { sql, type Kysely, type Transaction } from 'kysely';
import { DEPARTMENTS, withinServiceArea } from '../../platform/geo/departments.js';
import { canTransition, type UnitStatus, type UnitType } from '../../../common/emergency.js';
import { appendAudit } from '../../platform/audit/audit-log.js';
import type { AuditContext, Principal } from '../../platform/auth/principal.js';
import type { DB } from '../../platform/db/schema.js';
import { AppError, notFound } from '../../platform/errors.js';
import { lockIncident, updateIncident } from './incident-store.js';
import { announceIncident, announceUnit, appendTimeline } from './timeline.js';

type Db = Kysely<DB> | Transaction<DB>;

export type NewUnit = { callSign: string; unitType: UnitType; capabilities: string[]; homeStation: string; department: string; crew?: string[]; status?: UnitStatus };
export type PositionReport = { lat: number; lon: number; accuracyM?: number | null; heading?: number | null; speedMps?: number | null; recordedAt: string };

/** Frees every unit still committed to an incident (closure, cancellation). */
export async function releaseUnits(tx: Transaction<DB>, ctx: AuditContext, incidentId: string) {
  const active = await tx.selectFrom('assignments').select(['id', 'unit_id']).where('incident_id', '=', incidentId).where('released_at', 'is', null).execute();
  for (const a of active) {
    await tx.updateTable('assignments').set({ released_at: new Date() }).where('id', '=', a.id).execute();
    const unit = await tx
      .updateTable('units')
      .set((eb) => ({ status: 'available', status_changed_at: new Date(), current_incident_id: null, version: eb('version', '+', 1) }))
      .where('id', '=', a.unit_id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await tx.insertInto('unit_status_history').values({ unit_id: unit.id, status: 'available', incident_id: incidentId, actor_id: ctx.actorId }).execute();
    await appendTimeline(tx, ctx, incidentId, 'unit_status', { unitId: unit.id, callSign: unit.call_sign, status: 'available', released: true });
    await announceUnit(tx, unit, 'status');
  }
}

// The incident follows its most advanced unit: the first unit en route moves it to en_route, and so on.
const INCIDENT_FOR_UNIT: Partial<Record<UnitStatus, { status: 'en_route' | 'on_scene'; stamp: 'first_en_route_at' | 'first_on_scene_at' }>> = {
  en_route: { status: 'en_route', stamp: 'first_en_route_at' },
  on_scene: { status: 'on_scene', stamp: 'first_on_scene_at' },
};

/** Units of the force: status board, status changes from dispatchers or crews, and AVL positions. */
export class UnitsService {
  constructor(private readonly db: Kysely<DB>) {}

  async create(ctx: AuditContext, input: NewUnit) {
    // Units are listed, filtered and pushed by department: a code outside the 14 would hide the unit.
    if (!DEPARTMENTS.some((d) => d.id === input.department)) {
      throw new AppError('validation_failed', 422, {}, { errors: [{ path: 'body.department', code: 'unknown_department', message: `not a department of El Salvador (${DEPARTMENTS.map((d) => d.id).join(', ')})` }] });
    }
    return this.db.transaction().execute(async (tx) => {
      const taken = await tx.selectFrom('units').select('id').where('call_sign', '=', input.callSign).executeTakeFirst();
      if (taken) throw new AppError('call_sign_taken', 409);
      const unit = await tx
        .insertInto('units')
        .values({
          call_sign: input.callSign,
          unit_type: input.unitType,
          capabilities: [...new Set([input.unitType, ...input.capabilities])].sort(),
          home_station: input.homeStation,
          department: input.department,
          status: input.status ?? 'off_duty',
          current_incident_id: null,
          lat: null,
          lon: null,
          position_at: null,
          position_accuracy_m: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      if (input.crew?.length) await tx.insertInto('unit_crew').values(input.crew.map((user_id) => ({ unit_id: unit.id, user_id }))).execute();
      await announceUnit(tx, unit, 'created');
      await appendAudit(tx, ctx, { action: 'unit.created', entityType: 'unit', entityId: unit.id, changes: { after: { ...input } } });
      return unit;
    });
  }

  async list(db: Db, filter: { department?: string; status?: UnitStatus; ids?: string[]; limit: number }) {
    let q = db.selectFrom('units').selectAll().where('active', '=', true).orderBy('department').orderBy('call_sign').limit(filter.limit);
    if (filter.department) q = q.where('department', '=', filter.department);
    // One statement text whatever the number of ids (prepared-statement budget).
    if (filter.ids) q = q.where(sql<boolean>`id = ANY(${filter.ids}::uuid[])`);
    if (filter.status) q = q.where('status', '=', filter.status);
    return q.execute();
  }

  async get(id: string) {
    const u = await this.db.selectFrom('units').selectAll().where('id', '=', id).executeTakeFirst();
    if (!u) throw notFound();
    return u;
  }

  async crewOf(unitId: string) {
    const rows = await this.db.selectFrom('unit_crew').innerJoin('users', 'users.id', 'unit_crew.user_id').select(['users.id', 'users.username', 'users.display_name']).where('unit_id', '=', unitId).execute();
    return rows.map((r) => ({ id: r.id, username: r.username, displayName: r.display_name }));
  }

  /** Dispatchers may change any unit; a field officer only the unit they crew. */
  private async assertMayDrive(principal: Principal, unitId: string) {
    if (principal.permissions.has('incidents:dispatch')) return;
    const crew = await this.db.selectFrom('unit_crew').select('user_id').where('unit_id', '=', unitId).where('user_id', '=', principal.userId).executeTakeFirst();
    if (!crew) throw new AppError('forbidden', 403);
  }

  async updateStatus(principal: Principal, ctx: AuditContext, unitId: string, status: UnitStatus, version?: number) {
    await this.assertMayDrive(principal, unitId);
    return this.db.transaction().execute(async (tx) => {
      const unit = await tx.selectFrom('units').selectAll().where('id', '=', unitId).forUpdate().executeTakeFirst();
      if (!unit) throw notFound();
      if (version !== undefined && unit.version !== version) throw new AppError('stale_version', 409, { currentVersion: unit.version }, { currentVersion: unit.version });
      const committed = unit.current_incident_id;
      if (status === 'dispatched') throw new AppError('illegal_transition', 409, { from: unit.status, to: status }, { why: 'a unit is dispatched by assignment' });
      if (!committed && (status === 'en_route' || status === 'on_scene')) {
        throw new AppError('illegal_transition', 409, { from: unit.status, to: status }, { why: 'the unit has no assignment' });
      }
      // Unit, then its incident, before any row that references the incident (a foreign key share-locks it).
      const incident = committed ? await lockIncident(tx, committed) : null;
      const now = new Date();
      const releasing = committed !== null && !['en_route', 'on_scene'].includes(status);
      const updated = await tx
        .updateTable('units')
        .set({ status, status_changed_at: now, version: unit.version + 1, ...(releasing ? { current_incident_id: null } : {}) })
        .where('id', '=', unitId)
        .returningAll()
        .executeTakeFirstOrThrow();
      await tx.insertInto('unit_status_history').values({ unit_id: unitId, status, incident_id: committed, actor_id: ctx.actorId }).execute();
      if (committed && incident) {
        if (releasing) await tx.updateTable('assignments').set({ released_at: now }).where('unit_id', '=', unitId).where('released_at', 'is', null).execute();
        await appendTimeline(tx, ctx, committed, 'unit_status', { unitId, callSign: unit.call_sign, status, released: releasing });
        const move = INCIDENT_FOR_UNIT[status];
        // As the lifecycle table allows, which moves forward only (a resolved incident never goes back en route).
        if (move && canTransition(incident.status, move.status)) {
          const next = await updateIncident(tx, incident, { status: move.status, [move.stamp]: incident[move.stamp] ?? now });
          await appendTimeline(tx, ctx, committed, 'status', { from: incident.status, to: move.status, byUnit: unit.call_sign });
          await announceIncident(tx, next, 'status');
        } else {
          await announceIncident(tx, await updateIncident(tx, incident, {}), 'updated');
        }
      }
      // The audit chain's head is the last lock a transaction takes, so no two orders can deadlock.
      await announceUnit(tx, updated, 'status');
      await appendAudit(tx, ctx, { action: 'unit.status_changed', entityType: 'unit', entityId: unitId, changes: { before: { status: unit.status }, after: { status }, incidentId: committed } });
      return updated;
    });
  }

  /** AVL: a batch of positions (possibly recorded offline) is stored whole; the newest becomes current. */
  async reportPositions(principal: Principal, ctx: AuditContext, unitId: string, reports: PositionReport[]) {
    await this.assertMayDrive(principal, unitId);
    return this.db.transaction().execute(async (tx) => {
      const unit = await tx.selectFrom('units').selectAll().where('id', '=', unitId).forUpdate().executeTakeFirst();
      if (!unit) throw notFound();
      const [inserted] = await tx
        .insertInto('unit_positions')
        .values(
          reports.map((r) => ({
            unit_id: unitId,
            lat: r.lat,
            lon: r.lon,
            accuracy_m: r.accuracyM ?? null,
            heading: r.heading ?? null,
            speed_mps: r.speedMps ?? null,
            recorded_at: r.recordedAt,
            reported_by: ctx.actorId,
          })),
        )
        // A replayed batch (its answer was lost on a weak signal) adds nothing the first one stored.
        .onConflict((oc) => oc.columns(['unit_id', 'recorded_at']).doNothing())
        .execute();
      // Every fix is kept in the track; only one in the service area can become the unit's position (a GPS without a fix reports 0,0).
      // Newest first, each time parsed once; the area test (a polygon walk) usually runs for the first only.
      const timed = reports.map((r) => ({ r, at: Date.parse(r.recordedAt) })).sort((a, b) => b.at - a.at);
      const newest = timed.find(({ r }) => withinServiceArea(r.lat, r.lon))?.r;
      const newestAt = newest ? new Date(newest.recordedAt) : null;
      const current = newest !== undefined && newestAt !== null && (!unit.position_at || unit.position_at < newestAt);
      if (current) {
        // No version bump per fix: positions are too frequent, and the batch's audit entry below records them.
        await tx.updateTable('units').set({ lat: newest.lat, lon: newest.lon, position_at: newestAt, position_accuracy_m: newest.accuracyM ?? null }).where('id', '=', unitId).execute();
        await announceUnit(tx, unit, 'position', { lat: newest.lat, lon: newest.lon, at: newest.recordedAt, accuracyM: newest.accuracyM ?? null });
      }
      // One entry per batch, not per fix (ingestion runs at thousands a second); each track row names its reporter.
      await appendAudit(tx, ctx, {
        action: 'unit.positions_reported',
        entityType: 'unit',
        entityId: unitId,
        // What arrived and what was new: a replayed batch stores nothing.
        changes: { count: reports.length, stored: Number(inserted?.numInsertedOrUpdatedRows ?? 0), firstRecordedAt: new Date(timed.at(-1)!.at).toISOString(), lastRecordedAt: new Date(timed[0]!.at).toISOString(), current },
      });
      return { accepted: reports.length, current };
    });
  }

  /** A unit's status changes, newest first: who made each and for which incident. */
  async statusHistory(unitId: string, limit: number) {
    const unit = await this.db.selectFrom('units').select('id').where('id', '=', unitId).executeTakeFirst();
    if (!unit) throw notFound();
    return this.db
      .selectFrom('unit_status_history as h')
      .leftJoin('incidents as i', 'i.id', 'h.incident_id')
      .leftJoin('users as u', 'u.id', 'h.actor_id')
      .select(['h.status', 'h.incident_id', 'i.number as incident_number', 'u.username as actor', 'h.at'])
      .where('h.unit_id', '=', unitId)
      // One transaction stamps its rows with one time: the id keeps their order.
      .orderBy('h.at', 'desc')
      .orderBy('h.id', 'desc')
      .limit(limit)
      .execute();
  }

  async track(unitId: string, from: Date, to: Date) {
    return this.db.selectFrom('unit_positions').select(['lat', 'lon', 'accuracy_m', 'recorded_at']).where('unit_id', '=', unitId).where('recorded_at', '>=', from).where('recorded_at', '<=', to).orderBy('recorded_at').limit(5000).execute();
  }
}
