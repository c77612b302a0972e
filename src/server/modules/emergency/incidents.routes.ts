import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Principal } from '../../platform/auth/principal.js';
import type { Outcome } from '../../platform/discretion/discretion.js';
import type { IncidentRow } from './incident-store.js';
import { INCIDENT_SOURCES, INCIDENT_STATUSES, LOCATION_SOURCES } from '../../../common/emergency.js';
import { auditContextOf, type App } from '../../platform/http/app.js';
import { idsQuery, latSchema, lonSchema, problemResponses, reasonBodySchema, uuidParam } from '../../platform/http/schemas.js';
import { incidentTypeSchema, loadIncidentTypes, loadTargets } from './catalogue.js';
import type { DispatchService } from './dispatch.service.js';
import { incidentSummarySchema, locationSchema, presentIncident } from './incident.presenter.js';
import type { IncidentsService } from './incidents.service.js';
import type { LifecycleService } from './lifecycle.service.js';
import type { Kysely } from 'kysely';
import type { DB } from '../../platform/db/schema.js';
import { toEido } from './eido.js';
import { recordSensitiveRead } from '../../platform/audit/sensitive-read.js';

const tags = ['incidents'];
const departmentSchema = z.string().regex(/^SV\.[A-Z]{2}$/, 'an ISO 3166-2:SV department such as SV.SS');
const locationInput = z
  .strictObject({
    lat: latSchema.nullish(),
    lon: lonSchema.nullish(),
    addressText: z.string().trim().max(300).nullish(),
    landmark: z.string().trim().max(300).nullish(),
    department: departmentSchema.nullish(),
    // 'aml' comes only from the AML receiver, never typed in by a person.
    source: z.enum(LOCATION_SOURCES).exclude(['aml']),
    accuracyM: z.number().min(0).max(100_000).nullish(),
  })
  .refine((l) => (l.lat == null) === (l.lon == null), { message: 'lat and lon go together', path: ['lat'] });
/** A call's time as the caller's phone system stamped it: within the last day, not in the future. */
export const callReceivedAtSchema = z.iso
  .datetime({ offset: true })
  .refine((v) => Math.abs(Date.now() - Date.parse(v)) < 24 * 3600_000 && Date.parse(v) < Date.now() + 5 * 60_000, 'within the last 24 hours (and not in the future)');
export const callerInput = z.strictObject({ number: z.string().trim().max(40).nullish(), name: z.string().trim().max(120).nullish() });
const answerValue = z.union([z.boolean(), z.number(), z.string().max(500)]);
const versionField = z.number().int().min(1).optional().describe('the version you saw; a stale one answers 409');
const relatedItem = z.object({
  incident: incidentSummarySchema,
  score: z.number(),
  distanceM: z.number().nullable(),
  ageMinutes: z.number(),
  reasons: z.array(z.object({ code: z.string(), value: z.number() })),
});
const recommendationSchema = z.object({
  unitId: z.uuid(),
  callSign: z.string(),
  unitType: z.string(),
  capabilities: z.array(z.string()),
  department: z.string(),
  rank: z.number().int(),
  etaSeconds: z.number().nullable(),
  distanceM: z.number().nullable(),
  positionAgeSeconds: z.number().nullable(),
  reasons: z.array(z.object({ code: z.string(), value: z.union([z.number(), z.string()]).optional() })),
});
const detailSchema = incidentSummarySchema.extend({
  locations: z.array(locationSchema),
  answers: z.record(z.string(), z.unknown()),
  timeline: z.array(z.object({ id: z.number(), at: z.string(), actor: z.string().nullable(), kind: z.string(), data: z.record(z.string(), z.unknown()) })),
  assignments: z.array(z.object({ id: z.uuid(), unitId: z.uuid(), callSign: z.string(), unitStatus: z.string(), assignedAt: z.string(), releasedAt: z.string().nullable(), recommendedRank: z.number().nullable() })),
});
const outcomeSchema = z.object({ status: z.enum(['done', 'pending']), approvalId: z.uuid().nullable(), incident: incidentSummarySchema });

/** 200 with the incident when the action ran; 202 with the approval request when a supervisor must decide. */
function sendOutcome(reply: FastifyReply, r: { outcome: Outcome; incident: IncidentRow }, principal: Principal | null) {
  const incident = presentIncident(r.incident, principal);
  if (r.outcome.status === 'pending') return reply.status(202).send({ status: 'pending' as const, approvalId: r.outcome.approvalId, incident });
  return reply.status(200).send(incident);
}

