import { z } from 'zod';

/** The RFC 9457 problem body every error shares; `code` is stable, `detail` is localised. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string(),
    detail: z.string(),
    instance: z.string().optional(),
    requestId: z.string(),
    errors: z.array(z.object({ path: z.string(), code: z.string(), message: z.string() })).optional(),
  })
  .loose();

export function problemResponses<S extends number>(...statuses: S[]): Record<S, typeof problemSchema> {
  return Object.fromEntries(statuses.map((s) => [s, problemSchema])) as Record<S, typeof problemSchema>;
}

export const uuidParam = z.object({ id: z.uuid() });

/** `?ids=a,b,c`: the few rows a live event named, refreshed without the whole list (at most 100). */
export const idsQuery = z
  .string()
  .transform((v) => v.split(','))
  .pipe(z.array(z.uuid()).min(1).max(100));

/** The reason a discretionary action carries: a catalogue code plus an explanation. */
export const reasonBodySchema = z.strictObject({ code: z.string().min(1).max(60), text: z.string().max(2000) });

export const latSchema = z.number().min(-90).max(90);
export const lonSchema = z.number().min(-180).max(180);
