/**
 * A LOCAL FAKE OpenCost on loopback, for the costs context in `npm start` and the tests: its own node:http server
 * on a free 127.0.0.1 port, every answer labelled `X-Apollo-Fake: LOCAL FAKE`, speaking the allocation API
 * functions/costs/adapters/opencost.ts reads. Every cluster is served under its own prefix, so each has its own
 * base URL (`clusterUrl(name)` = `<url>/clusters/<name>`):
 *
 * - `GET <cluster>/allocation/compute` and `GET <cluster>/allocation` (OpenCost; idle only with `includeIdle=true`)
 *   and `GET <cluster>/model/allocation` (Kubecost; idle unless `idle=false`) answer
 *   `{ code: 200, status: "success", data: [ { <key>: allocation } per step ] }` for `window` (an RFC3339 or unix
 *   pair, or `<n>d`/`<n>h` ending now), `step` (default the window), `aggregate` (cluster, namespace, controller,
 *   controllerKind; default each workload), `accumulate`, `shareIdle`, `includeAggregatedMetadata` (labels kept).
 * - Costs are OpenCost's default AWS list prices (configs/aws.json: CPU $0.031611/core-hour, RAM $0.004237/GiB-hour,
 *   storage $0.00005479452/GiB-hour) on max(request, usage), as OpenCost charges; `__idle__` is `idleShare` of
 *   each cluster's cost. Only the hours between 15 days ago (Prometheus' default retention, which OpenCost
 *   queries) and now have data: older or future steps are empty sets, the current day is partial.
 * - A workload whose `workload` is '' stands for pods without a controller (`<namespace>/__unallocated__`).
 *
 * Tests make a cluster's next answer fail (`failNext`) or every answer slow (`delay`), and read `requests`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendFakeAnswer, type FakeAnswer } from './fake-http.ts';

export const FAKE_OPENCOST_LABEL = 'LOCAL FAKE';

/** OpenCost's default prices (opencost/opencost configs/aws.json, default.json). */
export const OPENCOST_DEFAULT_PRICES = { cpuCoreHour: 0.031611, ramGiBHour: 0.004237, storageGiBHour: 0.00005479452 } as const;
/** Prometheus' default retention (`--storage.tsdb.retention.time` 15d): older allocations are gone. */
export const FAKE_RETENTION_DAYS = 15;
export const DEFAULT_IDLE_SHARE = 0.22;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const GIB = 1024 ** 3;

export interface FakeOpenCostWorkload {
  readonly namespace: string;
  /** The controller's name; '' for pods without one (OpenCost's `__unallocated__` controller). */
  readonly workload: string;
  /** @default 'deployment' */
  readonly kind?: string;
  /** Cores requested and used (an average). */
  readonly cpuRequest: number;
  readonly cpuUsed: number;
  readonly ramRequestGiB: number;
  readonly ramUsedGiB: number;
  readonly pvGiB?: number;
  /** The pods' labels, as OpenCost reports them (Prometheus-sanitized keys, e.g. `app_kubernetes_io_name`). */
  readonly labels?: Readonly<Record<string, string>>;
}

export interface FakeOpenCostOptions {
  readonly clusters: Readonly<Record<string, readonly FakeOpenCostWorkload[]>>;
  /** The idle cost's share of each cluster's cost (allocated + idle). @default DEFAULT_IDLE_SHARE */
  readonly idleShare?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

export interface FakeOpenCostRequest {
  readonly cluster: string | null;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly authorization: string | null;
}

/** One allocation as OpenCost writes it (the fields the adapter reads, and a few more). */
export interface FakeAllocation {
  name: string;
  properties: Record<string, unknown>;
  window: { start: string; end: string };
  start: string;
  end: string;
  minutes: number;
  cpuCoreRequestAverage: number;
  cpuCoreUsageAverage: number;
  cpuCoreHours: number;
  cpuCost: number;
  cpuEfficiency: number;
  gpuCount: number;
  gpuHours: number;
  gpuCost: number;
  networkCost: number;
  loadBalancerCost: number;
  pvBytes: number;
  pvByteHours: number;
  pvCost: number;
  pvs: Record<string, { byteHours: number; cost: number }> | null;
  ramByteRequestAverage: number;
  ramByteUsageAverage: number;
  ramByteHours: number;
  ramCost: number;
  ramEfficiency: number;
  externalCost: number;
  sharedCost: number;
  totalCost: number;
  totalEfficiency: number;
}

const round5 = (n: number): number => Math.round(n * 100_000) / 100_000;
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

export class FakeOpenCost {
  /** Every request, in order. */
  readonly requests: FakeOpenCostRequest[] = [];
  private readonly failures = new Map<string, FakeAnswer>();
  private readonly delays = new Map<string, number>();
  private readonly now: () => number;
  private readonly idleShare: number;

