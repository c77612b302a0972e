import { expect, test } from '@playwright/test';
import { closeContexts, fillIntake, signedIn } from './helpers.js';

test.afterEach(({ browser }) => closeContexts(browser));

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
  // The button went away with the recommendation; the keyboard stays in the panel instead of dropping to the page.
  const focusInPanel = () => dispatcher.evaluate(() => document.activeElement?.closest('.incident-panel') != null);
  await expect.poll(focusInPanel).toBe(true);
  await expect(dispatcher.getByRole('listitem', { name: `${topUnit}: Despachada` })).toBeVisible();
  await dispatcher.screenshot({ path: 'docs/screenshots/console-dispatch.png' });
  // The same console on a 1920×1080 command-centre screen.
  await dispatcher.setViewportSize({ width: 1920, height: 1080 });
  // With a unit on it, more units are backup: folded away, not offered as the next dispatch.
  await expect(panel.getByRole('heading', { name: 'Refuerzo' })).toBeVisible();
  await expect(panel.getByText(/Ver unidades recomendadas para refuerzo \(\d+\)/)).toBeVisible();
  await expect(panel.getByRole('table', { name: 'Refuerzo' })).toBeHidden();
  await dispatcher.screenshot({ path: 'docs/screenshots/console-dispatch-1920.png' });
  await dispatcher.setViewportSize({ width: 1366, height: 768 });

  // The unit reports by radio that it is on scene; then the incident is closed with a disposition.
  await panel.getByRole('button', { name: `${topUnit}: marcar En el lugar` }).click();
  await expect(panel.getByRole('list', { name: 'Unidades asignadas' }).getByText('En el lugar')).toBeVisible();
  await expect.poll(focusInPanel).toBe(true);
  await expect(dispatcher.getByRole('listitem', { name: `${topUnit}: En el lugar` })).toBeVisible();
  await panel.getByRole('button', { name: 'Cerrar incidente' }).click();
  const close = dispatcher.getByRole('dialog', { name: `Cerrar el incidente ${number}` });
  await close.getByLabel('Disposición').selectOption({ label: 'Detención en flagrancia' });
  await close.getByLabel('Resumen del cierre').fill('Agresor detenido y remitido; víctima atendida.');
  await close.getByRole('button', { name: 'Cerrar incidente' }).click();
  await expect(panel.getByText('Cerrado', { exact: true })).toBeVisible();
  await expect(dispatcher.getByRole('button', { name: new RegExp(`${number} `) })).toBeHidden();
  // The unit became available again.
  await expect(dispatcher.getByRole('listitem', { name: `${topUnit}: Disponible` })).toBeVisible();
});

