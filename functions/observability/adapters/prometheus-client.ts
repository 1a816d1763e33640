/**
 * A Prometheus HTTP API client (`/api/v1/query`, `/api/v1/query_range`), SigV4-signed for Amazon Managed
 * Service for Prometheus (service `aps`, IAM `aps:QueryMetrics`). It duplicates the request and signing part of
 * functions/deployments/adapters/prometheus.ts (a context imports no other context's internals; moving that one
 * to functions/lib/ would change the deployments context, which is not this change's to make): the next change
 * to either should move both onto one client in functions/lib/.
 *
 * Answers: `{status:"success", data:{resultType, result}, warnings?}`; errors `{status:"error", errorType,
 * error}` with 400 bad_data, 422 execution, 503 timeout. Sample values are strings, `NaN`/`±Inf` as Go writes.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { defaultCredentials } from '#lib/aws-credentials';
import { networkError } from '#lib/network-errors';

export interface PromSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** [unix ms, value or null for NaN/±Inf] */
  readonly points: ReadonlyArray<readonly [number, number | null]>;
}
export interface PromAnswer {
  readonly resultType: 'vector' | 'matrix' | 'scalar' | 'string';
  readonly series: readonly PromSeries[];
  readonly warnings: readonly string[];
}

/** Prometheus refused or could not answer: `status` is its HTTP status, `errorType` its error type. */
export class PrometheusQueryError extends Error {
  override readonly name = 'PrometheusQueryError';
  constructor(message: string, readonly status: number | undefined, readonly errorType: string | undefined, options: { cause?: unknown } = {}) {
    super(message, options);
  }
}

export interface PrometheusClientOptions {
  readonly baseUrl: string;
  readonly sigv4?: { readonly region: string; readonly service?: string; readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider };
  /** @default 20000 (API Gateway gives a request 29 s) */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

const rfc3986 = (value: string): string => encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const sample = (raw: unknown): number | null => {
  const value = Number(raw);
  return Number.isFinite(value) ? value : null;
};

/** The AMP workspace's region from its URL, when it is one (`https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>`). */
export function ampRegion(baseUrl: string): string | undefined {
  return /^https:\/\/aps-workspaces\.([a-z0-9-]+)\.amazonaws\.com\//.exec(baseUrl)?.[1];
}

export class PrometheusClient {
  readonly base: string;
  private readonly signer: SignatureV4 | undefined;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(options: PrometheusClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.signer = options.sigv4 && new SignatureV4({
      service: options.sigv4.service ?? 'aps',
      region: options.sigv4.region,
      sha256: Sha256,
      credentials: options.sigv4.credentials ?? defaultCredentials(options.sigv4.region),
    });
    this.timeoutMs = options.timeoutMs ?? 20_000;
    this.fetch = options.fetch ?? fetch;
  }

  get signed(): boolean {
    return this.signer !== undefined;
  }

  instant(query: string, at: Date): Promise<PromAnswer> {
    return this.get('/api/v1/query', { query, time: (at.getTime() / 1000).toFixed(3) });
  }

  range(query: string, start: Date, end: Date, stepSeconds: number): Promise<PromAnswer> {
    return this.get('/api/v1/query_range', { query, start: (start.getTime() / 1000).toFixed(3), end: (end.getTime() / 1000).toFixed(3), step: String(stepSeconds) });
  }

  private async get(path: string, params: Record<string, string>): Promise<PromAnswer> {
    // RFC 3986 (a space is %20, never `+`): what SigV4 signs is exactly what is sent.
    const url = new URL(`${this.base}${path}?${Object.entries(params).map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join('&')}`);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.signer) {
      const signed = await this.signer.sign(new HttpRequest({ method: 'GET', protocol: url.protocol, hostname: url.hostname, ...(url.port ? { port: Number(url.port) } : {}), path: url.pathname, query: params, headers: { host: url.host, accept: 'application/json' } }));
      const { host: _host, ...rest } = signed.headers;
      Object.assign(headers, rest);
    }
    let response: Response;
    try {
      response = await this.fetch(url, { headers, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw new PrometheusQueryError(`could not reach ${this.base}: ${networkError(error)}`, undefined, undefined, { cause: error });
    }
    const text = await response.text();
    let body: { status?: unknown; data?: { resultType?: unknown; result?: unknown }; errorType?: unknown; error?: unknown; warnings?: unknown } | undefined;
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      body = undefined;
    }
    if (!response.ok || body?.status !== 'success') {
      const errorType = typeof body?.errorType === 'string' ? body.errorType : undefined;
      const detail = typeof body?.error === 'string' ? body.error : text.slice(0, 200);
      throw new PrometheusQueryError(`${this.base} answered ${response.status}${errorType ? ` ${errorType}` : ''}: ${detail}`, response.status, errorType);
    }
    return parseAnswer(body.data, Array.isArray(body.warnings) ? body.warnings.map(String) : []);
  }
}

function parseAnswer(data: { resultType?: unknown; result?: unknown } | undefined, warnings: string[]): PromAnswer {
  const invalid = (why: string) => new PrometheusQueryError(`Prometheus answered an unexpected shape: ${why}`, 200, undefined);
  if (!data || typeof data !== 'object') throw invalid('no data');
  const pair = (p: unknown): readonly [number, number | null] => {
    if (!Array.isArray(p) || p.length !== 2) throw invalid('a sample is not [<unix time>, "<value>"]');
    return [Math.round(Number(p[0]) * 1000), sample(p[1])];
  };
  switch (data.resultType) {
    case 'scalar':
      return { resultType: 'scalar', series: [{ labels: {}, points: [pair(data.result)] }], warnings };
    case 'string':
      return { resultType: 'string', series: [], warnings };
    case 'vector':
    case 'matrix': {
      if (!Array.isArray(data.result)) throw invalid('data.result is not a list');
      const series = data.result.map((r: { metric?: Record<string, string>; value?: unknown; values?: unknown }) => ({
        labels: { ...(r.metric ?? {}) },
        points: data.resultType === 'vector' ? [pair(r.value)] : (Array.isArray(r.values) ? r.values : []).map(pair),
      }));
      return { resultType: data.resultType, series, warnings };
    }
    default:
      throw invalid(`resultType ${String(data.resultType)}`);
  }
}
