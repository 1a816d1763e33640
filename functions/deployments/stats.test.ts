/**
 * DORA statistics from a seeded history, checked against numbers computed by hand (the arithmetic is in the
 * comments), and the edge cases: no deployments, no commit times, a failure never restored in the range, rollbacks.
 */
import { describe, expect, it } from 'vitest';
import {
  bucketStart, changeFailureBand, computeDeploymentStats, frequencyBand, leadTimeBand, median, percentile, restoreBand,
  type StatsOptions, type StatsRecord,
} from './stats.ts';

const DAY = 86_400_000;
// Monday 2 March 2026, 00:00 UTC (1 January 2026 was a Thursday; 2 March is day 61: 60 days later, a Monday).
const T0 = Date.parse('2026-03-02T00:00:00.000Z');
const FROM = T0;
const TO = T0 + 14 * DAY; // two whole ISO weeks
/** An instant `day` days and `hh:mm` after T0. */
const at = (day: number, hh: number, mm = 0) => new Date(T0 + day * DAY + (hh * 60 + mm) * 60_000).toISOString();

const TEAMS: Record<string, string> = { 'core-service': 'platform', 'billing-service': 'payments' };
const options = (over: Partial<StatsOptions> = {}): StatsOptions => ({ from: FROM, to: TO, bucket: 'week', teamOf: (s) => TEAMS[s], ...over });

let seq = 0;
function rec(partial: Partial<StatsRecord> & Pick<StatsRecord, 'operation' | 'status' | 'createdAt'>): StatsRecord {
  seq += 1;
  return { id: `D${String(seq).padStart(25, '0')}`, service: 'core-service', environment: 'prod', gitCommit: `c${seq}`, ...partial };
}

// ---------------------------------------------------------------- the seeded history
// core-service prod (team platform)
const A1 = rec({ operation: 'deploy', status: 'succeeded', createdAt: at(0, 10), completedAt: at(0, 10, 10), sourceCommit: { sha: 'a1a1a1a', committedAt: at(0, 8, 10) } }); // lead 2 h = 7200 s
const A2 = rec({ operation: 'deploy', status: 'failed', createdAt: at(1, 9), completedAt: at(1, 9, 20), sourceCommit: { sha: 'a2a2a2a', committedAt: at(1, 8) } }); // failed after changing Git
const A3 = rec({ operation: 'rollback', status: 'succeeded', createdAt: at(1, 9, 30), completedAt: at(1, 9, 50), rollbackOf: A2.id }); // restores A2: 9:50 − 9:20 = 1800 s
const A4 = rec({ operation: 'deploy', status: 'succeeded', createdAt: at(2, 12), completedAt: at(2, 12, 5), sourceCommit: { sha: 'a4a4a4a', committedAt: at(1, 12, 5) } }); // lead 24 h = 86400 s
const A6id = 'D0000000000000000000000006';
const A5 = rec({
  operation: 'promote', status: 'rolled_back', createdAt: at(3, 10), completedAt: at(3, 10, 45), // ends once its rollback has
  canary: { status: 'failed', config: { intervalSeconds: 60, iterations: 5, threshold: 5, minSuccessRate: 0.99, maxP99Ms: 500, onFailure: 'rollback' }, checks: [], failedChecks: 5, decision: { outcome: 'rolled_back', reason: 'error rate 7 %', at: at(3, 10, 30) }, rollbackDeploymentId: A6id },
});
// Apollo's automatic rollback of A5: restores it 10:40 − 10:30 (the canary's decision) = 600 s.
const A6 = rec({ operation: 'rollback', status: 'succeeded', createdAt: at(3, 10, 31), completedAt: at(3, 10, 40), rollbackOf: A5.id });
const A7 = rec({ operation: 'deploy', status: 'succeeded', createdAt: at(8, 14), completedAt: at(8, 14, 30), sourceCommit: { sha: 'a7a7a7a', committedAt: at(8, 13, 30) } }); // lead 1 h = 3600 s
// Someone rolls A7 back the next morning: A7 is a change failure from its completion, day 8 14:30, to 08:30 on day 9 = 18 h = 64800 s.
const A8 = rec({ operation: 'rollback', status: 'succeeded', createdAt: at(9, 8), completedAt: at(9, 8, 30), rollbackOf: A7.id });
// Never reached the environment, or not a deployment, or no outcome yet: none counts.
const NOT_COUNTED = [
  rec({ operation: 'deploy', status: 'refused', createdAt: at(10, 9), completedAt: at(10, 9), gitCommit: null }),
  rec({ operation: 'deploy', status: 'rejected', createdAt: at(10, 9), completedAt: at(10, 11), gitCommit: null }),
  rec({ operation: 'deploy', status: 'cancelled', createdAt: at(10, 12), completedAt: at(10, 12, 5) }),
  rec({ operation: 'deploy', status: 'failed', createdAt: at(10, 10), completedAt: at(10, 10, 1), gitCommit: null }), // failed before Git
  rec({ operation: 'scale', status: 'succeeded', createdAt: at(10, 13), completedAt: at(10, 13, 2) }),
  rec({ operation: 'restart', status: 'succeeded', createdAt: at(10, 14), completedAt: at(10, 14, 2) }),
  rec({ operation: 'deploy', status: 'in_progress', createdAt: at(13, 23) }),
  rec({ operation: 'deploy', status: 'succeeded', createdAt: new Date(FROM - 3_600_000).toISOString(), completedAt: at(0, 0, 5) }), // asked before the range
  rec({ operation: 'deploy', status: 'succeeded', createdAt: new Date(TO).toISOString(), completedAt: at(14, 0, 5) }), // asked at `to`: outside
];
// billing-service (team payments)
const B1 = rec({ service: 'billing-service', operation: 'deploy', status: 'succeeded', createdAt: at(4, 10), completedAt: at(4, 10, 20) }); // no commit time
const B2 = rec({ service: 'billing-service', operation: 'deploy', status: 'failed', createdAt: at(12, 16), completedAt: at(12, 16, 15) }); // never restored in the range
const B3 = rec({ service: 'billing-service', operation: 'promote', status: 'succeeded', createdAt: at(5, 11), completedAt: at(5, 11, 10), sourceCommit: { sha: 'b3b3b3b', committedAt: at(4, 11, 10) } }); // lead 86400 s
const S1 = rec({ service: 'billing-service', environment: 'staging', operation: 'deploy', status: 'succeeded', createdAt: at(6, 9), completedAt: at(6, 9, 5), sourceCommit: { sha: '5151515', committedAt: at(6, 8, 5) } }); // lead 3600 s