test('lowering a priority or cancelling a P1 needs a reason; the supervisor approves the cancellation', async ({ browser }) => {
  const callTaker = await signedIn(browser, 'call_taker');
  await callTaker.getByRole('link', { name: 'Recepción de llamadas' }).click();
  await fillIntake(callTaker, `Llamada que resultará falsa, prueba ${Date.now()}`);
  await callTaker.getByRole('button', { name: 'Crear incidente' }).click();
  const created = callTaker.getByRole('heading', { name: /Incidente SV-\d{4}-\d+ creado/ });
  await expect(created).toBeVisible();
  const number = (await created.textContent())!.match(/SV-\d{4}-\d+/)![0];

  const dispatcher = await signedIn(browser, 'dispatcher');
  await dispatcher.getByRole('link', { name: 'Despacho', exact: true }).click();
  await dispatcher.getByRole('button', { name: new RegExp(number) }).click();
  const panel = dispatcher.getByRole('region', { name: new RegExp(number) });

  // Lowering P1 → P3 asks for a reason; confirming without one sends nothing.
  await panel.getByLabel('Prioridad', { exact: true }).selectOption('3');
  await panel.getByRole('button', { name: 'Cambiar prioridad' }).click();
  const lower = dispatcher.getByRole('dialog', { name: `Bajar ${number} de P1 a P3` });
  await expect(lower.getByText('bajarlo a P3/P4 requiere la aprobación de un supervisor')).toBeVisible();
  await lower.getByRole('button', { name: 'Cambiar prioridad' }).click();
  await expect(lower.getByText('Seleccione un motivo del catálogo.')).toBeVisible();
  await lower.getByRole('button', { name: 'Cancelar' }).click();
  await expect(panel.getByText('P1', { exact: true }).first()).toBeVisible();

  // Cancelling a P1 asks for a reason and then waits for a supervisor; the incident stays active.
  await panel.getByRole('button', { name: 'Anular incidente' }).click();
  const cancel = dispatcher.getByRole('dialog', { name: `Anular el incidente ${number}` });
  await expect(cancel.getByText('la anulación requiere la aprobación de un supervisor')).toBeVisible();
  await cancel.getByLabel('Motivo', { exact: true }).selectOption({ label: 'Llamada falsa' });
  await cancel.getByLabel('Explicación').fill('Se devolvió la llamada y el número no existe.');
  await cancel.getByRole('button', { name: 'Solicitar anulación' }).click();
  await expect(panel.getByText('Esperando la aprobación de un supervisor.')).toBeVisible();
  await expect(panel.getByText('Anulación pendiente de aprobación')).toBeVisible();

  // The supervisor sees the request with its reason on the dashboard and approves it.
  const supervisor = await signedIn(browser, 'supervisor', { mfa: true });
  await supervisor.getByRole('link', { name: 'Supervisión' }).click();
  await expect(supervisor.getByRole('heading', { level: 1, name: 'Supervisión' })).toBeVisible();
  await expect(supervisor.getByRole('table', { name: 'Tiempos de hoy: mediana / percentil 90' })).toBeVisible();
  const request = supervisor.getByRole('row').filter({ hasText: number });
  await expect(request.getByText('Llamada falsa')).toBeVisible();
  await expect(request.getByText('Anular incidente P1/P2')).toBeVisible();
  await supervisor.screenshot({ path: 'docs/screenshots/console-supervisor.png' });
  await request.getByRole('button', { name: 'Aprobar' }).click();
  await expect(supervisor.getByText('Solicitud aprobada')).toBeVisible();

  // The cancelled incident leaves the dispatcher's queue without a reload.
  await expect(dispatcher.getByRole('button', { name: new RegExp(`${number} `) })).toBeHidden();
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

test('related calls: one key records a repeat call on the open incident, another links a new one; F1 lists the shortcuts', async ({ browser }) => {
  const page = await signedIn(browser, 'call_taker');
  await page.getByRole('link', { name: 'Recepción de llamadas' }).click();
  const map = page.getByRole('region', { name: 'Mapa para ubicar el incidente' });
  const pin = async () => {
    const box = (await map.boundingBox())!;
    await map.click({ position: { x: box.width * 0.62, y: box.height * 0.35 } });
    await expect(page.getByText(/Punto marcado:/)).toBeVisible();
  };

  // The first call opens an incident (a word of its own, so no earlier test's incident nearby outranks it).
  const tag = `ref${Date.now().toString(36)}`;
  await fillIntake(page, `Pelea con cuchillos ${tag}`);
  await pin();
  await page.getByLabel('Descripción').press('Control+Enter');
  const created = page.getByRole('heading', { name: /Incidente SV-\d{4}-\d+ creado/ });
  const number = (await created.textContent())!.match(/SV-\d{4}-\d+/)![0];
  await page.getByRole('button', { name: 'Nueva llamada' }).click();

  // A second caller about the same fight: it shows as the first candidate, and Alt+D records the call on it.
  await fillIntake(page, `Otra vecina reporta la misma pelea ${tag}`);
  await pin();
  const candidate = page.getByRole('listitem', { name: `Posible relacionado ${number}` });
  await expect(candidate).toBeVisible();
  await expect(page.locator('.related-list li').first()).toHaveAttribute('aria-label', `Posible relacionado ${number}`);
  await page.screenshot({ path: 'docs/screenshots/console-related.png' });
  await page.keyboard.press('Alt+d');
  // Recording on another incident is confirmed: Enter on the dialog's default button.
  const confirm = page.getByRole('dialog', { name: `¿Registrar esta llamada en ${number}?` });
  await expect(confirm).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: `Llamada añadida al incidente ${number}` })).toBeVisible();
  const open = (await (await page.request.get('/api/incidents?status=open&limit=1000')).json()) as { items: { id: string; number: string }[] };
  const id = open.items.find((i) => i.number === number)!.id;
  const links = (await (await page.request.get(`/api/incidents/${id}/links`)).json()) as { calls: { description: string; caller: { name: string } }[] };
  expect(links.calls).toEqual([expect.objectContaining({ description: `Otra vecina reporta la misma pelea ${tag}`, caller: expect.objectContaining({ name: 'María Pérez' }) })]);
  expect(open.items.filter((i) => i.number === number)).toHaveLength(1);

  // The dispatcher sees who else called (a recorded read) and the call on the timeline.
  const dispatcher = await signedIn(browser, 'dispatcher');
  await dispatcher.getByRole('link', { name: 'Despacho', exact: true }).click();
  await dispatcher.getByLabel('Ir al incidente').fill(number);
  await dispatcher.getByLabel('Ir al incidente').press('Enter');
  const panel = dispatcher.getByRole('region', { name: new RegExp(number) });
  await expect(panel.locator('dt', { hasText: 'Otros llamantes' }).locator('xpath=following-sibling::dd[1]')).toContainText('María Pérez');
  await expect(panel.getByRole('list', { name: 'Cronología' }).getByText('Llamada adicional')).toBeVisible();
  await dispatcher.close();

  // A third call is a different incident nearby: Alt+L marks the link, Ctrl+Enter creates it linked.
  await page.getByRole('button', { name: 'Nueva llamada' }).click();
  await fillIntake(page, `Persona herida huyendo de la pelea ${tag}`);
  await pin();
  await expect(candidate).toBeVisible();
  // Alt+L acts on the first candidate: wait until the list for this call (point and text) has settled on it.
  await expect(page.locator('.related-list li').first()).toHaveAttribute('aria-label', `Posible relacionado ${number}`);
  await page.keyboard.press('Alt+l');
  await expect(page.getByText(`Se vinculará con: ${number}`)).toBeVisible();
  await page.getByLabel('Descripción').press('Control+Enter');
  await expect(page.getByRole('heading', { name: /Incidente SV-\d{4}-\d+ creado/ })).toBeVisible();
  const related = (await (await page.request.get(`/api/incidents/${id}/links`)).json()) as { related: { number: string }[] };
  expect(related.related).toHaveLength(1);

  // The help overlay lists the keys.
  await page.keyboard.press('F1');
  const help = page.getByRole('dialog', { name: 'Atajos de teclado' });
  await expect(help.getByRole('row', { name: /Alt\+D/ })).toBeVisible();
  // A call-taker is not offered the screens they cannot open, and Alt+2 does not leave the call.
  await expect(help.getByRole('row', { name: /Alt\+1/ })).toBeVisible();
  await expect(help.getByRole('row', { name: /Alt\+2/ })).toHaveCount(0);
  await expect(help.getByRole('row', { name: /Alt\+3/ })).toHaveCount(0);
  await page.keyboard.press('Escape');
  await expect(help).toBeHidden();
  await page.getByRole('button', { name: 'Nueva llamada' }).click();
  await fillIntake(page, 'Llamada que no se debe perder');
  await page.keyboard.press('Alt+2');
  await expect(page.getByLabel('Descripción')).toHaveValue('Llamada que no se debe perder');
  await expect(page.getByText('Acceso no permitido')).toHaveCount(0);
});

