/**
 * LOCAL DEMO METRICS: a loopback server speaking enough of the Prometheus HTTP query API (PROTOCOLS.md
 * "Prometheus / AMP query API") for functions/deployments/adapters/prometheus.ts — never deployed, every
 * answer carries `X-Apollo-Fake: LOCAL DEMO METRICS`. There is no time series database: each service,
 * environment and version has made-up, deterministic traffic (a few requests per second, 0.1–0.5 % errors,
 * a p99 of 80–300 ms, with a little noise per minute), and a local-only control moves a service's error
 * rate (and p99) in one environment up, or back to normal, from a moment on.
 *
 * `GET|POST /api/v1/query` (`query`, `time` as unix seconds or RFC 3339; POST as a form) and `/api/v1/query_range`
 * (`start`, `end`, `step`; at most 11,000 points a series, as Prometheus) parse and evaluate a stated PromQL
 * subset for real (local/fakes/promql.ts: selectors with = != =~ !~, rate, increase, sum by, histogram_quantile,
 * arithmetic, or) over made-up series (DEMO_SERIES): `http_requests_total{service,environment,version?,code}`,
 * `http_request_duration_seconds_bucket{…,le}` whose increases over a range are the figures over that range,
 * and SIMULATED CPU, memory and replicas per service and environment. The canary adapter's default queries read
 * back exactly its figures. What the subset does not read: 400 `bad_data`, as Prometheus answers a query it
 * cannot parse. With `sigv4` set it checks each request's SigV4 signature as Amazon
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
import { DEMO_INCIDENT_MINUTES, inIncident } from '../../functions/observability/adapters/demo-logs.ts';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';
import { evaluate, evaluateRange, matches, parsePromQl, PromQlError, toApiData, type Labels, type Matcher, type SeriesSource } from './promql.ts';
import { LOCAL_DEMO_METRICS_LABEL, METRICS_DEMO_ENV, METRICS_ENV, PROMETHEUS_URL_ENV } from '#functions/deployments/adapters/metrics';

export const DEMO_METRICS_LABEL = LOCAL_DEMO_METRICS_LABEL;
/** The port the local runtime's demo metrics server listens on (unset or 0: a free one). */
export const METRICS_FAKE_PORT_ENV = 'APOLLO_METRICS_FAKE_PORT';
const HISTORY_LIMIT = 500;
const MAX_BODY = 64 * 1024;
/** The window `GET /_state` reports "now" over. */
const STATE_WINDOW_S = 60;
/** The made-up scrape interval of raw samples (a range selector asked for by itself). */
const SCRAPE_MS = 15_000;
/** Prometheus's limit of points per series of a range query. */
const MAX_POINTS = 11_000;
/** Significant digits of an answer's values: the made-up figures carry no more (interpolation's float noise stays out). */
const DIGITS = 12;
/** The latency histogram's bucket bounds in seconds (client libraries' defaults). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** What the demo's PromQL understands (local/fakes/promql.ts; the README lists it too). */
export const PROMQL_SUBSET = 'instant and range selectors with = != =~ !~, rate, increase, sum/avg/min/max/count by|without, histogram_quantile, vector(), + - * / and or between two expressions';
/** The made-up series and their labels. */
export const DEMO_SERIES = {
  http_requests_total: 'counter {service, environment, version?, code: 200|500}',
  http_request_duration_seconds_bucket: 'counter {service, environment, version?, le}',
  http_request_duration_seconds_count: 'counter {service, environment, version?}',
  container_cpu_usage_seconds_total: 'counter {service, environment} (SIMULATED: cores = rate)',
  container_memory_working_set_bytes: 'gauge {service, environment} (SIMULATED)',
  kube_deployment_status_replicas_available: 'gauge {service, environment} (SIMULATED)',
} as const;

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

/**
 * The SIMULATED demo logs' hourly incident (functions/observability/adapters/demo-logs.ts: core-service prod runs
 * out of database connections in minutes 45–59) in the service's metrics too: a range over it reads Appendix B's
 * figures for the part it covers. Only the service's traffic as a whole (no version named: the dashboard's
 * series), never one version's — canary analysis names the version, so a local deploy's canary is decided by
 * what a person pushes, not by the clock.
 */
