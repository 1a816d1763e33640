/** The CloudWatch metrics adapter: the GetMetricData it asks (aws-sdk-client-mock) and how it reads the answer. */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { MetricsQuery } from '../metrics.ts';
import { CloudWatchMetrics, CloudWatchMetricsError } from './cloudwatch-metrics.ts';

const cloudwatch = mockClient(CloudWatchClient);
const client = new CloudWatchClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const FROM = new Date('2026-11-02T10:00:00Z');
const TO = new Date('2026-11-02T10:05:00Z');
const query = (over: Partial<MetricsQuery> = {}): MetricsQuery => ({
  service: 'core-service', environment: 'prod', cluster: 'prod-eks', namespace: 'platform', version: '1.4.2', from: FROM, to: TO, ...over,
});
const result = (Id: string, Values: number[]) => ({ Id, Label: Id, StatusCode: 'Complete' as const, Timestamps: Values.map(() => FROM), Values });

beforeEach(() => {
  cloudwatch.reset();
});

describe('CloudWatch GetMetricData', () => {
  it('asks for RequestCount and ErrorCount (Sum) and Latency (p99) of the version, one period over the range', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [result('requests', [1200]), result('errors', [18]), result('p99', [245.5])] });
    // Act
    const sample = await new CloudWatchMetrics({ client }).sample(query());
    // Assess
    expect(sample).toEqual({ requests: 1200, errorRate: 0.015, p99Ms: 245.5 });
    const dimensions = [{ Name: 'Service', Value: 'core-service' }, { Name: 'Environment', Value: 'prod' }, { Name: 'Version', Value: '1.4.2' }];
    const metric = (MetricName: string) => ({ Namespace: 'Apollo/Services', MetricName, Dimensions: dimensions });
    expect(cloudwatch.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input)).toEqual([{
      StartTime: FROM,
      EndTime: TO,
      MetricDataQueries: [
        { Id: 'requests', MetricStat: { Metric: metric('RequestCount'), Period: 300, Stat: 'Sum' }, ReturnData: true },
        { Id: 'errors', MetricStat: { Metric: metric('ErrorCount'), Period: 300, Stat: 'Sum' }, ReturnData: true },
        { Id: 'p99', MetricStat: { Metric: metric('Latency'), Period: 300, Stat: 'p99' }, ReturnData: true },
      ],
    }]);
  });

  it('reads the Service+Environment metrics without a version, in the namespace given, the period rounded up to a minute', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [result('requests', [10]), result('errors', []), result('p99', [90])] });
    const metrics = new CloudWatchMetrics({ client, namespace: 'Acme/Apps' });
    const sample = await metrics.sample(query({ version: undefined, to: new Date(FROM.getTime() + 90_000) }));
    expect(sample).toEqual({ requests: 10, errorRate: 0, p99Ms: 90 });
    const input = cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(input.MetricDataQueries!.map((q) => [q.MetricStat!.Metric!.Namespace, q.MetricStat!.Period, q.MetricStat!.Metric!.Dimensions!.map((d) => d.Name)])).toEqual([
      ['Acme/Apps', 120, ['Service', 'Environment']], ['Acme/Apps', 120, ['Service', 'Environment']], ['Acme/Apps', 120, ['Service', 'Environment']],
    ]);
    expect(metrics.kind).toBe('CloudWatch Acme/Apps');
  });

  it('adds up a range CloudWatch split in two periods and keeps the slower p99', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [result('requests', [600, 400]), result('errors', [3, 7]), result('p99', [120, 310])] });
    expect(await new CloudWatchMetrics({ client }).sample(query())).toEqual({ requests: 1000, errorRate: 0.01, p99Ms: 310 });
  });

  it('follows NextToken', async () => {
    cloudwatch.on(GetMetricDataCommand)
      .resolvesOnce({ MetricDataResults: [result('requests', [100]), result('errors', [1])], NextToken: 'more' })
      .resolvesOnce({ MetricDataResults: [result('p99', [200])] });
    expect(await new CloudWatchMetrics({ client }).sample(query())).toEqual({ requests: 100, errorRate: 0.01, p99Ms: 200 });
    expect(cloudwatch.commandCalls(GetMetricDataCommand)[1]!.args[0].input.NextToken).toBe('more');
  });

  it('reads no data as no traffic', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [result('requests', []), result('errors', []), result('p99', [])] });
    expect(await new CloudWatchMetrics({ client }).sample(query())).toEqual({ requests: 0, errorRate: null, p99Ms: null });
  });

  it('throws throttling as retryable and access denied as not, with the HTTP status', async () => {
    cloudwatch.on(GetMetricDataCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }));
    const throttled = await new CloudWatchMetrics({ client }).sample(query()).catch((e: unknown) => e);
    expect(throttled).toBeInstanceOf(CloudWatchMetricsError);
    expect(throttled).toMatchObject({ status: 400, retryable: true });

    cloudwatch.reset();
    cloudwatch.on(GetMetricDataCommand).rejects(Object.assign(new Error('not authorized to perform: cloudwatch:GetMetricData'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    const denied = await new CloudWatchMetrics({ client }).sample(query()).catch((e: unknown) => e);
    expect(denied).toMatchObject({ status: 403, retryable: false });
    expect((denied as Error).message).toBe('CloudWatch GetMetricData failed (AccessDenied): not authorized to perform: cloudwatch:GetMetricData');
  });
});
