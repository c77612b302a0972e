import { describe, expect, it } from 'vitest';
import { pendingPriority } from './api';

const entry = (id: number, kind: string, data: Record<string, unknown> = {}) => ({ id, at: new Date(id * 1000).toISOString(), actor: 'dispatcher', kind, data });

describe('pendingPriority', () => {
  it('is the priority a lowering still waiting for a supervisor asks for', () => {
    expect(pendingPriority([entry(1, 'created'), entry(2, 'priority_requested', { approvalId: 'a', from: 1, to: 4 })])).toBe(4);
  });

  it('ends when the lowering is applied with that approval, closed without change, or superseded', () => {
    const asked = entry(2, 'priority_requested', { approvalId: 'a', from: 1, to: 4 });
    expect(pendingPriority([asked, entry(3, 'priority', { from: 1, to: 4, reason: { code: 'x', approvalId: 'a' } })])).toBeNull();
    expect(pendingPriority([asked, entry(3, 'priority_request_closed', { approvalId: 'a' })])).toBeNull();
    expect(pendingPriority([asked, entry(3, 'closure', { superseded: ['a'] })])).toBeNull();
  });

  it('is not ended by other changes, nor by another request\u2019s outcome', () => {
    const asked = entry(2, 'priority_requested', { approvalId: 'a', from: 1, to: 3 });
    expect(pendingPriority([asked, entry(3, 'priority', { from: 1, to: 2, reason: { code: 'x' } }), entry(4, 'priority_request_closed', { approvalId: 'b' })])).toBe(3);
  });
});
