/**
 * Traces from Grafana Tempo's HTTP API (APOLLO_TEMPO_URL, the query frontend, e.g. http://tempo:3200; Grafana
 * Cloud's `https://tempo-<zone>.grafana.net/tempo` with basic auth):
 *
 * - one trace: `GET /api/traces/{id}` → OpenTelemetry JSON as Tempo writes it: `{batches:[{resource:{attributes},
 *   scopeSpans|instrumentationLibrarySpans:[{spans:[…]}]}]}` with ids in base64 (older Tempo) or hex; the v2 form
 *   `{trace:{resourceSpans:[…]}}` and plain OTLP `{resourceSpans}` are read too. Times are `startTimeUnixNano` /
 *   `endTimeUnixNano` (strings), `kind` and `status.code` names or numbers, attributes `{key, value:{stringValue|
 *   intValue|boolValue|doubleValue}}`; an `exception` event carries the cause. 404 when Tempo has no such trace.
 * - a service's traces: `GET /api/search?q=<TraceQL>&start=&end=` (unix s) `&limit=` with
 *   `{ resource.service.name = "<id>" && .deployment.environment = "<env>" && traceDuration >= <n>ms }`: an exact
 *   match (the `tags=` search matches substrings). The answer names each trace's start and duration only; its error
 *   and HTTP come from the spans of that service Tempo returns (`select(...)`, at most `spss` of them), so a failure
 *   elsewhere in the trace is not flagged in the list (opening the trace shows it).
 */
import type { TraceList } from '#schemas/index.ts';
import type { RawTrace, RecentTracesQuery, TracesPort } from '../traces.ts';
import { httpOf, segmentDocuments, type AttributeValue, type OpenSpan } from './span-documents.ts';
import { TraceHttp, TracesBackendError, w3cTraceId, type TraceHttpOptions } from './trace-http.ts';

interface OtlpValue {
  readonly stringValue?: string;
  readonly intValue?: string | number;
  readonly boolValue?: boolean;
  readonly doubleValue?: number;
  readonly arrayValue?: { readonly values?: readonly OtlpValue[] };
}
interface OtlpKeyValue { readonly key: string; readonly value?: OtlpValue }
interface OtlpSpan {
  readonly spanId?: string;
  readonly parentSpanId?: string;
  readonly name?: string;
  readonly kind?: string | number;
  readonly startTimeUnixNano?: string | number;
  readonly endTimeUnixNano?: string | number;
  readonly attributes?: readonly OtlpKeyValue[];
  readonly status?: { readonly code?: string | number; readonly message?: string };
  readonly events?: ReadonlyArray<{ readonly name?: string; readonly attributes?: readonly OtlpKeyValue[] }>;
}
interface OtlpResourceSpans {
  readonly resource?: { readonly attributes?: readonly OtlpKeyValue[] };
  readonly scopeSpans?: ReadonlyArray<{ readonly spans?: readonly OtlpSpan[] }>;
  readonly instrumentationLibrarySpans?: ReadonlyArray<{ readonly spans?: readonly OtlpSpan[] }>;
}

export interface TempoTracesOptions extends Omit<TraceHttpOptions, 'source'> {
  /** The attribute naming a span's environment. @default deployment.environment */
  readonly environmentTag?: string;
  /** Tempo's tenant (X-Scope-OrgID), in a multi-tenant Tempo. */
  readonly tenant?: string;
}

/** Spans per trace a search returns (`spss`): the service's spans its error and HTTP are read from. */
const SPANS_PER_SET = 10;

export class TempoTraces implements TracesPort {
  readonly source: string;
  readonly simulated = false;
  private readonly http: TraceHttp;
  private readonly environmentTag: string;

  constructor(options: TempoTracesOptions) {
    this.source = `Tempo ${options.baseUrl.replace(/\/+$/, '')}`;
    this.http = new TraceHttp({ ...options, source: this.source, headers: { ...options.headers, ...(options.tenant ? { 'X-Scope-OrgID': options.tenant } : {}) } });
    this.environmentTag = options.environmentTag ?? 'deployment.environment';
  }

