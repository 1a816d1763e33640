/**
 * Traces from Grafana Tempo, over loopback against a small fake query frontend answering what Tempo answers: a
 * trace across three services with a failed span, as v1 (`batches`, base64 ids, enum names) and as v2
 * (`trace.resourceSpans`, hex ids, enum numbers, older `instrumentationLibrarySpans`), the TraceQL search, basic
 * auth from Secrets Manager (read once) with the tenant header, 404, 500, a body that is not JSON, no answer.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError, ServiceUnavailableError } from '#shared/errors';
import { backendCall } from '../backend-errors.ts';
import { getTrace, recentTracesQuery } from '../traces.ts';
import { TracesBackendError } from './trace-http.ts';
import { hexId, TempoTraces, traceQl } from './tempo-traces.ts';

const secrets = mockClient(SecretsManagerClient);
beforeEach(() => secrets.reset());

const TRACE_ID = '5759e988bd862e3fe1be46a994272793';
const T = BigInt(Date.parse('2026-11-02T09:47:00Z')) * 1_000_000n; // ns
const ns = (ms: number) => String(T + BigInt(ms * 1_000_000));
const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
const str = (key: string, stringValue: string) => ({ key, value: { stringValue } });
const int = (key: string, n: number) => ({ key, value: { intValue: String(n) } });
const ID = { f1: 'f1f1f1f1f1f1f101', f2: 'f1f1f1f1f1f1f102', c1: 'c0c0c0c0c0c0c001', c2: 'c0c0c0c0c0c0c002', c3: 'c0c0c0c0c0c0c003', b1: 'b0b0b0b0b0b0b001' };

/** The trace's spans; `id` writes an id the way the answer under test does. */
function batches(id: (hex: string) => string, kind: (name: string) => string | number, error: string | number, scopes: 'scopeSpans' | 'instrumentationLibrarySpans') {
  const span = (hex: string, parent: string | undefined, name: string, k: string, from: number, to: number, more: object = {}) => ({
    traceId: id(TRACE_ID), spanId: id(hex), ...(parent ? { parentSpanId: id(parent) } : { parentSpanId: '' }), name, kind: kind(k), startTimeUnixNano: ns(from), endTimeUnixNano: ns(to), ...more,
  });
  const resource = (service: string) => ({ attributes: [str('service.name', service), str('deployment.environment', 'prod')] });
  return [
    { resource: resource('billing-service'), [scopes]: [{ spans: [
      span(ID.b1, ID.c3, 'POST /charges', 'SERVER', 21, 49, { attributes: [str('http.request.method', 'POST'), str('url.full', 'http://billing-service/charges'), int('http.response.status_code', 402)], status: {} }),
    ] }] },
    { resource: resource('frontend'), [scopes]: [{ spans: [
      span(ID.f1, undefined, 'GET /orders/{id}', 'SERVER', 0, 180, { attributes: [str('http.method', 'GET'), str('http.url', 'https://shop.example.com/orders/7'), int('http.status_code', 500)], status: { code: error } }),
      span(ID.f2, ID.f1, 'GET', 'CLIENT', 1, 178, { attributes: [str('http.method', 'GET'), str('http.url', 'http://core-service/api/v1/orders/7'), int('http.status_code', 500)], status: { code: error } }),
    ] }] },
    { resource: resource('core-service'), [scopes]: [{ spans: [
      span(ID.c1, ID.f2, 'GET /api/v1/orders/{id}', 'SERVER', 2, 177, {
        attributes: [str('http.request.method', 'GET'), str('url.scheme', 'http'), str('server.address', 'core-service'), str('url.path', '/api/v1/orders/7'), int('http.response.status_code', 500)],
        status: { code: error, message: 'HikariPool-1 - Connection is not available, request timed out after 30000ms.' },
        events: [{ timeUnixNano: ns(176), name: 'exception', attributes: [str('exception.type', 'java.sql.SQLTransientConnectionException'), str('exception.message', 'HikariPool-1 - Connection is not available, request timed out after 30000ms.')] }],
      }),
      span(ID.c2, ID.c1, 'SELECT core.orders', 'CLIENT', 3, 13, { attributes: [str('db.system.name', 'postgresql'), str('db.query.text', 'SELECT o.* FROM orders o WHERE o.id = $1')], status: {} }),
      span(ID.c3, ID.c1, 'POST', 'CLIENT', 20, 50, { attributes: [str('http.request.method', 'POST'), str('url.full', 'http://billing-service/charges'), int('http.response.status_code', 402)], status: {} }),
    ] }] },
  ];
}
const KIND_NUMBERS: Record<string, number> = { SERVER: 2, CLIENT: 3 };
/** Tempo 2.x's GET /api/traces/{id}: base64 ids, enum names. */
const v1 = { batches: batches(b64, (k) => `SPAN_KIND_${k}`, 'STATUS_CODE_ERROR', 'scopeSpans') };
/** GET /api/v2/traces/{id}: the trace under `trace`, hex ids, enum numbers (and an older Tempo's scope key). */
const v2 = { trace: { resourceSpans: batches((h) => h, (k) => KIND_NUMBERS[k]!, 2, 'instrumentationLibrarySpans') }, status: 'COMPLETE' };

