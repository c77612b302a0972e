import { expect, test } from '@playwright/test';
import { E2E_AML_TOKEN } from './aml-token.js';

const PASSWORD = 'Centinela-Demo-2026';

test("a device location from AML appears in the incident panel and the dispatcher adopts it; the stated location stays on record", async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Usuario').fill('dispatcher');
  await page.getByLabel('Contraseña').fill(PASSWORD);
  await page.getByRole('button', { name: 'Iniciar sesión' }).click();
  await page.getByRole('link', { name: 'Despacho', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'En vivo' })).toBeVisible();

  const created = await page.request.post('/api/incidents', {
    data: { typeCode: 'ROB', caller: { number: '+503 7444 1212' }, description: 'Asalto a mano armada en la parada', location: { addressText: 'Parada frente a Metrocentro', department: 'SV.SS', source: 'caller_stated' } },
  });
  expect(created.status()).toBe(201);
  const { number } = (await created.json()) as { number: string };

  const top = new Date(Date.now() - 5000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const body = `A"ML=1;lt=+13.70510;lg=-089.21370;rd=12;top=${top};lc=68;pm=G;si=706011234567890;ei=356938035643809;mcc=706;mnc=01;ml=`;
  const sms = await page.request.post('/aml/v1/sms', { headers: { 'x-aml-token': E2E_AML_TOKEN }, form: { from: '+50374441212', text: body + String(body.length + 3) } });
  expect(sms.status()).toBe(200);
  expect((await sms.json()).incidentNumber).toBe(number);

  await page.getByRole('button', { name: new RegExp(number) }).click();
  const panel = page.getByRole('region', { name: new RegExp(number) });
  const device = panel.getByRole('region', { name: 'Ubicación del dispositivo (AML)' });
  await expect(device).toBeVisible();
  await expect(device.getByText('±12 m · GNSS')).toBeVisible();
  await device.getByRole('button', { name: 'Adoptar ubicación del dispositivo' }).click();
  await expect(device.getByText('Adoptada')).toBeVisible();
  const current = panel.getByRole('listitem').filter({ hasText: 'Actual' });
  await expect(current).toContainText('dispositivo (AML)');
  await expect(panel.getByText('Parada frente a Metrocentro')).toBeVisible();
  await device.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'docs/screenshots/console-aml-adopt.png' });
});
