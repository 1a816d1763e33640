/**
 * Traces: one trace's spans as a tree, from X-Ray segment documents (or the local runtime's SIMULATED demo
 * traces, which are segment documents too). A segment is a service's part of the request; its subsegments are
 * the calls it made; a downstream service's segment names the upstream subsegment that called it as its
 * `parent_id`, so the tree crosses services the way the request did. Jaeger and Tempo spans arrive here as segment
 * documents too (adapters/span-documents.ts): a service's entry span a segment, the spans under it its subsegments.
 */
import { NotFoundError } from '#shared/errors';
import type { Trace, TraceList, TraceListQuery } from '#schemas/index.ts';
import { ValidationError } from '#shared/errors';

type Span = Trace['spans'][number];

/** An X-Ray segment or subsegment document (AWS X-Ray developer guide, "Segment documents"); the fields read here. */
export interface SegmentDocument {
  readonly id: string;
  readonly name: string;
  /** Not X-Ray's: the service of a segment whose name is an operation (Jaeger, Tempo); X-Ray names a segment by its service. */
  readonly service?: string;
  readonly trace_id?: string;
  readonly parent_id?: string;
  readonly start_time: number;
  readonly end_time?: number;
  readonly in_progress?: boolean;
  readonly namespace?: string;
  readonly error?: boolean;
  readonly fault?: boolean;
  readonly throttle?: boolean;
  readonly http?: { readonly request?: { readonly method?: string; readonly url?: string }; readonly response?: { readonly status?: number } };
  readonly sql?: { readonly sanitized_query?: string; readonly url?: string };
  readonly cause?: { readonly exceptions?: ReadonlyArray<{ readonly message?: string; readonly type?: string }> } | string;
  readonly annotations?: Readonly<Record<string, string | number | boolean>>;
  readonly subsegments?: readonly SegmentDocument[];
}

export interface RawTrace {
  readonly traceId: string;
  readonly segments: readonly SegmentDocument[];
}

/** Where traces come from: X-Ray, Jaeger or Tempo (APOLLO_TRACES_BACKEND), or the local runtime's SIMULATED demo traces. */
export interface TracesPort {
  readonly source: string;
  readonly simulated: boolean;
  /** How long the backend keeps traces, for the 404's message (e.g. "X-Ray keeps traces 30 days"). */
  readonly retention?: string;
  /** The trace's segment documents; undefined when there is no such trace (or it has expired). */
  getTrace(traceId: string): Promise<RawTrace | undefined>;
  /** The service's traces in the environment that started in [start, end] and took at least minDurationMs, newest first. */
  recent(query: RecentTracesQuery): Promise<TraceList['items']>;
}

export interface RecentTracesQuery {
  readonly service: string;
  readonly environment: string;
  readonly start: number;
  readonly end: number;
  readonly minDurationMs: number;
  readonly limit: number;
}

/** A W3C trace id (32 hex) as X-Ray writes it (`1-<8 hex epoch>-<24 hex>`); an X-Ray id as it is. */
export function xrayTraceId(traceId: string): string {
  return /^[0-9a-f]{32}$/.test(traceId) ? `1-${traceId.slice(0, 8)}-${traceId.slice(8)}` : traceId;
}

