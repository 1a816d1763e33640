/**
 * A cluster's workload costs from OpenCost's (or Kubecost's) allocation API, one request per cluster and range.
 *
 * The protocol, as read in opencost/opencost's source (commit 5f653330, Oct 2024) and the docs:
 * - Confirmed: `GET /allocation/compute` on the cost model (port 9003) is registered in every mode
 *   (pkg/costmodel/router.go); `/allocation` only when Kubernetes is enabled (pkg/cmd/costmodel/costmodel.go),
 *   so this asks `/allocation/compute`. Kubecost serves the same handler as `/model/allocation` on its frontend
 *   (port 9090; docs.kubecost.com / IBM Kubecost "Allocation API": "when querying the cost-model container
 *   directly (ex. localhost:9003), the /model part of the URI should be removed").
 * - Confirmed (pkg/costmodel/aggregation.go ComputeAllocationHandler): `window` (an RFC3339 pair
 *   `start,end` among other forms), `step` (timeutil.ParseDuration knows `d`; default the whole window, i.e.
 *   one set), `aggregate` (comma list), `includeIdle` (default **false**), `shareIdle` (default false),
 *   `idleByNode`, `accumulate` (default false), `includeAggregatedMetadata` (default false). Kubecost's flag
 *   for idle is `idle` (default true, per its docs), so both are sent as the kind requires.
 * - Confirmed (core/pkg/opencost/allocationprops.go GenerateKey): keys join the aggregated properties with
 *   `/`; `controller` reads `<controllerKind>:<controller>` (e.g. `payments/deployment:core-service`), and a pod
 *   without a controller reads `<namespace>/__unallocated__`. Idle is one `__idle__` allocation unless split
 *   (then `<cluster or node>/__idle__`); unmounted PVs and load balancers carry `__unmounted__`.
 * - Confirmed: after aggregation the properties keep only what all pods share, and labels only when
 *   `includeAggregatedMetadata=true` (Intersection in allocationprops.go), so that is asked for. Label keys
 *   are Prometheus-sanitized (`app.kubernetes.io/name` arrives as `app_kubernetes_io_name`); passed as given.
 * - Confirmed (core/pkg/opencost/allocation_json.go, pkg/costmodel/router.go): the body is
 *   `{ code, status, data: [ { <key>: Allocation } per step ], message? }`; an Allocation has `name`,
 *   `properties`, `window: { start, end }` (the step), `start`/`end` (when its pods ran within the step),
 *   `cpuCoreRequestAverage`, `cpuCoreUsageAverage`, `cpuCost`, `gpuCost`, `ramByteRequestAverage`,
 *   `ramByteUsageAverage`, `ramCost`, `pvCost`, `pvs` (`{ byteHours, cost }` each), `networkCost`,
 *   `loadBalancerCost`, `totalCost`, the efficiencies… Numbers are rounded to 5 decimals and are `null` when
 *   NaN or infinite. Errors answer their HTTP status with `{ code, message: "Error: …" }`.
 * - Not confirmed: Kubecost's current (2.x) response beyond its docs saying it is the same shape; whether
 *   older OpenCost releases honour `includeAggregatedMetadata` (without it labels come back empty); how a
 *   Kubecost or OpenCost behind an auth proxy expects its token (sent as `Authorization: Bearer`).
 */
import type { AllocationSource, DateRange, WorkloadAllocation } from '../ports.ts';

export type AllocationApiKind = 'opencost' | 'kubecost';

export const ALLOCATION_URLS_ENV = 'APOLLO_COSTS_ALLOCATION_URLS';
export const ALLOCATION_KIND_ENV = 'APOLLO_COSTS_ALLOCATION_KIND';

/** The allocation endpoint under each kind's base URL. */
export const ALLOCATION_PATHS: Readonly<Record<AllocationApiKind, string>> = { opencost: '/allocation/compute', kubecost: '/model/allocation' };

/** A cost model computes a day per step from Prometheus: a 90-day range takes a while. */
export const DEFAULT_TIMEOUT_MS = 60_000;

