import { describe, expect, it } from 'vitest';
import { canCancel, canDeprovision, canRetry, externalRun, fieldChanges, isLoopbackUrl, reasonProblem } from './request-lifecycle.ts';
import { REQUEST_STATES } from './request-status.ts';

describe('what the page offers for a status', () => {
  it('retries a failed, interrupted or cancelled request', () => {
    expect(REQUEST_STATES.filter((status) => canRetry({ status }))).toEqual(['failed', 'cancelled', 'interrupted']);
  });

  it('cancels before the end, or a lost run, unless a cancel was asked already', () => {
    expect(REQUEST_STATES.filter((status) => canCancel({ status }))).toEqual(['submitted', 'validating', 'awaiting_approval', 'queued', 'in_progress', 'interrupted']);
    expect(canCancel({ status: 'in_progress', cancel: { by: 'dana@apollo.local', at: '2026-11-25T10:00:00.000Z', reason: 'not needed' } })).toBe(false);
  });

  it('deprovisions a completed automated request only', () => {
    expect(REQUEST_STATES.filter((status) => canDeprovision({ status, fulfillment: 'automated' }))).toEqual(['completed']);
    expect(canDeprovision({ status: 'completed', fulfillment: 'manual' })).toBe(false);
  });
});

describe('reasonProblem (a cancel or deprovision says why)', () => {
  it('asks for 3 to 2000 characters, spaces aside', () => {
    expect(reasonProblem('')).toMatch(/^Say why/);
    expect(reasonProblem('  ok  ')).toBe('At least 3 characters.');
    expect(reasonProblem('x'.repeat(2001))).toBe('At most 2000 characters.');
    expect(reasonProblem('Not needed any more')).toBeNull();
  });
});

describe('fieldChanges (the fields a retry changes)', () => {
  const current = { environment: 'dev', name: 'checkout', ttl: 300, tags: ['a'], token: '••••' };

  it('keeps only the values that differ; a masked secret and a field taken out are no change', () => {
    expect(fieldChanges(current, JSON.stringify({ ...current, ttl: 600 }))).toEqual({ ok: true, fields: { ttl: 600 } });
    expect(fieldChanges(current, JSON.stringify({ name: 'checkout', tags: ['a', 'b'], token: 'new-secret' }))).toEqual({ ok: true, fields: { tags: ['a', 'b'], token: 'new-secret' } });
    expect(fieldChanges(current, JSON.stringify(current))).toEqual({ ok: true, fields: {} });
    expect(fieldChanges(current, '  ')).toEqual({ ok: true, fields: {} });
  });

  it('says what is wrong with what is not an object of fields', () => {
    expect(fieldChanges(current, '{"ttl": ')).toMatchObject({ ok: false, problem: expect.stringMatching(/^Not JSON: /) });
    expect(fieldChanges(current, '[1]')).toEqual({ ok: false, problem: 'Give an object of fields: {"ttl": 600}.' });
    expect(fieldChanges(current, 'null')).toMatchObject({ ok: false });
  });
});

describe('externalRun (the outside run an attempt started)', () => {
  it('names the system and the run, and says when the link is a local fake', () => {
    expect(externalRun({ system: 'terraform', id: 'run-abc', url: 'https://app.terraform.io/app/acme/w/runs/run-abc' }))
      .toEqual({ text: 'Terraform run run-abc', href: 'https://app.terraform.io/app/acme/w/runs/run-abc', localFake: false });
    expect(externalRun({ system: 'github', id: '42', url: 'http://127.0.0.1:4100/acme/repo/actions/runs/42' }))
      .toEqual({ text: 'GitHub run 42', href: 'http://127.0.0.1:4100/acme/repo/actions/runs/42', localFake: true });
    expect(externalRun({ system: 'jira', id: 'PLAT-12' })).toEqual({ text: 'JIRA issue PLAT-12', href: undefined, localFake: false });
    // Only web links are followed.
    expect(externalRun({ system: 'jira', id: 'PLAT-1', url: 'javascript:alert(1)' }).href).toBeUndefined();
  });

  it('knows loopback hosts', () => {
    expect(isLoopbackUrl('http://localhost:4200/browse/PLAT-1')).toBe(true);
    expect(isLoopbackUrl('http://[::1]:4200/x')).toBe(true);
    expect(isLoopbackUrl('https://acme.atlassian.net/browse/PLAT-1')).toBe(false);
    expect(isLoopbackUrl('not a url')).toBe(false);
    expect(isLoopbackUrl(undefined)).toBe(false);
  });
});
