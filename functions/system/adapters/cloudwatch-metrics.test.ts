import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, expect, it } from 'vitest';
import type { RouteDef } from '#shared/routes';
import { CloudWatchMetricsSource } from './cloudwatch-metrics.ts';

const cw = mockClient(CloudWatchClient);
afterEach(() => cw.reset());

const routes: RouteDef[] = [{ method: 'GET', path: '/api/v1/me', context: 'identity', auth: 'iam', permission: 'system:read', summary: '' }];

it("renders API Gateway's CloudWatch statistics as Prometheus counters and a latency summary", async () => {
  // Prepare
  cw.on(GetMetricDataCommand)
    .resolvesOnce({ MetricDataResults: [{ Id: 'count_0', Values: [120] }, { Id: 'e4_0', Values: [3] }], NextToken: 'more' })
    .resolvesOnce({ MetricDataResults: [{ Id: 'e5_0', Values: [1] }, { Id: 'p50_0', Values: [42] }, { Id: 'p90_0', Values: [80] }, { Id: 'p99_0', Values: [250] }] });
  const source = new CloudWatchMetricsSource('apollo-prod', 'prod', new CloudWatchClient({ region: 'eu-west-1' }), 60, routes);
  // Act
  const text = await source.render();
  // Assess
  expect(text).toContain('apollo_http_requests_total{method="GET",route="/api/v1/me"} 120');
  expect(text).toContain('apollo_http_errors_total{method="GET",route="/api/v1/me",class="4xx"} 3');
  expect(text).toContain('apollo_http_errors_total{method="GET",route="/api/v1/me",class="5xx"} 1');
  expect(text).toContain('apollo_http_request_duration_seconds{method="GET",route="/api/v1/me",quantile="0.99"} 0.25');
  expect(text).toContain('# TYPE apollo_http_request_duration_seconds summary');
  const first = cw.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
  expect(first.MetricDataQueries?.find((q) => q.Id === 'count_0')?.MetricStat?.Metric?.Dimensions).toEqual([
    { Name: 'ApiName', Value: 'apollo-prod' }, { Name: 'Method', Value: 'GET' }, { Name: 'Resource', Value: '/api/v1/me' }, { Name: 'Stage', Value: 'prod' },
  ]);
  expect(cw.commandCalls(GetMetricDataCommand)[1]!.args[0].input.NextToken).toBe('more');
});
