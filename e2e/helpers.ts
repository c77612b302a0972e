import fs from 'node:fs';
import { expect, type Browser, type Page } from '@playwright/test';
import { totpNow } from '../src/server/platform/auth/totp.js';

export const PASSWORD = 'Centinela-Demo-2026';
export const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

// The server takes each user's codes in increasing 30 s steps only (no replay), so specs share a
// record of the last step used per server and user; it lives beside the run's fresh database.
const STEPS_FILE = '.e2e-data/totp-steps.json';

/** A TOTP code this user has not used yet on that server: this step or the next, else it waits for one. */
export async function nextTotp(username: string, server = 'main'): Promise<string> {
  const steps = (fs.existsSync(STEPS_FILE) ? JSON.parse(fs.readFileSync(STEPS_FILE, 'utf8')) : {}) as Record<string, number>;
  const key = `${server} ${username}`;
  const now = Math.floor(Date.now() / 30_000);
  const step = Math.max(now, (steps[key] ?? -1) + 1);
  // The server accepts one step of drift ahead; further ahead means waiting for the clock.
  const wait = (step - 1) * 30_000 + 1_000 - Date.now();
  if (step > now + 1 && wait > 0) await new Promise((r) => setTimeout(r, wait));
  steps[key] = step;
  fs.mkdirSync('.e2e-data', { recursive: true });
  fs.writeFileSync(STEPS_FILE, JSON.stringify(steps));
  return totpNow(TOTP_SECRET, step * 30_000 + 15_000);
}

/** A new browser context signed in as a demo account; `totpOffsetMs` for accounts with MFA. */
export async function signedIn(browser: Browser, username: string, opts: { mfa?: boolean; baseURL?: string } = {}): Promise<Page> {
  const context = await browser.newContext(opts.baseURL ? { baseURL: opts.baseURL } : {});
  const page = await context.newPage();
  await page.goto('/');
  await page.getByLabel('Usuario').fill(username);
  await page.getByLabel('Contraseña').fill(PASSWORD);
  await page.getByRole('button', { name: 'Iniciar sesión' }).click();
  if (opts.mfa) {
    const code = page.getByLabel('Código de verificación');
    await code.fill(await nextTotp(username, opts.baseURL));
    await code.press('Enter');
  }
  await expect(page.getByRole('link', { name: 'Mi cuenta' })).toBeVisible();
  return page;
}

/** Fills the intake form up to (and including) the description: a P1 domestic-violence call. */
export async function fillIntake(page: Page, description: string) {
  const type = page.getByRole('combobox', { name: 'Tipo de incidente' });
  await type.fill('DV');
  // As a person would: the suggestion is on screen (the catalogue has loaded) before Enter.
  await expect(page.getByRole('option', { name: /^DV / })).toBeVisible({ timeout: 15_000 });
  await type.press('Enter');
  await page.getByLabel('¿La agresión está ocurriendo ahora?').selectOption({ label: 'Sí' });
  await expect(page.getByText('Prioridad resultante: P1', { exact: true })).toBeVisible();
  await page.getByLabel('Dirección').fill('Colonia Escalón, calle principal 12');
  await page.getByLabel('Departamento del incidente').selectOption({ label: 'San Salvador' });
  await page.getByLabel('Número del llamante').fill('+503 7000 0000');
  await page.getByLabel('Nombre del llamante').fill('María Pérez');
  await page.getByLabel('Descripción').fill(description);
}

/** Closes every context a test opened, so one test's live pages do not load the next. */
export async function closeContexts(browser: Browser) {
  for (const c of browser.contexts()) await c.close();
}
