/**
 * Load and soak: N signed clients (different people and roles, long-term keys and sign-in sessions) mix reads,
 * self-service request submits and deployments against the local runtime for M seconds. The runtime runs as `npm
 * start` does (a child process: load-runtime.ts; its scheduled jobs on), with the deployment knobs of
 * deployments-local.test.ts so a deploy takes seconds. Held: no error (5xx, network error, unexpected 4xx); each kind
 * of call's p99 under a bound; the runtime's heap flat; every request submitted completed (its DNS record created
 * once at the fake) and every deployment succeeded, read back over the signed API at the end; no ERROR line logged.
 *
 * p99 bound of a kind: N × its unloaded p99 (one client, one call at a time, measured in the same run before the
 * load, as bench/README.md measures its baselines in the run: absolute times depend on the machine), never below
 * N × 45 ms (the slowest sequential read p99 in `npm run bench`'s tables on a 2-core machine: section 9c's request
 * status, section 8's one offering), plus one full GC of the runtime's heap (measured: the longest forced one). With
 * N clients a call waits at worst behind N − 1 others, each no slower than unloaded, and through one collection.
 * Calls a forced GC of the heap sampling held up are left out (they measure the sampling).
 *
 * Heap: sampled after a forced full GC (`--expose-gc`) every few seconds; the least-squares slope over the last two
 * thirds (the first warms caches and code), divided by the calls made meanwhile, is what the heap keeps per call.
 * The runtime's bounded histories are at their caps from the start, so that filling them is not read as a leak: the
 * own-log ring (the last 50,000 handler lines) is filled first, and the workflow engines keep 10 finished executions
 * instead of 500 (load-runtime.ts says how).
 *
 * Deployments serialize per environment: a deploy refused because another one is running there (409, naming it) is
 * what the product intends; the client waits for that deployment to end and deploys again, and the refusals are
 * counted apart, not as errors. Two people deploy to the same environment so that it happens.
 */
import { ApiClient, type ApiResponse, type Credentials } from '#shared/api-client';
import type { Role } from '#shared/permissions';
import { percentile } from '../stats.ts';
import { startChildRuntime, type ChildRuntime } from './load-child.ts';
import { check, type Check, type Scenario, type ScenarioContext } from './scenario.ts';

/** The slowest sequential read p99 in bench/README.md's tables on a 2-core machine (ms): the floor of a unit of queueing. */
const BENCH_SLOWEST_READ_P99_MS = 45;
/**
 * What the runtime's heap may keep per call once warm: the iterator leak this scenario found in the local DynamoDB
 * kept ~12 KB a call (+54 MB in two minutes); fixed, the full run keeps under 1 KB a call (-0.2 to +0.8 KB measured:
 * V8 still tiering code up, the own-log ring's lines turning over). The 20-second smoke is still warming up (modules loaded on first use, code
 * compiled) and keeps ~5 KB a call: it is held to catching a leak of that size.
 */
const HEAP_BYTES_PER_CALL = 2 * 1024;
const HEAP_SMOKE_BYTES_PER_CALL = 10 * 1024;
const MB = 1024 * 1024;

/** The runtime's knobs: a deployment's poll and the simulated pods in seconds, not minutes (deployments-local.test.ts). */
const RUNTIME_ENV = {
  APOLLO_DEPLOY_POLL_SECONDS: '1',
  APOLLO_ARGOCD_SIM_POD_MS: '40',
  APOLLO_CANARY_INTERVAL_S: '1',
  APOLLO_CANARY_ITERATIONS: '2',
  APOLLO_CANARY_THRESHOLD: '2',
  LOG_LEVEL: 'INFO',
  APOLLO_TERMINAL_LOG_LEVEL: 'ERROR',
  APOLLO_RELIABILITY_FILL_OWN_LOGS: '1',
  APOLLO_RELIABILITY_RETAIN_FINISHED: '10',
};

type Kind = 'me' | 'services' | 'service' | 'catalog' | 'requests' | 'deploy history' | 'costs summary' | 'request status' | 'deployment status' | 'submit' | 'deploy';
const READS: ReadonlyArray<{ kind: Kind; path: string; query?: Record<string, string> }> = [
  { kind: 'me', path: '/api/v1/me' },
  { kind: 'services', path: '/api/v1/services', query: { limit: '50' } },
  { kind: 'service', path: '/api/v1/services/core-service' },
  { kind: 'catalog', path: '/api/v1/catalog' },
  { kind: 'requests', path: '/api/v1/requests', query: { scope: 'mine', limit: '25' } },
  { kind: 'deploy history', path: '/api/v1/deployments/history', query: { service: 'core-service', limit: '25' } },
  { kind: 'costs summary', path: '/api/v1/costs/summary' },
];

