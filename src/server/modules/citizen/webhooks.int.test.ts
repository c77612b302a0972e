import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/test-server.js';
import { citizenDb } from './citizen.tables.js';
import { twilioSignature, whatsappSignature } from './signatures.js';

const WA_SECRET = 'whatsapp-app-secret-for-tests';
const WA_VERIFY = 'verify-token-for-tests';
const TG_SECRET = 'telegram_secret-for-tests';
const SMS_TOKEN = 'sms-auth-token-for-tests';
const SMS_URL = 'https://911.example.sv/api/citizen/webhooks/sms';

let s: TestServer;
let callTaker: string;
let admin: string;

beforeAll(async () => {
  s = await createTestServer({ WHATSAPP_APP_SECRET: WA_SECRET, WHATSAPP_VERIFY_TOKEN: WA_VERIFY, TELEGRAM_WEBHOOK_SECRET: TG_SECRET, SMS_AUTH_TOKEN: SMS_TOKEN, SMS_WEBHOOK_URL: SMS_URL });
  [callTaker, admin] = [await s.loginAs('call_taker'), await s.loginAs('administrator')];
});
afterAll(() => s.close());

const db = () => citizenDb(s.database.db);
const messagesWith = (providerId: string) => db().selectFrom('citizen_messages').selectAll().where('provider_message_id', '=', providerId).execute();
const reportsOf = (channel: string, address: string) => db().selectFrom('citizen_reports').selectAll().where('channel', '=', channel as 'sms').where('address', '=', address).execute();

/** A WhatsApp Cloud API "messages" notification, as Meta's documentation shows it. */
function whatsappPayload(from: string, id: string, message: Record<string, unknown>) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
              contacts: [{ profile: { name: 'Carlos Martínez' }, wa_id: from }],
              messages: [{ from, id, timestamp: String(Math.floor(Date.now() / 1000)), ...message }],
            },
          },
        ],
      },
    ],
  };
}

const postWhatsapp = (raw: string, signature?: string) =>
  s.centinela.app.inject({ method: 'POST', url: '/api/citizen/webhooks/whatsapp', headers: { 'content-type': 'application/json', ...(signature ? { 'x-hub-signature-256': signature } : {}) }, payload: raw });

