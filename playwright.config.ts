import { defineConfig } from '@playwright/test';
import { E2E_AML_TOKEN } from './e2e/aml-token.js';

const PORT = Number(process.env.E2E_PORT ?? 8181);

// Debian's chromium (apt install chromium): Playwright's own browser download is not possible here.
export default defineConfig({
  testDir: 'e2e',
  timeout: 60_000,
  expect: { timeout: 5_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${PORT}`,
    locale: 'es-SV',
    viewport: { width: 1366, height: 768 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
    trace: 'off',
  },
  webServer: {
    // A fresh embedded database per run, so the demo accounts are seeded and the audit log is short.
    // Every browser context signs in from the same address: the per-address sign-in limit (20/min, tested
    // in http-conventions.int.test.ts) would refuse a fast run's ~30 sign-ins a minute.
    command: `rm -rf .e2e-data && DATA_DIR=.e2e-data PORT=${PORT} LOG_LEVEL=warn AML_TOKEN=${E2E_AML_TOKEN} RATE_LIMIT_AUTH_PER_MINUTE=300 npx tsx src/server/main.ts`,
    url: `http://localhost:${PORT}/readyz`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: 'pipe',
  },
});
