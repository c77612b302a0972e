import type { Kysely } from 'kysely';
import { z } from 'zod';
import { appendAudit } from '../../platform/audit/audit-log.js';
import { exportWitnessFile } from '../../platform/audit/checkpoint.js';
import { checkpointAt, latestCheckpoint, loadLeafHashes, publicKeys } from '../../platform/audit/log-store.js';
import { consistencyProof, inclusionProof, rootHash } from '../../platform/audit/merkle.js';
import { sequencePending } from '../../platform/audit/sequencer.js';
import { verifyAuditLog } from '../../platform/audit/verify.js';
import type { DB } from '../../platform/db/schema.js';
import { AppError, notFound } from '../../platform/errors.js';
import { auditContextOf, type App } from '../../platform/http/app.js';
import { problemResponses } from '../../platform/http/schemas.js';
import { auditEntrySchema, listAuditEntries, presentEntry } from './audit.repository.js';

const checkpointSchema = z.object({
  origin: z.string(),
  treeSize: z.number().int(),
  rootHash: z.string().describe('base64 SHA-256 Merkle tree head (RFC 9162)'),
  timestamp: z.string(),
  keyId: z.string(),
  signature: z.string().describe('base64 Ed25519 signature over the checkpoint body'),
  publicKeyPem: z.string(),
});
const hex = (b: Buffer) => b.toString('hex');

