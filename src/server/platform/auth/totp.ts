import crypto from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

const ISSUER = 'Centinela';

function totp(secretBase32: string, username: string) {
  return new TOTP({ issuer: ISSUER, label: username, algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secretBase32) });
}

export const newTotpSecret = () => new Secret({ size: 20 }).base32;

export const totpUri = (secretBase32: string, username: string) => totp(secretBase32, username).toString();

/**
 * Checks a 6-digit code with ±1 step of clock drift (RFC 6238 §5.2) and returns its time step,
 * which the caller stores so that the same code cannot be replayed.
 */
export function verifyTotp(secretBase32: string, username: string, code: string, lastStep: number | null, now = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totp(secretBase32, username).validate({ token: code, window: 1, timestamp: now });
  if (delta === null) return null;
  const step = Math.floor(now / 30_000) + delta;
  if (lastStep !== null && step <= lastStep) return null;
  return step;
}

export const totpNow = (secretBase32: string, now = Date.now()) => totp(secretBase32, 'x').generate({ timestamp: now });

/** Ten single-use recovery codes, shown once; only their hashes are stored. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: 10 }, () => {
    const raw = crypto.randomBytes(5).toString('hex');
    return `${raw.slice(0, 5)}-${raw.slice(5)}`;
  });
}
