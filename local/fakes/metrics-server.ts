/**
 * LOCAL DEMO METRICS: a loopback server speaking enough of the Prometheus HTTP query API (PROTOCOLS.md
 * "Prometheus / AMP query API") for functions/deployments/adapters/prometheus.ts — never deployed, every
 * answer carries `X-Apollo-Fake: LOCAL DEMO METRICS`. There is no time series database: each service,
 * environment and version has made-up, deterministic traffic (a few requests per second, 0.1–0.5 % errors,
 * a p99 of 80–300 ms, with a little noise per minute), and a local-only control moves a service's error
 * rate (and p99) in one environment up, or back to normal, from a moment on.
 *
 * `GET|POST /api/v1/query` (`query`, `time` as unix seconds or RFC 3339; POST as a form) answers the adapter's
 * three default queries — `increase(http_requests_total{…}[Ns])`, the 5xx ratio of `rate(…)` and
 * `histogram_quantile(0.99, … http_request_duration_seconds_bucket{…} …)` (`* 1000` for ms) — as a one-sample
 * vector `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[<t>,"<v>"]}]}}`,
 * reading the matchers `service="…"`, `environment="…"` and `version=~"…"` (an escaped literal names one
 * version; `.*` all of them, whose traffic is the service's). Anything else: 400 `bad_data`, as Prometheus
 * answers a query it cannot parse. With `sigv4` set it checks each request's SigV4 signature as Amazon
 * Managed Prometheus would (403 otherwise), for the adapter's tests.
 *
 * The control (no credentials; the local runtime also serves it to the web app on loopback under
 * `/local/demo-metrics`, local/web.ts):
 * - `GET /_state[?service=<id>]`: per environment the running version, its last minute's figures, the
 *   baseline and what was pushed; the presets; the recent changes;
 * - `POST /_control` with JSON `{"service","environment","errorRate": 0..1, "p99Ms"?, "reason"?}` (push),
 *   `{"service","environment","normal": true}` (back to normal) or `{"preset": "core-service-error-spike"}`.
 *
 * Every change is kept with its time (and in `<home>/demo-metrics.json` when the runtime has a home): a query
 * over a range before a push reads the old figures, so canary analysis compares a new version with the
 * numbers from before the deploy. A range across a change reads the time-weighted error rate and the p99
 * of the slowest part that covers at least 1 % of it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';
import { LOCAL_DEMO_METRICS_LABEL, METRICS_DEMO_ENV, METRICS_ENV, PROMETHEUS_URL_ENV } from '#functions/deployments/adapters/metrics';

export const DEMO_METRICS_LABEL = LOCAL_DEMO_METRICS_LABEL;
/** The port the local runtime's demo metrics server listens on (unset or 0: a free one). */
export const METRICS_FAKE_PORT_ENV = 'APOLLO_METRICS_FAKE_PORT';
const HISTORY_LIMIT = 500;
const MAX_BODY = 64 * 1024;
/** The window `GET /_state` reports "now" over. */
const STATE_WINDOW_S = 60;

/** Whether a change applies to a query of this version (a query of every version counts every change). */
const applies = (change: DemoMetricsChange, version: string | undefined): boolean => !change.version || !version || change.version === version;

export interface DemoMetricsChange {
  readonly at: string;
  readonly service: string;
  readonly environment: string;
  /** The pushed error rate, 0..1; null: the baseline again. */
  readonly errorRate: number | null;
  /** The pushed p99 in ms; null: the baseline. */
  readonly p99Ms: number | null;
  /** Only this version's traffic (the one being deployed: its canary fails, the version rolled back to is fine); unset: every version. */
  readonly version?: string;
  readonly reason?: string;
}

export interface DemoFigures {
  readonly requests: number;
  readonly errorRate: number;
  readonly p99Ms: number;
}

export interface DemoTarget {
  readonly service: string;
  readonly environment: string;
  /** The version running there now (its image tag), when known. */
  readonly version?: string;
}

export interface DemoPreset {
  readonly id: string;
  readonly title: string;
  readonly service: string;
  readonly environment: string;
  readonly errorRate: number;
  readonly p99Ms: number;
  readonly reason: string;
}