  private constructor(private readonly server: Server, readonly url: string, private readonly options: FakeOpenCostOptions) {
    this.now = options.now ?? Date.now;
    this.idleShare = options.idleShare ?? DEFAULT_IDLE_SHARE;
    if (!(this.idleShare >= 0 && this.idleShare < 1)) throw new Error(`idleShare must be in [0, 1), not ${this.idleShare}`);
  }

  static async start(options: FakeOpenCostOptions): Promise<FakeOpenCost> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const fake = new FakeOpenCost(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, options);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => fake.handle(req, res));
    return fake;
  }

  get clusters(): readonly string[] { return Object.keys(this.options.clusters); }

  /** A cluster's base URL, as APOLLO_COSTS_ALLOCATION_URLS would name it. */
  clusterUrl(cluster: string): string { return `${this.url}/clusters/${encodeURIComponent(cluster)}`; }

  /** Every cluster's base URL (the adapter's `endpoints`). */
  get endpoints(): Record<string, string> {
    return Object.fromEntries(this.clusters.map((cluster) => [cluster, this.clusterUrl(cluster)]));
  }

  /** The cluster's next allocation request answers this (e.g. `{ status: 500 }`, or `{ status: 200, body: { code: 400, … } }`). */
  failNext(cluster: string, answer: FakeAnswer): void { this.failures.set(cluster, answer); }
  /** The cluster's allocation answers come after `ms` (0 to stop). */
  delay(cluster: string, ms: number): void { this.delays.set(cluster, ms); }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** The data a query answers, without HTTP: what `GET <cluster>/allocation/compute?…` carries in `data`. */
  allocationSets(cluster: string, query: Readonly<Record<string, string>>, kubecost = false): Array<Record<string, FakeAllocation>> {
    const workloads = this.options.clusters[cluster];
    if (!workloads) throw new FakeQueryError(404, `unknown cluster ${cluster}`);
    const now = this.now();
    const [windowStart, windowEnd] = parseWindow(query.window, now);
    const step = query.step ? parseDuration(query.step) : windowEnd - windowStart;
    if (step === null || step <= 0) throw new FakeQueryError(400, `Invalid 'step' parameter: ${query.step}`);
    const aggregate = (query.aggregate ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = aggregate.find((a) => !['cluster', 'namespace', 'controller', 'controllerKind'].includes(a));
    if (unknown) throw new FakeQueryError(400, `Invalid 'aggregate' parameter: the LOCAL FAKE knows cluster, namespace, controller and controllerKind, not ${unknown}`);
    const includeIdle = kubecost ? query.idle !== 'false' : query.includeIdle === 'true';
    const shareIdle = query.shareIdle === 'true';
    const metadata = query.includeAggregatedMetadata === 'true';
    const retentionStart = now - FAKE_RETENTION_DAYS * DAY_MS;

    const sets: Array<Record<string, FakeAllocation>> = [];
    for (let stepStart = windowStart; stepStart < windowEnd; stepStart += step) {
      const stepEnd = stepStart + step;
      const from = Math.max(stepStart, retentionStart);
      const to = Math.min(stepEnd, now);
      const window = { start: iso(stepStart), end: iso(stepEnd) };
      if (to <= from) {
        sets.push({});
        continue;
      }
      const hours = (to - from) / HOUR_MS;
      const raw = workloads.map((w) => workloadAllocation(cluster, w, window, from, to, hours));
      const idle = includeIdle || shareIdle ? idleAllocation(cluster, raw, this.idleShare, window, from, to, hours) : null;
      if (idle && shareIdle) shareIdleCost(raw, idle);
      const set: Record<string, FakeAllocation> = {};
      for (const allocation of raw) {
        const key = aggregate.length ? keyOf(allocation, aggregate) : `${cluster}/${allocation.properties.namespace}/${allocation.name}`;
        const existing = set[key];
        set[key] = existing ? merge(existing, allocation, metadata) : { ...allocation, name: key, properties: aggregate.length ? keepProperties(allocation.properties, metadata) : allocation.properties };
      }
      if (idle && includeIdle && !shareIdle) set.__idle__ = idle;
      sets.push(set);
    }
    if (query.accumulate === 'true' && sets.length > 1) return [accumulate(sets, metadata, { start: iso(windowStart), end: iso(windowEnd) })];
    return sets;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const match = /^\/clusters\/([^/]+)(\/.*)?$/.exec(url.pathname);
    const cluster = match ? decodeURIComponent(match[1]!) : null;
    const path = match ? match[2] ?? '/' : url.pathname;
    const query = Object.fromEntries(url.searchParams);
    this.requests.push({ cluster, path, query, authorization: req.headers.authorization ?? null });

    if (req.method !== 'GET') return sendFakeAnswer(res, { status: 405, body: { code: 405, message: 'Error: method not allowed' } }, FAKE_OPENCOST_LABEL);
    if (url.pathname === '/') return sendFakeAnswer(res, { status: 200, body: this.page() }, FAKE_OPENCOST_LABEL);
    if (cluster === null || !this.options.clusters[cluster]) {
      return sendFakeAnswer(res, { status: 404, body: { code: 404, message: `Error: the LOCAL FAKE OpenCost has no cluster ${cluster ?? '(none: use /clusters/<name>/…)'}` } }, FAKE_OPENCOST_LABEL);
    }
    if (path === '/healthz') return sendFakeAnswer(res, { status: 200 }, FAKE_OPENCOST_LABEL);
    const kubecost = path === '/model/allocation';
    if (path !== '/allocation/compute' && path !== '/allocation' && !kubecost) {
      return sendFakeAnswer(res, { status: 404, body: '404 page not found' }, FAKE_OPENCOST_LABEL);
    }

    const send = () => {
      const failure = this.failures.get(cluster);
      if (failure) {
        this.failures.delete(cluster);
        return sendFakeAnswer(res, failure, FAKE_OPENCOST_LABEL);
      }
      try {
        sendFakeAnswer(res, { status: 200, body: { code: 200, status: 'success', data: this.allocationSets(cluster, query, kubecost) } }, FAKE_OPENCOST_LABEL);
      } catch (error) {
        const status = error instanceof FakeQueryError ? error.status : 500;
        sendFakeAnswer(res, { status, body: { code: status, message: `Error: ${(error as Error).message}` } }, FAKE_OPENCOST_LABEL);
      }
    };
    const ms = this.delays.get(cluster);
    if (ms) setTimeout(send, ms).unref();
    else send();
  }

  private page(): string {
    const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
    const rows = Object.entries(this.options.clusters).flatMap(([cluster, workloads]) => workloads.map((w) =>
      `<tr><td>${esc(cluster)}</td><td>${esc(w.namespace)}</td><td>${esc(w.workload || '(no controller)')}</td><td>${w.cpuRequest} / ${w.cpuUsed}</td><td>${w.ramRequestGiB} / ${w.ramUsedGiB}</td><td>${w.pvGiB ?? 0}</td></tr>`)).join('');
    return `<!doctype html><meta charset="utf-8"><title>Local fake OpenCost</title>
<style>body{font:14px system-ui;margin:2rem}td,th{padding:4px 10px;text-align:left;border-bottom:1px solid #ddd}</style>
<h1>Local fake OpenCost (LOCAL FAKE)</h1><p>Each cluster at <code>${esc(this.url)}/clusters/&lt;name&gt;</code> (<code>/allocation/compute</code>, <code>/allocation</code>, <code>/model/allocation</code>). Made-up workloads priced at OpenCost's default list prices; ${Math.round(this.idleShare * 100)}% idle; the last ${FAKE_RETENTION_DAYS} days only.</p>
<table><tr><th>Cluster</th><th>Namespace</th><th>Workload</th><th>CPU cores (request / used)</th><th>RAM GiB (request / used)</th><th>PV GiB</th></tr>${rows}</table>`;
  }
}

