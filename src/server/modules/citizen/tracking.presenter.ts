import { z } from 'zod';

/** Timeline kinds that tell the citizen something; everything else (notes, units, answers, names) stays inside. */
export const TRACKED_KINDS = ['created', 'status', 'closure', 'reopen', 'duplicate', 'merge'];

export const CITIZEN_STEPS = ['received', 'dispatched', 'en_route', 'on_scene', 'resolved', 'closed', 'cancelled', 'merged', 'reopened'] as const;
export type CitizenStep = (typeof CITIZEN_STEPS)[number];

export const trackingSchema = z.object({
  code: z.string(),
  channel: z.enum(['web', 'whatsapp', 'telegram', 'sms']),
  anonymous: z.boolean(),
  status: z.enum(CITIZEN_STEPS),
  reportedAt: z.string(),
  steps: z.array(z.object({ at: z.string(), step: z.enum(CITIZEN_STEPS) })),
  messages: z.array(z.object({ at: z.string(), from: z.enum(['you', 'centre']), text: z.string(), photos: z.number().int() })),
  canAddInfo: z.boolean(),
  canRate: z.boolean(),
  rating: z.object({ score: z.number().int(), comment: z.string().nullable() }).nullable(),
});
export type Tracking = z.infer<typeof trackingSchema>;

type TimelineRow = { at: Date; kind: string; data: unknown };

/** One timeline row as a citizen-facing step, or nothing; only the step and its time ever leave. */
function stepOf(row: TimelineRow): CitizenStep | null {
  const data = (row.data ?? {}) as Record<string, unknown>;
  switch (row.kind) {
    case 'created':
      return 'received';
    case 'status':
      return CITIZEN_STEPS.includes(data.to as CitizenStep) ? (data.to as CitizenStep) : null;
    case 'closure':
      return 'closed';
    case 'reopen':
      return 'reopened';
    case 'duplicate':
    case 'merge':
      // Only this case folded into another; another folded into this one is someone else's report.
      return typeof data.into === 'string' ? 'merged' : null;
    default:
      return null;
  }
}

export function presentTracking(x: {
  code: string;
  report: { channel: Tracking['channel']; anonymous: boolean; created_at: Date };
  status: string;
  timeline: TimelineRow[];
  messages: { id: string; direction: 'in' | 'out'; body: string; created_at: Date }[];
  attachments: { message_id: string | null }[];
  rating: { score: number; comment: string | null } | null;
}): Tracking {
  const closed = x.status === 'closed' || x.status === 'cancelled';
  const steps = x.timeline.flatMap((r) => {
    const step = stepOf(r);
    return step ? [{ at: r.at.toISOString(), step }] : [];
  });
  return {
    code: x.code,
    channel: x.report.channel,
    anonymous: x.report.anonymous,
    status: CITIZEN_STEPS.includes(x.status as CitizenStep) ? (x.status as CitizenStep) : 'received',
    reportedAt: x.report.created_at.toISOString(),
    steps,
    messages: x.messages.map((m) => ({
      at: m.created_at.toISOString(),
      from: m.direction === 'in' ? ('you' as const) : ('centre' as const),
      text: m.body,
      photos: x.attachments.filter((a) => a.message_id === m.id).length,
    })),
    canAddInfo: !closed,
    canRate: closed && x.rating === null,
    rating: x.rating,
  };
}
