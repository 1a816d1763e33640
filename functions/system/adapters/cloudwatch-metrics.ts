/**
 * In AWS, request metrics come from API Gateway's per-method CloudWatch metrics (detailed metrics
 * are enabled on the stage). CloudWatch keeps statistics, not buckets, so latency is a summary.
 */
import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { renderPrometheus, type RouteSeries } from '#shared/prometheus';
import { ROUTES, type RouteDef } from '#shared/routes';
import type { MetricsSource } from '../ports.ts';

const QUANTILES = [[0.5, 'p50'], [0.9, 'p90'], [0.99, 'p99']] as const;

export class CloudWatchMetricsSource implements MetricsSource {
  constructor(
    private readonly apiName: string,
    private readonly stage: string,
    private readonly client = new CloudWatchClient({}),
    private readonly windowMinutes = 60,
    private readonly routes: readonly RouteDef[] = ROUTES,
  ) {}

  async render(): Promise<string> {
    const end = new Date();
    const start = new Date(end.getTime() - this.windowMinutes * 60_000);
    const queries: MetricDataQuery[] = [];
    this.routes.forEach((route, i) => {
      const dims = [
        { Name: 'ApiName', Value: this.apiName },
        { Name: 'Method', Value: route.method },
        { Name: 'Resource', Value: route.path },
        { Name: 'Stage', Value: this.stage },
      ];
      const q = (id: string, metric: string, stat: string): MetricDataQuery => ({
        Id: `${id}_${i}`,
        MetricStat: { Metric: { Namespace: 'AWS/ApiGateway', MetricName: metric, Dimensions: dims }, Period: this.windowMinutes * 60, Stat: stat },
        ReturnData: true,
      });
      queries.push(q('count', 'Count', 'Sum'), q('e4', '4XXError', 'Sum'), q('e5', '5XXError', 'Sum'));
      for (const [, stat] of QUANTILES) queries.push(q(stat, 'Latency', stat));
    });
    const values = new Map<string, number>();
    for (let offset = 0; offset < queries.length; offset += 500) {
      let next: string | undefined;
      do {
        const out = await this.client.send(new GetMetricDataCommand({
          MetricDataQueries: queries.slice(offset, offset + 500), StartTime: start, EndTime: end, NextToken: next,
        }));
        for (const r of out.MetricDataResults ?? []) if (r.Id) values.set(r.Id, (values.get(r.Id) ?? 0) + (r.Values?.[0] ?? 0));
        next = out.NextToken;
      } while (next);
    }
    const series: RouteSeries[] = this.routes.map((route, i) => ({
      method: route.method,
      route: route.path,
      requests: values.get(`count_${i}`) ?? 0,
      clientErrors: values.get(`e4_${i}`) ?? 0,
      serverErrors: values.get(`e5_${i}`) ?? 0,
      quantiles: QUANTILES.map(([q, stat]) => [q, (values.get(`${stat}_${i}`) ?? 0) / 1000] as const),
    }));
    return renderPrometheus(series, { source: 'cloudwatch', window: `${this.windowMinutes}m` });
  }
}