/** A query the fake refuses, with OpenCost's status. */
class FakeQueryError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

/** Starts a fake serving the given clusters' workloads. */
export function startFakeOpenCost(options: FakeOpenCostOptions): Promise<FakeOpenCost> {
  return FakeOpenCost.start(options);
}

function parseWindow(window: string | undefined, now: number): [number, number] {
  if (!window) throw new FakeQueryError(400, "Invalid 'window' parameter: missing");
  const pair = window.split(',');
  if (pair.length === 2) {
    const [a, b] = pair.map((p) => (/^\d+$/.test(p.trim()) ? Number(p.trim()) * 1000 : Date.parse(p.trim()))) as [number, number];
    if (Number.isNaN(a) || Number.isNaN(b)) throw new FakeQueryError(400, `Invalid 'window' parameter: ${window}`);
    if (b < a) throw new FakeQueryError(400, `bad request - illegal window: ${window}`);
    return [a, b];
  }
  const duration = parseDuration(window);
  if (duration === null) throw new FakeQueryError(400, `Invalid 'window' parameter: the LOCAL FAKE knows RFC3339 or unix pairs and <n>d/<n>h, not ${window}`);
  return [now - duration, now];
}

function parseDuration(value: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(d|h|m)$/.exec(value.trim());
  if (!match) return null;
  return Number(match[1]) * { d: DAY_MS, h: HOUR_MS, m: 60_000 }[match[2] as 'd' | 'h' | 'm'];
}