const HISTORY = [A1, A2, A3, A4, A5, A6, A7, A8, ...NOT_COUNTED, B1, B2, B3, S1].reverse(); // any order

describe('computeDeploymentStats on a seeded history', () => {
  it('answers the four keys and the failed-deployment rate computed by hand', () => {
    // Prepare / Act
    const { summary } = computeDeploymentStats(HISTORY, options());

    // Assess
    // Reached the environment: A1–A8, B1, B2, B3, S1 = 12; succeeded A1 A3 A4 A6 A7 A8 B1 B3 S1 = 9; failed A2 B2 = 2; rolled back A5 = 1.
    expect(summary.deployments).toEqual({ reached: 12, succeeded: 9, failed: 2, rolledBack: 1 });
    // 9 succeeded over 14 days = 0.642857… a day (4.5 a week): at least once a week, not more than once a day → high.
    expect(summary.deploymentFrequency).toEqual({ succeeded: 9, days: 14, perDay: 0.6429, perWeek: 4.5, band: 'high' });
    // Succeeded deploys and promotes: A1 A4 A7 B1 B3 S1 = 6, of which 5 carry a commit time (B1 none):
    // 3600 (A7), 3600 (S1), 7200 (A1), 86400 (A4), 86400 (B3) → median 7200; p90 = rank ⌈0.9 × 5⌉ = 5 → 86400. 2 h < 1 day → elite.
    expect(summary.leadTime).toEqual({ medianSeconds: 7200, p90Seconds: 86400, withCommitTime: 5, changes: 6, band: 'elite' });
    // Changes (deploys and promotes that reached): A1 A2 A4 A5 A7 B1 B2 B3 S1 = 9; failures: A2 (failed), A5 (rolled back by its
    // canary), A7 (rolled back later by A8), B2 (failed) = 4 → 4 / 9 = 0.444444 → above 15 % → low.
    expect(summary.changeFailureRate).toEqual({ rate: 0.444444, failures: 4, changes: 9, band: 'low' });
    // Restored: A2 1800 s (by A3), A5 600 s (by A6, from the canary's decision), A7 64800 s (by A8); B2 never → median of
    // 600, 1800, 64800 = 1800 s = 30 min < 1 hour → elite.
    expect(summary.timeToRestore).toEqual({ medianSeconds: 1800, restored: 3, unrestored: 1, band: 'elite' });
    // (failed 2 + rolled back 1) / 12 = 0.25: not below the design doc's 5 %.
    expect(summary.failedDeploymentRate).toEqual({ rate: 0.25, failed: 3, deployments: 12, target: 0.05, meetsTarget: false });
  });

  it('trends per ISO week, by when each was asked for', () => {
    const { trend } = computeDeploymentStats(HISTORY, options());

    expect(trend).toEqual([
      // Week of 2 March (days 0–6): A1 A2 A3 A4 A5 A6 B1 B3 S1 = 9; succeeded 7 (all but A2, A5); changes A1 A2 A4 A5 B1 B3 S1 = 7,
      // failures A2 A5 = 2 → 2/7 = 0.285714; failed-deployment rate 2/9 = 0.222222; lead times 3600 7200 86400 86400 → median
      // (7200 + 86400) / 2 = 46800; restores 1800 and 600 → median 1200.
      { start: '2026-03-02T00:00:00.000Z', end: '2026-03-09T00:00:00.000Z', reached: 9, succeeded: 7, changes: 7, failures: 2, changeFailureRate: 0.285714, failedDeploymentRate: 0.222222, leadTimeMedianSeconds: 46800, timeToRestoreMedianSeconds: 1200 },
      // Week of 9 March: A7 A8 B2 = 3, succeeded A7 A8 = 2; changes A7 B2 both failed → 1; failed B2 → 1/3; lead A7 3600; restore A7 64800.
      { start: '2026-03-09T00:00:00.000Z', end: '2026-03-16T00:00:00.000Z', reached: 3, succeeded: 2, changes: 2, failures: 2, changeFailureRate: 1, failedDeploymentRate: 0.333333, leadTimeMedianSeconds: 3600, timeToRestoreMedianSeconds: 64800 },
    ]);
  });

  it('groups per team (from the catalog), most deployments first', () => {
    const { groups } = computeDeploymentStats(HISTORY, options({ groupBy: 'team' }));

    expect(groups.map((g) => g.key)).toEqual(['platform', 'payments']);
    const [platform, payments] = groups.map((g) => g.metrics);
    // platform: A1–A8 = 8; succeeded A1 A3 A4 A6 A7 A8 = 6 → 6/14 = 0.428571 a day → high; changes A1 A2 A4 A5 A7 = 5, failures
    // A2 A5 A7 = 3 → 0.6; lead 3600 7200 86400 → median 7200, p90 rank ⌈2.7⌉ = 3 → 86400; restores 600 1800 64800 → 1800; (1 + 1) / 8.
    expect(platform).toMatchObject({
      deployments: { reached: 8, succeeded: 6, failed: 1, rolledBack: 1 },
      deploymentFrequency: { perDay: 0.4286, band: 'high' },
      leadTime: { medianSeconds: 7200, p90Seconds: 86400, withCommitTime: 3, changes: 3 },
      changeFailureRate: { rate: 0.6, failures: 3, changes: 5, band: 'low' },
      timeToRestore: { medianSeconds: 1800, restored: 3, unrestored: 0, band: 'elite' },
      failedDeploymentRate: { rate: 0.25, failed: 2, deployments: 8 },
    });
    // payments: B1 B2 B3 S1 = 4, succeeded 3 → 3/14 = 0.214286 → high; changes 4, failure B2 → 0.25 → low; lead 3600 (S1) and
    // 86400 (B3) → median 45000 (12.5 h, elite), p90 rank ⌈1.8⌉ = 2 → 86400, 2 of 3 with a commit time; B2 never restored: no median, no band.
    expect(payments).toEqual({
      deployments: { reached: 4, succeeded: 3, failed: 1, rolledBack: 0 },
      deploymentFrequency: { succeeded: 3, days: 14, perDay: 0.2143, perWeek: 1.5, band: 'high' },
      leadTime: { medianSeconds: 45000, p90Seconds: 86400, withCommitTime: 2, changes: 3, band: 'elite' },
      changeFailureRate: { rate: 0.25, failures: 1, changes: 4, band: 'low' },
      timeToRestore: { medianSeconds: null, restored: 0, unrestored: 1, band: null },
      failedDeploymentRate: { rate: 0.25, failed: 1, deployments: 4, target: 0.05, meetsTarget: false },
    });
  });

  it('groups per environment and per service; a service the catalog no longer has is the team "unknown"', () => {
    const byEnv = computeDeploymentStats(HISTORY, options({ groupBy: 'environment' })).groups;
    expect(byEnv.map((g) => [g.key, g.metrics.deployments.reached])).toEqual([['prod', 11], ['staging', 1]]);
    const byService = computeDeploymentStats(HISTORY, options({ groupBy: 'service' })).groups;
    expect(byService.map((g) => [g.key, g.metrics.deployments.reached])).toEqual([['core-service', 8], ['billing-service', 4]]);
    const orphan = computeDeploymentStats(HISTORY, options({ groupBy: 'team', teamOf: (s) => (s === 'core-service' ? 'platform' : undefined) })).groups;
    expect(orphan.map((g) => g.key)).toEqual(['platform', 'unknown']);
  });
});

