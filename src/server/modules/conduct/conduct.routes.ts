import { z } from 'zod';
import { auditContextOf, type App } from '../../platform/http/app.js';
import { latSchema, lonSchema, problemResponses, uuidParam } from '../../platform/http/schemas.js';
import type { ConductService } from './conduct.service.js';
import { COMPLAINT_OUTCOMES, complaintDetailSchema, complaintSummarySchema, presentComplaint, presentComplaintSummary } from './complaint.presenter.js';

const tags = ['conduct'];
const text = (max: number) => z.string().trim().max(max);

export const newComplaintBody = z
  .strictObject({
    anonymous: z.boolean(),
    contact: z.strictObject({ name: text(120).nullish(), phone: text(40).nullish(), email: z.email().max(200).nullish() }).nullish(),
    occurredAt: z.iso.datetime({ offset: true }).refine((v) => Date.parse(v) <= Date.now() + 5 * 60_000, 'not in the future').nullish(),
    placeText: text(300).nullish(),
    lat: latSchema.nullish(),
    lon: lonSchema.nullish(),
    officerDescription: text(1000).nullish(),
    badgeNumber: text(40).nullish(),
    unitText: text(120).nullish(),
    description: text(5000).min(20, 'at least 20 characters'),
  })
  .refine((b) => (b.lat == null) === (b.lon == null), { message: 'lat and lon go together', path: ['lat'] })
  .refine((b) => !b.anonymous || !b.contact || (!b.contact.name && !b.contact.phone && !b.contact.email), { message: 'an anonymous complaint carries no contact', path: ['contact'] });

const trackingSchema = z.object({
  status: z.enum(['received', 'under_investigation', 'closed']),
  outcome: z.enum(COMPLAINT_OUTCOMES).nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  closedAt: z.string().nullable(),
});

export function conductRoutes(app: App, deps: { conduct: ConductService }) {
  const { conduct } = deps;

  app.post(
    '/conduct/complaints',
    {
      // A person files a handful at most; a tight limit keeps floods out without outside services.
      config: { access: { public: true }, rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        operationId: 'fileConductComplaint',
        tags,
        summary: 'A citizen files a complaint about police conduct (anonymous if wished); answers the tracking code once',
        body: newComplaintBody,
        response: { 201: z.object({ trackingCode: z.string(), createdAt: z.string() }), ...problemResponses(400, 429) },
      },
    },
    async (req, reply) => {
      const r = await conduct.file(auditContextOf(req), { channel: 'web', ...req.body });
      return reply.status(201).send({ trackingCode: r.trackingCode, createdAt: r.createdAt.toISOString() });
    },
  );

  app.get(
    '/conduct/track/:code',
    {
      config: { access: { public: true }, rateLimit: { max: 30, timeWindow: '1 minute' } },
      schema: {
        operationId: 'trackConductComplaint',
        tags,
        summary: 'The complainant follows the complaint by its code: stage and dates only',
        params: z.strictObject({ code: z.string().min(1).max(40) }),
        response: { 200: trackingSchema, ...problemResponses(404, 429) },
      },
    },
    async (req) => {
      const r = await conduct.track(req.params.code);
      return { status: r.status, outcome: r.outcome, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(), closedAt: r.closed_at?.toISOString() ?? null };
    },
  );

  app.get(
    '/conduct/complaints',
    {
      config: { access: { permission: 'complaints:read' } },
      schema: {
        operationId: 'listConductComplaints',
        tags,
        summary: 'Complaints for internal affairs and auditors; the read is audited',
        querystring: z.strictObject({ status: z.enum(['received', 'under_investigation', 'closed']).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
        response: { 200: z.object({ items: z.array(complaintSummarySchema) }), ...problemResponses(401, 403) },
      },
    },
    async (req) => ({ items: (await conduct.list(auditContextOf(req), req.query)).map(presentComplaintSummary) }),
  );

  app.get(
    '/conduct/complaints/:id',
    {
      config: { access: { permission: 'complaints:read' } },
      schema: {
        operationId: 'getConductComplaint',
        tags,
        summary: 'One complaint with contact, account and links; every read is audited',
        params: uuidParam,
        response: { 200: complaintDetailSchema, ...problemResponses(401, 403, 404) },
      },
    },
    async (req) => presentComplaint(await conduct.detail(auditContextOf(req), req.principal!, req.params.id)),
  );

  app.post(
    '/conduct/complaints/:id/links',
    {
      config: { access: { permission: 'complaints:manage' } },
      schema: {
        operationId: 'linkConductComplaint',
        tags,
        summary: 'Internal affairs links a complaint to an incident or a unit (audited); the first link opens the investigation',
        params: uuidParam,
        body: z.union([z.strictObject({ incidentId: z.uuid() }), z.strictObject({ unitId: z.uuid() }), z.strictObject({ incidentNumber: z.string().trim().min(1).max(40) }), z.strictObject({ callSign: z.string().trim().min(1).max(40) })]),
        response: { 200: complaintSummarySchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req) => presentComplaintSummary(await conduct.link(auditContextOf(req), req.principal!, req.params.id, req.body)),
  );

  app.post(
    '/conduct/complaints/:id/outcome',
    {
      config: { access: { permission: 'complaints:manage' } },
      schema: {
        operationId: 'recordConductOutcome',
        tags,
        summary: 'Internal affairs records the outcome, which closes the complaint (audited)',
        params: uuidParam,
        body: z.strictObject({ outcome: z.enum(COMPLAINT_OUTCOMES), summary: text(5000).min(10), version: z.number().int().min(1).optional() }),
        response: { 200: complaintSummarySchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req) => presentComplaintSummary(await conduct.recordOutcome(auditContextOf(req), req.params.id, req.body)),
  );
}
