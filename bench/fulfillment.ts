/**
 * Section 9: what the fulfilment engine adds to the actions it runs, and what following a request costs.
 *
 * - Engine overhead: an offering of N REST actions, each a POST to a bare `node:http` server on loopback
 *   that answers 200 `{}` at once, requested through the local gateway and fulfilled by the real
 *   state-machines/fulfillment.asl.json on the local engine (aws-local-stepfunctions, the steps in this
 *   process, dynalite). Timed from the submit to the `completed` frame on the team's `requests:<team>`
 *   topic (subscribed before the submit, so no frame is missed), against the same N actions run by
 *   `executeAction` directly in this process, interleaved. Run at N = 10 and N = 1: the difference is
 *   what one more action costs, without the request's fixed part (submit, validate, queue, complete).
 * - The DynamoDB commands of one whole request (submit to end, every step), at both sizes.
 * - `GET /api/v1/requests/{id}/status` through the local gateway against `GET /api/v1/health`,
 *   interleaved, and against the product spec (status under 50 ms).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import type { Request, RequestStatus } from '#schemas/index.ts';
import { ApiClient, type Credentials } from '#shared/api-client';
import { presignConnectUrl } from '#shared/realtime-client';
import { countDynamoCommands, untilIdle, type CommandCounts } from './dynamo-counter.ts';
import { describeCounts } from './dynamo-calls.ts';
import { formatMs, formatRatio, type Table } from './format.ts';
import type { Quantiles } from './gateway-latency.ts';
import { median, percentile, ratio, timeInterleaved } from './stats.ts';

/**
 * Like timeInterleaved, but each function answers its own milliseconds: a request's end is the moment
 * its frame arrived, not when the awaiting code resumed after checking it.
 */
async function interleaved(fns: ReadonlyArray<() => Promise<number>>, runs: number, warmup: number): Promise<number[][]> {
  const samples = fns.map(() => [] as number[]);
  for (let round = 0; round < warmup + runs; round++) {
    for (const [i, fn] of fns.entries()) {
      const ms = await fn();
      if (round >= warmup) samples[i]!.push(ms);
    }
  }
  return samples;
}

/** Requests timed per size (after the warm-up), each size interleaved with its direct calls. */
export const FULFILMENT_RUNS = 10;
export const FULFILMENT_WARMUP = 2;
export const ACTION_COUNTS = [10, 1] as const;
export const STATUS_RUNS = 300;
export const STATUS_WARMUP = 30;
/** The product spec: a request's status answers in under 50 ms. */
export const STATUS_SPEC_MS = 50;

/** The env var the actions' URL template reads (allowlisted in APOLLO_TEMPLATE_ENV for the run). */
export const NOOP_URL_ENV = 'APOLLO_BENCH_NOOP_URL';
export const EGRESS_ALLOW_ENV = 'APOLLO_EGRESS_ALLOW';
export const TEMPLATE_ENV = 'APOLLO_TEMPLATE_ENV';
/** The team the bench's requests are for (the admin leads it in the demo data): its topic tells their end. */
const TEAM = 'platform';
const COUNTER = 'apolloBenchFulfilmentCounter';
const END_TIMEOUT_MS = 60_000;

export interface FulfilmentTarget {
  readonly url: string;
  readonly realtimeUrl: string;
  readonly region: string;
  /** An admin's: the requester of the bench's requests, in team platform. */
  readonly credentials: Credentials;
}

export interface Spread { readonly p50Ms: number; readonly minMs: number; readonly maxMs: number }

export interface EngineRun {
  readonly actions: number;
  readonly requests: number;
  /** Submit → the `completed` frame. */
  readonly engine: Spread;
  /** The same actions, `executeAction` one after the other in this process. */
  readonly direct: Spread;
  /** (engine p50 − direct p50) / actions: the request's fixed part spread over its actions. */
  readonly overheadPerActionMs: number;
  readonly ratio: number;
}