function workloadAllocation(cluster: string, w: FakeOpenCostWorkload, window: { start: string; end: string }, from: number, to: number, hours: number): FakeAllocation {
  const kind = w.workload ? w.kind ?? 'deployment' : '';
  const cpuCoreHours = Math.max(w.cpuRequest, w.cpuUsed) * hours;
  const ramGiBHours = Math.max(w.ramRequestGiB, w.ramUsedGiB) * hours;
  const pvGiB = w.pvGiB ?? 0;
  const cpuCost = cpuCoreHours * OPENCOST_DEFAULT_PRICES.cpuCoreHour;
  const ramCost = ramGiBHours * OPENCOST_DEFAULT_PRICES.ramGiBHour;
  const pvCost = pvGiB * hours * OPENCOST_DEFAULT_PRICES.storageGiBHour;
  const name = w.workload ? `${kind}:${w.workload}` : '__unallocated__';
  const pvName = `pvc-${w.namespace}-${w.workload || 'pod'}`;
  return {
    name,
    properties: {
      cluster,
      namespace: w.namespace,
      ...(w.workload ? { controller: w.workload, controllerKind: kind } : {}),
      ...(w.labels ? { labels: { ...w.labels } } : {}),
      namespaceLabels: { kubernetes_io_metadata_name: w.namespace },
    },
    window,
    start: iso(from),
    end: iso(to),
    minutes: round5(hours * 60),
    cpuCoreRequestAverage: round5(w.cpuRequest),
    cpuCoreUsageAverage: round5(w.cpuUsed),
    cpuCoreHours: round5(cpuCoreHours),
    cpuCost: round5(cpuCost),
    cpuEfficiency: w.cpuRequest > 0 ? round5(w.cpuUsed / w.cpuRequest) : 0,
    gpuCount: 0,
    gpuHours: 0,
    gpuCost: 0,
    networkCost: 0,
    loadBalancerCost: 0,
    pvBytes: round5(pvGiB * GIB),
    pvByteHours: round5(pvGiB * GIB * hours),
    pvCost: round5(pvCost),
    pvs: pvGiB ? { [`${cluster}/${pvName}`]: { byteHours: round5(pvGiB * GIB * hours), cost: round5(pvCost) } } : null,
    ramByteRequestAverage: round5(w.ramRequestGiB * GIB),
    ramByteUsageAverage: round5(w.ramUsedGiB * GIB),
    ramByteHours: round5(ramGiBHours * GIB),
    ramCost: round5(ramCost),
    ramEfficiency: w.ramRequestGiB > 0 ? round5(w.ramUsedGiB / w.ramRequestGiB) : 0,
    externalCost: 0,
    sharedCost: 0,
    totalCost: round5(cpuCost + ramCost + pvCost),
    totalEfficiency: totalEfficiency(w.cpuUsed * hours * OPENCOST_DEFAULT_PRICES.cpuCoreHour, cpuCost, w.ramUsedGiB * hours * OPENCOST_DEFAULT_PRICES.ramGiBHour, ramCost),
  };
}

