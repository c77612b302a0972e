import crypto from 'node:crypto';

// Crockford's base32 without I, L, O, U: no letters that read like digits over the phone.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** 50 random bits as "Q-XXXXX-XXXXX": short enough to dictate, too many to guess under the rate limit. */
export function newTrackingCode(): string {
  const bytes = crypto.randomBytes(10);
  const chars = [...bytes].map((b) => ALPHABET[b & 31]).join('');
  return `Q-${chars.slice(0, 5)}-${chars.slice(5)}`;
}

/** Accepts the code as a person types it: any case, with or without dashes and spaces. */
export function normaliseTrackingCode(input: string): string | null {
  const c = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (!/^Q[0-9A-HJKMNP-TV-Z]{10}$/.test(c)) return null;
  return `Q-${c.slice(1, 6)}-${c.slice(6)}`;
}
