import { z } from 'zod';
import { auditContextOf, type App } from '../../platform/http/app.js';
import { problemResponses, uuidParam } from '../../platform/http/schemas.js';
import type { Open311Service } from './open311.service.js';

const tags = ['open311'];
const keySchema = z.object({ id: z.uuid(), name: z.string(), createdAt: z.string(), revokedAt: z.string().nullable(), lastUsedAt: z.string().nullable() });
const present = (r: { id: string; name: string; created_at: Date; revoked_at: Date | null; last_used_at: Date | null }) => ({
  id: r.id,
  name: r.name,
  createdAt: r.created_at.toISOString(),
  revokedAt: r.revoked_at?.toISOString() ?? null,
  lastUsedAt: r.last_used_at?.toISOString() ?? null,
});

/** Administrators issue and revoke Open311 API keys; a key is shown once and stored as a hash. */
export function open311KeysRoutes(app: App, deps: { open311: Open311Service }) {
  const { open311 } = deps;
  app.get(
    '/open311/keys',
    { config: { access: { permission: 'open311:manage' } }, schema: { operationId: 'listOpen311Keys', tags, summary: 'Open311 API keys (never the keys themselves)', response: { 200: z.object({ items: z.array(keySchema) }), ...problemResponses(401, 403) } } },
    async () => ({ items: (await open311.listKeys()).map(present) }),
  );
  app.post(
    '/open311/keys',
    {
      config: { access: { permission: 'open311:manage' } },
      schema: { operationId: 'createOpen311Key', tags, summary: 'Issues an Open311 API key for a client (audited); the key is in this answer only', body: z.strictObject({ name: z.string().trim().min(3).max(80) }), response: { 201: keySchema.extend({ key: z.string() }), ...problemResponses(400, 401, 403) } },
    },
    async (req, reply) => {
      const { row, key } = await open311.createKey(auditContextOf(req), req.body.name);
      return reply.status(201).send({ ...present(row), key });
    },
  );
  app.post(
    '/open311/keys/:id/revoke',
    { config: { access: { permission: 'open311:manage' } }, schema: { operationId: 'revokeOpen311Key', tags, summary: 'Revokes an Open311 API key (audited)', params: uuidParam, response: { 200: keySchema, ...problemResponses(401, 403, 404, 409) } } },
    async (req) => present(await open311.revokeKey(auditContextOf(req), req.params.id)),
  );
}
