import type { Kysely } from 'kysely';
import { z } from 'zod';
import { COMMITTED_UNIT_STATUSES, UNIT_STATUSES, UNIT_TYPES, type UnitStatus } from '../../../common/emergency.js';
import type { DB } from '../../platform/db/schema.js';
import { auditContextOf, type App } from '../../platform/http/app.js';
import { idsQuery, latSchema, lonSchema, problemResponses, uuidParam } from '../../platform/http/schemas.js';
import type { UnitsService } from './units.service.js';

const tags = ['units'];

export const unitSchema = z.object({
  id: z.uuid(),
  callSign: z.string(),
  unitType: z.enum(UNIT_TYPES),
  capabilities: z.array(z.string()),
  homeStation: z.string(),
  department: z.string(),
  status: z.enum(UNIT_STATUSES),
  statusChangedAt: z.string(),
  currentIncidentId: z.uuid().nullable(),
  position: z.object({ lat: z.number(), lon: z.number(), at: z.string(), accuracyM: z.number().nullable() }).nullable(),
  version: z.number().int(),
});

type UnitRow = Awaited<ReturnType<UnitsService['get']>>;
const present = (u: UnitRow) => ({
  id: u.id,
  callSign: u.call_sign,
  unitType: u.unit_type,
  capabilities: u.capabilities,
  homeStation: u.home_station,
  department: u.department,
  status: u.status,
  statusChangedAt: u.status_changed_at.toISOString(),
  currentIncidentId: u.current_incident_id,
  position: u.lat !== null && u.lon !== null && u.position_at ? { lat: u.lat, lon: u.lon, at: u.position_at.toISOString(), accuracyM: u.position_accuracy_m } : null,
  version: u.version,
});

export function unitsRoutes(app: App, deps: { db: Kysely<DB>; units: UnitsService }) {
  const { db, units } = deps;

  app.get(
    '/units',
    {
      config: { access: { permission: 'units:read' } },
      schema: {
        operationId: 'listUnits',
        tags,
        summary: 'Units with status and last known position',
        querystring: z.strictObject({
          department: z.string().max(10).optional(),
          status: z.enum(UNIT_STATUSES).optional(),
          // The console refreshes the units a live event names, not its list of a thousand.
          ids: idsQuery.optional(),
          limit: z.coerce.number().int().min(1).max(5000).default(2000),
        }),
        response: { 200: z.object({ items: z.array(unitSchema) }), ...problemResponses(400, 401, 403) },
      },
    },
    async (req) => ({ items: (await units.list(db, req.query)).map(present) }),
  );

  app.post(
    '/units',
    {
      config: { access: { permission: 'units:manage' } },
      schema: {
        operationId: 'createUnit',
        tags,
        body: z.strictObject({
          callSign: z.string().trim().regex(/^[A-Z0-9-]{2,20}$/, 'uppercase letters, digits and dashes, 2-20'),
          unitType: z.enum(UNIT_TYPES),
          capabilities: z.array(z.enum(UNIT_TYPES)).max(5).default([]),
          homeStation: z.string().trim().min(1).max(120),
          department: z.string().regex(/^SV\.[A-Z]{2}$/),
          crew: z.array(z.uuid()).max(10).optional(),
          // A unit is dispatched, en route or on scene only through an assignment.
          status: z.enum(UNIT_STATUSES.filter((u) => !COMMITTED_UNIT_STATUSES.includes(u)) as [UnitStatus, ...UnitStatus[]]).optional(),
        }),
        response: { 201: unitSchema, ...problemResponses(400, 401, 403, 409) },
      },
    },
    async (req, reply) => reply.status(201).send(present(await units.create(auditContextOf(req), req.body))),
  );

  app.get(
    '/units/:id',
    {
      config: { access: { permission: 'units:read' } },
      schema: { operationId: 'getUnit', tags, params: uuidParam, response: { 200: unitSchema.extend({ crew: z.array(z.object({ id: z.uuid(), username: z.string(), displayName: z.string() })) }), ...problemResponses(401, 403, 404) } },
    },
    async (req) => ({ ...present(await units.get(req.params.id)), crew: await units.crewOf(req.params.id) }),
  );

  app.get(
    '/units/:id/status-history',
    {
      config: { access: { permission: 'units:read' } },
      schema: {
        operationId: 'getUnitStatusHistory',
        tags,
        summary: 'Status changes of a unit, newest first: the incident each was for and who made it',
        params: uuidParam,
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
        response: {
          200: z.object({
            items: z.array(z.object({ status: z.enum(UNIT_STATUSES), incidentId: z.uuid().nullable(), incidentNumber: z.string().nullable(), actor: z.string().nullable(), at: z.string() })),
          }),
          ...problemResponses(400, 401, 403, 404),
        },
      },
    },
    async (req) => ({
      items: (await units.statusHistory(req.params.id, req.query.limit)).map((h) => ({
        status: h.status as UnitStatus,
        incidentId: h.incident_id,
        incidentNumber: h.incident_number,
        actor: h.actor,
        at: h.at.toISOString(),
      })),
    }),
  );

  app.post(
    '/units/:id/status',
    {
      config: { access: { permission: 'units:status' } },
      schema: {
        operationId: 'updateUnitStatus',
        tags,
        summary: 'Changes a unit status; en route and on scene move its incident forward, available releases it',
        params: uuidParam,
        body: z.strictObject({ status: z.enum(UNIT_STATUSES), version: z.number().int().min(1).optional() }),
        response: { 200: unitSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req) => present(await units.updateStatus(req.principal!, auditContextOf(req), req.params.id, req.body.status, req.body.version)),
  );

  app.post(
    '/units/:id/positions',
    {
      config: { access: { permission: 'units:position' } },
      schema: {
        operationId: 'reportUnitPositions',
        tags,
        summary: 'A batch of GPS positions with their original times (offline batches are welcome); the newest fix in or near El Salvador becomes current, others are kept in the track only',
        params: uuidParam,
        body: z.strictObject({
          positions: z
            .array(
              z.strictObject({
                lat: latSchema,
                lon: lonSchema,
                accuracyM: z.number().min(0).max(100_000).nullish(),
                heading: z.number().min(0).max(360).nullish(),
                speedMps: z.number().min(0).max(200).nullish(),
                // Offline devices send old fixes; a clock far in the future would freeze the unit's position.
                recordedAt: z.iso
                  .datetime({ offset: true })
                  .refine((v) => Date.parse(v) > Date.now() - 7 * 86_400_000 && Date.parse(v) < Date.now() + 5 * 60_000, 'within the last 7 days (and not in the future)'),
              }),
            )
            .min(1)
            .max(500),
        }),
        response: { 200: z.object({ accepted: z.number(), current: z.boolean() }), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (req) => units.reportPositions(req.principal!, auditContextOf(req), req.params.id, req.body.positions),
  );

  app.get(
    '/units/:id/track',
    {
      config: { access: { permission: 'units:read' } },
      schema: {
        operationId: 'getUnitTrack',
        tags,
        params: uuidParam,
        querystring: z.strictObject({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) }),
        response: { 200: z.object({ items: z.array(z.object({ lat: z.number(), lon: z.number(), accuracyM: z.number().nullable(), at: z.string() })) }), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (req) => ({
      items: (await units.track(req.params.id, new Date(req.query.from), new Date(req.query.to))).map((p) => ({ lat: p.lat, lon: p.lon, accuracyM: p.accuracy_m, at: p.recorded_at.toISOString() })),
    }),
  );
}
