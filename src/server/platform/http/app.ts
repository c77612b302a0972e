import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import helmet from 'helmet';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyBaseLogger, type RawServerDefault } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Kysely } from 'kysely';
import type { Lang } from '../../../common/errors.js';
import type { Config } from '../config.js';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { principalFromSession, principalFromToken, SESSION_COOKIE } from '../auth/authenticate.js';
import type { SessionCache } from '../auth/session-cache.js';
import type { Access, AuditContext, Principal } from '../auth/principal.js';
import { negotiateLanguage } from './language.js';
import { errorHandler, sendProblem } from './problem.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    lang: Lang;
  }
  interface FastifyContextConfig {
    access?: Access;
  }
}

export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

const WEB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../dist/web');
const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

export type HttpOptions = {
  config: Config;
  db: Kysely<DB>;
  logger: FastifyBaseLogger | false;
  onTokenUse?: (principal: Principal, req: { id: string; ip: string }) => Promise<void>;
  /** Sessions read recently (none: every request reads its session). */
  sessions?: SessionCache;
};

export function auditContextOf(req: { principal: Principal | null; id: string; ip: string }): AuditContext {
  return {
    actorId: req.principal?.userId ?? null,
    actorUsername: req.principal?.username ?? null,
    actorRoles: req.principal?.roles ?? [],
    actorTokenId: req.principal?.tokenId ?? null,
    requestId: req.id,
    clientIp: req.ip,
  };
}

/** Authorises a request against its route's declared access; runs before the body is parsed. */
function checkAccess(access: Access, principal: Principal | null): void {
  if ('public' in access) return;
  if (!principal) throw new AppError('unauthenticated', 401);
  if ('authenticated' in access) {
    const stages = access.stages ?? ['active'];
    if (!stages.includes(principal.stage)) throw stageError(principal);
    // The account itself (password, tokens, own requests) is managed by a person, never by a token.
    if (access.sessionOnly && principal.via !== 'session') throw new AppError('forbidden', 403);
    return;
  }
  if (principal.stage !== 'active') throw stageError(principal);
  if (!principal.permissions.has(access.permission)) throw new AppError('forbidden', 403, {}, { permission: access.permission });
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The path of the first string holding a NUL or a lone UTF-16 surrogate, or null. */
export function findUnstorableText(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return value.includes('\u0000') || LONE_SURROGATE.test(value) ? path || '.' : null;
  // Raw bytes (evidence uploads) are never stored as text; walking them byte by byte took seconds per MiB.
  if (ArrayBuffer.isView(value)) return null;
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const found = findUnstorableText(k, path ? `${path}.${k}` : k) ?? findUnstorableText(v, path ? `${path}.${k}` : k);
      if (found) return found;
    }
  }
  return null;
}

