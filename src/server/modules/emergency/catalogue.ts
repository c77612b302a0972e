import type { Kysely, Transaction } from 'kysely';
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

/** The incident-type catalogue with each type's protocol questions and priority rules. */
export async function loadIncidentTypes(db: Db, onlyCode?: string): Promise<IncidentType[]> {
  let tq = db.selectFrom('incident_types').selectAll().where('active', '=', true).orderBy('code');
  let qq = db.selectFrom('protocol_questions').selectAll().orderBy('type_code').orderBy('position');
  let rq = db.selectFrom('priority_rules').selectAll();
  if (onlyCode) {
    tq = tq.where('code', '=', onlyCode);
    qq = qq.where('type_code', '=', onlyCode);
    rq = rq.where('type_code', '=', onlyCode);
  }
  const [types, questions, rules] = await Promise.all([tq.execute(), qq.execute(), rq.execute()]);
  return types.map((t) => ({
    code: t.code,
    name: { es: t.name_es, en: t.name_en },
    defaultPriority: t.default_priority,
    requiredUnits: t.required_units,
    emergency: t.emergency,
    questions: questions
      .filter((q) => q.type_code === t.code)
      .map((q) => ({ key: q.key, prompt: { es: q.prompt_es, en: q.prompt_en }, kind: q.kind, options: q.options })),
    priorityRules: rules
      .filter((r) => r.type_code === t.code)
      .map((r): PriorityRule => ({ questionKey: r.question_key, operator: r.operator, value: r.value, priority: r.priority })),
  }));
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
