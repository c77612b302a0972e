import { z } from 'zod';
import { PERMISSIONS } from '../../../common/roles.js';
import { auditContextOf, type App } from '../../platform/http/app.js';
import { problemResponses, uuidParam } from '../../platform/http/schemas.js';
import type { TokensService } from './tokens.service.js';

const tokenSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  scopes: z.array(z.string()),
  createdAt: z.string(),
  expiresAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

export function tokensRoutes(app: App, deps: { tokens: TokensService }) {
  const { tokens } = deps;
  const tags = ['auth'];

  app.post(
    '/auth/tokens',
    {
      config: { access: { authenticated: true, sessionOnly: true } },
      schema: {
        operationId: 'createApiToken',
        tags,
        summary: 'Creates a bearer token for a device or integration; the secret is shown only in this answer',
        body: z.strictObject({
          name: z.string().trim().min(1).max(100),
          scopes: z.array(z.enum(PERMISSIONS)).min(1).max(PERMISSIONS.length),
          expiresInDays: z.number().int().min(1).max(365).default(90),
        }),
        response: { 201: tokenSchema.extend({ token: z.string() }), ...problemResponses(400, 401, 403) },
      },
    },
    async (req, reply) => {
      return reply.status(201).send(await tokens.create(req.principal!, auditContextOf(req), req.body));
    },
  );

  app.get(
    '/auth/tokens',
    {
      config: { access: { authenticated: true, sessionOnly: true } },
      schema: { operationId: 'listApiTokens', tags, response: { 200: z.object({ items: z.array(tokenSchema) }), ...problemResponses(401) } },
    },
    async (req) => ({ items: await tokens.list(req.principal!) }),
  );

  app.delete(
    '/auth/tokens/:id',
    {
      config: { access: { authenticated: true, sessionOnly: true } },
      schema: { operationId: 'revokeApiToken', tags, params: uuidParam, response: { 204: z.null(), ...problemResponses(401, 404) } },
    },
    async (req, reply) => {
      await tokens.revoke(req.principal!, auditContextOf(req), req.params.id);
      return reply.status(204).send(null);
    },
  );
}
