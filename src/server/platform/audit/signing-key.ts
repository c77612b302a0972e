import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { generateSigningKey, keyId } from './checkpoint.js';
import crypto from 'node:crypto';

export type SigningKey = { privateKeyPem: string; publicKeyPem: string; keyId: string };

/** The checkpoint key comes from AUDIT_SIGNING_KEY_FILE, or is generated once into the data directory. */
export function loadSigningKey(opts: { keyFile?: string; dataDir: string }): { key: SigningKey; generated: boolean; file: string } {
  const file = opts.keyFile ?? path.join(opts.dataDir, 'audit-signing-key.pem');
  let generated = false;
  if (!fs.existsSync(file)) {
    if (opts.keyFile) throw new Error(`AUDIT_SIGNING_KEY_FILE: ${file} does not exist (expected an Ed25519 private key in PKCS#8 PEM)`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, generateSigningKey().privateKeyPem, { mode: 0o600, flag: 'wx' });
    generated = true;
  }
  const privateKeyPem = fs.readFileSync(file, 'utf8');
  let publicKeyPem: string;
  try {
    const priv = crypto.createPrivateKey(privateKeyPem);
    if (priv.asymmetricKeyType !== 'ed25519') throw new Error('not ed25519');
    publicKeyPem = crypto.createPublicKey(priv).export({ type: 'spki', format: 'pem' }).toString();
  } catch {
    throw new Error(`AUDIT_SIGNING_KEY_FILE: ${file} is not an Ed25519 private key in PKCS#8 PEM`);
  }
  return { key: { privateKeyPem, publicKeyPem, keyId: keyId(publicKeyPem) }, generated, file };
}

/** Publishes the public half so verifiers and witnesses can check checkpoints. */
export async function registerPublicKey(db: Kysely<DB>, key: SigningKey) {
  await db.insertInto('audit_signing_keys').values({ key_id: key.keyId, public_key_pem: key.publicKeyPem }).onConflict((oc) => oc.doNothing()).execute();
}
