/**
 * Traces from AWS X-Ray: `BatchGetTraces` with the one trace id (a W3C id converted to X-Ray's form), every
 * page (NextToken) collected; each segment's `Document` is the segment document JSON. An id X-Ray does not know
 * comes back in `UnprocessedTraceIds` or as no trace at all: no trace. IAM: `xray:BatchGetTraces`.
 */
import { BatchGetTracesCommand, XRayClient } from '@aws-sdk/client-xray';
import type { RawTrace, SegmentDocument, TracesPort } from '../traces.ts';
import { xrayTraceId } from '../traces.ts';

export class XRayTracesError extends Error {
  override readonly name = 'XRayTracesError';
}

export class XRayTraces implements TracesPort {
  readonly source = 'AWS X-Ray';
  readonly simulated = false;
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
}
