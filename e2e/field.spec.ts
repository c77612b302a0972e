import crypto from 'node:crypto';
import { expect, test, type APIRequestContext, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { nextTotp } from './helpers.js';

const PASSWORD = 'Centinela-Demo-2026';
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'es-SV' };
// A real JPEG header, then noise: the server sniffs the bytes and recomputes the SHA-256.
const PHOTO = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]), crypto.randomBytes(4096)]);

/** An API session inside a browser context (cookies shared with its pages). */
async function apiLogin(context: BrowserContext, username: string, mfa = false): Promise<APIRequestContext> {
  const login = await context.request.post('/api/auth/login', { data: { username, password: PASSWORD } });
  expect(login.status()).toBe(200);
  if (mfa) expect((await context.request.post('/api/auth/mfa/verify', { data: { code: await nextTotp(username) } })).status()).toBe(200);
  return context.request;
}

async function phone(browser: Browser, geolocation?: { latitude: number; longitude: number }) {
  const context = await browser.newContext({ ...PHONE, ...(geolocation ? { geolocation, permissions: ['geolocation'] } : {}) });
  const page = await context.newPage();
  await page.goto('/field/');
  await page.getByLabel('Usuario').fill('field_officer');
  await page.getByLabel('Contraseña').fill(PASSWORD);
  await page.getByRole('button', { name: 'Iniciar sesión' }).click();
  const heading = page.getByRole('heading', { level: 1, name: /^Unidad / });
  await expect(heading).toBeVisible();
  const callSign = (await heading.textContent())!.match(/Unidad (\S+)/)![1]!;
  return { context, page, callSign };
}

/** One alert on a console screen's alert strip. */
const alertItem = (p: Page, text: string) => p.getByRole('region', { name: 'Alertas' }).getByRole('listitem').filter({ hasText: text });

type Unit = { id: string; callSign: string; status: string; position: { lat: number; lon: number } | null };

/** The dispatcher commits the officer's unit to a new incident at the unit's own position. */
async function assign(api: APIRequestContext, callSign: string, description: string) {
  const units = (await (await api.get('/api/units?limit=5000')).json()).items as Unit[];
  const unit = units.find((u) => u.callSign === callSign)!;
  if (unit.status !== 'available') expect((await api.post(`/api/units/${unit.id}/status`, { data: { status: 'available' } })).status()).toBe(200);
  const at = unit.position ?? { lat: 13.6978, lon: -89.1914 };
  const created = await api.post('/api/incidents', { data: { typeCode: 'DIST', description, location: { lat: at.lat + 0.003, lon: at.lon, source: 'map_click' } } });
  expect(created.status()).toBe(201);
  const incident = await created.json();
  const assigned = await api.post(`/api/incidents/${incident.id}/assignments`, { data: { unitId: unit.id, reason: { code: 'crew_knowledge', text: 'Unidad con aplicación de campo para la prueba' } } });
  expect(assigned.status(), await assigned.text()).toBe(200);
  return { incidentId: incident.id as string, number: incident.number as string, unit };
}

async function showsAssignment(page: Page, number: string) {
  await page.reload();
  await expect(page.getByRole('region', { name: 'Asignación actual' }).getByText(number)).toBeVisible();
}

