import { describe, expect, it } from 'vitest';
import type { DeploymentSummary } from '../../../../schemas/types.gen.ts';
import {
  canaryChart, canaryFormOf, canaryProgress, checkCanaryForm, checkDecisionReason, deploymentMarkers, formatRate, groupMarkers, limitFromBaseline, limitsOf, niceCeil, overriddenKeys,
  type Canary, type CanaryConfig,
} from './canary-rules.ts';

const at = (s: number) => new Date(Date.parse('2026-11-25T10:00:00.000Z') + s * 1000).toISOString();
const config: CanaryConfig = { intervalSeconds: 1, iterations: 3, threshold: 2, minSuccessRate: 0.99, maxP99Ms: 500, onFailure: 'rollback' };
const check = (s: number, errorRate: number | null, p99Ms: number | null, passed: boolean, reasons: string[] = []): Canary['checks'][number] =>
  ({ at: at(s), requests: errorRate === null ? 0 : 100, errorRate, p99Ms, passed, reasons });
const canary = (over: Partial<Canary> = {}): Canary => ({ status: 'running', metrics: 'LOCAL DEMO METRICS', config, baseline: null, checks: [], failedChecks: 0, startedAt: at(0), ...over });

describe('the limits a check is held to', () => {
  it('are the thresholds, loosened to 25 % above a baseline already past them (as the backend judges)', () => {
    expect(limitsOf(config, null)).toEqual({ maxErrorRate: 1 - 0.99, maxP99Ms: 500 });
    // A healthy baseline changes nothing.
    expect(limitsOf(config, { errorRate: 0.002, p99Ms: 180 })).toEqual({ maxErrorRate: 1 - 0.99, maxP99Ms: 500 });
    // A bad one: 4 % errors and 800 ms before the deploy → 5 % and 1000 ms.
    const loose = limitsOf(config, { errorRate: 0.04, p99Ms: 800 });
    expect(loose.maxErrorRate).toBeCloseTo(0.05, 10);
    expect(loose.maxP99Ms).toBe(1000);
    expect(limitFromBaseline('errorRate', config, { errorRate: 0.04, p99Ms: 100 })).toBe(true);
    expect(limitFromBaseline('p99Ms', config, { errorRate: 0.04, p99Ms: 100 })).toBe(false);
    // Unknown baseline numbers do not loosen anything.
    expect(limitsOf(config, { errorRate: null, p99Ms: null })).toEqual({ maxErrorRate: 1 - 0.99, maxP99Ms: 500 });
  });

  it('read as the record reads them', () => {
    expect(formatRate(0.15)).toBe('15.0 %');
    expect(formatRate(0.0123)).toBe('1.23 %');
  });
});

describe('progress', () => {
  it('counts checks of the iterations and failed checks of the threshold', () => {
    expect(canaryProgress(canary({ checks: [check(1, 0.001, 100, true), check(2, 0.15, 100, false)], failedChecks: 1 })))
      .toEqual({ checks: 2, iterations: 3, failed: 1, threshold: 2, share: 2 / 3 });
    expect(canaryProgress(canary()).share).toBe(0);
  });
});

