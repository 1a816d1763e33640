/**
 * Service metrics from CloudWatch `GetMetricData`, one period per step:
 *
 * - the metrics the service emits itself (the namespace canary analysis reads, APOLLO_CLOUDWATCH_NAMESPACE,
 *   default `Apollo/Services`, dimensions Service + Environment): `RequestCount` (Sum; per second = Sum / period),
 *   `ErrorCount` (Sum; the error rate = errors / requests), `Latency` (p50, p99; ms);
 * - Container Insights on EKS (namespace `ContainerInsights`, dimensions ClusterName + Namespace + Service, when
 *   the catalog knows the environment's cluster and namespace): `pod_cpu_utilization` and
 *   `pod_memory_utilization` (Average, percent) and `service_number_of_running_pods` (Average).
 *
 * Every page is read (NextToken), a result's pages joined by its Id; `PartialData` is what the pages add up
 * to; `Forbidden` or `InternalError` fails the read.
 */
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput, type MetricDataQuery, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type { MetricsTarget, SeriesRead, ServiceMetricsPort } from '../service-metrics.ts';

export const CONTAINER_INSIGHTS_NAMESPACE = 'ContainerInsights';

export class CloudWatchServiceMetricsError extends Error {
  override readonly name = 'CloudWatchServiceMetricsError';
}

/** The GetMetricData input of one read (exported for the tests' exact expectations). */
export function serviceMetricsInput(namespace: string, target: MetricsTarget, start: number, end: number, stepSeconds: number): GetMetricDataCommandInput {
  const app = [{ Name: 'Service', Value: target.service }, { Name: 'Environment', Value: target.environment }];
  const stat = (id: string, ns: string, metricName: string, dimensions: Array<{ Name: string; Value: string }>, statistic: string): MetricDataQuery => ({
    Id: id, MetricStat: { Metric: { Namespace: ns, MetricName: metricName, Dimensions: dimensions }, Period: stepSeconds, Stat: statistic }, ReturnData: true,
  });
  const pods = target.cluster && target.namespace
    ? [{ Name: 'ClusterName', Value: target.cluster }, { Name: 'Namespace', Value: target.namespace }, { Name: 'Service', Value: target.service }]
    : undefined;
  return {
    StartTime: new Date(start),
    // CloudWatch's EndTime is exclusive: one step past `end` so the last point is in.
    EndTime: new Date(end + stepSeconds * 1000),
    ScanBy: 'TimestampAscending',
    MetricDataQueries: [
      stat('requests', namespace, 'RequestCount', app, 'Sum'),
      stat('errors', namespace, 'ErrorCount', app, 'Sum'),
      stat('p50', namespace, 'Latency', app, 'p50'),
      stat('p99', namespace, 'Latency', app, 'p99'),
      ...(pods ? [
        stat('cpu', CONTAINER_INSIGHTS_NAMESPACE, 'pod_cpu_utilization', pods, 'Average'),
        stat('memory', CONTAINER_INSIGHTS_NAMESPACE, 'pod_memory_utilization', pods, 'Average'),
        stat('replicas', CONTAINER_INSIGHTS_NAMESPACE, 'service_number_of_running_pods', pods, 'Average'),
      ] : []),
    ],
  };
}

export class CloudWatchServiceMetrics implements ServiceMetricsPort {
  readonly source: string;
  readonly simulated = false;
  private readonly client: CloudWatchClient;

  constructor(private readonly namespace: string, options: { client?: CloudWatchClient } = {}) {
    this.client = options.client ?? new CloudWatchClient({ maxAttempts: 2 });
    this.source = `CloudWatch ${namespace} + ${CONTAINER_INSIGHTS_NAMESPACE}`;
  }

  async read(target: MetricsTarget, start: number, end: number, stepSeconds: number): Promise<SeriesRead[]> {
    const input = serviceMetricsInput(this.namespace, target, start, end, stepSeconds);
    const byId = new Map<string, Map<number, number>>();
    let nextToken: string | undefined;
    do {
      const answer = await this.client.send(new GetMetricDataCommand({ ...input, ...(nextToken ? { NextToken: nextToken } : {}) }));
      for (const result of answer.MetricDataResults ?? []) this.collect(byId, result);
      nextToken = answer.NextToken;
    } while (nextToken);
    const points = (id: string) => byId.get(id) ?? new Map<number, number>();
    const requests = points('requests');
    const errors = points('errors');
    const step = stepSeconds;
    const out: SeriesRead[] = [
      { id: 'requestRate', unit: 'requests/s', points: [...requests].map(([t, v]) => [t, v / step] as const) },
      // No requests in a step: no error rate (not 0).
      { id: 'errorRate', unit: 'ratio', points: [...requests].filter(([, v]) => v > 0).map(([t, v]) => [t, Math.min(1, (errors.get(t) ?? 0) / v)] as const) },
      { id: 'latencyP50', unit: 'ms', points: [...points('p50')] },
      { id: 'latencyP99', unit: 'ms', points: [...points('p99')] },
    ];
    if (target.cluster && target.namespace) {
      out.push({ id: 'cpu', unit: 'percent', points: [...points('cpu')] }, { id: 'memory', unit: 'percent', points: [...points('memory')] }, { id: 'replicas', unit: 'count', points: [...points('replicas')] });
    }
    return out;
  }

  private collect(byId: Map<string, Map<number, number>>, result: MetricDataResult): void {
    if (result.StatusCode === 'Forbidden' || result.StatusCode === 'InternalError') {
      throw new CloudWatchServiceMetricsError(`CloudWatch GetMetricData answered ${result.StatusCode} for ${result.Id}: ${(result.Messages ?? []).map((m) => m.Value).join('; ')}`);
    }
    let points = byId.get(result.Id ?? '');
    if (!points) byId.set(result.Id ?? '', points = new Map());
    const times = result.Timestamps ?? [];
    const values = result.Values ?? [];
    for (let i = 0; i < times.length; i++) if (Number.isFinite(values[i])) points.set(times[i]!.getTime(), values[i]!);
  }
}
