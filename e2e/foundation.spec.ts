import { expect, test, type Page } from '@playwright/test';
import { nextTotp } from './helpers.js';

const PASSWORD = 'Centinela-Demo-2026';

async function signIn(page: Page, username: string) {
  await page.goto('/');
  await page.getByLabel('Usuario').fill(username);
  await page.getByLabel('Contraseña').fill(PASSWORD);
  await page.getByRole('button', { name: 'Iniciar sesión' }).click();
}

test('an administrator signs in with MFA, creates a user, and an auditor finds it in the audit log', async ({ page, browser }) => {
  await signIn(page, 'administrator');
  const code = page.getByLabel('Código de verificación');
  await expect(code).toBeVisible();
  await page.screenshot({ path: 'docs/screenshots/login-mfa.png' });
  await code.fill(await nextTotp('administrator'));
  await code.press('Enter');

  await page.getByRole('link', { name: 'Usuarios' }).click();
  await expect(page.getByRole('heading', { name: 'Usuarios' })).toBeVisible();
  await page.getByLabel('Nombre de usuario').fill('agente.lopez');
  await page.getByLabel('Nombre completo').fill('Ana López');
  await page.getByLabel('Contraseña temporal').fill('Temporal-Segura-2026');
  await page.getByRole('checkbox', { name: 'Agente de campo' }).check();
  await page.getByRole('button', { name: 'Crear usuario' }).click();
  await expect(page.getByRole('rowheader', { name: 'agente.lopez' })).toBeVisible();
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: 'docs/screenshots/users.png' });

  // The auditor works in another browser context, as another person at another desk would.
  const auditorContext = await browser.newContext();
  const auditor = await auditorContext.newPage();
  await signIn(auditor, 'auditor');
  await auditor.getByLabel('Código de verificación').fill(await nextTotp('auditor'));
  await auditor.getByLabel('Código de verificación').press('Enter');
  await auditor.getByRole('link', { name: 'Bitácora de auditoría' }).click();
  await auditor.getByLabel('Acción (prefijo)').fill('user.created');
  await auditor.getByRole('button', { name: 'Buscar' }).click();
  const row = auditor.getByRole('row', { name: /user\.created/ }).filter({ hasText: 'administrator' }).first();
  await expect(row).toBeVisible();
  await auditor.screenshot({ path: 'docs/screenshots/audit-log.png', fullPage: true });
  await auditorContext.close();
});

test('a new account must replace its temporary password before anything else', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/');
  await page.getByLabel('Usuario').fill('agente.lopez');
  await page.getByLabel('Contraseña').fill('Temporal-Segura-2026');
  await page.getByRole('button', { name: 'Iniciar sesión' }).click();
  await expect(page.getByRole('heading', { name: 'Cambie su contraseña temporal' })).toBeVisible();
  await page.screenshot({ path: 'docs/screenshots/password-change.png' });
  await page.getByLabel('Contraseña actual').fill('Temporal-Segura-2026');
  await page.getByLabel('Nueva contraseña').fill('Mi-Clave-Propia-2026');
  await page.getByLabel('Confirme la contraseña').fill('Mi-Clave-Propia-2026');
  await page.getByRole('button', { name: 'Cambiar contraseña' }).click();
  await expect(page.getByRole('link', { name: 'Mi cuenta' })).toBeVisible();
  await context.close();
});

test('resetting a second factor asks for a reason and waits for another administrator', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, 'administrator');
  await page.getByLabel('Código de verificación').fill(await nextTotp('administrator'));
  await page.getByLabel('Código de verificación').press('Enter');
  await page.getByRole('link', { name: 'Usuarios' }).click();
  await page.getByRole('row', { name: /^supervisor/ }).getByRole('button', { name: 'Restablecer MFA' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByText('un segundo administrador debe aprobarla')).toBeVisible();
  const confirm = dialog.getByRole('button', { name: 'Confirmar' });
  await confirm.click();
  // Nothing discretionary happens without a reason: the dialog stays, saying what is missing.
  await expect(dialog.getByText('Seleccione un motivo del catálogo.')).toBeVisible();
  await dialog.getByLabel('Motivo', { exact: true }).selectOption('device_lost');
  await dialog.getByLabel('Explicación').fill('Reportó el robo de su teléfono institucional');
  await page.screenshot({ path: 'docs/screenshots/reason-dialog.png' });
  await confirm.click();
  await expect(page.getByText('Otro administrador debe aprobarla')).toBeVisible();
  await page.getByRole('link', { name: 'Aprobaciones' }).click();
  await expect(page.getByRole('cell', { name: /Reportó el robo/ })).toBeVisible();
  await page.screenshot({ path: 'docs/screenshots/approvals.png' });
  await context.close();
});

test('the interface switches to English and back', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'English' }).click();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await page.getByRole('button', { name: 'Español' }).click();
  await expect(page.getByRole('button', { name: 'Iniciar sesión' })).toBeVisible();
});