describe('WhatsApp Business Cloud API webhook', () => {
  it('answers the verify-token handshake with the challenge, and refuses a wrong token', async () => {
    const ok = await s.centinela.app.inject({ method: 'GET', url: `/api/citizen/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${WA_VERIFY}&hub.challenge=1158201444` });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toBe('1158201444');
    const bad = await s.centinela.app.inject({ method: 'GET', url: '/api/citizen/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=wrong-token&hub.challenge=1158201444' });
    expect(bad.statusCode).toBe(403);
  });

  it('refuses a body whose X-Hub-Signature-256 does not match, with 401, and stores nothing', async () => {
    const raw = JSON.stringify(whatsappPayload('50370001111', 'wamid.BAD1', { type: 'text', text: { body: 'Hay una pelea en la esquina' } }));
    const unsigned = await postWhatsapp(raw);
    const forged = await postWhatsapp(raw, whatsappSignature('not-the-secret', Buffer.from(raw)));
    // Re-serialising the JSON changes the bytes: the signature covers the raw body, not the parsed object.
    const reformatted = await postWhatsapp(JSON.stringify(JSON.parse(raw), null, 2), whatsappSignature(WA_SECRET, Buffer.from(raw)));
    for (const r of [unsigned, forged, reformatted]) {
      expect(r.statusCode).toBe(401);
      expect(r.json().code).toBe('webhook_signature_invalid');
    }
    expect(await messagesWith('wamid.BAD1')).toEqual([]);
  });

  it('turns a signed message into a WhatsApp incident, applies a redelivery once, and joins the next message to it', async () => {
    const raw = JSON.stringify(whatsappPayload('50370002222', 'wamid.HBgLNTAzNzAwMDIyMjIVAgASGBQ', { type: 'text', text: { body: 'Están asaltando una tienda en la colonia Escalón' } }));
    const sig = whatsappSignature(WA_SECRET, Buffer.from(raw));
    const first = await postWhatsapp(raw, sig);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toEqual({ applied: 1, duplicates: 0 });
    const again = await postWhatsapp(raw, sig);
    expect(again.json()).toEqual({ applied: 0, duplicates: 1 });
    expect(await messagesWith('wamid.HBgLNTAzNzAwMDIyMjIVAgASGBQ')).toHaveLength(1);
    const [report] = await reportsOf('whatsapp', '50370002222');
    const incident = await s.database.db.selectFrom('incidents').selectAll().where('id', '=', report!.incident_id).executeTakeFirstOrThrow();
    expect(incident).toMatchObject({ source: 'whatsapp', status: 'received', caller_number: '+50370002222', caller_name: 'Carlos Martínez' });

    const pin = JSON.stringify(whatsappPayload('50370002222', 'wamid.SECOND', { type: 'location', location: { latitude: 13.7034, longitude: -89.2364, name: 'Tienda La Esquina' } }));
    expect((await postWhatsapp(pin, whatsappSignature(WA_SECRET, Buffer.from(pin)))).json()).toEqual({ applied: 1, duplicates: 0 });
    expect(await reportsOf('whatsapp', '50370002222')).toHaveLength(1);
    const conv = (await s.request({ method: 'GET', url: `/api/incidents/${incident.id}`, cookie: callTaker })).json();
    expect(conv.timeline.filter((t: { kind: string }) => t.kind === 'message')).toHaveLength(1);
    // The shared place is one more location for the call-taker to adopt, never silently the current one.
    expect(conv.locations).toHaveLength(2);
    expect(conv.locations[1]).toMatchObject({ lat: 13.7034, lon: -89.2364, source: 'device', current: false });
    expect(conv.locations[0].current).toBe(true);

    // The receipt with the tracking code went back on WhatsApp, held in the outbox without a provider.
    const out = await db().selectFrom('citizen_outbox').selectAll().where('report_id', '=', report!.id).execute();
    expect(out).toMatchObject([{ kind: 'receipt', channel: 'whatsapp', recipient: '50370002222', status: 'held' }]);
  });

  it('lets a call-taker reply from the console through the same channel, to the outbox', async () => {
    const raw = JSON.stringify(whatsappPayload('50370003333', 'wamid.REPLYME', { type: 'text', text: { body: 'Un carro abandonado frente a mi casa' } }));
    await postWhatsapp(raw, whatsappSignature(WA_SECRET, Buffer.from(raw)));
    const [report] = await reportsOf('whatsapp', '50370003333');
    const conv = await s.request({ method: 'GET', url: `/api/citizen/incidents/${report!.incident_id}/conversation`, cookie: callTaker });
    expect(conv.json().items[0]).toMatchObject({ channel: 'whatsapp', deliversTo: 'whatsapp', contact: { phone: '+50370003333', address: '50370003333' } });
    const reply = await s.request({ method: 'POST', url: `/api/citizen/incidents/${report!.incident_id}/replies`, cookie: callTaker, body: { reportId: report!.id, text: '¿Nos puede dar la dirección exacta?' } });
    expect(reply.statusCode, reply.body).toBe(201);
    expect(reply.json().delivery).toBe('held');
    const outbox = (await s.request({ method: 'GET', url: '/api/citizen/outbox?status=held', cookie: admin })).json().items;
    expect(outbox.find((m: { kind: string; recipient: string }) => m.kind === 'reply' && m.recipient === '50370003333')).toMatchObject({ channel: 'whatsapp', body: 'Centinela 911: ¿Nos puede dar la dirección exacta?' });
    const analyst = await s.loginAs('analyst');
    expect((await s.request({ method: 'POST', url: `/api/citizen/incidents/${report!.incident_id}/replies`, cookie: analyst, body: { reportId: report!.id, text: 'hola' } })).statusCode).toBe(403);
  });
});

const postTelegram = (body: unknown, secret?: string) =>
  s.centinela.app.inject({ method: 'POST', url: '/api/citizen/webhooks/telegram', headers: { 'content-type': 'application/json', ...(secret ? { 'x-telegram-bot-api-secret-token': secret } : {}) }, payload: JSON.stringify(body) });