  async getTrace(traceId: string): Promise<RawTrace | undefined> {
    const id = w3cTraceId(traceId);
    if (!id) return undefined;
    const body = await this.http.getJson(`/api/traces/${id}`);
    if (body === undefined) return undefined;
    const spans = resourceSpans(body, this.source).flatMap((rs) => {
      const resource = attributesOf(rs.resource?.attributes);
      const service = typeof resource['service.name'] === 'string' ? resource['service.name'] : 'unknown';
      return [...(rs.scopeSpans ?? []), ...(rs.instrumentationLibrarySpans ?? [])].flatMap((scope) => (scope.spans ?? []).map((span) => openSpan(span, service, this.source)));
    });
    return spans.length ? { traceId: id, segments: segmentDocuments(spans) } : undefined;
  }

  async recent(query: RecentTracesQuery): Promise<TraceList['items']> {
    const body = await this.http.getJson('/api/search', {
      q: traceQl(query, this.environmentTag),
      start: String(Math.floor(query.start / 1000)),
      end: String(Math.ceil(query.end / 1000)),
      limit: String(query.limit),
      spss: String(SPANS_PER_SET),
    });
    const found = (body as { traces?: unknown } | undefined)?.traces ?? [];
    if (!Array.isArray(found)) throw new TracesBackendError(`${this.source} answered its search with an unexpected shape: traces is not a list`, 200, false);
    const items = (found as SearchedTrace[]).flatMap((t) => {
      const traceId = typeof t.traceID === 'string' ? w3cTraceId(t.traceID) : undefined;
      const startNs = nanos(t.startTimeUnixNano);
      return traceId && startNs !== undefined ? [summary(traceId, startNs, t)] : [];
    });
    return items.sort((a, b) => b.startedAt.localeCompare(a.startedAt)).slice(0, query.limit);
  }
}

interface SearchedTrace {
  readonly traceID?: unknown;
  readonly startTimeUnixNano?: string;
  readonly durationMs?: number;
  readonly spanSet?: { readonly spans?: ReadonlyArray<{ readonly attributes?: readonly OtlpKeyValue[] }> };
  readonly spanSets?: ReadonlyArray<{ readonly spans?: ReadonlyArray<{ readonly startTimeUnixNano?: string; readonly attributes?: readonly OtlpKeyValue[] }> }>;
}

const quoted = (value: string): string => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** The TraceQL of a recent-traces query (exported for the tests). */
export function traceQl(query: Pick<RecentTracesQuery, 'service' | 'environment' | 'minDurationMs'>, environmentTag = 'deployment.environment'): string {
  const conditions = [`resource.service.name = ${quoted(query.service)}`, `.${environmentTag} = ${quoted(query.environment)}`, ...(query.minDurationMs > 0 ? [`traceDuration >= ${query.minDurationMs}ms`] : [])];
  return `{ ${conditions.join(' && ')} } | select(status, span.http.request.method, span.http.method, span.url.full, span.http.url, span.http.response.status_code, span.http.status_code)`;
}

function summary(traceId: string, startNs: bigint, trace: SearchedTrace): TraceList['items'][number] {
  const spans = [...(trace.spanSets ?? []), ...(trace.spanSet ? [trace.spanSet] : [])].flatMap((set) => set.spans ?? []);
  let error = false;
  let fault = false;
  let http: ReturnType<typeof httpOf>;
  for (const span of spans) {
    // Selected attributes come back with or without their scope (`span.http.method`, `http.method`).
    const attributes = Object.fromEntries(Object.entries(attributesOf(span.attributes)).map(([k, v]) => [k.replace(/^(span|resource)?\./, ''), v]));
    const spanHttp = httpOf(attributes);
    const status = spanHttp?.response?.status;
    const clientError = status !== undefined && status >= 400 && status < 500;
    error ||= clientError;
    fault ||= (status !== undefined && status >= 500) || (attributes.status === 'error' && !clientError);
    http ??= spanHttp;
  }
  return {
    traceId,
    startedAt: new Date(Number(startNs / 1_000_000n)).toISOString(),
    durationMs: typeof trace.durationMs === 'number' ? trace.durationMs : 0,
    error,
    fault,
    ...(http ? { http: {
      ...(http.request?.method ? { method: http.request.method } : {}),
      ...(http.request?.url ? { url: http.request.url } : {}),
      ...(http.response?.status !== undefined ? { status: http.response.status } : {}),
    } } : {}),
  };
}

