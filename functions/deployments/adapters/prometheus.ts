/**
 * The metrics port over the Prometheus HTTP API (PROTOCOLS.md "Prometheus / AMP query API"): three instant
 * queries, `GET <base>/api/v1/query?query=…&time=<to, unix seconds>`, each over a range vector `[<seconds>s]`
 * covering from..to, for the request count, the 5xx ratio and the p99 latency in milliseconds. Amazon
 * Managed Service for Prometheus serves the same API under `https://aps-workspaces.<region>.amazonaws.com/
 * workspaces/<id>` and wants every request signed with SigV4 (service `aps`, IAM action `aps:QueryMetrics`).
 *
 * The PromQL is a template per figure (APOLLO_PROMQL_REQUESTS, …_ERROR_RATE, …_P99_MS), with placeholders
 * filled in as PromQL string contents: `{service}`, `{environment}`, `{namespace}`, `{cluster}`, `{version}`
 * (a regular expression: the tag with its metacharacters escaped, or `.*` when the query names no version)
 * and `{range}` (e.g. `300s`). The defaults read the conventional `http_requests_total` counter (labels
 * service, environment, version, code) and the `http_request_duration_seconds` histogram.
 *
 * Answers: an empty vector is no data (requests 0; the ratio and p99 null); `NaN` and infinities (a 0/0
 * ratio, a quantile of no observations) are null. Prometheus's errors (`"status": "error"`) and HTTP failures
 * throw a PrometheusError with `status` (the HTTP status) and `retryable` (timeouts, 429 and 5xx, network
 * errors); 400 `bad_data` and 422 `execution` (a wrong template) are not.
 *
 * Checked against: prometheus.io querying/api (envelope `{status, data:{resultType,result}, errorType, error,
 * warnings}`; 400 bad parameters, 422 unexecutable expression, 503 timeout/abort; a vector sample is
 * `[<unix seconds>, "<value>"]`), prometheus/prometheus web/api/v1 (errorType values; sample values written
 * with strconv.AppendFloat, so NaN/±Inf are the strings "NaN"/"+Inf"/"-Inf"), the AMP user guide's QueryMetrics
 * (GET or POST `/workspaces/<id>/api/v1/query`, `query`, `time`, SigV4 service `aps`) and the managed policy
 * AmazonPrometheusQueryAccess (`aps:QueryMetrics`). The SigV4 signer adds `x-amz-content-sha256` (the empty
 * body's hash) to the signed headers; the local demo server's re-signing check accepts exactly what is sent.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { networkError } from '#lib/network-errors';
import type { MetricsPort, MetricsQuery, VersionMetrics } from '../metrics.ts';

const selector = (extra = '') => `service="{service}",environment="{environment}",version=~"{version}"${extra}`;

/** The default PromQL per figure (see the module's comment for the placeholders). */
export const DEFAULT_PROMQL = {
  /** Requests served in the range. */
  requests: `sum(increase(http_requests_total{${selector()}}[{range}]))`,
  /** 5xx over all requests, 0..1 (`or vector(0)`: no 5xx series at all is a ratio of 0, not no data). */
  errorRate: `(sum(rate(http_requests_total{${selector(',code=~"5.."')}}[{range}])) or vector(0)) / sum(rate(http_requests_total{${selector()}}[{range}]))`,
  /** The 99th percentile of latency in milliseconds. */
  p99Ms: `histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{${selector()}}[{range}]))) * 1000`,
} as const;

export type PromQlTemplates = { readonly [K in keyof typeof DEFAULT_PROMQL]: string };

export const PROMQL_PLACEHOLDERS = ['service', 'environment', 'namespace', 'cluster', 'version', 'range'] as const;

export type PrometheusErrorCode = 'prometheus-unavailable' | 'prometheus-rejected' | 'prometheus-invalid-response';

