import { describe, expect, it } from 'vitest';
import type { Approval } from '#schemas/index.ts';
import { mayDecide, outstanding } from './approvals.ts';
import { nextOf } from './step-runner.ts';
import { durationSeconds } from './plan.ts';

const rule = (approvers: Approval['rule']['approvers'], mode: 'any' | 'all' = 'any'): Approval['rule'] => ({ approvers, mode });
const pending = (r: Approval['rule'], decisions: Approval['decisions'] = []) => ({ rule: r, requester: 'dana@example.com', decisions, status: 'pending' as const });

describe('who may decide an approval', () => {
  it('a role includes the roles above it; the requester never decides', () => {
    const approval = pending(rule({ roles: ['operator'] }));
    expect(mayDecide(approval, { principal: 'olivia@example.com', role: 'operator', teams: [] }).canDecide).toBe(true);
    expect(mayDecide(approval, { principal: 'ada@example.com', role: 'admin', teams: [] }).via).toEqual(['role:operator']);
    expect(mayDecide(approval, { principal: 'dev@example.com', role: 'developer', teams: [] })).toMatchObject({ canDecide: false, why: 'Only these may decide it: role operator.' });
    expect(mayDecide(approval, { principal: 'Dana@example.com', role: 'admin', teams: [] })).toMatchObject({ canDecide: false, why: 'You requested it: someone else must approve it.' });
  });

  it('a member of a named team, or a named principal', () => {
    const approval = pending(rule({ teams: ['platform'], principals: ['sam@example.com'] }));
    expect(mayDecide(approval, { principal: 'pat@example.com', role: 'developer', teams: ['platform'] }).via).toEqual(['team:platform']);
    expect(mayDecide(approval, { principal: 'sam@example.com', role: 'viewer', teams: [] }).via).toEqual(['principal:sam@example.com']);
    expect(mayDecide(approval, { principal: 'x@example.com', role: 'operator', teams: ['payments'] }).canDecide).toBe(false);
  });

  it('mode all needs one approver per listed requirement, each a different person', () => {
    const r = rule({ roles: ['operator'], teams: ['security'] }, 'all');
    const first = { principal: 'olivia@example.com', role: 'operator', via: ['role:operator', 'team:security'], decision: 'approved' as const, at: '2026-12-04T00:00:00Z' };
    // One person meeting both counts once: the team still needs someone.
    expect(outstanding({ rule: r, decisions: [first] })).toEqual(['team:security']);
    expect(mayDecide(pending(r, [first]), { principal: 'olivia@example.com', role: 'operator', teams: ['security'] })).toMatchObject({ canDecide: false, why: 'You have decided it already.' });
    expect(mayDecide(pending(r, [first]), { principal: 'opal@example.com', role: 'operator', teams: [] })).toMatchObject({ canDecide: false });
    expect(mayDecide(pending(r, [first]), { principal: 'sec@example.com', role: 'developer', teams: ['security'] }).canDecide).toBe(true);
  });
});

describe('the next action from the records', () => {
  const plan = [
    { id: 'a', name: 'A', type: 'rest', index: 0 },
    { id: 'skipped', name: 'S', type: 'rest', index: 1, skipped: true },
    { id: 'b', name: 'B', type: 'webhook', index: 2 },
  ];
  const attempt = (actionId: string, n: number, status: 'running' | 'succeeded' | 'failed') =>
    ({ actionId, index: 0, attempt: n, name: actionId, type: 'rest', status, startedAt: '2026-12-04T00:00:00Z' });

  it('starts at the first action, retries a failed one as the next attempt, resumes a running one, skips succeeded and skipped ones', () => {
    expect(nextOf(plan, [])).toEqual({ done: false, actionId: 'a', index: 0, attempt: 1 });
    expect(nextOf(plan, [attempt('a', 1, 'failed')])).toMatchObject({ actionId: 'a', attempt: 2 });
    expect(nextOf(plan, [attempt('a', 1, 'failed'), attempt('a', 2, 'running')])).toMatchObject({ actionId: 'a', attempt: 2 });
    expect(nextOf(plan, [attempt('a', 1, 'succeeded')])).toMatchObject({ actionId: 'b', index: 2, attempt: 1 });
    expect(nextOf(plan, [attempt('a', 1, 'succeeded'), attempt('b', 1, 'succeeded')])).toEqual({ done: true });
  });
});

describe('durations', () => {
  it('reads the offering documents\' durations, and falls back', () => {
    expect(durationSeconds('30s', 0)).toBe(30);
    expect(durationSeconds('15m', 0)).toBe(900);
    expect(durationSeconds('4h', 0)).toBe(14_400);
    expect(durationSeconds('2d', 0)).toBe(172_800);
    expect(durationSeconds(undefined, 7)).toBe(7);
    expect(durationSeconds('soon', 7)).toBe(7);
  });
});