function resourceSpans(body: unknown, source: string): readonly OtlpResourceSpans[] {
  type Holder = { batches?: unknown; resourceSpans?: unknown; trace?: unknown };
  const b = body as Holder | null;
  // v1 answers {batches}, v2 {trace:{resourceSpans}, status}; an empty trace is {} either way.
  const holder = (b && typeof b === 'object' && b.trace && typeof b.trace === 'object' ? b.trace : b) as Holder | null;
  if (holder && typeof holder === 'object' && holder.batches === undefined && holder.resourceSpans === undefined && (holder === b ? Object.keys(holder).length === 0 : true)) return [];
  const list = holder?.batches ?? holder?.resourceSpans;
  if (!Array.isArray(list)) throw new TracesBackendError(`${source} answered an unexpected shape: no batches or resourceSpans`, 200, false);
  return list as OtlpResourceSpans[];
}

function scalar(value: OtlpValue | undefined): AttributeValue | undefined {
  if (!value) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue) return JSON.stringify((value.arrayValue.values ?? []).map(scalar));
  return undefined;
}

function attributesOf(list: readonly OtlpKeyValue[] | undefined): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = {};
  for (const kv of list ?? []) {
    const v = scalar(kv.value);
    if (v !== undefined) attributes[kv.key] = v;
  }
  return attributes;
}

/** A span or parent id as hex: Tempo writes base64 (12 or 24 characters for 8 or 16 bytes) or hex. */
export function hexId(id: string | undefined): string | undefined {
  if (!id) return undefined;
  const hex = /^[0-9a-f]+$/i.test(id) && id.length % 2 === 0 && id.length !== 12 && id.length !== 24 ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex');
  return /^0*$/.test(hex) ? undefined : hex;
}

function nanos(value: string | number | undefined): bigint | undefined {
  if (value === undefined || value === '') return undefined;
  try {
    return BigInt(typeof value === 'number' ? Math.round(value) : value);
  } catch {
    return undefined;
  }
}

const KINDS: Readonly<Record<string, string>> = { 1: 'internal', 2: 'server', 3: 'client', 4: 'producer', 5: 'consumer' };

function openSpan(span: OtlpSpan, service: string, source: string): OpenSpan {
  const id = hexId(span.spanId);
  const startNs = nanos(span.startTimeUnixNano);
  if (!id || startNs === undefined) throw new TracesBackendError(`${source} answered a span without spanId or startTimeUnixNano`, 200, false);
  const endNs = nanos(span.endTimeUnixNano);
  const seconds = (ns: bigint) => Number(ns / 1000n) / 1e6;
  const code = span.status?.code;
  const exception = (span.events ?? []).find((e) => e.name === 'exception');
  const exceptionAttributes = attributesOf(exception?.attributes);
  const kind = typeof span.kind === 'number' ? KINDS[span.kind] : span.kind?.replace(/^SPAN_KIND_/, '').toLowerCase();
  const message = span.status?.message || exceptionAttributes['exception.message'];
  return {
    id,
    parentId: hexId(span.parentSpanId),
    service,
    name: span.name || id,
    kind: kind && kind !== 'unspecified' ? kind : undefined,
    start: seconds(startNs),
    end: endNs !== undefined ? seconds(endNs) : Number.NaN,
    attributes: attributesOf(span.attributes),
    failed: code === 2 || code === 'STATUS_CODE_ERROR' || code === 'ERROR',
    message: message !== undefined && message !== '' ? String(message) : undefined,
    exceptionType: exceptionAttributes['exception.type'] !== undefined ? String(exceptionAttributes['exception.type']) : undefined,
  };
}
