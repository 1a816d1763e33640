/**
 * Traces from the Jaeger query API, over loopback against a small fake query service answering what Jaeger
 * answers: a trace across three services (frontend → core-service → postgres and billing-service) with a failed
 * span, the search of a service's traces, 404, 500, a body that is not JSON, and no answer at all.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NotFoundError, ServiceUnavailableError } from '#shared/errors';
import { backendCall } from '../backend-errors.ts';
import { getTrace, recentTracesQuery } from '../traces.ts';
import { JaegerTraces } from './jaeger-traces.ts';
import { TracesBackendError } from './trace-http.ts';

const TRACE_ID = '5759e988bd862e3fe1be46a994272793';
const T = Date.parse('2026-11-02T09:47:00Z') * 1000; // µs
const ms = (n: number) => T + n * 1000;
const tag = (key: string, value: string | number | boolean) => ({ key, type: typeof value === 'string' ? 'string' : typeof value === 'boolean' ? 'bool' : 'int64', value });
const childOf = (spanID: string) => [{ refType: 'CHILD_OF', traceID: TRACE_ID, spanID }];

/** What GET /api/traces/{id} answers for the trace (Jaeger's JSON: µs times, processes by id). */
const jaegerTrace = {
  traceID: TRACE_ID,
  spans: [
    // Out of order, as Jaeger may send them.
    { traceID: TRACE_ID, spanID: 'b1', operationName: 'POST /charges', references: childOf('c3'), startTime: ms(21), duration: 28_000, processID: 'p3', logs: [], warnings: null, flags: 1,
      tags: [tag('span.kind', 'server'), tag('http.method', 'POST'), tag('http.url', 'http://billing-service/charges'), tag('http.status_code', 402)] },
    { traceID: TRACE_ID, spanID: 'f1', operationName: 'GET /orders/{id}', references: [], startTime: ms(0), duration: 180_000, processID: 'p1', logs: [], warnings: null, flags: 1,
      tags: [tag('span.kind', 'server'), tag('http.method', 'GET'), tag('http.url', 'https://shop.example.com/orders/7'), tag('http.status_code', 500), tag('error', true)] },
    { traceID: TRACE_ID, spanID: 'f2', operationName: 'GET', references: childOf('f1'), startTime: ms(1), duration: 177_000, processID: 'p1', logs: [], warnings: null, flags: 1,
      tags: [tag('span.kind', 'client'), tag('http.method', 'GET'), tag('http.url', 'http://core-service/api/v1/orders/7'), tag('http.status_code', 500), tag('error', true)] },
    { traceID: TRACE_ID, spanID: 'c1', operationName: 'GET /api/v1/orders/{id}', references: childOf('f2'), startTime: ms(2), duration: 175_000, processID: 'p2', warnings: null, flags: 1,
      tags: [tag('span.kind', 'server'), tag('http.method', 'GET'), tag('http.url', 'http://core-service/api/v1/orders/7'), tag('http.status_code', 500), tag('otel.status_code', 'ERROR')],
      logs: [{ timestamp: ms(176), fields: [tag('event', 'exception'), tag('exception.type', 'java.sql.SQLTransientConnectionException'), tag('exception.message', 'HikariPool-1 - Connection is not available, request timed out after 30000ms.')] }] },
    { traceID: TRACE_ID, spanID: 'c2', operationName: 'SELECT core.orders', references: childOf('c1'), startTime: ms(3), duration: 10_000, processID: 'p2', logs: [], warnings: null, flags: 1,
      tags: [tag('span.kind', 'client'), tag('db.system', 'postgresql'), tag('db.statement', 'SELECT o.* FROM orders o WHERE o.id = ?')] },
    { traceID: TRACE_ID, spanID: 'c3', operationName: 'POST', references: childOf('c1'), startTime: ms(20), duration: 30_000, processID: 'p2', logs: [], warnings: null, flags: 1,
      tags: [tag('span.kind', 'client'), tag('http.method', 'POST'), tag('http.url', 'http://billing-service/charges'), tag('http.status_code', 402)] },
  ],
  processes: {
    p1: { serviceName: 'frontend', tags: [tag('deployment.environment', 'prod')] },
    p2: { serviceName: 'core-service', tags: [tag('deployment.environment', 'prod')] },
    p3: { serviceName: 'billing-service', tags: [tag('deployment.environment', 'prod')] },
  },
  warnings: null,
};

