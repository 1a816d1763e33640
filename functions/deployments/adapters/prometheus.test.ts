/**
 * The Prometheus adapter over loopback: against the LOCAL DEMO METRICS server (the same query API, made-up
 * traffic), signed with SigV4 as Amazon Managed Prometheus wants it, and against a tiny server answering
 * Prometheus's errors and edge cases.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoMetricsServer } from '#local/fakes/metrics-server';
import type { MetricsQuery } from '../metrics.ts';
import { DEFAULT_PROMQL, PrometheusError, PrometheusMetrics, renderPromQl } from './prometheus.ts';

const NOW = Date.parse('2026-11-02T10:00:00Z');
const CREDENTIALS = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret-key' };
const query = (over: Partial<MetricsQuery> = {}): MetricsQuery => ({
  service: 'core-service', environment: 'prod', cluster: 'local-prod', namespace: 'platform', version: '1.4.2',
  from: new Date(NOW - 5 * 60_000), to: new Date(NOW), ...over,
});

let demo: DemoMetricsServer;
let signedDemo: DemoMetricsServer;
beforeAll(async () => {
  demo = await DemoMetricsServer.start({ now: () => NOW });
  signedDemo = await DemoMetricsServer.start({ now: () => NOW, sigv4: { region: 'eu-west-1', credentials: CREDENTIALS } });
});
afterAll(async () => {
  await demo.close();
  await signedDemo.close();
});

describe('the queries', () => {
  it('renders each template for the version and range, escaping the tag for the regular expression', () => {
    // Prepare / Act
    const rendered = renderPromQl(DEFAULT_PROMQL.requests, query());
    // Assess
    expect(rendered).toBe('sum(increase(http_requests_total{service="core-service",environment="prod",version=~"1\\\\.4\\\\.2"}[300s]))');
    expect(renderPromQl(DEFAULT_PROMQL.p99Ms, query({ version: undefined }))).toBe(
      'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{service="core-service",environment="prod",version=~".*"}[300s]))) * 1000');
    expect(renderPromQl('x{service="{service}",q="{namespace}"}', query({ service: 'a"b\\c' }))).toBe('x{service="a\\"b\\\\c",q="platform"}');
  });

  it('refuses a template naming an unknown placeholder', () => {
    expect(() => new PrometheusMetrics({ baseUrl: 'http://127.0.0.1:9', queries: { requests: 'sum(x{team="{team}"})' } }))
      .toThrow('requests names {team}, which is not a placeholder ({service} {environment} {namespace} {cluster} {version} {range})');
  });
});

describe('against the local demo metrics server', () => {
  it('reads one version\'s request count, error rate and p99 over the range: the demo\'s own figures', async () => {
    // Prepare
    const metrics = new PrometheusMetrics({ baseUrl: demo.url });
    const q = query();
    // Act
    const sample = await metrics.sample(q);
    // Assess
    const truth = demo.figures('core-service', 'prod', '1.4.2', q.from.getTime(), q.to.getTime());
    expect(sample).toEqual({ requests: truth.requests, errorRate: truth.errorRate, p99Ms: truth.p99Ms });
    expect(sample.requests).toBeGreaterThan(5 * 60 * 2 * 0.9);
    expect(sample.errorRate).toBeGreaterThan(0.0005);
    expect(sample.errorRate).toBeLessThan(0.006);
    expect(sample.p99Ms).toBeGreaterThanOrEqual(70);
    expect(sample.p99Ms).toBeLessThanOrEqual(330);
    expect(metrics.kind).toBe(`Prometheus ${demo.url}`);
  });

  it('reads the service\'s traffic whatever the version when the query names none', async () => {
    const sample = await new PrometheusMetrics({ baseUrl: demo.url }).sample(query({ version: undefined }));
    const truth = demo.figures('core-service', 'prod', undefined, NOW - 5 * 60_000, NOW);
    expect(sample).toEqual({ requests: truth.requests, errorRate: truth.errorRate, p99Ms: truth.p99Ms });
  });

  it('reads a pushed error rate after the push and the baseline over a range before it', async () => {
    // Prepare: a push one minute ago
    const fake = await DemoMetricsServer.start({ now: () => NOW - 60_000 });
    try {
      fake.push({ service: 'core-service', environment: 'prod', errorRate: 0.15, p99Ms: 900 });
      const metrics = new PrometheusMetrics({ baseUrl: fake.url });
      // Act
      const before = await metrics.sample(query({ from: new Date(NOW - 11 * 60_000), to: new Date(NOW - 61_000) }));
      const after = await metrics.sample(query({ from: new Date(NOW - 59_000), to: new Date(NOW) }));
      // Assess
      expect(before.errorRate).toBeLessThan(0.006);
      expect(before.p99Ms).toBeLessThan(330);
      expect(after).toMatchObject({ errorRate: 0.15, p99Ms: 900 });
    } finally {
      await fake.close();
    }
  });
});

describe('signed with SigV4 (Amazon Managed Prometheus)', () => {
  it('signs each query for the aps service, and the server\'s re-signing agrees', async () => {
    // Prepare: record what is sent
    const sent: Headers[] = [];
    const recording: typeof fetch = (input, init) => {
      sent.push(new Headers(init?.headers));
      return fetch(input, init);
    };
    const metrics = new PrometheusMetrics({ baseUrl: `${signedDemo.url}/`, sigv4: { region: 'eu-west-1', credentials: CREDENTIALS }, fetch: recording });
    // Act
    const sample = await metrics.sample(query());
    // Assess
    expect(sample.requests).toBeGreaterThan(0);
    expect(sent).toHaveLength(3);
    for (const headers of sent) {
      expect(headers.get('authorization')).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDLOCALTEST\/\d{8}\/eu-west-1\/aps\/aws4_request, SignedHeaders=accept;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/);
      expect(headers.get('x-amz-date')).toMatch(/^\d{8}T\d{6}Z$/);
      // The SHA-256 of the empty body: a GET.
      expect(headers.get('x-amz-content-sha256')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    }
    expect(metrics.kind).toBe(`Amazon Managed Prometheus ${signedDemo.url}`);
  });

  it('fails, not retryable, with 403 when the signature does not verify', async () => {
    const metrics = new PrometheusMetrics({ baseUrl: signedDemo.url, sigv4: { region: 'eu-west-1', credentials: { ...CREDENTIALS, secretAccessKey: 'wrong' } } });
    const error = await metrics.sample(query()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrometheusError);
    expect(error).toMatchObject({ status: 403, retryable: false, code: 'prometheus-rejected' });
    expect((error as Error).message).toContain('The request signature we calculated does not match');
  });

  it('fails with 403 when the request is not signed', async () => {
    const error = await new PrometheusMetrics({ baseUrl: signedDemo.url }).sample(query()).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 403, retryable: false });
  });
});

describe('Prometheus\'s errors and edge cases', () => {
  let server: Server;
  let base: string;
  /** What the tiny server answers to each query, by a word of the PromQL. */
  let answer: (promql: string) => { status: number; body: unknown };
  const vector = (value: string) => ({ status: 200, body: { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [NOW / 1000, value] }] } } });
  const empty = { status: 200, body: { status: 'success', data: { resultType: 'vector', result: [] } } };

  beforeAll(async () => {
    server = createServer((req, res) => {
      const promql = new URL(req.url ?? '/', 'http://x').searchParams.get('query') ?? '';
      const { status, body } = answer(promql);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('reads no series as no traffic: requests 0, the rates null', async () => {
    answer = () => empty;
    expect(await new PrometheusMetrics({ baseUrl: base }).sample(query())).toEqual({ requests: 0, errorRate: null, p99Ms: null });
  });

  it('reads NaN and +Inf as no figure', async () => {
    answer = (q) => (q.includes('increase(') ? vector('120') : q.includes('histogram_quantile') ? vector('+Inf') : vector('NaN'));
    expect(await new PrometheusMetrics({ baseUrl: base }).sample(query())).toEqual({ requests: 120, errorRate: null, p99Ms: null });
  });

  it('reads a scalar answer too', async () => {
    answer = (q) => (q.includes('increase(') ? { status: 200, body: { status: 'success', data: { resultType: 'scalar', result: [NOW / 1000, '42'] } } } : vector('0.5'));
    expect(await new PrometheusMetrics({ baseUrl: base }).sample(query())).toEqual({ requests: 42, errorRate: 0.5, p99Ms: 0.5 });
  });

  it('throws a query Prometheus cannot execute (422 execution) as not retryable, with the status and errorType', async () => {
    answer = () => ({ status: 422, body: { status: 'error', errorType: 'execution', error: 'vector cannot contain metrics with the same labelset' } });
    const error = await new PrometheusMetrics({ baseUrl: base }).sample(query()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrometheusError);
    expect(error).toMatchObject({ status: 422, errorType: 'execution', retryable: false });
    expect((error as Error).message).toContain('vector cannot contain metrics with the same labelset');
  });

  it('throws a timeout (503) as retryable', async () => {
    answer = () => ({ status: 503, body: { status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' } });
    await expect(new PrometheusMetrics({ baseUrl: base }).sample(query())).rejects.toMatchObject({ status: 503, errorType: 'timeout', retryable: true });
  });

  it('throws more than one series as an unexpected shape (the template must sum)', async () => {
    answer = () => ({ status: 200, body: { status: 'success', data: { resultType: 'vector', result: [{ metric: { pod: 'a' }, value: [1, '1'] }, { metric: { pod: 'b' }, value: [1, '2'] }] } } });
    await expect(new PrometheusMetrics({ baseUrl: base }).sample(query())).rejects.toMatchObject({ code: 'prometheus-invalid-response', retryable: false });
  });

  it('throws an unreachable server as retryable, without a status', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await new PrometheusMetrics({ baseUrl: `http://127.0.0.1:${port}` }).sample(query()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'prometheus-unavailable', retryable: true, status: undefined });
    expect((error as Error).message).toContain('connection refused');
  });
});
