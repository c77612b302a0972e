import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../platform/db/schema.js';
import type { Discretion } from '../../platform/discretion/discretion.js';
import { auditContextOf, type App } from '../../platform/http/app.js';
import { problemResponses, uuidParam } from '../../platform/http/schemas.js';
import { listApprovals } from './approvals.repository.js';

const userRef = z.object({ id: z.uuid(), username: z.string() });
export const approvalSchema = z.object({
  id: z.uuid(),
  action: z.string(),
  entityType: z.string(),
  entityId: z.string(),
  payload: z.unknown(),
  reason: z.object({ code: z.string(), text: z.string(), label: z.object({ es: z.string(), en: z.string() }).nullable() }),
  approverRole: z.string(),
  status: z.enum(['pending', 'approved', 'rejected', 'withdrawn', 'superseded']),
  requestedBy: userRef,
  requestedAt: z.string(),
  decidedBy: userRef.nullable(),
  decidedAt: z.string().nullable(),
  decisionNote: z.string().nullable(),
  canDecide: z.boolean(),
});

export function approvalsRoutes(app: App, deps: { db: Kysely<DB>; discretion: Discretion }) {
  const { db, discretion } = deps;
  const tags = ['approvals'];

  app.get(
    '/reason-codes',
    {
      config: { access: { authenticated: true } },
      schema: {
        operationId: 'listReasonCodes',
        tags,
        summary: 'The catalogue of reasons a discretionary action may give',
        querystring: z.strictObject({ action: z.string().min(1).max(80) }),
        response: { 200: z.object({ items: z.array(z.object({ code: z.string(), label: z.object({ es: z.string(), en: z.string() }) })) }) },
      },
    },
    async (req) => {
      const rows = await db.selectFrom('reason_codes').selectAll().where('action', '=', req.query.action).where('active', '=', true).orderBy('code').execute();
      return { items: rows.map((r) => ({ code: r.code, label: { es: r.label_es, en: r.label_en } })) };
    },
  );

  app.get(
    '/approvals',
    {
      config: { access: { permission: 'approvals:read' } },
      schema: {
        operationId: 'listApprovals',
        tags,
        summary: 'The approval queue: pending requests, or the latest decided ones',
        querystring: z.strictObject({ status: z.enum(['pending', 'decided']).default('pending') }),
        response: { 200: z.object({ items: z.array(approvalSchema) }), ...problemResponses(401, 403) },
      },
    },
    async (req) => ({ items: await listApprovals(db, req.principal!, req.query.status) }),
  );

  app.post(
    '/approvals/:id/decision',
    {
      config: { access: { permission: 'approvals:decide' } },
      schema: {
        operationId: 'decideApproval',
        tags,
        summary: 'Approves (and carries out the action) or rejects a request; rejecting needs a note; never by the requester',
        params: uuidParam,
        body: z.strictObject({ decision: z.enum(['approve', 'reject']), note: z.string().max(2000).optional() }),
        response: { 200: approvalSchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req) => {
      await discretion.decide(req.principal!, auditContextOf(req), req.params.id, req.body.decision, req.body.note);
      const [item] = await listApprovals(db, req.principal!, 'any', req.params.id);
      return item!;
    },
  );

  app.post(
    '/approvals/:id/withdraw',
    {
      config: { access: { authenticated: true, sessionOnly: true } },
      schema: { operationId: 'withdrawRequest', tags, summary: 'The requester withdraws an undecided request', params: uuidParam, response: { 204: z.null(), ...problemResponses(401, 403, 404, 409) } },
    },
    async (req, reply) => {
      await discretion.withdraw(req.principal!, auditContextOf(req), req.params.id);
      return reply.status(204).send(null);
    },
  );
}
