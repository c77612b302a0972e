import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { expect, request, test } from '@playwright/test';
import { closeContexts, PASSWORD, signedIn } from './helpers.js';

// A server of this spec's own, so that the test can really stop and start it under an open console.
const PORT = Number(process.env.E2E_PORT ?? 8181) + 1;
const BASE = `http://localhost:${PORT}`;
const DATA_DIR = '.e2e-restart-data';
let server: ChildProcess | null = null;

async function startServer() {
  server = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    env: { ...process.env, DATA_DIR, PORT: String(PORT), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${BASE}/readyz`)).ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the server did not become ready');
}

async function stopServer() {
  const s = server;
  server = null;
  if (!s || s.exitCode !== null) return;
  const exited = new Promise((r) => s.once('exit', r));
  s.kill('SIGTERM');
  await exited;
}

test.beforeAll(async () => {
  fs.rmSync(DATA_DIR, { recursive: true, force: true });
  await startServer();
});
test.afterEach(({ browser }) => closeContexts(browser));
test.afterAll(async () => {
  await stopServer();
  fs.rmSync(DATA_DIR, { recursive: true, force: true });
});

test('the console survives a server restart: a banner while down, then it catches up on what it missed', async ({ browser }) => {
  test.setTimeout(150_000);
  const dispatcher = await signedIn(browser, 'dispatcher', { baseURL: BASE });
  // Holds the page's reconnection back until the test says so, so that "meanwhile" is certain.
  let hold = false;
  await dispatcher.routeWebSocket('**/api/live', (ws) => {
    if (hold) void ws.close({ code: 1013, reason: 'test: held back' });
    else ws.connectToServer();
  });
  await dispatcher.getByRole('link', { name: 'Despacho', exact: true }).click();
  await expect(dispatcher.getByRole('status').filter({ hasText: 'En vivo' })).toBeVisible();

  // The server really stops (SIGTERM, graceful) under the open console.
  hold = true;
  await stopServer();
  await expect(dispatcher.getByRole('alert').filter({ hasText: 'Sin conexión con el centro' })).toBeVisible({ timeout: 15_000 });

  // It comes back on the same data; a call-taker records an incident before the console reconnects.
  await startServer();
  const api = await request.newContext({ baseURL: BASE, extraHTTPHeaders: { Origin: BASE } });
  expect((await api.post('/api/auth/login', { data: { username: 'call_taker', password: PASSWORD } })).ok()).toBe(true);
  const description = `Creado durante el reinicio ${Date.now()}`;
  const created = await api.post('/api/incidents', {
    data: { typeCode: 'ROB', description, location: { department: 'SV.SS', source: 'department' } },
  });
  expect(created.status(), await created.text()).toBe(201);
  const { number } = (await created.json()) as { number: string };
  await expect(dispatcher.getByRole('button', { name: new RegExp(number) })).toBeHidden();
  await dispatcher.screenshot({ path: 'docs/screenshots/console-offline.png' });

  // The console may reconnect now: the banner clears and the missed incident is in the queue, unreloaded.
  hold = false;
  await expect(dispatcher.getByRole('alert').filter({ hasText: 'Sin conexión con el centro' })).toBeHidden({ timeout: 20_000 });
  await expect(dispatcher.getByRole('button', { name: new RegExp(number) })).toBeVisible();
  await api.dispose();
});