/** The trace as GET /api/v1/logs/trace/{traceId} answers it. */
const expectedTrace = {
  traceId: TRACE_ID, source: 'Jaeger JAEGER', simulated: false, startedAt: '2026-11-02T09:47:00.000Z', durationMs: 180,
  services: ['frontend', 'core-service', 'billing-service'],
  spans: [{
    id: 'f1', name: 'GET /orders/{id}', service: 'frontend', kind: 'segment', startMs: 0, durationMs: 180, error: false, fault: true, throttle: false,
    http: { method: 'GET', url: 'https://shop.example.com/orders/7', status: 500 },
    children: [{
      id: 'f2', name: 'GET', service: 'frontend', kind: 'subsegment', namespace: 'remote', startMs: 1, durationMs: 177, error: false, fault: true, throttle: false,
      http: { method: 'GET', url: 'http://core-service/api/v1/orders/7', status: 500 },
      children: [{
        id: 'c1', name: 'GET /api/v1/orders/{id}', service: 'core-service', kind: 'segment', startMs: 2, durationMs: 175, error: false, fault: true, throttle: false,
        http: { method: 'GET', url: 'http://core-service/api/v1/orders/7', status: 500 },
        cause: 'HikariPool-1 - Connection is not available, request timed out after 30000ms.',
        children: [
          { id: 'c2', name: 'SELECT core.orders', service: 'core-service', kind: 'subsegment', namespace: 'remote', startMs: 3, durationMs: 10, error: false, fault: false, throttle: false, sql: 'SELECT o.* FROM orders o WHERE o.id = ?', children: [] },
          {
            id: 'c3', name: 'POST', service: 'core-service', kind: 'subsegment', namespace: 'remote', startMs: 20, durationMs: 30, error: true, fault: false, throttle: false,
            http: { method: 'POST', url: 'http://billing-service/charges', status: 402 },
            children: [{ id: 'b1', name: 'POST /charges', service: 'billing-service', kind: 'segment', startMs: 21, durationMs: 28, error: true, fault: false, throttle: false, http: { method: 'POST', url: 'http://billing-service/charges', status: 402 }, children: [] }],
          },
        ],
      }],
    }],
  }],
};

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let server: Server | undefined;
const requests: Array<{ path: string; query: URLSearchParams; authorization: string | undefined }> = [];

