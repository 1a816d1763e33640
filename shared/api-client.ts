/**
 * The one signing client: the web app, the CLI, tests and benchmarks call Apollo through it.
 * Every request is SigV4-signed for `execute-api` with whatever credentials the provider returns
 * (an SSO/assumed-role session, Cognito identity-pool credentials, or local session credentials).
 * Browser-safe: no Node-only APIs.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { ErrorBody } from './errors.ts';
import { fillPath, matchRoute, type BodyOf, type ParamNames, type ParamsOf, type QueryOf, type ResponseOf, type RouteFor, type RouteKey } from './routes.ts';

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

export type CredentialProvider = () => Promise<Credentials>;

export interface ApiClientOptions {
  /** Base URL of the API, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com/prod` or `http://127.0.0.1:3000`. */
  readonly baseUrl: string;
  readonly region: string;
  readonly credentials: CredentialProvider | Credentials;
  readonly fetch?: typeof fetch;
  /** Clock for signing (tests of skew use it). */
  readonly now?: () => Date;
}

export interface CallOptions {
  readonly query?: Record<string, string | number | boolean | undefined>;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Sent as If-Match (a version number or an ETag). */
  readonly ifMatch?: number | string;
  /** Sent as Idempotency-Key; generated for idempotent routes when absent. */
  readonly idempotencyKey?: string;
}

/** A query as sent: the route's query type, every field optional (the server fills defaults). */
type QueryInput<K extends RouteKey> = { readonly [F in keyof QueryOf<K>]?: QueryOf<K>[F] | undefined };

/**
 * What calling one route of the table takes: its path parameters (when it has any), its body (when
 * it takes one), its query; plus If-Match, an Idempotency-Key and extra headers.
 */
export type RequestOptions<K extends RouteKey> = Omit<CallOptions, 'query' | 'body'> & { readonly query?: QueryInput<K> }
  & ([ParamNames<RouteFor<K>['path']>] extends [never] ? { readonly params?: undefined } : { readonly params: ParamsOf<K> })
  & (BodyOf<K> extends undefined ? { readonly body?: undefined } : { readonly body: BodyOf<K> });

/** The options argument may be left out when a route needs neither parameters nor a body. */
export type RequestArgs<K extends RouteKey> = Record<string, never> extends RequestOptions<K> ? [options?: RequestOptions<K>] : [options: RequestOptions<K>];

export interface ApiResponse<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
  readonly requestId: string | undefined;
}

/** A response of 400 or above, with Apollo's error body when there is one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ReadonlyArray<{ path: string; message: string }>,
    readonly requestId: string | undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const randomKey = (): string => globalThis.crypto.randomUUID();

export class ApiClient {
  private readonly signer: SignatureV4;
  private readonly base: URL;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly options: ApiClientOptions) {
    const credentials = options.credentials;
    this.signer = new SignatureV4({
      service: 'execute-api',
      region: options.region,
      sha256: Sha256,
      credentials: typeof credentials === 'function' ? credentials : async () => credentials,
    });
    this.base = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
    this.fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** Signs and sends; resolves for every status (see `call` for the throwing form). */
  async send(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse> {
    const url = new URL(path.replace(/^\//, ''), this.base);
    const query: Record<string, string> = {};
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) query[k] = String(v);
    const headers: Record<string, string> = { host: url.host, accept: 'application/json', ...options.headers };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    if (options.ifMatch !== undefined) headers['if-match'] = typeof options.ifMatch === 'number' ? `"${options.ifMatch}"` : options.ifMatch;
    const idempotencyKey = options.idempotencyKey ?? (method === 'POST' && this.isIdempotent(method, url.pathname) ? randomKey() : undefined);
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;

    const request = new HttpRequest({ method, protocol: url.protocol, hostname: url.hostname, port: url.port ? Number(url.port) : undefined, path: url.pathname, query, headers, body });
    const signed = await this.signer.sign(request, { signingDate: this.options.now?.() });
    const search = new URLSearchParams(query).toString().replace(/\+/g, '%20');
    const response = await this.fetchFn(`${url.origin}${url.pathname}${search ? `?${search}` : ''}`, {
      method,
      headers: Object.fromEntries(Object.entries(signed.headers).filter(([k]) => k !== 'host')),
      body,
    });
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    let parsed: unknown = text;
    if (text && type.includes('json')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    const requestId = (parsed as Partial<ErrorBody>)?.requestId ?? response.headers.get('x-amzn-requestid') ?? undefined;
    return { status: response.status, headers: response.headers, body: parsed, requestId };
  }

  /** Signs and sends; throws ApiError for 400 and above. */
  async call<T = unknown>(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse<T>> {
    const response = await this.send(method, path, options);
    if (response.status >= 400) throw toApiError(response);
    return response as ApiResponse<T>;
  }

  /**
   * Calls one route of the table, typed from it: `request('GET /api/v1/teams/{id}', { params: { id } })`
   * answers a Team. Throws ApiError for 400 and above.
   */
  async request<K extends RouteKey>(key: K, ...[options]: RequestArgs<K>): Promise<ApiResponse<ResponseOf<K>>> {
    const { method, path } = splitKey(key);
    const { params, query, ...rest } = (options ?? {}) as RequestOptions<K> & { params?: Readonly<Record<string, string>> };
    return this.call<ResponseOf<K>>(method, fillPath(path, params ?? {}), { ...rest, query: query as CallOptions['query'] });
  }

  private isIdempotent(method: string, pathname: string): boolean {
    const prefix = this.base.pathname.replace(/\/$/, '');
    const match = matchRoute(method, pathname.slice(prefix.length) || '/');
    return match.route?.idempotent === true;
  }
}

/** `'GET /api/v1/me'` → its method and path template. */
export function splitKey(key: RouteKey): { method: string; path: string } {
  const space = key.indexOf(' ');
  return { method: key.slice(0, space), path: key.slice(space + 1) };
}

export function toApiError(response: ApiResponse): ApiError {
  const body = response.body as Partial<ErrorBody> & { message?: string; Message?: string };
  if (body && typeof body === 'object' && body.error) {
    return new ApiError(response.status, body.error.code, body.error.message, body.error.details ?? [], response.requestId);
  }
  // API Gateway's own answers (IAM denials, bad signatures) are `{ message }` or `{ Message }`.
  const message = (body && typeof body === 'object' && (body.message ?? body.Message)) || (typeof body === 'string' && body) || `HTTP ${response.status}`;
  return new ApiError(response.status, response.headers.get('x-amzn-errortype') ?? `HTTP${response.status}`, message, [], response.requestId);
}
