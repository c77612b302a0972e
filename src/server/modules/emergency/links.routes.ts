import type { Kysely } from 'kysely';
import { z } from 'zod';
import { recordSensitiveRead } from '../../platform/audit/sensitive-read.js';
import type { DB } from '../../platform/db/schema.js';
import { auditContextOf, type App } from '../../platform/http/app.js';
import { problemResponses, uuidParam } from '../../platform/http/schemas.js';
import { INCIDENT_SOURCES } from '../../../common/emergency.js';
import { incidentSummarySchema, presentIncident } from './incident.presenter.js';
import { callerInput, callReceivedAtSchema } from './incidents.routes.js';
import type { LinksService } from './links.service.js';

const tags = ['incidents'];

const linksSchema = z.object({
  related: z.array(z.object({ id: z.uuid(), number: z.string(), status: z.string(), linkedAt: z.string() })),
  calls: z.array(
    z.object({
      id: z.uuid(),
      source: z.string(),
      receivedAt: z.string(),
      description: z.string(),
      caller: z.object({ number: z.string().nullable(), name: z.string().nullable() }).nullable().describe('null without the incidents:read_caller permission'),
    }),
  ),
});

/** Related incidents and repeat calls: how intake avoids both lost links and duplicate incidents. */
export function linksRoutes(app: App, deps: { db: Kysely<DB>; links: LinksService }) {
  const { db, links } = deps;

  app.post(
    '/incidents/:id/links',
    {
      config: { access: { permission: 'incidents:update' } },
      schema: {
        operationId: 'linkIncidents',
        tags,
        summary: 'Links two incidents judged related; both stay open and each timeline names the other',
        params: uuidParam,
        body: z.strictObject({ relatedId: z.uuid() }),
        response: { 200: incidentSummarySchema, 201: incidentSummarySchema, ...problemResponses(400, 401, 403, 404, 422) },
      },
    },
    async (req, reply) => {
      const r = await links.link(auditContextOf(req), req.params.id, req.body.relatedId);
      return reply.status(r.created ? 201 : 200).send(presentIncident(r.incident, req.principal));
    },
  );

  app.post(
    '/incidents/:id/calls',
    {
      config: { access: { permission: 'incidents:create' } },
      schema: {
        operationId: 'addIncidentCall',
        tags,
        summary: 'Records a further call about an open incident (a duplicate report) instead of opening a new one',
        params: uuidParam,
        body: z.strictObject({
          source: z.enum(INCIDENT_SOURCES).default('call'),
          callReceivedAt: callReceivedAtSchema.optional(),
          caller: callerInput.optional(),
          description: z.string().max(4000).optional(),
        }),
        response: { 201: incidentSummarySchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => reply.status(201).send(presentIncident(await links.addCall(auditContextOf(req), req.params.id, req.body), req.principal)),
  );

  app.get(
    '/incidents/:id/links',
    {
      config: { access: { permission: 'incidents:read' } },
      schema: { operationId: 'listIncidentLinks', tags, summary: 'Related incidents and further calls of an incident', params: uuidParam, response: { 200: linksSchema, ...problemResponses(401, 403, 404) } },
    },
    async (req) => {
      const seesCaller = req.principal!.permissions.has('incidents:read_caller');
      const r = await links.of(req.params.id, seesCaller);
      if (r.calls.some((c) => c.caller && (c.caller.number || c.caller.name))) {
        await recordSensitiveRead(db, auditContextOf(req), { entityType: 'incident', entityId: req.params.id, fields: ['additional_callers'] });
      }
      return r;
    },
  );
}
