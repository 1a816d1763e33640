import { describe, expect, it } from 'vitest';
import { maySetOutcome, OUTCOME_LOOK, OUTCOMES, outcomeBody, outcomeSaid } from './ai-outcome.ts';

describe('how a session ended', () => {
  it('offers resolved, escalated and failed as green, yellow and red', () => {
    expect(OUTCOMES.map((o) => [OUTCOME_LOOK[o].label, OUTCOME_LOOK[o].intent])).toEqual([
      ['Resolved', 'success'], ['Escalated', 'warning'], ['Failed', 'danger'],
    ]);
  });

  it('lets only the owner with ai:sessions:create say it', () => {
    const session = { owner: 'dana@example.com' };
    const dev = { principal: 'dana@example.com', permissions: ['ai:read', 'ai:sessions:create'] };
    const viewer = { principal: 'dana@example.com', permissions: ['ai:read'] };
    const admin = { principal: 'root@example.com', permissions: ['ai:read', 'ai:sessions:create', 'ai:admin', 'audit:read'] };
    expect([maySetOutcome(session, dev), maySetOutcome(session, viewer), maySetOutcome(session, admin), maySetOutcome(session, undefined)]).toEqual([true, false, false, false]);
  });

  it('says who said it, when, and the note', () => {
    const at = (iso: string) => `<${iso}>`;
    expect(outcomeSaid({ value: 'escalated', setBy: 'dana@example.com', setAt: '2026-12-05T10:00:00.000Z', note: 'Paged the DB team.' }, at))
      .toBe('Escalated by dana@example.com at <2026-12-05T10:00:00.000Z>: Paged the DB team.');
    expect(outcomeSaid({ value: 'resolved', setBy: 'dana@example.com', setAt: '2026-12-05T10:00:00.000Z' }, at))
      .toBe('Resolved by dana@example.com at <2026-12-05T10:00:00.000Z>');
  });

  it('sends a note trimmed and cleaned, and none when it is blank', () => {
    expect(outcomeBody('resolved', '  Pool size raised.\n')).toEqual({ outcome: 'resolved', note: 'Pool size raised.' });
    expect(outcomeBody('failed', 'a\u202eb\u0007c')).toEqual({ outcome: 'failed', note: 'abc' });
    expect(outcomeBody('escalated', '  \n ')).toEqual({ outcome: 'escalated' });
  });
});