describe('computeDeploymentStats edge cases', () => {
  it('no deployments: zero counts, no rates, no bands; the trend still has its (empty) buckets', () => {
    const stats = computeDeploymentStats([], options({ bucket: 'day' }));

    expect(stats.summary).toEqual({
      deployments: { reached: 0, succeeded: 0, failed: 0, rolledBack: 0 },
      deploymentFrequency: { succeeded: 0, days: 14, perDay: 0, perWeek: 0, band: null },
      leadTime: { medianSeconds: null, p90Seconds: null, withCommitTime: 0, changes: 0, band: null },
      changeFailureRate: { rate: null, failures: 0, changes: 0, band: null },
      timeToRestore: { medianSeconds: null, restored: 0, unrestored: 0, band: null },
      failedDeploymentRate: { rate: null, failed: 0, deployments: 0, target: 0.05, meetsTarget: null },
    });
    expect(stats.trend).toHaveLength(14);
    expect(stats.trend.every((b) => b.reached === 0 && b.changeFailureRate === null && b.leadTimeMedianSeconds === null)).toBe(true);
    expect(stats.groups).toEqual([]);
  });

  it('no commit times: lead time unknown (no band) while the rest is counted', () => {
    const plain = [
      rec({ operation: 'deploy', status: 'succeeded', createdAt: at(0, 9), completedAt: at(0, 9, 5) }),
      rec({ operation: 'promote', status: 'succeeded', createdAt: at(1, 9), completedAt: at(1, 9, 5) }),
    ];
    const { summary } = computeDeploymentStats(plain, options());
    expect(summary.leadTime).toEqual({ medianSeconds: null, p90Seconds: null, withCommitTime: 0, changes: 2, band: null });
    // 2 in 14 days = 0.142857 a day: exactly once a week is still high.
    expect(summary.deploymentFrequency).toMatchObject({ succeeded: 2, perDay: 0.1429, perWeek: 1, band: 'high' });
    // No failure: 0 %, elite; nothing to restore.
    expect(summary.changeFailureRate).toEqual({ rate: 0, failures: 0, changes: 2, band: 'elite' });
    expect(summary.timeToRestore).toEqual({ medianSeconds: null, restored: 0, unrestored: 0, band: null });
    expect(summary.failedDeploymentRate).toMatchObject({ rate: 0, meetsTarget: true });
  });

  it('a failure restored only after the range ends is unrestored; a success in another environment does not restore it', () => {
    const records = [
      rec({ operation: 'deploy', status: 'failed', createdAt: at(13, 20), completedAt: at(13, 20, 10) }),
      rec({ operation: 'deploy', status: 'succeeded', environment: 'staging', createdAt: at(13, 21), completedAt: at(13, 21, 10) }),
      rec({ operation: 'rollback', status: 'succeeded', createdAt: at(14, 1), completedAt: at(14, 1, 10) }), // asked after `to`
    ];
    const { summary } = computeDeploymentStats(records, options());
    expect(summary.timeToRestore).toEqual({ medianSeconds: null, restored: 0, unrestored: 1, band: null });
    expect(summary.changeFailureRate).toMatchObject({ failures: 1, changes: 2 });
  });

  it('rollbacks: deployments themselves (frequency, failed-deployment rate) but not changes; naming a failed one counts it once; naming one outside the range changes nothing', () => {
    const before = rec({ operation: 'deploy', status: 'succeeded', createdAt: new Date(FROM - DAY).toISOString(), completedAt: new Date(FROM - DAY + 600_000).toISOString() });
    const failed = rec({ operation: 'deploy', status: 'failed', createdAt: at(2, 10), completedAt: at(2, 10, 30) });
    const records = [
      before,
      rec({ operation: 'rollback', status: 'succeeded', createdAt: at(0, 9), completedAt: at(0, 9, 10), rollbackOf: before.id }),
      failed,
      rec({ operation: 'rollback', status: 'succeeded', createdAt: at(2, 11), completedAt: at(2, 11, 30), rollbackOf: failed.id }),
      // A rollback that failed after changing Git: a deployment, and a failed one, but not a change.
      rec({ operation: 'rollback', status: 'failed', createdAt: at(3, 11), completedAt: at(3, 11, 30) }),
    ];
    const { summary } = computeDeploymentStats(records, options());
    // In range and reached: rollback (s), failed deploy, rollback (s), rollback (f) = 4; succeeded 2.
    expect(summary.deployments).toEqual({ reached: 4, succeeded: 2, failed: 2, rolledBack: 0 });
    // The only change is the failed deploy: 1 / 1.
    expect(summary.changeFailureRate).toEqual({ rate: 1, failures: 1, changes: 1, band: 'low' });
    // Restored by the rollback naming it: 11:30 − 10:30 = 3600 s, exactly an hour → not under an hour: high.
    expect(summary.timeToRestore).toEqual({ medianSeconds: 3600, restored: 1, unrestored: 0, band: 'high' });
    // (2 failed) / 4 = 0.5.
    expect(summary.failedDeploymentRate).toMatchObject({ rate: 0.5, failed: 2, deployments: 4 });
  });

  it('a read cut at its bound counts its days from the oldest record read', () => {
    const records = [rec({ operation: 'deploy', status: 'succeeded', createdAt: at(7, 0), completedAt: at(7, 0, 5) })];
    const { summary } = computeDeploymentStats(records, options({ coveredFrom: T0 + 7 * DAY }));
    // 1 succeeded over the 7 days covered (not 14) = 0.142857 a day.
    expect(summary.deploymentFrequency).toMatchObject({ days: 7, perDay: 0.1429 });
  });

  it('day buckets are UTC days clipped to the range', () => {
    const from = Date.parse('2026-03-02T12:00:00.000Z');
    const to = Date.parse('2026-03-04T06:00:00.000Z');
    const records = [rec({ operation: 'deploy', status: 'succeeded', createdAt: '2026-03-03T23:59:00.000Z', completedAt: '2026-03-04T00:04:00.000Z' })];
    const { trend } = computeDeploymentStats(records, options({ from, to, bucket: 'day' }));
    expect(trend.map((b) => [b.start, b.end, b.reached])).toEqual([
      ['2026-03-02T12:00:00.000Z', '2026-03-03T00:00:00.000Z', 0],
      ['2026-03-03T00:00:00.000Z', '2026-03-04T00:00:00.000Z', 1],
      ['2026-03-04T00:00:00.000Z', '2026-03-04T06:00:00.000Z', 0],
    ]);
  });
});

