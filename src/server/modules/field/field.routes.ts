import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Principal } from '../../platform/auth/principal.js';
import { auditContextOf, type App } from '../../platform/http/app.js';
import { latSchema, lonSchema, problemResponses } from '../../platform/http/schemas.js';
import { idempotencyHeaders, type Outcome } from '../../platform/idempotency/idempotency.js';
import { FIELD_STATUS_ACTIONS } from './field-status.js';
import type { FieldService } from './field.service.js';

const tags = ['field'];
const access = { permission: 'field:use' } as const;
const text = (max: number) => z.string().trim().min(1).max(max);
const positionSchema = z.strictObject({ lat: latSchema, lon: lonSchema, accuracyM: z.number().min(0).max(100_000).nullish() });
const idempotentResponses = { ...problemResponses(400, 401, 403, 404, 409, 422) };

/** Answers a device action; a replay carries the first answer and says so. */
export function sendOutcome(reply: FastifyReply, o: Outcome) {
  if (o.replayed) reply.header('idempotent-replayed', 'true');
  return reply.status(o.status).send(o.body);
}

const overviewSchema = z.object({
  unit: z.object({ id: z.uuid(), callSign: z.string(), unitType: z.string(), status: z.string(), department: z.string(), version: z.number().int() }),
  crew: z.array(z.object({ id: z.uuid(), displayName: z.string() })),
  assignment: z
    .object({
      incidentId: z.uuid(),
      number: z.string(),
      typeCode: z.string(),
      typeName: z.object({ es: z.string(), en: z.string() }),
      priority: z.number().int(),
      status: z.string(),
      description: z.string(),
      address: z.string().nullable(),
      position: z.object({ lat: z.number(), lon: z.number() }).nullable(),
      department: z.string().nullable(),
      assignedAt: z.string(),
      callerPhoneAvailable: z.boolean(),
    })
    .nullable(),
  dispositions: z.array(z.object({ code: z.string(), label: z.object({ es: z.string(), en: z.string() }) })),
  settings: z.object({ positionSeconds: z.number().int(), idleMinutes: z.number().int() }),
});