interface Person {
  readonly name: string;
  readonly role: Role;
  /** A person of the local directory signed in with session credentials; absent: the role's long-term key. */
  readonly principal?: string;
  readonly submits?: boolean;
  readonly deploys?: { readonly service: string; readonly environment: string };
}

/** Full: 8 people; two deploy to the same environment, so one is sometimes refused while the other's runs. */
const FULL: readonly Person[] = [
  { name: 'developer', role: 'developer', submits: true },
  { name: 'dana', role: 'developer', principal: 'dana@apollo.local', deploys: { service: 'core-service', environment: 'dev' } },
  { name: 'lena', role: 'developer', principal: 'lena@apollo.local', deploys: { service: 'core-service', environment: 'dev' } },
  { name: 'operator', role: 'operator', deploys: { service: 'core-service', environment: 'staging' } },
  { name: 'maya', role: 'developer', principal: 'maya@apollo.local', submits: true },
  { name: 'viewer', role: 'viewer' },
  { name: 'sam', role: 'viewer', principal: 'sam@apollo.local' },
  { name: 'admin', role: 'admin', submits: true },
];
const SMOKE: readonly Person[] = [FULL[0]!, FULL[1]!, FULL[5]!];

interface Plan {
  readonly people: readonly Person[];
  readonly durationMs: number;
  readonly thinkMs: readonly [number, number];
  readonly heapEveryMs: number;
  /** What the heap may keep per call over the run's last two thirds (see HEAP_…). */
  readonly heapBytesPerCall: number;
  readonly baselineRounds: number;
  readonly stragglersMs: number;
}
const planOf = (smoke: boolean): Plan => smoke
  // Smoke: fewer people, so less time between their calls: each kind still gets a few dozen calls in 20 s.
  ? { people: SMOKE, durationMs: 20_000, thinkMs: [10, 60], heapEveryMs: 2_000, heapBytesPerCall: HEAP_SMOKE_BYTES_PER_CALL, baselineRounds: 8, stragglersMs: 20_000 }
  : { people: FULL, durationMs: 120_000, thinkMs: [50, 250], heapEveryMs: 5_000, heapBytesPerCall: HEAP_BYTES_PER_CALL, baselineRounds: 20, stragglersMs: 40_000 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const between = (low: number, high: number) => low + Math.random() * (high - low);

interface Failure { readonly kind: Kind | 'heap sample'; readonly what: string }

interface Timing { readonly from: number; readonly to: number; readonly ms: number }

/** Every call's time by kind, and what went wrong. */
class Ledger {
  readonly times = new Map<Kind, Timing[]>();
  readonly failures: Failure[] = [];
  busyRefusals = 0;
  busyWaitMs = 0;

  /** A call that started `ms` ago and ends now. */
  record(kind: Kind, ms: number): void {
    const to = Date.now();
    const list = this.times.get(kind) ?? [];
    list.push({ from: to - ms, to, ms });
    this.times.set(kind, list);
  }

  get calls(): number {
    return [...this.times.values()].reduce((s, t) => s + t.length, 0);
  }
}

/** A signed call, timed; `expected` statuses pass, anything else (and a network error) is a failure. */
async function call(ledger: Ledger, api: ApiClient, kind: Kind, method: string, path: string, options: { query?: Record<string, string>; body?: unknown } = {}, expected: readonly number[] = [200]): Promise<ApiResponse | undefined> {
  const started = performance.now();
  let res: ApiResponse;
  try {
    res = await api.send(method, path, options);
  } catch (error) {
    ledger.record(kind, performance.now() - started);
    ledger.failures.push({ kind, what: `network error: ${(error as Error).message}` });
    return undefined;
  }
  ledger.record(kind, performance.now() - started);
  if (!expected.includes(res.status)) {
    ledger.failures.push({ kind, what: `${method} ${path} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 200)}` });
    return undefined;
  }
  return res;
}

const isBusy = (res: ApiResponse): boolean => res.status === 409 && /has a deployment running|being deployed by someone else/.test(JSON.stringify(res.body));
const blockerOf = (res: ApiResponse): string | undefined => /deployment (\w+) is/.exec(JSON.stringify(res.body))?.[1];
const ENDED = ['succeeded', 'failed', 'rolled_back', 'cancelled'];

interface Submitted { readonly id: string; readonly name: string; readonly by: string }
interface Deployed { readonly id: string; readonly tag: string; readonly by: string }

class Workload {
  readonly ledger = new Ledger();
  readonly submitted: Submitted[] = [];
  readonly deployed: Deployed[] = [];
  private seq = 0;
  readonly run = Date.now().toString(36);

  async read(api: ApiClient, read: (typeof READS)[number]): Promise<void> {
    await call(this.ledger, api, read.kind, 'GET', read.path, read.query ? { query: read.query } : {});
  }

  async submit(api: ApiClient, who: string): Promise<void> {
    const name = `ld-${this.run}-${who}-${++this.seq}`;
    const res = await call(this.ledger, api, 'submit', 'POST', '/api/v1/requests', { body: { offeringId: 'dns-record', fields: { environment: 'dev', name, type: 'TXT', value: 'load' } } }, [201]);
    const id = (res?.body as { id?: string } | undefined)?.id;
    if (id) this.submitted.push({ id, name, by: who });
  }

  async deploymentStatus(api: ApiClient, id: string): Promise<string | undefined> {
    const res = await call(this.ledger, api, 'deployment status', 'GET', `/api/v1/deployments/${id}`);
    return (res?.body as { status?: string } | undefined)?.status;
  }

  /** Deploys a fresh tag; refused because another deployment runs there, waits for that one to end and asks again. Answers the deployment's id. */
  async deploy(api: ApiClient, who: string, target: { service: string; environment: string }, deadline: number): Promise<string | undefined> {
    const tag = `v9.${this.run}.${who}-${++this.seq}`;
    while (Date.now() < deadline) {
      const started = performance.now();
      let res: ApiResponse;
      try {
        res = await api.send('POST', '/api/v1/deployments', { body: { ...target, imageTag: tag, reason: `load test (${who})` } });
      } catch (error) {
        this.ledger.failures.push({ kind: 'deploy', what: `network error: ${(error as Error).message}` });
        return undefined;
      }
      this.ledger.record('deploy', performance.now() - started);
      if (res.status === 201) {
        const id = (res.body as { id: string }).id;
        this.deployed.push({ id, tag, by: who });
        return id;
      }
      if (!isBusy(res)) {
        this.ledger.failures.push({ kind: 'deploy', what: `POST /api/v1/deployments answered ${res.status}: ${JSON.stringify(res.body).slice(0, 240)}` });
        return undefined;
      }
      // The product's answer: wait for the running one (it names it), then deploy again.
      this.ledger.busyRefusals++;
      const blocker = blockerOf(res);
      const waitStarted = Date.now();
      while (blocker && Date.now() < deadline) {
        const status = await this.deploymentStatus(api, blocker);
        if (!status || ENDED.includes(status)) break;
        await sleep(500);
      }
      if (!blocker) await sleep(500);
      this.ledger.busyWaitMs += Date.now() - waitStarted;
    }
    return undefined;
  }

  /** One person's loop until `stopAt`: reads, and their submits or deployments, with a short think time between calls. */
  async person(api: ApiClient, person: Person, stopAt: number, thinkMs: readonly [number, number]): Promise<void> {
    let following: string | undefined;
    let lastDeploy = 0;
    let n = 0;
    while (Date.now() < stopAt) {
      n++;
      if (person.deploys && !following && Date.now() - lastDeploy > 1_500) {
        following = await this.deploy(api, person.name, person.deploys, stopAt);
        lastDeploy = Date.now();
      } else if (following && n % 3 === 0) {
        const status = await this.deploymentStatus(api, following);
        if (!status || ENDED.includes(status)) following = undefined;
      } else if (person.submits && Math.random() < 0.25) {
        await this.submit(api, person.name);
      } else if (person.submits && Math.random() < 0.2 && this.submitted.some((r) => r.by === person.name)) {
        // One's own request (another team's is not found, as the product scopes them).
        const mine = this.submitted.filter((r) => r.by === person.name);
        await call(this.ledger, api, 'request status', 'GET', `/api/v1/requests/${mine[Math.floor(Math.random() * mine.length)]!.id}/status`);
      } else {
        await this.read(api, READS[Math.floor(Math.random() * READS.length)]!);
      }
      await sleep(between(thinkMs[0], thinkMs[1]));
    }
    // A deployment still running at the end is followed to its end (bounded by the read-back below).
  }
}

/** Least-squares slope of (t ms, bytes) in bytes per ms. */
function slope(samples: ReadonlyArray<{ t: number; bytes: number }>): number {
  const n = samples.length;
  if (n < 3) return NaN;
  const mt = samples.reduce((s, p) => s + p.t, 0) / n;
  const mb = samples.reduce((s, p) => s + p.bytes, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of samples) {
    num += (p.t - mt) * (p.bytes - mb);
    den += (p.t - mt) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

const ms = (v: number) => `${v.toFixed(0)} ms`;
const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
const ENDED_REQUEST = ['completed', 'failed', 'cancelled', 'rejected'];

async function soak(ctx: ScenarioContext): Promise<Check[]> {
  const plan = planOf(ctx.smoke);
  const began = Date.now();
  const log = (line: string) => ctx.log(`${((Date.now() - began) / 1000).toFixed(1).padStart(5)} s  ${line}`);
  const checks: Check[] = [];
  const runtime: ChildRuntime = await startChildRuntime(RUNTIME_ENV);
  try {
    log(`runtime pid ${runtime.pid} at ${runtime.url} (answering ${runtime.startMs} ms after its start)`);
    const settled = await runtime.startJobsSettled(30_000);
    log(settled ? 'the jobs run at start have ended' : 'the jobs run at start are still running after 30 s: going on');
    const clientOf = (credentials: Credentials) => new ApiClient({ baseUrl: runtime.url, region: runtime.region, credentials });
    const apis = await Promise.all(plan.people.map(async (p) => clientOf(p.principal ? await runtime.session(p.role, p.principal) : runtime.roles[p.role])));
    const admin = clientOf(runtime.roles.admin);

    // Unloaded: each kind in turn by one client (the developer's), as bench/README.md's sections time one call at a time.
    const base = new Workload();
    const developer = apis[0]!;
    // One deployment (staging: nobody deploys there in the smoke), read while it runs; not followed to its end.
    const deploying = await base.deploy(developer, 'baseline', { service: 'core-service', environment: 'staging' }, Date.now() + 30_000);
    for (let i = 0; i < plan.baselineRounds; i++) {
      for (const read of READS) await base.read(developer, read);
      if (i % 3 === 0) await base.submit(developer, 'baseline');
      const mine = base.submitted.at(-1);
      if (mine) await call(base.ledger, developer, 'request status', 'GET', `/api/v1/requests/${mine.id}/status`);
      if (deploying) await base.deploymentStatus(developer, deploying);
    }
    const baselineP99 = new Map([...base.ledger.times].map(([kind, t]) => [kind, percentile(t.map((x) => x.ms), 99)]));
    log(`unloaded p99: ${[...baselineP99].map(([k, v]) => `${k} ${ms(v)}`).join(', ')}`);

    // Loaded: N people for M seconds, the runtime's heap sampled meanwhile.
    const work = new Workload();
    const heap: Array<{ t: number; bytes: number; rss: number }> = [];
    /** The forced GCs' pauses: a call they held up measures this scenario's sampling, not the product. */
    const gcWindows: Array<[number, number]> = [];
    const t0 = Date.now();
    const stopAt = t0 + plan.durationMs;
    let sampling = true;
    let gcMissing = false;
    const sampler = (async () => {
      while (sampling) {
        try {
          const s = await runtime.heap();
          heap.push({ t: Date.now() - t0, bytes: s.heapUsed, rss: s.rss });
          gcWindows.push([s.gcFrom, s.gcTo]);
          gcMissing ||= !s.gc;
        } catch (error) {
          work.ledger.failures.push({ kind: 'heap sample', what: `the runtime did not answer: ${(error as Error).message}` });
        }
        await sleep(plan.heapEveryMs);
      }
    })();
    log(`${plan.people.length} clients for ${plan.durationMs / 1000} s: ${plan.people.map((p) => `${p.name}${p.deploys ? ` (deploys ${p.deploys.service} ${p.deploys.environment})` : p.submits ? ' (submits)' : ''}`).join(', ')}`);
    await Promise.all(plan.people.map((person, i) => work.person(apis[i]!, person, stopAt, plan.thinkMs)));
    const loadSeconds = (Date.now() - t0) / 1000;
    sampling = false;
    await sampler;
    const calls = work.ledger.calls;
    log(`${calls} calls in ${loadSeconds.toFixed(0)} s (${(calls / loadSeconds).toFixed(1)}/s); ${work.submitted.length} requests, ${work.deployed.length} deployments, ${work.ledger.busyRefusals} deploys refused while another ran`);
    log(`heap after a full GC, every ${plan.heapEveryMs / 1000} s: ${heap.map((h) => (h.bytes / MB).toFixed(1)).join(' ')} MB`);

    // 0 errors.
    const failures = [...base.ledger.failures, ...work.ledger.failures];
    checks.push(check('no error: no 5xx, network error or unexpected 4xx', failures.length === 0,
      failures.length ? `${failures.length} of ${calls}: ${failures.slice(0, 3).map((f) => `${f.kind}: ${f.what}`).join(' | ')}` : `${calls} calls by ${plan.people.length} clients in ${loadSeconds.toFixed(0)} s (${(calls / loadSeconds).toFixed(1)}/s), all answered as expected`,
      { value: failures.length, unit: 'errors' }));
    const deployers = plan.people.filter((p) => p.deploys).length;
    checks.push(check('a deploy refused while another runs there is waited out and deployed, not an error', work.deployed.length >= deployers && failures.every((f) => f.kind !== 'deploy'),
      `${work.ledger.busyRefusals} refusals (409 naming the running deployment), ${(work.ledger.busyWaitMs / 1000).toFixed(1)} s waited in all; ${work.deployed.length} deployments started by ${deployers} people`,
      { value: work.ledger.busyRefusals, unit: 'refusals' }));

    // p99 per kind. One full GC of the runtime's heap: the longest forced one measured while sampling (an unforced
    // major GC marks incrementally, so this is its worst case).
    const fullGcMs = Math.max(0, ...gcWindows.map(([from, to]) => to - from));
    const heldByGc = (t: Timing) => gcWindows.some(([from, to]) => t.from <= to && t.to >= from);
    for (const [kind, all] of [...work.ledger.times].sort(([a], [b]) => a.localeCompare(b))) {
      const times = all.filter((t) => !heldByGc(t)).map((t) => t.ms);
      if (!times.length) continue;
      const p99 = percentile(times, 99);
      const unloaded = baselineP99.get(kind) ?? BENCH_SLOWEST_READ_P99_MS;
      const unit = Math.max(unloaded, BENCH_SLOWEST_READ_P99_MS);
      const bound = plan.people.length * unit + fullGcMs;
      checks.push(check(`p99 of ${kind} under ${plan.people.length} clients is bounded`, p99 <= bound,
        `p99 ${ms(p99)} (p50 ${ms(percentile(times, 50))}, max ${ms(Math.max(...times))}, ${times.length} calls${all.length > times.length ? `; ${all.length - times.length} held by a forced GC left out` : ''}) ≤ ${ms(bound)} = ${plan.people.length} × ${ms(unit)} (unloaded p99 ${ms(unloaded)}, at least bench's ${BENCH_SLOWEST_READ_P99_MS} ms) + one full GC ${ms(fullGcMs)}`,
        { value: Math.round(p99), unit: 'ms' }));
    }

    // Heap flat: what it keeps per call over the last two thirds.
    const tail = heap.filter((h) => h.t >= plan.durationMs / 3);
    const perMs = slope(tail);
    const tailCalls = [...work.ledger.times.values()].flat().filter((t) => t.from - t0 >= plan.durationMs / 3).length;
    const tailMs = tail.length ? tail.at(-1)!.t - plan.durationMs / 3 : 0;
    const perCall = tailCalls > 0 ? (perMs * tailMs) / tailCalls : NaN;
    const [first, last] = [heap[0], heap.at(-1)];
    checks.push(check(`the runtime's heap is flat (kept < ${plan.heapBytesPerCall / 1024} KB a call)`, !gcMissing && Number.isFinite(perCall) && perCall < plan.heapBytesPerCall,
      `${gcMissing ? 'NO global.gc in the runtime (not started with --expose-gc): samples not after a full GC; ' : ''}${heap.length} samples after a full GC every ${plan.heapEveryMs / 1000} s; heap ${first ? mb(first.bytes) : '?'} → ${last ? mb(last.bytes) : '?'}; over the last two thirds ${Number.isFinite(perMs) ? `${(perMs * 60_000 / MB).toFixed(2)} MB/min, ${(perCall / 1024).toFixed(2)} KB per call (${tailCalls} calls)` : 'too few samples'}; RSS ${first ? mb(first.rss) : '?'} → ${last ? mb(last.rss) : '?'}`,
      { value: Number.isFinite(perCall) ? Math.round(perCall) : -1, unit: 'bytes/call' }));

    // Read back: every request completed (each record created once), every deployment succeeded.
    const allSubmitted = [...base.submitted, ...work.submitted];
    const allDeployed = [...base.deployed, ...work.deployed];
    const readBackUntil = Date.now() + plan.stragglersMs;
    const requestStatus = new Map<string, string>();
    const deploymentStatus = new Map<string, string>();
    for (;;) {
      for (const r of allSubmitted) {
        if (ENDED_REQUEST.includes(requestStatus.get(r.id) ?? '')) continue;
        const res = await admin.send('GET', `/api/v1/requests/${r.id}/status`);
        requestStatus.set(r.id, res.status === 200 ? (res.body as { status: string }).status : `HTTP ${res.status}`);
      }
      for (const d of allDeployed) {
        if (ENDED.includes(deploymentStatus.get(d.id) ?? '')) continue;
        const res = await admin.send('GET', `/api/v1/deployments/${d.id}`);
        deploymentStatus.set(d.id, res.status === 200 ? (res.body as { status: string }).status : `HTTP ${res.status}`);
      }
      const open = [...requestStatus.values()].filter((s) => !ENDED_REQUEST.includes(s)).length + [...deploymentStatus.values()].filter((s) => !ENDED.includes(s)).length;
      if (open === 0 || Date.now() > readBackUntil) break;
      await sleep(500);
    }
    log(`read back ${allSubmitted.length} requests and ${allDeployed.length} deployments`);
    const tally = (m: Map<string, string>) => Object.entries([...m.values()].reduce<Record<string, number>>((t, s) => ({ ...t, [s]: (t[s] ?? 0) + 1 }), {})).map(([s, c]) => `${c} ${s}`).join(', ');
    const completed = allSubmitted.filter((r) => requestStatus.get(r.id) === 'completed');
    checks.push(check('every request submitted reached completed', allSubmitted.length > 0 && completed.length === allSubmitted.length,
      `${completed.length} of ${allSubmitted.length} completed (${tally(requestStatus) || 'none read'}), read back as admin, stragglers waited for at most ${plan.stragglersMs / 1000} s`,
      { value: allSubmitted.length - completed.length, unit: 'not completed' }));
    const counts = await runtime.counts();
    const once = allSubmitted.filter((r) => counts.dnsRecords.filter((fqdn) => fqdn.startsWith(`${r.name}.dev.`)).length === 1).length;
    checks.push(check('each request\'s DNS record was created once at the fake (none lost, none doubled)', allSubmitted.length > 0 && once === allSubmitted.length && counts.dnsCreates === allSubmitted.length,
      `${once} of ${allSubmitted.length} names hold exactly one record; the fake DNS API received ${counts.dnsCreates} creates and ${counts.hookDeliveries} announcements for ${allSubmitted.length} requests`,
      { value: counts.dnsCreates - allSubmitted.length, unit: 'extra creates' }));
    const succeeded = allDeployed.filter((d) => deploymentStatus.get(d.id) === 'succeeded');
    checks.push(check('every deployment started succeeded', allDeployed.length > 0 && succeeded.length === allDeployed.length,
      `${succeeded.length} of ${allDeployed.length} succeeded (${tally(deploymentStatus) || 'none read'})`,
      { value: allDeployed.length - succeeded.length, unit: 'not succeeded' }));

    // The runtime's own errors while it ran (a handler's 500, an uncaught error in a step, are logged at ERROR).
    const errorLines = runtime.lines().filter((l) => /"level":"(ERROR|CRITICAL)"|\[runtime\] (request|upgrade) failed|Uncaught|Unhandled/.test(l));
    checks.push(check('the runtime logged no error', errorLines.length === 0,
      errorLines.length ? `${errorLines.length} lines, first: ${errorLines[0]!.slice(0, 240)}` : `${runtime.lines().length} lines at ERROR and up written (the terminal's level), none an error`,
      { value: errorLines.length, unit: 'lines' }));
    return checks;
  } finally {
    await runtime.stop();
  }
}

export const scenarios: Scenario[] = [
  { group: 'load', name: 'soak: signed clients mix reads, submits, deploys', timeoutMs: 240_000, run: soak },
];
