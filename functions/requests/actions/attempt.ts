/**
 * What the REST and webhook executors share for one attempt: the injectable dependencies, rendering
 * the action's config twice (execute mode for the call, preview mode for the recorded input), the
 * set of secret values that must never show (scrubbed from the input, the logs and the error), the
 * guarded exchange (egress guard → circuit breaker → the call) and the result.
 */
import { randomUUID } from 'node:crypto';
import { findVariables, MASK, render, type VariableContext, type VariableIssue } from '#shared/variables/index';
import type { ActionLogLine, ActionLogSeverity, ActionResult, ActionRun, IntegrationSecrets } from './ports.ts';
import { CircuitOpenError, integrationBreakers, type IntegrationBreakers } from './breaker.ts';
import { networkError } from '#lib/network-errors';
import { MAX_RESPONSE_BYTES, nodeFetch, ResponseTooLargeError, retryAfterMs, type HttpFetch, type HttpResponse } from './http.ts';
import { egressAllowFromEnv, EgressRefusedError, HostLookupError, systemResolve, vetUrl, type EgressAllowlist, type Resolve, type VettedTarget } from './ssrf.ts';
import type { OAuthTokenCache } from './oauth2.ts';

/** What an executor needs from outside; everything but `secrets` has a production default. */
export interface ExecutorDeps {
  readonly secrets: IntegrationSecrets;
  /** The HTTP exchange (default: node:http(s) pinned to the vetted address). */
  readonly fetch?: HttpFetch;
  /** DNS (default: the system resolver, every address). */
  readonly resolve?: Resolve;
  /** Egress allowlist (default: APOLLO_EGRESS_ALLOW). */
  readonly allow?: EgressAllowlist;
  /** Circuit breakers (default: the container's). */
  readonly breakers?: IntegrationBreakers;
  /** OAuth access tokens (default: the container's). */
  readonly tokens?: OAuthTokenCache;
  /** The clock for webhook timestamps and token expiry (default Date.now). */
  readonly now?: () => number;
  readonly maxResponseBytes?: number;
}

/** A failure an attempt ends with: thrown inside an executor, turned into the result by `Attempt.fail`. */
export class ActionFailure extends Error {
  override readonly name = 'ActionFailure';
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    readonly extra: { readonly status?: number; readonly retryAfterMs?: number } = {},
  ) {
    super(message);
  }
}

/** Headers whose values are credentials: always recorded as MASK. */
const SECRET_HEADER = /(authorization|cookie|api[-_]?key|token|secret|signature|password|passwd|credential)/i;

const MIN_SCRUB_LENGTH = 4;

export class Attempt {
  readonly started = performance.now();
  readonly logs: ActionLogLine[] = [];
  /** The attempt's time limit; covers DNS, the OAuth token and the call. */
  readonly signal: AbortSignal;
  readonly fetch: HttpFetch;
  readonly now: () => number;
  input: Record<string, unknown> = {};
  private readonly secretValues = new Set<string>();
  /** Header names (lower case) masked in the input besides the usual credential names. */
  readonly maskedHeaders = new Set<string>();

  constructor(readonly run: ActionRun, readonly deps: ExecutorDeps) {
    this.signal = AbortSignal.timeout(Math.max(1, run.timeoutMs));
    this.fetch = deps.fetch ?? nodeFetch;
    this.now = deps.now ?? Date.now;
    const { fields, secretFields } = run.variables;
    for (const id of secretFields ?? []) this.addSecret(fields?.[id]);
    for (const [actionId, names] of Object.entries(run.sensitiveOutputs ?? {})) {
      for (const name of names) this.addSecret(run.variables.output?.[actionId]?.[name]);
    }
  }

  /** A value that must not show in the input, the logs or an error message (also URL-encoded, JSON-escaped and in Basic credentials). */
  addSecret(value: unknown): void {
    if (typeof value === 'number') value = String(value);
    if (typeof value !== 'string' || value.length < MIN_SCRUB_LENGTH) return;
    this.secretValues.add(value);
    this.secretValues.add(encodeURIComponent(value));
    this.secretValues.add(JSON.stringify(value).slice(1, -1));
  }

  scrub(text: string): string {
    let out = text;
    for (const secret of [...this.secretValues].sort((a, b) => b.length - a.length)) {
      if (secret.length >= MIN_SCRUB_LENGTH && out.includes(secret)) out = out.split(secret).join(MASK);
    }
    return out;
  }

