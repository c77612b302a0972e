import { sql, type Kysely, type Transaction } from 'kysely';
import { z } from 'zod';
import type { PriorityRule } from '../../../common/emergency.js';
import type { DB } from '../../platform/db/schema.js';
import { ReloadingValue } from '../../platform/reloading-value.js';
import { notifyOnCommit } from '../../platform/db/commit-signals.js';

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
  return (await loadIncidentTypeRecords(db, onlyCode, withRetired)).map((r) => r.type);
}

/** Each type with whether intake still offers it (retired types are read only `withRetired`). */
async function loadIncidentTypeRecords(db: Db, onlyCode?: string, withRetired = false): Promise<Cached[]> {
  const { rows: types } = await sql<{
    code: string;
    name_es: string;
    name_en: string;
    default_priority: number;
    required_units: IncidentType['requiredUnits'];
    emergency: boolean;
    active: boolean;
    questions: QuestionRow[];
    rules: RuleRow[];
  }>`
    SELECT t.code, t.name_es, t.name_en, t.default_priority, t.required_units, t.emergency, t.active,
           COALESCE((SELECT json_agg(q ORDER BY q.position) FROM protocol_questions q WHERE q.type_code = t.code), '[]') AS questions,
           COALESCE((SELECT json_agg(r) FROM priority_rules r WHERE r.type_code = t.code), '[]') AS rules
      FROM incident_types t
     WHERE (t.active OR ${withRetired}) AND (${onlyCode ?? null}::text IS NULL OR t.code = ${onlyCode ?? null}::text)
     ORDER BY t.code`.execute(db);
  return types.map((t) => ({
    active: t.active,
    type: {
      code: t.code,
      name: { es: t.name_es, en: t.name_en },
      defaultPriority: t.default_priority,
      requiredUnits: t.required_units,
      emergency: t.emergency,
      questions: t.questions.map((q) => ({ key: q.key, prompt: { es: q.prompt_es, en: q.prompt_en }, kind: q.kind, options: q.options })),
      priorityRules: t.rules.map((r): PriorityRule => ({ questionKey: r.question_key, operator: r.operator, value: r.value, priority: r.priority })),
    },
  }));
}

/** Sent in the transaction of every catalogue change; each server process drops its cached types. */
export const CATALOGUE_CHANNEL = 'centinela_catalogue';

/** Marks the caller's transaction: when it commits, every process drops its cached types and dispatch settings. */
export async function catalogueChanged(tx: Db): Promise<void> {
  await sql`${notifyOnCommit(CATALOGUE_CHANNEL)}SELECT 1`.execute(tx);
}

// A safety net only: a change made outside the application (psql) sends no NOTIFY.
const TYPES_TTL_MS = 60_000;
type Cached = { type: IncidentType; active: boolean };

/**
 * The incident types (retired ones marked), kept in memory: intake reads one on every call, and the catalogue
 * changes a few times a year. Dropped when a catalogue change commits (NOTIFY on CATALOGUE_CHANNEL,
 * delivered to every process, and `invalidate()` at once in the process that made it).
 */
export class IncidentTypeCache {
  private readonly types: ReloadingValue<Map<string, Cached>>;

  constructor(db: Kysely<DB>, ttlMs = TYPES_TTL_MS) {
    this.types = new ReloadingValue(async () => new Map((await loadIncidentTypeRecords(db, undefined, true)).map((c) => [c.type.code, c])), ttlMs);
  }

  /** An active type, for intake; `withRetired` also finds a retired one, for incidents that already have it. */
  async get(code: string, opts: { withRetired?: boolean } = {}): Promise<IncidentType | undefined> {
    const c = (await this.types.get()).get(code);
    return c && (c.active || opts.withRetired) ? c.type : undefined;
  }

  invalidate(): void {
    this.types.invalidate();
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