test('offline: status, note and photo are kept on the phone, then each is applied exactly once, in order', async ({ browser }) => {
  const { context, page, callSign } = await phone(browser);
  const dispatcherCtx = await browser.newContext();
  const dispatcher = await apiLogin(dispatcherCtx, 'dispatcher');
  const { incidentId, number } = await assign(dispatcher, callSign, `Ruido excesivo, prueba sin señal ${Date.now()}`);
  await showsAssignment(page, number);

  await context.setOffline(true);
  await page.getByRole('button', { name: 'Enterado' }).click();
  await page.getByLabel('Texto de la nota').fill('Sin señal en la zona; llegamos a pie');
  await page.getByRole('button', { name: 'Enviar nota' }).click();
  await page.getByLabel('Adjuntar archivo').setInputFiles({ name: 'escena.jpg', mimeType: 'image/jpeg', buffer: PHOTO });
  const pending = page.getByRole('list', { name: 'Acciones pendientes' });
  await expect(pending.getByRole('listitem')).toHaveCount(3);
  await expect(pending.getByRole('listitem').nth(0)).toContainText('Enterado');
  await expect(pending.getByRole('listitem').nth(1)).toContainText('Nota');
  await expect(pending.getByRole('listitem').nth(2)).toContainText('escena.jpg');
  await expect(page.getByText('Sin conexión: las acciones se guardan y se enviarán en orden.')).toBeVisible();
  await page.getByRole('region', { name: 'Pendientes de envío' }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'docs/screenshots/field-offline.png' });

  await context.setOffline(false);
  await expect(page.getByText('Todo enviado.')).toBeVisible({ timeout: 15_000 });
  await expect(pending).toBeHidden();

  const detail = await (await dispatcher.get(`/api/incidents/${incidentId}`)).json();
  const timeline = detail.timeline as { id: number; kind: string; at: string; data: Record<string, unknown> }[];
  const acks = timeline.filter((e) => e.kind === 'unit_status' && e.data.status === 'acknowledged');
  const notes = timeline.filter((e) => e.kind === 'note' && e.data.text === 'Sin señal en la zona; llegamos a pie');
  expect(acks).toHaveLength(1);
  expect(notes).toHaveLength(1);
  expect(acks[0]!.id).toBeLessThan(notes[0]!.id);

  const supervisorCtx = await browser.newContext();
  const supervisor = await apiLogin(supervisorCtx, 'supervisor', true);
  const evidence = (await (await supervisor.get(`/api/evidence?incidentId=${incidentId}`)).json()).items as { sha256: string; uploadedAt: string; originalName: string }[];
  expect(evidence).toHaveLength(1);
  expect(evidence[0]!.sha256).toBe(crypto.createHash('sha256').update(PHOTO).digest('hex'));
  expect(Date.parse(evidence[0]!.uploadedAt)).toBeGreaterThan(Date.parse(notes[0]!.at));

  // Installed and offline-first: with no network at all, a reload still opens the app and the last assignment.
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await context.setOffline(true);
  await page.reload();
  await expect(page.getByRole('region', { name: 'Asignación actual' }).getByText(number)).toBeVisible();
  await expect(page.getByText('Sin conexión: se muestran los últimos datos recibidos.')).toBeVisible();
  await context.setOffline(false);
  await Promise.all([context.close(), dispatcherCtx.close(), supervisorCtx.close()]);
});