function totalEfficiency(cpuUsedCost: number, cpuCost: number, ramUsedCost: number, ramCost: number): number {
  return cpuCost + ramCost > 0 ? round5((cpuUsedCost + ramUsedCost) / (cpuCost + ramCost)) : 0;
}

/** Capacity nobody requested: `share` of the cluster's cost, split between CPU and RAM as the requests are. */
function idleAllocation(cluster: string, allocations: readonly FakeAllocation[], share: number, window: { start: string; end: string }, from: number, to: number, hours: number): FakeAllocation {
  const cpu = allocations.reduce((s, a) => s + a.cpuCost, 0);
  const ram = allocations.reduce((s, a) => s + a.ramCost, 0);
  const factor = share / (1 - share);
  const allocated = allocations.reduce((s, a) => s + a.totalCost, 0);
  const idleTotal = allocated * factor;
  const cpuIdle = cpu + ram > 0 ? idleTotal * (cpu / (cpu + ram)) : 0;
  const ramIdle = idleTotal - cpuIdle;
  return {
    name: '__idle__',
    properties: { cluster },
    window,
    start: iso(from),
    end: iso(to),
    minutes: round5(hours * 60),
    cpuCoreRequestAverage: 0,
    cpuCoreUsageAverage: 0,
    cpuCoreHours: round5(cpuIdle / OPENCOST_DEFAULT_PRICES.cpuCoreHour),
    cpuCost: round5(cpuIdle),
    cpuEfficiency: 0,
    gpuCount: 0,
    gpuHours: 0,
    gpuCost: 0,
    networkCost: 0,
    loadBalancerCost: 0,
    pvBytes: 0,
    pvByteHours: 0,
    pvCost: 0,
    pvs: null,
    ramByteRequestAverage: 0,
    ramByteUsageAverage: 0,
    ramByteHours: round5((ramIdle / OPENCOST_DEFAULT_PRICES.ramGiBHour) * GIB),
    ramCost: round5(ramIdle),
    ramEfficiency: 0,
    externalCost: 0,
    sharedCost: 0,
    totalCost: round5(cpuIdle + ramIdle),
    totalEfficiency: 0,
  };
}

/** shareIdle=true: idle CPU goes to each allocation by its share of CPU cost, idle RAM by RAM cost (OpenCost's "weighted"). */
function shareIdleCost(allocations: FakeAllocation[], idle: FakeAllocation): void {
  const cpu = allocations.reduce((s, a) => s + a.cpuCost, 0);
  const ram = allocations.reduce((s, a) => s + a.ramCost, 0);
  for (const a of allocations) {
    const addCpu = cpu > 0 ? idle.cpuCost * (a.cpuCost / cpu) : 0;
    const addRam = ram > 0 ? idle.ramCost * (a.ramCost / ram) : 0;
    a.cpuCost = round5(a.cpuCost + addCpu);
    a.ramCost = round5(a.ramCost + addRam);
    a.totalCost = round5(a.totalCost + addCpu + addRam);
  }
}

