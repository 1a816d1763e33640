/**
 * Traces from AWS X-Ray: `BatchGetTraces` with the one trace id (a W3C id converted to X-Ray's form), every
 * page (NextToken) collected; each segment's `Document` is the segment document JSON. An id X-Ray does not know
 * comes back in `UnprocessedTraceIds` or as no trace at all: no trace. A service's recent traces: `GetTraceSummaries`
 * with the filter expression `service("<id>") AND annotation.environment = "<env>" AND duration >= <s>` (services
 * annotate their segments with `environment`), page by page until the limit. IAM: `xray:BatchGetTraces`,
 * `xray:GetTraceSummaries`.
 */
import { BatchGetTracesCommand, GetTraceSummariesCommand, XRayClient } from '@aws-sdk/client-xray';
import type { TraceList } from '#schemas/index.ts';
import type { RawTrace, RecentTracesQuery, SegmentDocument, TracesPort } from '../traces.ts';
import { xrayTraceId } from '../traces.ts';

export class XRayTracesError extends Error {
  override readonly name = 'XRayTracesError';
}

export class XRayTraces implements TracesPort {
  readonly source = 'AWS X-Ray';
  readonly simulated = false;
  readonly retention = 'X-Ray keeps traces 30 days';
  private readonly client: XRayClient;

  constructor(options: { client?: XRayClient } = {}) {
    this.client = options.client ?? new XRayClient({ maxAttempts: 2 });
  }

  async getTrace(traceId: string): Promise<RawTrace | undefined> {
    const id = xrayTraceId(traceId);
    const segments: SegmentDocument[] = [];
    let nextToken: string | undefined;
    let found = false;
    do {
      const answer = await this.client.send(new BatchGetTracesCommand({ TraceIds: [id], ...(nextToken ? { NextToken: nextToken } : {}) }));
      for (const trace of answer.Traces ?? []) {
        if (trace.Id !== id) continue;
        found = true;
        for (const segment of trace.Segments ?? []) {
          if (!segment.Document) continue;
          try {
            segments.push(JSON.parse(segment.Document) as SegmentDocument);
          } catch (error) {
            throw new XRayTracesError(`X-Ray answered segment ${segment.Id ?? '?'} of ${id} with a document that is not JSON`, { cause: error });
          }
        }
      }
      nextToken = answer.NextToken;
    } while (nextToken);
    return found && segments.length ? { traceId: id, segments } : undefined;
  }

  async recent(query: RecentTracesQuery): Promise<TraceList['items']> {
    const items: Array<TraceList['items'][number]> = [];
    let nextToken: string | undefined;
    do {
      const answer = await this.client.send(new GetTraceSummariesCommand({
        StartTime: new Date(query.start),
        EndTime: new Date(query.end),
        TimeRangeType: 'Event',
        Sampling: false,
        FilterExpression: traceFilter(query),
        ...(nextToken ? { NextToken: nextToken } : {}),
      }));
      for (const summary of answer.TraceSummaries ?? []) {
        if (!summary.Id) continue;
        items.push({
          traceId: summary.Id,
          startedAt: (summary.StartTime ?? new Date(parseInt(summary.Id.slice(2, 10), 16) * 1000)).toISOString(),
          durationMs: Math.round((summary.Duration ?? 0) * 1000 * 1000) / 1000,
          error: Boolean(summary.HasError),
          fault: Boolean(summary.HasFault),
          ...(summary.Http ? { http: {
            ...(summary.Http.HttpMethod ? { method: summary.Http.HttpMethod } : {}),
            ...(summary.Http.HttpURL ? { url: summary.Http.HttpURL } : {}),
            ...(summary.Http.HttpStatus !== undefined ? { status: summary.Http.HttpStatus } : {}),
          } } : {}),
        });
      }
      nextToken = answer.NextToken;
    } while (nextToken && items.length < query.limit);
    return items.sort((a, b) => b.startedAt.localeCompare(a.startedAt)).slice(0, query.limit);
  }
}

const quoted = (value: string): string => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** The X-Ray filter expression of a recent-traces query (exported for the tests). */
export function traceFilter(query: Pick<RecentTracesQuery, 'service' | 'environment' | 'minDurationMs'>): string {
  return `service(${quoted(query.service)}) AND annotation.environment = ${quoted(query.environment)}${query.minDurationMs > 0 ? ` AND duration >= ${query.minDurationMs / 1000}` : ''}`;
}
