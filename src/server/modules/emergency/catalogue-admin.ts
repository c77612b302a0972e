import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { appendAudit } from '../../platform/audit/audit-log.js';
import type { AuditContext } from '../../platform/auth/principal.js';
import type { DB } from '../../platform/db/schema.js';
import { AppError, notFound } from '../../platform/errors.js';
import { catalogueChanged, loadIncidentTypes, loadTargets, type IncidentType, type IncidentTypeCache } from './catalogue.js';
import { loadSettings, type DispatchSettings } from './incident-store.js';

export type TypeInput = Omit<IncidentType, 'code'>;
type Question = TypeInput['questions'][number];

/** Operators and values each kind of question can be tested with: a rule that can never fire is refused, not stored. */
function ruleFits(q: Question, operator: string, value: unknown): boolean {
  const optionValues = (q.options ?? []).map((o) => o.value);
  switch (q.kind) {
    case 'yes_no':
      return operator === 'eq' && typeof value === 'boolean';
    case 'number':
      return ['eq', 'gte', 'lte'].includes(operator) && typeof value === 'number' && Number.isFinite(value);
    case 'choice':
      if (operator === 'eq') return typeof value === 'string' && optionValues.includes(value);
      return operator === 'in' && Array.isArray(value) && value.length > 0 && value.every((v) => optionValues.includes(v));
    case 'text':
      return operator === 'eq' && typeof value === 'string' && value.trim().length > 0;
  }
}

/** Questions a call-taker can answer, and rules that name them with values they can take. */
function assertCoherent(t: TypeInput) {
  const seen = new Set<string>();
  for (const q of t.questions) {
    const values = (q.options ?? []).map((o) => o.value);
    const optionsOk = q.kind === 'choice' ? values.length > 0 && new Set(values).size === values.length : q.options === null || q.options.length === 0;
    if (seen.has(q.key) || !optionsOk) throw new AppError('catalogue_question_invalid', 422, { key: q.key }, { key: q.key });
    seen.add(q.key);
  }
  for (const r of t.priorityRules) {
    const q = t.questions.find((x) => x.key === r.questionKey);
    if (!q || !ruleFits(q, r.operator, r.value)) throw new AppError('catalogue_rule_invalid', 422, { key: r.questionKey }, { key: r.questionKey });
  }
}

/** Changes to the catalogue, time targets and dispatch settings: each one audited with before and after. */
export class CatalogueAdmin {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly types?: IncidentTypeCache,
  ) {}

  /** Creates or replaces a type with its questions and rules; rules may only name the type's own questions. */
  async putType(ctx: AuditContext, code: string, t: TypeInput) {
    assertCoherent(t);
    // A retired type brought back is a change of that type, not a new one.
    const before = (await loadIncidentTypes(this.db, code, true))[0] ?? null;
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
      await catalogueChanged(tx);
      await appendAudit(tx, ctx, { action: before ? 'catalogue.type_changed' : 'catalogue.type_created', entityType: 'incident_type', entityId: code, changes: { before, after: { code, ...t } } });
    });
    this.types?.invalidate();
    return (await loadIncidentTypes(this.db, code))[0]!;
  }

  /** Retires a type: intake no longer offers it; incidents of that type keep it. PUT brings it back. */
  async retireType(ctx: AuditContext, code: string) {
    const before = (await loadIncidentTypes(this.db, code))[0];
    if (!before) throw notFound();
    await this.db.transaction().execute(async (tx) => {
      // A citizen channel that still files reports as this type would fail every one of them.
      const mapped = await sql<{ code: string }>`SELECT code FROM citizen_report_types WHERE incident_type_code = ${code} FOR SHARE`.execute(tx);
      if (mapped.rows.length > 0) throw new AppError('incident_type_in_use', 409, { code }, { citizenReportTypes: mapped.rows.map((r) => r.code) });
      await tx.updateTable('incident_types').set({ active: false }).where('code', '=', code).execute();
      await catalogueChanged(tx);
      await appendAudit(tx, ctx, { action: 'catalogue.type_retired', entityType: 'incident_type', entityId: code, changes: { before: { active: true }, after: { active: false } } });
    });
    this.types?.invalidate();
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
      // Every server process drops its cached settings when this commits (DispatchService.invalidate).
      await catalogueChanged(tx);
      await appendAudit(tx, ctx, { action: 'catalogue.dispatch_settings_changed', entityType: 'dispatch_settings', changes: { before, after: { ...before, ...patch } } });
    });
    return loadSettings(this.db);
  }
}

