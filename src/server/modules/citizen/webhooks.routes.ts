import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../platform/errors.js';
import { auditContextOf, type App } from '../../platform/http/app.js';
import { problemResponses } from '../../platform/http/schemas.js';
import type { ConversationsService, InboundMessage } from './conversations.service.js';
import { safeEqual, twilioSignature, whatsappSignature } from './signatures.js';

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: Buffer;
  }
}

export type WebhookSecrets = {
  whatsappVerifyToken?: string;
  whatsappAppSecret?: string;
  telegramSecret?: string;
  smsAuthToken?: string;
  smsWebhookUrl?: string;
};

const tags = ['citizen webhooks'];
// Provider payloads grow new fields over time: these schemas read what is needed and ignore the rest.
const waMessage = z.object({
  from: z.string().min(1).max(40),
  id: z.string().min(1).max(200),
  type: z.string(),
  text: z.object({ body: z.string().max(4096) }).optional(),
  location: z.object({ latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180), name: z.string().optional(), address: z.string().optional() }).optional(),
  image: z.object({ id: z.string(), caption: z.string().max(1024).optional() }).optional(),
});
const whatsappBody = z.object({
  object: z.literal('whatsapp_business_account'),
  entry: z.array(
    z.object({
      id: z.string(),
      changes: z.array(
        z.object({
          field: z.string(),
          value: z.object({
            contacts: z.array(z.object({ wa_id: z.string(), profile: z.object({ name: z.string().max(200) }).optional() })).optional(),
            messages: z.array(waMessage).optional(),
          }),
        }),
      ),
    }),
  ),
});
const telegramBody = z.object({
  update_id: z.number().int(),
  message: z
    .object({
      message_id: z.number().int(),
      date: z.number().int(),
      chat: z.object({ id: z.number().int(), type: z.string() }),
      from: z.object({ id: z.number().int(), first_name: z.string().max(200).optional(), last_name: z.string().max(200).optional() }).optional(),
      text: z.string().max(4096).optional(),
      caption: z.string().max(1024).optional(),
      location: z.object({ latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180) }).optional(),
      photo: z.array(z.unknown()).optional(),
    })
    .optional(),
});
const smsBody = z.object({ MessageSid: z.string().min(1).max(64), From: z.string().min(1).max(40), To: z.string().max(40).optional(), Body: z.string().max(1600).default('') });
const summary = z.object({ applied: z.number().int(), duplicates: z.number().int() });

/** What a message says in words, for media we cannot fetch without the provider's API. */
const mediaNote = (kind: string) => `[${kind} recibida por el canal; consultar en el proveedor]`;

