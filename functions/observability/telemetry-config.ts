/**
 * The settings of the observability context's metrics, traces and deep links, read once from the environment
 * (cold start), failing fast on a malformed value. A console a deep link needs but that is not configured is
 * not an error here: the link's request answers 400 naming the variable.
 */
export interface TelemetryConfig {
  /** Where service metrics come from: `cloudwatch` (default in AWS) or `prometheus` (APOLLO_OBSERVABILITY_METRICS). */
  readonly serviceMetrics: 'cloudwatch' | 'prometheus';
  /** The application metrics' CloudWatch namespace, as canary analysis reads it (APOLLO_CLOUDWATCH_NAMESPACE). @default Apollo/Services */
  readonly cloudWatchNamespace: string;
  /** Prometheus or AMP for `POST /api/v1/metrics/query` and prometheus service metrics (APOLLO_PROMETHEUS_URL); AMP when it is an aps-workspaces URL (SigV4). */
  readonly prometheusUrl: string | undefined;
  /** The longest range of a metrics read, days (APOLLO_METRICS_MAX_RANGE_DAYS). @default 7 */
  readonly metricsMaxRangeDays: number;
  /** Deep links (unset: that target answers 400 naming the variable). */
  readonly grafanaUrl: string | undefined;
  /** The Grafana data source uid Explore opens (APOLLO_GRAFANA_DATASOURCE). */
  readonly grafanaDatasource: string | undefined;
  readonly grafanaOrgId: string;
  readonly axiomUrl: string;
  readonly axiomOrg: string | undefined;
  readonly axiomDataset: string | undefined;
  readonly jaegerUrl: string | undefined;
  /** The region of the CloudWatch and X-Ray consoles (APOLLO_CONSOLE_REGION, else AWS_REGION). */
  readonly consoleRegion: string | undefined;
}

function url(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  if (!/^https?:\/\/[^\s/]+/.test(raw)) throw new Error(`${name} must be an http(s) URL, not "${raw}"`);
  return raw.replace(/\/+$/, '');
}

export function readTelemetryConfig(env: NodeJS.ProcessEnv = process.env): TelemetryConfig {
  const metrics = env.APOLLO_OBSERVABILITY_METRICS || (env.APOLLO_METRICS === 'prometheus' ? 'prometheus' : 'cloudwatch');
  if (metrics !== 'cloudwatch' && metrics !== 'prometheus') throw new Error(`APOLLO_OBSERVABILITY_METRICS must be cloudwatch or prometheus, not "${metrics}"`);
  const days = Number(env.APOLLO_METRICS_MAX_RANGE_DAYS || 7);
  if (!Number.isInteger(days) || days < 1 || days > 455) throw new Error(`APOLLO_METRICS_MAX_RANGE_DAYS must be a whole number of days from 1 to 455 (CloudWatch keeps 15 months), not "${env.APOLLO_METRICS_MAX_RANGE_DAYS}"`);
  return {
    serviceMetrics: metrics,
    cloudWatchNamespace: env.APOLLO_CLOUDWATCH_NAMESPACE || 'Apollo/Services',
    prometheusUrl: url(env, 'APOLLO_PROMETHEUS_URL'),
    metricsMaxRangeDays: days,
    grafanaUrl: url(env, 'APOLLO_GRAFANA_URL'),
    grafanaDatasource: env.APOLLO_GRAFANA_DATASOURCE || undefined,
    grafanaOrgId: env.APOLLO_GRAFANA_ORG_ID || '1',
    axiomUrl: url(env, 'APOLLO_AXIOM_URL') ?? 'https://app.axiom.co',
    axiomOrg: env.APOLLO_AXIOM_ORG || undefined,
    axiomDataset: env.APOLLO_AXIOM_DATASET || undefined,
    jaegerUrl: url(env, 'APOLLO_JAEGER_URL'),
    consoleRegion: env.APOLLO_CONSOLE_REGION || env.AWS_REGION || undefined,
  };
}

let cached: TelemetryConfig | undefined;
export function telemetryConfig(): TelemetryConfig {
  cached ??= readTelemetryConfig();
  return cached;
}
/** Tests and the local runtime: read the environment again. */
export function resetTelemetryConfig(): void {
  cached = undefined;
}
