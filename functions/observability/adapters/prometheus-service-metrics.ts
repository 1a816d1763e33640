/**
 * Service metrics from Prometheus or Amazon Managed Prometheus (`/api/v1/query_range`, one query a series), and
 * locally from the LOCAL DEMO METRICS server, which evaluates the same PromQL over its made-up series. The
 * queries read the conventional series with `service` and `environment` labels (PROMQL_SERIES): request
 * counters by `code`, the latency histogram, and per-service CPU, memory and available replicas (a scrape that
 * relabels cAdvisor's and kube-state-metrics' series with the service and environment).
 */
import type { MetricsTarget, SeriesRead, ServiceMetricsPort, SeriesId, SeriesUnit } from '../service-metrics.ts';
import type { PrometheusClient } from './prometheus-client.ts';

const promString = (value: string): string => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

/** The PromQL of each series over `{sel}` (the service's label matchers) and `{window}` (the rate window). */
export const PROMQL_SERIES: ReadonlyArray<{ readonly id: SeriesId; readonly unit: SeriesUnit; readonly query: string }> = [
  { id: 'errorRate', unit: 'ratio', query: '(sum(rate(http_requests_total{{sel},code=~"5.."}[{window}])) or vector(0)) / sum(rate(http_requests_total{{sel}}[{window}]))' },
  { id: 'requestRate', unit: 'requests/s', query: 'sum(rate(http_requests_total{{sel}}[{window}]))' },
  { id: 'latencyP50', unit: 'ms', query: 'histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket{{sel}}[{window}]))) * 1000' },
  { id: 'latencyP99', unit: 'ms', query: 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{{sel}}[{window}]))) * 1000' },
  { id: 'cpu', unit: 'cores', query: 'sum(rate(container_cpu_usage_seconds_total{{sel}}[{window}]))' },
  { id: 'memory', unit: 'bytes', query: 'sum(container_memory_working_set_bytes{{sel}})' },
  { id: 'replicas', unit: 'count', query: 'sum(kube_deployment_status_replicas_available{{sel}})' },
];

export function renderSeriesQuery(query: string, target: MetricsTarget, stepSeconds: number): string {
  const sel = `service="${promString(target.service)}",environment="${promString(target.environment)}"`;
  return query.replaceAll('{sel}', sel).replaceAll('{window}', `${Math.max(60, stepSeconds)}s`);
}

export class PrometheusServiceMetrics implements ServiceMetricsPort {
  constructor(private readonly client: PrometheusClient, readonly source: string, readonly simulated: boolean) {}

  async read(target: MetricsTarget, start: number, end: number, stepSeconds: number): Promise<SeriesRead[]> {
    return Promise.all(PROMQL_SERIES.map(async ({ id, unit, query }) => {
      const answer = await this.client.range(renderSeriesQuery(query, target, stepSeconds), new Date(start), new Date(end), stepSeconds);
      const points = (answer.series[0]?.points ?? []).filter((p): p is readonly [number, number] => p[1] !== null);
      return { id, unit, points };
    }));
  }
}
