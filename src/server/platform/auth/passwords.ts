import { hash, verify } from '@node-rs/argon2';

// argon2id with OWASP's second recommended profile (19 MiB, t=2, p=1): about 20 ms here.
const OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string) => hash(password, OPTIONS);

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** A hash to verify against when the user does not exist, so timing does not reveal usernames. */
let dummy: Promise<string> | undefined;
export const dummyHash = () => (dummy ??= hashPassword('centinela-timing-equaliser'));

const COMMON = new Set(['password', 'contraseña', '123456789012', 'qwertyuiopas', 'centinela123', 'administrador']);

/** Returns the first rule the password breaks (for the message), or null when it is acceptable. */
export function passwordPolicyViolation(password: string, username: string): string | null {
  if (password.length < 12) return 'min_length_12';
  if (password.length > 256) return 'max_length_256';
  if (password.toLowerCase().includes(username.toLowerCase())) return 'contains_username';
  if (COMMON.has(password.toLowerCase())) return 'too_common';
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(password)).length;
  if (classes < 3) return 'three_character_classes';
  return null;
}