export interface MarginalAction {
  /** (engine p50 at N − at 1) / (N − 1). */
  readonly engineMs: number;
  readonly directMs: number;
  readonly overheadMs: number;
  readonly ratio: number;
}

export interface RequestCommands {
  readonly actions: number;
  readonly counts: CommandCounts;
  readonly total: number;
}

export interface StatusLatency {
  readonly route: string;
  readonly status: Quantiles;
  readonly health: Quantiles;
  readonly ratioP50: number;
  readonly ratioP99: number;
  readonly specMs: number;
  readonly meetsSpec: boolean;
}

export interface Fulfilment {
  readonly runs: readonly EngineRun[];
  readonly marginal: MarginalAction;
  readonly commands: readonly RequestCommands[];
  /** One more action's commands (N − 1 apart, per action), by name. */
  readonly commandsPerAction: Readonly<Record<string, number>>;
  readonly scans: boolean;
  readonly status: StatusLatency;
}

const spread = (samples: readonly number[]): Spread => ({ p50Ms: median(samples), minMs: Math.min(...samples), maxMs: Math.max(...samples) });
const quantiles = (samples: readonly number[]): Quantiles => ({ p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99) });
const totalOf = (counts: CommandCounts): number => Object.values(counts).reduce((a, b) => a + b, 0);