const DAY_MS = 86_400_000;
const IDLE = '__idle__';
const UNALLOCATED = '__unallocated__';
const UNMOUNTED = '__unmounted__';

export interface OpenCostSourceOptions {
  /** Cluster name → its cost model's base URL, e.g. `{ "eks-prod-us-east-1": "http://opencost.opencost.svc:9003" }`. */
  readonly endpoints: Readonly<Record<string, string>>;
  /** @default 'opencost' */
  readonly kind?: AllocationApiKind;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** @default DEFAULT_TIMEOUT_MS */
  readonly timeoutMs?: number;
  /** Sent as `Authorization: Bearer …` (an auth proxy in front of the cost model). */
  readonly bearerToken?: string;
}

/** A cluster's allocation API did not answer, or answered something else than allocations. */
export class AllocationSourceError extends Error {
  override readonly name = 'AllocationSourceError';
  constructor(readonly cluster: string, message: string, readonly retryable: boolean, readonly status?: number, options: { cause?: unknown } = {}) {
    super(message, options);
  }
}

/** What the wire carries for one allocation; every field may be missing or null. */
interface WireAllocation {
  readonly name?: unknown;
  readonly properties?: {
    readonly namespace?: unknown;
    readonly controller?: unknown;
    readonly controllerKind?: unknown;
    readonly labels?: unknown;
  } | null;
  readonly window?: { readonly start?: unknown; readonly end?: unknown } | null;
  readonly [field: string]: unknown;
}

const displayName = (kind: AllocationApiKind): string => (kind === 'kubecost' ? 'Kubecost' : 'OpenCost');

export class OpenCostSource implements AllocationSource {
  readonly simulated = false;
  readonly label: string;
  readonly clusters: readonly string[];
  private readonly kind: AllocationApiKind;
  private readonly endpoints: ReadonlyMap<string, string>;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;
  private readonly bearerToken: string | undefined;

  constructor(options: OpenCostSourceOptions) {
    this.kind = options.kind ?? 'opencost';
    this.endpoints = new Map(Object.entries(options.endpoints).map(([cluster, url]) => [cluster, url.replace(/\/+$/, '')]));
    this.clusters = [...this.endpoints.keys()];
    if (this.clusters.length === 0) throw new Error(`${displayName(this.kind)} allocation source: no cluster endpoints`);
    this.fetch = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.bearerToken = options.bearerToken;
    this.label = `${displayName(this.kind)} allocation API (${this.clusters.length} ${this.clusters.length === 1 ? 'cluster' : 'clusters'})`;
  }

