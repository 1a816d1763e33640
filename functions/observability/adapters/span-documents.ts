/**
 * Jaeger and OpenTelemetry (Tempo) spans as X-Ray-like segment documents, so traces.ts builds one tree for every
 * backend: a service's entry span (no parent, or a parent in another service) becomes a segment whose `parent_id`
 * is the calling span; the spans it made, directly or not, its nested subsegments. A span's name is its operation,
 * its service the `service.name` that recorded it.
 *
 * Errors follow X-Ray's split: a 4xx answer is an `error`, a 5xx or a span marked failed (OpenTelemetry status
 * ERROR, Jaeger's `error=true` tag) without a 4xx is a `fault`. HTTP and SQL read both the current OpenTelemetry
 * semantic conventions and the older names Jaeger clients still write.
 */
import type { TraceList } from '#schemas/index.ts';
import type { SegmentDocument } from '../traces.ts';
import { traceTree, type RawTrace } from '../traces.ts';

export type AttributeValue = string | number | boolean;

/** A span in the terms both backends share. */
export interface OpenSpan {
  readonly id: string;
  readonly parentId: string | undefined;
  readonly service: string;
  readonly name: string;
  /** server, client, producer, consumer, internal (lower case); undefined when not known. */
  readonly kind: string | undefined;
  /** Unix seconds. */
  readonly start: number;
  readonly end: number;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  /** The span says it failed (OpenTelemetry status ERROR, Jaeger `error=true`). */
  readonly failed: boolean;
  /** What failed, when the span says (status message, an exception event's message). */
  readonly message: string | undefined;
  readonly exceptionType?: string | undefined;
}

const first = (attributes: Readonly<Record<string, AttributeValue>>, ...keys: readonly string[]): AttributeValue | undefined => {
  for (const key of keys) if (attributes[key] !== undefined && attributes[key] !== '') return attributes[key];
  return undefined;
};

/** HTTP method, URL and status of a span, from the current and the older semantic conventions. */
export function httpOf(attributes: Readonly<Record<string, AttributeValue>>): SegmentDocument['http'] {
  const method = first(attributes, 'http.request.method', 'http.method');
  const scheme = first(attributes, 'url.scheme', 'http.scheme');
  const host = first(attributes, 'server.address', 'http.host', 'net.host.name');
  const path = first(attributes, 'url.path', 'http.target');
  const url = first(attributes, 'url.full', 'http.url') ?? (path !== undefined && host !== undefined ? `${scheme ?? 'http'}://${host}${path}` : path);
  const status = Number(first(attributes, 'http.response.status_code', 'http.status_code'));
  if (method === undefined && url === undefined && !Number.isInteger(status)) return undefined;
  return {
    ...(method !== undefined || url !== undefined ? { request: { ...(method !== undefined ? { method: String(method) } : {}), ...(url !== undefined ? { url: String(url) } : {}) } } : {}),
    ...(Number.isInteger(status) ? { response: { status } } : {}),
  };
}

function document(span: OpenSpan, traceEnd: number): SegmentDocument & { subsegments: SegmentDocument[] } {
  const http = httpOf(span.attributes);
  const status = http?.response?.status;
  const clientError = status !== undefined && status >= 400 && status < 500;
  const fault = (status !== undefined && status >= 500) || (span.failed && !clientError);
  const statement = first(span.attributes, 'db.query.text', 'db.statement');
  const remote = span.kind === 'client' || span.kind === 'producer' || first(span.attributes, 'db.system', 'db.system.name') !== undefined;
  return {
    id: span.id,
    name: span.name,
    service: span.service,
    ...(span.parentId ? { parent_id: span.parentId } : {}),
    start_time: span.start,
    end_time: Math.max(span.start, Number.isFinite(span.end) ? span.end : traceEnd),
    ...(remote ? { namespace: 'remote' } : {}),
    ...(clientError ? { error: true } : {}),
    ...(fault ? { fault: true } : {}),
    ...(status === 429 ? { throttle: true } : {}),
    ...(http ? { http } : {}),
    ...(statement !== undefined ? { sql: { sanitized_query: String(statement) } } : {}),
    ...(span.message && (fault || clientError) ? { cause: { exceptions: [{ message: span.message, ...(span.exceptionType ? { type: span.exceptionType } : {}) }] } } : {}),
    subsegments: [],
  };
}

/** The spans as segment documents: each service's entry spans at the top, the rest nested under their parents. */
export function segmentDocuments(spans: readonly OpenSpan[]): SegmentDocument[] {
  const byId = new Map(spans.map((s) => [s.id, s]));
  const end = Math.max(...spans.map((s) => s.end).filter(Number.isFinite), ...spans.map((s) => s.start));
  const docs = new Map(spans.map((s) => [s.id, document(s, end)]));
  const top: SegmentDocument[] = [];
  for (const span of spans) {
    const parent = span.parentId ? byId.get(span.parentId) : undefined;
    const doc = docs.get(span.id)!;
    if (parent && parent.service === span.service && parent.id !== span.id) {
      // A subsegment's parent is where it is nested; X-Ray's subsegments carry no parent_id.
      const { parent_id: _parent, ...nested } = doc;
      docs.get(parent.id)!.subsegments.push(nested as typeof doc);
      docs.set(span.id, nested as typeof doc);
    } else {
      top.push(doc);
    }
  }
  return top;
}

/** A trace's line in a recent-traces list, from its tree (as X-Ray's summary: an error or fault anywhere in it). */
export function traceSummary(raw: RawTrace, source: string): TraceList['items'][number] {
  const tree = traceTree(raw, source, false);
  const all = (spans: typeof tree.spans): typeof tree.spans => spans.flatMap((s) => [s, ...all(s.children)]);
  const spans = all(tree.spans);
  const root = tree.spans[0];
  return {
    traceId: tree.traceId,
    startedAt: tree.startedAt,
    durationMs: tree.durationMs,
    error: spans.some((s) => s.error),
    fault: spans.some((s) => s.fault),
    ...(root?.http ? { http: root.http } : {}),
  };
}
