import { describe, it, expect } from 'vitest';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import {
  WITNESS_FILE_FORMAT,
  checkpointBody,
  exportWitnessFile,
  generateSigningKey,
  keyId,
  parseWitnessFile,
  signCheckpoint,
  verifyCheckpoint,
} from './checkpoint.js';
import type { Checkpoint, SignedCheckpoint } from './checkpoint.js';
import { leafHash, rootHash } from './merkle.js';

const KEY = generateSigningKey();
const OTHER_KEY = generateSigningKey();
const CHECKPOINT: Checkpoint = {
  origin: 'centinela.example/audit',
  treeSize: 3,
  rootHash: rootHash(['a', 'b', 'c'].map((d) => leafHash(d))).toString('base64'),
  timestamp: '2024-05-06T07:08:09.010Z',
};
const SIGNED = signCheckpoint(CHECKPOINT, KEY.privateKeyPem);

function editedWitnessFile(edit: (file: Record<string, unknown>) => void): string {
  const file = JSON.parse(exportWitnessFile(SIGNED, KEY.publicKeyPem)) as Record<string, unknown>;
  edit(file);
  return JSON.stringify(file);
}

function editedCheckpoint(field: string, value: unknown): string {
  return editedWitnessFile((file) => {
    (file['checkpoint'] as Record<string, unknown>)[field] = value;
  });
}

describe('checkpointBody', () => {
  it('writes origin, size, root and timestamp lines, each ending in a newline', () => {
    expect(checkpointBody(CHECKPOINT)).toBe(
      `centinela.example/audit\n3\n${CHECKPOINT.rootHash}\ntimestamp 2024-05-06T07:08:09.010Z\n`,
    );
  });

  it('rejects fields that would make the signed text ambiguous', () => {
    const bad: Checkpoint[] = [
      { ...CHECKPOINT, origin: '' },
      { ...CHECKPOINT, origin: 'two\nlines' },
      { ...CHECKPOINT, treeSize: -1 },
      { ...CHECKPOINT, treeSize: 1.5 },
      { ...CHECKPOINT, treeSize: 2 ** 53 },
      { ...CHECKPOINT, rootHash: Buffer.alloc(31).toString('base64') },
      { ...CHECKPOINT, rootHash: `${CHECKPOINT.rootHash}\n` },
      { ...CHECKPOINT, rootHash: 'not base64!' },
      { ...CHECKPOINT, timestamp: '2024-05-06T07:08:09Z' },
      { ...CHECKPOINT, timestamp: '2024-05-06T09:08:09.010+02:00' },
      { ...CHECKPOINT, timestamp: 'yesterday' },
    ];
    for (const c of bad) {
      expect(() => checkpointBody(c), JSON.stringify(c)).toThrow(/Invalid checkpoint/);
    }
  });
});