/** The design doc's Appendix B: core-service in production, its connection pool exhausted, 2.3 % errors (threshold 1 %). */
export const PRESETS: readonly DemoPreset[] = [{
  id: 'core-service-error-spike',
  title: 'core-service error spike (Appendix B)',
  service: 'core-service',
  environment: 'prod',
  errorRate: 0.023,
  p99Ms: 1_450,
  reason: 'Appendix B: HikariCP connection pool exhausted (requests time out waiting for a connection)',
}];

export interface DemoMetricsOptions {
  /** Where the changes are kept across restarts; unset: memory only. */
  readonly stateFile?: string;
  /** The services' environments and their running versions, for `GET /_state`. */
  readonly targets?: () => readonly DemoTarget[];
  /** Requests must be SigV4-signed with these credentials (Amazon Managed Prometheus's behaviour). */
  readonly sigv4?: { readonly region: string; readonly service?: string; readonly credentials: AwsCredentialIdentity };
  readonly now?: () => number;
  readonly host?: string;
  /** @default 0 (a free port) */
  readonly port?: number;
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

const promError = (status: number, errorType: string, error: string): Answer => ({ status, body: { status: 'error', errorType, error } });

/** 0..1 from a string, the same for the same string. */
function unit(...parts: readonly (string | number)[]): number {
  return createHash('sha256').update(parts.join('\u0000')).digest().readUInt32BE(0) / 0xffff_ffff;
}

export class DemoMetricsServer {
  url = '';
  /** The PromQL of every query answered, in order (tests). */
  readonly queries: string[] = [];
  private changeLog: DemoMetricsChange[] = [];
  private server!: Server;
  private readonly now: () => number;

  private constructor(private readonly options: DemoMetricsOptions) {
    this.now = options.now ?? Date.now;
    this.load();
  }