test('assignment → en route → on scene → report with photo → resolved, with the dispatcher console following each step live', async ({ browser }) => {
  // Three browser contexts (phone, dispatcher, supervisor) through a whole shift's flow: more than the default minute on a loaded CI machine.
  test.slow();
  const { page, callSign, context } = await phone(browser, { latitude: 13.70, longitude: -89.2 });
  const consoleCtx = await browser.newContext();
  const dispatcher = await apiLogin(consoleCtx, 'dispatcher');
  const { number, incidentId } = await assign(dispatcher, callSign, `Riña en parque, prueba de campo ${Date.now()}`);
  const consolePage = await consoleCtx.newPage();
  await consolePage.goto('/console/dispatch');
  await expect(consolePage.getByRole('status').filter({ hasText: 'En vivo' })).toBeVisible();
  // The queue draws only the rows in view: a dispatcher opens a given incident by its number.
  await consolePage.getByLabel('Ir al incidente').fill('999999');
  await consolePage.getByLabel('Ir al incidente').press('Enter');
  await expect(consolePage.getByRole('search').getByRole('status')).toHaveText('999999 no está en la cola de incidentes abiertos.');
  await consolePage.getByLabel('Ir al incidente').fill(number.split('-').pop()!);
  await consolePage.getByLabel('Ir al incidente').press('Enter');
  const panel = consolePage.getByRole('region', { name: new RegExp(number) });
  const units = panel.getByRole('list', { name: 'Unidades asignadas' });
  await expect(units.getByText('Despachada')).toBeVisible();

  await showsAssignment(page, number);
  await expect(page.getByRole('link', { name: 'Navegar' })).toHaveAttribute('href', /google\.com\/maps\/dir\/\?api=1&destination=/);
  await expect(page.getByRole('img', { name: 'Mapa del incidente y de mi posición' })).toHaveAttribute('data-ready', 'true', { timeout: 15_000 });
  await page.screenshot({ path: 'docs/screenshots/field-assignment.png' });

  await page.getByRole('button', { name: 'En camino' }).click();
  await expect(units.getByText('En camino')).toBeVisible();
  await page.getByRole('button', { name: 'En el lugar' }).click();
  await expect(units.getByText('En el lugar')).toBeVisible();

  await page.getByLabel('Relato de los hechos').fill('Dos personas discutían; se separó a las partes y se tomaron datos.');
  await page.getByRole('button', { name: 'Agregar persona' }).click();
  await page.getByLabel('Nombre').fill('Juan Pérez');
  await page.getByLabel('Calidad').selectOption({ label: 'Testigo' });
  await page.getByRole('button', { name: 'Agregar vehículo' }).click();
  await page.getByLabel('Placa').fill('P123-456');
  // A real JPEG drawn by the browser, so the console can show it.
  const scene = Buffer.from(
    (await page.evaluate(() => {
      const c = document.createElement('canvas');
      [c.width, c.height] = [320, 200];
      const g = c.getContext('2d')!;
      g.fillStyle = '#2e7d32';
      g.fillRect(0, 0, 320, 200);
      g.fillStyle = '#fff';
      g.font = '28px sans-serif';
      g.fillText(`Parque ${Date.now() % 100000}`, 20, 110);
      return c.toDataURL('image/jpeg', 0.8);
    })).split(',')[1]!,
    'base64',
  );
  await page.getByLabel('Fotos y archivos del informe').setInputFiles({ name: 'parque.jpg', mimeType: 'image/jpeg', buffer: scene });
  await expect(page.getByRole('list', { name: 'Archivos adjuntos al informe' })).toContainText('parque.jpg');
  await page.getByRole('form', { name: 'Informe de campo' }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'docs/screenshots/field-report.png' });
  await page.getByRole('button', { name: 'Enviar informe' }).click();
  const timeline = panel.getByRole('list', { name: 'Cronología' });
  await expect(timeline.getByText('Informe de campo')).toBeVisible();
  await expect(page.getByText('Todo enviado.')).toBeVisible({ timeout: 15_000 });
  // The photo is evidence of that report, with the hash the phone computed.
  const supervisorCtx = await browser.newContext();
  const supervisor = await apiLogin(supervisorCtx, 'supervisor', true);
  const evidence = (await (await supervisor.get(`/api/evidence?incidentId=${incidentId}`)).json()).items as { reportId: string | null; sha256: string }[];
  expect(evidence).toEqual([expect.objectContaining({ reportId: expect.any(String), sha256: crypto.createHash('sha256').update(scene).digest('hex') })]);
  // The dispatcher saw the photo arrive; the supervisor (a custodian) reads the report and opens the photo with a reason.
  await expect(timeline.getByText('Evidencia recibida')).toBeVisible();
  const file = await supervisorCtx.newPage();
  await file.setViewportSize({ width: 1366, height: 768 });
  await file.goto('/console/dispatch');
  await file.getByLabel('Ir al incidente').fill(number);
  await file.getByRole('button', { name: 'Abrir', exact: true }).click();
  const supervisorPanel = file.getByRole('region', { name: new RegExp(number) });
  await expect(supervisorPanel.getByRole('heading', { level: 2, name: new RegExp(number) })).toBeVisible();
  await supervisorPanel.getByRole('button', { name: 'Mostrar informes (1) y evidencias (1)' }).click();
  const report = supervisorPanel.getByRole('article', { name: `Informe de ${callSign}` });
  await expect(report).toContainText('Dos personas discutían');
  await expect(report.getByRole('list', { name: 'Personas mencionadas' })).toContainText('Juan Pérez — Testigo');
  await expect(report.getByRole('list', { name: 'Vehículos' })).toContainText('P123-456');
  await expect(supervisorPanel.getByRole('link', { name: 'Cadena de custodia de parque.jpg (PDF)' })).toHaveAttribute('href', /custody-report\.pdf$/);
  await supervisorPanel.getByRole('button', { name: 'Descargar parque.jpg' }).click();
  const dialog = file.getByRole('dialog', { name: 'Descargar evidencia: parque.jpg' });
  await expect(dialog.getByRole('button', { name: 'Registrar y descargar' })).toBeDisabled();
  await dialog.getByLabel('Motivo de la descarga').fill('Revisión del informe por el supervisor de turno');
  await dialog.getByRole('button', { name: 'Registrar y descargar' }).click();
  await expect(dialog.getByRole('status')).toHaveText(/Integridad verificada/);
  const shown = dialog.getByRole('img', { name: 'Vista de la evidencia parque.jpg' });
  await expect(shown).toBeVisible();
  expect(await shown.evaluate((img: HTMLImageElement) => img.decode().then(() => img.naturalWidth))).toBe(320);
  await file.screenshot({ path: 'docs/screenshots/console-field-file.png' });
  const chain = (await (await supervisor.get(`/api/evidence/${(evidence[0] as unknown as { id: string }).id}`)).json()).chain as { kind: string; actor: string; reason: string | null }[];
  expect(chain.find((e) => e.kind === 'downloaded')).toMatchObject({ actor: 'supervisor', reason: 'Revisión del informe por el supervisor de turno' });
  // The supervisor moves to the supervision screen, where alerts show too.
  await file.keyboard.press('Escape');
  await file.getByRole('link', { name: 'Supervisión' }).click();
  await expect(file.getByRole('heading', { level: 1, name: 'Supervisión' })).toBeVisible();
  await expect(file.getByRole('status').filter({ hasText: 'En vivo' })).toBeVisible();

  // Panic needs a long press: a tap does nothing, holding 1.5 s raises a P1 alert on the console.
  const panic = page.getByRole('button', { name: 'Pánico' });
  await panic.scrollIntoViewIfNeeded();
  await panic.click();
  await expect(page.getByText('Mantenga presionado 1,5 segundos')).toBeVisible();
  const box = (await panic.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.waitForTimeout(1_800);
  await page.mouse.up();
  await expect(page.getByText('Alerta de pánico enviada al centro de mando (P1).')).toBeVisible();
  await expect(alertItem(consolePage, '¡PÁNICO! Un agente pide auxilio (P1)')).toBeVisible({ timeout: 10_000 });
  // The alert names the unit and where the officer is.
  await expect(alertItem(consolePage, '¡PÁNICO!')).toContainText(new RegExp(`${callSign}.* · 13\\.\\d+, -89\\.\\d+`));
  // Screen readers hear it once, as it arrives (the strip's live region).
  await expect(consolePage.getByRole('alert').filter({ hasText: '¡PÁNICO!' })).toHaveText(`¡PÁNICO! Un agente pide auxilio (P1) · ${callSign}`);
  await expect(timeline.getByText('PÁNICO (agente)')).toBeVisible();
  // An alert stays until it is closed: the dispatcher goes to call intake and back, and it is still there.
  await consolePage.getByRole('link', { name: 'Recepción de llamadas' }).click();
  await expect(consolePage.getByRole('heading', { level: 1, name: 'Recepción de llamadas' })).toBeVisible();
  await consolePage.goBack();
  await expect(alertItem(consolePage, '¡PÁNICO!')).toContainText(callSign);
  await expect(consolePage.getByRole('alert').filter({ hasText: '¡PÁNICO!' })).toHaveCount(0); // kept, not announced again
  // The supervisor sees it on the supervision screen and opens the incident on the dispatch console from it.
  const supervisorAlert = alertItem(file, '¡PÁNICO! Un agente pide auxilio (P1)');
  await expect(supervisorAlert).toContainText(callSign, { timeout: 10_000 });
  await file.screenshot({ path: 'docs/screenshots/supervisor-alert.png' });
  await supervisorAlert.getByRole('button', { name: 'Abrir incidente' }).click();
  await expect(file.getByRole('heading', { level: 1, name: 'Despacho' })).toBeVisible();
  await expect(file.getByRole('region', { name: new RegExp(number) }).getByRole('heading', { level: 2, name: new RegExp(number) })).toBeVisible();
  await alertItem(file, '¡PÁNICO!').getByRole('button', { name: 'Cerrar' }).click();
  await expect(alertItem(file, '¡PÁNICO!')).toHaveCount(0);
  await supervisorCtx.close();
  // A backup request while the dispatcher takes a call shows on that screen too; closed there, it does
  // not come back on the dispatch screen, whose connection resumes after what intake already saw.
  await consolePage.getByRole('link', { name: 'Recepción de llamadas' }).click();
  await expect(consolePage.getByRole('heading', { level: 1, name: 'Recepción de llamadas' })).toBeVisible();
  await expect(consolePage.getByRole('status').filter({ hasText: 'En vivo' })).toBeVisible();
  await page.getByRole('button', { name: 'Pedir refuerzo' }).click();
  await expect(alertItem(consolePage, 'Unidad solicita refuerzo')).toContainText(callSign, { timeout: 10_000 });
  await expect(consolePage.getByRole('alert').filter({ hasText: 'refuerzo' })).toHaveText(`Unidad solicita refuerzo · ${callSign}`);
  await alertItem(consolePage, 'Unidad solicita refuerzo').getByRole('button', { name: 'Cerrar' }).click();
  // Closing it does not announce the panic kept from the dispatch screen.
  await expect(consolePage.getByRole('alert').filter({ hasText: '¡PÁNICO!' })).toHaveCount(0);
  await consolePage.goBack();
  await expect(consolePage.getByRole('status').filter({ hasText: 'En vivo' })).toBeVisible();
  await expect(alertItem(consolePage, '¡PÁNICO!')).toBeVisible();
  // A replay would come right after the subscription: give it a moment before checking nothing came back.
  await consolePage.waitForTimeout(1_000);
  await expect(alertItem(consolePage, 'Unidad solicita refuerzo')).toHaveCount(0);
  // A reload of the tab (F5 at 3 a.m.) keeps the alert too, without announcing it again or bringing back the closed one.
  await consolePage.reload();
  await expect(consolePage.getByRole('status').filter({ hasText: 'En vivo' })).toBeVisible();
  await expect(alertItem(consolePage, '¡PÁNICO!')).toContainText(callSign);
  await consolePage.waitForTimeout(1_000);
  await expect(alertItem(consolePage, 'Unidad solicita refuerzo')).toHaveCount(0);
  await expect(consolePage.getByRole('alert').filter({ hasText: '¡PÁNICO!' })).toHaveCount(0);
  // An alert raised while the tab was away comes back with it: the console resumes after the last event it saw.
  await consolePage.goto('about:blank');
  await page.getByRole('button', { name: 'Pedir refuerzo' }).click();
  const backups = async () => ((await (await dispatcher.get(`/api/incidents/${incidentId}`)).json()).timeline as { kind: string }[]).filter((e) => e.kind === 'backup_requested').length;
  await expect.poll(backups).toBe(2);
  await consolePage.goBack();
  await expect(alertItem(consolePage, 'Unidad solicita refuerzo')).toContainText(callSign, { timeout: 10_000 });
  await expect(alertItem(consolePage, '¡PÁNICO!')).toContainText(callSign);

  await page.getByLabel('Disposición').selectOption({ label: 'Denuncia levantada' });
  await page.getByRole('button', { name: 'Resuelto' }).click();
  await expect(panel.getByText('Resuelto').first()).toBeVisible();
  await expect(units.getByText('Liberada')).toBeVisible();
  await timeline.scrollIntoViewIfNeeded();
  await consolePage.screenshot({ path: 'docs/screenshots/field-console-follows.png' });
  await expect(page.getByText('Sin asignación por ahora.')).toBeVisible({ timeout: 20_000 });
  await page.screenshot({ path: 'docs/screenshots/field-resolved.png' });

  // The phone's GPS fixes reach the server in the next batch (every 10 s by default), with their accuracy.
  const position = async () => ((await (await dispatcher.get('/api/units?limit=5000')).json()).items as Unit[]).find((u) => u.callSign === callSign)!.position;
  await expect.poll(position, { timeout: 25_000 }).toMatchObject({ lat: 13.7, lon: -89.2 });
  // Signing out, even from a screen without the console, forgets what the tab kept for the user.
  const stored = () => consolePage.evaluate(() => sessionStorage.getItem('centinela.user.console-live'));
  expect(await stored()).toContain('"kind":"panic"');
  await consolePage.getByRole('link', { name: 'Mi cuenta' }).click();
  await consolePage.getByRole('button', { name: 'Cerrar sesión' }).click();
  await expect(consolePage.getByRole('button', { name: 'Iniciar sesión' })).toBeVisible();
  expect(await stored()).toBeNull();
  await Promise.all([context.close(), consoleCtx.close()]);
});

