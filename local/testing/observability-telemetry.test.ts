/**
 * Metrics, traces and deep links over signed HTTP against the local runtime: core-service's prod metrics
 * from the LOCAL DEMO METRICS (the Appendix B spike shows in the error rate and p99, deployments overlaid), a
 * PromQL query of the stated subset, a SIMULATED slow trace as a span tree, and a deep link (400 naming the
 * setting when its console is not configured).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditList, Deeplink, MetricsQueryResult, ServiceMetrics, Trace, TraceList } from '#schemas/index.ts';
import { demoTraceId } from '#functions/observability/adapters/demo-traces';
import { seedDemoData } from '../seed.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await seedDemoData({ baseUrl: h.runtime.url });
});
afterAll(async () => { await h.close(); });

describe('observability: metrics, traces, deep links', () => {
  it('answers core-service\'s prod metrics, the pushed spike in them, from the demo metrics (simulated)', async () => {
    // Prepare: the Appendix B spike, pushed now
    expect(h.runtime.demoMetrics).toBeDefined();
    h.runtime.demoMetrics!.applyPreset('core-service-error-spike');
    const to = new Date(Math.ceil((Date.now() + 120_000) / 60_000) * 60_000);
    const from = new Date(to.getTime() - 60 * 60_000);
    // Act
    const answer = await h.client('viewer').call<ServiceMetrics>('GET', '/api/v1/metrics/services/core-service', { query: { environment: 'prod', from: from.toISOString(), to: to.toISOString(), step: 300 } });
    // Assess
    expect(answer.status).toBe(200);
    const metrics = answer.body;
    expect(metrics).toMatchObject({ service: 'core-service', environment: 'prod', stepSeconds: 300, simulated: true, source: expect.stringContaining('LOCAL DEMO METRICS') as string });
    expect(metrics.series.map((s) => [s.id, s.unit])).toEqual([['errorRate', 'ratio'], ['requestRate', 'requests/s'], ['latencyP50', 'ms'], ['latencyP99', 'ms'], ['cpu', 'cores'], ['memory', 'bytes'], ['replicas', 'count']]);
    const errorRate = metrics.series.find((s) => s.id === 'errorRate')!.points;
    expect(errorRate).toHaveLength(13);
    // Before the push: calm, but for the demo logs' hourly incident (minutes 45–59: a point at minute m reads the
    // step before it, so points at minutes 5–45 are wholly outside it).
    const minuteOf = (p: { at: string }) => new Date(p.at).getUTCMinutes();
    const calm = errorRate.slice(0, -1).filter((p) => minuteOf(p) >= 5 && minuteOf(p) <= 45);
    expect(calm.length).toBeGreaterThan(0);
    for (const p of calm) expect(p.value!).toBeLessThan(0.006);
    // The last step spans the push (a time-weighted blend); the p99 is the slowest part's.
    expect(errorRate.at(-1)!.value!).toBeGreaterThan(0.01);
    expect(errorRate.at(-1)!.value!).toBeLessThanOrEqual(0.023);
    expect(metrics.series.find((s) => s.id === 'latencyP99')!.points.at(-1)!.value!).toBeCloseTo(1450, 3);
    expect(Array.isArray(metrics.deployments)).toBe(true);
  });

  it('answers 404 for an environment the service does not have, 400 for a range too long', async () => {
    expect((await h.client('viewer').send('GET', '/api/v1/metrics/services/core-service', { query: { environment: 'nowhere' } })).status).toBe(404);
    const tooLong = await h.client('viewer').send('GET', '/api/v1/metrics/services/core-service', { query: { environment: 'prod', from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' } });
    expect(tooLong.status).toBe(400);
    expect((tooLong.body as { error: { details: Array<{ path: string }> } }).error.details[0]!.path).toBe('/query/from');
  });

  it('runs PromQL of the subset, and refuses what the subset does not read with 400', async () => {
    const viewer = h.client('viewer');
    const ok = await viewer.call<MetricsQueryResult>('POST', '/api/v1/metrics/query', { body: { query: 'sum by (environment) (kube_deployment_status_replicas_available{service="core-service"})' } });
    expect(ok.status).toBe(200);
    expect(ok.body.resultType).toBe('vector');
    expect(ok.body.series.map((s) => s.labels.environment)).toContain('prod');
    const refused = await viewer.send('POST', '/api/v1/metrics/query', { body: { query: 'up offset 5m' } });
    expect(refused.status).toBe(400);
  });

  it('audits each PromQL query with who asked what', async () => {
    const { items } = (await h.client('admin').call<AuditList>('GET', '/api/v1/audit', { query: { action: 'metrics.query', actor: 'viewer@apollo.local' } })).body;
    expect(items.find((i) => (i.details as { body?: { query?: string } }).body?.query?.startsWith('sum by (environment)'))).toMatchObject({
      action: 'metrics.query', resourceType: 'promql', resourceId: 'promql', outcome: 'succeeded', statusCode: 200,
    });
  });

  it('limits each caller\'s metric reads to 30 a minute (429), apart from their log reads', { timeout: 60_000 }, async () => {
    const operator = h.client('operator');
    // The window is the clock's minute: start early in one.
    if (Date.now() % 60_000 > 45_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - (Date.now() % 60_000) + 100));
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await operator.send('GET', '/api/v1/metrics/services/redis', { query: { environment: 'prod' } })).status);
    expect(statuses.slice(0, 30).every((s) => s === 200 || s === 404)).toBe(true);
    expect(statuses[30]).toBe(429);
    const refused = await operator.send('POST', '/api/v1/metrics/query', { body: { query: 'up' } });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await operator.send('GET', '/api/v1/logs/services/redis', { query: { limit: 1 } })).status).toBe(200);
  });

  it('opens a slow SIMULATED trace as a tree: core-service waiting on HikariCP before postgres', async () => {
    const calm = Date.parse('2026-11-02T09:20:00Z');
    const id = demoTraceId('core-service', 'prod', calm, 'slow')!;
    const answer = await h.client('viewer').call<Trace>('GET', `/api/v1/logs/trace/${id}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ traceId: id, simulated: true, services: ['api-gateway', 'core-service'] });
    const app = answer.body.spans[0]!.children[0]!.children[0]!;
    expect(app.children.map((c) => c.name)).toEqual(['HikariPool-1.getConnection', 'postgres']);
    expect((await h.client('viewer').send('GET', '/api/v1/logs/trace/1-5759e988-bd862e3fe1be46a994272793')).status).toBe(404);
  });

  it('lists core-service\'s slow traces of the last hour, each openable by its id', async () => {
    const list = await h.client('viewer').call<TraceList>('GET', '/api/v1/logs/traces/services/core-service', { query: { environment: 'prod', limit: 5 } });
    expect(list.body).toMatchObject({ simulated: true });
    expect(list.body.items).toHaveLength(5);
    expect(list.body.items.every((t) => t.durationMs >= 1000)).toBe(true);
    const opened = await h.client('viewer').call<Trace>('GET', `/api/v1/logs/trace/${list.body.items[0]!.traceId}`);
    expect(opened.body.durationMs).toBe(list.body.items[0]!.durationMs);
  });

  it('gives a deep link, or a 400 naming the setting its console needs', async () => {
    const viewer = h.client('viewer');
    const grafana = await viewer.send('GET', '/api/v1/observability/deeplink', { query: { target: 'grafana', service: 'core-service', environment: 'prod' } });
    expect(grafana.status).toBe(400);
    expect((grafana.body as { error: { message: string } }).error.message).toContain('APOLLO_GRAFANA_URL');
    const cloudwatch = await viewer.send('GET', '/api/v1/observability/deeplink', { query: { target: 'cloudwatch', service: 'core-service', environment: 'prod' } });
    if (cloudwatch.status === 200) expect((cloudwatch.body as Deeplink).url).toContain('*2Fapollo*2Fprod*2Fcore-service');
    else expect((cloudwatch.body as { error: { message: string } }).error.message).toContain('AWS_REGION');
  });
});
