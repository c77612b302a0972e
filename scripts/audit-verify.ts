import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { Kysely } from 'kysely';
import { parseWitnessFile } from '../src/server/platform/audit/checkpoint.js';
import { keyId } from '../src/server/platform/audit/checkpoint.js';
import { publicKeys } from '../src/server/platform/audit/log-store.js';
import { verifyAuditLog, type VerificationReport } from '../src/server/platform/audit/verify.js';
import { loadConfig } from '../src/server/platform/config.js';
import { openDatabase } from '../src/server/platform/db/database.js';
import { acquireDataDirLock } from '../src/server/platform/db/lock.js';
import type { DB } from '../src/server/platform/db/schema.js';

const USAGE = `Usage: npm run audit:verify -- [--witness checkpoint.json] [--public-key key.pem] [--json]

Recomputes every audit entry's hash, the hash chain, the Merkle tree and every signed checkpoint,
and reports the first entry that was modified, deleted, inserted or reordered.
  --witness FILE     a checkpoint exported earlier (GET /api/audit/checkpoint/export): proves the
                     log only grew since (RFC 9162 consistency proof)
  --public-key FILE  trust only this Ed25519 public key (PEM) for checkpoints, not the keys in the database
  --json             print the report as JSON
Uses DATABASE_URL, or the embedded database in DATA_DIR (stop the server first).`;

export type VerifyArgs = { witness?: string; publicKey?: string; json?: boolean };

/** The command's work, separated from process handling so tests can run it on their own database. */
export async function runAuditVerify(db: Kysely<DB>, args: VerifyArgs, print: (line: string) => void): Promise<VerificationReport> {
  const witness = args.witness ? parseWitnessFile(fs.readFileSync(args.witness, 'utf8')) : undefined;
  let trustedKeys: Map<string, string> | undefined;
  if (args.publicKey) {
    const pem = fs.readFileSync(args.publicKey, 'utf8');
    trustedKeys = new Map([[keyId(pem), pem]]);
  } else {
    trustedKeys = await publicKeys(db);
  }
  const report = await verifyAuditLog(db, { witness, trustedKeys });
  if (args.json) {
    print(JSON.stringify(report, null, 2));
    return report;
  }
  print(`Audit log: ${report.entries} entries, ${report.checkpoints} signed checkpoints.`);
  if (report.witness) {
    print(
      report.witness.consistent
        ? `Witness checkpoint at size ${report.witness.treeSize}: the log only grew since (now ${report.witness.currentSize}).`
        : `Witness checkpoint at size ${report.witness.treeSize}: NOT consistent with the log.`,
    );
  }
  if (report.ok) print('OK: every hash, link, Merkle root and checkpoint signature verifies.');
  for (const p of report.problems) print(`TAMPERED (${p.kind}${p.seq !== null ? ` at entry ${p.seq}` : ''}): ${p.detail}`);
  return report;
}

async function main() {
  const { values } = parseArgs({
    options: { witness: { type: 'string' }, 'public-key': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const config = loadConfig();
  const release = config.embedded ? acquireDataDirLock(config.dataDir) : () => undefined;
  try {
    if (config.embedded && !fs.existsSync(path.join(config.dataDir, 'pgdata'))) {
      console.error(`No embedded database in ${config.dataDir} (set DATA_DIR or DATABASE_URL).`);
      return 2;
    }
    const database = config.embedded
      ? await openDatabase({ kind: 'pglite', dataDir: config.dataDir })
      : await openDatabase({ kind: 'postgres', url: config.DATABASE_URL!, poolSize: 2 });
    try {
      const report = await runAuditVerify(database.db, { witness: values.witness, publicKey: values['public-key'], json: values.json }, (l) => console.log(l));
      return report.ok ? 0 : 1;
    } finally {
      await database.close();
    }
  } finally {
    release();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(2);
    },
  );
}
