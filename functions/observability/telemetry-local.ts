/**
 * The local runtime's metrics and traces: the LOCAL DEMO METRICS server (local/fakes/metrics-server.ts, which
 * the runtime starts and names in APOLLO_PROMETHEUS_URL with APOLLO_METRICS_DEMO=1) answers the service metrics'
 * PromQL and `POST /api/v1/metrics/query` with its PromQL subset; traces are the SIMULATED demo traces.
 */
import { PrometheusClient } from './adapters/prometheus-client.ts';
import { PrometheusServiceMetrics } from './adapters/prometheus-service-metrics.ts';
import { DemoTraces } from './adapters/demo-traces.ts';
import { resetTelemetryConfig } from './telemetry-config.ts';
import { configureTelemetry } from './telemetry-deps.ts';

export function configureTelemetryLocal(env: NodeJS.ProcessEnv = process.env): string[] {
  resetTelemetryConfig();
  const lines = ['Traces: SIMULATED demo traces (X-Ray segment documents from the id; a slow core-service request waiting on HikariCP, a fast one, every minute)'];
  configureTelemetry({ traces: new DemoTraces() });
  const url = env.APOLLO_PROMETHEUS_URL;
  if (url && env.APOLLO_METRICS_DEMO) {
    const client = new PrometheusClient({ baseUrl: url });
    const source = `LOCAL DEMO METRICS (Prometheus API) ${url}`;
    configureTelemetry({ serviceMetrics: new PrometheusServiceMetrics(client, source, true), prometheus: { client, source } });
    lines.push(`Metrics: ${source}: service metrics and PromQL queries over made-up series (the README lists the PromQL subset)`);
  }
  return lines;
}
