import crypto from 'node:crypto';

/** 256 random bits, URL-safe; the prefix tells a leaked secret's kind at a glance (secret scanners). */
export function newSecret(prefix: string): string {
  return `${prefix}_${crypto.randomBytes(32).toString('base64url')}`;
}

/** Secrets are stored only as SHA-256: a database dump yields no usable session or token. */
export function hashSecret(secret: string): string {
  return crypto.createHash('sha256').update(secret).digest('hex');
}
