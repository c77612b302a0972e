import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../platform/db/schema.js';
import { auditContextOf, type App } from '../../platform/http/app.js';
import { problemResponses } from '../../platform/http/schemas.js';
import { incidentTypeSchema, questionSchema } from './catalogue.js';
import { responseMetrics, type CatalogueAdmin } from './catalogue-admin.js';
import { loadSettings } from './incident-store.js';
import { UNIT_TYPES } from '../../../common/emergency.js';

const tags = ['catalogue'];
const settingsSchema = z.object({
  speedKmh: z.record(z.enum(UNIT_TYPES), z.number().min(1).max(200)),
  roadFactor: z.number().min(1).max(3),
  stalePositionSeconds: z.number().int().min(10).max(86_400),
  stalePositionPenaltySeconds: z.number().int().min(0).max(86_400),
  relatedRadiusM: z.number().int().min(10).max(50_000),
  relatedWindowMinutes: z.number().int().min(1).max(7 * 24 * 60),
});
const window = z.object({ p50: z.number().nullable(), p90: z.number().nullable() });

export function catalogueRoutes(app: App, deps: { db: Kysely<DB>; admin: CatalogueAdmin }) {
  const { db, admin } = deps;

  app.put(
    '/incident-types/:code',
    {
      config: { access: { permission: 'catalogue:manage' } },
      schema: {
        operationId: 'putIncidentType',
        tags,
        summary: 'Creates or replaces an incident type with its protocol questions and priority rules',
        params: z.object({ code: z.string().regex(/^[A-Z0-9]{2,10}$/) }),
        body: z.strictObject({
          name: z.strictObject({ es: z.string().trim().min(1).max(120), en: z.string().trim().min(1).max(120) }),
          defaultPriority: z.number().int().min(1).max(4),
          requiredUnits: z.array(z.strictObject({ capability: z.enum(UNIT_TYPES), count: z.number().int().min(1).max(10) })).max(5),
          emergency: z.boolean(),
          questions: z.array(questionSchema.extend({ key: z.string().regex(/^[a-z_]{2,40}$/) })).max(20),
          priorityRules: z.array(z.strictObject({ questionKey: z.string(), operator: z.enum(['eq', 'gte', 'lte', 'in']), value: z.union([z.boolean(), z.number(), z.string(), z.array(z.string())]), priority: z.number().int().min(1).max(4) })).max(40),
        }),
        response: { 200: incidentTypeSchema, ...problemResponses(400, 401, 403, 422) },
      },
    },
    async (req) => admin.putType(auditContextOf(req), req.params.code, req.body),
  );

  app.put(
    '/priority-targets/:priority',
    {
      config: { access: { permission: 'catalogue:manage' } },
      schema: {
        operationId: 'putPriorityTarget',
        tags,
        summary: 'Sets the answer-to-dispatch and dispatch-to-arrival targets of a priority',
        params: z.object({ priority: z.coerce.number().int().min(1).max(4) }),
        body: z.strictObject({ answerToDispatchSeconds: z.number().int().min(10).max(86_400), dispatchToArrivalSeconds: z.number().int().min(10).max(86_400) }),
        response: { 200: z.object({ priority: z.number(), answerToDispatchSeconds: z.number(), dispatchToArrivalSeconds: z.number() }), ...problemResponses(400, 401, 403) },
      },
    },
    async (req) => admin.putTarget(auditContextOf(req), req.params.priority, req.body),
  );

  app.get(
    '/dispatch-settings',
    {
      config: { access: { permission: 'incidents:read' } },
      schema: { operationId: 'getDispatchSettings', tags, summary: 'Speeds per unit type, road factor, stale-position age, related-incident radius and window', response: { 200: settingsSchema } },
    },
    async () => loadSettings(db) as Promise<z.infer<typeof settingsSchema>>,
  );

  app.patch(
    '/dispatch-settings',
    {
      config: { access: { permission: 'catalogue:manage' } },
      schema: { operationId: 'patchDispatchSettings', tags, body: settingsSchema.partial().strict(), response: { 200: settingsSchema, ...problemResponses(400, 401, 403) } },
    },
    async (req) => admin.putSettings(auditContextOf(req), req.body) as Promise<z.infer<typeof settingsSchema>>,
  );

  app.get(
    '/incidents/metrics',
    {
      config: { access: { permission: 'incidents:read' } },
      schema: {
        operationId: 'getResponseMetrics',
        tags: ['incidents'],
        summary: 'Answer-to-dispatch and dispatch-to-arrival (median, 90th percentile, seconds) per priority over a period',
        querystring: z.strictObject({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }), department: z.string().regex(/^SV\.[A-Z]{2}$/).optional() }),
        response: { 200: z.object({ items: z.array(z.object({ priority: z.number(), incidents: z.number(), answerToDispatch: window, dispatchToArrival: window })) }), ...problemResponses(400, 401, 403) },
      },
    },
    async (req) => ({ items: await responseMetrics(db, new Date(req.query.from), new Date(req.query.to), req.query.department) }),
  );
}
