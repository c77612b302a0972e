import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../platform/db/schema.js';
import { recordSensitiveRead } from '../../platform/audit/sensitive-read.js';
import { MFA_REQUIRED_ROLES, ROLE_LABELS, ROLE_PERMISSIONS, ROLES } from '../../../common/roles.js';
import { auditContextOf, type App } from '../../platform/http/app.js';
import { problemResponses, uuidParam } from '../../platform/http/schemas.js';
import type { UsersService } from './users.service.js';
import { userSchema } from './user.presenter.js';

const reasonSchema = z.strictObject({ code: z.string().min(1).max(60), text: z.string().max(2000) });
const roleEnum = z.enum(ROLES);

export function usersRoutes(app: App, deps: { users: UsersService; db: Kysely<DB> }) {
  const { users, db } = deps;
  const tags = ['users'];

  app.get(
    '/roles',
    {
      config: { access: { authenticated: true } },
      schema: {
        operationId: 'listRoles',
        tags,
        summary: 'Roles with their labels and permissions (the mapping lives in code)',
        response: {
          200: z.object({
            items: z.array(z.object({ role: z.string(), label: z.object({ es: z.string(), en: z.string() }), permissions: z.array(z.string()), mfaRequired: z.boolean() })),
          }),
        },
      },
    },
    async () => ({
      items: ROLES.map((role) => ({ role, label: ROLE_LABELS[role], permissions: [...ROLE_PERMISSIONS[role]], mfaRequired: MFA_REQUIRED_ROLES.includes(role) })),
    }),
  );

  app.get(
    '/users',
    {
      config: { access: { permission: 'users:read' } },
      schema: { operationId: 'listUsers', tags, summary: 'All user accounts', response: { 200: z.object({ items: z.array(userSchema) }), ...problemResponses(401, 403) } },
    },
    async (req) => {
      const items = await users.list();
      // The list carries e-mails: its reads are recorded like a record's (once per person in ten minutes).
      if (items.some((u) => u.email)) await recordSensitiveRead(db, auditContextOf(req), { entityType: 'user', entityId: 'list', fields: ['email'] });
      return { items };
    },
  );

  app.get(
    '/users/:id',
    {
      config: { access: { permission: 'users:read' } },
      schema: { operationId: 'getUser', tags, params: uuidParam, response: { 200: userSchema, ...problemResponses(401, 403, 404) } },
    },
    async (req) => {
      const u = await users.get(req.params.id);
      if (u.email) await recordSensitiveRead(db, auditContextOf(req), { entityType: 'user', entityId: u.id, fields: ['email'] });
      return u;
    },
  );

  app.post(
    '/users',
    {
      config: { access: { permission: 'users:manage' } },
      schema: {
        operationId: 'createUser',
        tags,
        summary: 'Creates an account with a temporary password that must be changed at first sign-in',
        body: z.strictObject({
          username: z.string().regex(/^[a-z0-9._-]{3,40}$/, 'lowercase letters, digits, dot, dash, underscore; 3-40'),
          displayName: z.string().trim().min(1).max(120),
          email: z.email().max(200).nullish(),
          password: z.string().min(1).max(256),
          roles: z.array(roleEnum).max(ROLES.length),
        }),
        response: { 201: userSchema, ...problemResponses(400, 401, 403, 409, 422) },
      },
    },
    async (req, reply) => reply.status(201).send(await users.create(auditContextOf(req), req.body)),
  );

  app.put(
    '/users/:id/roles',
    {
      config: { access: { permission: 'users:manage' } },
      schema: {
        operationId: 'setUserRoles',
        tags,
        summary: "Replaces a user's roles (never one's own; never removing the last administrator)",
        params: uuidParam,
        body: z.strictObject({ roles: z.array(roleEnum).max(ROLES.length) }),
        response: { 200: userSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req) => users.setRoles(req.principal!, auditContextOf(req), req.params.id, req.body.roles),
  );

  app.post(
    '/users/:id/deactivate',
    {
      config: { access: { permission: 'users:manage' } },
      schema: {
        operationId: 'deactivateUser',
        tags,
        summary: 'Deactivates an account, ends its sessions and tokens (discretionary: needs a reason)',
        params: uuidParam,
        body: z.strictObject({ reason: reasonSchema }),
        response: { 200: userSchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req) => users.deactivate(req.principal!, auditContextOf(req), req.params.id, req.body.reason),
  );

  app.post(
    '/users/:id/reactivate',
    {
      config: { access: { permission: 'users:manage' } },
      schema: {
        operationId: 'reactivateUser',
        tags,
        summary: 'Reactivates an account (discretionary: needs a reason)',
        params: uuidParam,
        body: z.strictObject({ reason: reasonSchema }),
        response: { 200: userSchema, ...problemResponses(400, 401, 403, 404, 422) },
      },
    },
    async (req) => users.reactivate(req.principal!, auditContextOf(req), req.params.id, req.body.reason),
  );

  app.post(
    '/users/:id/unlock',
    {
      config: { access: { permission: 'users:manage' } },
      schema: { operationId: 'unlockUser', tags, summary: 'Clears a lockout after failed sign-ins', params: uuidParam, response: { 200: userSchema, ...problemResponses(401, 403, 404) } },
    },
    async (req) => users.unlock(auditContextOf(req), req.params.id),
  );

  app.post(
    '/users/:id/mfa-reset',
    {
      config: { access: { permission: 'users:manage' } },
      schema: {
        operationId: 'requestMfaReset',
        tags,
        summary: "Asks to reset a user's second factor; a second administrator must approve (four eyes)",
        params: uuidParam,
        body: z.strictObject({ reason: reasonSchema }),
        response: { 202: z.object({ status: z.literal('pending'), approvalId: z.uuid() }), ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req, reply) => {
      const out = await users.requestMfaReset(req.principal!, auditContextOf(req), req.params.id, req.body.reason);
      if (out.status !== 'pending') throw new Error('identity.reset_mfa must always wait for approval');
      return reply.status(202).send(out);
    },
  );
}