/** The host of an Origin header, or null for "null" and anything unparsable (which then never matches). */
export function originHost(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

const stageError = (p: Principal) =>
  p.stage === 'mfa_pending'
    ? new AppError('mfa_required', 401)
    : p.stage === 'password_change'
      ? new AppError('password_change_required', 403)
      : new AppError('mfa_enrolment_required', 403);

export async function buildHttp(opts: HttpOptions): Promise<App> {
  const { config, db } = opts;
  const app = Fastify({
    ...(opts.logger === false ? { logger: false } : { loggerInstance: opts.logger }),
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY,
    requestIdHeader: false,
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : crypto.randomUUID();
    },
    ajv: { customOptions: { removeAdditional: false } },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.decorateRequest('principal', null);
  app.decorateRequest('lang', 'es');

  // Every API route must say who may call it: a route without `access` is a bug, caught at start-up.
  // Every public route is rate limited unless it sets a tighter limit of its own.
  const publicLimit = { max: config.RATE_LIMIT_PUBLIC_PER_MINUTE, timeWindow: '1 minute' };
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/') && !route.url.startsWith('/api/docs') && route.url !== '/api/openapi.json') {
      if (!route.config?.access) throw new Error(`Route ${route.method} ${route.url} declares no access rule`);
    }
    if (route.config?.access && 'public' in route.config.access && !route.config.rateLimit) {
      route.config = { ...route.config, rateLimit: publicLimit };
    }
  });

  // Security headers, from helmet's middleware built once: @fastify/helmet rebuilt it (CSP parsing
  // included) on every request, ~5% of a small request's allocations.
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        workerSrc: ["'self'", 'blob:'],
        connectSrc: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
    // Behind a TLS-terminating proxy only: HSTS over plain HTTP would lock browsers out of a test install.
    strictTransportSecurity: config.TRUST_PROXY !== false,
  });
  app.addHook('onRequest', (req, reply, done) => securityHeaders(req.raw, reply.raw, (err) => done(err as Error | undefined)));
  if (config.CORS_ORIGINS.length > 0) {
    const allowed = new Set(config.CORS_ORIGINS.map((o) => new URL(o).origin));
    app.addHook('onRequest', async (req, reply) => {
      const origin = req.headers.origin;
      if (origin && allowed.has(origin)) {
        reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
        reply.header('access-control-allow-headers', 'authorization, content-type, accept-language, x-request-id');
        reply.header('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE');
        if (req.method === 'OPTIONS') return reply.status(204).send();
      }
      return undefined;
    });
  }
  await app.register(cookie);
  await app.register(rateLimit, {
    global: false,
    keyGenerator: (req) => req.ip,
    errorResponseBuilder: (_req, ctx) => ({ statusCode: 429, code: 'rate_limited', message: `retry in ${ctx.after}` }),
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Centinela API',
        version: '0.1.0',
        description:
          'API of Centinela. Errors are RFC 9457 problem+json with a stable `code`. Authenticate with the session cookie (web) or `Authorization: Bearer <token>` (devices, integrations).',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ session: [] }, { bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: false });

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    req.lang = negotiateLanguage(req.headers['accept-language']);
    const access = req.routeOptions.config?.access;
    if (!access) return;
    const authz = req.headers.authorization;
    const cookieValue = req.cookies[SESSION_COOKIE];
    if (authz?.startsWith('Bearer ')) {
      req.principal = await principalFromToken(db, authz.slice(7).trim());
      if (opts.onTokenUse) await opts.onTokenUse(req.principal, req);
    } else if (cookieValue) {
      try {
        req.principal = await principalFromSession(db, cookieValue, { idleMinutes: config.SESSION_IDLE_MINUTES }, new Date(), opts.sessions);
      } catch (e) {
        if (!('public' in access)) throw e;
      }
      // SameSite covers most CSRF; an explicit Origin check covers old browsers and subdomains.
      if (req.principal && !['GET', 'HEAD', 'OPTIONS'].includes(req.method)) {
        const origin = req.headers.origin;
        const host = req.headers.host;
        if (origin && host && originHost(origin) !== host) throw new AppError('csrf_origin_mismatch', 403);
      }
    }
    checkAccess(access, req.principal);
  });

  // PostgreSQL text cannot hold NUL or half a surrogate pair: refuse them up front as bad input, not a 500.
  app.addHook('preValidation', async (req) => {
    const bad = findUnstorableText({ body: req.body, query: req.query, params: req.params });
    if (bad) throw new AppError('validation_failed', 400, {}, { errors: [{ path: bad, code: 'invalid_string', message: 'NUL characters and lone surrogates are not allowed' }] });
  });

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  if (fs.existsSync(path.join(WEB_DIST, 'index.html'))) {
    await app.register(fastifyStatic, { root: WEB_DIST, prefix: '/', wildcard: false, index: ['index.html'] });
  }
  app.setNotFoundHandler((req, reply) => {
    const url = req.url.split('?')[0] ?? '/';
    const wantsPage = req.method === 'GET' && !url.startsWith('/api/') && !path.extname(url);
    if (wantsPage && fs.existsSync(path.join(WEB_DIST, 'index.html'))) return reply.sendFile('index.html');
    return sendProblem(req, reply, 404, 'not_found');
  });
  return app;
}
