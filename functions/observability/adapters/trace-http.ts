/**
 * The HTTP side of the Jaeger and Tempo trace adapters: a JSON GET with a timeout and the optional credentials,
 * where 404 is "no such trace" (undefined) and every other failure is a named `TracesBackendError`. One that may
 * pass on its own (no answer, a timeout, 429, a 5xx) is `retryable`, which backend-errors.ts answers with 503;
 * the rest (refused credentials, a body that is not JSON, a 400) stay internal errors: ours to fix, not the caller's.
 *
 * Credentials (APOLLO_TRACES_AUTH or the Secrets Manager secret APOLLO_TRACES_AUTH_SECRET_ARN names, read once):
 * `bearer <token>` or `basic <user>:<password>`, or the secret as JSON `{"token"}` / `{"username","password"}`.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { networkError } from '#lib/network-errors';

export class TracesBackendError extends Error {
  override readonly name = 'TracesBackendError';
  constructor(message: string, readonly status: number | undefined, readonly retryable: boolean, options: { cause?: unknown } = {}) {
    super(message, options);
  }
}

/** Where the credentials come from; undefined: none. */
export type TracesAuth = { readonly value: string } | { readonly secretArn: string };

/** `Authorization`'s value from `bearer <token>`, `basic <user>:<password>` or the secret's JSON; undefined when malformed. */
export function authorization(credentials: string): string | undefined {
  const text = credentials.trim();
  if (text.startsWith('{')) {
    let json: { token?: unknown; username?: unknown; password?: unknown };
    try {
      json = JSON.parse(text) as typeof json;
    } catch {
      return undefined;
    }
    if (typeof json.token === 'string' && json.token) return `Bearer ${json.token}`;
    if (typeof json.username === 'string' && typeof json.password === 'string') return `Basic ${Buffer.from(`${json.username}:${json.password}`).toString('base64')}`;
    return undefined;
  }
  const m = /^(bearer|basic)\s+(\S.*)$/i.exec(text);
  if (!m) return undefined;
  if (m[1]!.toLowerCase() === 'bearer') return `Bearer ${m[2]}`;
  return m[2]!.includes(':') ? `Basic ${Buffer.from(m[2]!).toString('base64')}` : undefined;
}

export interface TraceHttpOptions {
  /** The query API's base URL, no trailing slash. */
  readonly baseUrl: string;
  /** The backend's name in messages, e.g. "Jaeger http://jaeger-query:16686". */
  readonly source: string;
  readonly auth?: TracesAuth;
  /** Extra headers on every request (Tempo's tenant: X-Scope-OrgID). */
  readonly headers?: Readonly<Record<string, string>>;
  /** @default 10000 (API Gateway gives a request 29 s; a list may read more than one answer) */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  readonly secrets?: SecretsManagerClient;
}

export class TraceHttp {
  readonly base: string;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;
  private authHeader: Promise<string | undefined> | undefined;

  constructor(private readonly options: TraceHttpOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetch = options.fetch ?? fetch;
  }

  /** The parsed JSON body; undefined on 404. */
  async getJson(path: string, params: Readonly<Record<string, string>> = {}): Promise<unknown> {
    const query = new URLSearchParams(params).toString();
    const url = `${this.base}${path}${query ? `?${query}` : ''}`;
    const authorization = await this.authorization();
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(url, { headers: { accept: 'application/json', ...this.options.headers, ...(authorization ? { authorization } : {}) }, signal: AbortSignal.timeout(this.timeoutMs) });
      text = await response.text();
    } catch (error) {
      const timedOut = (error as { name?: string }).name === 'TimeoutError';
      throw new TracesBackendError(`${this.options.source} ${timedOut ? `did not answer within ${this.timeoutMs / 1000} s` : `could not be reached: ${networkError(error)}`}`, undefined, true, { cause: error });
    }
    if (response.status === 404) return undefined;
    if (!response.ok) {
      const status = response.status;
      const hint = status === 401 || status === 403 ? ' (check APOLLO_TRACES_AUTH or APOLLO_TRACES_AUTH_SECRET_ARN)' : '';
      throw new TracesBackendError(`${this.options.source} answered ${status}${hint}: ${text.slice(0, 200)}`, status, status === 429 || status >= 500);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new TracesBackendError(`${this.options.source} answered ${path} with a body that is not JSON (is the URL its query API?): ${text.slice(0, 80)}`, response.status, false, { cause: error });
    }
  }

  /** The Authorization header, the secret read once (again after a failed read). */
  private authorization(): Promise<string | undefined> {
    const auth = this.options.auth;
    if (!auth) return Promise.resolve(undefined);
    this.authHeader ??= (async () => {
      const credentials = 'value' in auth ? auth.value : await this.readSecret(auth.secretArn);
      const header = authorization(credentials);
      if (!header) throw new TracesBackendError(`the traces credentials ${'value' in auth ? 'in APOLLO_TRACES_AUTH' : `in ${auth.secretArn}`} are not "bearer <token>", "basic <user>:<password>" or JSON {"token"} / {"username","password"}`, undefined, false);
      return header;
    })();
    this.authHeader.catch(() => { this.authHeader = undefined; });
    return this.authHeader;
  }

  private async readSecret(arn: string): Promise<string> {
    // Loaded only when a secret is configured: telemetry-config.ts reads this module at every cold start.
    const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
    const client = this.options.secrets ?? new SecretsManagerClient({});
    const answer = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    if (!answer.SecretString) throw new TracesBackendError(`the secret ${arn} has no SecretString`, undefined, false);
    return answer.SecretString;
  }
}

/** The W3C form (32 hex, lower case) of a trace id given in either form; undefined for anything else. */
export function w3cTraceId(traceId: string): string | undefined {
  const xray = /^1-([0-9a-f]{8})-([0-9a-f]{24})$/i.exec(traceId);
  const hex = xray ? `${xray[1]}${xray[2]}` : traceId;
  return /^[0-9a-f]{16,32}$/i.test(hex) ? hex.toLowerCase().padStart(32, '0') : undefined;
}
