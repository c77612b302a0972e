import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AuditContext } from '../../platform/auth/principal.js';
import { AppError } from '../../platform/errors.js';
import { acceptFormBodies } from '../../platform/http/form-body.js';
import { auditContextOf, type App } from '../../platform/http/app.js';
import { problemResponses, uuidParam } from '../../platform/http/schemas.js';
import { parseAmlHttps, parseAmlSms, type AmlParse } from './aml-parse.js';
import type { AmlService } from './aml.service.js';

const tags = ['aml'];
const acceptedSchema = z.object({ id: z.uuid(), status: z.enum(['no_position', 'unmatched', 'attached']), incidentNumber: z.string().nullable() });

const sameSecret = (given: string, expected: string) =>
  crypto.timingSafeEqual(crypto.createHash('sha256').update(given).digest(), crypto.createHash('sha256').update(expected).digest());

/** The AML receiver: the gateway posts SMS or HTTPS messages with the shared token in `X-AML-Token`. */
export function amlReceiverRoutes(app: App, deps: { aml: AmlService; token: string | undefined }) {
  const { aml, token } = deps;
  acceptFormBodies(app);
  app.addHook('preValidation', async (req) => {
    if (!token) throw new AppError('aml_disabled', 404);
    const given = req.headers['x-aml-token'];
    if (typeof given !== 'string' || !sameSecret(given, token)) throw new AppError('aml_unauthorised', 401);
  });
  const ctxOf = (req: FastifyRequest): AuditContext => ({ ...auditContextOf(req), actorUsername: 'aml-receiver' });

  async function handle(req: FastifyRequest, reply: FastifyReply, transport: 'sms' | 'https', raw: string, caller: string | null, parsed: AmlParse) {
    if (!parsed.ok) {
      const id = await aml.reject(ctxOf(req), transport, raw, caller, parsed);
      throw new AppError('aml_malformed', 422, { reason: parsed.reason }, { reason: parsed.reason, messageId: id });
    }
    return reply.status(200).send(await aml.accept(ctxOf(req), raw, parsed.fix));
  }

  app.post(
    '/v1/sms',
    {
      config: { access: { public: true }, rateLimit: { max: 600, timeWindow: '1 minute' } },
      schema: {
        operationId: 'receiveAmlSms',
        tags,
        summary: 'An AML SMS (ETSI TS 103 625) relayed by the SMS gateway as a form: `from` (the caller) and `text` (the A"ML=1;… payload)',
        // Every field is a string; the payload is checked by the AML parser so that a bad one is kept, not lost.
        body: z.record(z.string(), z.string()),
        response: { 200: acceptedSchema, ...problemResponses(401, 404, 422) },
      },
    },
    async (req, reply) => {
      const { from = null, text = '' } = req.body;
      const raw = JSON.stringify(req.body);
      const parsed: AmlParse = !from ? { ok: false, reason: 'from: the caller number is missing' } : parseAmlSms(text, from);
      return handle(req, reply, 'sms', raw, from, parsed);
    },
  );

  app.post(
    '/v1/https',
    {
      config: { access: { public: true }, rateLimit: { max: 600, timeWindow: '1 minute' } },
      schema: {
        operationId: 'receiveAmlHttps',
        tags,
        summary: 'An AML HTTPS message (form fields v, device_number, location_latitude, location_longitude, location_accuracy, location_time, location_source…)',
        body: z.record(z.string(), z.string()),
        response: { 200: acceptedSchema, ...problemResponses(401, 404, 422) },
      },
    },
    async (req, reply) => handle(req, reply, 'https', JSON.stringify(req.body), req.body.device_number ?? null, parseAmlHttps(req.body)),
  );
}

const deviceLocationSchema = z.object({
  id: z.uuid(),
  receivedAt: z.string(),
  transport: z.enum(['sms', 'https']),
  status: z.enum(['rejected', 'no_position', 'unmatched', 'attached', 'adopted']),
  lat: z.number().nullable(),
  lon: z.number().nullable(),
  radiusM: z.number().nullable(),
  positionedAt: z.string().nullable(),
  method: z.enum(['G', 'W', 'C', 'N']).nullable(),
  confidence: z.number().nullable(),
  locationId: z.uuid().nullable(),
});

type MessageRow = Awaited<ReturnType<AmlService['messages']>>[number];
const presentFix = (m: MessageRow) => ({
  id: m.id,
  receivedAt: m.received_at.toISOString(),
  transport: m.transport,
  status: m.status,
  lat: m.lat,
  lon: m.lon,
  radiusM: m.radius_m,
  positionedAt: m.positioned_at?.toISOString() ?? null,
  method: m.method,
  confidence: m.confidence,
  locationId: m.location_id,
});

/** Device locations for the console, the audited adopt action, and the inspection list for administrators. */
export function amlApiRoutes(app: App, deps: { aml: AmlService }) {
  const { aml } = deps;
  app.get(
    '/incidents/:id/device-locations',
    {
      config: { access: { permission: 'incidents:read_caller' } },
      schema: { operationId: 'listIncidentDeviceLocations', tags, summary: "AML device fixes for an incident: attached ones and those from the caller's number not yet attached", params: uuidParam, response: { 200: z.object({ items: z.array(deviceLocationSchema) }), ...problemResponses(401, 403, 404) } },
    },
    async (req) => ({ items: (await aml.forIncident(req.params.id)).map(presentFix) }),
  );

  app.post(
    '/aml/messages/:id/adopt',
    {
      config: { access: { permission: 'incidents:update' } },
      schema: {
        operationId: 'adoptDeviceLocation',
        tags,
        summary: "A call-taker adopts a device fix as the incident's current location (audited); the stated location stays on record",
        params: uuidParam,
        body: z.strictObject({ incidentId: z.uuid(), version: z.number().int().min(1).optional() }),
        response: { 200: z.object({ incidentId: z.uuid() }), ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req) => {
      await aml.adopt(auditContextOf(req), req.params.id, req.body.incidentId, req.body.version);
      return { incidentId: req.body.incidentId };
    },
  );

  app.get(
    '/aml/messages',
    {
      config: { access: { permission: 'aml:read' } },
      schema: {
        operationId: 'listAmlMessages',
        tags,
        summary: 'AML messages as received, rejected ones with the reason, for inspection',
        querystring: z.strictObject({ status: z.enum(['rejected', 'no_position', 'unmatched', 'attached', 'adopted']).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
        response: { 200: z.object({ items: z.array(deviceLocationSchema.extend({ raw: z.string(), rejectReason: z.string().nullable(), callerNumber: z.string().nullable(), incidentId: z.uuid().nullable() })) }), ...problemResponses(401, 403) },
      },
    },
    async (req) => ({
      items: (await aml.messages(auditContextOf(req), req.query)).map((m) => ({ ...presentFix(m), raw: m.raw, rejectReason: m.reject_reason, callerNumber: m.caller_number, incidentId: m.incident_id })),
    }),
  );
}
