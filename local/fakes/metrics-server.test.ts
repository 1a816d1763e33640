/** LOCAL DEMO METRICS: its Prometheus answers, the control's history (a range before a push reads the old numbers), presets, persistence. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoMetricsServer, latencyShare } from './metrics-server.ts';

let now = Date.parse('2026-11-02T10:00:00Z');
const T0 = now;
let home: string;
let fake: DemoMetricsServer;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'apollo-demo-metrics-'));
  fake = await DemoMetricsServer.start({ now: () => now, stateFile: join(home, 'demo-metrics.json'), targets: () => [{ service: 'core-service', environment: 'prod', version: '1.4.2' }, { service: 'core-service', environment: 'staging', version: '1.5.0' }] });
});
afterAll(async () => {
  await fake.close();
  rmSync(home, { recursive: true, force: true });
});

const get = async (path: string) => {
  const res = await fetch(`${fake.url}${path}`);
  return { status: res.status, fake: res.headers.get('x-apollo-fake'), body: await res.json() as Record<string, unknown> };
};
const post = async (body: unknown) => {
  const res = await fetch(`${fake.url}/_control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() as Record<string, unknown> };
};
const promql = (at: number, q: string) => get(`/api/v1/query?${new URLSearchParams({ query: q, time: String(at / 1000) })}`);
const ratio = 'sum(rate(http_requests_total{service="core-service",environment="prod",version=~"1\\\\.4\\\\.2",code=~"5.."}[300s])) / sum(rate(http_requests_total{service="core-service",environment="prod",version=~"1\\\\.4\\\\.2"}[300s]))';

describe('the demo metrics and their control', () => {
  it('answers the error ratio in Prometheus\'s vector shape, marked as a fake', async () => {
    const answer = await promql(T0, ratio);
    expect(answer).toMatchObject({ status: 200, fake: 'LOCAL DEMO METRICS' });
    const truth = fake.figures('core-service', 'prod', '1.4.2', T0 - 300_000, T0);
    expect(answer.body).toEqual({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [T0 / 1000, String(truth.errorRate)] }] } });
    expect(truth.errorRate).toBeGreaterThan(0.0008);
    expect(truth.errorRate).toBeLessThan(0.006);
  });

  it('keeps a push with its time: a range before it reads the old rate, after it the new one, across it a blend', async () => {
    // Prepare: push 15 % at T0 + 10 min
    now = T0 + 10 * 60_000;
    const pushed = await post({ service: 'core-service', environment: 'prod', errorRate: 0.15 });
    expect(pushed.status).toBe(200);
    now = T0 + 20 * 60_000;
    // Act
    const before = fake.figures('core-service', 'prod', '1.4.2', T0 + 4 * 60_000, T0 + 9 * 60_000);
    const after = fake.figures('core-service', 'prod', '1.4.2', T0 + 11 * 60_000, T0 + 16 * 60_000);
    const across = fake.figures('core-service', 'prod', '1.4.2', T0 + 5 * 60_000, T0 + 15 * 60_000);
    // Assess
    expect(before.errorRate).toBeLessThan(0.006);
    expect(after.errorRate).toBe(0.15);
    expect(across.errorRate).toBeGreaterThan(0.075);
    expect(across.errorRate).toBeLessThan(0.078);
    // The p99 was not pushed: it stays the baseline's.
    expect(after.p99Ms).toBeLessThan(330);
    const overHttp = await promql(T0 + 16 * 60_000, ratio);
    expect((overHttp.body.data as { result: Array<{ value: [number, string] }> }).result[0]!.value[1]).toBe('0.15');
  });

  it('goes back to normal from the moment asked, and the state says what is pushed', async () => {
    now = T0 + 30 * 60_000;
    expect((await post({ service: 'core-service', environment: 'prod', normal: true })).status).toBe(200);
    now = T0 + 40 * 60_000;
    expect(fake.figures('core-service', 'prod', '1.4.2', T0 + 31 * 60_000, T0 + 36 * 60_000).errorRate).toBeLessThan(0.006);
    expect(fake.figures('core-service', 'prod', '1.4.2', T0 + 21 * 60_000, T0 + 26 * 60_000).errorRate).toBe(0.15);
    const state = await get('/_state?service=core-service');
    expect(state.body).toMatchObject({ label: 'LOCAL DEMO METRICS', windowSeconds: 60 });
    expect((state.body.environments as Array<{ environment: string; version: string; pushed: unknown }>).map((e) => [e.environment, e.version, e.pushed])).toEqual([['prod', '1.4.2', null], ['staging', '1.5.0', null]]);
  });

  it('reproduces the design doc\'s core-service error spike (Appendix B) as a preset', async () => {
    now = T0 + 50 * 60_000;
    const answer = await post({ preset: 'core-service-error-spike' });
    expect(answer.body.change).toMatchObject({ service: 'core-service', environment: 'prod', errorRate: 0.023, p99Ms: 1450 });
    now = T0 + 52 * 60_000;
    const state = await get('/_state?service=core-service');
    const prod = (state.body.environments as Array<{ environment: string; now: { errorRate: number; p99Ms: number }; pushed: unknown }>).find((e) => e.environment === 'prod')!;
    expect(prod.now).toMatchObject({ errorRate: 0.023, p99Ms: 1450 });
    expect(prod.pushed).toMatchObject({ errorRate: 0.023, reason: expect.stringContaining('Appendix B') as string });
  });

  it('keeps the changes in its state file: a restart reads the same history', async () => {
    const saved = JSON.parse(readFileSync(join(home, 'demo-metrics.json'), 'utf8')) as { changes: unknown[] };
    expect(saved.changes).toHaveLength(3);
    const again = await DemoMetricsServer.start({ now: () => now, stateFile: join(home, 'demo-metrics.json') });
    try {
      expect(again.figures('core-service', 'prod', '1.4.2', T0 + 11 * 60_000, T0 + 16 * 60_000).errorRate).toBe(0.15);
      expect(again.changes()).toEqual(fake.changes());
    } finally {
      await again.close();
    }
  });

  it.each([
    [{ service: 'core-service', environment: 'prod', errorRate: 15 }, 400, 'errorRate must be a fraction from 0 to 1 (0.15 is 15 %)'],
    [{ environment: 'prod', errorRate: 0.1 }, 400, 'name the service and environment'],
    [{ preset: 'nope' }, 404, 'no preset nope (there are core-service-error-spike)'],
  ])('refuses a wrong control request %j', async (body, status, message) => {
    const answer = await post(body);
    expect(answer.status).toBe(status);
    expect(answer.body.message).toContain(message);
  });

  it('pushes one version\'s traffic only when told which (the one being deployed): the version rolled back to stays healthy', async () => {
    now = T0 + 42 * 60_000;
    expect((await post({ service: 'core-service', environment: 'staging', version: '1.6.0', errorRate: 0.2 })).status).toBe(200);
    expect((await post({ service: 'core-service', environment: 'staging', version: '', errorRate: 0.2 })).status).toBe(400);
    now = T0 + 50 * 60_000;
    expect(fake.figures('core-service', 'staging', '1.6.0', T0 + 43 * 60_000, T0 + 48 * 60_000).errorRate).toBe(0.2);
    expect(fake.figures('core-service', 'staging', '1.5.0', T0 + 43 * 60_000, T0 + 48 * 60_000).errorRate).toBeLessThan(0.006);
    // The state shows the running version (1.5.0): nothing pushed on it.
    const state = await get('/_state?service=core-service');
    expect((state.body.environments as Array<{ environment: string; pushed: unknown }>).find((e) => e.environment === 'staging')!.pushed).toBeNull();
    // Back to normal is every version's.
    expect((await post({ service: 'core-service', environment: 'staging', normal: true })).status).toBe(200);
    now = T0 + 60 * 60_000;
    expect(fake.figures('core-service', 'staging', '1.6.0', T0 + 52 * 60_000, T0 + 58 * 60_000).errorRate).toBeLessThan(0.006);
  });

  it('answers a query it cannot read with 400 bad_data, as Prometheus does', async () => {
    const answer = await promql(T0, 'topk(3, http_requests_total)');
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ status: 'error', errorType: 'bad_data', error: expect.stringContaining('function topk() is not in the subset') as string });
  });

  it('evaluates other PromQL of the subset over the made-up series: a selector, sum by, a quantile', async () => {
    const at = T0 + 16 * 60_000;
    // Prepare: what the figures say over the 5 minutes before `at` (15 % pushed at T0 + 10 min)
    const truth = fake.figures('core-service', 'prod', undefined, at - 300_000, at);
    // Act
    const byCode = await promql(at, 'sum by (code) (increase(http_requests_total{service="core-service",environment="prod"}[5m]))');
    const p50 = await promql(at, 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{service="core-service",environment="prod"}[5m]))) * 1000');
    const replicas = await promql(at, 'kube_deployment_status_replicas_available{environment=~"prod|staging",service="core-service"}');
    // Assess
    const result = (answer: { body: Record<string, unknown> }) => (answer.body.data as { result: Array<{ metric: Record<string, string>; value: [number, string] }> }).result;
    expect(result(byCode).map((r) => r.metric)).toEqual([{ code: '200' }, { code: '500' }]);
    expect(Number(result(byCode)[0]!.value[1])).toBeCloseTo(truth.requests * (1 - truth.errorRate), 6);
    expect(Number(result(byCode)[1]!.value[1])).toBeCloseTo(truth.requests * truth.errorRate, 6);
    expect(Number(result(p50)[0]!.value[1])).toBeCloseTo(truth.p99Ms, 6);
    expect(result(replicas).map((r) => r.metric.environment).sort()).toEqual(['prod', 'staging']);
    expect(result(replicas).every((r) => Number(r.value[1]) >= 1)).toBe(true);
  });

  it('answers a range query with a matrix, step by step, and refuses more than 11,000 points', async () => {
    const end = T0 + 20 * 60_000;
    const range = await get(`/api/v1/query_range?${new URLSearchParams({ query: 'sum(rate(http_requests_total{service="core-service",environment="prod",code="500"}[1m])) / sum(rate(http_requests_total{service="core-service",environment="prod"}[1m]))', start: String((T0 + 5 * 60_000) / 1000), end: String(end / 1000), step: '5m' })}`);
    expect(range.status).toBe(200);
    const values = (range.body.data as { resultType: string; result: Array<{ values: Array<[number, string]> }> }).result[0]!.values;
    expect(values.map(([t]) => t)).toEqual([T0 + 5 * 60_000, T0 + 10 * 60_000, T0 + 15 * 60_000, T0 + 20 * 60_000].map((t) => t / 1000));
    // Before the push the baseline, after it the pushed 15 %.
    expect(Number(values[0]![1])).toBeLessThan(0.006);
    expect(Number(values[2]![1])).toBeCloseTo(0.15, 9);
    const tooMany = await get(`/api/v1/query_range?${new URLSearchParams({ query: 'vector(1)', start: '0', end: '12000', step: '1' })}`);
    expect(tooMany).toMatchObject({ status: 400, body: { errorType: 'bad_data', error: expect.stringContaining('11,000 points') as string } });
  });

  it.each([[0.0835, 0.1], [0.1, 0.1], [0.3, 0.5], [1.45, 2.5], [0.999, 1], [12, 10]])('shapes the latency buckets so histogram_quantile(0.99) reads a p99 of %s s back', (p99, bound) => {
    const bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, Infinity];
    const shares = bounds.map((le) => latencyShare(p99, le));
    expect(shares).toEqual([...shares].sort((a, b) => a - b));
    expect(shares.at(-1)).toBe(1);
    expect(bounds.find((le) => latencyShare(p99, le) >= 0.99)).toBe(bound);
  });
});

describe('the demo logs\' hourly incident in the metrics', () => {
  it('shows in core-service prod\'s traffic as a whole in minutes 45–59, never in one version\'s (the canary\'s)', async () => {
    // A server of its own: nothing pushed.
    const fake = await DemoMetricsServer.start({ now: () => Date.parse('2026-11-02T14:00:00Z'), targets: () => [] });
    const hour = Date.parse('2026-11-02T12:00:00Z');
    // Minutes 46–51: wholly inside the incident; 10–15: outside; 40–50: half of it.
    const inside = fake.figures('core-service', 'prod', undefined, hour + 46 * 60_000, hour + 51 * 60_000);
    expect(inside.errorRate).toBe(0.023);
    expect(inside.p99Ms).toBe(1450);
    expect(fake.figures('core-service', 'prod', undefined, hour + 10 * 60_000, hour + 15 * 60_000).errorRate).toBeLessThan(0.006);
    const half = fake.figures('core-service', 'prod', undefined, hour + 40 * 60_000, hour + 50 * 60_000).errorRate;
    expect(half).toBeGreaterThan(0.0115);
    expect(half).toBeLessThan(0.0145);
    expect(fake.figures('core-service', 'prod', '1.4.2', hour + 46 * 60_000, hour + 51 * 60_000).errorRate).toBeLessThan(0.006);
    expect(fake.figures('core-service', 'staging', undefined, hour + 46 * 60_000, hour + 51 * 60_000).errorRate).toBeLessThan(0.006);
    await fake.close();
  });
});
