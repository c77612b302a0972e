import { expect, test, type Browser, type Page } from '@playwright/test';
import { nextTotp } from './helpers.js';

const PASSWORD = 'Centinela-Demo-2026';
const PHONE = { width: 390, height: 844 };
// A 1×1 PNG: the server checks the file's first bytes, not its name.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

async function signedIn(browser: Browser, username: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto('/');
  await page.getByLabel('Usuario').fill(username);
  await page.getByLabel('Contraseña').fill(PASSWORD);
  await page.getByRole('button', { name: 'Iniciar sesión' }).click();
  await expect(page.getByRole('link', { name: 'Mi cuenta' })).toBeVisible();
  return page;
}

test('a citizen reports from a phone with a photo and a map pin, the centre dispatches and closes, and the tracking page follows to the rating', async ({ browser }) => {
  const dispatcher = await signedIn(browser, 'dispatcher');
  await dispatcher.getByRole('link', { name: 'Despacho', exact: true }).click();
  await expect(dispatcher.getByRole('status').filter({ hasText: 'En vivo' })).toBeVisible();

  const citizen = await (await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true })).newPage();
  await citizen.goto('/reportar');
  await expect(citizen.getByRole('heading', { level: 1, name: 'Reportar un hecho' })).toBeVisible();
  await expect(citizen.getByRole('note').filter({ hasText: 'llame al 911' })).toBeVisible();
  await citizen.getByLabel('¿Qué pasó?').selectOption({ label: 'Persona o vehículo sospechoso' });
  const token = `Prueba ${Date.now()}`;
  await citizen.getByLabel('Descripción').fill(`${token}: dos hombres revisan carros frente al parque`);
  const map = citizen.getByRole('region', { name: 'Mapa para marcar el lugar del hecho' });
  await expect(map.locator('canvas')).toBeVisible();
  const box = (await map.boundingBox())!;
  await map.click({ position: { x: box.width * 0.42, y: box.height * 0.5 } });
  await expect(citizen.getByText(/Punto marcado en el mapa: 1[34]\.\d+, -8[89]\.\d+/)).toBeVisible();
  await citizen.getByLabel('Fotos (opcional)').setInputFiles({ name: 'carro.png', mimeType: 'image/png', buffer: PNG });
  await expect(citizen.getByRole('list', { name: 'Fotos elegidas' }).getByText('carro.png')).toBeVisible();
  await citizen.getByLabel('Teléfono').fill('+503 7000 1234');
  await citizen.screenshot({ path: 'docs/screenshots/citizen-report.png', fullPage: true });

  await citizen.getByRole('button', { name: 'Enviar reporte' }).click();
  await expect(citizen.getByRole('heading', { level: 1, name: 'Reporte recibido' })).toBeVisible({ timeout: 15_000 });
  const code = (await citizen.getByLabel('Código de seguimiento').textContent())!.trim();
  expect(code).toMatch(/^[0-9A-Z]{5}-[0-9A-Z]{6}$/);
  await expect(citizen.getByRole('img', { name: 'Código QR con el enlace de seguimiento' })).toBeVisible();

  // The reply came after commit: the dispatcher's queue shows the web report within a second, unreloaded.
  const item = dispatcher.getByRole('button', { name: new RegExp(token) });
  await expect(item).toBeVisible({ timeout: 1_000 });
  await citizen.screenshot({ path: 'docs/screenshots/citizen-received.png', fullPage: true });
  await expect(item.getByText('Web')).toBeVisible();
  await item.click();
  const panel = dispatcher.getByRole('region', { name: /SV-\d{4}-\d+/ });
  const number = (await panel.getByRole('heading', { level: 2 }).first().textContent())!.match(/SV-\d{4}-\d+/)![0];
  const thread = panel.getByRole('list', { name: 'Mensajes por Web' });
  await expect(thread.getByText(token)).toBeVisible();
  await expect(thread.getByRole('img', { name: 'Foto 1 enviada por el ciudadano' })).toBeVisible();

  const recs = panel.getByRole('table', { name: 'Unidades recomendadas' });
  const top = recs.getByRole('row').nth(1).getByRole('button', { name: /^Asignar / });
  await top.click();
  await expect(panel.getByRole('list', { name: 'Unidades asignadas' }).getByText('Despachada')).toBeVisible();
  await panel.getByLabel('Responder por Web').fill('Una patrulla va en camino. Gracias por avisar.');
  await panel.getByRole('button', { name: 'Enviar respuesta' }).click();
  await expect(panel.getByText('Respuesta guardada en la bandeja de salida (no hay proveedor configurado).')).toBeVisible();
  await panel.getByRole('heading', { name: 'Ciudadanía' }).scrollIntoViewIfNeeded();
  await dispatcher.screenshot({ path: 'docs/screenshots/citizen-console.png' });

  // The citizen follows the case by the link: progress and the centre's message, no names.
  await citizen.getByRole('link', { name: 'Ver el avance de mi reporte' }).click();
  await expect(citizen).toHaveURL(new RegExp(`/seguimiento/${code}$`));
  const steps = citizen.getByRole('list', { name: 'Avance del caso' });
  await expect(steps.getByText('Unidad asignada')).toBeVisible();
  await expect(citizen.getByText('Una patrulla va en camino. Gracias por avisar.')).toBeVisible();
  await expect(citizen.getByText('dispatcher')).toHaveCount(0);
  await citizen.screenshot({ path: 'docs/screenshots/citizen-tracking.png', fullPage: true });

  // Closure: a P3 no unit reached needs a reason (no approval); the tracking page then invites a rating.
  await panel.getByRole('button', { name: 'Cerrar incidente' }).click();
  const close = dispatcher.getByRole('dialog', { name: `Cerrar el incidente ${number}` });
  await close.getByLabel('Disposición').selectOption({ label: 'Falsa alarma' });
  await close.getByLabel('Resumen del cierre').fill('Se verificó el lugar, los sujetos se retiraron.');
  await close.getByRole('button', { name: 'Cerrar incidente' }).click();
  const reason = dispatcher.getByRole('dialog', { name: `Cerrar ${number} sin unidad en el lugar` });
  await reason.getByLabel('Motivo', { exact: true }).selectOption({ index: 1 });
  await reason.getByLabel('Explicación').fill('La patrulla pasó y confirmó por radio que ya no hay nadie.');
  await reason.getByRole('button', { name: 'Cerrar incidente' }).click();
  await expect(dispatcher.getByRole('button', { name: new RegExp(token) })).toBeHidden();

  await expect(citizen.getByRole('status').filter({ hasText: 'Caso cerrado' })).toBeVisible({ timeout: 8_000 });
  const rating = citizen.getByRole('form', { name: '¿Cómo fue la atención?' });
  await expect(rating).toBeVisible();
  await rating.getByLabel('4 de 5').check();
  await rating.getByLabel('Comentario (opcional)').fill('Llegaron rápido.');
  await citizen.screenshot({ path: 'docs/screenshots/citizen-rating.png', fullPage: true });
  await rating.getByRole('button', { name: 'Enviar calificación' }).click();
  await expect(citizen.getByText('Gracias por calificar la atención: 4 de 5.')).toBeVisible();
});

test('an administrator sees the messages held for citizens in the outbox page', async ({ browser }) => {
  const admin = await (await browser.newContext()).newPage();
  await admin.goto('/');
  await admin.getByLabel('Usuario').fill('administrator');
  await admin.getByLabel('Contraseña').fill(PASSWORD);
  await admin.getByRole('button', { name: 'Iniciar sesión' }).click();
  const mfa = admin.getByLabel('Código de verificación');
  await mfa.fill(await nextTotp('administrator'));
  await mfa.press('Enter');
  await admin.getByRole('link', { name: 'Mensajes a la ciudadanía' }).click();
  await expect(admin.getByRole('heading', { level: 1, name: 'Mensajes a la ciudadanía' })).toBeVisible();
  const table = admin.getByRole('table', { name: /mensajes, los más recientes primero/ });
  await expect(table.getByText('Centinela 911: Una patrulla va en camino. Gracias por avisar.')).toBeVisible();
  await expect(table.getByText('+503 7000 1234').first()).toBeVisible();
  await admin.screenshot({ path: 'docs/screenshots/citizen-outbox.png' });
});
