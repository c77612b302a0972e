import { z } from 'zod';
import { AppError } from '../../platform/errors.js';
import { auditContextOf, type App } from '../../platform/http/app.js';
import { problemResponses, uuidParam } from '../../platform/http/schemas.js';
import { idempotencyHeaders } from '../../platform/idempotency/idempotency.js';
import { custodyReportPdf } from './custody-report.js';
import type { EvidenceService } from './evidence.service.js';
import { sendOutcome } from './field.routes.js';

const tags = ['evidence'];
const CUSTODY_KINDS = ['captured', 'uploaded', 'viewed', 'downloaded', 'exported', 'transferred_to_person', 'transferred_to_prosecutor'] as const;
const custodyEventSchema = z.object({ id: z.number().int(), kind: z.enum(CUSTODY_KINDS), at: z.string(), actor: z.string().nullable(), reason: z.string().nullable(), recipient: z.string().nullable(), sha256: z.string() });
type ChainRow = Awaited<ReturnType<EvidenceService['chainOf']>>[number];
const presentEvent = (e: ChainRow) => ({ id: e.id, kind: e.kind, at: e.at.toISOString(), actor: e.actor_username, reason: e.reason, recipient: e.recipient, sha256: e.sha256 });
// Binary answers bypass JSON serialisation; the schema only documents them.
const binary = (what: string) => z.any().describe(what);
const itemSchema = z.object({ id: z.uuid(), incidentId: z.uuid(), reportId: z.uuid().nullable(), kind: z.string(), contentType: z.string(), sizeBytes: z.number().int(), sha256: z.string(), originalName: z.string().nullable(), capturedAt: z.string(), uploadedAt: z.string() });
type ItemRow = Awaited<ReturnType<EvidenceService['listForIncident']>>[number];
const presentItem = (i: ItemRow) => ({ id: i.id, incidentId: i.incident_id, reportId: i.report_id, kind: i.kind, contentType: i.content_type, sizeBytes: i.size_bytes, sha256: i.sha256, originalName: i.original_name, capturedAt: i.captured_at.toISOString(), uploadedAt: i.uploaded_at.toISOString() });
const reasonText = z.string().trim().min(10).max(1000);

/** Evidence upload (raw bytes, SHA-256 declared by the device), custody events and the custody report. */
export function evidenceRoutes(app: App, deps: { evidence: EvidenceService; maxBytes: number }) {
  const { evidence } = deps;

  // The raw-bytes parser and its larger limit apply only to the upload route's scope.
  void app.register(async (scope) => {
    const s = scope as unknown as App;
    s.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: deps.maxBytes }, (_req, body, done) => done(null, body));
    s.post(
      '/field/evidence',
      {
        config: { access: { permission: 'field:use' } },
        bodyLimit: deps.maxBytes,
        schema: {
          operationId: 'uploadFieldEvidence',
          tags,
          summary: 'Uploads a photo, recording or document as application/octet-stream; refused unless its SHA-256 matches',
          headers: idempotencyHeaders,
          querystring: z.strictObject({
            incidentId: z.uuid(),
            reportId: z.uuid().optional(),
            kind: z.enum(['photo', 'audio', 'document']),
            sha256: z.string().regex(/^[0-9a-f]{64}$/, 'lowercase hex SHA-256'),
            capturedAt: z.iso.datetime({ offset: true }),
            name: z.string().trim().min(1).max(200).optional(),
          }),
          response: { 201: z.object({ id: z.uuid(), sha256: z.string(), contentType: z.string(), sizeBytes: z.number().int() }), ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 503) },
        },
      },
      async (req, reply) => {
        const bytes = req.body;
        if (!Buffer.isBuffer(bytes) || bytes.length === 0) throw new AppError('unsupported_media_type', 415);
        return sendOutcome(reply, await evidence.upload({ principal: req.principal!, ctx: auditContextOf(req), key: req.headers['idempotency-key'] }, req.query, bytes));
      },
    );
  });

  app.get(
    '/evidence',
    {
      config: { access: { permission: 'evidence:custody' } },
      schema: {
        operationId: 'listIncidentEvidence',
        tags,
        summary: "An incident's evidence items in upload order (custodians)",
        querystring: z.strictObject({ incidentId: z.uuid() }),
        response: { 200: z.object({ items: z.array(itemSchema) }), ...problemResponses(400, 401, 403) },
      },
    },
    async (req) => ({ items: (await evidence.listForIncident(req.query.incidentId)).map(presentItem) }),
  );

  app.get(
    '/evidence/:id',
    {
      config: { access: { authenticated: true } },
      schema: {
        operationId: 'getEvidence',
        tags,
        summary: 'An evidence item with its chain of custody (the capturer or a custodian); the view is a custody event',
        params: uuidParam,
        response: {
          200: itemSchema.extend({ chain: z.array(custodyEventSchema) }),
          ...problemResponses(401, 403, 404),
        },
      },
    },
    async (req) => {
      const { item, chain } = await evidence.view(req.principal!, auditContextOf(req), req.params.id);
      return { ...presentItem(item), chain: chain.map(presentEvent) };
    },
  );

  app.get(
    '/evidence/:id/content',
    {
      config: { access: { authenticated: true } },
      schema: { operationId: 'downloadEvidence', tags, summary: 'The file itself, re-hashed before it is served; needs a reason', params: uuidParam, querystring: z.strictObject({ reason: reasonText }), response: { 200: binary('the evidence file'), ...problemResponses(400, 401, 403, 404, 409, 503) } },
    },
    async (req, reply) => {
      const { item, bytes } = await evidence.download(req.principal!, auditContextOf(req), req.params.id, req.query.reason);
      return reply.header('content-type', item.content_type).header('content-disposition', `attachment; filename="evidencia-${item.id}"`).header('x-content-sha256', item.sha256).send(bytes);
    },
  );

  app.post(
    '/evidence/:id/custody',
    {
      config: { access: { authenticated: true } },
      schema: {
        operationId: 'recordCustodyEvent',
        tags,
        summary: "Records an export or a transfer (to a person or to the prosecutor's office) with who, when and why",
        params: uuidParam,
        body: z
          .strictObject({ kind: z.enum(['transferred_to_person', 'transferred_to_prosecutor', 'exported']), recipient: z.string().trim().min(3).max(200).optional(), reason: reasonText })
          .refine((b) => b.kind === 'exported' || b.recipient, { path: ['recipient'], message: 'a transfer names its recipient' }),
        response: { 201: z.object({ chain: z.array(custodyEventSchema) }), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (req, reply) => reply.status(201).send({ chain: (await evidence.transfer(req.principal!, auditContextOf(req), req.params.id, req.body)).map(presentEvent) }),
  );

  app.get(
    '/evidence/:id/custody-report.pdf',
    {
      config: { access: { authenticated: true } },
      schema: { operationId: 'getCustodyReportPdf', tags, summary: 'The chain of custody as a PDF', params: uuidParam, response: { 200: binary('application/pdf'), ...problemResponses(401, 403, 404) } },
    },
    async (req, reply) => {
      const data = await evidence.forReport(req.principal!, auditContextOf(req), req.params.id);
      const pdf = await custodyReportPdf({ ...data, generatedBy: req.principal!.username, generatedAt: new Date() });
      return reply.header('content-type', 'application/pdf').header('content-disposition', `attachment; filename="custodia-${req.params.id}.pdf"`).send(pdf);
    },
  );
}
