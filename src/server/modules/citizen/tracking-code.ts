import crypto from 'node:crypto';

// Crockford base32: no I, L, O or U, so a code survives being read aloud over the phone.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const BODY_LENGTH = 10;

/** Check character: weights 1..10 modulo the prime 31 catch any single wrong character and most swaps. */
function checkChar(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum += (i + 1) * ALPHABET.indexOf(body[i]!);
  return ALPHABET[sum % 31]!;
}

/** A new tracking code: 50 random bits plus a check character, shown as XXXXX-XXXXXX. */
export function newTrackingCode(): string {
  const bytes = crypto.randomBytes(BODY_LENGTH);
  const body = [...bytes].map((b) => ALPHABET[b & 31]).join('');
  const code = body + checkChar(body);
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/** Reads a code as people type it (any case, spaces or dashes, O for 0, I/L for 1); null when it cannot be one. */
export function normaliseTrackingCode(input: string): string | null {
  const s = input
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (s.length !== BODY_LENGTH + 1 || ![...s].every((c) => ALPHABET.includes(c))) return null;
  const body = s.slice(0, BODY_LENGTH);
  return checkChar(body) === s[BODY_LENGTH] ? `${s.slice(0, 5)}-${s.slice(5)}` : null;
}

/** Codes are stored only as hashes: a copy of the database does not hand out access to the cases. */
export const hashTrackingCode = (normalised: string) => crypto.createHash('sha256').update(`citizen-code:${normalised}`).digest('hex');
