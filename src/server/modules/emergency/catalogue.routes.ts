import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../platform/db/schema.js';
import { auditContextOf, type App } from '../../platform/http/app.js';
import { problemResponses } from '../../platform/http/schemas.js';
import { incidentTypeSchema, questionSchema } from './catalogue.js';
import { RESPONSE_INTERVALS, responseMetrics, type CatalogueAdmin, type ResponseInterval } from './catalogue-admin.js';
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
const window = z.object({ n: z.number().describe('incidents that have both stamps'), p50: z.number().nullable(), p90: z.number().nullable() });
const intervalWindows = Object.fromEntries(Object.keys(RESPONSE_INTERVALS).map((k) => [k, window])) as Record<ResponseInterval, typeof window>;

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

  app.delete(
    '/incident-types/:code',
    {
      config: { access: { permission: 'catalogue:manage' } },
      schema: {
        operationId: 'retireIncidentType',
        tags,
        summary: 'Retires an incident type: intake stops offering it, incidents of that type keep it; a PUT brings it back',
        params: z.object({ code: z.string().regex(/^[A-Z0-9]{2,10}$/) }),
        response: { 204: z.null(), ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      await admin.retireType(auditContextOf(req), req.params.code);
      return reply.code(204).send(null);
    },
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
        summary: 'Response intervals per priority over a period (calls received in it): median and 90th percentile in seconds',
        description:
          'callProcessing: call received → created; answerToDispatch: call received → first dispatch; turnout: first dispatch → first en route; travel: first en route → first on scene; dispatchToArrival: first dispatch → first on scene; onSceneToResolved: first on scene → resolved; resolvedToClosed and total (call received → closed): closed incidents only. Merged incidents are left out (their survivor counts).',
        querystring: z.strictObject({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }), department: z.string().regex(/^SV\.[A-Z]{2}$/).optional() }),
        response: { 200: z.object({ items: z.array(z.object({ priority: z.number(), incidents: z.number(), ...intervalWindows })) }), ...problemResponses(400, 401, 403) },
      },
    },
    async (req) => ({ items: await responseMetrics(db, new Date(req.query.from), new Date(req.query.to), req.query.department) }),
  );
}
