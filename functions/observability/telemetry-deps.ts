/**
 * The adapters of the observability context's metrics and traces, made on first use from telemetry-config.ts:
 * service metrics from CloudWatch (default) or Prometheus/AMP, PromQL queries to APOLLO_PROMETHEUS_URL (SigV4
 * when it is an AMP workspace), traces from X-Ray. The local runtime swaps in the LOCAL DEMO METRICS and the
 * SIMULATED demo traces (telemetry-local.ts); tests their doubles.
 */
import type { PrometheusClient } from './adapters/prometheus-client.ts';
import type { ServiceMetricsPort } from './service-metrics.ts';
import { telemetryConfig } from './telemetry-config.ts';
import type { TracesPort } from './traces.ts';

export interface TelemetryDeps {
  readonly serviceMetrics: ServiceMetricsPort;
  readonly traces: TracesPort;
  /** Where `POST /api/v1/metrics/query` goes; undefined: not configured (400 naming APOLLO_PROMETHEUS_URL). */
  readonly prometheus: { readonly client: PrometheusClient; readonly source: string } | undefined;
}

let deps: Partial<TelemetryDeps> = {};

async function prometheus(): Promise<TelemetryDeps['prometheus']> {
  const url = telemetryConfig().prometheusUrl;
  if (!url) return undefined;
  const { PrometheusClient, ampRegion } = await import('./adapters/prometheus-client.ts');
  const region = ampRegion(url);
  return { client: new PrometheusClient({ baseUrl: url, ...(region ? { sigv4: { region } } : {}) }), source: `${region ? 'Amazon Managed Prometheus' : 'Prometheus'} ${url}` };
}

export async function telemetryDeps(): Promise<TelemetryDeps> {
  if (!('prometheus' in deps)) deps = { ...deps, prometheus: await prometheus() };
  if (!deps.serviceMetrics) {
    const config = telemetryConfig();
    if (config.serviceMetrics === 'prometheus') {
      if (!deps.prometheus) throw new Error('APOLLO_OBSERVABILITY_METRICS=prometheus needs APOLLO_PROMETHEUS_URL');
      const { PrometheusServiceMetrics } = await import('./adapters/prometheus-service-metrics.ts');
      deps = { ...deps, serviceMetrics: new PrometheusServiceMetrics(deps.prometheus.client, deps.prometheus.source, false) };
    } else {
      const { CloudWatchServiceMetrics } = await import('./adapters/cloudwatch-service-metrics.ts');
      deps = { ...deps, serviceMetrics: new CloudWatchServiceMetrics(config.cloudWatchNamespace) };
    }
  }
  if (!deps.traces) {
    const { XRayTraces } = await import('./adapters/xray-traces.ts');
    deps = { ...deps, traces: new XRayTraces() };
  }
  return deps as TelemetryDeps;
}

export function configureTelemetry(overrides: Partial<TelemetryDeps>): void {
  deps = { ...deps, ...overrides };
}
