import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from './stats.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// Every variable the server's config reads: the child gets only what the benchmark sets, never the caller's.
const CONFIG_VARIABLES = [
  'PORT', 'HOST', 'DATA_DIR', 'DATABASE_URL', 'DATABASE_POOL_SIZE', 'SEED_DEMO', 'SEED_DEMO_EMERGENCY', 'DEMO_PASSWORD', 'DEMO_TOTP_SECRET',
  'LOG_LEVEL', 'TRUST_PROXY', 'CORS_ORIGINS', 'BODY_LIMIT_BYTES', 'SESSION_IDLE_MINUTES', 'SESSION_ABSOLUTE_HOURS', 'AUTH_CACHE_SECONDS', 'LOGIN_MAX_FAILURES',
  'LOGIN_LOCKOUT_SECONDS', 'RATE_LIMIT_AUTH_PER_MINUTE', 'RATE_LIMIT_PUBLIC_PER_MINUTE', 'AUDIT_ORIGIN', 'AUDIT_SIGNING_KEY_FILE',
  'AUDIT_CHECKPOINT_EVERY', 'AUDIT_CHECKPOINT_SECONDS', 'ESCALATION_CHECK_SECONDS', 'EIDO_AGENCY_ID', 'EVENTS_POLL_MS', 'EVENTS_GAP_WAIT_MS',
  'EVENTS_REPLAY_MAX', 'EVENTS_RETENTION_DAYS', 'EVENTS_MIN_INTERVAL_MS', 'LIVE_HEARTBEAT_SECONDS', 'LIVE_MAX_BUFFERED_BYTES',
];

export type ServerProcess = {
  url: string;
  wsUrl: string;
  pid: number;
  /** Lines the server wrote (LOG_LEVEL=warn: warnings, errors and the start banner). */
  output: string[];
  stop: () => Promise<void>;
};

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** BENCH_SERVER_ENV="EVENTS_MIN_INTERVAL_MS=20 LIVE_HEARTBEAT_SECONDS=30": settings to try on the server (reported in the details). */
function extraEnv(): Record<string, string> {
  const pairs = (process.env.BENCH_SERVER_ENV ?? '').split(/\s+/).filter(Boolean);
  return Object.fromEntries(
    pairs.map((p) => {
      const i = p.indexOf('=');
      if (i < 1) throw new Error(`BENCH_SERVER_ENV: "${p}" is not NAME=value`);
      return [p.slice(0, i), p.slice(i + 1)];
    }),
  );
}

/**
 * Starts `node --import tsx src/server/main.ts` in its own process (its own event loop and core),
 * with demo accounts but no demo 911 data, and waits until /readyz answers.
 */
export async function startServer(opts: { dataDir: string; databaseUrl?: string; nodeArgs?: string[]; env?: Record<string, string> }): Promise<ServerProcess> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of CONFIG_VARIABLES) delete env[k];
  Object.assign(env, {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: opts.dataDir,
    SEED_DEMO: 'true',
    SEED_DEMO_EMERGENCY: 'false',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_AUTH_PER_MINUTE: '100000',
    RATE_LIMIT_PUBLIC_PER_MINUTE: '100000',
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    ...opts.env,
    ...extraEnv(),
  });
  const child: ChildProcess = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', 'src/server/main.ts'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) output.push(line);
    if (output.length > 500) output.splice(0, output.length - 500);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((c) => (exitCode = c));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exitCode !== undefined) throw new Error(`server exited with ${exitCode} before it was ready:\n${output.join('\n')}`);
    const ready = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server not ready after 90 s:\n${output.join('\n')}`);
    }
    await sleep(100);
  }

  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}/api/live`,
    pid: child.pid!,
    output,
    stop: async () => {
      if (exitCode !== undefined) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(t);
    },
  };
}
