/**
 * The metrics port over CloudWatch `GetMetricData`: the metrics a service emits itself (e.g. with the
 * Embedded Metric Format) in one namespace (APOLLO_CLOUDWATCH_NAMESPACE, default `Apollo/Services`) with
 * the dimensions Service, Environment and Version:
 *
 * - `RequestCount` (Count, statistic Sum): requests served;
 * - `ErrorCount` (Count, Sum): the 5xx among them;
 * - `Latency` (Milliseconds, extended statistic p99).
 *
 * One period covers the whole range (rounded up to a whole minute, CloudWatch's smallest standard
 * period). A query without a version reads the Service+Environment metrics, which exist only when the
 * service emits that dimension set too (EMF: `"Dimensions": [["Service","Environment","Version"],
 * ["Service","Environment"]]`). CloudWatch dimensions match exactly; there is no wildcard.
 *
 * No data is no traffic (requests 0, rates null). SDK failures become CloudWatchMetricsError with the
 * HTTP status and whether the SDK deems them retryable (throttling, 5xx).
 */
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type { MetricsPort, MetricsQuery, VersionMetrics } from '../metrics.ts';

export const DEFAULT_CLOUDWATCH_NAMESPACE = 'Apollo/Services';
export const CLOUDWATCH_METRIC_NAMES = { requests: 'RequestCount', errors: 'ErrorCount', latency: 'Latency' } as const;

export class CloudWatchMetricsError extends Error {
  override readonly name = 'CloudWatchMetricsError';
  constructor(message: string, readonly retryable: boolean, readonly status?: number, options: { cause?: unknown } = {}) {
    super(message, options);
  }
}

export interface CloudWatchMetricsOptions {
  /** @default `Apollo/Services` */
  readonly namespace?: string;
  /** @default a client of the function's region */
  readonly client?: CloudWatchClient;
  /** @default `CloudWatch <namespace>` */
  readonly kind?: string;
}

/** The GetMetricData input for one sample (exported for the tests' expectations and the docs). */
export function getMetricDataInput(namespace: string, query: MetricsQuery): GetMetricDataCommandInput {
  const seconds = (query.to.getTime() - query.from.getTime()) / 1000;
  const period = Math.max(60, Math.ceil(seconds / 60) * 60);
  const dimensions = [
    { Name: 'Service', Value: query.service },
    { Name: 'Environment', Value: query.environment },
    ...(query.version ? [{ Name: 'Version', Value: query.version }] : []),
  ];
  const stat = (id: string, metricName: string, statistic: string) => ({
    Id: id,
    MetricStat: { Metric: { Namespace: namespace, MetricName: metricName, Dimensions: dimensions }, Period: period, Stat: statistic },
    ReturnData: true,
  });
  return {
    StartTime: query.from,
    EndTime: query.to,
    MetricDataQueries: [
      stat('requests', CLOUDWATCH_METRIC_NAMES.requests, 'Sum'),
      stat('errors', CLOUDWATCH_METRIC_NAMES.errors, 'Sum'),
      stat('p99', CLOUDWATCH_METRIC_NAMES.latency, 'p99'),
    ],
  };
}

export class CloudWatchMetrics implements MetricsPort {
  readonly kind: string;
  readonly namespace: string;
  private readonly client: CloudWatchClient;

  constructor(options: CloudWatchMetricsOptions = {}) {
    this.namespace = options.namespace ?? DEFAULT_CLOUDWATCH_NAMESPACE;
    this.client = options.client ?? new CloudWatchClient({ maxAttempts: 2 });
    this.kind = options.kind ?? `CloudWatch ${this.namespace}`;
  }

  async sample(query: MetricsQuery): Promise<VersionMetrics> {
    if (!(query.to.getTime() > query.from.getTime())) throw new RangeError(`the range must end after it starts (${query.from.toISOString()} .. ${query.to.toISOString()})`);
    const input = getMetricDataInput(this.namespace, query);
    const results: MetricDataResult[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const answer = await this.client.send(new GetMetricDataCommand({ ...input, ...(nextToken ? { NextToken: nextToken } : {}) }));
        results.push(...(answer.MetricDataResults ?? []));
        nextToken = answer.NextToken;
      } while (nextToken);
    } catch (error) {
      const e = error as { name?: string; message?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
      const status = e.$metadata?.httpStatusCode;
      const retryable = Boolean(e.$retryable) || status === undefined || status === 429 || status >= 500 || /Throttl/i.test(e.name ?? '');
      throw new CloudWatchMetricsError(`CloudWatch GetMetricData failed (${e.name ?? 'error'}): ${e.message ?? ''}`.trim(), retryable, status, { cause: error });
    }
    const failed = results.find((r) => r.StatusCode === 'InternalError' || r.StatusCode === 'Forbidden');
    if (failed) throw new CloudWatchMetricsError(`CloudWatch GetMetricData answered ${failed.StatusCode} for ${failed.Id}: ${(failed.Messages ?? []).map((m) => m.Value).join('; ')}`, failed.StatusCode === 'InternalError', failed.StatusCode === 'Forbidden' ? 403 : 500);
    const values = (id: string): number[] => results.filter((r) => r.Id === id).flatMap((r) => r.Values ?? []).filter((v) => Number.isFinite(v));
    const requests = values('requests').reduce((a, b) => a + b, 0);
    if (!(requests > 0)) return { requests: 0, errorRate: null, p99Ms: null };
    const errors = values('errors').reduce((a, b) => a + b, 0);
    // A range split over two periods: the slower period's p99 (an upper bound of the whole range's).
    const p99 = values('p99');
    return { requests, errorRate: Math.min(1, errors / requests), p99Ms: p99.length ? Math.max(...p99) : null };
  }
}