type Deps = { db: Kysely<DB>; incidents: IncidentsService; lifecycle: LifecycleService; dispatch: DispatchService; agencyId: string };

export function incidentsRoutes(app: App, deps: Deps) {
  const { db, incidents, lifecycle, dispatch, agencyId } = deps;

  app.get(
    '/incident-types',
    {
      config: { access: { permission: 'incidents:read' } },
      schema: { operationId: 'listIncidentTypes', tags, summary: 'Incident types with protocol questions and the rules that raise priority', response: { 200: z.object({ items: z.array(incidentTypeSchema) }) } },
    },
    async () => ({ items: await loadIncidentTypes(db) }),
  );

  app.get(
    '/incident-catalogue',
    {
      config: { access: { permission: 'incidents:read' } },
      schema: {
        operationId: 'getIncidentCatalogue',
        tags,
        summary: 'Disposition codes and time targets per priority',
        response: {
          200: z.object({
            dispositions: z.array(z.object({ code: z.string(), label: z.object({ es: z.string(), en: z.string() }) })),
            targets: z.array(z.object({ priority: z.number(), answerToDispatchSeconds: z.number(), dispatchToArrivalSeconds: z.number() })),
          }),
        },
      },
    },
    async () => {
      const d = await db.selectFrom('disposition_codes').selectAll().orderBy('code').execute();
      const t = await loadTargets(db);
      return { dispositions: d.map((x) => ({ code: x.code, label: { es: x.label_es, en: x.label_en } })), targets: [...t].map(([priority, v]) => ({ priority, ...v })) };
    },
  );

  app.post(
    '/incidents',
    {
      config: { access: { permission: 'incidents:create' } },
      schema: {
        operationId: 'createIncident',
        tags,
        summary: 'Intake by a call-taker: type, caller, location, description and protocol answers',
        body: z.strictObject({
          typeCode: z.string().min(1).max(20),
          source: z.enum(INCIDENT_SOURCES).default('call'),
          callReceivedAt: callReceivedAtSchema.optional(),
          caller: callerInput.optional(),
          description: z.string().max(4000).optional(),
          location: locationInput,
          answers: z.record(z.string(), answerValue).optional(),
        }),
        response: { 201: incidentSummarySchema, ...problemResponses(400, 401, 403, 422) },
      },
    },
    async (req, reply) => reply.status(201).send(presentIncident(await incidents.create(auditContextOf(req), req.body), req.principal, { caller: true })),
  );

  app.get(
    '/incidents',
    {
      config: { access: { permission: 'incidents:read' } },
      schema: {
        operationId: 'listIncidents',
        tags,
        summary: 'Incidents by priority then age; open ones by default',
        querystring: z.strictObject({
          status: z.enum(['open', 'all', ...INCIDENT_STATUSES]).default('open'),
          department: departmentSchema.optional(),
          priority: z.coerce.number().int().min(1).max(4).optional(),
          since: z.iso.datetime({ offset: true }).optional(),
          // The console refreshes the few incidents a live event names, not its whole queue.
          ids: idsQuery.optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(200),
        }),
        response: { 200: z.object({ items: z.array(incidentSummarySchema) }), ...problemResponses(400, 401, 403) },
      },
    },
    // Lists never carry callers: their data is read one incident at a time, and each read is recorded.
    async (req) => ({ items: (await incidents.list(req.query)).map((r) => presentIncident(r, req.principal)) }),
  );

  app.get(
    '/incidents/:id',
    {
      config: { access: { permission: 'incidents:read' } },
      schema: { operationId: 'getIncident', tags, summary: 'An incident with its locations, answers, timeline and units', params: uuidParam, response: { 200: detailSchema, ...problemResponses(401, 403, 404) } },
    },
    async (req) => {
      const d = await incidents.details(req.params.id, req.principal!);
      if (d.caller && (d.caller.number || d.caller.name)) {
        await recordSensitiveRead(db, auditContextOf(req), { entityType: 'incident', entityId: d.id, fields: ['caller'] });
      }
      return d;
    },
  );

  app.post(
    '/incidents/related',
    {
      config: { access: { permission: 'incidents:create' } },
      schema: {
        operationId: 'findRelatedIncidents',
        tags,
        summary: 'Open incidents near in place and time to what is being entered, scored with reasons',
        body: z.strictObject({ lat: latSchema.nullish(), lon: lonSchema.nullish(), typeCode: z.string().max(20).nullish(), description: z.string().max(4000).default(''), excludeId: z.uuid().optional() }),
        response: { 200: z.object({ items: z.array(relatedItem) }), ...problemResponses(400, 401, 403) },
      },
    },
    async (req) => {
      const items = await incidents.related({ lat: req.body.lat ?? null, lon: req.body.lon ?? null, typeCode: req.body.typeCode ?? null, description: req.body.description, at: new Date() }, req.body.excludeId);
      return { items: items.map((i) => ({ ...i, incident: presentIncident(i.incident, req.principal) })) };
    },
  );

  app.post(
    '/incidents/:id/notes',
    {
      config: { access: { permission: 'incidents:update' } },
      schema: {
        operationId: 'addIncidentNote',
        tags,
        summary: 'Adds a note; notes are never edited, an amendment is a new note naming the one it amends',
        params: uuidParam,
        body: z.strictObject({ text: z.string().trim().min(1).max(4000), amends: z.number().int().positive().optional() }),
        response: { 200: incidentSummarySchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (req) => presentIncident(await incidents.addNote(auditContextOf(req), req.params.id, req.body.text, req.body.amends), req.principal),
  );

  app.post(
    '/incidents/:id/locations',
    {
      config: { access: { permission: 'incidents:update' } },
      schema: {
        operationId: 'addIncidentLocation',
        tags,
        summary: 'Appends a location; it becomes current only if a person says so',
        params: uuidParam,
        body: z.strictObject({ location: locationInput, makeCurrent: z.boolean().default(false), version: versionField }),
        response: { 200: incidentSummarySchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req) => presentIncident(await incidents.addLocation(auditContextOf(req), req.params.id, req.body.location, req.body.makeCurrent, undefined, req.body.version), req.principal),
  );

  app.post(
    '/incidents/:id/locations/:locationId/select',
    {
      config: { access: { permission: 'incidents:update' } },
      schema: {
        operationId: 'selectIncidentLocation',
        tags,
        params: z.object({ id: z.uuid(), locationId: z.uuid() }),
        body: z.strictObject({ version: versionField }),
        response: { 200: incidentSummarySchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req) => presentIncident(await incidents.selectLocation(auditContextOf(req), req.params.id, req.params.locationId, req.body.version), req.principal),
  );

  app.post(
    '/incidents/:id/answers',
    {
      config: { access: { permission: 'incidents:update' } },
      schema: {
        operationId: 'answerIncidentQuestions',
        tags,
        summary: 'Records protocol answers; they may raise the priority, never lower it',
        params: uuidParam,
        body: z.strictObject({ answers: z.record(z.string(), answerValue), version: versionField }),
        response: { 200: incidentSummarySchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req) => presentIncident(await incidents.answer(auditContextOf(req), req.params.id, req.body.answers, req.body.version), req.principal),
  );

  app.post(
    '/incidents/:id/priority',
    {
      config: { access: { permission: 'incidents:update' } },
      schema: {
        operationId: 'changeIncidentPriority',
        tags,
        summary: 'Changes the priority; lowering it is discretionary and needs a reason, and lowering a P1/P2 to P3/P4 waits for a supervisor (202)',
        params: uuidParam,
        body: z.strictObject({ priority: z.number().int().min(1).max(4), version: versionField, reason: reasonBodySchema.optional() }),
        response: { 200: incidentSummarySchema, 202: outcomeSchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req, reply) => sendOutcome(reply, await incidents.changePriority(auditContextOf(req), req.params.id, req.body.priority, req.body.version, req.body.reason), req.principal),
  );

  app.get(
    '/incidents/:id/recommendations',
    {
      config: { access: { permission: 'incidents:dispatch' } },
      schema: {
        operationId: 'recommendUnits',
        tags,
        summary: 'Available units with the needed capabilities, ranked by estimated time of arrival, with reasons',
        params: uuidParam,
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(10) }),
        response: { 200: z.object({ needed: z.array(z.string()), items: z.array(recommendationSchema) }), ...problemResponses(401, 403, 404) },
      },
    },
    async (req) => dispatch.recommend(req.params.id, req.query.limit),
  );

  app.post(
    '/incidents/:id/assignments',
    {
      config: { access: { permission: 'incidents:dispatch' } },
      schema: {
        operationId: 'assignUnit',
        tags,
        summary: 'Commits a unit to the incident; a unit other than the top recommendation needs a reason',
        params: uuidParam,
        body: z.strictObject({ unitId: z.uuid(), version: versionField, reason: reasonBodySchema.optional() }),
        response: { 200: incidentSummarySchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req) => presentIncident(await dispatch.assign(auditContextOf(req), req.params.id, req.body.unitId, req.body.version, req.body.reason), req.principal),
  );

  app.post(
    '/incidents/:id/close',
    {
      config: { access: { permission: 'incidents:close' } },
      schema: {
        operationId: 'closeIncident',
        tags,
        summary: 'Closes with a disposition; closing when no unit was ever on scene needs a reason',
        params: uuidParam,
        body: z.strictObject({ dispositionCode: z.string().min(1).max(40), summary: z.string().trim().min(1).max(4000), version: versionField, reason: reasonBodySchema.optional() }),
        response: { 200: incidentSummarySchema, 202: outcomeSchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req, reply) => {
      const { reason, ...closure } = req.body;
      return sendOutcome(reply, await lifecycle.close(auditContextOf(req), req.params.id, closure, reason), req.principal);
    },
  );

  app.post(
    '/incidents/:id/cancel',
    {
      config: { access: { permission: 'incidents:close' } },
      schema: {
        operationId: 'cancelIncident',
        tags,
        summary: 'Cancels with a reason; a P1/P2 incident stays active until a supervisor approves',
        params: uuidParam,
        body: z.strictObject({ version: versionField, reason: reasonBodySchema }),
        response: { 200: outcomeSchema, 202: outcomeSchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req, reply) => {
      const { outcome, incident } = await lifecycle.cancel(auditContextOf(req), req.params.id, req.body.version, req.body.reason);
      return reply.status(outcome.status === 'pending' ? 202 : 200).send({ status: outcome.status, approvalId: outcome.status === 'pending' ? outcome.approvalId : null, incident: presentIncident(incident, req.principal) });
    },
  );

  app.post(
    '/incidents/:id/reopen',
    {
      config: { access: { permission: 'incidents:close' } },
      schema: { operationId: 'reopenIncident', tags, summary: 'Reopens a closed incident (needs a reason)', params: uuidParam, body: z.strictObject({ version: versionField, reason: reasonBodySchema }), response: { 200: incidentSummarySchema, ...problemResponses(400, 401, 403, 404, 409, 422) } },
    },
    async (req) => presentIncident(await lifecycle.reopen(auditContextOf(req), req.params.id, req.body.version, req.body.reason), req.principal),
  );

  app.post(
    '/incidents/:id/merge',
    {
      config: { access: { permission: 'incidents:dispatch' } },
      schema: {
        operationId: 'mergeIncident',
        tags,
        summary: 'Merges this incident into another (or marks it a duplicate of it) with a reason; both histories are kept; a P1/P2 folded into a less urgent incident waits for a supervisor',
        params: uuidParam,
        body: z.strictObject({ intoId: z.uuid(), duplicate: z.boolean().default(false), version: versionField, reason: reasonBodySchema }),
        response: { 200: incidentSummarySchema, 202: outcomeSchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req, reply) =>
      sendOutcome(reply, await lifecycle.merge(auditContextOf(req), req.params.id, req.body.intoId, req.body.version, req.body.duplicate, req.body.reason), req.principal),
  );

  app.post(
    '/incidents/:id/unmerge',
    {
      config: { access: { permission: 'incidents:dispatch' } },
      schema: { operationId: 'unmergeIncident', tags, summary: 'Splits a merged incident back out (needs a reason)', params: uuidParam, body: z.strictObject({ version: versionField, reason: reasonBodySchema }), response: { 200: incidentSummarySchema, ...problemResponses(400, 401, 403, 404, 409, 422) } },
    },
    async (req) => presentIncident(await lifecycle.unmerge(auditContextOf(req), req.params.id, req.body.version, req.body.reason), req.principal),
  );

  app.get(
    '/incidents/:id/eido',
    {
      config: { access: { permission: 'incidents:export' } },
      schema: { operationId: 'getIncidentEido', tags, summary: 'The incident as a NENA EIDO (NENA-STA-021) JSON document', params: uuidParam, response: { 200: z.record(z.string(), z.unknown()), ...problemResponses(401, 403, 404) } },
    },
    async (req) => {
      const d = await incidents.details(req.params.id, req.principal!);
      // An export leaves the system: every one is recorded, never folded into an earlier view.
      await recordSensitiveRead(db, auditContextOf(req), { entityType: 'incident', entityId: d.id, fields: d.caller ? ['eido_export', 'caller'] : ['eido_export'], throttleSeconds: 0 });
      return toEido(db, d, agencyId);
    },
  );
}