  private scrubValue(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.scrub(value);
    if (depth > 64 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v) => this.scrubValue(v, depth + 1));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.scrubValue(v, depth + 1)]));
  }

  log(severity: ActionLogSeverity, message: string): void {
    this.logs.push({ severity, message });
  }

  /** Headers as recorded: credentials shown as MASK. */
  maskHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
    return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, SECRET_HEADER.test(name) || this.maskedHeaders.has(name.toLowerCase()) ? MASK : value]));
  }

  /**
   * Renders a config for the record (`preview`: secrets as placeholders, secret fields masked) and for
   * the call (`execute()`, which throws the template failure, not retryable, naming each variable). A
   * secret store that fails is a retryable failure.
   */
  async render<T>(config: T): Promise<{ preview: T; execute: () => T }> {
    const names = [...new Set(findVariables(config).filter((v) => v.scope === 'secrets' && v.key).map((v) => v.key))];
    const values = new Map<string, string>();
    try {
      await Promise.all(names.map(async (name) => {
        const value = await this.deps.secrets.get(name);
        if (value !== undefined) values.set(name, value);
      }));
    } catch (error) {
      throw new ActionFailure('secrets-unavailable', `the integration secrets could not be read from ${this.deps.secrets.kind}: ${(error as Error).message}`, true);
    }
    for (const value of values.values()) this.addSecret(value);
    // One clock and one uuid for both renders, so the record shows what was sent.
    const id = randomUUID();
    const system = { ...this.run.variables.system, now: this.run.variables.system?.now ?? new Date(this.now()), uuid: this.run.variables.system?.uuid ?? (() => id) };
    const base: VariableContext = { ...this.run.variables, system };
    const preview = render(config, base, { mode: 'preview' });
    const executed = render(config, { ...base, secrets: (name) => values.get(name) }, { mode: 'execute' });
    return {
      preview: preview.value as T,
      execute: () => {
        if (executed.errors.length > 0) throw new ActionFailure('template', templateMessage(executed.errors), false);
        return executed.value as T;
      },
    };
  }

  /** Checks a URL against the egress guard, within the attempt's time. */
  async vet(url: string): Promise<VettedTarget> {
    try {
      return await raceSignal(vetUrl(url, { resolve: this.deps.resolve ?? systemResolve, allow: this.deps.allow ?? egressAllowFromEnv() }), this.signal);
    } catch (error) {
      if (error instanceof EgressRefusedError) throw new ActionFailure('egress-refused', error.message, false);
      if (error instanceof HostLookupError) throw new ActionFailure('network', error.message, true);
      throw this.transportFailure(error);
    }
  }

  /**
   * One exchange through the origin's circuit breaker. Answers the response whatever its status;
   * throws ActionFailure for a network error, a timeout, a response over the cap or an open circuit.
   */
  async exchange(target: VettedTarget, method: string, headers: Record<string, string>, body: string | undefined): Promise<HttpResponse> {
    const breakers = this.deps.breakers ?? integrationBreakers;
    type Outcome = { ok: true; response: HttpResponse } | { ok: false; failure: ActionFailure };
    let outcome: Outcome;
    try {
      outcome = await breakers.run<Outcome>(target.url.origin, async () => {
        try {
          const response = await this.fetch({
            method, url: target.url, address: target.address, family: target.family, headers, body, signal: this.signal,
            maxResponseBytes: this.deps.maxResponseBytes ?? MAX_RESPONSE_BYTES,
          });
          return { ok: true, response };
        } catch (error) {
          return { ok: false, failure: this.transportFailure(error) };
        }
      }, (o) => (o.ok ? retryableStatus(o.response.status) : o.failure.retryable));
    } catch (error) {
      if (error instanceof CircuitOpenError) {
        throw new ActionFailure('circuit-open', error.message, true, { retryAfterMs: Math.max(0, error.closesAt.getTime() - Date.now()) });
      }
      throw error;
    }
    if (!outcome.ok) throw outcome.failure;
    return outcome.response;
  }

  private transportFailure(error: unknown): ActionFailure {
    if (error instanceof ActionFailure) return error;
    if (this.signal.aborted) return new ActionFailure('timeout', `no answer within ${formatMs(this.run.timeoutMs)} (the action's timeout)`, true);
    if (error instanceof ResponseTooLargeError) return new ActionFailure('response-too-large', error.message, false);
    return new ActionFailure('network', networkError(error), true);
  }

  /** An HTTP answer that is not a success, as a failure: retryable for 408/425/429/5xx, with Retry-After when given. */
  statusFailure(what: string, response: HttpResponse): ActionFailure {
    const { status } = response;
    const retryable = retryableStatus(status);
    const wait = retryable ? retryAfterMs(response.headers['retry-after']) : undefined;
    const snippet = bodySnippet(response.body);
    const after = wait === undefined ? '' : `; retry after ${Math.ceil(wait / 1000)} s (Retry-After)`;
    return new ActionFailure('http-status', `${what} answered ${status}${snippet ? `: ${snippet}` : ''}${after}`, retryable, { status, retryAfterMs: wait });
  }

  fail(failure: unknown, status?: number): ActionResult {
    const f = failure instanceof ActionFailure ? failure : new ActionFailure('internal', 'the action could not be run (internal error)', true);
    if (!(failure instanceof ActionFailure)) this.log('error', `internal error: ${(failure as Error)?.message ?? String(failure)}`);
    const message = this.scrub(f.message);
    this.log('error', message);
    return this.result({
      outcome: 'failed', retryable: f.retryable, outputs: {}, sensitive: [],
      status: f.extra.status ?? status, error: { code: f.code, message }, retryAfterMs: f.extra.retryAfterMs,
    });
  }

  succeed(outputs: Record<string, unknown>, sensitive: readonly string[], status: number): ActionResult {
    return this.result({ outcome: 'succeeded', retryable: false, outputs, sensitive, status });
  }

  private result(partial: Omit<ActionResult, 'input' | 'logs' | 'durationMs'>): ActionResult {
    const clean = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Omit<ActionResult, 'input' | 'logs' | 'durationMs'>;
    return {
      ...clean,
      input: this.scrubValue(this.input) as Record<string, unknown>,
      durationMs: Math.round(performance.now() - this.started),
      logs: this.logs.map((line) => ({ severity: line.severity, message: this.scrub(line.message) })),
    };
  }
}