/** A fake Jaeger query service on a free loopback port; its base URL. */
async function jaeger(handler: Handler): Promise<string> {
  requests.length = 0;
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push({ path: url.pathname, query: url.searchParams, authorization: req.headers.authorization });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

describe('Jaeger traces', () => {
  it('reads a trace across three services into the tree the API answers, with the failure and its cause', async () => {
    // Prepare
    const url = await jaeger((req, res) => json(res, 200, { data: [jaegerTrace], total: 0, limit: 0, offset: 0, errors: null }));
    const traces = new JaegerTraces({ baseUrl: `${url}/`, auth: { value: 'bearer s3cr3t' } });
    // Act: asked with the X-Ray form of the id
    const trace = await getTrace(traces, '1-5759e988-bd862e3fe1be46a994272793');
    // Assess
    expect(requests.map((r) => [r.path, r.authorization])).toEqual([[`/api/traces/${TRACE_ID}`, 'Bearer s3cr3t']]);
    expect(trace).toEqual({ ...expectedTrace, source: `Jaeger ${url}` });
  });

  it('lists a service\'s traces of the range in the environment, newest first, each summarised from its tree', async () => {
    // Prepare: two traces, the older one fast and clean
    const older = { ...jaegerTrace, traceID: 'a1b2c3d4e5f60718', spans: [{ ...jaegerTrace.spans[3]!, spanID: 'x1', traceID: 'a1b2c3d4e5f60718', startTime: ms(-60_000), duration: 1_200_000, references: [], logs: [], tags: [tag('http.status_code', 200)] }] };
    const url = await jaeger((req, res) => json(res, 200, { data: [older, jaegerTrace], total: 0, limit: 0, offset: 0, errors: null }));
    const query = recentTracesQuery('core-service', { environment: 'prod', from: '2026-11-02T09:00:00Z', to: '2026-11-02T10:00:00Z', limit: 5 });
    // Act
    const items = await new JaegerTraces({ baseUrl: url }).recent(query);
    // Assess: the query Jaeger was asked (µs, a Go duration, tags as a JSON map)
    expect(requests).toHaveLength(1);
    expect(requests[0]!.path).toBe('/api/traces');
    expect(Object.fromEntries(requests[0]!.query)).toEqual({
      service: 'core-service', start: String(Date.parse('2026-11-02T09:00:00Z') * 1000), end: String(Date.parse('2026-11-02T10:00:00Z') * 1000),
      minDuration: '1000ms', limit: '5', tags: '{"deployment.environment":"prod"}',
    });
    expect(items).toEqual([
      { traceId: TRACE_ID, startedAt: '2026-11-02T09:47:00.000Z', durationMs: 180, error: true, fault: true, http: { method: 'GET', url: 'https://shop.example.com/orders/7', status: 500 } },
      { traceId: '0000000000000000a1b2c3d4e5f60718', startedAt: '2026-11-02T09:46:00.000Z', durationMs: 1200, error: false, fault: false, http: { status: 200 } },
    ]);
  });

  it('answers 404 for a trace Jaeger does not have, and for an id that is no trace id at all', async () => {
    const url = await jaeger((req, res) => json(res, 404, { data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 404, msg: 'trace not found' }] }));
    const traces = new JaegerTraces({ baseUrl: url });
    await expect(traces.getTrace(TRACE_ID)).resolves.toBeUndefined();
    await expect(getTrace(traces, TRACE_ID)).rejects.toThrow(NotFoundError);
    await expect(getTrace(traces, '../../api/services')).rejects.toThrow(NotFoundError);
    expect(requests.map((r) => r.path)).toEqual([`/api/traces/${TRACE_ID}`, `/api/traces/${TRACE_ID}`]);
  });

  it('answers a Jaeger 500 with a 503 to retry', async () => {
    const url = await jaeger((req, res) => json(res, 500, { data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 500, msg: 'elasticsearch: no shards available' }] }));
    const traces = new JaegerTraces({ baseUrl: url });
    const error = await traces.getTrace(TRACE_ID).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TracesBackendError);
    expect(error).toMatchObject({ status: 500, retryable: true, message: expect.stringContaining(`Jaeger ${url} answered 500: {"data":null`) as string });
    await expect(backendCall(traces.source, () => getTrace(traces, TRACE_ID))).rejects.toThrow(ServiceUnavailableError);
  });

  it('refuses a body that is not JSON as an internal error naming the backend, not a 503', async () => {
    const url = await jaeger((req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Jaeger UI</title>'));
    const traces = new JaegerTraces({ baseUrl: url });
    const error = await backendCall(traces.source, () => getTrace(traces, TRACE_ID)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TracesBackendError);
    expect(error).toMatchObject({ retryable: false, message: `Jaeger ${url} answered /api/traces/${TRACE_ID} with a body that is not JSON (is the URL its query API?): <!doctype html><title>Jaeger UI</title>` });
  });

  it('gives up on a Jaeger that does not answer in time, as a 503 to retry', async () => {
    const url = await jaeger(() => undefined); // never answers
    const traces = new JaegerTraces({ baseUrl: url, timeoutMs: 150 });
    const error = await traces.recent(recentTracesQuery('core-service', { environment: 'prod' })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TracesBackendError', retryable: true, message: `Jaeger ${url} did not answer within 0.15 s` });
    await expect(backendCall(traces.source, () => getTrace(traces, TRACE_ID))).rejects.toThrow(`Jaeger ${url} is unavailable or throttled; try again shortly`);
  });
});
