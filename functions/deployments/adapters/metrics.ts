/**
 * Which metrics canary analysis reads, from the environment (read once, at cold start; a wrong setting
 * throws MetricsConfigError saying what to set):
 *
 * - `APOLLO_METRICS` — `prometheus`, `amp` (Amazon Managed Service for Prometheus, SigV4-signed) or
 *   `cloudwatch`; unset or empty: none (no analysis, and the deployment's record says so).
 * - `prometheus`: `APOLLO_PROMETHEUS_URL`, the API's base (`http://prometheus.monitoring:9090`, no `/api/v1`).
 * - `amp`: `APOLLO_AMP_WORKSPACE_URL` (`https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>`, the
 *   console's query URL is accepted too) and `APOLLO_AMP_REGION` (default: the URL's region, else AWS_REGION);
 *   the credentials are the function's (the SDK's default provider chain).
 * - both: `APOLLO_PROMQL_REQUESTS`, `APOLLO_PROMQL_ERROR_RATE`, `APOLLO_PROMQL_P99_MS` replace the default
 *   PromQL (./prometheus.ts DEFAULT_PROMQL) with placeholders {service} {environment} {namespace} {cluster}
 *   {version} {range}.
 * - `cloudwatch`: `APOLLO_CLOUDWATCH_NAMESPACE` (default `Apollo/Services`).
 *
 * The local runtime sets `APOLLO_METRICS_DEMO` beside `APOLLO_PROMETHEUS_URL` when the URL is its demo
 * metrics server (local/fakes/metrics-server.ts): the kind then says LOCAL DEMO METRICS.
 */
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { defaultCredentials } from '#lib/aws-credentials';
import type { MetricsPort } from '../metrics.ts';
import { CloudWatchMetrics, DEFAULT_CLOUDWATCH_NAMESPACE } from './cloudwatch-metrics.ts';
import { checkPromQlTemplate, PrometheusMetrics, type PromQlTemplates } from './prometheus.ts';

export const METRICS_ENV = 'APOLLO_METRICS';
export const PROMETHEUS_URL_ENV = 'APOLLO_PROMETHEUS_URL';
export const AMP_WORKSPACE_URL_ENV = 'APOLLO_AMP_WORKSPACE_URL';
export const AMP_REGION_ENV = 'APOLLO_AMP_REGION';
export const CLOUDWATCH_NAMESPACE_ENV = 'APOLLO_CLOUDWATCH_NAMESPACE';
/** Set by the local runtime when APOLLO_PROMETHEUS_URL is its demo metrics server. */
export const METRICS_DEMO_ENV = 'APOLLO_METRICS_DEMO';
export const PROMQL_ENV: { readonly [K in keyof PromQlTemplates]: string } = {
  requests: 'APOLLO_PROMQL_REQUESTS',
  errorRate: 'APOLLO_PROMQL_ERROR_RATE',
  p99Ms: 'APOLLO_PROMQL_P99_MS',
};
export const METRICS_SOURCES = ['prometheus', 'amp', 'cloudwatch'] as const;
export type MetricsSource = (typeof METRICS_SOURCES)[number];
export const LOCAL_DEMO_METRICS_LABEL = 'LOCAL DEMO METRICS';

/** A metrics setting that cannot work; the message names the variable and what it expects. */
export class MetricsConfigError extends Error {
  override readonly name = 'MetricsConfigError';
}

const AMP_HOST = /^aps-workspaces\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/;
const CLOUDWATCH_NAMESPACE = /^[A-Za-z0-9.\-_/#:]{1,255}$/;

export interface MetricsFromEnvOptions {
  /** AMP's credentials. @default the AWS SDK's default provider chain */
  readonly credentials?: AwsCredentialIdentityProvider;
  readonly fetch?: typeof fetch;
}

/** The metrics port the environment names, or undefined when it names none. */
export function metricsFromEnv(env: NodeJS.ProcessEnv, options: MetricsFromEnvOptions = {}): MetricsPort | undefined {
  const source = env[METRICS_ENV]?.trim().toLowerCase();
  if (!source) return undefined;
  if (!(METRICS_SOURCES as readonly string[]).includes(source)) {
    throw new MetricsConfigError(`${METRICS_ENV} must be one of ${METRICS_SOURCES.join(', ')} (or unset for no canary analysis), not "${env[METRICS_ENV]}"`);
  }
  switch (source as MetricsSource) {
    case 'cloudwatch': {
      const namespace = env[CLOUDWATCH_NAMESPACE_ENV]?.trim() || DEFAULT_CLOUDWATCH_NAMESPACE;
      if (!CLOUDWATCH_NAMESPACE.test(namespace) || namespace.startsWith('AWS/')) throw new MetricsConfigError(`${CLOUDWATCH_NAMESPACE_ENV} must be a custom CloudWatch namespace (not AWS/…), not "${namespace}"`);
      return new CloudWatchMetrics({ namespace });
    }
    case 'prometheus': {
      const url = httpUrl(env, PROMETHEUS_URL_ENV, 'the Prometheus API (e.g. http://prometheus.monitoring:9090)');
      const demo = Boolean(env[METRICS_DEMO_ENV]);
      return new PrometheusMetrics({
        baseUrl: url,
        queries: templates(env),
        ...(demo ? { kind: `${LOCAL_DEMO_METRICS_LABEL} (Prometheus API) ${url}` } : {}),
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
    }
    case 'amp': {
      const url = httpUrl(env, AMP_WORKSPACE_URL_ENV, 'the workspace (https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>)').replace(/\/api\/v1(\/.*)?$/, '');
      const parsed = new URL(url);
      if (parsed.protocol !== 'https:') throw new MetricsConfigError(`${AMP_WORKSPACE_URL_ENV} must be an https URL, not "${env[AMP_WORKSPACE_URL_ENV]}"`);
      const region = env[AMP_REGION_ENV]?.trim() || AMP_HOST.exec(parsed.hostname)?.[1] || env.AWS_REGION;
      if (!region) throw new MetricsConfigError(`${AMP_REGION_ENV} must name the workspace's region (the URL does not, and AWS_REGION is unset)`);
      return new PrometheusMetrics({
        baseUrl: url,
        queries: templates(env),
        sigv4: { service: 'aps', region, credentials: options.credentials ?? defaultCredentials(region) },
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
    }
  }
}

function httpUrl(env: NodeJS.ProcessEnv, name: string, what: string): string {
  const raw = env[name]?.trim();
  if (!raw) throw new MetricsConfigError(`${METRICS_ENV}=${env[METRICS_ENV]} needs ${name}: ${what}`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new MetricsConfigError(`${name} must be an http(s) URL, not "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new MetricsConfigError(`${name} must be an http(s) URL, not "${raw}"`);
  if (url.search || url.hash || url.username) throw new MetricsConfigError(`${name} must be a plain base URL (no query, fragment or credentials), not "${raw}"`);
  return raw.replace(/\/+$/, '');
}

function templates(env: NodeJS.ProcessEnv): Partial<PromQlTemplates> {
  const out: Partial<Record<keyof PromQlTemplates, string>> = {};
  for (const [figure, name] of Object.entries(PROMQL_ENV) as Array<[keyof PromQlTemplates, string]>) {
    const value = env[name]?.trim();
    if (!value) continue;
    try {
      checkPromQlTemplate(name, value);
    } catch (error) {
      throw new MetricsConfigError((error as Error).message);
    }
    out[figure] = value;
  }
  return out;
}
