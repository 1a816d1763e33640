/** metricsFromEnv: which metrics source the environment names, and a clear error for a wrong setting. */
import { describe, expect, it } from 'vitest';
import { CloudWatchMetrics } from './cloudwatch-metrics.ts';
import { metricsFromEnv, MetricsConfigError } from './metrics.ts';
import { PrometheusMetrics } from './prometheus.ts';

describe('metricsFromEnv', () => {
  it('names no source when APOLLO_METRICS is unset or empty: no canary analysis', () => {
    expect(metricsFromEnv({})).toBeUndefined();
    expect(metricsFromEnv({ APOLLO_METRICS: ' ', APOLLO_PROMETHEUS_URL: 'http://prometheus:9090' })).toBeUndefined();
  });

  it('reads Prometheus at APOLLO_PROMETHEUS_URL', () => {
    const metrics = metricsFromEnv({ APOLLO_METRICS: 'prometheus', APOLLO_PROMETHEUS_URL: 'http://prometheus.monitoring:9090/' });
    expect(metrics).toBeInstanceOf(PrometheusMetrics);
    expect(metrics!.kind).toBe('Prometheus http://prometheus.monitoring:9090');
  });

  it('labels the local runtime\'s demo server as such', () => {
    const metrics = metricsFromEnv({ APOLLO_METRICS: 'prometheus', APOLLO_PROMETHEUS_URL: 'http://127.0.0.1:4123', APOLLO_METRICS_DEMO: '1' });
    expect(metrics!.kind).toBe('LOCAL DEMO METRICS (Prometheus API) http://127.0.0.1:4123');
  });

  it('reads Amazon Managed Prometheus, signed for the workspace\'s region, from the console\'s query URL too', () => {
    const metrics = metricsFromEnv({ APOLLO_METRICS: 'AMP', APOLLO_AMP_WORKSPACE_URL: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1234/api/v1/query' }, { credentials: async () => ({ accessKeyId: 'a', secretAccessKey: 'b' }) });
    expect(metrics).toBeInstanceOf(PrometheusMetrics);
    expect(metrics!.kind).toBe('Amazon Managed Prometheus https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1234');
  });

  it('reads CloudWatch in Apollo/Services, or the namespace given', () => {
    const metrics = metricsFromEnv({ APOLLO_METRICS: 'cloudwatch', AWS_REGION: 'eu-west-1' }) as CloudWatchMetrics;
    expect(metrics).toBeInstanceOf(CloudWatchMetrics);
    expect(metrics.kind).toBe('CloudWatch Apollo/Services');
    expect(metricsFromEnv({ APOLLO_METRICS: 'cloudwatch', APOLLO_CLOUDWATCH_NAMESPACE: 'Acme/Apps', AWS_REGION: 'eu-west-1' })!.kind).toBe('CloudWatch Acme/Apps');
  });

  it.each([
    [{ APOLLO_METRICS: 'datadog' }, 'APOLLO_METRICS must be one of prometheus, amp, cloudwatch (or unset for no canary analysis), not "datadog"'],
    [{ APOLLO_METRICS: 'prometheus' }, 'APOLLO_METRICS=prometheus needs APOLLO_PROMETHEUS_URL: the Prometheus API (e.g. http://prometheus.monitoring:9090)'],
    [{ APOLLO_METRICS: 'prometheus', APOLLO_PROMETHEUS_URL: 'prometheus:9090' }, 'APOLLO_PROMETHEUS_URL must be an http(s) URL, not "prometheus:9090"'],
    [{ APOLLO_METRICS: 'prometheus', APOLLO_PROMETHEUS_URL: 'http://p:9090/?x=1' }, 'APOLLO_PROMETHEUS_URL must be a plain base URL (no query, fragment or credentials), not "http://p:9090/?x=1"'],
    [{ APOLLO_METRICS: 'amp' }, 'APOLLO_METRICS=amp needs APOLLO_AMP_WORKSPACE_URL: the workspace (https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>)'],
    [{ APOLLO_METRICS: 'amp', APOLLO_AMP_WORKSPACE_URL: 'http://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1' }, 'APOLLO_AMP_WORKSPACE_URL must be an https URL, not "http://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1"'],
    [{ APOLLO_METRICS: 'amp', APOLLO_AMP_WORKSPACE_URL: 'https://amp-proxy.corp.example/workspaces/ws-1' }, 'APOLLO_AMP_REGION must name the workspace\'s region (the URL does not, and AWS_REGION is unset)'],
    [{ APOLLO_METRICS: 'cloudwatch', APOLLO_CLOUDWATCH_NAMESPACE: 'AWS/Lambda' }, 'APOLLO_CLOUDWATCH_NAMESPACE must be a custom CloudWatch namespace (not AWS/…), not "AWS/Lambda"'],
    [{ APOLLO_METRICS: 'prometheus', APOLLO_PROMETHEUS_URL: 'http://p:9090', APOLLO_PROMQL_P99_MS: 'histogram_quantile(0.99, x{app="{app}"})' }, 'APOLLO_PROMQL_P99_MS names {app}, which is not a placeholder ({service} {environment} {namespace} {cluster} {version} {range})'],
  ])('refuses %j, saying what to set', (env, message) => {
    let error: unknown;
    try {
      metricsFromEnv(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MetricsConfigError);
    expect((error as Error).message).toBe(message);
  });
});
