import { expect, test, type Browser, type Page } from '@playwright/test';
import { totpNow } from '../src/server/platform/auth/totp.js';

const PASSWORD = 'Centinela-Demo-2026';
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

async function signedIn(browser: Browser, username: string, totpOffsetMs?: number): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/');
  await page.getByLabel('Usuario').fill(username);
  await page.getByLabel('Contraseña').fill(PASSWORD);
  await page.getByRole('button', { name: 'Iniciar sesión' }).click();
  if (totpOffsetMs !== undefined) {
    const code = page.getByLabel('Código de verificación');
    await code.fill(totpNow(TOTP_SECRET, Date.now() + totpOffsetMs));
    await code.press('Enter');
  }
  await expect(page.getByRole('link', { name: 'Mi cuenta' })).toBeVisible();
  return page;
}

/** Fills the intake form up to (and including) the description; returns the description. */
async function fillIntake(page: Page, description: string) {
  const type = page.getByRole('combobox', { name: 'Tipo de incidente' });
  await type.fill('DV');
  await type.press('Enter');
  await page.getByLabel('¿La agresión está ocurriendo ahora?').selectOption({ label: 'Sí' });
  await expect(page.getByText('Prioridad resultante: P1', { exact: true })).toBeVisible();
  await page.getByLabel('Dirección').fill('Colonia Escalón, calle principal 12');
  await page.getByLabel('Departamento del incidente').selectOption({ label: 'San Salvador' });
  await page.getByLabel('Número del llamante').fill('+503 7000 0000');
  await page.getByLabel('Nombre del llamante').fill('María Pérez');
  await page.getByLabel('Descripción').fill(description);
}

test('a call-taker creates an incident, a dispatcher sees it live, assigns the recommended unit and closes it', async ({ browser }) => {
  const dispatcher = await signedIn(browser, 'dispatcher');
  await dispatcher.getByRole('link', { name: 'Despacho', exact: true }).click();
  await expect(dispatcher.getByRole('heading', { level: 1, name: 'Despacho' })).toBeVisible();
  await expect(dispatcher.getByRole('status').filter({ hasText: 'En vivo' })).toBeVisible();

  const callTaker = await signedIn(browser, 'call_taker');
  await callTaker.getByRole('link', { name: 'Recepción de llamadas' }).click();
  await expect(callTaker.getByRole('heading', { level: 1, name: 'Recepción de llamadas' })).toBeVisible();
  const description = `Agresión en curso, prueba ${Date.now()}`;
  await fillIntake(callTaker, description);
  // Mark the exact point on the map (around San Salvador).
  const map = callTaker.getByRole('region', { name: 'Mapa para ubicar el incidente' });
  const box = (await map.boundingBox())!;
  await map.click({ position: { x: box.width * 0.4, y: box.height * 0.55 } });
  await expect(callTaker.getByText(/Punto marcado: 1[34]\.\d+, -8[89]\.\d+/)).toBeVisible();
  await callTaker.screenshot({ path: 'docs/screenshots/console-intake.png' });
  await callTaker.getByRole('button', { name: 'Crear incidente' }).click();
  const created = callTaker.getByRole('heading', { name: /Incidente SV-\d{4}-\d+ creado/ });
  await expect(created).toBeVisible();
  const number = (await created.textContent())!.match(/SV-\d{4}-\d+/)![0];

  // The dispatcher's queue shows it within a second, without reloading.
  const item = dispatcher.getByRole('button', { name: new RegExp(number) });
  await expect(item).toBeVisible({ timeout: 1_000 });
  await item.click();
  const panel = dispatcher.getByRole('region', { name: new RegExp(number) });
  await expect(panel).toBeVisible();
  const recs = panel.getByRole('table', { name: 'Unidades recomendadas' });
  await expect(recs.getByRole('row').nth(2)).toBeVisible();
  const unitOf = async (row: number) => (await recs.getByRole('row').nth(row).getByRole('button').textContent())!.replace('Asignar', '').trim();
  const topUnit = await unitOf(1);
  const otherUnit = await unitOf(2);

  // Choosing another unit is discretionary: without a reason nothing is sent.
  await recs.getByRole('button', { name: `Asignar ${otherUnit}` }).click();
  const dialog = dispatcher.getByRole('dialog', { name: `Asignar ${otherUnit} en lugar de la recomendada` });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: `Asignar ${otherUnit}` }).click();
  await expect(dialog.getByText('Seleccione un motivo del catálogo.')).toBeVisible();
  await expect(dialog.getByText('La explicación debe tener al menos 10 caracteres.')).toBeVisible();
  await dialog.getByRole('button', { name: 'Cancelar' }).click();
  await expect(dialog).toBeHidden();
  await expect(panel.getByText('Ninguna unidad asignada.')).toBeVisible();

  // The recommended unit needs no reason; its status becomes "dispatched".
  await recs.getByRole('button', { name: `Asignar ${topUnit}` }).click();
  await expect(panel.getByRole('list', { name: 'Unidades asignadas' }).getByText('Despachada')).toBeVisible();
  await expect(dispatcher.getByRole('listitem', { name: `${topUnit}: Despachada` })).toBeVisible();
  await dispatcher.screenshot({ path: 'docs/screenshots/console-dispatch.png' });

  // Closing a P1 nobody reached: the server asks for a reason, then a supervisor's approval.
  await panel.getByRole('button', { name: 'Cerrar incidente' }).click();
  const close = dispatcher.getByRole('dialog', { name: `Cerrar el incidente ${number}` });
  await close.getByLabel('Disposición').selectOption({ label: 'Falsa alarma' });
  await close.getByLabel('Resumen del cierre').fill('El llamante confirmó que fue un malentendido.');
  await close.getByRole('button', { name: 'Cerrar incidente' }).click();
  const reason = dispatcher.getByRole('dialog', { name: `Cerrar ${number} sin unidad en el lugar` });
  await expect(reason).toBeVisible();
  await expect(reason.getByText('un supervisor debe aprobar el cierre')).toBeVisible();
  await reason.getByLabel('Motivo', { exact: true }).selectOption({ index: 1 });
  await reason.getByLabel('Explicación').fill('La unidad confirmó por radio que no hay emergencia.');
  await reason.getByRole('button', { name: 'Cerrar incidente' }).click();
  await expect(panel.getByText('Esperando la aprobación de un supervisor.')).toBeVisible();

  // The supervisor dashboard shows the request in its approval queue.
  const supervisor = await signedIn(browser, 'supervisor', 0);
  await supervisor.getByRole('link', { name: 'Supervisión' }).click();
  await expect(supervisor.getByRole('heading', { level: 1, name: 'Supervisión' })).toBeVisible();
  await expect(supervisor.getByRole('table', { name: 'Tiempos de hoy: mediana / percentil 90' })).toBeVisible();
  const incidentId = new URL(dispatcher.url()).searchParams.get('incident')!;
  const request = supervisor.getByRole('row').filter({ hasText: incidentId });
  await expect(request.getByRole('button', { name: 'Aprobar' })).toBeVisible();
  await supervisor.screenshot({ path: 'docs/screenshots/console-supervisor.png' });

  // The supervisor approves; the closed incident leaves the dispatcher's queue without a reload.
  await request.getByRole('button', { name: 'Aprobar' }).click();
  await expect(supervisor.getByText('Solicitud aprobada')).toBeVisible();
  await expect(dispatcher.getByRole('button', { name: new RegExp(`${number} `) })).toBeHidden();
});

