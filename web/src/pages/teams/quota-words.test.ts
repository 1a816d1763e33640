import { describe, expect, it } from 'vitest';
import { barParts, heldPercent, limitsAllowance, paceWords, pendingWords, quotaTitle, sortQuotas, unitWord, usageWords, type QuotaItem } from './quota-words.ts';

const NOW = new Date('2026-12-05T12:00:00Z');

const item = (over: Partial<QuotaItem> = {}): QuotaItem => ({
  resource: 'postgresql-databases', environment: 'prod', unit: 'database', limit: 1, effectiveFrom: '2026-12-01T00:00:00Z', pending: null,
  used: 0, reserved: 1, available: 0, percent: 100, alert: 'full', projection: null, holders: [], updatedAt: null, updatedBy: null, ...over,
});

describe('quota words', () => {
  it('says what is held against the limit, with the unit', () => {
    // Prepare / Act / Assess
    expect(usageWords(item())).toBe('1 of 1 database in prod: 0 in use, 1 reserved');
    expect(usageWords(item({ limit: 5, used: 2, reserved: 1 }))).toBe('3 of 5 databases in prod: 2 in use, 1 reserved');
    expect(usageWords(item({ limit: null, used: 2, reserved: 0, environment: null }))).toBe('2 databases in all environments: 2 in use, 0 reserved');
    expect(usageWords(item({ unit: null, limit: 10, used: 1200, reserved: 0 }))).toBe('1,200 of 10 in prod: 1,200 in use, 0 reserved');
  });

  it('pluralizes units as the offerings name them', () => {
    expect([unitWord('database', 1), unitWord('database', 0), unitWord('bucket', 2), unitWord('gibibyte', 2), unitWord('box', 2), unitWord('copy', 3), unitWord(null, 3)])
      .toEqual(['database', 'databases', 'buckets', 'gibibytes', 'boxes', 'copies', '']);
  });

  it('says a sum in its unit of measure, never made plural, with the pace in that unit', () => {
    // Prepare
    const storage = item({ resource: 'postgresql-storage-gib', unit: 'GiB', limit: 500, used: 300, reserved: 150, projection: { perWeek: 120.4, fullBy: '2026-12-08T00:00:00Z' } });
    // Act / Assess
    expect(usageWords(storage)).toBe('450 of 500 GiB in prod: 300 in use, 150 reserved');
    expect(usageWords({ ...storage, limit: 2000, used: 1250, reserved: 0 })).toBe('1,250 of 2,000 GiB in prod: 1,250 in use, 0 reserved');
    expect(barParts(storage)).toEqual({ used: 60, reserved: 30, over: false, open: false });
    expect(heldPercent(storage)).toBe(90);
    expect(paceWords(storage, NOW, 'en-GB')).toBe('about 120 GiB a week; full by 8 Dec');
    expect(pendingWords({ limit: 1000, effectiveFrom: '2026-12-20T00:00:00Z' }, 'GiB', NOW, 'en-GB')).toBe('1,000 GiB from 20 Dec');
    expect([unitWord('GiB', 2), unitWord('vCPU', 4), unitWord('GiB', 1)]).toEqual(['GiB', 'vCPU', 'GiB']);
  });

  it('names a quota by resource and environment', () => {
    expect(quotaTitle(item())).toBe('postgresql-databases · prod');
    expect(quotaTitle(item({ environment: null }))).toBe('postgresql-databases · all environments');
  });

  it('draws in use solid and reserved after it, the limit as the end', () => {
    expect(barParts(item({ limit: 4, used: 1, reserved: 1 }))).toEqual({ used: 25, reserved: 25, over: false, open: false });
    expect(barParts(item({ limit: 3, used: 1, reserved: 0 }))).toEqual({ used: 33.33, reserved: 0, over: false, open: false });
    // A limit lowered below what is held: full, said to be over, in use and reserved both seen in their proportions.
    expect(barParts(item({ limit: 2, used: 2, reserved: 3 }))).toEqual({ used: 40, reserved: 60, over: true, open: false });
    expect(barParts(item({ limit: 0, used: 0, reserved: 0 }))).toEqual({ used: 0, reserved: 0, over: false, open: false });
    // No limit: what is held fills three quarters, split into in use and reserved; no end.
    expect(barParts(item({ limit: null, used: 3, reserved: 1 }))).toEqual({ used: 56.25, reserved: 18.75, over: false, open: true });
    expect(barParts(item({ limit: null, used: 0, reserved: 0 }))).toEqual({ used: 0, reserved: 0, over: false, open: true });
  });

  it('works out the share held itself', () => {
    expect(heldPercent(item({ limit: 5, used: 3, reserved: 1 }))).toBe(80);
    expect(heldPercent(item({ limit: null }))).toBeNull();
    expect(heldPercent(item({ limit: 0, used: 0, reserved: 0 }))).toBe(100);
  });

  it('says a pending limit with its date (the year only when it is not this one)', () => {
    expect(pendingWords({ limit: 2, effectiveFrom: '2026-12-20T00:00:00Z' }, 'database', NOW, 'en-GB')).toBe('2 databases from 20 Dec');
    expect(pendingWords({ limit: 1, effectiveFrom: '2027-01-01T10:00:00Z' }, 'database', NOW, 'en-GB')).toBe('1 database from 1 Jan 2027');
    expect(pendingWords({ limit: null, effectiveFrom: '2026-12-20T00:00:00Z' }, 'database', NOW, 'en-GB')).toBe('no limit from 20 Dec');
  });

  it('says the pace and when it would be full', () => {
    expect(paceWords(item({ reserved: 0, projection: { perWeek: 0.47, fullBy: '2026-12-12T00:00:00Z' } }), NOW, 'en-GB')).toBe('about 0.5 a week; full by 12 Dec');
    expect(paceWords(item({ reserved: 1, projection: { perWeek: 0.47, fullBy: '2026-12-05T00:00:00Z' } }), NOW, 'en-GB')).toBe('about 0.5 a week');
    expect(paceWords(item({ limit: 3, projection: { perWeek: 0.5, fullBy: null } }), NOW, 'en-GB')).toBe('about 0.5 a week; not full at this pace');
    expect(paceWords(item({ limit: null, projection: { perWeek: 12.4, fullBy: null } }), NOW, 'en-GB')).toBe('about 12 a week');
    expect(paceWords(item({ limit: 3, projection: { perWeek: 0.02, fullBy: null } }), NOW, 'en-GB')).toBe('about less than 0.1 a week; not full at this pace');
    expect(paceWords(item({ projection: { perWeek: 0, fullBy: null } }), NOW, 'en-GB')).toBe('none taken in the last 30 days');
    expect(paceWords(item({ projection: null }))).toBeNull();
  });

  it('orders by resource, all environments first', () => {
    const sorted = sortQuotas([item({ resource: 's3-buckets', environment: null }), item({ environment: 'staging' }), item({ environment: null }), item({ environment: 'prod' })]);
    expect(sorted.map(quotaTitle)).toEqual(['postgresql-databases · all environments', 'postgresql-databases · prod', 'postgresql-databases · staging', 's3-buckets · all environments']);
  });

  it('lets admins set limits and tells others why not', () => {
    expect(limitsAllowance({ role: 'admin', permissions: ['quotas:manage'] })).toEqual({ allowed: true, why: '' });
    expect(limitsAllowance({ role: 'developer', permissions: ['teams:read'] })).toEqual({ allowed: false, why: 'Setting limits needs quotas:manage; your role developer does not have it (admin does).' });
    expect(limitsAllowance(undefined)).toEqual({ allowed: false, why: '' });
  });
});