describe('keys', () => {
  it('generates PEM encoded Ed25519 PKCS#8 and SPKI keys', () => {
    expect(KEY.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(KEY.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(createPublicKey(KEY.publicKeyPem).asymmetricKeyType).toBe('ed25519');
  });

  it('derives the key id from the first 8 bytes of SHA-256 of the SPKI DER', () => {
    const der = createPublicKey(KEY.publicKeyPem).export({ type: 'spki', format: 'der' });
    const expected = createHash('sha256').update(der).digest('hex').slice(0, 16);
    expect(keyId(KEY.publicKeyPem)).toBe(expected);
    expect(keyId(OTHER_KEY.publicKeyPem)).not.toBe(expected);
  });
});

describe('signCheckpoint and verifyCheckpoint', () => {
  it('verifies a checkpoint signed with the matching key', () => {
    expect(SIGNED).toMatchObject({ ...CHECKPOINT, keyId: keyId(KEY.publicKeyPem) });
    expect(Buffer.from(SIGNED.signature, 'base64')).toHaveLength(64);
    expect(verifyCheckpoint(SIGNED, KEY.publicKeyPem)).toBe(true);
  });

  it('verifies a checkpoint of an empty log', () => {
    const empty = { ...CHECKPOINT, treeSize: 0, rootHash: rootHash([]).toString('base64') };
    expect(verifyCheckpoint(signCheckpoint(empty, KEY.privateKeyPem), KEY.publicKeyPem)).toBe(true);
  });

  it('rejects a checkpoint whose tree size, root, timestamp or origin was changed', () => {
    const tampered: SignedCheckpoint[] = [
      { ...SIGNED, treeSize: SIGNED.treeSize + 1 },
      { ...SIGNED, rootHash: rootHash([leafHash('a'), leafHash('b')]).toString('base64') },
      { ...SIGNED, timestamp: '2024-05-06T07:08:09.011Z' },
      { ...SIGNED, origin: 'someone.else/audit' },
    ];
    for (const s of tampered) expect(verifyCheckpoint(s, KEY.publicKeyPem)).toBe(false);
  });

  it('rejects a changed or malformed signature without throwing', () => {
    const flipped = Buffer.from(SIGNED.signature, 'base64');
    flipped[10] = (flipped[10] ?? 0) ^ 0x01;
    const bad = [flipped.toString('base64'), '', 'not base64', Buffer.alloc(63).toString('base64')];
    for (const signature of bad) expect(verifyCheckpoint({ ...SIGNED, signature }, KEY.publicKeyPem)).toBe(false);
  });

  it('rejects a malformed checkpoint without throwing', () => {
    expect(verifyCheckpoint({ ...SIGNED, treeSize: -1 }, KEY.publicKeyPem)).toBe(false);
    expect(verifyCheckpoint({ ...SIGNED, timestamp: 'soon' }, KEY.publicKeyPem)).toBe(false);
  });

  it('rejects a checkpoint checked against a different key', () => {
    expect(verifyCheckpoint(SIGNED, OTHER_KEY.publicKeyPem)).toBe(false);
    expect(verifyCheckpoint({ ...SIGNED, keyId: keyId(OTHER_KEY.publicKeyPem) }, OTHER_KEY.publicKeyPem)).toBe(false);
  });

  it('rejects a checkpoint whose key id does not match the key', () => {
    expect(verifyCheckpoint({ ...SIGNED, keyId: '0000000000000000' }, KEY.publicKeyPem)).toBe(false);
  });

  it('refuses keys that are not Ed25519 or not public', () => {
    const ec = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    expect(() => signCheckpoint(CHECKPOINT, ec.privateKey)).toThrow(/Ed25519/);
    expect(() => verifyCheckpoint(SIGNED, ec.publicKey)).toThrow(/Ed25519/);
    expect(() => verifyCheckpoint(SIGNED, KEY.privateKeyPem)).toThrow(/private key/);
  });
});

describe('witness files', () => {
  it('round-trips a signed checkpoint and its public key', () => {
    const text = exportWitnessFile(SIGNED, KEY.publicKeyPem);
    const parsed = parseWitnessFile(text);
    expect(parsed.checkpoint).toEqual(SIGNED);
    expect(createPublicKey(parsed.publicKeyPem).equals(createPublicKey(KEY.publicKeyPem))).toBe(true);
    expect(verifyCheckpoint(parsed.checkpoint, KEY.publicKeyPem)).toBe(true);
  });

  it('writes pretty JSON with the format tag, checkpoint, key id, signature and public key', () => {
    const text = exportWitnessFile(SIGNED, KEY.publicKeyPem);
    expect(text).toContain('\n  "format": "centinela-audit-checkpoint/v1",\n');
    expect(JSON.parse(text)).toEqual({
      format: WITNESS_FILE_FORMAT,
      checkpoint: CHECKPOINT,
      keyId: SIGNED.keyId,
      signature: SIGNED.signature,
      publicKeyPem: KEY.publicKeyPem,
    });
  });

  it('refuses to export a checkpoint the key does not verify', () => {
    expect(() => exportWitnessFile({ ...SIGNED, treeSize: 4 }, KEY.publicKeyPem)).toThrow(/does not verify/);
    expect(() => exportWitnessFile(SIGNED, OTHER_KEY.publicKeyPem)).toThrow(/does not verify/);
  });

  it('never writes a private key into a witness file', () => {
    expect(() => exportWitnessFile(SIGNED, KEY.privateKeyPem)).toThrow(/private key/);
  });

  it('parses a witness file whose checkpoint was edited, which then fails verification', () => {
    const parsed = parseWitnessFile(editedCheckpoint('treeSize', 2));
    expect(verifyCheckpoint(parsed.checkpoint, KEY.publicKeyPem)).toBe(false);
  });

  it('detects a witness file re-signed with a substituted key when checked against the trusted key', () => {
    const forged = signCheckpoint({ ...CHECKPOINT, treeSize: 2 }, OTHER_KEY.privateKeyPem);
    const parsed = parseWitnessFile(exportWitnessFile(forged, OTHER_KEY.publicKeyPem));
    expect(verifyCheckpoint(parsed.checkpoint, parsed.publicKeyPem)).toBe(true);
    expect(verifyCheckpoint(parsed.checkpoint, KEY.publicKeyPem)).toBe(false);
  });

  it('rejects malformed witness files with a clear error', () => {
    const malformed: Array<[string, string]> = [
      ['not JSON', '{"format":'],
      ['an array', '[]'],
      ['null', 'null'],
      ['wrong format', editedWitnessFile((f) => (f['format'] = 'centinela-audit-checkpoint/v0'))],
      ['missing format', editedWitnessFile((f) => delete f['format'])],
      ['missing checkpoint', editedWitnessFile((f) => delete f['checkpoint'])],
      ['checkpoint is a string', editedWitnessFile((f) => (f['checkpoint'] = 'x'))],
      ['tree size as string', editedCheckpoint('treeSize', '3')],
      ['negative tree size', editedCheckpoint('treeSize', -3)],
      ['missing origin', editedCheckpoint('origin', undefined)],
      ['short root hash', editedCheckpoint('rootHash', Buffer.alloc(16).toString('base64'))],
      ['non-ISO timestamp', editedCheckpoint('timestamp', 'May 6, 2024')],
      ['upper-case key id', editedWitnessFile((f) => (f['keyId'] = SIGNED.keyId.toUpperCase()))],
      ['short signature', editedWitnessFile((f) => (f['signature'] = Buffer.alloc(8).toString('base64')))],
      ['garbage public key', editedWitnessFile((f) => (f['publicKeyPem'] = 'not a key'))],
      ['private key', editedWitnessFile((f) => (f['publicKeyPem'] = KEY.privateKeyPem))],
      ['key id of another key', editedWitnessFile((f) => (f['publicKeyPem'] = OTHER_KEY.publicKeyPem))],
    ];
    for (const [desc, text] of malformed) {
      expect(() => parseWitnessFile(text), desc).toThrow(/^Invalid witness file: /);
    }
  });
});