export function fieldRoutes(app: App, deps: { field: FieldService }) {
  const { field } = deps;
  const device = (req: { principal: Principal | null; id: string; ip: string; headers: { 'idempotency-key': string } }) => ({
    principal: req.principal!,
    ctx: auditContextOf(req),
    key: req.headers['idempotency-key'],
  });

  app.get(
    '/field/overview',
    {
      config: { access },
      schema: { operationId: 'getFieldOverview', tags, summary: "The officer's unit, crew, current assignment and device settings", response: { 200: overviewSchema, ...problemResponses(401, 403, 404) } },
    },
    async (req) => {
      const { unit, crew, assignment: a, dispositions } = await field.overview(req.principal!);
      return {
        unit: { id: unit.id, callSign: unit.call_sign, unitType: unit.unit_type, status: unit.status, department: unit.department, version: unit.version },
        crew: crew.map((c) => ({ id: c.id, displayName: c.display_name })),
        assignment: a && {
          incidentId: a.id,
          number: a.number,
          typeCode: a.type_code,
          typeName: { es: a.name_es, en: a.name_en },
          priority: a.priority,
          status: a.status,
          description: a.description,
          address: [a.address_text, a.landmark].filter(Boolean).join(' — ') || null,
          position: a.lat !== null && a.lon !== null ? { lat: a.lat, lon: a.lon } : null,
          department: a.department,
          assignedAt: a.assigned_at.toISOString(),
          callerPhoneAvailable: a.callerPhoneAvailable,
        },
        dispositions: dispositions.map((d) => ({ code: d.code, label: { es: d.label_es, en: d.label_en } })),
        settings: { positionSeconds: field.settings.positionSeconds, idleMinutes: field.settings.idleMinutes },
      };
    },
  );

  app.get(
    '/field/incidents/:id/caller-phone',
    {
      config: { access },
      schema: {
        operationId: 'viewFieldCallerPhone',
        tags,
        summary: "The caller's phone number for the crew on the incident, where policy allows; every view is audited",
        params: z.object({ id: z.uuid() }),
        response: { 200: z.object({ number: z.string().nullable() }), ...problemResponses(401, 403, 404) },
      },
    },
    async (req) => field.callerPhone(req.principal!, auditContextOf(req), req.params.id),
  );

  app.post(
    '/field/status',
    {
      config: { access },
      schema: {
        operationId: 'reportFieldStatus',
        tags,
        summary: 'A status button (acknowledge, en route, on scene, resolved with disposition); idempotent by key',
        headers: idempotencyHeaders,
        body: z
          .strictObject({ action: z.enum(FIELD_STATUS_ACTIONS), incidentId: z.uuid(), dispositionCode: z.string().min(1).max(60).optional(), note: z.string().trim().max(2000).optional() })
          .refine((b) => b.action !== 'resolved' || b.dispositionCode, { path: ['dispositionCode'], message: 'resolved needs a disposition' }),
        response: {
          200: z.object({ unitId: z.uuid(), unitStatus: z.string(), incidentId: z.uuid(), incidentStatus: z.string(), incidentVersion: z.number().int(), action: z.enum(FIELD_STATUS_ACTIONS) }),
          ...idempotentResponses,
        },
      },
    },
    async (req, reply) => sendOutcome(reply, await field.status(device(req), req.body)),
  );

  app.post(
    '/field/notes',
    {
      config: { access },
      schema: {
        operationId: 'addFieldNote',
        tags,
        summary: "A note to the incident's timeline; idempotent by key",
        headers: idempotencyHeaders,
        body: z.strictObject({ incidentId: z.uuid(), text: text(2000) }),
        response: { 201: z.object({ incidentId: z.uuid(), incidentVersion: z.number().int() }), ...idempotentResponses },
      },
    },
    async (req, reply) => sendOutcome(reply, await field.note(device(req), req.body)),
  );

  for (const kind of ['panic', 'backup'] as const) {
    app.post(
      `/field/${kind}`,
      {
        config: { access },
        schema: {
          operationId: kind === 'panic' ? 'raiseFieldPanic' : 'requestFieldBackup',
          tags,
          summary: kind === 'panic' ? 'Panic: a P1 alert at the command centre with the position' : 'Backup request: a P2 alert at the command centre with the position',
          headers: idempotencyHeaders,
          body: z.strictObject({ incidentId: z.uuid().optional(), position: positionSchema.optional() }),
          response: { 201: z.object({ alertId: z.uuid(), kind: z.enum(['panic', 'backup']), priority: z.number().int(), raisedAt: z.string() }), ...idempotentResponses },
        },
      },
      async (req, reply) => sendOutcome(reply, await field.alert(device(req), kind, req.body)),
    );
  }

  app.post(
    '/field/reports',
    {
      config: { access },
      schema: {
        operationId: 'fileFieldReport',
        tags,
        summary: 'A field report: narrative, persons and vehicles involved; idempotent by key',
        headers: idempotencyHeaders,
        body: z.strictObject({
          id: z.uuid().optional(),
          incidentId: z.uuid(),
          narrative: text(20_000),
          persons: z.array(z.strictObject({ name: text(200), role: z.enum(['victim', 'suspect', 'witness', 'other']), document: z.string().trim().max(40).optional(), notes: z.string().trim().max(1000).optional() })).max(50).default([]),
          vehicles: z.array(z.strictObject({ plate: text(20), description: z.string().trim().max(500).optional() })).max(50).default([]),
        }),
        response: { 201: z.object({ id: z.uuid(), incidentId: z.uuid(), createdAt: z.string() }), ...idempotentResponses },
      },
    },
    async (req, reply) => sendOutcome(reply, await field.report(device(req), req.body)),
  );

  const personSchema = z.object({ name: z.string(), role: z.enum(['victim', 'suspect', 'witness', 'other']), document: z.string().optional(), notes: z.string().optional() });
  const vehicleSchema = z.object({ plate: z.string(), description: z.string().optional() });
  app.get(
    '/field/reports',
    {
      config: { access: { permission: 'evidence:custody' } },
      schema: {
        operationId: 'listFieldReports',
        tags,
        summary: "An incident's field reports, oldest first (custodians of reports and evidence); each reading is audited",
        querystring: z.strictObject({ incidentId: z.uuid() }),
        response: {
          200: z.object({
            items: z.array(z.object({ id: z.uuid(), callSign: z.string(), author: z.string(), narrative: z.string(), persons: z.array(personSchema), vehicles: z.array(vehicleSchema), createdAt: z.string() })),
          }),
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (req) => ({
      items: (await field.reportsFor(auditContextOf(req), req.query.incidentId)).map((r) => ({
        id: r.id,
        callSign: r.call_sign,
        author: r.username,
        narrative: r.narrative,
        persons: r.persons as z.infer<typeof personSchema>[],
        vehicles: r.vehicles as z.infer<typeof vehicleSchema>[],
        createdAt: r.created_at.toISOString(),
      })),
    }),
  );
}