export function auditRoutes(app: App, deps: { db: Kysely<DB> }) {
  const { db } = deps;
  const tags = ['audit'];
  /** Reading the audit log is itself an audited act. */
  const recordRead = (req: Parameters<typeof auditContextOf>[0], what: string, details: unknown) =>
    db.transaction().execute((tx) => appendAudit(tx, auditContextOf(req), { action: 'audit.read', entityType: 'audit_log', entityId: what, changes: details }));

  const latestWithKey = async () => {
    const cp = await latestCheckpoint(db);
    if (!cp) throw notFound();
    const pem = (await publicKeys(db)).get(cp.keyId);
    if (!pem) throw notFound();
    return { ...cp, publicKeyPem: pem };
  };

  app.get(
    '/audit/entries',
    {
      config: { access: { permission: 'audit:read' } },
      schema: {
        operationId: 'listAuditEntries',
        tags,
        summary: 'Audit entries, newest first, filtered; page with beforeSeq',
        querystring: z.strictObject({
          actor: z.string().max(100).optional(),
          action: z.string().max(100).optional(),
          entityType: z.string().max(60).optional(),
          entityId: z.string().max(100).optional(),
          from: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
          to: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
          beforeSeq: z.coerce.number().int().min(1).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: { 200: z.object({ items: z.array(auditEntrySchema), nextBeforeSeq: z.number().nullable() }), ...problemResponses(400, 401, 403) },
      },
    },
    async (req) => {
      await recordRead(req, 'entries', { filter: req.query });
      return listAuditEntries(db, req.query);
    },
  );

  app.get(
    '/audit/entries/:seq',
    {
      config: { access: { permission: 'audit:read' } },
      schema: {
        operationId: 'getAuditEntry',
        tags,
        params: z.object({ seq: z.coerce.number().int().min(1) }),
        response: { 200: auditEntrySchema, ...problemResponses(401, 403, 404) },
      },
    },
    async (req) => {
      await sequencePending(db);
      const row = await db.selectFrom('audit_log').selectAll().where('seq', '=', req.params.seq).executeTakeFirst();
      if (!row) throw notFound();
      await recordRead(req, `entry:${req.params.seq}`, null);
      return presentEntry(row);
    },
  );

  app.get(
    '/audit/checkpoint',
    {
      config: { access: { permission: 'audit:read' } },
      schema: { operationId: 'getAuditCheckpoint', tags, summary: 'The latest signed checkpoint (tree head) and the key that signed it', response: { 200: checkpointSchema, ...problemResponses(401, 403, 404) } },
    },
    async (req) => {
      const cp = await latestWithKey();
      await recordRead(req, 'checkpoint', { treeSize: cp.treeSize });
      return cp;
    },
  );

  app.get(
    '/audit/checkpoint/export',
    {
      config: { access: { permission: 'audit:verify' } },
      schema: { operationId: 'exportAuditCheckpoint', tags, summary: 'The latest checkpoint as a file for an outside witness to keep', response: { 200: z.string(), ...problemResponses(401, 403, 404) } },
    },
    async (req, reply) => {
      const cp = await latestWithKey();
      await recordRead(req, 'checkpoint_export', { treeSize: cp.treeSize });
      return reply
        .header('content-disposition', `attachment; filename="centinela-checkpoint-${cp.treeSize}.json"`)
        .type('application/json')
        .send(exportWitnessFile(cp, cp.publicKeyPem));
    },
  );

  app.get(
    '/audit/proofs/inclusion',
    {
      config: { access: { permission: 'audit:read' } },
      schema: {
        operationId: 'getAuditInclusionProof',
        tags,
        summary: 'RFC 9162 inclusion proof of an entry in the tree of a given size (default: latest checkpoint)',
        querystring: z.strictObject({ seq: z.coerce.number().int().min(1), treeSize: z.coerce.number().int().min(1).optional() }),
        response: {
          200: z.object({ seq: z.number(), leafIndex: z.number(), treeSize: z.number(), leafHash: z.string(), rootHash: z.string(), proof: z.array(z.string()) }),
          ...problemResponses(400, 401, 403, 404, 422),
        },
      },
    },
    async (req) => {
      const treeSize = req.query.treeSize ?? (await latestCheckpoint(db))?.treeSize;
      if (!treeSize) throw notFound();
      if (req.query.seq > treeSize) throw new AppError('validation_failed', 422, {}, { why: 'seq beyond tree size' });
      const leaves = await loadLeafHashes(db, treeSize);
      if (leaves.length < treeSize) throw notFound();
      const index = req.query.seq - 1;
      await recordRead(req, 'inclusion_proof', { seq: req.query.seq, treeSize });
      return {
        seq: req.query.seq,
        leafIndex: index,
        treeSize,
        leafHash: hex(leaves[index]!),
        rootHash: hex(rootHash(leaves)),
        proof: inclusionProof(index, leaves).map(hex),
      };
    },
  );

  app.get(
    '/audit/proofs/consistency',
    {
      config: { access: { permission: 'audit:read' } },
      schema: {
        operationId: 'getAuditConsistencyProof',
        tags,
        summary: 'RFC 9162 consistency proof that the tree of size `to` extends the tree of size `from`',
        querystring: z.strictObject({ from: z.coerce.number().int().min(1), to: z.coerce.number().int().min(1) }),
        response: {
          200: z.object({ from: z.number(), to: z.number(), fromRoot: z.string(), toRoot: z.string(), proof: z.array(z.string()), fromCheckpoint: z.boolean(), toCheckpoint: z.boolean() }),
          ...problemResponses(400, 401, 403, 404, 422),
        },
      },
    },
    async (req) => {
      const { from, to } = req.query;
      if (from > to) throw new AppError('validation_failed', 422, {}, { why: 'from must not exceed to' });
      const leaves = await loadLeafHashes(db, to);
      if (leaves.length < to) throw notFound();
      await recordRead(req, 'consistency_proof', { from, to });
      return {
        from,
        to,
        fromRoot: hex(rootHash(leaves.slice(0, from))),
        toRoot: hex(rootHash(leaves)),
        proof: consistencyProof(from, leaves).map(hex),
        fromCheckpoint: (await checkpointAt(db, from)) !== null,
        toCheckpoint: (await checkpointAt(db, to)) !== null,
      };
    },
  );

  app.post(
    '/audit/verification',
    {
      config: { access: { permission: 'audit:verify' } },
      schema: {
        operationId: 'verifyAuditLog',
        tags,
        summary: 'Recomputes the whole chain, Merkle roots and checkpoint signatures and reports the first problem',
        response: {
          200: z.object({
            ok: z.boolean(),
            entries: z.number(),
            queued: z.number().describe('committed entries still waiting to be chained after verification sequenced the queue'),
            checkpoints: z.number(),
            problems: z.array(z.object({ kind: z.string(), seq: z.number().nullable(), detail: z.string() })),
            witness: z.null(),
          }),
          ...problemResponses(401, 403),
        },
      },
    },
    async (req) => {
      const report = await verifyAuditLog(db);
      await db.transaction().execute((tx) =>
        appendAudit(tx, auditContextOf(req), { action: 'audit.verified', entityType: 'audit_log', changes: { ok: report.ok, entries: report.entries, problems: report.problems.length } }),
      );
      return { ...report, witness: null };
    },
  );
}