export function webhooksRoutes(app: App, deps: { conversations: ConversationsService; secrets: WebhookSecrets; perMinute: number }) {
  const { conversations, secrets } = deps;
  const limit = { max: deps.perMinute, timeWindow: '1 minute' };

  const refuse = (req: FastifyRequest, channel: string): never => {
    req.log.warn({ channel, ip: req.ip }, 'webhook signature refused');
    throw new AppError('webhook_signature_invalid', 401);
  };

  const applyAll = async (req: FastifyRequest, messages: InboundMessage[]) => {
    let applied = 0;
    for (const m of messages) if ((await conversations.receive(auditContextOf(req), m)) === 'applied') applied++;
    return { applied, duplicates: messages.length - applied };
  };

  // HMAC signatures are over the exact bytes received: this scope keeps them beside the parsed body.
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body: Buffer, done) => {
      req.rawBody = body;
      try {
        done(null, JSON.parse(body.toString('utf8')));
      } catch {
        done(new AppError('malformed_body', 400), undefined);
      }
    });
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (req, body: Buffer, done) => {
      req.rawBody = body;
      done(null, Object.fromEntries(new URLSearchParams(body.toString('utf8'))));
    });
    const s = scope as unknown as App;

    s.get(
      '/citizen/webhooks/whatsapp',
      {
        config: { access: { public: true }, rateLimit: limit },
        schema: {
          operationId: 'verifyWhatsappWebhook',
          tags,
          summary: 'WhatsApp Cloud API subscription handshake: echoes hub.challenge when hub.verify_token matches',
          querystring: z.object({ 'hub.mode': z.string().max(40), 'hub.verify_token': z.string().max(500), 'hub.challenge': z.string().max(500) }),
        },
      },
      async (req, reply) => {
        if (!secrets.whatsappVerifyToken) throw new AppError('channel_not_configured', 404);
        const q = req.query;
        if (q['hub.mode'] !== 'subscribe' || !safeEqual(q['hub.verify_token'], secrets.whatsappVerifyToken)) {
          req.log.warn({ channel: 'whatsapp', ip: req.ip }, 'webhook verify token refused');
          throw new AppError('forbidden', 403);
        }
        return reply.type('text/plain').send(q['hub.challenge']);
      },
    );

    s.post(
      '/citizen/webhooks/whatsapp',
      {
        config: { access: { public: true }, rateLimit: limit },
        preValidation: async (req: FastifyRequest) => {
          if (!secrets.whatsappAppSecret) throw new AppError('channel_not_configured', 404);
          const given = req.headers['x-hub-signature-256'];
          if (typeof given !== 'string' || !req.rawBody || !safeEqual(given, whatsappSignature(secrets.whatsappAppSecret, req.rawBody))) refuse(req, 'whatsapp');
        },
        schema: { operationId: 'receiveWhatsappWebhook', tags, summary: 'WhatsApp Cloud API messages (X-Hub-Signature-256 checked over the raw body)', body: whatsappBody, response: { 200: summary, ...problemResponses(400, 401, 404) } },
      },
      async (req) => {
        const messages: InboundMessage[] = [];
        for (const entry of req.body.entry) {
          for (const change of entry.changes) {
            if (change.field !== 'messages') continue;
            const names = new Map((change.value.contacts ?? []).map((c) => [c.wa_id, c.profile?.name ?? null]));
            for (const m of change.value.messages ?? []) {
              const text = m.text?.body ?? m.image?.caption ?? (m.image ? mediaNote('foto') : m.location ? [m.location.name, m.location.address].filter(Boolean).join(', ') : `[mensaje de tipo ${m.type}]`);
              messages.push({ channel: 'whatsapp', address: m.from, providerMessageId: m.id, text, name: names.get(m.from) ?? null, phone: `+${m.from}`, lat: m.location?.latitude ?? null, lon: m.location?.longitude ?? null });
            }
          }
        }
        return applyAll(req, messages);
      },
    );

    s.post(
      '/citizen/webhooks/telegram',
      {
        config: { access: { public: true }, rateLimit: limit },
        preValidation: async (req: FastifyRequest) => {
          if (!secrets.telegramSecret) throw new AppError('channel_not_configured', 404);
          const given = req.headers['x-telegram-bot-api-secret-token'];
          if (typeof given !== 'string' || !safeEqual(given, secrets.telegramSecret)) refuse(req, 'telegram');
        },
        schema: { operationId: 'receiveTelegramWebhook', tags, summary: 'Telegram Bot API updates (X-Telegram-Bot-Api-Secret-Token checked)', body: telegramBody, response: { 200: summary, ...problemResponses(400, 401, 404) } },
      },
      async (req) => {
        const m = req.body.message;
        if (!m) return { applied: 0, duplicates: 0 };
        const name = [m.from?.first_name, m.from?.last_name].filter(Boolean).join(' ') || null;
        const text = m.text ?? m.caption ?? (m.photo ? mediaNote('foto') : m.location ? '' : '[mensaje sin texto]');
        return applyAll(req, [{ channel: 'telegram', address: String(m.chat.id), providerMessageId: String(req.body.update_id), text, name, phone: null, lat: m.location?.latitude ?? null, lon: m.location?.longitude ?? null }]);
      },
    );

    s.post(
      '/citizen/webhooks/sms',
      {
        config: { access: { public: true }, rateLimit: limit },
        preValidation: async (req: FastifyRequest) => {
          if (!secrets.smsAuthToken) throw new AppError('channel_not_configured', 404);
          const given = req.headers['x-twilio-signature'];
          const url = secrets.smsWebhookUrl ?? `${req.protocol}://${req.host}${req.url}`;
          const params = (req.body ?? {}) as Record<string, string>;
          if (typeof given !== 'string' || !safeEqual(given, twilioSignature(secrets.smsAuthToken, url, params))) refuse(req, 'sms');
        },
        schema: { operationId: 'receiveSmsWebhook', tags, summary: 'SMS gateway form POST, Twilio style (X-Twilio-Signature over URL and sorted parameters); answers empty TwiML', body: smsBody, response: { 200: z.string().describe('empty TwiML'), ...problemResponses(400, 401, 404) } },
      },
      async (req, reply) => {
        const b = req.body;
        await applyAll(req, [{ channel: 'sms', address: b.From, providerMessageId: b.MessageSid, text: b.Body, phone: b.From }]);
        return reply.type('text/xml').send('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
      },
    );
  });
}
