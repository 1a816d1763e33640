/** Trace tools, through the observability context's public module (the routes' reads, rate-limited alike). */
import type { Trace } from '#schemas/index.ts';
import { listTraces, readTrace, takeAllowance } from '#functions/observability/public';
import { defineTool } from './define.ts';
import { clip, ENVIRONMENT, objectSchema, SERVICE, TO, windowOf } from './input.ts';

const MAX_SPANS = 60;

type Span = Trace['spans'][number];

/** The tree depth-first, one row a span with its depth, at most MAX_SPANS. */
function flatten(spans: readonly Span[], depth = 0, rows: Array<Record<string, unknown>> = []): Array<Record<string, unknown>> {
  for (const span of spans) {
    if (rows.length >= MAX_SPANS) { rows.push({ leftOut: 'more spans' }); return rows; }
    rows.push({
      depth, name: span.name, service: span.service, startMs: span.startMs, durationMs: span.durationMs,
      ...(span.error ? { error: true } : {}), ...(span.fault ? { fault: true } : {}), ...(span.throttle ? { throttle: true } : {}),
      ...(span.http?.status !== undefined ? { status: span.http.status } : {}),
      ...(span.http?.url ? { url: clip(span.http.url, 200) } : {}),
      ...(span.sql ? { sql: clip(span.sql, 300) } : {}),
      ...(span.cause ? { cause: clip(span.cause, 300) } : {}),
    });
    if (rows.length < MAX_SPANS) flatten(span.children ?? [], depth + 1, rows);
  }
  return rows;
}

export const traceGet = defineTool<{ traceId: string }>({
  name: 'trace_get',
  description: 'One trace: the services it passed through and its spans depth-first (service, name, start and duration in ms, errors and faults, HTTP status, SQL, the exception), at most 60 spans.',
  inputSchema: objectSchema({ traceId: { type: 'string', pattern: '^([0-9a-f]{32}|1-[0-9a-f]{8}-[0-9a-f]{24})$', description: 'A W3C (32 hex) or X-Ray trace id.' } }, ['traceId']),
  risk: 'read',
  permission: 'logs:read',
  timeoutMs: 15_000,
  outputLimit: 12_000,
  async run({ traceId }, { caller }) {
    await takeAllowance('traces', caller.principal);
    const trace = await readTrace(traceId);
    return { traceId: trace.traceId, source: trace.source, ...(trace.simulated ? { simulated: true } : {}), startedAt: trace.startedAt, durationMs: trace.durationMs, services: trace.services, spans: flatten(trace.spans) };
  },
});

export const tracesRecent = defineTool<{ service: string; environment: string; sinceMinutes?: number; to?: string; minDurationMs?: number; limit?: number }>({
  name: 'traces_recent',
  description: 'A service\'s recent traces in an environment, newest first: the slow ones (default at least 1000 ms) over a window of at most 6 hours (default the last 60 minutes), with duration, error/fault and HTTP status. Open one with trace_get.',
  inputSchema: objectSchema({
    service: SERVICE, environment: ENVIRONMENT,
    sinceMinutes: { type: 'integer', minimum: 5, maximum: 360, description: 'Minutes before `to` (5 to 360, default 60).' }, to: TO,
    minDurationMs: { type: 'integer', minimum: 0, maximum: 600000, description: 'Only traces at least this long (default 1000).' },
    limit: { type: 'integer', minimum: 1, maximum: 20, description: 'How many (default 10).' },
  }, ['service', 'environment']),
  risk: 'read',
  permission: 'logs:read',
  timeoutMs: 15_000,
  outputLimit: 6_000,
  async run(input, { caller }) {
    const { start, end } = windowOf(input);
    await takeAllowance('traces', caller.principal);
    const list = await listTraces(input.service, { environment: input.environment, from: new Date(start).toISOString(), to: new Date(end).toISOString(), minDurationMs: input.minDurationMs ?? 1000, limit: input.limit ?? 10 });
    return { service: input.service, environment: input.environment, source: list.source, ...(list.simulated ? { simulated: true } : {}), traces: list.items };
  },
});
