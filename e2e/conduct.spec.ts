import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { nextTotp } from './helpers.js';

const PASSWORD = 'Centinela-Demo-2026';

// Contexts outlive a test on the shared browser: close them, or their live sockets slow the next specs.
const contexts: BrowserContext[] = [];
test.afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()));
});

async function signedIn(browser: Browser, username: string, mfa: boolean): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  await page.goto('/');
  await page.getByLabel('Usuario').fill(username);
  await page.getByLabel('Contraseña').fill(PASSWORD);
  await page.getByRole('button', { name: 'Iniciar sesión' }).click();
  if (mfa) {
    const code = page.getByLabel('Código de verificación');
    await code.fill(await nextTotp(username));
    await code.press('Enter');
  }
  await expect(page.getByRole('link', { name: 'Mi cuenta' })).toBeVisible();
  return page;
}

test('a citizen files an anonymous conduct complaint on a phone, internal affairs reads it and records the outcome, the citizen sees it; the command centre never does', async ({ browser }) => {
  const phoneContext = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  contexts.push(phoneContext);
  const phone = await phoneContext.newPage();
  await phone.goto('/denuncia-conducta');
  await expect(phone.getByRole('heading', { level: 1, name: 'Denuncia sobre la conducta policial' })).toBeVisible();
  await expect(phone.getByText('Si hay una emergencia en curso, llame al 911.')).toBeVisible();
  await expect(phone.getByRole('checkbox', { name: 'Presentar de forma anónima' })).toBeChecked();
  await expect(phone.getByLabel('Nombre')).toHaveCount(0);
  const account = `El agente me quitó el teléfono sin explicación en el retén, prueba ${Date.now()}`;
  await phone.getByLabel('Lugar').fill('Retén de la carretera al puerto de La Libertad');
  await phone.getByLabel('Número de placa u ONI').fill('ONI 4455');
  await phone.getByLabel('Qué ocurrió').fill(account);
  await phone.screenshot({ path: 'docs/screenshots/conduct-form-phone.png', fullPage: true });
  await phone.getByRole('button', { name: 'Enviar denuncia' }).click();
  await expect(phone.getByRole('heading', { name: 'Denuncia recibida' })).toBeVisible();
  const code = (await phone.getByLabel('Código de seguimiento', { exact: true }).first().textContent())!.trim();
  expect(code).toMatch(/^Q-[0-9A-Z]{5}-[0-9A-Z]{5}$/);
  await phone.getByRole('button', { name: 'Consultar' }).click();
  await expect(phone.getByRole('definition').filter({ hasText: 'Recibida' }).first()).toBeVisible();
  await phone.screenshot({ path: 'docs/screenshots/conduct-code-phone.png', fullPage: true });

  // The command centre has no way in: no menu entry, and the page refuses.
  const supervisor = await signedIn(browser, 'supervisor', true);
  await expect(supervisor.getByRole('link', { name: 'Asuntos internos' })).toHaveCount(0);
  await supervisor.goto('/internal-affairs');
  await expect(supervisor.getByRole('heading', { name: 'Acceso no permitido' })).toBeVisible();

  const ia = await signedIn(browser, 'internal_affairs', true);
  await ia.getByRole('link', { name: 'Asuntos internos' }).click();
  await expect(ia.getByRole('heading', { level: 1, name: 'Asuntos internos: denuncias sobre conducta' })).toBeVisible();
  await ia.getByRole('button', { name: /Abrir la denuncia recibida/ }).first().click();
  await expect(ia.getByText(account)).toBeVisible();
  await expect(ia.getByText('Anónima: sin datos de contacto')).toBeVisible();
  await expect(ia.getByText('Su lectura de esta denuncia quedó registrada en la bitácora de auditoría.')).toBeVisible();
  await ia.getByLabel('Resultado', { exact: true }).selectOption({ label: 'Comprobada' });
  await ia.getByLabel('Resumen de la decisión').fill('El video del retén confirma la retención indebida del teléfono.');
  await ia.screenshot({ path: 'docs/screenshots/conduct-internal-affairs.png', fullPage: true });
  await ia.getByRole('button', { name: 'Registrar resultado y cerrar' }).click();
  await expect(ia.getByText('El video del retén confirma la retención indebida del teléfono.')).toBeVisible();

  await phone.getByRole('button', { name: 'Consultar' }).click();
  await expect(phone.getByRole('definition').filter({ hasText: 'Comprobada' })).toBeVisible();
  await expect(phone.getByText('video del retén')).toHaveCount(0);
});
