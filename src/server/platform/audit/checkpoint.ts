/**
 * Ed25519-signed checkpoints of the audit log, modelled on the C2SP checkpoint and signed-note formats.
 * The signed bytes are the UTF-8 checkpoint body; keyId and signature travel beside it as JSON.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

export type Checkpoint = {
  origin: string;
  treeSize: number;
  /** Base64 of the 32-byte RFC 9162 root hash. */
  rootHash: string;
  /** ISO 8601 in Date#toISOString form, e.g. 2024-05-06T07:08:09.010Z. */
  timestamp: string;
};

export type SignedCheckpoint = Checkpoint & {
  /** Hex of the first 8 bytes of SHA-256 of the signer's SPKI DER. */
  keyId: string;
  /** Base64 Ed25519 signature over checkpointBody(). */
  signature: string;
};

export const WITNESS_FILE_FORMAT = 'centinela-audit-checkpoint/v1';

const ROOT_HASH_BYTES = 32;
const SIGNATURE_BYTES = 64;
const KEY_ID_PATTERN = /^[0-9a-f]{16}$/;
// In /u mode a valid surrogate pair is one code point, so only lone halves match.
const LONE_SURROGATE = /\p{Surrogate}/u;

/** The exact text that is signed; throws on a field that would make it ambiguous. */
export function checkpointBody(c: Checkpoint): string {
  const problem = checkpointProblem(c);
  if (problem !== undefined) throw new Error(`Invalid checkpoint: ${problem}`);
  return `${c.origin}\n${c.treeSize}\n${c.rootHash}\ntimestamp ${c.timestamp}\n`;
}

