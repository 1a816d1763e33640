/**
 * Costs through the local runtime: the demo seed, the cost-ingest job over the LOCAL demo Cost Explorer, and the
 * signed API a user reads — 90 days by environment and service, the anomaly joined to the deploy before it, the
 * allocation tree, a service's history, the forecast, and a budget breached by forecast that alerts its owners once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CostAnomalyList, CostBudget, CostRecommendationList, CostBudgetList, CostEnvironment, CostForecast, CostService, CostSummary, NotificationList } from '#schemas/index.ts';
import type { AiFindings } from '#schemas/index.ts';
import { parseCommand } from '#functions/ai/commands/index';
import { setCostsClock } from '../../functions/costs/clock.ts';
import { AllocationSourceError } from '../../functions/costs/adapters/opencost.ts';
import { configureCosts, costsDeps } from '../../functions/costs/deps.ts';
import { runCostIngest } from '../../functions/costs/ingest.ts';
import { clusterDays } from '../../functions/costs/records.ts';
import { demoAnomaly } from '../../functions/costs/local.ts';
import { seedDemoData } from '../seed.ts';
import { runToolAs } from './ai-tools.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
type Role = 'viewer' | 'developer' | 'operator' | 'admin';
async function call<T>(role: Role, method: string, path: string, options: { body?: unknown; query?: Record<string, string>; ifMatch?: string } = {}): Promise<{ status: number; body: T; headers?: Headers }> {
  return await h.client(role).send(method as never, path, options as never) as { status: number; body: T };
}

beforeAll(async () => {
  h = await startHarness();
  await seedDemoData({ baseUrl: h.runtime.url });
}, 120_000);
afterAll(async () => { await h.close(); });

describe('the cost-ingest job', () => {
  it('fetches 90 days the first time, and the same days again leave the same records', async () => {
    const first = await runCostIngest();
    expect(first).toMatchObject({ status: 'succeeded', days: 90, source: 'local-demo' });
    expect(first.records).toBeGreaterThan(90 * 30);
    expect(first.anomalies).toBeGreaterThanOrEqual(1);
    const summary = (await call<CostSummary>('viewer', 'GET', '/api/v1/costs/summary')).body;
    const second = await runCostIngest();
    // The second run revisits the last 3 days only (Cost Explorer revises them), deleting nothing; coverage and
    // Cost Explorer's recommendations were read by the first (they are read weekly).
    expect(first).toMatchObject({ slowReads: true, slowRequests: 5 });
    expect(second).toMatchObject({ status: 'succeeded', days: 3, deleted: 0, slowReads: false, slowRequests: 0, requests: first.requests - 5 });
    const again = (await call<CostSummary>('viewer', 'GET', '/api/v1/costs/summary')).body;
    expect(again.monthToDate).toBeCloseTo(summary.monthToDate, 1);
    expect(again.daily.length).toBe(summary.daily.length);
  }, 120_000);
});

describe('the cost-ingest job with one cluster\'s OpenCost out', () => {
  it('keeps the clusters that answered, names the one that did not, ends partial, and keeps its right-sizing', async () => {
    // Arrange: the local fake OpenCost for every cluster but core-service prod's, which answers 503
    const { allocation } = await costsDeps();
    expect(allocation!.clusters.length).toBeGreaterThanOrEqual(2);
    const envs = (await call<Array<{ name: string; cluster: string }> | { items: Array<{ name: string; cluster: string }> }>('viewer', 'GET', '/api/v1/services/core-service/environments')).body;
    const broken = (Array.isArray(envs) ? envs : envs.items).find((e) => e.name === 'prod')!.cluster;
    const answering = allocation!.clusters.filter((c) => c !== broken);
    expect(answering.length).toBe(allocation!.clusters.length - 1);
    const rightsizing = (recs: CostRecommendationList) => recs.items.find((r) => r.source === 'opencost' && r.service === 'core-service' && r.environment === 'prod');
    const advised = rightsizing((await call<CostRecommendationList>('viewer', 'GET', '/api/v1/costs/recommendations')).body);
    expect(advised).toBeDefined();
    configureCosts({
      allocation: {
        simulated: allocation!.simulated, label: allocation!.label, clusters: allocation!.clusters,
        allocations: (cluster, range) => (cluster === broken ? Promise.reject(new AllocationSourceError(cluster, `OpenCost of the cluster ${cluster} answered 503 (test)`, true, 503)) : allocation!.allocations(cluster, range)),
      },
    });
    const before = await Promise.all(answering.map((c) => clusterDays(c, '2000-01-01', '2999-12-31')));
    try {
      // Act
      const run = await runCostIngest();

      // Assess
      expect(run.status).toBe('partial');
      expect(run.problems).toEqual([`Kubernetes allocation: OpenCost of the cluster ${broken} answered 503 (test)`]);
      const after = await Promise.all(answering.map((c) => clusterDays(c, '2000-01-01', '2999-12-31')));
      for (const [i, days] of after.entries()) expect(days.length).toBeGreaterThanOrEqual(Math.max(1, before[i]!.length));
      // Its right-sizing is the last run's, and the list says so.
      const recs = (await call<CostRecommendationList>('viewer', 'GET', '/api/v1/costs/recommendations')).body;
      expect(rightsizing(recs)).toEqual(advised);
      expect(recs.notes).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^Right-sizing on ${broken} is the run of .* UTC's: its OpenCost did not answer this time\\.$`))]));
    } finally {
      configureCosts({ allocation });
    }
  }, 120_000);
});

describe('what a user reads', () => {
  it('the summary: 90 days by environment, top services, forecast, visibility', async () => {
    const res = await call<CostSummary>('viewer', 'GET', '/api/v1/costs/summary');
    expect(res.status).toBe(200);
    const s = res.body;
    expect(s).toMatchObject({ simulated: true, source: 'local-demo', currency: 'USD' });
    expect(s.daily).toHaveLength(90);
    expect(Object.keys(s.daily.at(-5)!.byEnvironment).sort()).toEqual(['dev', 'prod', 'staging', 'untagged']);
    expect(s.topServices[0]!.service).toBeTruthy();
    expect(s.forecast?.monthEnd).toBeGreaterThan(s.monthToDate);
    expect(s.visibility.servicesWithCost).toBe(s.visibility.services);
    expect(s.visibility.attributedPercent).toBeGreaterThan(70);
    expect(s.visibility.topUntagged.length).toBeGreaterThan(0);
    // RI and Savings Plans: how much of the eligible usage they cover, and how much of the commitment is used.
    expect(s.coverage.map((c) => c.kind)).toEqual(['reserved-instances', 'savings-plans']);
    expect(s.coverage[0]!.coveragePercent).toBeGreaterThan(0);
  });

  it('the anomaly names the deploy of the day before', async () => {
    const anomaly = await demoAnomaly();
    expect(anomaly).toMatchObject({ service: 'core-service', environment: 'prod' });
    const res = await call<CostAnomalyList>('viewer', 'GET', '/api/v1/costs/anomalies', { query: { service: 'core-service' } });
    expect(res.status).toBe(200);
    const ours = res.body.items.find((a) => a.source === 'apollo' && a.environment === 'prod');
    expect(ours?.date).toBe(anomaly!.from);
    expect(ours?.causes.some((c) => c.kind === 'deployment')).toBe(true);
    expect(ours?.summary).toMatch(/^core-service in prod rose to \$\d+\.\d\d\/day \(expected \$\d+\.\d\d\): this deploy, /);
    const all = (await call<CostAnomalyList>('viewer', 'GET', '/api/v1/costs/anomalies')).body.items;
    expect(all.some((a) => a.source === 'cost-explorer')).toBe(true);
    // No other demo service is anomalous.
    expect(all.filter((a) => a.source === 'apollo').map((a) => `${a.environment}/${a.service}`)).toEqual(['prod/core-service']);
  });

  it('the environment tree and a service history', async () => {
    const env = (await call<CostEnvironment>('viewer', 'GET', '/api/v1/costs/environments/prod')).body;
    expect(env.clusters[0]!.cluster).toBe('eks-prod-us-east-1');
    expect(env.managed.map((m) => m.resourceType).sort()).toEqual(['elasticache', 'msk', 'rds']);
    // Changes compare with last month up to the same day: core-service rose (the deploy), the environment a little (growth).
    const core = env.clusters.flatMap((c) => c.namespaces).flatMap((n) => n.services).find((x) => x.service === 'core-service')!;
    expect(core.changePercent).toBeGreaterThan(20);
    expect(env.changePercent).toBeGreaterThan(0);
    expect(env.changePercent).toBeLessThan(40);
    // Shared cost keeps the AWS service's name as Cost Explorer gives it (the summary's untagged list does too).
    expect(env.shared.map((x) => x.resourceType).sort()).toEqual(['cloudwatch', 'eks']);
    // The cluster's idle capacity, by the (LOCAL FAKE) OpenCost, apart from the services.
    expect(env.clusters[0]!.idle).toBeGreaterThan(0);
    const svc = (await call<CostService>('viewer', 'GET', '/api/v1/costs/services/core-service')).body;
    expect(svc.daily).toHaveLength(90);
    expect(svc.anomalies.length).toBeGreaterThan(0);
    expect(Object.keys(svc.byResourceType).sort()).toEqual(['ebs', 'ec2', 'elb']);
    // The same figure wherever it shows: the summary's top services and the service's page agree to the cent.
    const summary = (await call<CostSummary>('viewer', 'GET', '/api/v1/costs/summary')).body;
    expect(summary.topServices.find((t) => t.service === 'core-service')?.monthToDate).toBe(svc.monthToDate);
    const prodOnly = (await call<CostService>('viewer', 'GET', '/api/v1/costs/services/core-service', { query: { environment: 'prod' } })).body;
    expect(prodOnly.monthToDate).toBeLessThan(svc.monthToDate);
    expect(Object.keys(prodOnly.byEnvironment)).toEqual(['prod']);
    expect((await call<CostForecast>('viewer', 'GET', '/api/v1/costs/forecast')).body.organization?.method).toBe('cost-explorer');
    expect((await call('viewer', 'GET', '/api/v1/costs/environments/nowhere')).status).toBe(404);
    expect((await call('viewer', 'GET', '/api/v1/costs/services/no-such-service')).status).toBe(404);
  });

  it('recommendations, each with its monthly saving, the largest first', async () => {
    const res = await call<CostRecommendationList>('viewer', 'GET', '/api/v1/costs/recommendations');
    expect(res.status).toBe(200);
    const list = res.body;
    const kinds = new Set(list.items.map((r) => r.kind));
    expect([...kinds].sort()).toEqual(['idle-non-prod', 'reserved-capacity', 'rightsizing', 'savings-plans', 'spot', 'storage']);
    expect(list.items.map((r) => r.monthlySaving)).toEqual([...list.items.map((r) => r.monthlySaving)].sort((a, b) => b - a));
    expect(list.totalMonthlySaving).toBeCloseTo(list.items.reduce((a, r) => a + r.monthlySaving, 0), 1);
    expect(list.items.every((r) => r.monthlySaving >= 5)).toBe(true);
    // Right-sizing from OpenCost's requests vs use names the catalog service it found.
    const rightsizing = list.items.find((r) => r.source === 'opencost' && r.service === 'core-service' && r.environment === 'prod');
    expect(rightsizing?.action).toMatch(/^Set its requests to \d+\.\d\d cores and \d+\.\d GiB/);
    // Steady production datastores are worth reserving; production compute is never scheduled off.
    expect(list.items.some((r) => r.kind === 'reserved-capacity' && r.service === 'postgres' && r.environment === 'prod')).toBe(true);
    expect(list.items.some((r) => r.kind === 'idle-non-prod' && r.environment === 'prod')).toBe(false);
    expect(list.items.filter((r) => r.kind === 'storage').map((r) => r.resourceId?.slice(0, 4))).toEqual(expect.arrayContaining(['vol-', 'snap']));
    const filtered = (await call<CostRecommendationList>('viewer', 'GET', '/api/v1/costs/recommendations', { query: { service: 'core-service', minSaving: '10' } })).body;
    expect(filtered.items.every((r) => r.service === 'core-service' && r.monthlySaving >= 10)).toBe(true);
    expect((await call('viewer', 'GET', '/api/v1/costs/recommendations', { query: { kind: 'magic' } })).status).toBe(400);
    // What was read is named, the LOCAL stand-ins as such; a service's answer counts only its own small ones.
    expect(list.sources).toEqual([expect.stringMatching(/^LOCAL demo Cost Explorer/), 'LOCAL FAKE OpenCost (the real adapter over loopback, 3 demo clusters)', expect.stringMatching(/^LOCAL demo EC2 inventory/)]);
    const all = (await call<CostRecommendationList>('viewer', 'GET', '/api/v1/costs/recommendations', { query: { service: 'core-service', minSaving: '0' } })).body;
    const small = all.items.filter((r) => r.monthlySaving < 10).length;
    expect(filtered.notes.at(-1)).toBe(small ? `${small} smaller recommendation${small === 1 ? '' : 's'} (under $10.00/month) ${small === 1 ? 'is' : 'are'} left out: ask with a lower minSaving to see ${small === 1 ? 'it' : 'them'}.` : expect.any(String));
  });

  it('a budget breached by forecast alerts its owners once', async () => {
    const svc = (await call<CostService>('viewer', 'GET', '/api/v1/costs/services/core-service')).body;
    const amount = Math.round((svc.monthToDate + svc.forecast) / 2);
    expect((await call('developer', 'POST', '/api/v1/costs/budgets', { body: { scope: { type: 'service', id: 'core-service' }, monthlyAmount: amount } })).status).toBe(403);
    const res = await call<CostBudget>('operator', 'POST', '/api/v1/costs/budgets', { body: { scope: { type: 'service', id: 'core-service' }, monthlyAmount: amount } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ id: 'service.core-service', state: 'at-risk', breachedBy: 'forecast', owners: ['platform'], monthToDate: svc.monthToDate, forecast: svc.forecast });
    // A forecast alert waits for 3 days of the month (before, the forecast is last month's pace).
    const alerted = res.body.burnDown.length >= 3;
    expect(res.body.alertsSent).toEqual(alerted ? [expect.objectContaining({ percent: 100, basis: 'forecast' })] : []);
    expect((await call('operator', 'POST', '/api/v1/costs/budgets', { body: { scope: { type: 'service', id: 'core-service' }, monthlyAmount: amount } })).status).toBe(409);
    const bad = await call<{ error: { details: Array<{ path: string }> } }>('operator', 'POST', '/api/v1/costs/budgets', { body: { scope: { type: 'service', id: 'core-service' }, monthlyAmount: -1, extra: 1 } });
    expect(bad.status).toBe(400);
    const notes = (await call<NotificationList>('admin', 'GET', '/api/v1/me/notifications')).body.items.filter((n) => n.kind === 'cost.budget');
    // The anomaly was told to core-service's team (platform: the admin is its lead) once, though the ingest ran twice.
    const anomalyNotes = (await call<NotificationList>('admin', 'GET', '/api/v1/me/notifications')).body.items.filter((n) => n.kind === 'cost.anomaly');
    expect(anomalyNotes).toHaveLength(1);
    expect(anomalyNotes[0]!.link).toBe('/catalog/core-service?tab=costs');
    expect(notes).toHaveLength(alerted ? 1 : 0);
    await runCostIngest();
    expect((await call<NotificationList>('admin', 'GET', '/api/v1/me/notifications')).body.items.filter((n) => n.kind === 'cost.budget')).toHaveLength(alerted ? 1 : 0);
    const list = (await call<CostBudgetList>('viewer', 'GET', '/api/v1/costs/budgets')).body;
    expect(list.items.map((b) => b.id)).toEqual(['service.core-service']);
    const updated = await call<CostBudget>('operator', 'PUT', '/api/v1/costs/budgets/service.core-service', { body: { monthlyAmount: amount * 10 }, ifMatch: '"1"' });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    expect(updated.body.state).toBe('ok');
    expect((await call('operator', 'DELETE', '/api/v1/costs/budgets/service.core-service', { ifMatch: '"1"' })).status).toBe(412);
    expect((await call('operator', 'DELETE', '/api/v1/costs/budgets/service.core-service', { ifMatch: '"2"' })).status).toBe(204);
  });
});

describe('the AI console\'s `costs <service>`', () => {
  const section = (findings: AiFindings, title: RegExp) => findings.sections.find((x) => title.test(x.title));

  it('puts the findings first: the month, its budget, where the money goes, the anomaly and its deploy, the savings', async () => {
    const parsed = parseCommand('costs core-service');
    if (!parsed || !('command' in parsed)) throw new Error(JSON.stringify(parsed));
    const calls: string[] = [];
    const { findings, prompt } = await parsed.command.plan(parsed.args, runToolAs('viewer', calls), async () => { throw new Error('a read-only command proposed a change'); });
    expect(calls).toEqual(['costs_service']);
    expect(findings.title).toBe('costs core-service');
    const head = section(findings, /^Cost of core-service \(through \d{4}-\d\d-\d\d, LOCAL demo data\)$/);
    expect(head?.kind).toBe('facts');
    const byType = section(findings, /^By resource type/) as Extract<AiFindings['sections'][number], { kind: 'table' }>;
    expect(byType.rows.map((r) => r[0])).toEqual(['ec2', 'ebs', 'elb']);
    const anomalies = section(findings, /^Anomalies/) as Extract<AiFindings['sections'][number], { kind: 'table' }>;
    expect(String(anomalies.rows[0]?.[4])).toMatch(/^deployment [0-9A-Z]{8}: (deploy|promote) /);
    const recs = section(findings, /^Recommendations$/) as Extract<AiFindings['sections'][number], { kind: 'table' }>;
    expect(recs.rows.length).toBeGreaterThan(0);
    expect(recs.note).toMatch(/^\$\d+\.\d\d a month in all/);
    expect(prompt).toMatch(/2–3 optimizations/);
    expect(parseCommand('costs Not_A_Service')).toEqual({ problem: 'not_a_service is not a service name (usage: costs <service> [<env>])' });
  });
});

describe('on the 1st of a month', () => {
  it('ingests without a problem (nothing of the month is spent yet) and refuses a month that has not begun', async () => {
    const month = new Date().toISOString().slice(0, 7);
    setCostsClock(() => Date.parse(`${month}-01T06:30:00Z`));
    try {
      const run = await runCostIngest();
      expect(run.problems).toEqual([]);
      expect(run.status).toBe('succeeded');
    } finally {
      setCostsClock(Date.now);
    }
    const [y, m] = month.split('-').map(Number) as [number, number];
    const next = new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 7);
    const res = await call<{ error: { details: Array<{ path: string }> } }>('viewer', 'GET', '/api/v1/costs/environments/prod', { query: { month: next } });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0]!.path).toBe('/query/month');
    expect((await call('viewer', 'GET', '/api/v1/costs/services/core-service', { query: { environment: 'nowhere' } })).status).toBe(404);
  });
});

// Last: its runs 6 and 7 days on store days after today, which the reads above would see.
describe('the weekly reads of coverage and Cost Explorer\'s recommendations', () => {
  it('are read again 7 days after they were, or at once when the job is asked to refresh', async () => {
    const later = (days: number) => { const at = Date.now() + days * 86_400_000; setCostsClock(() => at); };
    try {
      later(6);
      const sixDays = await runCostIngest();
      later(7);
      const sevenDays = await runCostIngest();
      const refreshed = await runCostIngest({ refresh: true });
      expect([sixDays.slowReads, sevenDays.slowReads, refreshed.slowReads]).toEqual([false, true, true]);
      expect(sevenDays.slowRequests).toBe(5);
    } finally {
      setCostsClock(Date.now);
    }
    // Back to today: read 7 days "later", so nothing is due.
    expect((await runCostIngest()).slowReads).toBe(false);
  }, 120_000);
});