/** A server that answers every request 200 `{}` at once: the cheapest target an action can have. */
export async function startNoopServer(): Promise<{ url: string; received(): number; close(): Promise<void> }> {
  let received = 0;
  const server: Server = createServer((req, res) => {
    received++;
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '2' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received: () => received,
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

/** Sets env vars for the section and answers how to put them back. */
export function withEnv(changes: Record<string, string>): () => void {
  const before = Object.fromEntries(Object.keys(changes).map((name) => [name, process.env[name]]));
  Object.assign(process.env, changes);
  return () => {
    for (const [name, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

export const appended = (list: string | undefined, value: string): string => [...(list ?? '').split(',').map((v) => v.trim()).filter(Boolean), value].join(',');

/** An automated offering of `count` REST actions, each a POST to the no-op server; no approval, one optional field. */
export function noopOffering(id: string, count: number) {
  return {
    schemaVersion: '2.0',
    metadata: { id, name: `Bench: ${count} no-op calls`, description: 'npm run bench: REST actions against a loopback server that answers at once.', category: 'bench', owner: TEAM, version: '1.0.0' },
    presentation: { fields: [{ id: 'label', type: 'string', label: 'Label' }] },
    fulfillment: {
      type: 'automated',
      actions: Array.from({ length: count }, (_, i) => ({
        id: `call_${i + 1}`, name: `No-op call ${i + 1}`, type: 'rest',
        config: { method: 'POST', url: `{{env.${NOOP_URL_ENV}}}/noop`, body: { request: '{{request.id}}', call: i + 1, label: '{{fields.label}}' } },
      })),
    },
  };
}

/**
 * Frames of `requests:<team>` as they arrive: the moment each request was heard ending. A frame that
 * arrives before its submit has answered (the engine starts at once) is kept for it.
 */
class EndWatcher {
  private readonly ended = new Map<string, { status: string; at: number }>();
  private readonly waiting = new Map<string, (end: { status: string; at: number }) => void>();

  constructor(ws: WebSocket) {
    ws.on('message', (data) => {
      const at = performance.now();
      const frame = JSON.parse(data.toString()) as { type?: string; event?: string; data?: { id?: string; status?: string } };
      if (frame.type !== 'event' || frame.event !== 'request.changed' || !frame.data?.id) return;
      const { id, status = '' } = frame.data;
      if (status !== 'completed' && status !== 'failed') return;
      const end = { status, at };
      this.ended.set(id, end);
      this.waiting.get(id)?.(end);
    });
  }

  async end(id: string): Promise<{ status: string; at: number }> {
    const seen = this.ended.get(id);
    if (seen) return seen;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.waiting.delete(id); reject(new Error(`request ${id} did not end within ${END_TIMEOUT_MS / 1000} s`)); }, END_TIMEOUT_MS);
      this.waiting.set(id, (end) => { clearTimeout(timer); this.waiting.delete(id); resolve(end); });
    });
  }
}

async function subscribeTeam(target: FulfilmentTarget): Promise<WebSocket> {
  const ws = new WebSocket(await presignConnectUrl(target.realtimeUrl, target.region, target.credentials));
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  const subscribed = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no subscription to requests:${TEAM} within 5 s`)), 5_000);
    ws.on('message', function onMessage(data) {
      if (!data.toString().includes('"subscribed"')) return;
      clearTimeout(timer);
      ws.off('message', onMessage);
      resolve();
    });
  });
  ws.send(JSON.stringify({ action: 'subscribe', topic: `requests:${TEAM}` }));
  await subscribed;
  return ws;
}

export async function measureFulfilment(target: FulfilmentTarget, runs = FULFILMENT_RUNS, warmup = FULFILMENT_WARMUP): Promise<Fulfilment> {
  // Imported once the runtime has set the environment (the table client reads it when created), and
  // by the specifiers the handlers use, so these are their modules.
  const { putVersion } = await import('../functions/offerings/adapters/dynamo-store.ts');
  const { executeAction } = await import('../functions/requests/actions/index.ts');
  type ActionRun = Parameters<typeof executeAction>[0];

  const client = new ApiClient({ baseUrl: target.url, region: target.region, credentials: target.credentials });
  const noop = await startNoopServer();
  const restoreEnv = withEnv({
    [NOOP_URL_ENV]: noop.url,
    [TEMPLATE_ENV]: appended(process.env[TEMPLATE_ENV], NOOP_URL_ENV),
    [EGRESS_ALLOW_ENV]: appended(process.env[EGRESS_ALLOW_ENV], `${noop.url}/`),
  });
  const ws = await subscribeTeam(target);
  const watcher = new EndWatcher(ws);
  const counter = await countDynamoCommands(COUNTER);
  counter.reset();
  try {
    const offerings = new Map<number, ReturnType<typeof noopOffering>>();
    for (const count of ACTION_COUNTS) {
      const id = `bench-noop-${count}`;
      const doc = noopOffering(id, count);
      await putVersion(doc as unknown as Parameters<typeof putVersion>[0], { repo: 'apollo-bench/catalog', path: `catalog/${id}.yaml`, sha: `bench-${id}-${Date.now()}`, ownerTeam: TEAM });
      offerings.set(count, doc);
    }

    let lastId = '';
    /** One request: submit → its end heard on the team topic. Fails on anything but `completed` with every call made. */
    const engineOnce = async (count: number): Promise<number> => {
      const calls = noop.received();
      const started = performance.now();
      const res = await client.send('POST', '/api/v1/requests', { body: { offeringId: `bench-noop-${count}`, team: TEAM, fields: { label: 'bench' } } });
      if (res.status !== 201) throw new Error(`POST /api/v1/requests answered ${res.status}: ${JSON.stringify(res.body)}`);
      const { id } = res.body as Request;
      const end = await watcher.end(id);
      if (end.status !== 'completed') {
        const detail = (await client.send('GET', `/api/v1/requests/${id}`)).body as Request;
        throw new Error(`bench request ${id} ${end.status}: ${detail.timeline?.map((e) => e.message).join(' | ')}`);
      }
      if (noop.received() - calls !== count) throw new Error(`request ${id} made ${noop.received() - calls} calls, not ${count}`);
      lastId = id;
      return end.at - started;
    };

    /** The same actions through `executeAction` directly, as the StartAction step calls it, one after the other. */
    let direct = 0;
    const directOnce = async (count: number): Promise<number> => {
      const doc = offerings.get(count)!;
      const requestId = `bench-direct-${++direct}`;
      const started = performance.now();
      for (const action of doc.fulfillment.actions) {
        const run = {
          requestId, action, attempt: 1, idempotencyKey: `${requestId}/${action.id}/1`, timeoutMs: 30_000, sensitiveOutputs: {},
          variables: {
            fields: { label: 'bench' }, metadata: doc.metadata, request: { id: requestId, requester: 'admin@apollo.local', team: TEAM, createdAt: new Date().toISOString() },
            user: { email: 'admin@apollo.local', principal: 'admin@apollo.local', role: 'admin' }, team: { id: TEAM }, system: { region: target.region, stage: 'local' },
            env: { [NOOP_URL_ENV]: noop.url }, output: {}, secretFields: [],
          },
        } as unknown as ActionRun;
        const result = await executeAction(run, { secrets: { kind: 'none', get: () => Promise.resolve(undefined) } });
        if (result.outcome !== 'succeeded') throw new Error(`direct ${action.id} failed: ${result.error?.code} ${result.error?.message}`);
      }
      return performance.now() - started;
    };

    const samples = await interleaved(ACTION_COUNTS.flatMap((count) => [() => engineOnce(count), () => directOnce(count)]), runs, warmup);
    const engineRuns = ACTION_COUNTS.map((count, i): EngineRun => {
      const engine = spread(samples[2 * i]!);
      const directSpread = spread(samples[2 * i + 1]!);
      return { actions: count, requests: runs, engine, direct: directSpread, overheadPerActionMs: (engine.p50Ms - directSpread.p50Ms) / count, ratio: ratio(engine.p50Ms, directSpread.p50Ms) };
    });
    const [many, one] = [engineRuns[0]!, engineRuns[1]!];
    const span = many.actions - one.actions;
    const engineMs = (many.engine.p50Ms - one.engine.p50Ms) / span;
    const directMs = (many.direct.p50Ms - one.direct.p50Ms) / span;
    const marginal = { engineMs, directMs, overheadMs: engineMs - directMs, ratio: ratio(engineMs, directMs) };

    // One request of each size counted whole: every command from its submit until the process is quiet.
    await untilIdle(counter);
    const commands: RequestCommands[] = [];
    for (const count of ACTION_COUNTS) {
      counter.reset();
      await engineOnce(count);
      const counts = await untilIdle(counter);
      commands.push({ actions: count, counts, total: totalOf(counts) });
    }
    const [cMany, cOne] = [commands[0]!.counts, commands[1]!.counts];
    const names = [...new Set([...Object.keys(cMany), ...Object.keys(cOne)])];
    const commandsPerAction = Object.fromEntries(names.map((n) => [n, ((cMany[n] ?? 0) - (cOne[n] ?? 0)) / span]).filter(([, v]) => v !== 0));
    const scans = commands.some((c) => (c.counts.Scan ?? 0) > 0);

    return { runs: engineRuns, marginal, commands, commandsPerAction, scans, status: await measureStatus(client, lastId) };
  } finally {
    counter.remove();
    ws.close();
    restoreEnv();
    await noop.close();
  }
}

/** The status route against health, interleaved (as section 5), on a completed request. */
async function measureStatus(client: ApiClient, id: string, runs = STATUS_RUNS, warmup = STATUS_WARMUP): Promise<StatusLatency> {
  const expect200 = (what: string, status: number) => { if (status !== 200) throw new Error(`${what} answered ${status}; the benchmark needs 200`); };
  const path = `/api/v1/requests/${id}/status`;
  const first = await client.send('GET', path);
  expect200(path, first.status);
  if ((first.body as RequestStatus).status !== 'completed') throw new Error(`${path} says ${(first.body as RequestStatus).status}, not completed`);
  const [statusMs = [], healthMs = []] = await timeInterleaved([
    async () => expect200(path, (await client.send('GET', path)).status),
    async () => expect200('/api/v1/health', (await client.send('GET', '/api/v1/health')).status),
  ], runs, warmup);
  const status = quantiles(statusMs);
  const health = quantiles(healthMs);
  return {
    route: 'GET /api/v1/requests/{id}/status', status, health, ratioP50: ratio(status.p50Ms, health.p50Ms), ratioP99: ratio(status.p99Ms, health.p99Ms),
    specMs: STATUS_SPEC_MS, meetsSpec: status.p99Ms < STATUS_SPEC_MS,
  };
}

export function fulfilmentTables(result: Fulfilment): Table[] {
  const m = result.marginal;
  const spec = result.status;
  return [
    {
      title: `9. Fulfilment: engine overhead per action (${FULFILMENT_RUNS} requests per size after ${FULFILMENT_WARMUP} warm-up, interleaved with the direct calls)`,
      columns: ['offering', 'engine p50', 'min', 'max', 'direct p50', 'overhead / action', 'ratio'],
      rows: [
        ...result.runs.map((r) => [`${r.actions} REST action${r.actions === 1 ? '' : 's'}`, formatMs(r.engine.p50Ms), formatMs(r.engine.minMs), formatMs(r.engine.maxMs), formatMs(r.direct.p50Ms), formatMs(r.overheadPerActionMs), formatRatio(r.ratio)]),
        [`one more action (${result.runs[0]!.actions} vs ${result.runs[1]!.actions})`, formatMs(m.engineMs), '', '', formatMs(m.directMs), formatMs(m.overheadMs), formatRatio(m.ratio)],
      ],
      notes: [
        'engine: signed POST /api/v1/requests → the local engine runs state-machines/fulfillment.asl.json (steps in process, dynalite) → the `completed` frame on requests:<team>',
        'direct: the same actions through executeAction in this process, one after the other; both POST to a bare node:http server answering 200 {} at once',
        'overhead / action = (engine − direct) / actions; one more action: the difference of the two sizes per action, without the request\'s fixed part',
        'each action is three Task states (NextAction, StartAction, CollectAction), each a steps invocation reading and writing the request\'s records and publishing its progress',
      ],
    },
    {
      title: '9b. DynamoDB commands of one whole request (submit → end, every step)',
      columns: ['offering', 'commands', 'n'],
      rows: [
        ...result.commands.map((c) => [`${c.actions} REST action${c.actions === 1 ? '' : 's'}`, describeCounts(c.counts), c.total]),
        ['one more action', describeCounts(result.commandsPerAction), Object.values(result.commandsPerAction).reduce((a, b) => a + b, 0)],
      ],
      notes: [
        'counted on the handlers\' shared client until it has been quiet for 250 ms (includes the submit\'s audit and idempotency records and each publish\'s subscriber Query)',
        result.scans ? '!!! SCAN DETECTED while a request was fulfilled: the table design forbids Scan (ARCHITECTURE.md §3) !!!' : 'no Scan',
      ],
    },
    {
      title: `9c. Request status through the local gateway (${STATUS_RUNS} sequential requests after ${STATUS_WARMUP} warm-up, interleaved with health)`,
      columns: ['route', 'p50', 'p99', 'ratio p50', 'ratio p99', `spec < ${spec.specMs} ms`],
      rows: [
        ['GET /api/v1/health', formatMs(spec.health.p50Ms), formatMs(spec.health.p99Ms), formatRatio(1), formatRatio(1), ''],
        [spec.route, formatMs(spec.status.p50Ms), formatMs(spec.status.p99Ms), formatRatio(spec.ratioP50), formatRatio(spec.ratioP99), spec.meetsSpec ? 'met (p99)' : 'MISSED (p99)'],
      ],
      notes: ['signed ApiClient as admin (the requester) on a completed request; ratio = status / health; the spec is held against the p99'],
    },
  ];
}