/** A query Prometheus could not answer; `retryable` says whether the same query later could succeed. */
export class PrometheusError extends Error {
  override readonly name = 'PrometheusError';
  constructor(
    readonly code: PrometheusErrorCode,
    message: string,
    readonly retryable: boolean,
    /** The HTTP status Prometheus answered (undefined: no answer). */
    readonly status?: number,
    /** Prometheus's `errorType` (bad_data, execution, timeout, canceled, internal, unavailable, not_found). */
    readonly errorType?: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

export interface SigV4Options {
  /** @default `aps` */
  readonly service?: string;
  readonly region: string;
  readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

export interface PrometheusMetricsOptions {
  /** The API's base, without `/api/v1` (Prometheus `http://prometheus:9090`, AMP `https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>`). */
  readonly baseUrl: string;
  /** Signs each request (Amazon Managed Service for Prometheus). @default unsigned */
  readonly sigv4?: SigV4Options;
  /** @default DEFAULT_PROMQL, figure by figure */
  readonly queries?: Partial<PromQlTemplates>;
  /** @default `Prometheus <baseUrl>` (`Amazon Managed Prometheus <baseUrl>` when signed) */
  readonly kind?: string;
  /** Per request. @default 10000 */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

/** PromQL string contents: backslash and double quote escaped (PromQL strings follow Go's escapes). */
const promString = (value: string): string => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
const rfc3986 = (value: string): string => encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
/** A literal inside a (fully anchored, RE2) regular expression. */
const regexLiteral = (value: string): string => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The template with its placeholders filled for `query` (exported for the tests and the local demo server). */
export function renderPromQl(template: string, query: MetricsQuery): string {
  const seconds = Math.max(1, Math.round((query.to.getTime() - query.from.getTime()) / 1000));
  const values: Record<(typeof PROMQL_PLACEHOLDERS)[number], string> = {
    service: promString(query.service),
    environment: promString(query.environment),
    namespace: promString(query.namespace),
    cluster: promString(query.cluster),
    version: query.version ? promString(regexLiteral(query.version)) : '.*',
    range: `${seconds}s`,
  };
  return template.replace(/\{(service|environment|namespace|cluster|version|range)\}/g, (_, name: keyof typeof values) => values[name]);
}

/** Throws when a template names a placeholder there is no value for (a typo fails at cold start, not mid-canary). */
export function checkPromQlTemplate(name: string, template: string): void {
  if (!template.trim()) throw new Error(`${name} must be a PromQL expression`);
  for (const [, placeholder] of template.matchAll(/\{([a-z_]+)\}/gi)) {
    if (!(PROMQL_PLACEHOLDERS as readonly string[]).includes(placeholder!)) {
      throw new Error(`${name} names {${placeholder}}, which is not a placeholder (${PROMQL_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')})`);
    }
  }
}

interface ApiAnswer {
  status?: unknown;
  data?: { resultType?: unknown; result?: unknown };
  errorType?: unknown;
  error?: unknown;
}

const RETRYABLE_ERROR_TYPES = new Set(['timeout', 'canceled', 'internal', 'unavailable']);

export class PrometheusMetrics implements MetricsPort {
  readonly kind: string;
  private readonly base: string;
  private readonly queries: PromQlTemplates;
  private readonly signer: SignatureV4 | undefined;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(options: PrometheusMetricsOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
    if (!/^https?:\/\/[^\s/]+/.test(this.base)) throw new Error(`the Prometheus URL must be an http(s) URL, not "${options.baseUrl}"`);
    this.queries = { ...DEFAULT_PROMQL, ...options.queries };
    for (const [name, template] of Object.entries(this.queries)) checkPromQlTemplate(name, template);
    this.signer = options.sigv4 && new SignatureV4({
      service: options.sigv4.service ?? 'aps',
      region: options.sigv4.region,
      sha256: Sha256,
      credentials: options.sigv4.credentials,
    });
    this.kind = options.kind ?? `${options.sigv4 ? 'Amazon Managed Prometheus' : 'Prometheus'} ${this.base}`;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetch = options.fetch ?? fetch;
  }

  async sample(query: MetricsQuery): Promise<VersionMetrics> {
    if (!(query.to.getTime() > query.from.getTime())) throw new RangeError(`the range must end after it starts (${query.from.toISOString()} .. ${query.to.toISOString()})`);
    const [requests, errorRate, p99Ms] = await Promise.all([
      this.instant(renderPromQl(this.queries.requests, query), query.to),
      this.instant(renderPromQl(this.queries.errorRate, query), query.to),
      this.instant(renderPromQl(this.queries.p99Ms, query), query.to),
    ]);
    const count = requests === null ? 0 : Math.max(0, requests);
    if (count === 0) return { requests: 0, errorRate: null, p99Ms: null };
    return {
      requests: count,
      errorRate: errorRate === null ? null : Math.min(1, Math.max(0, errorRate)),
      p99Ms: p99Ms === null ? null : Math.max(0, p99Ms),
    };
  }

  /** One instant query at `at`: the single sample's value, null for no sample (or NaN / ±Inf). */
  async instant(promql: string, at: Date): Promise<number | null> {
    const params = { query: promql, time: (at.getTime() / 1000).toFixed(3) };
    // RFC 3986 encoding (a space is %20, never `+`): what SigV4 signs is exactly what is sent.
    const url = new URL(`${this.base}/api/v1/query?${Object.entries(params).map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join('&')}`);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.signer) Object.assign(headers, await this.sign(url, params));
    let response: Response;
    try {
      response = await this.fetch(url, { headers, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw new PrometheusError('prometheus-unavailable', `could not reach ${this.kind}: ${networkError(error)}`, true, undefined, undefined, { cause: error });
    }
    const text = await response.text();
    let body: ApiAnswer | undefined;
    try {
      body = JSON.parse(text) as ApiAnswer;
    } catch {
      body = undefined;
    }
    if (!response.ok || body?.status !== 'success') {
      const errorType = typeof body?.errorType === 'string' ? body.errorType : undefined;
      const detail = typeof body?.error === 'string' ? body.error : (body as { message?: unknown } | undefined)?.message ?? text.slice(0, 200);
      const retryable = response.status === 429 || response.status >= 500 || (errorType !== undefined && RETRYABLE_ERROR_TYPES.has(errorType));
      throw new PrometheusError(response.ok ? 'prometheus-invalid-response' : 'prometheus-rejected',
        `${this.kind} answered ${response.status}${errorType ? ` ${errorType}` : ''}: ${String(detail)} (query ${promql})`, retryable, response.status, errorType);
    }
    return sampleValue(body.data, this.kind);
  }

  /** SigV4 headers for a GET of `url` (AMP: service `aps`; the query string is part of what is signed). */
  private async sign(url: URL, query: Record<string, string>): Promise<Record<string, string>> {
    const signed = await this.signer!.sign(new HttpRequest({
      method: 'GET',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers: { host: url.host, accept: 'application/json' },
    }));
    const { host: _host, ...rest } = signed.headers;
    return rest;
  }
}

/** The one value of an instant query's answer: a vector of at most one sample, or a scalar. */
function sampleValue(data: ApiAnswer['data'], kind: string): number | null {
  const invalid = (why: string) => new PrometheusError('prometheus-invalid-response', `${kind} answered an unexpected shape: ${why}`, false, 200);
  if (!data || typeof data !== 'object') throw invalid('no data');
  let pair: unknown;
  if (data.resultType === 'vector') {
    if (!Array.isArray(data.result)) throw invalid('data.result is not a list');
    if (data.result.length === 0) return null;
    if (data.result.length > 1) throw invalid(`${data.result.length} series where one was expected (sum the query's series)`);
    pair = (data.result[0] as { value?: unknown }).value;
  } else if (data.resultType === 'scalar') {
    pair = data.result;
  } else {
    throw invalid(`resultType ${String(data.resultType)} (the query must answer a vector or a scalar)`);
  }
  if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[1] !== 'string') throw invalid('a sample is not [<unix time>, "<value>"]');
  const value = Number(pair[1]);
  // Prometheus writes NaN as "NaN" and infinities as "+Inf"/"-Inf" (Go's strconv): no figure.
  return Number.isFinite(value) ? value : null;
}