test('when the live connection drops the console says so, then catches up on reconnection', async ({ browser }) => {
  const dispatcher = await signedIn(browser, 'dispatcher');
  let blocked = false;
  const sockets: { close: () => Promise<void> }[] = [];
  await dispatcher.routeWebSocket('**/api/live', (ws) => {
    if (blocked) {
      void ws.close({ code: 1013, reason: 'test: server unavailable' });
      return;
    }
    ws.connectToServer();
    sockets.push(ws);
  });
  await dispatcher.getByRole('link', { name: 'Despacho', exact: true }).click();
  await expect(dispatcher.getByRole('status').filter({ hasText: 'En vivo' })).toBeVisible();

  // The "server" goes away: the banner appears.
  blocked = true;
  for (const ws of sockets) await ws.close();
  await expect(dispatcher.getByRole('alert').filter({ hasText: 'Sin conexión con el centro' })).toBeVisible();

  // Meanwhile a call-taker records an incident.
  const callTaker = await signedIn(browser, 'call_taker');
  await callTaker.getByRole('link', { name: 'Recepción de llamadas' }).click();
  await fillIntake(callTaker, `Durante el corte, prueba ${Date.now()}`);
  await callTaker.getByRole('button', { name: 'Crear incidente' }).click();
  const created = callTaker.getByRole('heading', { name: /Incidente SV-\d{4}-\d+ creado/ });
  await expect(created).toBeVisible();
  const number = (await created.textContent())!.match(/SV-\d{4}-\d+/)![0];
  await dispatcher.screenshot({ path: 'docs/screenshots/console-offline.png' });
  await expect(dispatcher.getByRole('button', { name: new RegExp(number) })).toBeHidden();

  // The connection comes back: the banner clears and the missed incident is there.
  blocked = false;
  await expect(dispatcher.getByRole('alert').filter({ hasText: 'Sin conexión con el centro' })).toBeHidden({ timeout: 15_000 });
  await expect(dispatcher.getByRole('button', { name: new RegExp(number) })).toBeVisible();
});

test('a dispatcher takes a P1 call and sends the recommended unit in at most 6 actions after the description', async ({ browser }) => {
  const page = await signedIn(browser, 'dispatcher');
  await page.getByRole('link', { name: 'Recepción de llamadas' }).click();
  await fillIntake(page, `Golpes y gritos, prueba ${Date.now()}`);
  let actions = 0;
  await page.getByLabel('Descripción').press('Control+Enter');
  actions += 1;
  const assign = page.getByRole('button', { name: /Asignar unidad recomendada/ });
  await expect(assign).toBeFocused();
  await page.keyboard.press('Enter');
  actions += 1;
  await expect(page.getByText(/Unidad .+ asignada\./)).toBeVisible();
  expect(actions).toBeLessThanOrEqual(6);
});
