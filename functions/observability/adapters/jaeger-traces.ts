/**
 * Traces from the Jaeger query service's HTTP API (the one Jaeger UI reads; APOLLO_JAEGER_URL, e.g.
 * http://jaeger-query:16686):
 *
 * - one trace: `GET /api/traces/{id}` → `{data:[{traceID, spans:[{spanID, operationName, references:[{refType,
 *   spanID}], startTime µs, duration µs, tags:[{key,type,value}], logs:[{timestamp, fields}], processID}],
 *   processes:{p1:{serviceName, tags}}}], errors}`; 404 (`errors:[{code:404, msg:"trace not found"}]`) when unknown.
 * - a service's traces: `GET /api/traces?service=&start=&end=` (unix µs) `&minDuration=` (a Go duration, `1000ms`)
 *   `&limit=&tags={"deployment.environment":"prod"}` (a JSON map; Jaeger matches span and process tags); the answer
 *   holds the whole traces, so each line is summarised from its tree like X-Ray's summaries.
 *
 * A span's parent is its first CHILD_OF reference (else FOLLOWS_FROM); failed is the `error=true` tag or OpenTelemetry's
 * `otel.status_code=ERROR`; the cause is `otel.status_description` or an error log's message.
 */
import type { TraceList } from '#schemas/index.ts';
import type { RawTrace, RecentTracesQuery, TracesPort } from '../traces.ts';
import { segmentDocuments, traceSummary, type AttributeValue, type OpenSpan } from './span-documents.ts';
import { TraceHttp, TracesBackendError, w3cTraceId, type TraceHttpOptions } from './trace-http.ts';

interface JaegerKeyValue { readonly key: string; readonly type?: string; readonly value: unknown }
interface JaegerSpan {
  readonly spanID: string;
  readonly operationName?: string;
  readonly references?: ReadonlyArray<{ readonly refType?: string; readonly spanID?: string }>;
  readonly startTime: number;
  readonly duration?: number;
  readonly tags?: readonly JaegerKeyValue[];
  readonly logs?: ReadonlyArray<{ readonly fields?: readonly JaegerKeyValue[] }>;
  readonly processID?: string;
}
interface JaegerTrace {
  readonly traceID: string;
  readonly spans: readonly JaegerSpan[];
  readonly processes?: Readonly<Record<string, { readonly serviceName?: string }>>;
}

export interface JaegerTracesOptions extends Omit<TraceHttpOptions, 'source'> {
  /** The tag naming a span's environment. @default deployment.environment */
  readonly environmentTag?: string;
}

export class JaegerTraces implements TracesPort {
  readonly source: string;
  readonly simulated = false;
  private readonly http: TraceHttp;
  private readonly environmentTag: string;

  constructor(options: JaegerTracesOptions) {
    this.source = `Jaeger ${options.baseUrl.replace(/\/+$/, '')}`;
    this.http = new TraceHttp({ ...options, source: this.source });
    this.environmentTag = options.environmentTag ?? 'deployment.environment';
  }

  async getTrace(traceId: string): Promise<RawTrace | undefined> {
    const id = w3cTraceId(traceId);
    if (!id) return undefined;
    const body = await this.http.getJson(`/api/traces/${id}`);
    if (body === undefined) return undefined;
    const trace = traces(body, this.source).find((t) => w3cTraceId(t.traceID) === id);
    return trace && trace.spans.length ? rawTrace(trace, id) : undefined;
  }

  async recent(query: RecentTracesQuery): Promise<TraceList['items']> {
    const body = await this.http.getJson('/api/traces', {
      service: query.service,
      start: String(query.start * 1000),
      end: String(query.end * 1000),
      ...(query.minDurationMs > 0 ? { minDuration: `${query.minDurationMs}ms` } : {}),
      limit: String(query.limit),
      tags: JSON.stringify({ [this.environmentTag]: query.environment }),
    });
    const items = traces(body ?? { data: [] }, this.source)
      .filter((t) => t.spans.length)
      .map((t) => traceSummary(rawTrace(t, w3cTraceId(t.traceID) ?? t.traceID), this.source));
    return items.sort((a, b) => b.startedAt.localeCompare(a.startedAt)).slice(0, query.limit);
  }
}

function traces(body: unknown, source: string): readonly JaegerTrace[] {
  const b = body as { data?: unknown; errors?: unknown } | null;
  if (!b || typeof b !== 'object' || !(b.data === null || Array.isArray(b.data))) throw new TracesBackendError(`${source} answered an unexpected shape: no data list`, 200, false);
  const data = (b.data ?? []) as unknown[];
  for (const t of data) {
    const trace = t as Partial<JaegerTrace> | null;
    if (!trace || typeof trace.traceID !== 'string' || !Array.isArray(trace.spans)) throw new TracesBackendError(`${source} answered an unexpected shape: a trace without traceID or spans`, 200, false);
  }
  return data as JaegerTrace[];
}

const value = (kv: JaegerKeyValue): AttributeValue => (typeof kv.value === 'string' || typeof kv.value === 'number' || typeof kv.value === 'boolean' ? kv.value : JSON.stringify(kv.value));

function openSpan(span: JaegerSpan, trace: JaegerTrace): OpenSpan {
  const attributes: Record<string, AttributeValue> = {};
  for (const kv of span.tags ?? []) attributes[kv.key] = value(kv);
  const parent = span.references?.find((r) => r.refType === 'CHILD_OF') ?? span.references?.find((r) => r.refType === 'FOLLOWS_FROM');
  const failed = attributes.error === true || attributes.error === 'true' || attributes['otel.status_code'] === 'ERROR';
  const logMessage = (span.logs ?? []).map((log) => {
    const fields = Object.fromEntries((log.fields ?? []).map((kv) => [kv.key, value(kv)]));
    return fields.event === 'error' || fields.event === 'exception' || fields['exception.message'] !== undefined
      ? { message: fields['exception.message'] ?? fields.message ?? fields['error.object'], type: fields['exception.type'] ?? fields['error.kind'] }
      : undefined;
  }).find((m) => m?.message !== undefined);
  const start = span.startTime / 1e6;
  return {
    id: span.spanID,
    parentId: parent?.spanID,
    service: trace.processes?.[span.processID ?? '']?.serviceName ?? 'unknown',
    name: span.operationName ?? span.spanID,
    kind: typeof attributes['span.kind'] === 'string' ? attributes['span.kind'] : undefined,
    start,
    end: start + (span.duration ?? 0) / 1e6,
    attributes,
    failed,
    message: attributes['otel.status_description'] !== undefined ? String(attributes['otel.status_description']) : logMessage?.message !== undefined ? String(logMessage.message) : undefined,
    exceptionType: logMessage?.type !== undefined ? String(logMessage.type) : undefined,
  };
}

function rawTrace(trace: JaegerTrace, traceId: string): RawTrace {
  return { traceId, segments: segmentDocuments(trace.spans.map((s) => openSpan(s, trace))) };
}
