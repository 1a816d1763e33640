/**
 * DORA statistics through the local runtime over signed HTTP: a fresh start's demo history gives real numbers (and
 * seeding again writes nothing), a small history of its own (in 2020, away from the demo's last 60 days) answers the
 * numbers computed by hand per team, and a range the API refuses says which field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentList, DeploymentStats } from '#schemas/index.ts';
import { createDeployment, type DeploymentRecord } from '../../functions/deployments/records.ts';
import { seedDemoDeployments } from '../demo-deployments.ts';
import { seedDemoData } from '../seed.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  expect(await seedDemoData({ baseUrl: h.runtime.url })).toContain('deployments-v1');
}, 120_000);
afterAll(async () => { await h?.close(); });

const stats = async (query: Record<string, string>) => h.client('viewer').call<DeploymentStats>('GET', '/api/v1/deployments/stats', { query });

describe('GET /api/v1/deployments/stats', () => {
  it('shows the demo history\'s DORA numbers on a fresh start: every key has a value and a band', async () => {
    const started = Date.now();
    const res = await stats({});
    console.log(`stats of the demo history: ${Date.now() - started} ms`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const { summary, trend, coverage, bucket } = res.body;
    // The default: the last 30 days, per day.
    expect(bucket).toBe('day');
    expect(trend.length).toBeGreaterThanOrEqual(30);
    expect(coverage).toMatchObject({ truncated: false, limit: 5000 });
    expect(summary.deployments.reached).toBeGreaterThan(50);
    expect(summary.deploymentFrequency.band).not.toBeNull();
    expect(summary.leadTime.withCommitTime).toBeGreaterThan(0);
    expect(summary.leadTime.withCommitTime).toBeLessThanOrEqual(summary.leadTime.changes);
    expect(summary.leadTime.band).not.toBeNull();
    expect(summary.changeFailureRate.failures).toBeGreaterThan(0);
    expect(summary.timeToRestore.restored).toBeGreaterThan(0);
    expect(summary.timeToRestore.band).not.toBeNull();
    expect(summary.failedDeploymentRate.rate).toBeGreaterThan(0);
    // The trend adds up to the summary.
    expect(trend.reduce((n, b) => n + b.reached, 0)).toBe(summary.deployments.reached);

    // Per team: the demo teams own the demo services.
    const teams = (await stats({ groupBy: 'team', environment: 'prod' })).body.groups.map((g) => g.key).sort();
    expect(teams).toEqual(['data', 'growth', 'payments', 'platform']);

    // Each environment's newest record is what the catalog runs there.
    const newest = (await h.client('viewer').call<DeploymentList>('GET', '/api/v1/deployments/history', { query: { service: 'core-service', environment: 'staging', limit: '1' } })).body.items[0]!;
    const env = (await h.client('viewer').call<{ items: Array<{ name: string; deployment: { imageTag?: string } }> }>('GET', '/api/v1/services/core-service/environments')).body.items.find((e) => e.name === 'staging')!;
    expect(newest).toMatchObject({ status: 'succeeded', imageTag: env.deployment.imageTag });

    // Seeding again writes nothing.
    expect(await seedDemoDeployments()).toBe(0);
    expect((await stats({})).body.summary.deployments.reached).toBe(summary.deployments.reached);
  });

  it('answers a history of its own computed by hand, per team and filtered', async () => {
    // Prepare: in May 2020 (days from Monday 4 May 00:00 UTC), core-service (platform) and billing-service (payments) prod.
    const day = (d: number, hh: number, mm = 0) => new Date(Date.UTC(2020, 4, 4 + d, hh, mm)).toISOString();
    let n = 0;
    const put = async (partial: Partial<DeploymentRecord> & Pick<DeploymentRecord, 'service' | 'operation' | 'status' | 'createdAt'>) => {
      n += 1;
      const record: DeploymentRecord = {
        id: `01E7${String(n).padStart(22, '0')}`, environment: 'prod', imageTag: `v0.${n}.0`, previousImageTag: null, replicas: 3, previousReplicas: 3,
        fromEnvironment: null, stage: 'done', initiatedBy: 'stats-test@apollo.local', initiatedByRole: 'operator', initiatedVia: 'api', reason: 'stats test',
        gitCommit: `${String(n).padStart(40, 'a')}`, updatedAt: partial.createdAt, completedAt: null, durationMs: null, error: null, approval: { required: true },
        cancel: null, rollbackOf: null, production: true, cluster: 'eks-prod-us-east-1', namespace: 'platform', version: 1, ...partial,
      };
      await createDeployment(record);
      return record;
    };
    // core: a deploy 2 h after its commit; a deploy that failed after Git changed, rolled back 30 min later; a promote 1 h after its commit.
    await put({ service: 'core-service', operation: 'deploy', status: 'succeeded', createdAt: day(0, 10), completedAt: day(0, 10, 10), sourceCommit: { sha: 'c0ffee1', committedAt: day(0, 8, 10) } });
    const failed = await put({ service: 'core-service', operation: 'deploy', status: 'failed', createdAt: day(1, 9), completedAt: day(1, 9, 20) });
    await put({ service: 'core-service', operation: 'rollback', status: 'succeeded', createdAt: day(1, 9, 30), completedAt: day(1, 9, 50), rollbackOf: failed.id });
    await put({ service: 'core-service', operation: 'promote', status: 'succeeded', createdAt: day(3, 12), completedAt: day(3, 12, 30), sourceCommit: { sha: 'c0ffee2', committedAt: day(3, 11, 30) } });
    // billing: a deploy without a commit time; a refused one (not a deployment).
    await put({ service: 'billing-service', operation: 'deploy', status: 'succeeded', createdAt: day(2, 10), completedAt: day(2, 10, 5), namespace: 'payments' });
    await put({ service: 'billing-service', operation: 'deploy', status: 'refused', createdAt: day(2, 11), gitCommit: null, completedAt: day(2, 11), namespace: 'payments' });

    // Act
    const res = await stats({ from: day(0, 0), to: day(7, 0), groupBy: 'team', bucket: 'week' });

    // Assess
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ from: '2020-05-04T00:00:00.000Z', to: '2020-05-11T00:00:00.000Z', bucket: 'week', groupBy: 'team', coverage: { records: 5, truncated: false } });
    // Reached: 4 core + 1 billing = 5; succeeded 4 → 4/7 days = 0.5714 a day → high. Changes: core deploy, failed deploy, promote,
    // billing deploy = 4, one failure → 0.25 → low. Lead 3600 (promote) and 7200 (deploy) → median 5400 (elite), p90 rank ⌈1.8⌉ = 2 → 7200,
    // 2 of the 3 succeeded changes with a commit time. Restored 9:50 − 9:20 = 1800 s → elite. Failed 1 / 5 = 0.2.
    expect(res.body.summary).toEqual({
      deployments: { reached: 5, succeeded: 4, failed: 1, rolledBack: 0 },
      deploymentFrequency: { succeeded: 4, days: 7, perDay: 0.5714, perWeek: 4, band: 'high' },
      leadTime: { medianSeconds: 5400, p90Seconds: 7200, withCommitTime: 2, changes: 3, band: 'elite' },
      changeFailureRate: { rate: 0.25, failures: 1, changes: 4, band: 'low' },
      timeToRestore: { medianSeconds: 1800, restored: 1, unrestored: 0, band: 'elite' },
      failedDeploymentRate: { rate: 0.2, failed: 1, deployments: 5, target: 0.05, meetsTarget: false },
    });
    expect(res.body.trend).toEqual([expect.objectContaining({ start: '2020-05-04T00:00:00.000Z', end: '2020-05-11T00:00:00.000Z', reached: 5, failures: 1 })]);
    // platform: 4 reached, 1 of 3 changes failed → 0.333333; payments: 1 reached, no failure.
    expect(res.body.groups.map((g) => [g.key, g.metrics.deployments.reached, g.metrics.changeFailureRate.rate])).toEqual([['platform', 4, 0.333333], ['payments', 1, 0]]);

    // Filtered to a team (its services from the catalog), and to a service (its own index).
    const payments = (await stats({ from: day(0, 0), to: day(7, 0), team: 'payments' })).body;
    expect(payments).toMatchObject({ filters: { team: 'payments' }, summary: { deployments: { reached: 1 }, leadTime: { withCommitTime: 0, medianSeconds: null, band: null } } });
    const core = (await stats({ from: day(0, 0), to: day(7, 0), service: 'core-service', environment: 'prod' })).body;
    expect(core.summary.deployments.reached).toBe(4);
    // A service its team does not own: nothing.
    expect((await stats({ from: day(0, 0), to: day(7, 0), service: 'core-service', team: 'payments' })).body.summary.deployments.reached).toBe(0);
  });

  it('refuses a range that ends before it starts, or is longer than 366 days, naming the field', async () => {
    type Refusal = { error: { code: string; details: Array<{ path: string }> } };
    const refusal = async (query: Record<string, string>) => {
      const res = await h.client('viewer').send('GET', '/api/v1/deployments/stats', { query });
      return { status: res.status, body: res.body as Refusal };
    };
    const backwards = await refusal({ from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' });
    expect(backwards.status).toBe(400);
    expect(backwards.body.error.details.map((d) => d.path)).toEqual(['/query/from']);
    const long = await refusal({ from: '2024-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' });
    expect(long.status).toBe(400);
    expect(long.body.error.details.map((d) => d.path)).toEqual(['/query/to']);
    const bad = await refusal({ groupBy: 'cluster' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d) => d.path)).toEqual(['/query/groupBy']);
  });
});
