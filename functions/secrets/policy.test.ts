import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateValue, judge, policyText, POLICY_DAYS, rotationDaysOf, type Facts } from './policy.ts';

const NOW = Date.parse('2026-12-05T12:00:00.000Z');
const DAY = 86_400_000;
const ago = (days: number) => new Date(NOW - days * DAY).toISOString();
const OPTIONS = { withinDays: 14, unusedDays: 90 };
const facts = (over: Partial<Facts>): Facts => ({
  category: 'database', rotationDays: 90, expiresAt: null, currentSince: ago(10), createdAt: ago(400), lastAccessedAt: ago(1), deletionDate: null, ...over,
});

describe('the rotation policy table', () => {
  it('is the design doc\'s: database 90 days, API keys 180, internal 30, OAuth on compromise, certificates before expiry; a tag overrides', () => {
    expect(POLICY_DAYS).toEqual({ database: 90, 'api-key': 180, oauth: null, internal: 30, certificate: null });
    expect(rotationDaysOf('database', null)).toBe(90);
    expect(rotationDaysOf('database', 60)).toBe(60);
    expect(rotationDaysOf('oauth', null)).toBeNull();
    expect(policyText('api-key', null)).toBe('every 180 days (api-key)');
    expect(policyText('oauth', null)).toBe('on compromise (OAuth)');
    expect(policyText('internal', 7)).toBe("every 7 days (set on the secret; internal's policy: every 30 days (internal))");
  });

  it('judges a secret by its current value\'s age: ok, due soon, overdue', () => {
    expect(judge(facts({ currentSince: ago(10) }), NOW, OPTIONS)).toMatchObject({ status: 'ok', nextRotationDue: ago(-80) });
    expect(judge(facts({ currentSince: ago(80) }), NOW, OPTIONS)).toMatchObject({ status: 'due-soon', statusReason: 'due in 10 days (2026-12-15)' });
    expect(judge(facts({ currentSince: ago(120) }), NOW, OPTIONS)).toMatchObject({ status: 'overdue', statusReason: 'overdue by 30 days: last rotated 120 days ago, the policy is every 90 days' });
    expect(judge(facts({ category: 'internal', rotationDays: 30, currentSince: ago(45) }), NOW, OPTIONS).status).toBe('overdue');
  });

  it('never makes an OAuth secret due by time, and a certificate due before it expires', () => {
    expect(judge(facts({ category: 'oauth', rotationDays: null, currentSince: ago(1000) }), NOW, OPTIONS)).toMatchObject({ status: 'ok', nextRotationDue: null, statusReason: 'rotated on compromise' });
    const cert = (days: number) => judge(facts({ category: 'certificate', rotationDays: null, expiresAt: ago(-days) }), NOW, OPTIONS);
    expect(cert(60).status).toBe('ok');
    expect(cert(20).status).toBe('due-soon');
    expect(cert(8)).toMatchObject({ status: 'overdue', statusReason: expect.stringContaining('expires on') });
    expect(cert(-2)).toMatchObject({ status: 'overdue', statusReason: expect.stringContaining('expired on') });
  });

  it('makes any secret with an expiry due before it, when that comes before its age says', () => {
    // An API key changed 10 days ago (policy 180) that stops working in 20 days: due in 6, not in 170.
    const key = (expiresIn: number) => judge(facts({ category: 'api-key', rotationDays: 180, currentSince: ago(10), expiresAt: ago(-expiresIn) }), NOW, OPTIONS);
    expect(key(20)).toMatchObject({ status: 'due-soon', nextRotationDue: ago(-6) });
    expect(key(5)).toMatchObject({ status: 'overdue', statusReason: `it expires on ${ago(-5).slice(0, 10)}: give it a new value` });
    expect(key(-1)).toMatchObject({ status: 'overdue', statusReason: `it expired on ${ago(1).slice(0, 10)}: give it a new value` });
    // Its age first: the policy's words.
    expect(judge(facts({ currentSince: ago(120), expiresAt: ago(-365) }), NOW, OPTIONS)).toMatchObject({ status: 'overdue', nextRotationDue: ago(30), statusReason: expect.stringMatching(/^overdue by 30 days/) });
    // An OAuth secret has no age policy, but an expiry still counts.
    expect(judge(facts({ category: 'oauth', rotationDays: null, expiresAt: ago(-20) }), NOW, OPTIONS)).toMatchObject({ status: 'due-soon', nextRotationDue: ago(-6) });
  });

  it('calls a secret unused when nobody read it for the unused days, or never since long ago; a deletion comes first', () => {
    expect(judge(facts({ lastAccessedAt: ago(100) }), NOW, OPTIONS)).toMatchObject({ status: 'unused', statusReason: 'not read for 100 days: is it still needed?' });
    expect(judge(facts({ lastAccessedAt: null, createdAt: ago(200) }), NOW, OPTIONS).status).toBe('unused');
    expect(judge(facts({ lastAccessedAt: null, createdAt: ago(20) }), NOW, OPTIONS).status).toBe('ok');
    expect(judge(facts({ currentSince: ago(200), deletionDate: ago(-7) }), NOW, OPTIONS).status).toBe('scheduled-deletion');
  });

  it('generates 48 characters of letters and digits, each time new', () => {
    const a = generateValue((n) => randomBytes(n));
    expect(a).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(generateValue((n) => randomBytes(n))).not.toBe(a);
    // Rejection sampling: bytes at or above 248 are dropped, never folded onto the first letters.
    expect(generateValue((n) => new Uint8Array(n).fill(250).map((_, i) => (i % 2 ? 250 : 0)))).toBe('A'.repeat(48));
  });
});