const expectedTrace = (source: string) => ({
  traceId: TRACE_ID, source, simulated: false, startedAt: '2026-11-02T09:47:00.000Z', durationMs: 180,
  services: ['frontend', 'core-service', 'billing-service'],
  spans: [{
    id: ID.f1, name: 'GET /orders/{id}', service: 'frontend', kind: 'segment', startMs: 0, durationMs: 180, error: false, fault: true, throttle: false,
    http: { method: 'GET', url: 'https://shop.example.com/orders/7', status: 500 },
    children: [{
      id: ID.f2, name: 'GET', service: 'frontend', kind: 'subsegment', namespace: 'remote', startMs: 1, durationMs: 177, error: false, fault: true, throttle: false,
      http: { method: 'GET', url: 'http://core-service/api/v1/orders/7', status: 500 },
      children: [{
        id: ID.c1, name: 'GET /api/v1/orders/{id}', service: 'core-service', kind: 'segment', startMs: 2, durationMs: 175, error: false, fault: true, throttle: false,
        http: { method: 'GET', url: 'http://core-service/api/v1/orders/7', status: 500 },
        cause: 'HikariPool-1 - Connection is not available, request timed out after 30000ms.',
        children: [
          { id: ID.c2, name: 'SELECT core.orders', service: 'core-service', kind: 'subsegment', namespace: 'remote', startMs: 3, durationMs: 10, error: false, fault: false, throttle: false, sql: 'SELECT o.* FROM orders o WHERE o.id = $1', children: [] },
          {
            id: ID.c3, name: 'POST', service: 'core-service', kind: 'subsegment', namespace: 'remote', startMs: 20, durationMs: 30, error: true, fault: false, throttle: false,
            http: { method: 'POST', url: 'http://billing-service/charges', status: 402 },
            children: [{ id: ID.b1, name: 'POST /charges', service: 'billing-service', kind: 'segment', startMs: 21, durationMs: 28, error: true, fault: false, throttle: false, http: { method: 'POST', url: 'http://billing-service/charges', status: 402 }, children: [] }],
          },
        ],
      }],
    }],
  }],
});

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let server: Server | undefined;
const requests: Array<{ path: string; query: URLSearchParams; headers: IncomingMessage['headers'] }> = [];

