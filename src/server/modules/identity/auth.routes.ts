import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { SESSION_COOKIE } from '../../platform/auth/authenticate.js';
import { principalFromSession } from '../../platform/auth/authenticate.js';
import type { Config } from '../../platform/config.js';
import { auditContextOf, type App } from '../../platform/http/app.js';
import { problemResponses } from '../../platform/http/schemas.js';
import type { AuthService, SessionIssued } from './auth.service.js';
import { meSchema, presentMe } from './user.presenter.js';
import type { Kysely } from 'kysely';
import type { DB } from '../../platform/db/schema.js';

const stageResponse = z.object({ stage: z.enum(['active', 'mfa_pending', 'mfa_enrolment', 'password_change']), user: meSchema });

export function authRoutes(app: App, deps: { auth: AuthService; config: Config; db: Kysely<DB> }) {
  const { auth, config, db } = deps;
  const authLimit = { max: config.RATE_LIMIT_AUTH_PER_MINUTE, timeWindow: '1 minute' };
  const client = (req: FastifyRequest) => ({ ip: req.ip, userAgent: req.headers['user-agent'] ?? null });

  const setCookie = (req: FastifyRequest, reply: FastifyReply, s: SessionIssued) =>
    reply.setCookie(SESSION_COOKIE, s.token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: req.protocol === 'https',
      path: '/',
      expires: s.expiresAt,
    });

  /** The principal behind a freshly issued cookie, for the response body. */
  const meFor = async (s: SessionIssued) => {
    const p = await principalFromSession(db, s.token, { idleMinutes: config.SESSION_IDLE_MINUTES });
    return presentMe(p, await auth.me(p));
  };

  app.post(
    '/auth/login',
    {
      config: { access: { public: true }, rateLimit: authLimit },
      schema: {
        operationId: 'login',
        tags: ['auth'],
        summary: 'Sign in with username and password; the answer says whether a second factor is needed',
        security: [],
        body: z.strictObject({ username: z.string().min(1).max(100), password: z.string().min(1).max(256) }),
        response: { 200: stageResponse, ...problemResponses(400, 401, 403, 429) },
      },
    },
    async (req, reply) => {
      const s = await auth.login(auditContextOf(req), client(req), req.body.username, req.body.password);
      setCookie(req, reply, s);
      const user = await meFor(s);
      return { stage: user.stage, user };
    },
  );

  app.post(
    '/auth/mfa/verify',
    {
      config: { access: { authenticated: true, stages: ['mfa_pending'] }, rateLimit: authLimit },
      schema: {
        operationId: 'verifyMfa',
        tags: ['auth'],
        summary: 'Second factor: a TOTP code or a single-use recovery code',
        body: z.union([z.strictObject({ code: z.string().regex(/^\d{6}$/) }), z.strictObject({ recoveryCode: z.string().min(6).max(20) })]),
        response: { 200: stageResponse, ...problemResponses(400, 401, 403, 429) },
      },
    },
    async (req, reply) => {
      const s = await auth.verifyMfa(req.principal!, auditContextOf(req), client(req), req.body);
      setCookie(req, reply, s);
      const user = await meFor(s);
      return { stage: user.stage, user };
    },
  );

  app.post(
    '/auth/mfa/enrolment',
    {
      config: { access: { authenticated: true, stages: ['mfa_enrolment', 'active'] }, rateLimit: authLimit },
      schema: {
        operationId: 'startMfaEnrolment',
        tags: ['auth'],
        summary: 'Starts TOTP enrolment and returns the secret as text, otpauth URI and QR code (SVG)',
        response: { 200: z.object({ secret: z.string(), otpauthUri: z.string(), qrSvg: z.string() }), ...problemResponses(401, 403, 409) },
      },
    },
    async (req) => auth.startEnrolment(req.principal!, auditContextOf(req)),
  );

  app.post(
    '/auth/mfa/enrolment/confirm',
    {
      config: { access: { authenticated: true, stages: ['mfa_enrolment', 'active'] }, rateLimit: authLimit },
      schema: {
        operationId: 'confirmMfaEnrolment',
        tags: ['auth'],
        summary: 'Confirms enrolment with a code; returns ten recovery codes, shown only this once',
        body: z.strictObject({ code: z.string().regex(/^\d{6}$/) }),
        response: { 200: stageResponse.extend({ recoveryCodes: z.array(z.string()) }), ...problemResponses(400, 401, 403, 409) },
      },
    },
    async (req, reply) => {
      const { session, recoveryCodes } = await auth.confirmEnrolment(req.principal!, auditContextOf(req), client(req), req.body.code);
      setCookie(req, reply, session);
      const user = await meFor(session);
      return { stage: user.stage, user, recoveryCodes };
    },
  );

  app.post(
    '/auth/logout',
    {
      config: { access: { authenticated: true, stages: ['active', 'mfa_pending', 'mfa_enrolment', 'password_change'] } },
      schema: { operationId: 'logout', tags: ['auth'], summary: 'Ends the current session', response: { 204: z.null(), ...problemResponses(401) } },
    },
    async (req, reply) => {
      await auth.logout(req.principal!, auditContextOf(req));
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/auth/me',
    {
      config: { access: { authenticated: true, stages: ['active', 'mfa_pending', 'mfa_enrolment', 'password_change'] } },
      schema: { operationId: 'getMe', tags: ['auth'], summary: 'The signed-in user, roles and permissions', response: { 200: meSchema, ...problemResponses(401) } },
    },
    async (req) => presentMe(req.principal!, await auth.me(req.principal!)),
  );

  app.post(
    '/auth/password',
    {
      config: { access: { authenticated: true, stages: ['active', 'password_change'], sessionOnly: true }, rateLimit: authLimit },
      schema: {
        operationId: 'changePassword',
        tags: ['auth'],
        summary: 'Changes the own password and ends every other session',
        body: z.strictObject({ currentPassword: z.string().min(1).max(256), newPassword: z.string().min(1).max(256) }),
        response: { 204: z.null(), ...problemResponses(400, 401, 403, 422, 429) },
      },
    },
    async (req, reply) => {
      await auth.changePassword(req.principal!, auditContextOf(req), req.body.currentPassword, req.body.newPassword);
      return reply.status(204).send(null);
    },
  );
}
