import { describe, expect, it } from 'vitest';
import type { Approval } from '../../../../schemas/types.gen.ts';
import {
  approvalSubject, approvalTarget, batchOutcomes, checkDelegation, decidableCount, decidedBy, delegationBodyOf, delegationFieldOf, deploymentChange, describeApprovers,
  describeDeadline, describeOutstanding, describeVia, describeWait, endedWords, escalationBadge, sortApprovals, summarizeDecisions,
} from './approval-text.ts';

const approval = (id: string, over: Partial<Approval> = {}): Approval => ({
  id, kind: 'request', requestId: `r-${id}`, status: 'pending', offering: { id: 'dns-record', name: 'DNS record', version: '1.0.0' }, requester: 'dana@apollo.local',
  team: 'growth', fields: {}, rule: { approvers: { roles: ['operator'] }, mode: 'any' }, decisions: [], createdAt: '2026-11-25T10:00:00.000Z',
  expiresAt: '2026-11-26T10:00:00.000Z', canDecide: false, ...over,
});

describe('describeApprovers', () => {
  it('names roles with their article, teams as team <id> and principals as they are', () => {
    expect(describeApprovers({ roles: ['operator'], teams: ['platform'] })).toBe('an operator or team platform');
    expect(describeApprovers({ roles: ['admin'], teams: ['security'], principals: ['cto@acme.dev'] })).toBe('an admin, team security or cto@acme.dev');
    expect(describeApprovers({ roles: ['operator'], principals: ['cto@acme.dev'] }, 'all')).toBe('each of an operator and cto@acme.dev');
    expect(describeApprovers({ teams: ['platform'] }, 'all')).toBe('team platform');
    expect(describeApprovers({})).toBe('nobody named');
  });

  it('reads what is outstanding and how a decider qualified', () => {
    expect(['role:operator', 'team:platform', 'principal:cto@acme.dev'].map(describeOutstanding)).toEqual(['an operator', 'team platform', 'cto@acme.dev']);
    expect(describeVia(['role:operator', 'team:platform'])).toBe('as an operator, as team platform');
    expect(describeVia(['principal'])).toBe('named in the rule');
    expect(describeVia(undefined)).toBe('');
  });
});

