import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { errorMessage } from '../../../common/errors.js';
import { AppError } from '../../platform/errors.js';
import { acceptFormBodies } from '../../platform/http/form-body.js';
import { auditContextOf, type App } from '../../platform/http/app.js';
import { Open311Error, type Open311Service, type QueryFilter } from './open311.service.js';
import type { ServiceDefinition as ServiceDef } from './services-catalogue.js';
import { toXml, type XmlValue } from './xml.js';

type Format = 'json' | 'xml';
const tags = ['open311'];
const ITEM: Record<string, string> = { services: 'service', service_requests: 'request', errors: 'error', attributes: 'attribute', values: 'value' };
const itemName = (parent: string) => ITEM[parent] ?? 'item';

const formatOf = (url: string): Format => (url.split('?')[0]!.endsWith('.xml') ? 'xml' : 'json');

function send(reply: FastifyReply, format: Format, root: string, value: XmlValue, status = 200) {
  reply.status(status);
  if (format === 'xml') return reply.type('text/xml; charset=utf-8').send(toXml(root, value, itemName));
  return reply.type('application/json; charset=utf-8').send(JSON.stringify(value));
}

/** Errors the GeoReport v2 way: a list of {code, description}, with the matching HTTP status. */
function open311ErrorHandler(error: FastifyError | Open311Error | AppError, req: FastifyRequest, reply: FastifyReply) {
  let status: number;
  let description: string;
  if (error instanceof Open311Error) [status, description] = [error.status, error.description];
  else if (error instanceof AppError) [status, description] = [error.status, errorMessage(error.code, req.lang ?? 'es', error.params)];
  else if ('validation' in error && error.validation) [status, description] = [400, error.validation.map((v) => `${error.validationContext ?? ''}${v.instancePath}: ${v.message}`).join('; ')];
  else if ('statusCode' in error && error.statusCode && error.statusCode >= 400 && error.statusCode < 500) [status, description] = [error.statusCode, error.message];
  else {
    req.log.error({ err: error }, 'open311 request failed');
    [status, description] = [500, `internal error (request ${req.id})`];
  }
  return send(reply, formatOf(req.url), 'errors', [{ code: status, description }], status);
}

function splitFile(file: string): { name: string; format: Format } {
  const m = /^(.+)\.(json|xml)$/.exec(file);
  if (!m) throw new Open311Error(404, 'append .json or .xml to the resource');
  return { name: m[1]!, format: m[2] as Format };
}

const publicService = (s: ServiceDef) => ({ service_code: s.service_code, service_name: s.service_name, description: s.description, metadata: s.metadata, type: s.type, keywords: s.keywords, group: s.group });
const commaList = (v: string | undefined) => (v ? v.split(',').map((x) => x.trim()).filter(Boolean) : undefined);
const isoDate = z.iso.datetime({ offset: true });

const requestsQuery = z.strictObject({
  jurisdiction_id: z.string().max(100).optional(),
  service_request_id: z.string().max(2000).optional(),
  service_code: z.string().max(500).optional(),
  start_date: isoDate.optional(),
  end_date: isoDate.optional(),
  status: z.string().regex(/^(open|closed)(,(open|closed))*$/, 'open, closed, or both separated by a comma').optional(),
});

/** GeoReport v2 at /open311/v2 (JSON and XML). Everything here is public except POST, which needs an api_key. */
export function open311Routes(app: App, deps: { open311: Open311Service }) {
  const { open311 } = deps;
  acceptFormBodies(app);
  app.setErrorHandler(open311ErrorHandler);
  const access = { public: true } as const;

  for (const format of ['json', 'xml'] as const) {
    app.get(
      `/services.${format}`,
      { config: { access }, schema: { operationId: `open311ListServices_${format}`, tags, summary: `Service list (${format}): non-emergency report types and conduct complaints`, querystring: z.strictObject({ jurisdiction_id: z.string().max(100).optional() }) } },
      async (_req, reply) => send(reply, format, 'services', (await open311.services()).map(publicService)),
    );

    app.post(
      `/requests.${format}`,
      {
        // An integration posts steadily; a burst beyond this is a fault or abuse.
        config: { access, rateLimit: { max: 60, timeWindow: '1 minute' } },
        schema: {
          operationId: `open311CreateRequest_${format}`,
          tags,
          summary: `POST service request (${format}); form-encoded with api_key. An incident goes to the triage queue (source open311); a conduct complaint only to internal affairs`,
          body: z.record(z.string(), z.string()),
        },
      },
      async (req, reply) => {
        const r = await open311.create(auditContextOf(req), req.body);
        return send(reply, format, 'service_requests', [{ service_request_id: r.id, token: r.token, service_notice: r.notice, account_id: r.accountId }], 201);
      },
    );

    app.get(
      `/requests.${format}`,
      { config: { access }, schema: { operationId: `open311QueryRequests_${format}`, tags, summary: `GET service requests (${format}) by ids, service_code, dates and status; 90 days and 1000 at most`, querystring: requestsQuery } },
      async (req, reply) => {
        const q = req.query;
        const filter: QueryFilter = {
          ids: commaList(q.service_request_id),
          serviceCode: commaList(q.service_code),
          start: q.start_date ? new Date(q.start_date) : undefined,
          end: q.end_date ? new Date(q.end_date) : undefined,
          status: commaList(q.status) as ('open' | 'closed')[] | undefined,
        };
        if (filter.start && filter.end && filter.start > filter.end) throw new Open311Error(400, 'start_date is after end_date');
        return send(reply, format, 'service_requests', await open311.query(filter));
      },
    );
  }

  app.get(
    '/services/:file',
    { config: { access }, schema: { operationId: 'open311ServiceDefinition', tags, summary: 'Service definition with attributes: /services/{service_code}.json or .xml', params: z.strictObject({ file: z.string().max(60) }), querystring: z.strictObject({ jurisdiction_id: z.string().max(100).optional() }) } },
    async (req, reply) => {
      const { name, format } = splitFile(req.params.file);
      const s = await open311.service(name);
      const attributes = s.attributes.map((a) => ({ ...a, values: a.values }));
      return send(reply, format, 'service_definition', { service_code: s.service_code, attributes });
    },
  );

  app.get(
    '/requests/:file',
    { config: { access }, schema: { operationId: 'open311GetRequest', tags, summary: 'One service request: /requests/{service_request_id}.json or .xml', params: z.strictObject({ file: z.string().max(60) }), querystring: z.strictObject({ jurisdiction_id: z.string().max(100).optional() }) } },
    async (req, reply) => {
      const { name, format } = splitFile(req.params.file);
      return send(reply, format, 'service_requests', [await open311.one(name)]);
    },
  );

  app.get(
    '/tokens/:file',
    { config: { access }, schema: { operationId: 'open311GetToken', tags, summary: 'The service_request_id a token became: /tokens/{token}.json or .xml', params: z.strictObject({ file: z.string().max(80) }), querystring: z.strictObject({ jurisdiction_id: z.string().max(100).optional() }) } },
    async (req, reply) => {
      const { name, format } = splitFile(req.params.file);
      return send(reply, format, 'service_requests', [await open311.token(name)]);
    },
  );
}