describe('the chart', () => {
  const size = { width: 200, height: 100, left: 40, right: 10, top: 10, bottom: 10 };

  it('places each check by its time over the planned analysis, and the limit and baseline on a round scale', () => {
    const c = canary({
      baseline: { requests: 600, errorRate: 0.004, p99Ms: 150, version: 'v1.4.4', from: at(-60), to: at(0) },
      checks: [check(1, 0.002, 120, true), check(2, 0.15, 130, false, ['error rate 15.0 % > 1.00 %'])], failedChecks: 1,
    });
    const error = canaryChart(c, 'errorRate', size);
    // x: from the start (at 0) to start + 3 × 1 s over the 150 units between 40 and 190.
    expect(error.from).toBe(Date.parse(at(0)));
    expect(error.to).toBe(Date.parse(at(3)));
    expect(error.points.map((p) => p.x)).toEqual([90, 140]);
    // y: 0 to a round number above 15 % × 1.05 (0.2), over the 80 units between 90 (0) and 10 (the top).
    expect(error.max).toBe(0.2);
    expect(error.points.map((p) => p.y)).toEqual([89.2, 30]);
    expect(error.points.map((p) => p.passed)).toEqual([true, false]);
    expect(error.limit).toBeCloseTo(0.01, 10);
    expect(error.limitY).toBe(86);
    expect(error.baselineY).toBe(88.4);
    expect(error.path).toBe('M90,89.2 L140,30');
    expect(error.ticks.map((t) => t.label)).toEqual(['0.00 %', '10.0 %', '20.0 %']);

    const p99 = canaryChart(c, 'p99Ms', size);
    // The limit (500 ms × 1.2) decides the scale: 600 → 1000.
    expect(p99.max).toBe(1000);
    expect(p99.limitY).toBe(50);
    expect(p99.ticks.map((t) => t.label)).toEqual(['0 ms', '500 ms', '1000 ms']);
  });

  it('puts a check with no numbers on the axis, failed, and draws no line through fewer than two values', () => {
    const layout = canaryChart(canary({ checks: [check(1, null, null, false, ['the metrics could not be read: timeout'])], failedChecks: 1 }), 'errorRate', size);
    expect(layout.points).toHaveLength(1);
    expect(layout.points[0]).toMatchObject({ value: null, y: 90, passed: false });
    expect(layout.path).toBe('');
    expect(layout.baselineY).toBeNull();
  });

  it('stretches the time axis to a check later than planned (a paused canary decided late)', () => {
    const layout = canaryChart(canary({ checks: [check(1, 0.001, 100, true), check(9, 0.001, 100, true)] }), 'p99Ms', size);
    expect(layout.to).toBe(Date.parse(at(9)));
    expect(layout.points.at(-1)!.x).toBe(190);
  });

  it('rounds the scale up to 1, 2, 2.5 or 5 × a power of ten', () => {
    expect([0.012, 0.2, 0.21, 600, 0.0001, 0].map(niceCeil)).toEqual([0.02, 0.2, 0.25, 1000, 0.0001, 1]);
  });
});

describe('a service\'s settings', () => {
  const defaults = { enabled: true, config: { intervalSeconds: 60, iterations: 10, threshold: 5, minSuccessRate: 0.99, maxP99Ms: 500, onFailure: 'rollback' as const } };
  const empty = canaryFormOf({ enabled: true, overrides: {} });

  it('fills the dialog with the overrides only (empty keeps the default)', () => {
    expect(empty).toEqual({ enabled: true, intervalSeconds: '', iterations: '', threshold: '', successPercent: '', maxP99Ms: '', onFailure: '' });
    expect(canaryFormOf({ enabled: true, overrides: { minSuccessRate: 0.995, maxP99Ms: 800, onFailure: 'pause' } }))
      .toMatchObject({ successPercent: '99.5', maxP99Ms: '800', onFailure: 'pause' });
  });

  it('sends what is filled in, and says what is wrong', () => {
    expect(checkCanaryForm(empty, defaults)).toEqual({ body: {}, errors: {} });
    expect(checkCanaryForm({ ...empty, successPercent: '99.5', maxP99Ms: '800', onFailure: 'pause', iterations: '6', threshold: '2' }, defaults))
      .toEqual({ body: { minSuccessRate: 0.995, maxP99Ms: 800, onFailure: 'pause', iterations: 6, threshold: 2 }, errors: {} });
    expect(checkCanaryForm({ ...empty, enabled: false }, defaults).body).toEqual({ enabled: false });
    const bad = checkCanaryForm({ ...empty, intervalSeconds: '0.5', successPercent: '101', maxP99Ms: 'fast' }, defaults);
    expect(bad.body).toBeUndefined();
    expect(Object.keys(bad.errors).sort()).toEqual(['intervalSeconds', 'maxP99Ms', 'successPercent']);
    // More failed checks than checks could never fail it.
    expect(checkCanaryForm({ ...empty, iterations: '3' }, defaults).errors.threshold).toContain('(3)');
  });

  it('knows which settings are overridden', () => {
    expect([...overriddenKeys({ maxP99Ms: 800, onFailure: 'pause' })].sort()).toEqual(['maxP99Ms', 'onFailure']);
  });

  it('asks a reason for a decision', () => {
    expect(checkDecisionReason('  ok ')).toContain('at least 3');
    expect(checkDecisionReason('The spike is the batch job')).toBeUndefined();
  });
});

