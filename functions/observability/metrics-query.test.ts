/** POST /api/v1/metrics/query: instant and range PromQL against the LOCAL DEMO METRICS server, and the limits. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoMetricsServer } from '#local/fakes/metrics-server';
import { ValidationError } from '#shared/errors';
import { PrometheusClient } from './adapters/prometheus-client.ts';
import { PrometheusServiceMetrics } from './adapters/prometheus-service-metrics.ts';
import { runMetricsQuery } from './metrics-query.ts';

const T0 = Date.parse('2026-11-02T10:00:00Z');
let now = T0;
let demo: DemoMetricsServer;
let client: PrometheusClient;
beforeAll(async () => {
  demo = await DemoMetricsServer.start({ now: () => now, targets: () => [{ service: 'core-service', environment: 'prod' }] });
  client = new PrometheusClient({ baseUrl: demo.url });
});
afterAll(() => demo.close());

describe('PromQL queries', () => {
  it('answers an instant query as series with numbers', async () => {
    const answer = await runMetricsQuery(client, { query: 'sum by (code) (increase(http_requests_total{service="core-service",environment="prod"}[5m]))', time: new Date(T0).toISOString() }, 'demo', 7);
    expect(answer.resultType).toBe('vector');
    expect(answer.series.map((s) => s.labels)).toEqual([{ code: '200' }, { code: '500' }]);
    expect(answer.series[0]!.points[0]!.at).toBe('2026-11-02T10:00:00.000Z');
    expect(answer.series[0]!.points[0]!.value).toBeGreaterThan(500);
  });

  it('answers a range query step by step', async () => {
    const answer = await runMetricsQuery(client, { query: 'sum(kube_deployment_status_replicas_available{service="core-service"})', start: new Date(T0 - 10 * 60_000).toISOString(), end: new Date(T0).toISOString(), step: 300 }, 'demo', 7);
    expect(answer.resultType).toBe('matrix');
    expect(answer.series[0]!.points.map((p) => p.at)).toEqual(['2026-11-02T09:50:00.000Z', '2026-11-02T09:55:00.000Z', '2026-11-02T10:00:00.000Z']);
  });

  it.each([
    [{ query: 'up', start: '2026-10-01T00:00:00Z', end: '2026-11-02T00:00:00Z' }, '/body/start', 'more than 7 days'],
    [{ query: 'up', start: '2026-11-01T00:00:00Z', end: '2026-11-02T00:00:00Z', step: 1 }, '/body/step', 'more than 11,000'],
    [{ query: 'up', end: '2026-11-02T00:00:00Z' }, '/body/start', 'needs start'],
    [{ query: 'topk(3, up)' }, '/body/query', 'Prometheus refused the query'],
  ])('refuses %j with a 400 and the field', async (body, path, message) => {
    const error = await runMetricsQuery(client, body, 'demo', 7).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toContain(message);
    expect((error as ValidationError).details[0]!.path).toBe(path);
  });

  it('answers 400 naming APOLLO_PROMETHEUS_URL when no Prometheus is configured', async () => {
    await expect(runMetricsQuery(undefined, { query: 'up' }, 'none', 7)).rejects.toThrow('APOLLO_PROMETHEUS_URL');
  });
});

describe('service metrics from the demo metrics (Prometheus API)', () => {
  it('shows a pushed error-rate spike and the p99 in the series, and simulated pods', async () => {
    // Prepare: core-service prod's Appendix B spike from T0 - 30 min
    now = T0 - 30 * 60_000;
    demo.applyPreset('core-service-error-spike');
    now = T0;
    // Act
    const read = await new PrometheusServiceMetrics(client, 'demo', true).read({ service: 'core-service', environment: 'prod' }, T0 - 60 * 60_000, T0, 300);
    // Assess
    const series = (id: string) => read.find((s) => s.id === id)!.points;
    const errorRate = series('errorRate');
    expect(errorRate).toHaveLength(13);
    // The first point (09:00) reads 08:55–09:00, the demo logs' hourly incident (minutes 45–59); the second is calm.
    expect(errorRate[0]![1]).toBeCloseTo(0.023, 9);
    expect(errorRate[1]![1]).toBeLessThan(0.006);
    expect(errorRate.at(-1)![1]).toBeCloseTo(0.023, 9);
    expect(series('latencyP99').at(-1)![1]).toBeCloseTo(1450, 6);
    expect(series('latencyP50').at(-1)![1]).toBeLessThan(1450);
    expect(series('requestRate').at(-1)![1]).toBeGreaterThan(1);
    expect(series('replicas').at(-1)![1]).toBeGreaterThanOrEqual(3);
    // The spike loads the pods: more CPU than before it.
    expect(series('cpu').at(-1)![1]).toBeGreaterThan(series('cpu')[1]![1]);
  });
});

describe('PromQL queries the backend cannot take', () => {
  it('refuses text that is not valid Unicode with 400, and answers 503 when Prometheus is unreachable', async () => {
    await expect(runMetricsQuery(client, { query: '\ud800' }, 'demo', 7)).rejects.toThrow('not valid text');
    const unreachable = new PrometheusClient({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 500 });
    await expect(runMetricsQuery(unreachable, { query: 'up' }, 'nowhere', 7)).rejects.toMatchObject({ code: 'ServiceUnavailable' });
  });
});
