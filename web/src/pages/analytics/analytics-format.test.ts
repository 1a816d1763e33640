import { describe, expect, it } from 'vitest';
import type { TeamAnalytics } from '../../../../schemas/types.gen.ts';
import {
  activeByKind, adoptionWords, againstSla, auditQueryOf, auditRangeProblem, auditSearchFromUrl, auditUrlOf, bottleneckWords, durationTicks, fileNameOf, formatChange, formatDuration, formatRate, formatWeek, fulfilWeekRows, reductionWords,
  singleSla, usageWeekRows, windowFromSearch, withParam,
} from './analytics-format.ts';

const offering = (id: string, slaMs: number | null): TeamAnalytics['byOffering'][number] => ({
  offering: { id, name: id.toUpperCase(), category: null, owner: 'platform' }, completed: 3, medianFulfilMs: 1000, p90FulfilMs: 2000, slaMs, slaCompliance: 1,
});

describe('the analytics words', () => {
  it('reads durations from milliseconds, and none as a dash', () => {
    expect([0, 44_600, 60_000, 403_909, 3_540_000, 3_600_000, 11_704_299, 36_000_000, 86_400_000, 172_800_000, 1_036_800_000].map(formatDuration))
      .toEqual(['0 s', '45 s', '1 min', '7 min', '59 min', '1 h', '3.3 h', '10 h', '1 d', '2 d', '12 d']);
    expect([null, undefined, Number.NaN, -5].map(formatDuration)).toEqual(['—', '—', '—', '—']);
  });

  it('puts a duration axis on round minutes, hours or days', () => {
    expect(durationTicks(13_549_190).map(formatDuration)).toEqual(['0 s', '1 h', '2 h', '3 h', '4 h']);
    expect(durationTicks(1_662_545).map(formatDuration)).toEqual(['0 s', '5 min', '10 min', '15 min', '20 min', '25 min', '30 min']);
    expect(durationTicks(300_000)).toEqual([0, 60_000, 120_000, 180_000, 240_000, 300_000]);
    expect(durationTicks(0)).toEqual([0, 60_000]);
  });

  it('reads rates and changes as percents, never NaN', () => {
    expect([0.8491, 1, 0, 0.5, null, Number.NaN].map(formatRate)).toEqual(['84.9 %', '100 %', '0 %', '50 %', '—', '—']);
    expect([0.25, -0.1, 0.001, null].map(formatChange)).toEqual(['+25 %', '−10 %', '±0 %', '—']);
  });

  it('names a week by its Monday and keeps the window in the URL', () => {
    expect(formatWeek('2026-09-07')).toBe('7 Sep');
    expect([windowFromSearch('?days=30'), windowFromSearch('?days=31'), windowFromSearch('')]).toEqual([30, 90, 90]);
    expect(withParam('?days=30&status=failed', 'days', 90, 90)).toBe('?status=failed');
    expect(withParam('', 'days', 180, 90)).toBe('?days=180');
  });

  it('draws one SLA line only when one SLA applies', () => {
    expect(singleSla([offering('dns', 300_000)])).toEqual({ ms: 300_000, offering: 'DNS' });
    expect(singleSla([offering('dns', 300_000), offering('s3', 300_000)])).toEqual({ ms: 300_000, offering: null });
    expect(singleSla([offering('dns', 300_000), offering('s3', 1_800_000)])).toBeNull();
    expect(singleSla([offering('dns', 300_000), offering('s3', null)])).toBeNull();
    expect(singleSla([])).toBeNull();
    expect([againstSla(100, 200), againstSla(300, 200), againstSla(null, 200), againstSla(100, null)]).toEqual(['within', 'over', null, null]);
  });

  it('leaves a gap for a week without a completion', () => {
    expect(fulfilWeekRows([{ week: '2026-09-07', submitted: 1, completed: 0, failed: 1, medianFulfilMs: null, p90FulfilMs: null }]))
      .toEqual([{ week: '2026-09-07', label: '7 Sep', median: null, p90: null }]);
  });

  it('stacks what was provisioned above zero and deprovisioned below, by kind', () => {
    expect(usageWeekRows({ kinds: ['databases', 'networking'], weeks: [{ week: '2026-09-21', provisioned: { databases: 1 }, deprovisioned: { databases: 2 } }] }))
      .toEqual([{ week: '2026-09-21', label: '21 Sep', '+databases': 1, '-databases': -2, '+networking': 0, '-networking': 0 }]);
    const o = (id: string) => ({ id, name: id, category: null, owner: null });
    expect(activeByKind([{ kind: 'storage', offering: o('s3'), active: 2 }, { kind: 'networking', offering: o('dns'), active: 17 }, { kind: 'storage', offering: o('efs'), active: 1 }]))
      .toEqual([
        { kind: 'networking', active: 17, offerings: [{ id: 'dns', name: 'dns', active: 17 }] },
        { kind: 'storage', active: 3, offerings: [{ id: 's3', name: 's3', active: 2 }, { id: 'efs', name: 'efs', active: 1 }] },
      ]);
  });

  it('says where the time goes, what it saved and how adoption stands', () => {
    expect(bottleneckWords({ phase: 'action', action: 'create_repo', share: 0.5614 })).toBe('action create_repo, 56.1 %');
    expect(bottleneckWords({ phase: 'approval', action: null, share: 0.7 })).toBe('approval, 70 %');
    expect(bottleneckWords(null)).toBe('—');
    expect([reductionWords(0.9992), reductionWords(-0.12), reductionWords(null)]).toEqual(['99.9 % less', '12 % more', '—']);
    expect(adoptionWords(0.5, 0.8)).toEqual({ text: '30 points below the 80 % target', met: false });
    expect(adoptionWords(0.85, 0.8).met).toBe(true);
    expect(adoptionWords(null, 0.8).met).toBeNull();
  });

  it('takes a download’s name from its Content-Disposition', () => {
    expect(fileNameOf('attachment; filename="apollo-request-audit-2026-12-05.csv"', 'x.csv')).toBe('apollo-request-audit-2026-12-05.csv');
    expect(fileNameOf(null, 'x.csv')).toBe('x.csv');
  });
});

describe('the request audit filters', () => {
  it('keeps them in the URL and asks for whole UTC days, "to" included', () => {
    const f = auditSearchFromUrl('?tab=audit&from=2026-12-01&to=2026-12-05&actor=%20admin%40apollo.local&outcome=failed&action=quotas.&requestId=&days=oops');
    expect(f).toEqual({ from: '2026-12-01', to: '2026-12-05', actor: 'admin@apollo.local', outcome: 'failed', action: 'quotas.' });
    expect(auditUrlOf(f)).toBe('?tab=audit&from=2026-12-01&to=2026-12-05&actor=admin%40apollo.local&action=quotas.&outcome=failed');
    expect(auditQueryOf(f)).toEqual({ from: '2026-12-01T00:00:00.000Z', to: '2026-12-06T00:00:00.000Z', actor: 'admin@apollo.local', outcome: 'failed', action: 'quotas.' });
    expect(auditSearchFromUrl('?from=1.12.2026&outcome=maybe')).toEqual({});
    expect([auditRangeProblem({ from: '2026-12-05', to: '2026-12-01' }), auditRangeProblem({ from: '2026-12-05', to: '2026-12-05' })]).toEqual(['"From" must be on or before "to".', null]);
  });
});