function blendIncident(service: string, environment: string, version: string | undefined, fromMs: number, toMs: number, normal: { errorRate: number; p99Ms: number }): { errorRate: number; p99Ms: number } {
  if (version !== undefined || !(toMs > fromMs)) return normal;
  let covered = 0;
  for (let hour = Math.floor(fromMs / 3_600_000) * 3_600_000; hour < toMs; hour += 3_600_000) {
    const start = Math.max(fromMs, hour + DEMO_INCIDENT_MINUTES.from * 60_000);
    const end = Math.min(toMs, hour + DEMO_INCIDENT_MINUTES.to * 60_000);
    if (end > start && inIncident(service, environment, start)) covered += end - start;
  }
  const share = covered / (toMs - fromMs);
  if (share <= 0) return normal;
  const spike = PRESETS[0]!;
  return { errorRate: normal.errorRate * (1 - share) + spike.errorRate * share, p99Ms: share >= 0.01 ? Math.max(normal.p99Ms, spike.p99Ms ?? normal.p99Ms) : normal.p99Ms };
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
    const normal = blendIncident(service, environment, version, fromMs, toMs, { errorRate: base.errorRate * noise('errors', 0.15), p99Ms: base.p99Ms * noise('p99', 0.1) });
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
    if (url.pathname === '/' && method === 'GET') return { status: 200, body: { label: DEMO_METRICS_LABEL, api: 'GET|POST /api/v1/query (query, time), /api/v1/query_range (query, start, end, step)', promql: PROMQL_SUBSET, series: DEMO_SERIES, control: 'GET /_state?service=…, POST /_control', state: this.state() } };
    if (url.pathname !== '/api/v1/query' && url.pathname !== '/api/v1/query_range') return { status: 404, body: { message: `${DEMO_METRICS_LABEL} serves /api/v1/query, /api/v1/query_range, /_state and /_control only` } };
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
    this.queries.push(promql);
    const source = this.seriesSource();
    try {
      const expr = parsePromQl(promql);
      if (url.pathname === '/api/v1/query') {
        const time = parseTime(params.get('time'), this.now());
        if (time === undefined) return promError(400, 'bad_data', `invalid parameter "time": cannot parse "${params.get('time')}" to a valid timestamp`);
        return { status: 200, body: { status: 'success', data: toApiData(evaluate(expr, time, source), time, DIGITS) } };
      }
      const start = parseTime(params.get('start') || 'x', 0);
      const end = parseTime(params.get('end') || 'x', 0);
      if (start === undefined) return promError(400, 'bad_data', `invalid parameter "start": cannot parse "${params.get('start') ?? ''}" to a valid timestamp`);
      if (end === undefined) return promError(400, 'bad_data', `invalid parameter "end": cannot parse "${params.get('end') ?? ''}" to a valid timestamp`);
      if (end < start) return promError(400, 'bad_data', 'invalid parameter "end": end timestamp must not be before start time');
      const step = parseStep(params.get('step'));
      if (step === undefined) return promError(400, 'bad_data', `invalid parameter "step": cannot parse "${params.get('step') ?? ''}" to a valid duration`);
      if (!(step > 0)) return promError(400, 'bad_data', 'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer');
      if ((end - start) / step > MAX_POINTS) return promError(400, 'bad_data', 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
      return { status: 200, body: { status: 'success', data: toApiData(evaluateRange(expr, start, end, step, source), end, DIGITS) } };
    } catch (error) {
      if (error instanceof PromQlError) return promError(400, 'bad_data', `${DEMO_METRICS_LABEL}: parse error: ${error.message}`);
      throw error;
    }
  }

  /**
   * The made-up series as the PromQL evaluator reads them (DEMO_SERIES). A service and environment exists
   * when the targets or a push name it, or the query names it exactly; a version exists when the query names
   * one (`version="…"` or an escaped literal `=~`), else the series carry no version label and count every
   * version's traffic. Counters' increases over a range are the figures over that range (pushes included).
   */
  seriesSource(): SeriesSource {
    const figures = (labels: Labels, from: number, to: number) => this.figures(labels.service!, labels.environment!, labels.version, from, to);
    const increase = (labels: Labels, from: number, to: number): number | undefined => {
      if (!(to > from)) return undefined;
      const f = figures(labels, from, to);
      switch (labels.__name__) {
        case 'http_requests_total': return labels.code === '500' ? f.requests * f.errorRate : f.requests * (1 - f.errorRate);
        case 'http_request_duration_seconds_bucket': return f.requests * latencyShare(f.p99Ms / 1000, labels.le === '+Inf' ? Infinity : Number(labels.le));
        case 'http_request_duration_seconds_count': return f.requests;
        case 'container_cpu_usage_seconds_total': return this.simulated(labels.service!, labels.environment!, to).cpuCores * ((to - from) / 1000);
        default: return undefined;
      }
    };
    const valueAt = (labels: Labels, at: number): number | undefined => {
      if (labels.__name__ === 'kube_deployment_status_replicas_available') return this.simulated(labels.service!, labels.environment!, at).replicas;
      if (labels.__name__ === 'container_memory_working_set_bytes') return this.simulated(labels.service!, labels.environment!, at).memoryBytes;
      // A counter's running total: what it counted since the start of its day (a restart of the made-up process).
      return increase(labels, at - (at % 86_400_000), at) ?? 0;
    };
    return {
      select: (matchers, at) => this.selectSeries(matchers, at),
      valueAt,
      increase,
      samples: (labels, from, to) => {
        const points: Array<readonly [number, number]> = [];
        for (let t = Math.floor(from / SCRAPE_MS) * SCRAPE_MS + SCRAPE_MS; t <= to; t += SCRAPE_MS) points.push([t, valueAt(labels, t) ?? 0]);
        return points;
      },
    };
  }

  private selectSeries(matchers: readonly Matcher[], _at: number): Labels[] {
    const exact = (name: string) => matchers.find((m) => m.name === name && m.op === '=')?.value;
    const places = new Map<string, { service: string; environment: string }>();
    const add = (service: string, environment: string) => places.set(`${service}\u0000${environment}`, { service, environment });
    for (const t of this.options.targets?.() ?? []) add(t.service, t.environment);
    for (const c of this.changeLog) add(c.service, c.environment);
    const service = exact('service');
    const environment = exact('environment');
    if (service && environment) add(service, environment);
    const versionMatcher = matchers.find((m) => m.name === 'version');
    let version: string | undefined;
    if (versionMatcher?.op === '=' && versionMatcher.value) version = versionMatcher.value;
    else if (versionMatcher?.op === '=~' && !/(^|[^\\])[.*+?^${}()|[\]]/.test(versionMatcher.value)) version = versionMatcher.value.replace(/\\(.)/g, '$1');
    const out: Labels[] = [];
    for (const place of places.values()) {
      const base = { ...place, ...(version ? { version } : {}) };
      for (const code of ['200', '500']) out.push({ __name__: 'http_requests_total', ...base, code });
      for (const le of [...LATENCY_BUCKETS.map(String), '+Inf']) out.push({ __name__: 'http_request_duration_seconds_bucket', ...base, le });
      out.push({ __name__: 'http_request_duration_seconds_count', ...base });
      for (const name of ['container_cpu_usage_seconds_total', 'container_memory_working_set_bytes', 'kube_deployment_status_replicas_available']) out.push({ __name__: name, ...place });
    }
    return out.filter((labels) => matches(labels, matchers));
  }

  /**
   * SIMULATED CPU, memory and replicas of a service's pods in an environment at `at`: replicas from the
   * service and environment (3-5 in prod, 1-2 elsewhere), CPU and memory per pod from them too, and both
   * rising with the last minute's error rate and p99 (a pool exhausted: threads wait, heaps fill).
   */
  simulated(service: string, environment: string, at: number): { replicas: number; cpuCores: number; memoryBytes: number } {
    const replicas = environment === 'prod' ? 3 + Math.floor(unit(service, environment, 'replicas') * 3) : 1 + Math.floor(unit(service, environment, 'replicas') * 2);
    const now = this.figures(service, environment, undefined, at - STATE_WINDOW_S * 1000, at);
    const base = this.baseline(service, environment);
    const stress = Math.min(3, Math.max(0, now.errorRate - base.errorRate) * 40 + Math.max(0, now.p99Ms / base.p99Ms - 1.5) * 0.2);
    const minute = Math.floor(at / 60_000);
    const cpuPerPod = (0.12 + 0.2 * unit(service, environment, 'cpu')) * (0.95 + 0.1 * unit(service, environment, 'cpu', minute));
    const memoryPerPod = (256 + 256 * unit(service, environment, 'memory')) * 1024 * 1024;
    return { replicas, cpuCores: round(replicas * cpuPerPod * (1 + stress), 4), memoryBytes: Math.round(replicas * memoryPerPod * (1 + stress * 0.15)) };
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

function parseTime(raw: string | null, now: number): number | undefined {
  if (raw === null || raw === '') return now;
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Math.round(Number(raw) * 1000);
  const t = Date.parse(raw);
  return Number.isNaN(t) ? undefined : t;
}

/** Prometheus's step: a float of seconds or a duration (`15s`, `1m`). */
function parseStep(raw: string | null): number | undefined {
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return Math.round(Number(raw) * 1000);
  const parts = [...raw.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== raw) return undefined;
  return parts.reduce((ms, [, n, u]) => ms + Number(n) * UNIT_MS[u!]!, 0);
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };

/**
 * The share of requests at or under `le` seconds when the range's p99 is `p99` seconds: a distribution
 * whose CDF is linear inside the bucket holding the p99 and reaches 1 at that bucket's bound, so Prometheus's
 * interpolation in `histogram_quantile(0.99, …)` reads the p99 back; below it the share falls linearly.
 */
export function latencyShare(p99: number, le: number): number {
  if (le === Infinity) return 1;
  const upper = LATENCY_BUCKETS.find((bound) => bound >= p99) ?? Infinity;
  const lower = [...LATENCY_BUCKETS].reverse().find((bound) => bound < p99) ?? 0;
  // Past the last bound: Prometheus answers the last finite bound (and so does this histogram).
  if (upper === Infinity) return le < lower ? 0.99 * (le / lower) : 0.99;
  if (le > upper) return 1;
  // The p99 on a bound: exactly 0.99 of the requests at or under it.
  const r = (upper - lower) / (p99 - lower);
  const atLower = p99 === upper ? 0.9 : Math.max(0, (0.99 * r - 1) / (r - 1));
  if (le === upper) return p99 === upper ? 0.99 : atLower + (0.99 - atLower) * r;
  return lower > 0 ? atLower * Math.min(1, le / lower) : 0;
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