test('the queue takes live changes one incident at a time, and the keyboard walks a list longer than the screen', async ({ browser }) => {
  const page = await signedIn(browser, 'dispatcher');
  await page.getByRole('link', { name: 'Despacho', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'En vivo' })).toBeVisible();
  await page.getByLabel('Departamento', { exact: true }).selectOption({ label: 'Morazán' });
  const lists: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/incidents?')) lists.push(new URL(r.url()).search);
  });

  // Thirty calls from Morazán: more than the queue can show at once.
  const origin = new URL(page.url()).origin;
  const stamp = Date.now();
  for (let k = 0; k < 30; k++) {
    const res = await page.request.post('/api/incidents', {
      headers: { Origin: origin },
      data: { typeCode: 'ROB', description: `Cola larga ${stamp} n.º ${k}`, location: { department: 'SV.MO', source: 'department' } },
    });
    expect(res.status(), await res.text()).toBe(201);
  }
  const title = page.getByRole('heading', { level: 2, name: /Cola de incidentes/ });
  await expect(title).toContainText(/\((3\d|[4-9]\d)\)/);
  const total = Number((await title.textContent())!.match(/\((\d+)\)/)![1]);

  // The new incidents came as small refreshes by id, never as a new copy of the whole list.
  expect(lists.some((q) => q.includes('ids='))).toBe(true);
  expect(lists.filter((q) => !q.includes('ids='))).toEqual([]);

  // Only the rows in view (and a margin) are in the page, yet arrows, End and Home reach every one.
  const rows = page.getByRole('list', { name: /Cola de incidentes/ }).getByRole('listitem');
  expect(await rows.count()).toBeLessThan(total);
  await page.keyboard.press('Alt+q');
  const focused = () => page.evaluate(() => document.activeElement?.parentElement?.getAttribute('aria-posinset'));
  expect(await focused()).toBe('1');
  await page.keyboard.press('ArrowDown');
  expect(await focused()).toBe('2');
  await page.keyboard.press('End');
  expect(await focused()).toBe(String(total));
  await expect(page.locator(':focus')).toBeInViewport();
  await page.keyboard.press('ArrowUp');
  expect(await focused()).toBe(String(total - 1));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('region', { name: /SV-\d{4}-\d+ · / })).toBeVisible();
  await page.keyboard.press('Home');
  expect(await focused()).toBe('1');
  // Alt+Q goes back to the selected incident, far down the list.
  await page.keyboard.press('Alt+q');
  expect(await focused()).toBe(String(total - 1));
});