/** Twenty idle minutes (the default limit is 15) lock the phone: a wrong password is refused, the right one unlocks. */
async function locksAfterIdleAndUnlocks(page: Page) {
  await page.evaluate(() => localStorage.setItem('centinela.field.lastActivity', String(Date.now() - 20 * 60_000)));
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Pantalla bloqueada' })).toBeVisible();
  await page.getByLabel('Contraseña').fill('wrong-password-123');
  await page.getByRole('button', { name: 'Desbloquear' }).click();
  await expect(page.getByRole('alert')).toContainText('Usuario o contraseña incorrectos.');
  await page.getByLabel('Contraseña').fill(PASSWORD);
  await page.getByRole('button', { name: 'Desbloquear' }).click();
  await expect(page.getByRole('heading', { level: 1, name: /^Unidad / })).toBeVisible();
}

test('the phone asks for the password again after the idle time, and a revoked device token signs it out', async ({ browser }) => {
  const { context, page } = await phone(browser);
  await locksAfterIdleAndUnlocks(page);

  // With no signal the phone's own verifier of the password decides.
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await context.setOffline(true);
  await locksAfterIdleAndUnlocks(page);
  await context.setOffline(false);

  // The officer revokes the phone's token from a browser session (the "My account" page does the same).
  const accountCtx = await browser.newContext();
  const account = await apiLogin(accountCtx, 'field_officer');
  const tokens = (await (await account.get('/api/auth/tokens')).json()).items as { id: string; name: string; revokedAt: string | null }[];
  const device = tokens.find((t) => t.name.startsWith('Dispositivo de campo') && !t.revokedAt)!;
  expect((await account.delete(`/api/auth/tokens/${device.id}`)).status()).toBe(204);
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Iniciar sesión en este dispositivo' })).toBeVisible();
  await Promise.all([context.close(), accountCtx.close()]);
});

