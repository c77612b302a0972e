import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { appendAudit } from '../../platform/audit/audit-log.js';
import { notifyOnCommit } from '../../platform/db/commit-signals.js';
import type { AuditContext } from '../../platform/auth/principal.js';
import type { DB } from '../../platform/db/schema.js';
import { AppError } from '../../platform/errors.js';
import { CATALOGUE_CHANNEL, loadIncidentTypes, loadTargets, type IncidentType, type IncidentTypeCache } from './catalogue.js';
import { loadSettings, type DispatchSettings } from './incident-store.js';

export type TypeInput = Omit<IncidentType, 'code'>;

/** Changes to the catalogue, time targets and dispatch settings: each one audited with before and after. */
export class CatalogueAdmin {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly types?: IncidentTypeCache,
  ) {}

  /** Creates or replaces a type with its questions and rules; rules may only name the type's own questions. */
  async putType(ctx: AuditContext, code: string, t: TypeInput) {
    const keys = new Set(t.questions.map((q) => q.key));
    const orphan = t.priorityRules.find((r) => !keys.has(r.questionKey));
    if (orphan) throw new AppError('invalid_answer', 422, { key: orphan.questionKey }, { key: orphan.questionKey });
    const before = (await loadIncidentTypes(this.db, code))[0] ?? null;
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('incident_types')
        .values({ code, name_es: t.name.es, name_en: t.name.en, default_priority: t.defaultPriority, required_units: JSON.stringify(t.requiredUnits), emergency: t.emergency })
        .onConflict((oc) => oc.column('code').doUpdateSet({ name_es: t.name.es, name_en: t.name.en, default_priority: t.defaultPriority, required_units: JSON.stringify(t.requiredUnits), emergency: t.emergency, active: true }))
        .execute();
      await tx.deleteFrom('priority_rules').where('type_code', '=', code).execute();
      // Answers already given keep their keys; questions are replaced as a set.
      await tx.deleteFrom('protocol_questions').where('type_code', '=', code).execute();
      for (const [i, q] of t.questions.entries()) {
        await tx
          .insertInto('protocol_questions')
          .values({ type_code: code, key: q.key, position: i + 1, prompt_es: q.prompt.es, prompt_en: q.prompt.en, kind: q.kind, options: q.options ? JSON.stringify(q.options) : null })
          .execute();
      }
      for (const r of t.priorityRules) {
        await tx.insertInto('priority_rules').values({ type_code: code, question_key: r.questionKey, operator: r.operator, value: JSON.stringify(r.value), priority: r.priority }).execute();
      }
      // Every server process drops its cached types when this commits (IncidentTypeCache).
      await sql`${notifyOnCommit(CATALOGUE_CHANNEL)}SELECT 1`.execute(tx);
      await appendAudit(tx, ctx, { action: before ? 'catalogue.type_changed' : 'catalogue.type_created', entityType: 'incident_type', entityId: code, changes: { before, after: { code, ...t } } });
    });
    this.types?.invalidate();
    return (await loadIncidentTypes(this.db, code))[0]!;
  }

  async putTarget(ctx: AuditContext, priority: number, target: { answerToDispatchSeconds: number; dispatchToArrivalSeconds: number }) {
    const before = (await loadTargets(this.db)).get(priority) ?? null;
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('priority_targets')
        .set({ answer_to_dispatch_seconds: target.answerToDispatchSeconds, dispatch_to_arrival_seconds: target.dispatchToArrivalSeconds })
        .where('priority', '=', priority)
        .execute();
      await appendAudit(tx, ctx, { action: 'catalogue.target_changed', entityType: 'priority_target', entityId: String(priority), changes: { before, after: target } });
    });
    return { priority, ...target };
  }

  async putSettings(ctx: AuditContext, patch: Partial<DispatchSettings>) {
    const before = await loadSettings(this.db);
    const column: Record<keyof DispatchSettings, string> = {
      speedKmh: 'speed_kmh',
      roadFactor: 'road_factor',
      stalePositionSeconds: 'stale_position_seconds',
      stalePositionPenaltySeconds: 'stale_position_penalty_seconds',
      relatedRadiusM: 'related_radius_m',
      relatedWindowMinutes: 'related_window_minutes',
    };
    await this.db.transaction().execute(async (tx) => {
      for (const [k, v] of Object.entries(patch)) {
        if (v === undefined) continue;
        await tx.updateTable('dispatch_settings').set({ value: JSON.stringify(v) }).where('key', '=', column[k as keyof DispatchSettings]).execute();
      }
      await appendAudit(tx, ctx, { action: 'catalogue.dispatch_settings_changed', entityType: 'dispatch_settings', changes: { before, after: { ...before, ...patch } } });
    });
    return loadSettings(this.db);
  }
}

/** Answer-to-dispatch and dispatch-to-arrival over a period: median and 90th percentile, in seconds. */
export async function responseMetrics(db: Kysely<DB>, from: Date, to: Date, department?: string) {
  const dept = department ? sql`AND department = ${department}` : sql``;
  const r = await sql<{ priority: number; incidents: number; a2d_p50: number | null; a2d_p90: number | null; d2a_p50: number | null; d2a_p90: number | null }>`
    SELECT priority, count(*)::int AS incidents,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_dispatched_at - call_received_at)) AS a2d_p50,
      percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM first_dispatched_at - call_received_at)) AS a2d_p90,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_on_scene_at - first_dispatched_at)) AS d2a_p50,
      percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM first_on_scene_at - first_dispatched_at)) AS d2a_p90
    FROM incidents
    WHERE call_received_at >= ${from} AND call_received_at < ${to} AND status <> 'merged' ${dept}
    GROUP BY priority ORDER BY priority`.execute(db);
  const round = (v: number | null) => (v === null ? null : Math.round(Number(v)));
  return r.rows.map((x) => ({
    priority: x.priority,
    incidents: x.incidents,
    answerToDispatch: { p50: round(x.a2d_p50), p90: round(x.a2d_p90) },
    dispatchToArrival: { p50: round(x.d2a_p50), p90: round(x.d2a_p90) },
  }));
}