/** The trace as a tree of spans, children in order of start. */
export function traceTree(raw: RawTrace, source: string, simulated: boolean): Trace {
  if (raw.segments.length === 0) throw new NotFoundError(`trace ${raw.traceId} has no segments`);
  const start = Math.min(...raw.segments.map((s) => s.start_time));
  const end = Math.max(...raw.segments.map((s) => s.end_time ?? s.start_time));
  const nodes = new Map<string, Span & { children: Span[] }>();
  const services: string[] = [];
  const toSpan = (doc: SegmentDocument, service: string, kind: 'segment' | 'subsegment'): Span & { children: Span[] } => {
    const cause = typeof doc.cause === 'object' ? doc.cause.exceptions?.find((e) => e.message)?.message : undefined;
    const span: Span & { children: Span[] } = {
      id: doc.id,
      name: doc.name,
      service,
      kind,
      ...(doc.namespace ? { namespace: doc.namespace } : {}),
      startMs: round((doc.start_time - start) * 1000),
      durationMs: round(((doc.end_time ?? end) - doc.start_time) * 1000),
      ...(doc.in_progress ? { inProgress: true } : {}),
      error: Boolean(doc.error),
      fault: Boolean(doc.fault),
      throttle: Boolean(doc.throttle),
      ...(doc.http ? { http: {
        ...(doc.http.request?.method ? { method: doc.http.request.method } : {}),
        ...(doc.http.request?.url ? { url: doc.http.request.url } : {}),
        ...(doc.http.response?.status !== undefined ? { status: doc.http.response.status } : {}),
      } } : {}),
      ...(doc.sql?.sanitized_query ? { sql: doc.sql.sanitized_query } : {}),
      ...(cause ? { cause } : {}),
      ...(doc.annotations ? { annotations: { ...doc.annotations } } : {}),
      children: (doc.subsegments ?? []).map((sub) => toSpan(sub, service, 'subsegment')),
    };
    nodes.set(doc.id, span);
    return span;
  };
  const segments = [...raw.segments].sort((a, b) => a.start_time - b.start_time).map((doc) => {
    const service = doc.service ?? doc.name;
    if (!services.includes(service)) services.push(service);
    return { doc, span: toSpan(doc, service, 'segment') };
  });
  const roots: Span[] = [];
  for (const { doc, span } of segments) {
    const parent = doc.parent_id ? nodes.get(doc.parent_id) : undefined;
    if (parent && parent !== span) parent.children.push(span);
    else roots.push(span);
  }
  for (const node of nodes.values()) node.children.sort((a: Span, b: Span) => a.startMs - b.startMs);
  return { traceId: raw.traceId, source, simulated, startedAt: new Date(start * 1000).toISOString(), durationMs: round((end - start) * 1000), services, spans: roots };
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

/** The trace, as a tree; NotFoundError when the backend has no such trace. */
export async function getTrace(port: TracesPort, traceId: string): Promise<Trace> {
  const raw = await port.getTrace(traceId);
  if (!raw) throw new NotFoundError(`no trace ${traceId} in ${port.source}${port.retention ? ` (${port.retention})` : ''}`);
  return traceTree(raw, port.source, port.simulated);
}

/** The route. */
export async function readTrace(traceId: string): Promise<Trace> {
  const [{ telemetryDeps }, { backendCall }] = await Promise.all([import('./telemetry-deps.ts'), import('./backend-errors.ts')]);
  const { traces } = await telemetryDeps();
  return backendCall(traces.source, () => getTrace(traces, traceId));
}

const HOUR_MS = 3_600_000;

/** The route's range (default the last hour, at most 6 hours: X-Ray's summaries are read page by page). */
export function recentTracesQuery(service: string, query: TraceListQuery, now = Date.now()): RecentTracesQuery {
  const end = query.to ? Date.parse(query.to) : now;
  const start = query.from ? Date.parse(query.from) : end - HOUR_MS;
  if (!(start < end)) throw new ValidationError('the time range is empty: from must be before to', { details: [{ path: '/query/from', message: 'must be before to' }] });
  if (end - start > 6 * HOUR_MS) throw new ValidationError('the time range spans more than 6 hours', { details: [{ path: '/query/from', message: 'at most 6 hours before to' }] });
  return { service, environment: query.environment, start, end, minDurationMs: query.minDurationMs ?? 1000, limit: query.limit ?? 20 };
}

/** The route: a service's recent (slow) traces. */
export async function listTraces(service: string, query: TraceListQuery): Promise<TraceList> {
  const [{ telemetryDeps }, { backendCall }] = await Promise.all([import('./telemetry-deps.ts'), import('./backend-errors.ts')]);
  const { traces } = await telemetryDeps();
  const recent = recentTracesQuery(service, query);
  const items = await backendCall(traces.source, () => traces.recent(recent));
  return { items: [...items], source: traces.source, simulated: traces.simulated };
}
