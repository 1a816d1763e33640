import { describe, expect, it } from 'vitest';
import type { AiAction, AiFrame } from '../../../../schemas/types.gen.ts';
import { actionsOfFrames, callsWithDecisions, decisionNote, decisionText, linkOf, mayDecide, mergeActions, pendingCount, riskIntent, shownDecision, shownStatus } from './ai-actions.ts';

const pending: AiAction = {
  id: 'a'.repeat(64), sessionId: '01JABCDEFGHJKMNPQRSTVWXYZ0', turnId: 't1', callId: 'c1', callIndex: 1,
  tool: 'service_scale', arguments: { service: 'core-service', environment: 'prod', replicas: 4 }, risk: 'prod_mutation',
  summary: 'Scale core-service in prod to 4 replicas', route: 'POST /api/v1/services/{id}/scale', permission: 'deployments:create:prod',
  origin: 'command', status: 'pending', requestedBy: 'operator@apollo.local', createdAt: '2026-12-05T12:00:00.000Z', expiresAt: '2026-12-05T12:15:00.000Z',
  decidedBy: null, decidedAt: null, result: null,
};
const executed: AiAction = {
  ...pending, status: 'executed', decidedBy: 'operator@apollo.local', decidedAt: '2026-12-05T12:01:00.000Z',
  result: { statusCode: 202, ok: true, message: 'Deployment 01JDEP created', resource: { type: 'deployment', id: '01JDEP', href: '/deployments/01JDEP' } },
};
const other: AiAction = { ...pending, id: 'b'.repeat(64), callIndex: 2, summary: 'Restart core-service in prod' };
const frame = (seq: number, action: AiAction): AiFrame => ({ type: 'action', turnId: 't1', seq, action });

describe('a session’s actions', () => {
  it('keeps one per id, the latest news of each, in the order they were proposed', () => {
    expect(mergeActions([pending, other], [executed])).toEqual([executed, other]);
  });

  it('never lets a stale copy undo a decision (an older read after the approve’s answer)', () => {
    expect(mergeActions([executed], [pending])).toEqual([executed]);
    const executing = { ...pending, status: 'executing' as const };
    expect(mergeActions([executing], [pending])[0]!.status).toBe('executing');
    expect(mergeActions([executing], [executed])[0]!.status).toBe('executed');
  });

  it('reads actions from the frames in seq order, so the later frame of an action wins', () => {
    const frames = [frame(9, executed), { type: 'end', turnId: 't1', seq: 10, stopReason: 'end_turn' } as AiFrame, frame(4, pending)];
    expect(actionsOfFrames(frames)).toEqual([pending, executed]);
    expect(mergeActions([], actionsOfFrames(frames))).toEqual([executed]);
  });

  it('shows a pending action past its expiry as expired, and does not count it as waiting', () => {
    const before = Date.parse('2026-12-05T12:10:00Z');
    const after = Date.parse('2026-12-05T12:20:00Z');
    expect([shownStatus(pending, before), shownStatus(pending, after), shownStatus(executed, after)]).toEqual(['pending', 'expired', 'executed']);
    expect([pendingCount([pending, other, executed], before), pendingCount([pending], after)]).toEqual([2, 0]);
  });

  it('lets the owner or an ai:admin decide, nobody else', () => {
    const owner = { principal: 'operator@apollo.local', permissions: ['ai:read', 'ai:sessions:create'] };
    const admin = { principal: 'admin@apollo.local', permissions: ['ai:read', 'ai:sessions:create', 'ai:admin'] };
    const someone = { principal: 'developer@apollo.local', permissions: ['ai:read', 'ai:sessions:create'] };
    const session = { owner: 'operator@apollo.local' };
    expect([mayDecide(session, owner), mayDecide(session, admin), mayDecide(session, someone), mayDecide(session, undefined)]).toEqual([true, true, false, false]);
    expect(mayDecide(session, { ...owner, permissions: ['ai:read'] })).toBe(false);
  });

  it('offers no decision once the session is terminated: its pending actions read rejected, none waits', () => {
    // Prepare
    const owner = { principal: 'operator@apollo.local', permissions: ['ai:read', 'ai:sessions:create', 'ai:admin'] };
    const now = Date.parse('2026-12-05T12:10:00Z');

    // Act
    const decide = [mayDecide({ owner: owner.principal, status: 'active' }, owner), mayDecide({ owner: owner.principal, status: 'terminated' }, owner)];
    const shown = [shownStatus(pending, now, true), shownStatus(executed, now, true), shownStatus(pending, now, false)];

    // Assess
    expect(decide).toEqual([true, false]);
    expect(shown).toEqual(['rejected', 'executed', 'pending']);
    expect([pendingCount([pending, other], now, true), pendingCount([pending, other], now)]).toEqual([0, 2]);
    expect(shownDecision(pending, now, true)).toBe('Rejected: the session was terminated, so it never ran');
    // What the API then says of it wins as soon as its frame arrives.
    expect(shownDecision({ ...pending, status: 'rejected', decidedBy: 'admin@apollo.local', note: 'the session was terminated by admin@apollo.local' }, now, true))
      .toBe('Rejected by admin@apollo.local: the session was terminated by admin@apollo.local');
  });

  it('colours production and infrastructure changes red', () => {
    expect([riskIntent('prod_mutation'), riskIntent('infrastructure'), riskIntent('config'), riskIntent('read')]).toEqual(['danger', 'danger', 'warning', 'none']);
  });

  it('says who decided and why', () => {
    expect(decisionText(executed)).toBe('Executed, approved by operator@apollo.local');
    expect(decisionText({ ...pending, status: 'rejected', decidedBy: 'admin@apollo.local', note: 'not during the incident' })).toBe('Rejected by admin@apollo.local: not during the incident');
    expect(decisionText({ ...pending, status: 'expired' })).toBe('Expired before anyone approved it: it never ran');
  });

  it('marks a change’s tool call refused once its action was rejected or expired; leaves the others', () => {
    const call = { callId: 'c1', name: 'service_scale', risk: 'prod_mutation', arguments: {}, status: 'pending_approval' as const, actionId: pending.id, seq: 6 };
    const read = { callId: 'c0', name: 'catalog_service', risk: 'read', arguments: {}, status: 'ok' as const, seq: 2 };
    expect(callsWithDecisions([read, call], [pending])).toEqual([read, call]);
    expect(callsWithDecisions([read, call], [{ ...pending, status: 'rejected', decidedBy: 'admin@apollo.local', note: 'no' }])[1])
      .toMatchObject({ status: 'refused', reason: 'Rejected by admin@apollo.local: no' });
    expect(callsWithDecisions([call], [{ ...pending, status: 'expired' }])[0]).toMatchObject({ status: 'refused', reason: 'Expired before anyone approved it: it never ran' });
  });

  it('links a result inside the app or to a web page, never to a script', () => {
    expect(linkOf('/deployments/01JDEP')).toEqual({ kind: 'app', href: '/deployments/01JDEP' });
    expect(linkOf('https://github.com/acme/gitops/pull/7')).toEqual({ kind: 'external', href: 'https://github.com/acme/gitops/pull/7' });
    expect([linkOf('javascript:alert(1)'), linkOf('//evil.example/x'), linkOf('data:text/html,x'), linkOf('deployments/1')]).toEqual([null, null, null, null]);
  });

  it('sends a note trimmed, without control characters, or none', () => {
    expect([decisionNote('  not now\u0007 '), decisionNote('   '), decisionNote('x'.repeat(1200))?.length]).toEqual(['not now', undefined, 1000]);
  });
});
