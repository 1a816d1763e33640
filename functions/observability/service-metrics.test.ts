/** Service metrics: the window's limits, CloudWatch GetMetricData (exact input, pages, partial data), the answer's grid. */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '#shared/errors';
import { CloudWatchServiceMetrics, CloudWatchServiceMetricsError, serviceMetricsInput } from './adapters/cloudwatch-service-metrics.ts';
import { metricsWindow, serviceMetricsAnswer } from './service-metrics.ts';

const cw = mockClient(CloudWatchClient);
beforeEach(() => cw.reset());

const T0 = Date.parse('2026-11-02T09:00:00Z');
const MIN = 60_000;
const target = { service: 'core-service', environment: 'prod', cluster: 'prod-eu', namespace: 'core' };

describe('the metrics window', () => {
  it('defaults to the last 3 hours, about 180 points, on whole minutes', () => {
    expect(metricsWindow({}, 7, T0 + 30_500)).toEqual({ start: T0 - 3 * 60 * MIN, end: T0, stepSeconds: 60 });
    expect(metricsWindow({ from: '2026-11-01T09:00:00Z', to: '2026-11-02T09:00:00Z' }, 7)).toEqual({ start: T0 - 24 * 60 * MIN, end: T0, stepSeconds: 480 });
  });

  it.each([
    [{ from: '2026-11-02T09:00:00Z', to: '2026-11-02T08:00:00Z' }, '/query/from', 'empty'],
    [{ from: '2026-10-01T00:00:00Z', to: '2026-11-02T08:00:00Z' }, '/query/from', 'more than 7 days'],
    [{ from: '2026-11-01T00:00:00Z', to: '2026-11-02T08:00:00Z', step: 60 }, '/query/step', 'more than 1440'],
  ])('refuses %j with the field\'s path', (query, path, message) => {
    let error: unknown;
    try { metricsWindow(query, 7); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toContain(message);
    expect((error as ValidationError).details[0]!.path).toBe(path);
  });
});

describe('CloudWatch service metrics', () => {
  const start = T0 - 3 * MIN;
  const at = (i: number) => new Date(start + i * MIN);

  it('asks GetMetricData for the app metrics and Container Insights with one period a step', () => {
    const input = serviceMetricsInput('Apollo/Services', target, start, T0, 60);
    expect(input).toMatchObject({ StartTime: new Date(start), EndTime: new Date(T0 + MIN), ScanBy: 'TimestampAscending' });
    expect(input.MetricDataQueries!.map((q) => [q.Id, q.MetricStat!.Metric!.Namespace, q.MetricStat!.Metric!.MetricName, q.MetricStat!.Stat, q.MetricStat!.Period])).toEqual([
      ['requests', 'Apollo/Services', 'RequestCount', 'Sum', 60],
      ['errors', 'Apollo/Services', 'ErrorCount', 'Sum', 60],
      ['p50', 'Apollo/Services', 'Latency', 'p50', 60],
      ['p99', 'Apollo/Services', 'Latency', 'p99', 60],
      ['cpu', 'ContainerInsights', 'pod_cpu_utilization', 'Average', 60],
      ['memory', 'ContainerInsights', 'pod_memory_utilization', 'Average', 60],
      ['replicas', 'ContainerInsights', 'service_number_of_running_pods', 'Average', 60],
    ]);
    expect(input.MetricDataQueries![0]!.MetricStat!.Metric!.Dimensions).toEqual([{ Name: 'Service', Value: 'core-service' }, { Name: 'Environment', Value: 'prod' }]);
    expect(input.MetricDataQueries![4]!.MetricStat!.Metric!.Dimensions).toEqual([{ Name: 'ClusterName', Value: 'prod-eu' }, { Name: 'Namespace', Value: 'core' }, { Name: 'Service', Value: 'core-service' }]);
    // Without the catalog's cluster and namespace: no pod metrics.
    expect(serviceMetricsInput('Apollo/Services', { service: 'a', environment: 'prod' }, start, T0, 60).MetricDataQueries).toHaveLength(4);
  });

  it('joins the pages of a result (PartialData, NextToken) and answers rates on the grid, null where nothing came', async () => {
    // Prepare
    const input = serviceMetricsInput('Apollo/Services', target, start, T0, 60);
    cw.on(GetMetricDataCommand, input).resolves({
      MetricDataResults: [
        { Id: 'requests', StatusCode: 'PartialData', Timestamps: [at(0), at(1)], Values: [600, 1200] },
        { Id: 'errors', StatusCode: 'PartialData', Timestamps: [at(1)], Values: [30] },
        { Id: 'p99', StatusCode: 'Complete', Timestamps: [at(0), at(1), at(2)], Values: [120, 1450, 130] },
      ],
      NextToken: 'next',
    });
    cw.on(GetMetricDataCommand, { ...input, NextToken: 'next' }).resolves({
      MetricDataResults: [
        { Id: 'requests', StatusCode: 'Complete', Timestamps: [at(2)], Values: [0] },
        { Id: 'replicas', StatusCode: 'Complete', Timestamps: [at(0), at(1), at(2), at(3)], Values: [3, 3, 4, 4] },
      ],
    });
    const port = new CloudWatchServiceMetrics('Apollo/Services', { client: new CloudWatchClient({ region: 'eu-west-1' }) });
    // Act
    const read = await port.read(target, start, T0, 60);
    const answer = serviceMetricsAnswer(target, { start, end: T0, stepSeconds: 60 }, port, read, []);
    // Assess
    const values = (id: string) => answer.series.find((s) => s.id === id)!.points.map((p) => p.value);
    expect(cw.commandCalls(GetMetricDataCommand)).toHaveLength(2);
    expect(answer.series.map((s) => [s.id, s.unit])).toEqual([['errorRate', 'ratio'], ['requestRate', 'requests/s'], ['latencyP50', 'ms'], ['latencyP99', 'ms'], ['cpu', 'percent'], ['memory', 'percent'], ['replicas', 'count']]);
    expect(values('requestRate')).toEqual([10, 20, 0, null]);
    // No requests in a step: no error rate.
    expect(values('errorRate')).toEqual([0, 0.025, null, null]);
    expect(values('latencyP99')).toEqual([120, 1450, 130, null]);
    expect(values('latencyP50')).toEqual([null, null, null, null]);
    expect(values('replicas')).toEqual([3, 3, 4, 4]);
    expect(answer).toMatchObject({ from: '2026-11-02T08:57:00.000Z', to: '2026-11-02T09:00:00.000Z', stepSeconds: 60, simulated: false, source: 'CloudWatch Apollo/Services + ContainerInsights' });
  });

  it('fails a read CloudWatch forbids', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'cpu', StatusCode: 'Forbidden', Messages: [{ Code: 'Forbidden', Value: 'not authorized' }] }] });
    await expect(new CloudWatchServiceMetrics('Apollo/Services', { client: new CloudWatchClient({ region: 'eu-west-1' }) }).read(target, start, T0, 60)).rejects.toThrow(CloudWatchServiceMetricsError);
  });
});
