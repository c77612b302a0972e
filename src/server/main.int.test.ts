import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The real process, as `npm start` runs it: configuration, the data-dir lock, shutdown on SIGTERM.
const ROOT = path.resolve(import.meta.dirname, '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'centinela-main-'));
const port = 20_000 + Math.floor(Math.random() * 20_000);

type Run = { child: ChildProcessWithoutNullStreams; output: () => string; exited: Promise<number | null> };

function start(env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn', ...env },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitFor(run: Run, text: string, ms = 60_000) {
  const until = Date.now() + ms;
  while (!run.output().includes(text)) {
    if (Date.now() > until) throw new Error(`timed out waiting for "${text}"; output:\n${run.output()}`);
    if (run.child.exitCode !== null) throw new Error(`process exited ${run.child.exitCode}:\n${run.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const login = (username: string): Promise<Response> =>
  fetch(`http://127.0.0.1:${port}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'Centinela-Demo-2026' }),
  });

let server: Run;
beforeAll(async () => {
  server = start({ LOG_LEVEL: 'info' });
  await waitFor(server, 'is ready');
}, 90_000);
afterAll(async () => {
  if (server.child.exitCode === null) server.child.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('the server process', () => {
  it('starts on the embedded database and prints the URL and the demo accounts', () => {
    expect(server.output()).toContain(`http://localhost:${port}`);
    expect(server.output()).toContain('call_taker');
    expect(server.output()).toContain('DEMO_PASSWORD');
    expect(fs.existsSync(path.join(dataDir, 'centinela.lock'))).toBe(true);
  });

  it('refuses a second server on the same data directory with a clear message', async () => {
    const second = start({ PORT: String(port + 1) });
    expect(await second.exited).not.toBe(0);
    expect(second.output()).toContain('Another Centinela server');
    expect(second.output()).toContain(dataDir);
  });

  it('stops at start-up on a bad setting, naming the variable and what it expects', async () => {
    const bad = start({ PORT: 'eighty', DATA_DIR: path.join(dataDir, 'unused') });
    expect(await bad.exited).toBe(78);
    expect(bad.output()).toMatch(/PORT: .*number/i);
  });

  it('finishes a request in flight on SIGTERM, then exits cleanly and releases the lock', async () => {
    // The body arrives in two halves: the request is surely in flight when the signal lands.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const enc = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async start(c) {
        c.enqueue(enc.encode('{"username":"analyst",'));
        await gate;
        c.enqueue(enc.encode('"password":"Centinela-Demo-2026"}'));
        c.close();
      },
    });
    const inFlight = fetch(`http://127.0.0.1:${port}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' } as RequestInit);
    await waitFor(server, '/api/auth/login');
    server.child.kill('SIGTERM');
    await waitFor(server, 'shutting down');
    release();
    expect((await inFlight).status).toBe(200);
    expect(await server.exited).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'centinela.lock'))).toBe(false);
  });

  it('keeps its data across restarts and never seeds a database that has users', async () => {
    const again = start({});
    await waitFor(again, 'is ready');
    expect(again.output()).not.toContain('DEMO_PASSWORD');
    expect((await login('analyst')).status).toBe(200);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  }, 60_000);
});