describe('deployments on a health strip', () => {
  const now = Date.parse('2026-11-25T12:00:00.000Z');
  const row = (id: string, over: Partial<DeploymentSummary>): DeploymentSummary => ({
    id, operation: 'deploy', service: 'core-service', environment: 'prod', imageTag: 'v1.5.0', status: 'succeeded', stage: 'done',
    initiatedBy: 'dana@apollo.local', initiatedVia: 'ui', createdAt: '2026-11-25T10:00:00.000Z', updatedAt: '2026-11-25T10:05:00.000Z', completedAt: '2026-11-25T10:05:00.000Z', ...over,
  });

  it('marks what changed the environment over the window, at its end, oldest first, with a label for its tooltip', () => {
    const markers = deploymentMarkers([
      row('c', { status: 'analyzing', stage: 'analysis', createdAt: '2026-11-25T11:58:00.000Z', completedAt: null }),
      row('b', { status: 'rolled_back', stage: 'rollback', imageTag: 'v1.6.0', completedAt: '2026-11-25T11:00:00.000Z' }),
      row('a', {}),
      row('x', { status: 'cancelled' }),
      row('y', { environment: 'staging' }),
      row('z', { completedAt: '2026-11-24T10:00:00.000Z' }),
    ], 'prod', now, 24 * 3600_000);
    expect(markers.map((m) => [m.id, m.outcome])).toEqual([['a', 'succeeded'], ['b', 'rolled_back'], ['c', 'running']]);
    expect(markers[0]!.position).toBeCloseTo(1 - (115 / (24 * 60)), 10);
    expect(markers[1]!.label).toBe('Deploy v1.6.0 by dana@apollo.local: rolled back by its canary');
    expect(markers[2]!.label).toBe('Deploy v1.5.0 by dana@apollo.local: under way');
  });

  it('lets markers minutes apart share a stem, coloured by the worst of them, at the newest one\'s place', () => {
    const markers = deploymentMarkers([
      row('a', { completedAt: '2026-11-25T06:00:00.000Z' }),
      row('b', { status: 'rolled_back', stage: 'rollback', completedAt: '2026-11-25T11:00:00.000Z' }),
      row('c', { operation: 'rollback', imageTag: 'v1.4.4', completedAt: '2026-11-25T11:01:00.000Z' }),
    ], 'prod', now, 24 * 3600_000);
    const groups = groupMarkers(markers);
    expect(groups.map((g) => [g.outcome, g.markers.map((m) => m.id)])).toEqual([['succeeded', ['a']], ['rolled_back', ['b', 'c']]]);
    expect(groups[1]!.position).toBe(markers[2]!.position);
    expect(groups[1]!.markers[1]!.label).toBe('Rollback v1.4.4 by dana@apollo.local: succeeded');
  });
});

describe('a check failed on one metric', () => {
  it('is marked failed on that metric\'s chart only', () => {
    const canary = {
      config: { intervalSeconds: 5, iterations: 3, threshold: 2, minSuccessRate: 0.99, maxP99Ms: 500, onFailure: 'rollback' as const },
      baseline: null, startedAt: '2026-12-05T10:00:00.000Z',
      checks: [{ at: '2026-12-05T10:00:05.000Z', requests: 90, errorRate: 0.15, p99Ms: 88, passed: false, reasons: ['error rate 15.0 % > 1.00 %'] }],
    };
    expect(canaryChart(canary, 'errorRate').points[0]!.passed).toBe(false);
    expect(canaryChart(canary, 'p99Ms').points[0]).toMatchObject({ passed: true, reasons: [] });
  });
});
