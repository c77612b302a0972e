import { z } from 'zod';
import type pg from 'pg';
import { migrationsApplied } from '../../platform/db/migrate.js';
import type { App } from '../../platform/http/app.js';

/** Liveness and readiness for load balancers and orchestrators; no authentication, no personal data. */
export function healthRoutes(app: App, deps: { pool: pg.Pool }) {
  app.get(
    '/healthz',
    { config: { access: { public: true } }, schema: { operationId: 'getHealth', tags: ['health'], security: [], response: { 200: z.object({ status: z.literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    {
      config: { access: { public: true } },
      schema: {
        operationId: 'getReadiness',
        tags: ['health'],
        security: [],
        response: { 200: z.object({ status: z.literal('ready') }), 503: z.object({ status: z.literal('unavailable'), reason: z.string() }) },
      },
    },
    async (_req, reply) => {
      try {
        if (!(await migrationsApplied(deps.pool))) return reply.status(503).send({ status: 'unavailable', reason: 'migrations pending' });
        return { status: 'ready' as const };
      } catch {
        return reply.status(503).send({ status: 'unavailable', reason: 'database unreachable' });
      }
    },
  );
}
