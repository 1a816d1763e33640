/**
 * The settings of the observability context's metrics, traces and deep links, read once from the environment
 * (cold start), failing fast on a malformed value. A console a deep link needs but that is not configured is
 * not an error here: the link's request answers 400 naming the variable.
 */
import { authorization, type TracesAuth } from './adapters/trace-http.ts';

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
  /** The fields telling services and environments apart in the dataset (APOLLO_AXIOM_SERVICE_FIELD, APOLLO_AXIOM_ENVIRONMENT_FIELD), as the Axiom logs backend reads them. */
  readonly axiomServiceField: string;
  readonly axiomEnvironmentField: string;
  /** Jaeger UI links, and the query API traces are read from when tracesBackend is jaeger (APOLLO_JAEGER_URL). */
  readonly jaegerUrl: string | undefined;
  /** Where traces come from: `xray` (default), `jaeger` (APOLLO_JAEGER_URL) or `tempo` (APOLLO_TEMPO_URL) (APOLLO_TRACES_BACKEND). */
  readonly tracesBackend: 'xray' | 'jaeger' | 'tempo';
  /** Tempo's query frontend, e.g. http://tempo:3200 (APOLLO_TEMPO_URL). */
  readonly tempoUrl: string | undefined;
  /** Tempo's tenant, sent as X-Scope-OrgID in a multi-tenant Tempo (APOLLO_TEMPO_TENANT). */
  readonly tempoTenant: string | undefined;
  /**
   * Credentials for Jaeger or Tempo: `bearer <token>` or `basic <user>:<password>` (APOLLO_TRACES_AUTH), or a Secrets
   * Manager secret holding that or JSON `{"token"}` / `{"username","password"}` (APOLLO_TRACES_AUTH_SECRET_ARN).
   */
  readonly tracesAuth: TracesAuth | undefined;
  /** The span or resource attribute that names a trace's environment in Jaeger and Tempo (APOLLO_TRACES_ENVIRONMENT_ATTRIBUTE). @default deployment.environment */
  readonly tracesEnvironmentAttribute: string;
  /** The Grafana data source uid a trace opens in (APOLLO_GRAFANA_TRACES_DATASOURCE); else APOLLO_GRAFANA_DATASOURCE. */
  readonly grafanaTracesDatasource: string | undefined;
  /** The region of the CloudWatch and X-Ray consoles (APOLLO_CONSOLE_REGION, else AWS_REGION). */
  readonly consoleRegion: string | undefined;
}

const TRACES_BACKENDS = ['xray', 'jaeger', 'tempo'] as const;

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
  const backend = env.APOLLO_TRACES_BACKEND || 'xray';
  if (!(TRACES_BACKENDS as readonly string[]).includes(backend)) throw new Error(`APOLLO_TRACES_BACKEND must be xray, jaeger or tempo, not "${backend}"`);
  const tracesBackend = backend as TelemetryConfig['tracesBackend'];
  const jaegerUrl = url(env, 'APOLLO_JAEGER_URL');
  const tempoUrl = url(env, 'APOLLO_TEMPO_URL');
  if (tracesBackend === 'jaeger' && !jaegerUrl) throw new Error('APOLLO_TRACES_BACKEND=jaeger needs APOLLO_JAEGER_URL: the Jaeger query service, e.g. http://jaeger-query:16686');
  if (tracesBackend === 'tempo' && !tempoUrl) throw new Error('APOLLO_TRACES_BACKEND=tempo needs APOLLO_TEMPO_URL: the Tempo query frontend, e.g. http://tempo:3200');
  const environmentAttribute = env.APOLLO_TRACES_ENVIRONMENT_ATTRIBUTE || 'deployment.environment';
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(environmentAttribute)) throw new Error(`APOLLO_TRACES_ENVIRONMENT_ATTRIBUTE must be an attribute name such as deployment.environment, not "${environmentAttribute}"`);
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
    axiomServiceField: env.APOLLO_AXIOM_SERVICE_FIELD || 'service',
    axiomEnvironmentField: env.APOLLO_AXIOM_ENVIRONMENT_FIELD || 'environment',
    jaegerUrl,
    tracesBackend,
    tempoUrl,
    tempoTenant: env.APOLLO_TEMPO_TENANT || undefined,
    tracesAuth: tracesAuth(env),
    tracesEnvironmentAttribute: environmentAttribute,
    grafanaTracesDatasource: env.APOLLO_GRAFANA_TRACES_DATASOURCE || undefined,
    consoleRegion: env.APOLLO_CONSOLE_REGION || env.AWS_REGION || undefined,
  };
}

/** The credentials' source, checked without ever echoing the value. */
function tracesAuth(env: NodeJS.ProcessEnv): TracesAuth | undefined {
  const value = env.APOLLO_TRACES_AUTH;
  const secretArn = env.APOLLO_TRACES_AUTH_SECRET_ARN;
  if (value && secretArn) throw new Error('set APOLLO_TRACES_AUTH or APOLLO_TRACES_AUTH_SECRET_ARN, not both');
  if (value) {
    if (!authorization(value)) throw new Error('APOLLO_TRACES_AUTH must be "bearer <token>" or "basic <user>:<password>" (its value is not shown)');
    return { value };
  }
  if (secretArn) {
    if (!/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+/.test(secretArn)) throw new Error(`APOLLO_TRACES_AUTH_SECRET_ARN must be a Secrets Manager secret ARN, not "${secretArn}"`);
    return { secretArn };
  }
  return undefined;
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