export function generateSigningKey(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519', {
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

export function keyId(publicKeyPem: string): string {
  return keyIdOf(ed25519PublicKey(publicKeyPem));
}

export function signCheckpoint(c: Checkpoint, privateKeyPem: string): SignedCheckpoint {
  const privateKey = createPrivateKey(privateKeyPem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('The signing key is not an Ed25519 private key');
  const body = checkpointBody(c);
  const signature = sign(null, Buffer.from(body, 'utf8'), privateKey).toString('base64');
  return {
    origin: c.origin,
    treeSize: c.treeSize,
    rootHash: c.rootHash,
    timestamp: c.timestamp,
    keyId: keyIdOf(createPublicKey(privateKey)),
    signature,
  };
}

/** False for any forged, altered or malformed checkpoint; throws only if publicKeyPem is not an Ed25519 key. */
export function verifyCheckpoint(s: SignedCheckpoint, publicKeyPem: string): boolean {
  const publicKey = ed25519PublicKey(publicKeyPem);
  if (s.keyId !== keyIdOf(publicKey)) return false;
  if (checkpointProblem(s) !== undefined) return false;
  const signature = decodeBase64(s.signature, SIGNATURE_BYTES);
  if (signature === undefined) return false;
  return verify(null, Buffer.from(checkpointBody(s), 'utf8'), publicKey, signature);
}

/** Pretty JSON an outside witness keeps; refuses a checkpoint the given key does not verify. */
export function exportWitnessFile(s: SignedCheckpoint, publicKeyPem: string): string {
  if (!verifyCheckpoint(s, publicKeyPem)) {
    throw new Error('Refusing to export a checkpoint that does not verify with the given public key');
  }
  const file = {
    format: WITNESS_FILE_FORMAT,
    checkpoint: { origin: s.origin, treeSize: s.treeSize, rootHash: s.rootHash, timestamp: s.timestamp },
    keyId: s.keyId,
    signature: s.signature,
    publicKeyPem: String(ed25519PublicKey(publicKeyPem).export({ type: 'spki', format: 'pem' })),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/**
 * Checks the shape of a witness file, not its signature: call verifyCheckpoint with a key you
 * already trust, since whoever can rewrite the file can also replace the key inside it.
 */
export function parseWitnessFile(text: string): { checkpoint: SignedCheckpoint; publicKeyPem: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error('Invalid witness file: not valid JSON');
  }
  if (!isRecord(data)) throw new Error('Invalid witness file: expected a JSON object');
  if (data['format'] !== WITNESS_FILE_FORMAT) {
    throw new Error(`Invalid witness file: format must be "${WITNESS_FILE_FORMAT}"`);
  }
  const inner = data['checkpoint'];
  if (!isRecord(inner)) throw new Error('Invalid witness file: "checkpoint" must be an object');

  const checkpoint: SignedCheckpoint = {
    origin: requireString(inner, 'origin', 'checkpoint.origin'),
    treeSize: requireNumber(inner, 'treeSize', 'checkpoint.treeSize'),
    rootHash: requireString(inner, 'rootHash', 'checkpoint.rootHash'),
    timestamp: requireString(inner, 'timestamp', 'checkpoint.timestamp'),
    keyId: requireString(data, 'keyId', 'keyId'),
    signature: requireString(data, 'signature', 'signature'),
  };
  const problem = checkpointProblem(checkpoint);
  if (problem !== undefined) throw new Error(`Invalid witness file: ${problem}`);
  if (!KEY_ID_PATTERN.test(checkpoint.keyId)) throw new Error('Invalid witness file: keyId must be 16 lowercase hex digits');
  if (decodeBase64(checkpoint.signature, SIGNATURE_BYTES) === undefined) {
    throw new Error(`Invalid witness file: signature must be base64 of ${SIGNATURE_BYTES} bytes`);
  }

  const publicKeyPem = requireString(data, 'publicKeyPem', 'publicKeyPem');
  let publicKey: KeyObject;
  try {
    publicKey = ed25519PublicKey(publicKeyPem);
  } catch {
    throw new Error('Invalid witness file: publicKeyPem is not an Ed25519 public key');
  }
  if (keyIdOf(publicKey) !== checkpoint.keyId) {
    throw new Error('Invalid witness file: keyId does not match publicKeyPem');
  }
  return { checkpoint, publicKeyPem };
}

function checkpointProblem(c: Checkpoint): string | undefined {
  if (typeof c.origin !== 'string' || c.origin.length === 0) return 'origin must be a non-empty string';
  if (c.origin.includes('\n') || LONE_SURROGATE.test(c.origin)) {
    return 'origin must be one line of valid Unicode';
  }
  if (!Number.isSafeInteger(c.treeSize) || c.treeSize < 0) return 'treeSize must be a non-negative safe integer';
  if (typeof c.rootHash !== 'string' || decodeBase64(c.rootHash, ROOT_HASH_BYTES) === undefined) {
    return `rootHash must be base64 of ${ROOT_HASH_BYTES} bytes`;
  }
  if (typeof c.timestamp !== 'string' || !isCanonicalIsoTimestamp(c.timestamp)) {
    return 'timestamp must be an ISO 8601 UTC time as Date#toISOString writes it';
  }
  return undefined;
}

// One instant must have one signed spelling, so only toISOString's exact output is accepted.
function isCanonicalIsoTimestamp(text: string): boolean {
  const time = Date.parse(text);
  return !Number.isNaN(time) && new Date(time).toISOString() === text;
}

// Buffer.from ignores bad characters, so re-encoding is what proves the text was canonical base64.
function decodeBase64(text: string, bytes: number): Buffer | undefined {
  if (typeof text !== 'string') return undefined;
  const decoded = Buffer.from(text, 'base64');
  return decoded.length === bytes && decoded.toString('base64') === text ? decoded : undefined;
}

function ed25519PublicKey(publicKeyPem: string): KeyObject {
  // createPublicKey would quietly accept a private key, which must never end up in a witness file.
  if (parsesAsPrivateKey(publicKeyPem)) throw new Error('Expected a public key but got a private key');
  const key = createPublicKey(publicKeyPem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('The public key is not an Ed25519 key');
  return key;
}

function parsesAsPrivateKey(pem: string): boolean {
  try {
    createPrivateKey(pem);
    return true;
  } catch {
    return false;
  }
}

function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest().subarray(0, 8).toString('hex');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireString(record: Record<string, unknown>, key: string, label: string): string {
  const value = record[key];
  if (typeof value !== 'string') throw new Error(`Invalid witness file: ${label} must be a string`);
  return value;
}

function requireNumber(record: Record<string, unknown>, key: string, label: string): number {
  const value = record[key];
  if (typeof value !== 'number') throw new Error(`Invalid witness file: ${label} must be a number`);
  return value;
}