export const retryableStatus = (status: number): boolean => status === 408 || status === 425 || status === 429 || status >= 500;

/** Sets a header, replacing one of the same name in any case (so a template's header cannot double ours). */
export function setHeader(headers: Record<string, string>, name: string, value: string): void {
  const wanted = name.toLowerCase();
  for (const key of Object.keys(headers)) if (key.toLowerCase() === wanted) delete headers[key];
  headers[name] = value;
}

/** The headers with `extra` set over them (case-insensitively). */
export function withHeaders(headers: Readonly<Record<string, string>>, extra: Readonly<Record<string, string>>): Record<string, string> {
  const out = { ...headers };
  for (const [name, value] of Object.entries(extra)) setHeader(out, name, value);
  return out;
}

export function headerLine(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  return Object.entries(headers).find(([k]) => k.toLowerCase() === wanted)?.[1];
}

/** Rendered header and query values as text; a header value with a line break is refused (it would split the request). */
export function textMap(map: unknown, what: 'header' | 'query parameter'): Record<string, string> {
  const out: Record<string, string> = {};
  if (!map || typeof map !== 'object') return out;
  for (const [key, value] of Object.entries(map as Record<string, unknown>)) {
    if (value === undefined || value === null) continue;
    const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
    if (what === 'header' && /[\r\n\0]/.test(text)) throw new ActionFailure('template', `header ${key} would contain a line break`, false);
    out[key] = text;
  }
  return out;
}

function templateMessage(errors: readonly VariableIssue[]): string {
  const messages = [...new Set(errors.map((e) => (e.where ? `${e.message} (at ${e.where})` : e.message)))];
  return `the action's templates could not be rendered: ${messages.slice(0, 5).join('; ')}${messages.length > 5 ? `; and ${messages.length - 5} more` : ''}`;
}

function bodySnippet(body: Buffer): string {
  const text = body.subarray(0, 600).toString('utf8').replace(/\s+/g, ' ').trim();
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

const formatMs = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);

function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => { signal.removeEventListener('abort', onAbort); resolve(value); },
      (error: unknown) => { signal.removeEventListener('abort', onAbort); reject(error as Error); },
    );
  });
}
