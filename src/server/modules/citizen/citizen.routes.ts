import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { auditContextOf, type App } from '../../platform/http/app.js';
import { latSchema, lonSchema, problemResponses } from '../../platform/http/schemas.js';
import type { CitizenSettings, ReportsService } from './reports.service.js';
import { trackingSchema } from './tracking.presenter.js';

const tags = ['citizen'];
export const DEVICE_COOKIE = 'centinela_device';
const DEVICE_ID = /^[A-Za-z0-9_-]{22}$/;

const contactSchema = z.strictObject({
  name: z.string().trim().max(120).nullish(),
  phone: z
    .string()
    .trim()
    .regex(/^\+?[0-9 ()-]{7,20}$/, 'a phone number')
    .nullish(),
  email: z.email().max(200).nullish(),
});
const locationSchema = z
  .strictObject({
    lat: latSchema.nullish(),
    lon: lonSchema.nullish(),
    accuracyM: z.number().min(0).max(100_000).nullish(),
    addressText: z.string().trim().max(300).nullish(),
    from: z.enum(['map', 'device', 'text']).describe('a pin on the map, the device location (with consent), or words only'),
  })
  .refine((l) => (l.lat == null) === (l.lon == null), { message: 'lat and lon go together', path: ['lat'] })
  .refine((l) => l.lat != null || !!l.addressText, { message: 'a map pin, the device location or an address', path: ['addressText'] });
const codeParam = z.object({ code: z.string().min(5).max(20) });

export function citizenRoutes(app: App, deps: { reports: ReportsService; settings: CitizenSettings & { photosMax: number; publicPerMinute: number } }) {
  const { reports, settings } = deps;
  const limit = { max: settings.publicPerMinute, timeWindow: '1 minute' };
  // Base64 makes photos a third larger; the service gives the clear "photo too large" message.
  const photoSchema = z.string().max(Math.ceil(settings.photoMaxBytes * 1.4) + 16).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');
  const photosLimit = Math.ceil(settings.photosMax * settings.photoMaxBytes * 1.4) + 64 * 1024;

  /** A long-lived random id in an HttpOnly cookie: the "device" that per-device limits count. */
  const deviceOf = (req: FastifyRequest, reply?: FastifyReply): string | null => {
    const given = req.cookies[DEVICE_COOKIE];
    if (given && DEVICE_ID.test(given)) return given;
    if (!reply) return null;
    const id = crypto.randomBytes(16).toString('base64url');
    reply.setCookie(DEVICE_COOKIE, id, { httpOnly: true, sameSite: 'strict', secure: req.protocol === 'https', path: '/api/citizen', maxAge: 365 * 86_400 });
    return id;
  };

  app.get(
    '/citizen/report-types',
    {
      config: { access: { public: true }, rateLimit: limit },
      schema: { operationId: 'listCitizenReportTypes', tags, summary: 'What a citizen may report on the web (non-sensitive types drawn from the 911 catalogue)', response: { 200: z.object({ items: z.array(z.object({ code: z.string(), label: z.object({ es: z.string(), en: z.string() }) })) }) } },
    },
    async () => ({ items: await reports.types() }),
  );

  app.post(
    '/citizen/challenges',
    {
      config: { access: { public: true }, rateLimit: limit },
      schema: {
        operationId: 'issueCitizenChallenge',
        tags,
        summary: 'A single-use proof-of-work challenge: find a decimal `solution` so that SHA-256("nonce:solution") starts with `bits` zero bits',
        response: { 201: z.object({ id: z.uuid(), nonce: z.string(), bits: z.number().int(), expiresAt: z.string() }), ...problemResponses(429) },
      },
    },
    async (req, reply) => reply.status(201).send(await reports.issueChallenge(deviceOf(req, reply)!)),
  );

  app.post(
    '/citizen/reports',
    {
      bodyLimit: photosLimit,
      config: { access: { public: true }, rateLimit: limit },
      schema: {
        operationId: 'submitCitizenReport',
        tags,
        summary: 'A report without an account; it becomes an incident in the triage queue. Answers only after it is stored.',
        body: z
          .strictObject({
            type: z.string().min(1).max(40),
            description: z.string().trim().min(10).max(2000),
            location: locationSchema,
            photos: z.array(photoSchema).max(settings.photosMax).default([]),
            anonymous: z.boolean(),
            contact: contactSchema.nullish(),
            challenge: z.strictObject({ id: z.uuid(), solution: z.string().regex(/^\d{1,15}$/) }),
          })
          .refine((b) => !b.anonymous || !b.contact || (!b.contact.name && !b.contact.phone && !b.contact.email), { message: 'an anonymous report carries no contact', path: ['contact'] }),
        response: { 201: z.object({ code: z.string(), trackingUrl: z.string() }), ...problemResponses(400, 413, 422, 429) },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const location = {
        lat: b.location.lat ?? null,
        lon: b.location.lon ?? null,
        accuracyM: b.location.accuracyM ?? null,
        addressText: b.location.addressText ?? null,
        source: b.location.lat == null ? ('caller_stated' as const) : b.location.from === 'device' ? ('device' as const) : ('map_click' as const),
      };
      const out = await reports.submit(auditContextOf(req), { ip: req.ip, deviceId: deviceOf(req) }, { ...b, location });
      return reply.status(201).send(out);
    },
  );

  app.get(
    '/citizen/tracking/:code',
    {
      config: { access: { public: true }, rateLimit: limit },
      schema: { operationId: 'trackCitizenReport', tags, summary: 'A case by its tracking code, in citizen-safe terms', params: codeParam, response: { 200: trackingSchema, ...problemResponses(404, 429) } },
    },
    async (req) => reports.track(req.params.code),
  );

  app.post(
    '/citizen/tracking/:code/messages',
    {
      bodyLimit: photosLimit,
      config: { access: { public: true }, rateLimit: limit },
      schema: {
        operationId: 'addCitizenInformation',
        tags,
        summary: 'More information or photos from the reporter while the case is open',
        params: codeParam,
        body: z.strictObject({ text: z.string().trim().min(1).max(2000), photos: z.array(photoSchema).max(settings.photosMax).default([]) }),
        response: { 201: trackingSchema, ...problemResponses(400, 404, 409, 413, 422, 429) },
      },
    },
    async (req, reply) => reply.status(201).send(await reports.addInfo(auditContextOf(req), req.params.code, req.body)),
  );

  app.post(
    '/citizen/tracking/:code/rating',
    {
      config: { access: { public: true }, rateLimit: limit },
      schema: {
        operationId: 'rateCitizenCase',
        tags,
        summary: 'Satisfaction with a closed case (1–5 and a comment), once',
        params: codeParam,
        body: z.strictObject({ score: z.number().int().min(1).max(5), comment: z.string().trim().max(1000).nullish() }),
        response: { 201: trackingSchema, ...problemResponses(400, 404, 409, 429) },
      },
    },
    async (req, reply) => reply.status(201).send(await reports.rate(auditContextOf(req), req.params.code, req.body)),
  );
}