describe('Telegram Bot API webhook', () => {
  const update = (updateId: number, text: string) => ({
    update_id: updateId,
    message: { message_id: 17, date: Math.floor(Date.now() / 1000), chat: { id: 845512, type: 'private', first_name: 'Ana' }, from: { id: 845512, is_bot: false, first_name: 'Ana', language_code: 'es' }, text },
  });

  it('refuses an update without the secret-token header or with a wrong one', async () => {
    expect((await postTelegram(update(900001, 'hola'))).statusCode).toBe(401);
    const wrong = await postTelegram(update(900001, 'hola'), 'wrong_secret_value');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().code).toBe('webhook_signature_invalid');
    expect(await messagesWith('900001')).toEqual([]);
  });

  it('applies an update once however often Telegram delivers it', async () => {
    const u = update(900002, 'Hay ruido excesivo en una fiesta desde las 10 pm');
    expect((await postTelegram(u, TG_SECRET)).json()).toEqual({ applied: 1, duplicates: 0 });
    expect((await postTelegram(u, TG_SECRET)).json()).toEqual({ applied: 0, duplicates: 1 });
    await Promise.all([postTelegram(update(900003, 'sigue el ruido'), TG_SECRET), postTelegram(update(900003, 'sigue el ruido'), TG_SECRET)]);
    expect(await messagesWith('900003')).toHaveLength(1);
    const reports = await reportsOf('telegram', '845512');
    expect(reports).toHaveLength(1);
    const incident = await s.database.db.selectFrom('incidents').select(['source', 'caller_name']).where('id', '=', reports[0]!.incident_id).executeTakeFirstOrThrow();
    expect(incident).toEqual({ source: 'telegram', caller_name: 'Ana' });
  });
});

describe('SMS gateway webhook (Twilio style)', () => {
  const form = (params: Record<string, string>) => new URLSearchParams(params).toString();
  const postSms = (params: Record<string, string>, signature?: string) =>
    s.centinela.app.inject({ method: 'POST', url: '/api/citizen/webhooks/sms', headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature ? { 'x-twilio-signature': signature } : {}) }, payload: form(params) });
  const sms = (sid: string, body: string) => ({ ToCountry: 'SV', SmsMessageSid: sid, NumMedia: '0', MessageSid: sid, AccountSid: 'AC0123456789abcdef0123456789abcdef', From: '+50376665555', To: '+50322220911', Body: body, NumSegments: '1', ApiVersion: '2010-04-01' });

  it('refuses a form whose X-Twilio-Signature does not match the URL and sorted parameters', async () => {
    const p = sms('SM00000000000000000000000000000001', 'Accidente en la carretera al puerto');
    expect((await postSms(p)).statusCode).toBe(401);
    const tampered = await postSms({ ...p, Body: 'otra cosa' }, twilioSignature(SMS_TOKEN, SMS_URL, p));
    expect(tampered.statusCode).toBe(401);
    const wrongUrl = await postSms(p, twilioSignature(SMS_TOKEN, 'https://elsewhere.example/sms', p));
    expect(wrongUrl.statusCode).toBe(401);
    expect(await messagesWith('SM00000000000000000000000000000001')).toEqual([]);
  });

  it('applies a signed SMS once, answering empty TwiML, and a redelivery changes nothing', async () => {
    const p = sms('SM00000000000000000000000000000002', 'Accidente en la carretera al puerto, hay heridos');
    const first = await postSms(p, twilioSignature(SMS_TOKEN, SMS_URL, p));
    expect(first.statusCode, first.body).toBe(200);
    expect(first.headers['content-type']).toMatch(/^text\/xml/);
    expect(first.body).toContain('<Response></Response>');
    expect((await postSms(p, twilioSignature(SMS_TOKEN, SMS_URL, p))).statusCode).toBe(200);
    expect(await messagesWith('SM00000000000000000000000000000002')).toHaveLength(1);
    const [report] = await reportsOf('sms', '+50376665555');
    const incident = await s.database.db.selectFrom('incidents').select(['source', 'caller_number']).where('id', '=', report!.incident_id).executeTakeFirstOrThrow();
    expect(incident).toEqual({ source: 'sms', caller_number: '+50376665555' });
  });
});

describe('unconfigured channels', () => {
  it('answers 404 on a channel whose secret is not configured', async () => {
    const bare = await createTestServer();
    try {
      const res = await bare.centinela.app.inject({ method: 'POST', url: '/api/citizen/webhooks/telegram', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'anything-at-all' }, payload: '{"update_id":1}' });
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('channel_not_configured');
    } finally {
      await bare.close();
    }
  });
});
