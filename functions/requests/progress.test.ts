import { describe, expect, it } from 'vitest';
import { actionsDone, endedProgress, progressOf } from './progress.ts';

const plan = [
  { id: 'create', name: 'Create', type: 'rest', index: 0 },
  { id: 'announce', name: 'Announce', type: 'webhook', index: 1, skipped: true },
  { id: 'register', name: 'Register', type: 'rest', index: 2 },
  { id: 'notify', name: 'Notify', type: 'webhook', index: 3 },
];
const ok = (actionId: string, rolledBack = false) => ({ actionId, status: 'succeeded' as const, ...(rolledBack ? { rolledBack } : {}) });
const failed = (actionId: string) => ({ actionId, status: 'failed' as const });

describe('a request\'s progress', () => {
  it('under way: 15 once queued, then its share of the actions to do; a skipped one is no work', () => {
    expect(progressOf(plan, [])).toBe(15);
    expect(progressOf(plan, [ok('create')])).toBe(42);
    expect(progressOf(plan, [ok('create'), ok('register')])).toBe(68);
    expect(progressOf(plan, [ok('create'), ok('register'), ok('notify')])).toBe(95);
    expect(actionsDone(plan, [ok('create'), ok('register'), ok('notify')])).toEqual({ done: 3, total: 3 });
    // Nothing automated (a manual offering): it waits at the queue's mark.
    expect(progressOf([], [])).toBe(15);
  });

  it('a retry starts from the actions it keeps; what a rollback undid is to do again', () => {
    expect(progressOf(plan, [ok('create'), failed('register'), ok('register')])).toBe(68);
    expect(progressOf(plan, [ok('create', true), failed('register')])).toBe(15);
  });

  it('ended without completing: the share of its actions done and still holding, not where it stopped', () => {
    // Failed at its first action (it was queued: 15 then): none of its work is done.
    expect(endedProgress(plan, [failed('create')])).toBe(0);
    expect(endedProgress(plan, [ok('create'), ok('register'), failed('notify')])).toBe(67);
    // The rollback undid the first: nothing holds.
    expect(endedProgress(plan, [ok('create', true), failed('register')])).toBe(0);
    // Rejected before any action, or a manual request its team did not fulfil.
    expect(endedProgress(plan, [])).toBe(0);
    expect(endedProgress([], [])).toBe(0);
    expect(endedProgress(undefined, [])).toBe(0);
  });
});