/**
 * The intervals the standards measure (NENA call processing, NFPA turnout and travel), each from
 * the incident's own stamps. Closure intervals count closed incidents only: a cancellation also
 * stamps `closed_at` but ends no work. Intervals ending at resolution or closure leave reopened incidents out.
 */
export const RESPONSE_INTERVALS = {
  callProcessing: { from: 'call_received_at', to: 'created_at', closedOnly: false, oneEpisode: false },
  answerToDispatch: { from: 'call_received_at', to: 'first_dispatched_at', closedOnly: false, oneEpisode: false },
  turnout: { from: 'first_dispatched_at', to: 'first_en_route_at', closedOnly: false, oneEpisode: false },
  travel: { from: 'first_en_route_at', to: 'first_on_scene_at', closedOnly: false, oneEpisode: false },
  dispatchToArrival: { from: 'first_dispatched_at', to: 'first_on_scene_at', closedOnly: false, oneEpisode: false },
  // `resolved_at` and `closed_at` are the last episode's, the `first_*` stamps the first's: a reopened incident would pair two episodes.
  onSceneToResolved: { from: 'first_on_scene_at', to: 'resolved_at', closedOnly: false, oneEpisode: true },
  resolvedToClosed: { from: 'resolved_at', to: 'closed_at', closedOnly: true, oneEpisode: true },
  total: { from: 'call_received_at', to: 'closed_at', closedOnly: true, oneEpisode: true },
} as const;
export type ResponseInterval = keyof typeof RESPONSE_INTERVALS;

/** Every interval over a period, per priority: how many incidents have it, median and 90th percentile, in seconds. */
export async function responseMetrics(db: Kysely<DB>, from: Date, to: Date, department?: string) {
  const dept = department ? sql`AND department = ${department}` : sql``;
  const names = Object.keys(RESPONSE_INTERVALS) as ResponseInterval[];
  // Column names come from the constant above, never from a request.
  const columns = names.map((name, i) => {
    const d = RESPONSE_INTERVALS[name];
    const seconds = sql.raw(`extract(epoch FROM ${d.to} - ${d.from})`);
    const filter = sql.raw([`${d.to} IS NOT NULL AND ${d.from} IS NOT NULL`, d.closedOnly ? `status = 'closed'` : '', d.oneEpisode ? 'reopened_at IS NULL' : ''].filter(Boolean).join(' AND '));
    return sql`count(*) FILTER (WHERE ${filter})::int AS ${sql.raw(`n${i}`)},
      percentile_cont(0.5) WITHIN GROUP (ORDER BY ${seconds}) FILTER (WHERE ${filter}) AS ${sql.raw(`p50_${i}`)},
      percentile_cont(0.9) WITHIN GROUP (ORDER BY ${seconds}) FILTER (WHERE ${filter}) AS ${sql.raw(`p90_${i}`)}`;
  });
  const r = await sql<Record<string, number | null> & { priority: number; incidents: number }>`
    SELECT priority, count(*)::int AS incidents, ${sql.join(columns)}
    FROM incidents
    WHERE call_received_at >= ${from} AND call_received_at < ${to} AND status <> 'merged' ${dept}
    GROUP BY priority ORDER BY priority`.execute(db);
  const round = (v: number | null | undefined) => (v === null || v === undefined ? null : Math.round(Number(v)));
  return r.rows.map((x) => ({
    priority: x.priority,
    incidents: x.incidents,
    ...(Object.fromEntries(names.map((name, i) => [name, { n: Number(x[`n${i}`]), p50: round(x[`p50_${i}`]), p90: round(x[`p90_${i}`]) }])) as Record<ResponseInterval, { n: number; p50: number | null; p90: number | null }>),
  }));
}