describe('the arithmetic and DORA\'s bands', () => {
  it('median and nearest-rank percentile', () => {
    expect(median([])).toBeNull();
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(percentile([], 90)).toBeNull();
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9); // rank ⌈9⌉ = 9
    expect(percentile([10, 20, 30], 90)).toBe(30); // rank ⌈2.7⌉ = 3
  });

  it('weeks start on Monday 00:00 UTC', () => {
    expect(new Date(bucketStart(Date.parse('2026-03-08T23:00:00Z'), 'week')).toISOString()).toBe('2026-03-02T00:00:00.000Z'); // a Sunday
    expect(new Date(bucketStart(Date.parse('2026-03-09T00:00:00Z'), 'week')).toISOString()).toBe('2026-03-09T00:00:00.000Z');
    expect(new Date(bucketStart(Date.parse('2026-03-09T17:30:00Z'), 'day')).toISOString()).toBe('2026-03-09T00:00:00.000Z');
  });

  it('follow the 2023 report at their edges', () => {
    expect([2, 1, 1 / 7, 1 / 30, 1 / 31].map(frequencyBand)).toEqual(['elite', 'high', 'high', 'medium', 'low']);
    const hours = (h: number) => h * 3600;
    expect([hours(23.9), hours(24), hours(24 * 7), hours(24 * 30), null].map(leadTimeBand)).toEqual(['elite', 'high', 'medium', 'low', null]);
    expect([0, 0.05, 0.1, 0.15, 0.16, null].map(changeFailureBand)).toEqual(['elite', 'elite', 'high', 'medium', 'low', null]);
    expect([hours(0.9), hours(1), hours(24), hours(24 * 7), null].map(restoreBand)).toEqual(['elite', 'high', 'medium', 'low', null]);
  });
});