  static async start(options: DemoMetricsOptions = {}): Promise<DemoMetricsServer> {
    const fake = new DemoMetricsServer(options);
    fake.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY) chunks.push(chunk);
      });
      req.on('end', () => {
        if (size > MAX_BODY) {
          send(res, { status: 413, body: { message: 'request body too large' } });
          return;
        }
        fake.handle(req, Buffer.concat(chunks).toString('utf8')).then((answer) => send(res, answer), (failure: unknown) => {
          console.error('[demo-metrics] request failed:', failure);
          if (!res.headersSent) send(res, promError(500, 'internal', 'internal error'));
        });
      });
    });
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    fake.url = `http://${options.host ?? '127.0.0.1'}:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ---------------------------------------------------------------- the made-up traffic

  /** The figures without any push: per service, environment and version, the same on every start. */
  baseline(service: string, environment: string, version?: string): { rps: number; errorRate: number; p99Ms: number } {
    const key = [service, environment, version ?? '*'];
    const rps = 2 + unit(...key, 'rps') * 4;
    const errorRate = 0.001 + unit(...key, 'errors') * 0.004;
    const p99Ms = 80 + unit(...key, 'p99') * 220;
    // All versions together: as busy as the service, errors and latency those of the service's baseline.
    return { rps: version ? rps : rps * 1.5, errorRate, p99Ms };
  }

  /** The figures over [fromMs, toMs], pushes included (what a query over that range reads). */
  figures(service: string, environment: string, version: string | undefined, fromMs: number, toMs: number): DemoFigures {
    const base = this.baseline(service, environment, version);
    const seconds = Math.max(0, (toMs - fromMs) / 1000);
    // A little noise per minute (of the range's end): the same query answers the same.
    const minute = Math.floor(toMs / 60_000);
    const noise = (what: string, spread: number) => 1 - spread + 2 * spread * unit(service, environment, version ?? '*', what, minute);
    const normal = { errorRate: base.errorRate * noise('errors', 0.15), p99Ms: base.p99Ms * noise('p99', 0.1) };
    const segments = this.segments(service, environment, version, fromMs, toMs);
    const total = segments.reduce((sum, s) => sum + s.ms, 0) || 1;
    let errors = 0;
    let p99Ms = 0;
    for (const s of segments) {
      const errorRate = s.change?.errorRate ?? normal.errorRate;
      const p99 = s.change?.p99Ms ?? normal.p99Ms;
      errors += errorRate * s.ms;
      if (s.ms >= total * 0.01 || segments.length === 1) p99Ms = Math.max(p99Ms, p99);
    }
    return {
      requests: Math.round(base.rps * noise('rps', 0.05) * seconds),
      errorRate: round(errors / total, 6),
      p99Ms: round(p99Ms, 1),
    };
  }

  /** [from, to] split at the changes of service+environment, each part with the change in force. */
  private segments(service: string, environment: string, version: string | undefined, fromMs: number, toMs: number): Array<{ ms: number; change: DemoMetricsChange | undefined }> {
    const changes = this.changeLog.filter((c) => c.service === service && c.environment === environment && applies(c, version));
    const inForce = (t: number) => {
      let current: DemoMetricsChange | undefined;
      for (const c of changes) if (Date.parse(c.at) <= t) current = c;
      return current;
    };
    const cuts = [fromMs, ...changes.map((c) => Date.parse(c.at)).filter((t) => t > fromMs && t < toMs), toMs];
    const parts: Array<{ ms: number; change: DemoMetricsChange | undefined }> = [];
    for (let i = 0; i + 1 < cuts.length; i++) parts.push({ ms: cuts[i + 1]! - cuts[i]!, change: inForce(cuts[i]!) });
    return parts.length ? parts : [{ ms: 0, change: inForce(toMs) }];
  }

  // ---------------------------------------------------------------- the control

  /** Pushes service+environment's error rate (and p99) to these figures from now on. */
  push(change: { service: string; environment: string; version?: string; errorRate: number; p99Ms?: number | null; reason?: string }): DemoMetricsChange {
    const current = this.current(change.service, change.environment, change.version);
    return this.record({
      service: change.service,
      environment: change.environment,
      ...(change.version ? { version: change.version } : {}),
      errorRate: change.errorRate,
      p99Ms: change.p99Ms === undefined ? current?.p99Ms ?? null : change.p99Ms,
      ...(change.reason ? { reason: change.reason } : {}),
    });
  }

  /** Back to the baseline from now on. */
  normal(service: string, environment: string): DemoMetricsChange {
    return this.record({ service, environment, errorRate: null, p99Ms: null, reason: 'back to normal' });
  }

  applyPreset(id: string): DemoMetricsChange {
    const preset = PRESETS.find((p) => p.id === id);
    if (!preset) throw new RangeError(`no preset ${id} (there are ${PRESETS.map((p) => p.id).join(', ')})`);
    return this.push(preset);
  }

  /** Every change, oldest first. */
  changes(): readonly DemoMetricsChange[] {
    return this.changeLog;
  }

  /** What is pushed on service+environment now (undefined or nulls: normal). */
  current(service: string, environment: string, version?: string): DemoMetricsChange | undefined {
    return this.changeLog.findLast((c) => c.service === service && c.environment === environment && applies(c, version) && Date.parse(c.at) <= this.now());
  }

  /** What `GET /_state` (and the web app's local control) shows. */
  state(service?: string) {
    const now = this.now();
    const targets = (this.options.targets?.() ?? []).filter((t) => !service || t.service === service);
    const known = new Set(targets.map((t) => `${t.service}\u0000${t.environment}`));
    // Pushed environments the targets do not list still show (a service without a GitOps app).
    for (const c of this.changeLog) {
      if ((!service || c.service === service) && !known.has(`${c.service}\u0000${c.environment}`)) {
        known.add(`${c.service}\u0000${c.environment}`);
        targets.push({ service: c.service, environment: c.environment });
      }
    }
    return {
      label: DEMO_METRICS_LABEL,
      url: this.url,
      windowSeconds: STATE_WINDOW_S,
      at: new Date(now).toISOString(),
      environments: targets.map((t) => {
        const pushed = this.current(t.service, t.environment, t.version);
        const base = this.baseline(t.service, t.environment, t.version);
        return {
          service: t.service,
          environment: t.environment,
          version: t.version ?? null,
          now: this.figures(t.service, t.environment, t.version, now - STATE_WINDOW_S * 1000, now),
          baseline: { errorRate: round(base.errorRate, 6), p99Ms: round(base.p99Ms, 1) },
          pushed: pushed && (pushed.errorRate !== null || pushed.p99Ms !== null) ? pushed : null,
        };
      }),
      presets: PRESETS.filter((p) => !service || p.service === service),
      changes: this.changeLog.filter((c) => !service || c.service === service).slice(-20),
    };
  }

  /**
   * The control's routes, relative: `GET /_state` and `POST /_control` (also what local/web.ts answers
   * under /local/demo-metrics). Errors are `{message}` with 400 or 404.
   */
  control(method: string, path: string, query: URLSearchParams, body: string): Answer | undefined {
    if (path === '/_state' && method === 'GET') return { status: 200, body: this.state(query.get('service') ?? undefined) };
    if (path !== '/_control') return undefined;
    if (method !== 'POST') return { status: 405, body: { message: 'POST /_control' } };
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(body || '{}') as Record<string, unknown>;
    } catch {
      return { status: 400, body: { message: 'the body must be JSON' } };
    }
    if (typeof input !== 'object' || input === null) return { status: 400, body: { message: 'the body must be a JSON object' } };
    if (typeof input.preset === 'string') {
      if (!PRESETS.some((p) => p.id === input.preset)) return { status: 404, body: { message: `no preset ${input.preset} (there are ${PRESETS.map((p) => p.id).join(', ')})` } };
      const change = this.applyPreset(input.preset);
      return { status: 200, body: { change, state: this.state(change.service) } };
    }
    const { service, environment } = input;
    if (typeof service !== 'string' || !service || typeof environment !== 'string' || !environment) {
      return { status: 400, body: { message: 'name the service and environment: {"service","environment","errorRate": 0..1, "p99Ms"?} or {"service","environment","normal": true} or {"preset"}' } };
    }
    if (input.normal === true) {
      const change = this.normal(service, environment);
      return { status: 200, body: { change, state: this.state(service) } };
    }
    const { errorRate, p99Ms, reason, version } = input;
    if (version !== undefined && (typeof version !== 'string' || !version)) return { status: 400, body: { message: 'version must be an image tag (the version whose traffic to push), or left out for every version' } };
    if (typeof errorRate !== 'number' || !(errorRate >= 0 && errorRate <= 1)) return { status: 400, body: { message: 'errorRate must be a fraction from 0 to 1 (0.15 is 15 %)' } };
    if (p99Ms !== undefined && p99Ms !== null && (typeof p99Ms !== 'number' || !(p99Ms > 0 && p99Ms <= 600_000))) return { status: 400, body: { message: 'p99Ms must be milliseconds, from 0 to 600000' } };
    const change = this.push({ service, environment, ...(typeof version === 'string' ? { version } : {}), errorRate, p99Ms: p99Ms as number | null | undefined, ...(typeof reason === 'string' && reason ? { reason: reason.slice(0, 200) } : {}) });
    return { status: 200, body: { change, state: this.state(service) } };
  }

  private record(change: Omit<DemoMetricsChange, 'at'>): DemoMetricsChange {
    const recorded: DemoMetricsChange = { at: new Date(this.now()).toISOString(), ...change };
    this.changeLog.push(recorded);
    if (this.changeLog.length > HISTORY_LIMIT) this.changeLog = this.changeLog.slice(-HISTORY_LIMIT);
    this.save();
    return recorded;
  }

  // ---------------------------------------------------------------- the Prometheus API

  private async handle(req: IncomingMessage, body: string): Promise<Answer> {
    const url = new URL(req.url ?? '/', 'http://demo-metrics.local');
    const method = req.method ?? 'GET';
    const control = this.control(method, url.pathname, url.searchParams, body);
    if (control) return control;
    if (url.pathname === '/' && method === 'GET') return { status: 200, body: { label: DEMO_METRICS_LABEL, api: 'GET /api/v1/query?query=…&time=…', control: 'GET /_state?service=…, POST /_control', state: this.state() } };
    if (url.pathname !== '/api/v1/query') return { status: 404, body: { message: `${DEMO_METRICS_LABEL} serves /api/v1/query, /_state and /_control only` } };
    if (method !== 'GET' && method !== 'POST') return promError(405, 'bad_data', `method ${method} not allowed`);
    if (this.options.sigv4) {
      const refused = await this.verifySignature(req, url);
      if (refused) return refused;
    }
    const params = new URLSearchParams(url.search);
    if (method === 'POST' && (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      for (const [k, v] of new URLSearchParams(body)) params.set(k, v);
    }
    const promql = params.get('query');
    if (!promql) return promError(400, 'bad_data', 'invalid parameter "query": query is required');
    const time = parseTime(params.get('time'), this.now());
    if (time === undefined) return promError(400, 'bad_data', `invalid parameter "time": cannot parse "${params.get('time')}" to a valid timestamp`);
    this.queries.push(promql);
    const parsed = parseQuery(promql);
    if ('error' in parsed) return promError(400, 'bad_data', `${DEMO_METRICS_LABEL}: ${parsed.error}`);
    const figures = this.figures(parsed.service, parsed.environment, parsed.version, time - parsed.rangeSeconds * 1000, time);
    const value = parsed.figure === 'requests' ? figures.requests
      : parsed.figure === 'requestRate' ? figures.requests / parsed.rangeSeconds
        : parsed.figure === 'errorRate' ? (figures.requests > 0 ? figures.errorRate : Number.NaN)
          : figures.requests > 0 ? figures.p99Ms / (parsed.milliseconds ? 1 : 1000) : Number.NaN;
    return { status: 200, body: { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [time / 1000, promFloat(value)] }] } } };
  }

  /** Re-signs the request with the expected credentials at its own date and compares signatures. */
  private async verifySignature(req: IncomingMessage, url: URL): Promise<Answer | undefined> {
    const sigv4 = this.options.sigv4!;
    const denied = (why: string): Answer => ({ status: 403, body: { message: why } });
    const auth = req.headers.authorization ?? '';
    const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
    if (!match) return denied('Missing Authentication Token');
    const [, keyId, , region, service, signedHeaders, signature] = match;
    if (keyId !== sigv4.credentials.accessKeyId) return denied('The security token included in the request is invalid.');
    if (region !== sigv4.region || service !== (sigv4.service ?? 'aps')) return denied(`Credential should be scoped to a valid region and service ${sigv4.service ?? 'aps'}`);
    const amzDate = String(req.headers['x-amz-date'] ?? '');
    const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
    if (!date) return denied('missing X-Amz-Date');
    const signingDate = new Date(Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]), Number(date[4]), Number(date[5]), Number(date[6])));
    const headers: Record<string, string> = {};
    for (const name of signedHeaders!.split(';')) headers[name] = String(req.headers[name] ?? '');
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    const signer = new SignatureV4({ service: service!, region: region!, sha256: Sha256, credentials: sigv4.credentials });
    const expected = await signer.sign(new HttpRequest({ method: req.method ?? 'GET', protocol: 'http:', hostname: url.hostname, path: url.pathname, query, headers }), { signingDate });
    const expectedSignature = /Signature=([0-9a-f]{64})/.exec(expected.headers.authorization ?? '')?.[1] ?? '';
    if (!signaturesMatch(expectedSignature, signature!)) return denied('The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.');
    return undefined;
  }

  // ---------------------------------------------------------------- keeping the changes

  private load(): void {
    if (!this.options.stateFile) return;
    let text: string;
    try {
      text = readFileSync(this.options.stateFile, 'utf8');
    } catch {
      return;
    }
    const state = JSON.parse(text) as { changes?: DemoMetricsChange[] };
    this.changeLog = (state.changes ?? []).filter((c) => typeof c.at === 'string' && typeof c.service === 'string' && typeof c.environment === 'string');
  }

  private save(): void {
    const file = this.options.stateFile;
    if (!file) return;
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify({ changes: this.changeLog }, null, 1), { mode: 0o600 });
    renameSync(temp, file);
  }
}

const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;

/** Prometheus's sample value: a string, `NaN` and `+Inf`/`-Inf` as Go writes them. */
function promFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  return String(value);
}

function parseTime(raw: string | null, now: number): number | undefined {
  if (raw === null || raw === '') return now;
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Math.round(Number(raw) * 1000);
  const t = Date.parse(raw);
  return Number.isNaN(t) ? undefined : t;
}

type Figure = 'requests' | 'requestRate' | 'errorRate' | 'p99';

interface ParsedQuery {
  readonly figure: Figure;
  readonly service: string;
  readonly environment: string;
  readonly version: string | undefined;
  readonly rangeSeconds: number;
  readonly milliseconds: boolean;
}

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400 };

/** Reads the parts of the adapter's PromQL the demo answers; an error says what it understands. */
export function parseQuery(promql: string): ParsedQuery | { error: string } {
  const understood = 'it answers increase(http_requests_total{…}[range]), the 5xx ratio of rate(http_requests_total{…}[range]) and histogram_quantile(0.99, … http_request_duration_seconds_bucket{…}[range] …), with service="…", environment="…" and version=~"…"';
  const selector = /(http_requests_total|http_request_duration_seconds_bucket)\s*\{([^}]*)\}\s*\[(\d+(?:\.\d+)?)(ms|s|m|h|d)\]/.exec(promql);
  if (!selector) return { error: `cannot read "${promql.slice(0, 120)}": ${understood}` };
  const labels = new Map<string, { op: string; value: string }>();
  for (const m of selector[2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)) {
    labels.set(m[1]!, { op: m[2]!, value: m[3]!.replace(/\\(.)/g, '$1') });
  }
  const service = labels.get('service');
  const environment = labels.get('environment');
  if (service?.op !== '=' || environment?.op !== '=') return { error: `name service="…" and environment="…" exactly: ${understood}` };
  const version = labels.get('version');
  let named: string | undefined;
  if (version && version.op === '=') named = version.value;
  else if (version && version.op === '=~' && version.value !== '.*' && version.value !== '.+') {
    // An escaped literal (the adapter escapes the tag's metacharacters) names one version.
    if (/(^|[^\\])[.*+?^${}()|[\]]/.test(version.value)) return { error: `version=~"${version.value}" is a pattern; the demo knows one version (an escaped literal) or all (.*)` };
    named = version.value.replace(/\\(.)/g, '$1');
  } else if (version && version.op !== '=~') return { error: `version${version.op}"…" is not understood: ${understood}` };
  const rangeSeconds = Number(selector[3]) * UNIT_SECONDS[selector[4]!]!;
  if (!(rangeSeconds > 0)) return { error: 'the range must be longer than 0' };
  const base = { service: service.value, environment: environment.value, version: named, rangeSeconds };
  const quantile = /histogram_quantile\(\s*([0-9.]+)\s*,/.exec(promql);
  if (quantile) {
    if (selector[1] !== 'http_request_duration_seconds_bucket') return { error: `histogram_quantile reads http_request_duration_seconds_bucket: ${understood}` };
    if (Number(quantile[1]) !== 0.99) return { error: `the demo knows the 0.99 quantile only, not ${quantile[1]}` };
    return { ...base, figure: 'p99', milliseconds: /\*\s*1000\s*$/.test(promql.trim()) };
  }
  if (selector[1] !== 'http_requests_total') return { error: understood };
  if (/code\s*=~\s*"5\.\."/.test(promql) && promql.includes('/')) return { ...base, figure: 'errorRate', milliseconds: false };
  if (/\bincrease\(/.test(promql)) return { ...base, figure: 'requests', milliseconds: false };
  if (/\brate\(/.test(promql)) return { ...base, figure: 'requestRate', milliseconds: false };
  return { error: understood };
}

function send(res: ServerResponse, answer: Answer): void {
  const text = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'x-apollo-fake': DEMO_METRICS_LABEL,
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

// ---------------------------------------------------------------- the local runtime's demo metrics

/**
 * Starts the local runtime's demo metrics server and points the deployments' Prometheus adapter at it
 * (APOLLO_METRICS=prometheus, APOLLO_PROMETHEUS_URL, and APOLLO_METRICS_DEMO so its kind says so), unless
 * APOLLO_METRICS already names a real source; on APOLLO_METRICS_FAKE_PORT when set. The changes are kept in
 * `<home>/demo-metrics.json`.
 */
export async function startLocalMetrics(home: string | undefined, targets?: () => readonly DemoTarget[]): Promise<DemoMetricsServer | undefined> {
  if (process.env[METRICS_ENV] && !process.env[METRICS_DEMO_ENV]) return undefined;
  const port = Number(process.env[METRICS_FAKE_PORT_ENV] || 0);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`${METRICS_FAKE_PORT_ENV} must be a port number (0-65535), not ${process.env[METRICS_FAKE_PORT_ENV]}`);
  const fake = await DemoMetricsServer.start({ port, ...(home ? { stateFile: join(home, 'demo-metrics.json') } : {}), ...(targets ? { targets } : {}) });
  process.env[METRICS_ENV] = 'prometheus';
  process.env[PROMETHEUS_URL_ENV] = fake.url;
  process.env[METRICS_DEMO_ENV] = '1';
  return fake;
}

/** The terminal's line about it. */
export function localMetricsBanner(fake: DemoMetricsServer): string {
  return `Canary metrics: ${DEMO_METRICS_LABEL} (Prometheus API) at ${fake.url} (${PROMETHEUS_URL_ENV}; made-up traffic per service, environment and version); push a service's error rate up from its page in the web app ("Local demo only"), or POST ${fake.url}/_control`;
}

const signaturesMatch = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
