import { describe, expect, it } from 'vitest';
import { canTransition, INCIDENT_STATUSES, priorityFromAnswers, type PriorityRule } from './emergency.js';

const rules: PriorityRule[] = [
  { questionKey: 'weapons', operator: 'eq', value: true, priority: 1 },
  { questionKey: 'people', operator: 'gte', value: 6, priority: 2 },
  { questionKey: 'deadline', operator: 'lte', value: 2, priority: 1 },
  { questionKey: 'kind', operator: 'in', value: ['in_person', 'collection'], priority: 1 },
];

describe('priorityFromAnswers', () => {
  it('keeps the default priority when no rule fires', () => {
    expect(priorityFromAnswers(3, rules, { weapons: false, people: 2 })).toEqual({ priority: 3, fired: [] });
  });
  it('raises the priority when weapons are present and says which rule fired', () => {
    const r = priorityFromAnswers(3, rules, { weapons: true });
    expect(r.priority).toBe(1);
    expect(r.fired.map((f) => f.questionKey)).toEqual(['weapons']);
  });
  it('applies numeric thresholds and choice lists', () => {
    expect(priorityFromAnswers(3, rules, { people: 6 }).priority).toBe(2);
    expect(priorityFromAnswers(3, rules, { deadline: 3 }).priority).toBe(3);
    expect(priorityFromAnswers(3, rules, { kind: 'collection' }).priority).toBe(1);
    expect(priorityFromAnswers(3, rules, { kind: 'phone' }).priority).toBe(3);
  });
  it('never lowers a priority that is already higher than the rule', () => {
    expect(priorityFromAnswers(1, rules, { people: 10 }).priority).toBe(1);
  });
});

describe('incident lifecycle', () => {
  it('allows the normal path from received to closed', () => {
    const path = ['received', 'dispatched', 'en_route', 'on_scene', 'resolved', 'closed'] as const;
    for (let i = 1; i < path.length; i++) expect(canTransition(path[i - 1]!, path[i]!)).toBe(true);
  });
  it('refuses to leave a cancelled incident and to skip resolution before closing', () => {
    for (const s of INCIDENT_STATUSES) expect(canTransition('cancelled', s)).toBe(false);
    expect(canTransition('on_scene', 'closed')).toBe(false);
    expect(canTransition('received', 'closed')).toBe(false);
  });
  it('lets a closed incident be reopened', () => {
    expect(canTransition('closed', 'received')).toBe(true);
  });
  it('never moves back along the way to the scene: a unit leaving does not undo what happened', () => {
    const way = ['received', 'dispatched', 'en_route', 'on_scene'] as const;
    for (let i = 0; i < way.length; i++) for (let j = 0; j < i; j++) expect(canTransition(way[i]!, way[j]!), `${way[i]} → ${way[j]}`).toBe(false);
  });
  it('comes back to received only by reopening a closed incident or un-merging a merged one', () => {
    expect(INCIDENT_STATUSES.filter((s) => canTransition(s, 'received'))).toEqual(['closed', 'merged']);
  });
  it('neither cancels nor merges an incident once a unit is on scene', () => {
    expect(canTransition('on_scene', 'cancelled')).toBe(false);
    expect(canTransition('on_scene', 'merged')).toBe(false);
    expect(canTransition('resolved', 'on_scene')).toBe(true);
  });
});
