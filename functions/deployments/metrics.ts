/**
 * The metrics port canary analysis reads (issue 15): a service's request count, error rate and p99 latency
 * in one environment, for one version or all of them, over a time range. In AWS: CloudWatch
 * `GetMetricData` (./adapters/cloudwatch-metrics.ts) or Prometheus / Amazon Managed Prometheus with SigV4
 * (./adapters/prometheus.ts), chosen by APOLLO_METRICS (see metricsFromEnv there). On a laptop the
 * Prometheus adapter reads the local demo metrics server (local/fakes/metrics-server.ts).
 */
import type { DeployTarget } from './ports.ts';

export interface MetricsQuery extends DeployTarget {
  /** The image tag whose traffic to read; unset: the service's traffic whatever the version. */
  readonly version?: string;
  readonly from: Date;
  readonly to: Date;
}

export interface VersionMetrics {
  /** Requests served in the range (0: no traffic, and the rates below are null). */
  readonly requests: number;
  /** Failed requests (5xx) over all requests, 0..1; null when there was no traffic. */
  readonly errorRate: number | null;
  /** The 99th percentile of latency in milliseconds; null when unknown. */
  readonly p99Ms: number | null;
}

export interface MetricsPort {
  /** What it reads, for the record and the UI ("Prometheus http://…", "CloudWatch", "LOCAL DEMO METRICS …"). */
  readonly kind: string;
  sample(query: MetricsQuery): Promise<VersionMetrics>;
}
