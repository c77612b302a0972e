import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';

/**
 * Parses application/x-www-form-urlencoded bodies (Open311 clients, SMS and AML gateways) into a flat
 * record of strings. Register it inside the plugin that needs it: the JSON API keeps refusing forms.
 */
export function acceptFormBodies(app: FastifyInstance) {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    const out: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(body as string)) {
      // A repeated field is ambiguous: which value would be stored? Refuse rather than guess.
      if (Object.hasOwn(out, k)) return done(new AppError('validation_failed', 400, {}, { errors: [{ path: `body.${k}`, code: 'duplicate', message: 'field given twice' }] }), undefined);
      out[k] = v;
    }
    done(null, out);
  });
}