describe('the inbox', () => {
  it('puts what I may decide first, then the soonest deadline, then the oldest', () => {
    const items = [
      approval('a', { expiresAt: '2026-11-26T09:00:00.000Z' }),
      approval('b', { canDecide: true, expiresAt: '2026-11-27T00:00:00.000Z' }),
      approval('c', { canDecide: true, expiresAt: '2026-11-26T00:00:00.000Z', createdAt: '2026-11-25T11:00:00.000Z' }),
      approval('d', { canDecide: true, expiresAt: '2026-11-26T00:00:00.000Z' }),
    ];
    expect(sortApprovals(items).map((a) => a.id)).toEqual(['d', 'c', 'b', 'a']);
    expect(items.map((a) => a.id)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('counts the pending ones I may decide for the badge', () => {
    expect(decidableCount([approval('a', { canDecide: true }), approval('b'), approval('c', { canDecide: true, status: 'approved' })])).toBe(1);
  });

  it('says what a decision on several did', () => {
    const ok = { ok: true, status: 'approved' } as const;
    const failed = { ok: false, message: 'forbidden' } as const;
    expect(summarizeDecisions('approve', [ok, ok, failed])).toBe('2 approved, 1 failed');
    expect(summarizeDecisions('approve', [ok, ok])).toBe('All 2 approved');
    expect(summarizeDecisions('reject', [ok])).toBe('1 rejected');
    expect(summarizeDecisions('reject', [failed, failed])).toBe('All 2 failed');
    expect(summarizeDecisions('reject', [])).toBe('Nothing to decide');
  });

  it('reads a deadline from now', () => {
    const now = Date.parse('2026-11-25T10:00:00.000Z');
    expect(describeDeadline('2026-11-25T10:20:00.000Z', now)).toBe('in 20 minutes');
    expect(describeDeadline('2026-11-25T11:00:00.000Z', now)).toBe('in an hour');
    expect(describeDeadline('2026-11-26T10:00:00.000Z', now)).toBe('in 24 hours');
    expect(describeDeadline('2026-11-30T10:00:00.000Z', now)).toBe('in 5 days');
    expect(describeDeadline('2026-11-25T09:00:00.000Z', now)).toBe('expired');
  });
});

describe('a deployment approval', () => {
  const deployment = { id: '01JDEPLOY00000000000000000A', operation: 'promote', service: 'core-service', environment: 'prod', imageTag: 'v1.4.2', previousImageTag: 'v1.4.1', fromEnvironment: 'staging' } as const;

  it('is titled by what it does and links to the deployment', () => {
    const a = approval('a', { kind: 'deployment', requestId: undefined, offering: undefined, fields: undefined, deployment });
    expect(approvalSubject(a)).toBe('Promote core-service to prod');
    expect(approvalTarget(a)).toBe('/deployments/01JDEPLOY00000000000000000A');
    expect(approvalSubject(approval('b'))).toBe('DNS record');
    expect(approvalTarget(approval('b'))).toBe('/requests/r-b');
  });

  it('says the change from one tag to the next, where a promote takes it from, or the replicas', () => {
    expect(deploymentChange(deployment)).toBe('v1.4.1 → v1.4.2 from staging');
    expect(deploymentChange({ ...deployment, operation: 'deploy', fromEnvironment: null, previousImageTag: null })).toBe('v1.4.2');
    expect(deploymentChange({ ...deployment, operation: 'scale', replicas: 1 })).toBe('1 replica');
    expect(deploymentChange({ ...deployment, operation: 'scale', replicas: 6 })).toBe('6 replicas');
    expect(deploymentChange({ ...deployment, operation: 'restart' })).toBe('a rolling restart of v1.4.2');
  });
});

describe('governance', () => {
  const now = Date.parse('2026-11-25T19:00:00.000Z');

  it('says who decided for whom', () => {
    expect(decidedBy({ principal: 'operator@apollo.local', onBehalfOf: 'admin@apollo.local' })).toBe('operator@apollo.local for admin@apollo.local');
    expect(decidedBy({ principal: 'operator@apollo.local' })).toBe('operator@apollo.local');
  });

  it('badges an escalated approval with how often, how long it waits and who was told', () => {
    expect(escalationBadge(approval('a'), now)).toBeNull();
    const badge = escalationBadge(approval('a', {
      escalations: [
        { level: 1, at: '2026-11-25T14:00:00.000Z', notified: ['admin@apollo.local', 'team:platform'], to: "the rule's approvers who have not decided" },
        { level: 2, at: '2026-11-25T18:00:00.000Z', notified: ['team:data'], to: "data, the offering's owner team" },
      ],
    }), now);
    expect(badge).toEqual({
      label: 'Escalated ×2 · waiting 9 h',
      level: 2,
      steps: [
        { level: 1, at: '2026-11-25T14:00:00.000Z', text: "to the rule's approvers who have not decided; told admin@apollo.local and team platform" },
        { level: 2, at: '2026-11-25T18:00:00.000Z', text: "to data, the offering's owner team; told team data" },
      ],
    });
    expect(escalationBadge(approval('a', { escalations: [{ level: 1, at: '2026-11-25T14:00:00.000Z', notified: [] }] }), now)?.label).toBe('Escalated · waiting 9 h');
    expect([describeWait('2026-11-25T18:15:00.000Z', now), describeWait('2026-11-22T19:00:00.000Z', now)]).toEqual(['45 min', '3 d']);
  });

  it('reads a batch result item by item: decided, or refused and why', () => {
    const outcomes = batchOutcomes({
      results: [
        { id: 'a', decision: 'approved', status: 200, approval: approval('a', { status: 'approved' }) },
        { id: 'b', decision: 'approved', status: 409, error: { code: 'Conflict', message: 'approval b is approved already' } },
        { id: 'c', decision: 'approved', status: 403, error: { code: 'Forbidden', message: 'You requested it: someone else must approve it.' } },
      ],
      approved: 1, rejected: 0, failed: 2,
    });
    expect([...outcomes]).toEqual([
      ['a', { ok: true, status: 'approved' }],
      ['b', { ok: false, message: 'Too late: approval b is approved already.' }],
      ['c', { ok: false, message: 'Not yours to decide: You requested it: someone else must approve it.' }],
    ]);
  });

  it('checks a delegation before asking, and builds its body', () => {
    const ok = { delegate: 'operator@apollo.local', from: '', until: '2026-11-30T18:00', reason: ' On leave ' };
    expect(checkDelegation(ok, 'admin@apollo.local', now)).toEqual({});
    expect(checkDelegation({ ...ok, delegate: 'Admin@apollo.local' }, 'admin@apollo.local', now)).toEqual({ delegate: 'Someone other than you.' });
    expect(checkDelegation({ ...ok, delegate: 'operator' }, undefined, now).delegate).toBe('An email, as they sign in to Apollo.');
    expect(checkDelegation({ ...ok, until: '' }, undefined, now)).toEqual({ until: 'When it ends.' });
    expect(checkDelegation({ ...ok, until: '2026-11-20T10:00' }, undefined, now)).toEqual({ until: 'After it starts, and in the future.' });
    expect(checkDelegation({ ...ok, until: '2027-06-01T10:00' }, undefined, now)).toEqual({ until: 'At most 90 days ahead.' });
    expect(checkDelegation({ ...ok, from: '2026-12-01T00:00' }, undefined, now)).toEqual({ until: 'After it starts, and in the future.' });
    const body = delegationBodyOf(ok);
    expect(body).toEqual({ delegate: 'operator@apollo.local', until: new Date('2026-11-30T18:00').toISOString(), reason: 'On leave' });
    expect(['/body/delegate', '/body/until', '/body', '/path/x'].map(delegationFieldOf)).toEqual(['delegate', 'until', undefined, undefined]);
  });
});

describe('endedWords', () => {
  it('says an approval that ended without a decision ended so, and why: an interrupted request is not an expiry', () => {
    // Act / Assert
    expect(endedWords(approval('a', { status: 'cancelled', endReason: 'the request was interrupted while it waited (Apollo restarted)' })))
      .toEqual({ verb: 'cancelled', why: 'the request was interrupted while it waited (Apollo restarted)' });
    expect(endedWords(approval('a', { status: 'cancelled' }))).toEqual({ verb: 'cancelled', why: 'the request was cancelled while it waited' });
    expect(endedWords(approval('a', { status: 'expired' }))).toEqual({ verb: 'expired', why: 'nobody decided in time' });
    expect(endedWords(approval('a', { status: 'approved' }))).toEqual({ verb: 'decided', why: null });
  });
});