  async allocations(cluster: string, range: DateRange): Promise<WorkloadAllocation[]> {
    const base = this.endpoints.get(cluster);
    if (base === undefined) throw new Error(`no ${displayName(this.kind)} endpoint for the cluster ${cluster} (known: ${this.clusters.join(', ')})`);
    const start = dayMs(range.start, 'start');
    const end = dayMs(range.end, 'end');
    if (end < start) throw new Error(`allocation range ends (${range.end}) before it starts (${range.start})`);
    if (end === start) return [];

    const url = new URL(`${base}${ALLOCATION_PATHS[this.kind]}`);
    for (const [key, value] of Object.entries(allocationQuery(this.kind, range))) url.searchParams.set(key, value);
    const who = `${displayName(this.kind)} of the cluster ${cluster}`;
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(url, {
        headers: { accept: 'application/json', ...(this.bearerToken ? { authorization: `Bearer ${this.bearerToken}` } : {}) },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const name = (error as Error | undefined)?.name;
      const why = name === 'TimeoutError' || name === 'AbortError'
        ? `did not answer within ${this.timeoutMs / 1000} s`
        : `could not be reached (${networkError(error)})`;
      throw new AllocationSourceError(cluster, `${who} at ${url.origin}${url.pathname} ${why}`, true, undefined, { cause: error });
    }

    const body = parseJson(text);
    const said = typeof body?.message === 'string' && body.message ? `: ${body.message}` : text && !body ? `: ${text.slice(0, 200)}` : '';
    if (!response.ok) {
      throw new AllocationSourceError(cluster, `${who} answered ${response.status}${said}`, response.status >= 500 || response.status === 429, response.status);
    }
    if (!body) throw new AllocationSourceError(cluster, `${who} answered ${response.status} without JSON${said}`, false, response.status);
    if (body.code !== undefined && body.code !== 200) {
      const code = typeof body.code === 'number' ? body.code : Number(body.code);
      throw new AllocationSourceError(cluster, `${who} answered code ${String(body.code)}${said}`, code >= 500, Number.isFinite(code) ? code : undefined);
    }
    if (body.data !== null && body.data !== undefined && !Array.isArray(body.data)) {
      throw new AllocationSourceError(cluster, `${who} answered without a list of allocation sets (data is ${typeof body.data})`, false, response.status);
    }
    const sets = (body.data ?? []) as unknown[];
    return sets.flatMap((set, index) => {
      if (!set || typeof set !== 'object') return [];
      const fallbackDay = new Date(start + index * DAY_MS).toISOString().slice(0, 10);
      return Object.entries(set as Record<string, WireAllocation | null>)
        .filter((entry): entry is [string, WireAllocation] => Boolean(entry[1]) && typeof entry[1] === 'object')
        .map(([key, allocation]) => toWorkloadAllocation(cluster, key, allocation, fallbackDay));
    });
  }
}

/** The query for daily sets over the range, by namespace and controller, idle on its own. */
export function allocationQuery(kind: AllocationApiKind, range: DateRange): Record<string, string> {
  const common = {
    window: `${range.start}T00:00:00Z,${range.end}T00:00:00Z`,
    step: '1d',
    accumulate: 'false',
    aggregate: 'namespace,controller',
    shareIdle: 'false',
    includeAggregatedMetadata: 'true',
  };
  return kind === 'kubecost' ? { ...common, idle: 'true' } : { ...common, includeIdle: 'true', idleByNode: 'false' };
}

/** One allocation of a step as the port words it. */
export function toWorkloadAllocation(cluster: string, key: string, allocation: WireAllocation, fallbackDay: string): WorkloadAllocation {
  const properties = allocation.properties ?? {};
  const segments = key.split('/');
  const idle = key.includes(IDLE);
  const unallocated = !idle && (key.includes(UNALLOCATED) || key.includes(UNMOUNTED));
  const propertyNamespace = str(properties.namespace);
  const keyNamespace = segments.length > 1 && !segments[0]!.startsWith('__') ? segments[0]! : null;
  const namespace = idle ? null : (propertyNamespace && !propertyNamespace.startsWith('__') ? propertyNamespace : keyNamespace);

  let workload: string | null = null;
  let workloadKind: string | null = null;
  if (!idle && !unallocated) {
    // `<kind>:<name>` when the kind is known; controller names cannot hold a colon.
    const controllerSegment = segments.at(-1) ?? key;
    const colon = controllerSegment.indexOf(':');
    workload = str(properties.controller) ?? (colon >= 0 ? controllerSegment.slice(colon + 1) : controllerSegment);
    workloadKind = str(properties.controllerKind) ?? (colon >= 0 ? controllerSegment.slice(0, colon) : null);
  }

  const cpuCost = num(allocation.cpuCost);
  const ramCost = num(allocation.ramCost);
  const pvCost = typeof allocation.pvCost === 'number' ? num(allocation.pvCost) : pvsCost(allocation.pvs);
  const networkCost = num(allocation.networkCost);
  const loadBalancerCost = num(allocation.loadBalancerCost);
  const gpuCost = num(allocation.gpuCost);
  const totalCost = typeof allocation.totalCost === 'number' && Number.isFinite(allocation.totalCost)
    ? allocation.totalCost
    : round(cpuCost + ramCost + pvCost + networkCost + loadBalancerCost + gpuCost);

  return {
    cluster,
    namespace,
    workload,
    workloadKind,
    idle,
    start: day(allocation.window?.start) ?? fallbackDay,
    end: day(allocation.window?.end) ?? new Date(Date.parse(`${fallbackDay}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10),
    cpuCost,
    ramCost,
    pvCost,
    networkCost,
    loadBalancerCost,
    gpuCost,
    totalCost,
    cpuCoresRequested: optionalNum(allocation.cpuCoreRequestAverage),
    cpuCoresUsed: optionalNum(allocation.cpuCoreUsageAverage),
    ramBytesRequested: optionalNum(allocation.ramByteRequestAverage),
    ramBytesUsed: optionalNum(allocation.ramByteUsageAverage),
    labels: labelsOf(properties.labels),
  };
}

/**
 * The allocation source's options from the environment, or undefined when APOLLO_COSTS_ALLOCATION_URLS is unset:
 * a JSON object of cluster name → http(s) base URL, and APOLLO_COSTS_ALLOCATION_KIND (`opencost`, the default,
 * or `kubecost`). A malformed value throws, so a cold start fails rather than silently showing no workloads.
 */
export function parseAllocationEndpoints(env: NodeJS.ProcessEnv): { endpoints: Record<string, string>; kind: AllocationApiKind } | undefined {
  const raw = env[ALLOCATION_URLS_ENV]?.trim();
  if (!raw) return undefined;
  const kindValue = (env[ALLOCATION_KIND_ENV]?.trim() || 'opencost').toLowerCase();
  if (kindValue !== 'opencost' && kindValue !== 'kubecost') {
    throw new Error(`${ALLOCATION_KIND_ENV} must be opencost or kubecost, not ${JSON.stringify(env[ALLOCATION_KIND_ENV])}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new Error(`${ALLOCATION_URLS_ENV} must be a JSON object of cluster name → URL, e.g. {"eks-prod-us-east-1":"http://opencost.opencost.svc:9003"}: ${(error as Error).message}`, { cause: error });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`${ALLOCATION_URLS_ENV} must be a JSON object of cluster name → URL, not ${Array.isArray(parsed) ? 'an array' : JSON.stringify(parsed)}`);
  }
  const entries = Object.entries(parsed as Record<string, unknown>);
  if (entries.length === 0) throw new Error(`${ALLOCATION_URLS_ENV} names no cluster`);
  const endpoints: Record<string, string> = {};
  for (const [cluster, value] of entries) {
    if (!cluster.trim()) throw new Error(`${ALLOCATION_URLS_ENV}: a cluster name is empty`);
    if (typeof value !== 'string') throw new Error(`${ALLOCATION_URLS_ENV}: the URL of ${cluster} must be a string, not ${JSON.stringify(value)}`);
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new Error(`${ALLOCATION_URLS_ENV}: the URL of ${cluster} is not a URL: ${JSON.stringify(value)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${ALLOCATION_URLS_ENV}: the URL of ${cluster} must be http(s), not ${url.protocol}`);
    if (url.username || url.password) throw new Error(`${ALLOCATION_URLS_ENV}: the URL of ${cluster} must not carry credentials`);
    if (url.search || url.hash) throw new Error(`${ALLOCATION_URLS_ENV}: the URL of ${cluster} must be a base URL, without a query or fragment`);
    endpoints[cluster] = `${url.origin}${url.pathname}`.replace(/\/+$/, '');
  }
  return { endpoints, kind: kindValue };
}

function dayMs(value: string, which: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(ms)) throw new Error(`allocation range ${which} must be a yyyy-mm-dd day, not ${JSON.stringify(value)}`);
  return ms;
}

function day(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString().slice(0, 10);
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function optionalNum(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** Costs add up in float; OpenCost itself rounds to 5 decimals. */
function round(value: number): number {
  return Math.round(value * 100_000) / 100_000;
}

function pvsCost(pvs: unknown): number {
  if (!pvs || typeof pvs !== 'object') return 0;
  return round(Object.values(pvs as Record<string, { cost?: unknown } | null>).reduce((sum, pv) => sum + num(pv?.cost), 0));
}

function labelsOf(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

function parseJson(text: string): { code?: unknown; message?: unknown; data?: unknown } | null {
  if (!text) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed as { code?: unknown; message?: unknown; data?: unknown } : null;
  } catch {
    return null;
  }
}

function networkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  return cause?.code ?? cause?.message ?? (error as Error | undefined)?.message ?? String(error);
}
