/**
 * The adapters of the observability context's metrics and traces, made on first use from telemetry-config.ts:
 * service metrics from CloudWatch (default) or Prometheus/AMP, PromQL queries to APOLLO_PROMETHEUS_URL (SigV4
 * when it is an AMP workspace), traces from X-Ray (default), Jaeger or Tempo (APOLLO_TRACES_BACKEND). The local
 * runtime swaps in the LOCAL DEMO METRICS and the SIMULATED demo traces (telemetry-local.ts); tests their doubles.
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

async function traces(): Promise<TracesPort> {
  const config = telemetryConfig();
  const common = { ...(config.tracesAuth ? { auth: config.tracesAuth } : {}), environmentTag: config.tracesEnvironmentAttribute };
  switch (config.tracesBackend) {
    case 'jaeger': {
      const { JaegerTraces } = await import('./adapters/jaeger-traces.ts');
      return new JaegerTraces({ baseUrl: config.jaegerUrl!, ...common });
    }
    case 'tempo': {
      const { TempoTraces } = await import('./adapters/tempo-traces.ts');
      return new TempoTraces({ baseUrl: config.tempoUrl!, ...common, ...(config.tempoTenant ? { tenant: config.tempoTenant } : {}) });
    }
    case 'xray': {
      const { XRayTraces } = await import('./adapters/xray-traces.ts');
      return new XRayTraces();
    }
  }
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
  if (!deps.traces) deps = { ...deps, traces: await traces() };
  return deps as TelemetryDeps;
}

export function configureTelemetry(overrides: Partial<TelemetryDeps>): void {
  deps = { ...deps, ...overrides };
}
