import { sql, type Kysely, type Transaction } from 'kysely';
import { z } from 'zod';
import type { PriorityRule } from '../../../common/emergency.js';
import type { DB } from '../../platform/db/schema.js';

type Db = Kysely<DB> | Transaction<DB>;

export const questionSchema = z.object({
  key: z.string(),
  prompt: z.object({ es: z.string(), en: z.string() }),
  kind: z.enum(['yes_no', 'choice', 'number', 'text']),
  options: z.array(z.object({ value: z.string(), es: z.string(), en: z.string() })).nullable(),
});

export const incidentTypeSchema = z.object({
  code: z.string(),
  name: z.object({ es: z.string(), en: z.string() }),
  defaultPriority: z.number().int(),
  requiredUnits: z.array(z.object({ capability: z.string(), count: z.number().int() })),
  emergency: z.boolean(),
  questions: z.array(questionSchema),
  priorityRules: z.array(z.object({ questionKey: z.string(), operator: z.enum(['eq', 'gte', 'lte', 'in']), value: z.unknown(), priority: z.number().int() })),
});
export type IncidentType = z.infer<typeof incidentTypeSchema>;

type QuestionRow = { key: string; prompt_es: string; prompt_en: string; kind: IncidentType['questions'][number]['kind']; options: IncidentType['questions'][number]['options'] };
type RuleRow = { question_key: string; operator: PriorityRule['operator']; value: unknown; priority: number };

/** The incident-type catalogue with each type's protocol questions and priority rules, in one statement (intake reads it per call). */
export async function loadIncidentTypes(db: Db, onlyCode?: string, withRetired = false): Promise<IncidentType[]> {
  const { rows: types } = await sql<{
    code: string;
    name_es: string;
    name_en: string;
    default_priority: number;
    required_units: IncidentType['requiredUnits'];
    emergency: boolean;
    questions: QuestionRow[];
    rules: RuleRow[];
  }>`
    SELECT t.code, t.name_es, t.name_en, t.default_priority, t.required_units, t.emergency,
           COALESCE((SELECT json_agg(q ORDER BY q.position) FROM protocol_questions q WHERE q.type_code = t.code), '[]') AS questions,
           COALESCE((SELECT json_agg(r) FROM priority_rules r WHERE r.type_code = t.code), '[]') AS rules
      FROM incident_types t
     WHERE (t.active OR ${withRetired}) AND (${onlyCode ?? null}::text IS NULL OR t.code = ${onlyCode ?? null}::text)
     ORDER BY t.code`.execute(db);
  return types.map((t) => ({
    code: t.code,
    name: { es: t.name_es, en: t.name_en },
    defaultPriority: t.default_priority,
    requiredUnits: t.required_units,
    emergency: t.emergency,
    questions: t.questions.map((q) => ({ key: q.key, prompt: { es: q.prompt_es, en: q.prompt_en }, kind: q.kind, options: q.options })),
    priorityRules: t.rules.map((r): PriorityRule => ({ questionKey: r.question_key, operator: r.operator, value: r.value, priority: r.priority })),
  }));
}

/** Sent in the transaction of every catalogue change; each server process drops its cached types. */
export const CATALOGUE_CHANNEL = 'centinela_catalogue';

// A safety net only: a change made outside the application (psql) sends no NOTIFY.
const TYPES_TTL_MS = 60_000;
type Cached = { type: IncidentType; active: boolean };

/**
 * The active incident types, kept in memory: intake reads one on every call, and the catalogue
 * changes a few times a year. Dropped when a catalogue change commits (NOTIFY on CATALOGUE_CHANNEL,
 * delivered to every process, and `invalidate()` at once in the process that made it).
 */
export class IncidentTypeCache {
  private loaded: { at: number; types: Map<string, Cached> } | null = null;
  private loading: Promise<Map<string, Cached>> | null = null;
  private generation = 0;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly ttlMs = TYPES_TTL_MS,
  ) {}

  /** An active type, for intake; `withRetired` also finds a retired one, for incidents that already have it. */
  async get(code: string, opts: { withRetired?: boolean } = {}): Promise<IncidentType | undefined> {
    const l = this.loaded;
    const types = l && Date.now() - l.at < this.ttlMs ? l.types : await this.load();
    const c = types.get(code);
    return c && (c.active || opts.withRetired) ? c.type : undefined;
  }

  invalidate(): void {
    this.generation++;
    this.loaded = null;
    this.loading = null;
  }

  private load(): Promise<Map<string, Cached>> {
    const generation = this.generation;
    const at = Date.now();
    const loading = (this.loading ??= Promise.all([loadIncidentTypes(this.db, undefined, true), this.db.selectFrom('incident_types').select('code').where('active', '=', true).execute()])
      .then(([list, active]) => {
        const activeCodes = new Set(active.map((a) => a.code));
        const types = new Map(list.map((t) => [t.code, { type: t, active: activeCodes.has(t.code) }]));
        // A change that committed while this read ran may not be in it: keep it only if none did.
        if (generation === this.generation) this.loaded = { at, types };
        return types;
      })
      .finally(() => {
        if (this.loading === loading) this.loading = null;
      }));
    return loading;
  }
}

export async function loadTargets(db: Db) {
  const rows = await db.selectFrom('priority_targets').selectAll().orderBy('priority').execute();
  return new Map(rows.map((r) => [r.priority, { answerToDispatchSeconds: r.answer_to_dispatch_seconds, dispatchToArrivalSeconds: r.dispatch_to_arrival_seconds }]));
}

/** Checks an answer against its question's kind; returns the normalised value or null when invalid. */
export function normaliseAnswer(q: IncidentType['questions'][number], value: unknown): string | number | boolean | null {
  switch (q.kind) {
    case 'yes_no':
      return typeof value === 'boolean' ? value : null;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value < 1e6 ? value : null;
    case 'choice':
      return typeof value === 'string' && (q.options ?? []).some((o) => o.value === value) ? value : null;
    case 'text':
      return typeof value === 'string' && value.trim().length > 0 && value.length <= 500 ? value.trim() : null;
  }
}