/** A fake Tempo query frontend on a free loopback port; its base URL. */
async function tempo(handler: Handler): Promise<string> {
  requests.length = 0;
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push({ path: url.pathname, query: url.searchParams, headers: req.headers });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

describe('Tempo traces', () => {
  it('reads a v1 answer (batches, base64 ids) into the tree the API answers, with the failure and its cause', async () => {
    // Prepare
    const url = await tempo((req, res) => json(res, 200, v1));
    // Act: asked with the X-Ray form of the id
    const trace = await getTrace(new TempoTraces({ baseUrl: url }), '1-5759e988-bd862e3fe1be46a994272793');
    // Assess
    expect(requests.map((r) => r.path)).toEqual([`/api/traces/${TRACE_ID}`]);
    expect(trace).toEqual(expectedTrace(`Tempo ${url}`));
  });

  it('reads a v2 answer (trace.resourceSpans, hex ids, enum numbers) into the same tree', async () => {
    const url = await tempo((req, res) => json(res, 200, v2));
    expect(await getTrace(new TempoTraces({ baseUrl: url }), TRACE_ID)).toEqual(expectedTrace(`Tempo ${url}`));
  });

  it('sends basic auth read once from Secrets Manager, and the tenant', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand, { SecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tempo-AbCdEf' }).resolves({ SecretString: '{"username":"812345","password":"glc_token"}' });
    const url = await tempo((req, res) => json(res, 200, v1));
    const traces = new TempoTraces({ baseUrl: url, tenant: 'team-a', auth: { secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tempo-AbCdEf' }, secrets: new SecretsManagerClient({ region: 'eu-west-1' }) });
    // Act
    await traces.getTrace(TRACE_ID);
    await traces.getTrace(TRACE_ID);
    // Assess
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(requests.map((r) => [r.headers.authorization, r.headers['x-scope-orgid']])).toEqual([
      [`Basic ${Buffer.from('812345:glc_token').toString('base64')}`, 'team-a'],
      [`Basic ${Buffer.from('812345:glc_token').toString('base64')}`, 'team-a'],
    ]);
  });

  it('lists a service\'s traces with an exact TraceQL match, newest first, error and HTTP from the service\'s spans', async () => {
    // Prepare: Tempo drops a trace id's leading zeros; older answers carry spanSet, newer spanSets
    const url = await tempo((req, res) => json(res, 200, {
      traces: [
        { traceID: '2f3e0cee77ae5dc9c17ade3689eb2e', rootServiceName: 'frontend', rootTraceName: 'GET /orders', startTimeUnixNano: ns(-60_000), durationMs: 1200,
          spanSet: { spans: [{ spanID: 'aa', startTimeUnixNano: ns(-60_000), durationNanos: '1200000000', attributes: [str('status', 'unset'), str('http.method', 'GET'), int('http.status_code', 200)] }], matched: 1 } },
        { traceID: TRACE_ID, rootServiceName: 'frontend', rootTraceName: 'GET /orders/{id}', startTimeUnixNano: ns(0), durationMs: 1800,
          spanSets: [{ spans: [
            { spanID: 'c1', startTimeUnixNano: ns(2), durationNanos: '1750000000', attributes: [str('status', 'error'), str('span.http.request.method', 'GET'), str('span.url.full', 'http://core-service/api/v1/orders/7'), int('span.http.response.status_code', 500)] },
            { spanID: 'c3', startTimeUnixNano: ns(20), durationNanos: '30000000', attributes: [str('status', 'unset'), int('span.http.response.status_code', 402)] },
          ], matched: 2 }] },
      ],
      metrics: { inspectedBytes: '3145728', totalBlocks: 1, completedJobs: 1, totalJobs: 1 },
    }));
    const query = recentTracesQuery('core-service', { environment: 'prod', from: '2026-11-02T09:00:00Z', to: '2026-11-02T10:00:00Z', limit: 5 });
    // Act
    const items = await new TempoTraces({ baseUrl: url }).recent(query);
    // Assess
    expect(requests.map((r) => [r.path, Object.fromEntries(r.query)])).toEqual([['/api/search', {
      q: '{ resource.service.name = "core-service" && .deployment.environment = "prod" && traceDuration >= 1000ms } | select(status, span.http.request.method, span.http.method, span.url.full, span.http.url, span.http.response.status_code, span.http.status_code)',
      start: String(Date.parse('2026-11-02T09:00:00Z') / 1000), end: String(Date.parse('2026-11-02T10:00:00Z') / 1000), limit: '5', spss: '10',
    }]]);
    expect(items).toEqual([
      { traceId: TRACE_ID, startedAt: '2026-11-02T09:47:00.000Z', durationMs: 1800, error: true, fault: true, http: { method: 'GET', url: 'http://core-service/api/v1/orders/7', status: 500 } },
      { traceId: '002f3e0cee77ae5dc9c17ade3689eb2e', startedAt: '2026-11-02T09:46:00.000Z', durationMs: 1200, error: false, fault: false, http: { method: 'GET', status: 200 } },
    ]);
    expect(traceQl({ service: 'a"b', environment: 'prod', minDurationMs: 0 }, 'deployment.environment.name')).toBe('{ resource.service.name = "a\\"b" && .deployment.environment.name = "prod" } | select(status, span.http.request.method, span.http.method, span.url.full, span.http.url, span.http.response.status_code, span.http.status_code)');
  });

  it('answers 404 for a trace Tempo does not have', async () => {
    const url = await tempo((req, res) => res.writeHead(404).end('trace not found'));
    const traces = new TempoTraces({ baseUrl: url });
    await expect(traces.getTrace(TRACE_ID)).resolves.toBeUndefined();
    await expect(getTrace(traces, TRACE_ID)).rejects.toThrow(new NotFoundError(`no trace ${TRACE_ID} in Tempo ${url}`));
  });

  it('answers a Tempo 500 or 429 with a 503 to retry, and a refused credential as an internal error', async () => {
    let status = 500;
    const url = await tempo((req, res) => res.writeHead(status).end(status === 500 ? 'error finding trace by id: context deadline exceeded' : 'nope'));
    const traces = new TempoTraces({ baseUrl: url, auth: { value: 'bearer wrong' } });
    await expect(backendCall(traces.source, () => getTrace(traces, TRACE_ID))).rejects.toThrow(ServiceUnavailableError);
    expect(await traces.getTrace(TRACE_ID).catch((e: unknown) => e)).toMatchObject({ status: 500, retryable: true, message: `Tempo ${url} answered 500: error finding trace by id: context deadline exceeded` });
    status = 429;
    await expect(backendCall(traces.source, () => getTrace(traces, TRACE_ID))).rejects.toThrow(ServiceUnavailableError);
    status = 401;
    const refused = await backendCall(traces.source, () => getTrace(traces, TRACE_ID)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TracesBackendError);
    expect(refused).toMatchObject({ status: 401, retryable: false, message: `Tempo ${url} answered 401 (check APOLLO_TRACES_AUTH or APOLLO_TRACES_AUTH_SECRET_ARN): nope` });
  });

  it('refuses a body that is not JSON, or JSON that is no trace, as an internal error', async () => {
    let body = '{"batches":[{"resource":';
    const url = await tempo((req, res) => json(res, 200, body));
    const traces = new TempoTraces({ baseUrl: url });
    const truncated = await backendCall(traces.source, () => getTrace(traces, TRACE_ID)).catch((e: unknown) => e);
    expect(truncated).toMatchObject({ name: 'TracesBackendError', retryable: false, message: `Tempo ${url} answered /api/traces/${TRACE_ID} with a body that is not JSON (is the URL its query API?): {"batches":[{"resource":` });
    body = '{"status":"success","data":{"resultType":"vector","result":[]}}';
    await expect(traces.getTrace(TRACE_ID)).rejects.toThrow(`Tempo ${url} answered an unexpected shape: no batches or resourceSpans`);
  });

  it('gives up on a Tempo that does not answer in time, as a 503 to retry', async () => {
    const url = await tempo(() => undefined); // never answers
    const traces = new TempoTraces({ baseUrl: url, timeoutMs: 150 });
    expect(await traces.getTrace(TRACE_ID).catch((e: unknown) => e)).toMatchObject({ name: 'TracesBackendError', retryable: true, message: `Tempo ${url} did not answer within 0.15 s` });
    await expect(backendCall(traces.source, () => traces.recent(recentTracesQuery('core-service', { environment: 'prod' })))).rejects.toThrow(ServiceUnavailableError);
  });

  it('reads span ids in base64 or hex; an all-zero parent is none', () => {
    expect(hexId('AAAAAAAAEjQ=')).toBe('0000000000001234');
    expect(hexId('0882EE038DFDB585')).toBe('0882ee038dfdb585');
    expect(hexId('0000000000000000')).toBeUndefined();
    expect(hexId('')).toBeUndefined();
  });
});