test('installable: the page links the manifest, whose icons (SVG, PNG 192 and 512, maskable) are served at their declared sizes', async ({ browser }) => {
  const { page, context } = await phone(browser);
  await expect(page.locator('link[rel="manifest"]')).toHaveAttribute('href', '/field/manifest.webmanifest');
  await expect(page.locator('link[rel="apple-touch-icon"]')).toHaveAttribute('href', '/field/apple-touch-icon.png');
  const manifest = (await (await page.request.get('/field/manifest.webmanifest')).json()) as { start_url: string; display: string; icons: { src: string; sizes: string; type: string; purpose: string }[] };
  expect(manifest).toMatchObject({ start_url: '/field/', display: 'standalone' });
  expect(manifest.icons.map((i) => `${i.sizes} ${i.purpose}`)).toEqual(['any any', '192x192 any', '512x512 any', '512x512 maskable']);
  for (const icon of [...manifest.icons, { src: '/field/apple-touch-icon.png', sizes: '180x180', type: 'image/png' }]) {
    const res = await page.request.get(icon.src);
    expect(res.status(), icon.src).toBe(200);
    expect(res.headers()['content-type']).toContain(icon.type);
    if (icon.type === 'image/png') {
      const png = await res.body();
      // The PNG header's IHDR chunk holds width and height at bytes 16 and 20.
      expect(`${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`, icon.src).toBe(icon.sizes);
    }
  }
  await context.close();
});
