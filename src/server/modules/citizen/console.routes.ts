import type { Kysely } from 'kysely';
import { z } from 'zod';
import { recordSensitiveRead } from '../../platform/audit/sensitive-read.js';
import type { DB } from '../../platform/db/schema.js';
import { notFound } from '../../platform/errors.js';
import { auditContextOf, type App } from '../../platform/http/app.js';
import { problemResponses, uuidParam } from '../../platform/http/schemas.js';
import { citizenDb } from './citizen.tables.js';
import type { ConversationsService } from './conversations.service.js';

const tags = ['citizen'];
const conversationSchema = z.object({
  items: z.array(
    z.object({
      id: z.uuid(),
      channel: z.string(),
      anonymous: z.boolean(),
      createdAt: z.string(),
      contact: z.object({ name: z.string().nullable(), phone: z.string().nullable(), email: z.string().nullable(), address: z.string().nullable() }).nullable(),
      deliversTo: z.string().nullable().describe('the channel replies go out on; null: only the tracking page shows them'),
      messages: z.array(z.object({ id: z.uuid(), at: z.string(), direction: z.enum(['in', 'out']), text: z.string(), author: z.string().nullable(), photos: z.array(z.object({ id: z.uuid(), mediaType: z.string(), sizeBytes: z.number() })) })),
      rating: z.object({ score: z.number(), comment: z.string().nullable() }).nullable(),
    }),
  ),
});
const outboxItem = z.object({ id: z.uuid(), createdAt: z.string(), kind: z.string(), channel: z.string(), recipient: z.string(), body: z.string(), status: z.string(), attempts: z.number(), lastError: z.string().nullable() });

/** The console side: the citizen conversation of an incident, replies, photos, and the administrators' outbox. */
export function citizenConsoleRoutes(app: App, deps: { db: Kysely<DB>; conversations: ConversationsService }) {
  const { db, conversations } = deps;

  app.get(
    '/citizen/incidents/:id/conversation',
    {
      config: { access: { permission: 'citizen:read' } },
      schema: { operationId: 'getCitizenConversation', tags, summary: 'Reports, messages and photos from citizens on an incident', params: uuidParam, response: { 200: conversationSchema, ...problemResponses(401, 403) } },
    },
    async (req) => {
      const withContact = req.principal!.permissions.has('incidents:read_caller');
      const items = await conversations.conversation(req.params.id, withContact);
      if (withContact && items.some((i) => i.contact)) await recordSensitiveRead(db, auditContextOf(req), { entityType: 'incident', entityId: req.params.id, fields: ['citizen_contact'] });
      return { items };
    },
  );

  app.post(
    '/citizen/incidents/:id/replies',
    {
      config: { access: { permission: 'citizen:reply' } },
      schema: {
        operationId: 'replyToCitizen',
        tags,
        summary: 'Answers the reporter through the channel the report came from (held in the outbox when no provider is configured)',
        params: uuidParam,
        body: z.strictObject({ reportId: z.uuid(), text: z.string().trim().min(1).max(1000) }),
        response: { 201: z.object({ messageId: z.uuid(), delivery: z.enum(['held', 'pending', 'sent', 'failed', 'tracking_page']) }), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (req, reply) => reply.status(201).send(await conversations.reply(auditContextOf(req), req.params.id, req.body.reportId, req.body.text)),
  );

  app.get(
    '/citizen/attachments/:id',
    {
      config: { access: { permission: 'citizen:read' } },
      schema: { operationId: 'getCitizenPhoto', tags, summary: 'A photo sent by a citizen (JPEG, PNG or WebP as checked on arrival)', params: uuidParam },
    },
    async (req, reply) => {
      const a = await citizenDb(db).selectFrom('citizen_attachments').select(['media_type', 'content']).where('id', '=', req.params.id).executeTakeFirst();
      if (!a) throw notFound();
      return reply.type(a.media_type).header('cache-control', 'private, max-age=3600').header('content-disposition', 'inline').send(a.content);
    },
  );

  app.get(
    '/citizen/outbox',
    {
      config: { access: { permission: 'outbox:read' } },
      schema: {
        operationId: 'listCitizenOutbox',
        tags,
        summary: 'Messages to citizens, newest first; with no provider configured they stay here (held) and nothing leaves the machine',
        querystring: z.strictObject({ status: z.enum(['pending', 'held', 'sent', 'failed']).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
        response: { 200: z.object({ items: z.array(outboxItem) }), ...problemResponses(400, 401, 403) },
      },
    },
    async (req) => {
      let q = citizenDb(db).selectFrom('citizen_outbox').selectAll().orderBy('created_at', 'desc').limit(req.query.limit);
      if (req.query.status) q = q.where('status', '=', req.query.status);
      const rows = await q.execute();
      await recordSensitiveRead(db, auditContextOf(req), { entityType: 'citizen_outbox', entityId: 'list', fields: ['recipient', 'body'] });
      return { items: rows.map((r) => ({ id: r.id, createdAt: r.created_at.toISOString(), kind: r.kind, channel: r.channel, recipient: r.recipient, body: r.body, status: r.status, attempts: r.attempts, lastError: r.last_error })) };
    },
  );
}