test("a unit's status change reaches the unit board as a refresh of that unit alone", async ({ browser }) => {
  const page = await signedIn(browser, 'dispatcher');
  await page.getByRole('link', { name: 'Despacho', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'En vivo' })).toBeVisible();
  // A unit of Cabañas, so that the board shows one department's list.
  const { items } = (await (await page.request.get('/api/units?department=SV.CA&status=available&limit=1')).json()) as { items: { id: string; callSign: string }[] };
  const unit = items[0]!;
  await page.getByLabel('Departamento', { exact: true }).selectOption({ label: 'Cabañas' });
  const board = page.getByRole('region', { name: 'Estado de unidades por departamento' });
  await expect(board.getByRole('listitem', { name: `${unit.callSign}: Disponible` })).toBeVisible();
  const lists: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/units?')) lists.push(new URL(r.url()).search);
  });

  const origin = new URL(page.url()).origin;
  const setStatus = async (status: string) => expect((await page.request.post(`/api/units/${unit.id}/status`, { headers: { Origin: origin }, data: { status } })).status()).toBe(200);
  // The unit keeps reporting its position, and the refresh's answer is held back 600 ms: positions written
  // into the list meanwhile (newer than the answer) must neither discard the answer nor undo the status.
  await page.route('**/api/units?ids=*', async (route) => {
    const response = await route.fetch();
    await new Promise((r) => setTimeout(r, 600));
    await route.fulfill({ response });
  });
  let reporting = true;
  const report = (async () => {
    for (let k = 0; reporting; k++) {
      const fix = { lat: 13.86 + k * 0.0001, lon: -88.75, accuracyM: 8, recordedAt: new Date().toISOString() };
      await page.request.post(`/api/units/${unit.id}/positions`, { headers: { Origin: origin }, data: { positions: [fix] } });
      await page.waitForTimeout(40);
    }
  })();
  await page.waitForTimeout(300);
  await setStatus('out_of_service');
  await expect(board.getByRole('listitem', { name: `${unit.callSign}: Fuera de servicio` })).toBeVisible();
  await page.waitForTimeout(900);
  reporting = false;
  await report;
  await expect(board.getByRole('listitem', { name: `${unit.callSign}: Fuera de servicio` })).toBeVisible();
  expect(lists.some((q) => q.includes('ids='))).toBe(true);
  expect(lists.filter((q) => !q.includes('ids='))).toEqual([]);
  await setStatus('available');
  await expect(board.getByRole('listitem', { name: `${unit.callSign}: Disponible` })).toBeVisible();
});
