import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/**
 * Which proxies may set X-Forwarded-For/-Proto: none (false), or the proxies' addresses and CIDR
 * ranges. `true` trusts every hop: the client's own X-Forwarded-For then names the address that audit
 * entries and rate limits use, so it is only for a proxy that replaces the header rather than
 * appending to it. Hop counts are refused: they believe the header from any client that reaches the
 * server directly (Fastify refuses them for that reason too).
 */
const trustProxy = z.string().transform((v, ctx): boolean | string => {
  const s = v.trim().toLowerCase();
  if (['', 'false', 'no', '0'].includes(s)) return false;
  if (['true', 'yes'].includes(s)) return true;
  if (/^\d+$/.test(s)) {
    ctx.addIssue({ code: 'custom', message: "name the proxies' addresses or CIDR ranges (such as 10.0.0.5,10.1.0.0/16): a hop count would believe X-Forwarded-For from any client that reaches the server directly" });
    return z.NEVER;
  }
  const list = s.split(',').map((x) => x.trim()).filter(Boolean);
  if (list.length === 0) return false;
  for (const entry of list) {
    const [address, bits, extra] = entry.split('/');
    const family = net.isIP(address ?? '');
    const maxBits = family === 4 ? 32 : 128;
    if (!family || extra !== undefined || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= maxBits))) {
      ctx.addIssue({ code: 'custom', message: `"${entry}" is not an IP address or CIDR range (false, true, or addresses such as 10.0.0.5,10.1.0.0/16)` });
      return z.NEVER;
    }
  }
  return list.join(',');
});