/** OpenCost's GenerateKey for the properties the fake knows. */
function keyOf(a: FakeAllocation, aggregate: readonly string[]): string {
  const p = a.properties as { cluster?: string; namespace?: string; controller?: string; controllerKind?: string };
  return aggregate.map((field) => {
    if (field === 'cluster') return p.cluster ?? '';
    if (field === 'namespace') return p.namespace ?? '';
    if (field === 'controllerKind') return p.controllerKind || '__unallocated__';
    return p.controller ? (p.controllerKind ? `${p.controllerKind}:${p.controller}` : p.controller) : '__unallocated__';
  }).join('/');
}

/** Aggregated properties keep labels only with includeAggregatedMetadata (OpenCost's Intersection). */
function keepProperties(properties: Record<string, unknown>, metadata: boolean): Record<string, unknown> {
  if (metadata) return { ...properties };
  const { labels: _labels, ...rest } = properties;
  return rest;
}

const SUMMED = ['minutes', 'cpuCoreRequestAverage', 'cpuCoreUsageAverage', 'cpuCoreHours', 'cpuCost', 'gpuCount', 'gpuHours', 'gpuCost', 'networkCost', 'loadBalancerCost',
  'pvBytes', 'pvByteHours', 'pvCost', 'ramByteRequestAverage', 'ramByteUsageAverage', 'ramByteHours', 'ramCost', 'externalCost', 'sharedCost', 'totalCost'] as const;

/** Two allocations of the same key in the same step: numbers summed, properties intersected. */
function merge(a: FakeAllocation, b: FakeAllocation, metadata: boolean): FakeAllocation {
  const merged: FakeAllocation = { ...a, properties: intersect(a.properties, b.properties, metadata), pvs: a.pvs || b.pvs ? { ...a.pvs, ...b.pvs } : null };
  for (const field of SUMMED) merged[field] = round5(a[field] + b[field]);
  merged.start = a.start < b.start ? a.start : b.start;
  merged.end = a.end > b.end ? a.end : b.end;
  return merged;
}

function intersect(a: Record<string, unknown>, b: Record<string, unknown>, metadata: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(a)) {
    if (key === 'labels' || key === 'namespaceLabels') {
      if (key === 'labels' && !metadata) continue;
      const other = (b[key] ?? {}) as Record<string, string>;
      const kept = Object.fromEntries(Object.entries(value as Record<string, string>).filter(([k, v]) => other[k] === v));
      if (Object.keys(kept).length) out[key] = kept;
    } else if (b[key] === value) out[key] = value;
  }
  return out;
}

/** accumulate=true: one set over the whole window; request and usage averages are the mean of the steps'. */
function accumulate(sets: ReadonlyArray<Record<string, FakeAllocation>>, metadata: boolean, window: { start: string; end: string }): Record<string, FakeAllocation> {
  const out: Record<string, FakeAllocation> = {};
  for (const set of sets) {
    for (const [key, allocation] of Object.entries(set)) out[key] = out[key] ? merge(out[key], allocation, metadata) : { ...allocation };
  }
  for (const allocation of Object.values(out)) {
    allocation.window = { ...window };
    const steps = sets.filter((s) => s[allocation.name]).length || 1;
    allocation.cpuCoreRequestAverage = round5(allocation.cpuCoreRequestAverage / steps);
    allocation.cpuCoreUsageAverage = round5(allocation.cpuCoreUsageAverage / steps);
    allocation.ramByteRequestAverage = round5(allocation.ramByteRequestAverage / steps);
    allocation.ramByteUsageAverage = round5(allocation.ramByteUsageAverage / steps);
  }
  return out;
}
