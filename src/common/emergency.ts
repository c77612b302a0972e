/** Incident and unit states, their legal transitions, and the priority rules: shared by server and web. */

export const INCIDENT_STATUSES = ['received', 'dispatched', 'en_route', 'on_scene', 'resolved', 'closed', 'cancelled', 'merged'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export const ACTIVE_STATUSES: readonly IncidentStatus[] = ['received', 'dispatched', 'en_route', 'on_scene', 'resolved'];

/** Incidents that still take units (by assignment or merge): a resolved one waits for its closure, not for more work. */
export const TAKES_UNITS_STATUSES: readonly IncidentStatus[] = ['received', 'dispatched', 'en_route', 'on_scene'];

/** The lifecycle as data: anything not listed here is an illegal transition (409). */
export const INCIDENT_TRANSITIONS: Record<IncidentStatus, readonly IncidentStatus[]> = {
  received: ['dispatched', 'resolved', 'cancelled', 'merged'],
  dispatched: ['en_route', 'on_scene', 'resolved', 'cancelled', 'merged'],
  en_route: ['on_scene', 'resolved', 'cancelled'],
  // Once a unit is on scene the incident is worked: not cancelled nor folded into another.
  on_scene: ['resolved'],
  // A unit back on scene after the incident was resolved reopens the work.
  resolved: ['closed', 'on_scene'],
  closed: ['received'],
  cancelled: [],
  merged: ['received'],
};

export const canTransition = (from: IncidentStatus, to: IncidentStatus) => INCIDENT_TRANSITIONS[from].includes(to);

/** A further call's timeline entry: kind `call`, or `duplicate` with a callId as it was written before it had its own kind. */
export const isFurtherCallEntry = (t: { kind: string; data: Record<string, unknown> }) => t.kind === 'call' || (t.kind === 'duplicate' && typeof t.data.callId === 'string');

export const UNIT_STATUSES = ['available', 'dispatched', 'en_route', 'on_scene', 'busy', 'out_of_service', 'off_duty'] as const;
export type UnitStatus = (typeof UNIT_STATUSES)[number];

/** Unit statuses a unit may report while committed to an incident, in the order they normally come. */
export const COMMITTED_UNIT_STATUSES: readonly UnitStatus[] = ['dispatched', 'en_route', 'on_scene'];

export const UNIT_TYPES = ['patrol_car', 'motorcycle', 'ambulance', 'fire', 'specialised'] as const;
export type UnitType = (typeof UNIT_TYPES)[number];

/** Channels an incident can come in by. */
export const INCIDENT_SOURCES = ['call', 'web', 'whatsapp', 'telegram', 'sms', 'open311', 'field', 'camera'] as const;

export const LOCATION_SOURCES = ['caller_stated', 'map_click', 'device', 'department', 'aml'] as const;

export type PriorityRule = { questionKey: string; operator: 'eq' | 'gte' | 'lte' | 'in'; value: unknown; priority: number };
export type Answers = Record<string, string | number | boolean>;

function matches(rule: PriorityRule, answer: string | number | boolean | undefined): boolean {
  if (answer === undefined) return false;
  switch (rule.operator) {
    case 'eq':
      return answer === rule.value;
    case 'gte':
      return typeof answer === 'number' && typeof rule.value === 'number' && answer >= rule.value;
    case 'lte':
      return typeof answer === 'number' && typeof rule.value === 'number' && answer <= rule.value;
    case 'in':
      return Array.isArray(rule.value) && rule.value.includes(answer);
  }
}

/** Answers can only raise the priority (1 is highest); returns it with the rules that fired. */
export function priorityFromAnswers(defaultPriority: number, rules: readonly PriorityRule[], answers: Answers) {
  let priority = defaultPriority;
  const fired: PriorityRule[] = [];
  for (const rule of rules) {
    if (matches(rule, answers[rule.questionKey])) {
      fired.push(rule);
      priority = Math.min(priority, rule.priority);
    }
  }
  return { priority, fired };
}