/** Every variable the server reads, with its default; documented in the README's configuration table. */
const envSchema = z.object({
  PORT: int(0, 65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// connection URL')
    .optional(),
  DATABASE_POOL_SIZE: int(1, 200).default(10),
  SEED_DEMO: bool.optional(),
  SEED_DEMO_EMERGENCY: bool.default(true),
  DEMO_PASSWORD: z.string().min(12, 'at least 12 characters').default('Centinela-Demo-2026'),
  DEMO_TOTP_SECRET: z
    .string()
    .regex(/^[A-Z2-7]{16,}=*$/, 'a base32 secret of at least 16 characters (A-Z, 2-7)')
    .default('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY: trustProxy.default(false),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean))
    .pipe(z.array(z.url('a comma-separated list of origins such as https://cad.example.org'))),
  BODY_LIMIT_BYTES: int(1024, 50 * 1024 * 1024).default(1024 * 1024),
  SESSION_IDLE_MINUTES: int(1, 24 * 60).default(30),
  SESSION_ABSOLUTE_HOURS: int(1, 72).default(12),
  // How long a session read from the database serves requests without another read (0: every request reads it).
  AUTH_CACHE_SECONDS: int(0, 60).default(5),
  LOGIN_MAX_FAILURES: int(1, 100).default(5),
  LOGIN_LOCKOUT_SECONDS: int(1, 86_400).default(60),
  RATE_LIMIT_AUTH_PER_MINUTE: int(1, 100_000).default(20),
  RATE_LIMIT_PUBLIC_PER_MINUTE: int(1, 100_000).default(120),
  AUDIT_ORIGIN: z.string().min(1).default('centinela.local/audit'),
  AUDIT_SIGNING_KEY_FILE: z.string().min(1).optional(),
  AUDIT_CHECKPOINT_EVERY: int(1, 1_000_000).default(100),
  AUDIT_CHECKPOINT_SECONDS: int(1, 86_400).default(60),
  ESCALATION_CHECK_SECONDS: int(1, 3600).default(15),
  EIDO_AGENCY_ID: z.string().regex(/^[a-z0-9.-]+$/, 'a domain name such as 911.pnc.gob.sv').default('psap.centinela.sv'),
  EVENTS_POLL_MS: int(50, 60_000).default(1000),
  EVENTS_GAP_WAIT_MS: int(0, 60_000).default(5000),
  EVENTS_MIN_INTERVAL_MS: int(0, 1000).default(40),
  EVENTS_REPLAY_MAX: int(1, 100_000).default(1000),
  EVENTS_RETENTION_DAYS: int(1, 3650).default(7),
  LIVE_HEARTBEAT_SECONDS: int(1, 3600).default(30),
  LIVE_MAX_BUFFERED_BYTES: int(1024, 64 * 1024 * 1024).default(1024 * 1024),
  AML_TOKEN: z.string().min(24, 'at least 24 characters, shared with the AML gateway').optional(),
  AML_PATH: z.string().regex(/^\/[a-z0-9/_-]*[a-z0-9_-]$/, 'a path such as /aml').default('/aml'),
  PUBLIC_BASE_URL: z.url('the public address of this server, such as https://911.example.sv').default('http://localhost:8080'),
  CITIZEN_POW_BITS: int(0, 28).default(14),
  CITIZEN_REPORTS_PER_HOUR_PER_ADDRESS: int(1, 100_000).default(10),
  CITIZEN_REPORTS_PER_HOUR_PER_DEVICE: int(1, 100_000).default(5),
  CITIZEN_PHOTOS_MAX: int(0, 10).default(3),
  CITIZEN_PHOTO_MAX_BYTES: int(1024, 20 * 1024 * 1024).default(3 * 1024 * 1024),
  CITIZEN_NOTIFY_SECONDS: int(1, 3600).default(5),
  WHATSAPP_VERIFY_TOKEN: z.string().min(8, 'at least 8 characters').optional(),
  WHATSAPP_APP_SECRET: z.string().min(8, 'at least 8 characters').optional(),
  TELEGRAM_WEBHOOK_SECRET: z.string().regex(/^[A-Za-z0-9_-]{8,256}$/, '8–256 characters A-Z, a-z, 0-9, _ and - (what Telegram accepts)').optional(),
  SMS_AUTH_TOKEN: z.string().min(8, 'at least 8 characters').optional(),
  SMS_WEBHOOK_URL: z.url('the exact public URL the SMS gateway posts to (it is part of the signature)').optional(),
  FIELD_POSITION_SECONDS: int(5, 30).default(10),
  FIELD_IDLE_MINUTES: int(1, 24 * 60).default(15),
  FIELD_SHOW_CALLER_PHONE: bool.default(false),
  EVIDENCE_MAX_BYTES: int(1024, 200 * 1024 * 1024).default(25 * 1024 * 1024),
  EVIDENCE_STORE: z.enum(['filesystem', 's3']).default('filesystem'),
  EVIDENCE_DIR: z.string().min(1).optional(),
  EVIDENCE_S3_ENDPOINT: z.url('the S3 endpoint URL, e.g. https://s3.us-east-1.amazonaws.com or http://minio:9000').optional(),
  EVIDENCE_S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name (3–63 characters: a-z, 0-9, dot, hyphen)').optional(),
  EVIDENCE_S3_REGION: z.string().regex(/^[a-z0-9-]{2,32}$/, 'a region name such as us-east-1').default('us-east-1'),
  EVIDENCE_S3_ACCESS_KEY_ID: z.string().min(3).optional(),
  EVIDENCE_S3_SECRET_ACCESS_KEY: z.string().min(8, 'at least 8 characters').optional(),
  EVIDENCE_S3_PREFIX: z.string().regex(/^([A-Za-z0-9_.-]+\/)*$/, 'empty, or folder names each ending in /').default(''),
  EVIDENCE_S3_PATH_STYLE: bool.default(true),
});

// With the S3 store, where and as whom must be said; a missing one is named at start-up.
const S3_REQUIRED = ['EVIDENCE_S3_ENDPOINT', 'EVIDENCE_S3_BUCKET', 'EVIDENCE_S3_ACCESS_KEY_ID', 'EVIDENCE_S3_SECRET_ACCESS_KEY'] as const;

export type Config = Omit<z.infer<typeof envSchema>, 'SEED_DEMO'> & {
  SEED_DEMO: boolean;
  embedded: boolean;
  dataDir: string;
};

export class ConfigError extends Error {}

/** Reads and validates the environment; a bad value names the variable and what it expects. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw = Object.fromEntries(
    Object.keys(envSchema.shape).flatMap((k) => (env[k] === undefined || env[k] === '' ? [] : [[k, env[k]]])),
  );
  const parsed = envSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  if (c.EVIDENCE_STORE === 's3') {
    const missing = S3_REQUIRED.filter((k) => c[k] === undefined);
    if (missing.length) throw new ConfigError(`Invalid configuration:\n${missing.map((k) => `  ${k}: required when EVIDENCE_STORE=s3`).join('\n')}`);
  }
  const embedded = c.DATABASE_URL === undefined;
  return { ...c, SEED_DEMO: c.SEED_DEMO ?? embedded, embedded, dataDir: path.resolve(c.DATA_DIR) };
}
