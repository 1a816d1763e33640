import { describe, expect, it } from 'vitest';
import type { QuotaCheck, QuotaUsage } from '../../../../schemas/types.gen.ts';
import { checkOutcome, quotaLeft } from './quota-check.ts';

type QuotaItem = QuotaUsage['items'][number];
const item = (over: Partial<QuotaItem>): QuotaItem => ({
  resource: 'postgresql-databases', environment: 'prod', unit: 'database', limit: 1, effectiveFrom: '2026-12-01T00:00:00Z', pending: null,
  used: 1, reserved: 0, available: 0, percent: 100, alert: 'full', projection: null, holders: [], updatedAt: null, updatedBy: null, ...over,
});
const OVER: QuotaCheck = {
  team: 'growth', decision: 'over', message: "growth's quota for postgresql-storage-gib in prod is 500 GiB: 300 in use, 150 reserved; this request needs 100",
  claims: [],
};

describe('what is left of a quota', () => {
  it('says each limit of the resource, all environments first, in its unit', () => {
    // Prepare
    const usage = {
      team: 'growth',
      items: [
        item({}),
        item({ environment: null, limit: 5, used: 1, reserved: 1, available: 3 }),
        item({ resource: 'postgresql-storage-gib', unit: 'GiB', limit: 500, used: 300, reserved: 150, available: 50 }),
        item({ resource: 's3-buckets', unit: 'bucket', limit: 10, available: 9 }),
      ],
    };
    // Act / Assess
    expect(quotaLeft('postgresql-databases', 'database', usage)).toBe('growth: 3 of 5 databases left in all environments, 0 of 1 database left in prod');
    expect(quotaLeft('postgresql-storage-gib', 'GiB', usage)).toBe('growth: 50 of 500 GiB left in prod');
    expect(quotaLeft('postgresql-storage-gib', 'GiB', { team: 'data', items: [item({ resource: 'postgresql-storage-gib', unit: 'GiB', limit: null, available: null })] })).toBe('data: no limit');
  });
});

describe('the request check', () => {
  it('refuses a request over quota, with the numbers, though its values pass', () => {
    // Prepare / Act / Assess
    expect(checkOutcome({ valueIssues: [], quota: OVER })).toEqual({ accepted: false, quota: `Over quota: ${OVER.message}` });
  });

  it('accepts one that fits, saying what it would take', () => {
    const fits: QuotaCheck = { ...OVER, decision: 'fits', message: "within growth's quotas: this request would take 100 GiB of postgresql-storage-gib (200 of 500 GiB left in prod)" };
    expect(checkOutcome({ valueIssues: [], quota: fits })).toEqual({ accepted: true, quota: "Within growth's quotas: this request would take 100 GiB of postgresql-storage-gib (200 of 500 GiB left in prod)" });
    expect(checkOutcome({ valueIssues: [], quota: { ...OVER, decision: 'no-limit', message: 'growth has no limit on s3-buckets: this request would take 1 bucket of s3-buckets' } }))
      .toEqual({ accepted: true, quota: 'Growth has no limit on s3-buckets: this request would take 1 bucket of s3-buckets' });
  });

  it('says nothing of a quota that does not apply, and refuses values that do not pass', () => {
    expect(checkOutcome({ valueIssues: [], quota: { ...OVER, decision: 'not-applicable', message: 'the offering declares no quota' } })).toEqual({ accepted: true, quota: null });
    expect(checkOutcome({ valueIssues: [{ path: '/db_name', code: 'pattern', message: 'must match', severity: 'error' }] })).toEqual({ accepted: false, quota: null });
  });
});
