/**
 * Section 10: what the deployment workflow adds to the GitOps and rollout calls it makes, and what the
 * deployment history costs as it grows (issue 14).
 *
 * - Workflow overhead: a developer deploys a fresh tag of core-service to dev or staging (in turn, so the
 *   environment the next one takes has been free for a whole deployment) through the local gateway, and the
 *   real state-machines/deployment.asl.json runs it on the local engine (the steps in this process,
 *   dynalite) against the in-memory doubles of the GitOps and rollout ports (local/testing/
 *   deployment-doubles.ts), with no wait between rollout checks (APOLLO_DEPLOY_POLL_SECONDS=0) and a
 *   rollout healthy at its first check. Timed from the POST to the `succeeded` frame on the `deployments`
 *   topic (subscribed before, so no frame is missed), against the same port calls made directly (commit,
 *   sync, status) and a `GET /api/v1/health`, interleaved. The doubles answer in microseconds, so what
 *   the first timing holds is the workflow's own cost: the API call, the engine and its steps' reads,
 *   writes and live frames.
 * - The DynamoDB commands of one whole deployment (POST to the end, every step).
 * - History at 100 and at 10,000 deployments: a service's page, everyone's page and one environment's
 *   page, p50/p95 and the DynamoDB commands of each, 10,000 / 100 (one index Query per page: ~1).
 *   Records are written straight into the table, as the store's createDeployment writes them.
 */
import { cpus, loadavg } from 'node:os';
import WebSocket from 'ws';
import type { Deployment } from '#schemas/index.ts';
import { ApiClient, type ApiResponse, type Credentials } from '#shared/api-client';
import { presignConnectUrl } from '#shared/realtime-client';
import { MemoryGitOps, MemoryRollout } from '../local/testing/deployment-doubles.ts';
import { batchPut, countDynamoCommands, countEach, untilIdle, type CommandCounts } from './dynamo-counter.ts';
import { describeCounts } from './dynamo-calls.ts';
import { formatMs, formatRatio, type Table } from './format.ts';
import type { Spread } from './fulfillment.ts';
import { median, percentile, ratio, timeInterleaved } from './stats.ts';

/** Deployments timed (after the warm-up), each interleaved with the direct port calls and a health GET. */
export const DEPLOY_RUNS = 20;
export const DEPLOY_WARMUP = 3;
export const HISTORY_SIZES = [100, 10_000] as const;
export const HISTORY_RUNS = 200;
export const HISTORY_WARMUP = 50;
/** The page the web app reads (web/src/pages/deployments/deployment-queries.ts). */
export const HISTORY_PAGE = 25;

/** A demo service with non-production environments (local/demo-services.ts), deployed to in turn. */
const SERVICE = 'core-service';
const ENVIRONMENTS = ['dev', 'staging'] as const;
/** The services the seeded history spreads over (demo services, so the records name real ones). */
const HISTORY_SERVICES = ['core-service', 'notification-service', 'api-gateway', 'frontend'];
const ENDED = new Set(['succeeded', 'failed', 'cancelled', 'refused', 'rejected', 'expired']);
const COUNTER = 'apolloBenchDeploymentsCounter';
const HISTORY_COUNTER = 'apolloBenchDeploymentHistoryCounter';
const END_TIMEOUT_MS = 60_000;

export interface DeploymentsTarget {
  readonly url: string;
  readonly realtimeUrl: string;
  readonly region: string;
  /** A developer's: deploys to non-production environments without an approval. */
  readonly credentials: Credentials;
}

export interface DeploymentOverhead {
  readonly deployments: number;
  /** POST → the `succeeded` frame. */
  readonly workflow: Spread;
  /** commit + sync + status on the same doubles, called in this process. */
  readonly direct: Spread;
  /** A signed GET /api/v1/health through the same gateway: one API round trip here. */
  readonly health: Spread;
  /** workflow p50 − direct p50. */
  readonly overheadMs: number;
  /** workflow p50 / direct p50. */
  readonly ratio: number;
  /** workflow p50 / health p50: what a deployment costs in API round trips. */
  readonly healthRatio: number;
}

export interface Deployments {
  readonly overhead: DeploymentOverhead;
  /** Every command of one deployment, from its POST until the process is quiet. */
  readonly commands: { readonly counts: CommandCounts; readonly total: number };
  readonly scans: boolean;
}

const spread = (samples: readonly number[]): Spread => ({ p50Ms: median(samples), minMs: Math.min(...samples), maxMs: Math.max(...samples) });
const totalOf = (counts: CommandCounts): number => Object.values(counts).reduce((a, b) => a + b, 0);
const runTag = Date.now().toString(36);

/** Frames of `deployments` as they arrive: the moment each deployment was heard ending (kept when it ends before its POST answers). */
class EndWatcher {
  private readonly ended = new Map<string, { status: string; at: number }>();
  private readonly waiting = new Map<string, (end: { status: string; at: number }) => void>();

  constructor(ws: WebSocket) {
    ws.on('message', (data) => {
      const at = performance.now();
      const frame = JSON.parse(data.toString()) as { type?: string; event?: string; data?: { id?: string; status?: string } };
      if (frame.type !== 'event' || frame.event !== 'deployment.changed' || !frame.data?.id || !ENDED.has(frame.data.status ?? '')) return;
      const end = { status: frame.data.status!, at };
      this.ended.set(frame.data.id, end);
      this.waiting.get(frame.data.id)?.(end);
    });
  }

  async end(id: string): Promise<{ status: string; at: number }> {
    const seen = this.ended.get(id);
    if (seen) return seen;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.waiting.delete(id); reject(new Error(`deployment ${id} did not end within ${END_TIMEOUT_MS / 1000} s`)); }, END_TIMEOUT_MS);
      this.waiting.set(id, (end) => { clearTimeout(timer); this.waiting.delete(id); resolve(end); });
    });
  }
}

async function subscribe(target: DeploymentsTarget, topic: string): Promise<WebSocket> {
  const ws = new WebSocket(await presignConnectUrl(target.realtimeUrl, target.region, target.credentials));
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  const subscribed = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no subscription to ${topic} within 5 s`)), 5_000);
    ws.on('message', function onMessage(data) {
      if (!data.toString().includes('"subscribed"')) return;
      clearTimeout(timer);
      ws.off('message', onMessage);
      resolve();
    });
  });
  ws.send(JSON.stringify({ action: 'subscribe', topic }));
  await subscribed;
  return ws;
}

export async function measureDeployments(target: DeploymentsTarget, runs = DEPLOY_RUNS, warmup = DEPLOY_WARMUP): Promise<Deployments> {
  if (process.env.APOLLO_DEPLOY_POLL_SECONDS !== '0') throw new Error('set APOLLO_DEPLOY_POLL_SECONDS=0 before the runtime starts: the section times the workflow, not its waits');
  // Imported once the runtime has set the environment, by the paths the handlers use: their modules.
  const { configureDeployments, deploymentsDeps } = await import('../functions/deployments/deps.ts');
  const { listEnvironments } = await import('#functions/services/public');

  const git = new MemoryGitOps();
  const rollout = new MemoryRollout(git);
  rollout.checksToHealthy = 0;
  let previous: ReturnType<typeof deploymentsDeps> | undefined;
  try { previous = deploymentsDeps(); } catch { previous = undefined; }
  configureDeployments({ gitops: git, rollout });

  const client = new ApiClient({ baseUrl: target.url, region: target.region, credentials: target.credentials });
  const ws = await subscribe(target, 'deployments');
  const watcher = new EndWatcher(ws);
  const counter = await countDynamoCommands(COUNTER);
  try {
    const environments = await listEnvironments(SERVICE);
    const targets = ENVIRONMENTS.map((name) => {
      const env = environments.find((e) => e.name === name);
      if (!env) throw new Error(`${SERVICE} has no ${name} environment: seed the demo data first`);
      return { service: SERVICE, environment: name, cluster: env.cluster, namespace: env.namespace };
    });

    let deployed = 0;
    /** One deployment: POST → its end heard on `deployments`. Fails on anything but `succeeded` with one commit made. */
    const workflowOnce = async (): Promise<number> => {
      const n = ++deployed;
      const commits = git.commits.length;
      const started = performance.now();
      const res = await client.request('POST /api/v1/deployments', {
        body: { service: SERVICE, environment: ENVIRONMENTS[n % 2]!, imageTag: `bench-${runTag}-${n}`, reason: 'npm run bench: workflow overhead', initiatedVia: 'api' },
      });
      const { id } = res.body;
      const end = await watcher.end(id);
      if (end.status !== 'succeeded') {
        const detail = (await client.request('GET /api/v1/deployments/{id}', { params: { id } })).body as Deployment;
        throw new Error(`bench deployment ${id} ${end.status}: ${detail.timeline.map((l) => l.message).join(' | ')}`);
      }
      if (git.commits.length - commits < 1) throw new Error(`deployment ${id} made no commit`);
      return end.at - started;
    };

    /** What the workflow asks of the ports for a commit-mode deployment, in order: commit, sync, one status check. */
    let direct = 0;
    const directOnce = async (): Promise<number> => {
      const n = ++direct;
      const deployTarget = targets[n % 2]!;
      const imageTag = `bench-direct-${runTag}-${n}`;
      const started = performance.now();
      const done = await git.commit({
        target: deployTarget, set: { imageTag }, deploymentId: `bench-direct-${runTag}-${n}`, title: `deploy ${SERVICE} ${imageTag} to ${deployTarget.environment}`,
        body: 'npm run bench: the port calls alone', author: { name: 'developer@apollo.local', email: 'developer@apollo.local' },
      });
      await rollout.sync(deployTarget, done.commitSha);
      const status = await rollout.status(deployTarget, { revision: done.commitSha, imageTag });
      const ms = performance.now() - started;
      if (status.phase !== 'healthy') throw new Error(`the rollout double says ${status.phase} at its first check: checksToHealthy should be 0`);
      return ms;
    };

    const healthOnce = async (): Promise<number> => {
      const started = performance.now();
      await client.request('GET /api/v1/health');
      return performance.now() - started;
    };

    const samples = [[], [], []] as number[][];
    const contenders = [workflowOnce, directOnce, healthOnce];
    for (let round = 0; round < warmup + runs; round++) {
      for (const [i, fn] of contenders.entries()) {
        const ms = await fn();
        if (round >= warmup) samples[i]!.push(ms);
      }
    }
    const [workflow, directSpread, health] = samples.map(spread) as [Spread, Spread, Spread];
    const overhead: DeploymentOverhead = {
      deployments: runs, workflow, direct: directSpread, health,
      overheadMs: workflow.p50Ms - directSpread.p50Ms, ratio: ratio(workflow.p50Ms, directSpread.p50Ms), healthRatio: ratio(workflow.p50Ms, health.p50Ms),
    };

    // One deployment counted whole: every command from its POST until the process is quiet.
    await untilIdle(counter);
    counter.reset();
    await workflowOnce();
    const counts = await untilIdle(counter);
    return { overhead, commands: { counts, total: totalOf(counts) }, scans: (counts.Scan ?? 0) > 0 };
  } finally {
    counter.remove();
    ws.close();
    configureDeployments(previous);
  }
}

export function deploymentsTables(result: Deployments): Table[] {
  const o = result.overhead;
  return [
    {
      title: `10. Deployments: workflow overhead per deployment (${o.deployments} deployments after ${DEPLOY_WARMUP} warm-up, interleaved with the direct port calls and a health GET)`,
      columns: ['what', 'p50', 'min', 'max', 'ratio (p50)'],
      rows: [
        ['deployment (POST → succeeded frame)', formatMs(o.workflow.p50Ms), formatMs(o.workflow.minMs), formatMs(o.workflow.maxMs), ''],
        ['direct: commit + sync + status', formatMs(o.direct.p50Ms), formatMs(o.direct.minMs), formatMs(o.direct.maxMs), ''],
        ['overhead per deployment', formatMs(o.overheadMs), '', '', formatRatio(o.ratio)],
        ['GET /api/v1/health', formatMs(o.health.p50Ms), formatMs(o.health.minMs), formatMs(o.health.maxMs), formatRatio(o.healthRatio)],
      ],
      notes: [
        `deployment: a developer's signed POST /api/v1/deployments of a fresh tag of ${SERVICE} to ${ENVIRONMENTS.join(' or ')} (in turn) → the local engine runs state-machines/deployment.asl.json`,
        '  (Prepare, Commit, Sync, WaitRollout of 0 s, CheckRollout healthy at once, Finalize: each a steps invocation that reads and updates the record, appends a timeline line and publishes on two topics) → the `succeeded` frame on `deployments`',
        'direct: the same GitOps and rollout calls on the same in-memory doubles (local/testing/deployment-doubles.ts), in this process: they cost microseconds, so the ratio is large by design;',
        '  the health row says what a deployment costs in API round trips here (deployment p50 / health p50), a ratio that holds across machines',
        'excluded: the waits (APOLLO_DEPLOY_POLL_SECONDS=0, the rollout double healthy at its first check) and what GitHub, Argo CD or Kubernetes take in AWS',
      ],
    },
    {
      title: '10b. DynamoDB commands of one whole deployment (POST → end, every step)',
      columns: ['deployment', 'commands', 'n'],
      rows: [[`deploy to ${ENVIRONMENTS[0]}/${ENVIRONMENTS[1]} (commit mode)`, describeCounts(result.commands.counts), result.commands.total]],
      notes: [
        'counted on the handlers\' shared client until it has been quiet for 250 ms (includes the POST\'s audit and idempotency records, the environment\'s claim and release, the catalog update and each publish\'s subscriber Query)',
        result.scans ? '!!! SCAN DETECTED while a deployment ran: the table design forbids Scan (ARCHITECTURE.md §3) !!!' : 'no Scan',
      ],
    },
  ];
}

// ---------------------------------------------------------------- history at 100 vs 10,000

interface HistoryRoute { readonly name: string; call(client: ApiClient): Promise<ApiResponse> }

export const HISTORY_ROUTES: readonly HistoryRoute[] = [
  { name: `one service (${SERVICE}, page of ${HISTORY_PAGE})`, call: (c) => c.request('GET /api/v1/deployments/history', { query: { service: SERVICE, limit: HISTORY_PAGE } }) },
  { name: `everyone's (page of ${HISTORY_PAGE})`, call: (c) => c.request('GET /api/v1/deployments/history', { query: { limit: HISTORY_PAGE } }) },
  { name: `one environment (${SERVICE} staging, page of ${HISTORY_PAGE})`, call: (c) => c.request('GET /api/v1/deployments/history', { query: { service: SERVICE, environment: 'staging', limit: HISTORY_PAGE } }) },
  // Not history, but it reads it (the environment's newest deployment, the dependency check's verified version): it must not grow with it either.
  { name: `POST /api/v1/deployments/preflight (${SERVICE} prod deploy: lock, freeze, window, dependencies, running)`, call: (c) => c.request('POST /api/v1/deployments/preflight', { body: { operation: 'deploy', service: SERVICE, environment: 'prod', imageTag: 'v99.0.0' } }) },
];

/** A filter no record matches: the page reads its whole index partition looking for one (counted once per size, not timed). */
const NO_MATCH: HistoryRoute = { name: 'everyone\'s, initiatedBy=nobody@apollo.local', call: (c) => c.request('GET /api/v1/deployments/history', { query: { initiatedBy: 'nobody@apollo.local', limit: HISTORY_PAGE } }) };

export interface HistorySizeResult {
  readonly deployments: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly dynamoCommands: CommandCounts;
}

export interface DeploymentHistory {
  readonly rows: ReadonlyArray<{
    readonly route: string;
    readonly bySize: readonly HistorySizeResult[];
    readonly ratioP50: number;
    readonly ratioP95: number;
    /** DynamoDB commands per call, largest size / smallest. */
    readonly ratioCommands: number;
  }>;
  /** One call of a filter that matches nothing, at each size: its commands and time. */
  readonly noMatch: ReadonlyArray<{ readonly deployments: number; readonly ms: number; readonly dynamoCommands: CommandCounts }>;
  readonly seedMs: number;
  readonly loadAverage: number;
}

/** How many deployment records the table holds: everyone's index partition, counted (bench-side, outside any counted call). */
async function countDeployments(): Promise<number> {
  const { db, tableName } = await import('#lib/table');
  const { QueryCommand } = await import('@aws-sdk/lib-dynamodb');
  let count = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await db.send(new QueryCommand({
      TableName: tableName(), IndexName: 'GSI2', KeyConditionExpression: 'GSI2PK = :pk', ExpressionAttributeValues: { ':pk': 'DEPLOYS' }, Select: 'COUNT', ExclusiveStartKey: startKey,
    }));
    count += out.Count ?? 0;
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  return count;
}

/** Recursively key-sorted JSON, to compare two items whatever order their attributes came in. */
const canonical = (value: unknown): string => JSON.stringify(value, (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));

/**
 * Ended deployments of a few demo services, the `from`th up to the `to`th, a few minutes apart going back
 * from now. The first goes through the store's createDeployment; the rest, built as the same META item,
 * with BatchWriteItem (one PutItem each would take ~30 s for 10,000 here). The first is read back and
 * compared with what this builds, so a change of the store's layout fails the bench instead of timing
 * the wrong items.
 */
async function seedDeployments(from: number, to: number): Promise<void> {
  if (to <= from) return;
  const { createDeployment, newDeploymentId } = await import('../functions/deployments/records.ts');
  const { getItem } = await import('#lib/table');
  type SeededRecord = Parameters<typeof createDeployment>[0];
  const now = Date.now();
  const record = (i: number): SeededRecord => {
    const service = HISTORY_SERVICES[i % HISTORY_SERVICES.length]!;
    const environment = ['dev', 'staging', 'prod'][Math.floor(i / HISTORY_SERVICES.length) % 3]!;
    const operation = i % 10 === 9 ? 'rollback' : i % 10 === 8 ? 'scale' : 'deploy';
    const status = i % 15 === 14 ? 'failed' : i % 40 === 39 ? 'cancelled' : 'succeeded';
    const createdAt = new Date(now - (i + 1) * 7 * 60_000);
    const completedAt = new Date(createdAt.getTime() + 90_000);
    return {
      id: newDeploymentId(), operation, service, environment, imageTag: `v1.${Math.floor(i / 12)}.${i % 12}`, previousImageTag: `v1.${Math.floor(i / 12)}.${(i + 11) % 12}`,
      replicas: operation === 'scale' ? 4 : 3, previousReplicas: 3, fromEnvironment: null,
      status, stage: 'done', initiatedBy: ['developer@apollo.local', 'operator@apollo.local'][i % 2]!, initiatedByRole: ['developer', 'operator'][i % 2]!, initiatedVia: 'ui',
      reason: `bench history ${i}`, gitCommit: `b${String(i).padStart(39, '0')}`, createdAt: createdAt.toISOString(), updatedAt: completedAt.toISOString(),
      completedAt: completedAt.toISOString(), durationMs: 90_000, error: status === 'failed' ? 'the rollout is degraded: CrashLoopBackOff' : null,
      approval: { required: environment === 'prod' && operation !== 'rollback' }, gitops: { kind: 'bench', repository: 'bench/gitops', path: `apps/${service}/${environment}/values.yaml` },
      rollout: { kind: 'bench', phase: status === 'failed' ? 'degraded' : 'healthy', message: status === 'failed' ? 'CrashLoopBackOff' : '3 of 3 pods ready' },
      cancel: null, rollbackOf: null, production: environment === 'prod', cluster: `eks-${environment}`, namespace: service, version: 6,
    };
  };
  const metaItem = (r: SeededRecord): Record<string, unknown> => ({
    PK: `DEPLOY#${r.id}`, SK: 'META', ...r, GSI1PK: `DEPLOYSVC#${r.service}`, GSI1SK: `${r.createdAt}#${r.id}`, GSI2PK: 'DEPLOYS', GSI2SK: `${r.createdAt}#${r.id}`,
  });
  const first = record(from);
  await createDeployment(first);
  const stored = await getItem({ PK: `DEPLOY#${first.id}`, SK: 'META' }, { consistent: true });
  if (canonical(stored) !== canonical(metaItem(first))) {
    throw new Error(`createDeployment writes another item than the bench builds: update seedDeployments in bench/deployments.ts\n  stored: ${canonical(stored)}\n  built:  ${canonical(metaItem(first))}`);
  }
  await batchPut(Array.from({ length: to - from - 1 }, (_, k) => metaItem(record(from + 1 + k))));
}

export async function measureDeploymentHistory(client: ApiClient, runs = HISTORY_RUNS, warmup = HISTORY_WARMUP): Promise<DeploymentHistory> {
  const counter = await countDynamoCommands(HISTORY_COUNTER);
  const perSize: Array<{ deployments: number; samples: number[][]; commands: CommandCounts[] }> = [];
  const noMatch: Array<{ deployments: number; ms: number; dynamoCommands: CommandCounts }> = [];
  let seedMs = 0;
  try {
    let seeded = 0;
    for (const size of HISTORY_SIZES) {
      const missing = Math.max(0, size - (await countDeployments()));
      const started = performance.now();
      await seedDeployments(seeded, seeded + missing);
      seedMs += performance.now() - started;
      seeded += missing;
      const calls = HISTORY_ROUTES.map((route) => async () => {
        const res = await route.call(client);
        if (res.status !== 200) throw new Error(`${route.name} answered ${res.status}`);
      });
      const samples = await timeInterleaved(calls, runs, warmup);
      const commands = await countEach(counter, calls);
      const deployments = await countDeployments();
      counter.reset();
      const noMatchStarted = performance.now();
      await NO_MATCH.call(client);
      noMatch.push({ deployments, ms: performance.now() - noMatchStarted, dynamoCommands: counter.counts });
      perSize.push({ deployments, samples, commands });
    }
  } finally {
    counter.remove();
  }
  const rows = HISTORY_ROUTES.map((route, i) => {
    const bySize = perSize.map((s): HistorySizeResult => ({ deployments: s.deployments, p50Ms: percentile(s.samples[i]!, 50), p95Ms: percentile(s.samples[i]!, 95), dynamoCommands: s.commands[i]! }));
    const [small, large] = [bySize[0]!, bySize.at(-1)!];
    return {
      route: route.name, bySize, ratioP50: ratio(large.p50Ms, small.p50Ms), ratioP95: ratio(large.p95Ms, small.p95Ms),
      ratioCommands: ratio(totalOf(large.dynamoCommands), totalOf(small.dynamoCommands)),
    };
  });
  return { rows, noMatch, seedMs: Math.round(seedMs), loadAverage: Math.round(loadavg()[0]! * 100) / 100 };
}

export function deploymentHistoryTables(result: DeploymentHistory): Table[] {
  const [small, large] = [result.rows[0]!.bySize[0]!.deployments, result.rows[0]!.bySize.at(-1)!.deployments];
  const [noMatchSmall, noMatchLarge] = [result.noMatch[0]!, result.noMatch.at(-1)!];
  return [{
    title: `10c. Deployment history at ${small} vs ${large} deployments (p50/p95 of ${HISTORY_RUNS} interleaved signed GETs each, after ${HISTORY_WARMUP} warm-up rounds, as admin)`,
    columns: ['call (GET /api/v1/deployments/history unless named)', `p50 @${small}`, `p95 @${small}`, `p50 @${large}`, `p95 @${large}`, 'p50 ratio', 'p95 ratio', `DynamoDB per call @${small}`, `@${large}`, 'calls ratio'],
    rows: result.rows.map((r) => {
      const [s, l] = [r.bySize[0]!, r.bySize.at(-1)!];
      return [r.route, formatMs(s.p50Ms), formatMs(s.p95Ms), formatMs(l.p50Ms), formatMs(l.p95Ms), formatRatio(r.ratioP50), formatRatio(r.ratioP95), describeCounts(s.dynamoCommands), describeCounts(l.dynamoCommands), formatRatio(r.ratioCommands)];
    }),
    notes: [
      `records written straight into dynalite as createDeployment writes them (BatchWriteItem) in ${result.seedMs} ms, spread over ${HISTORY_SERVICES.length} demo services × 3 environments (plus section 10's deployments of ${SERVICE});`,
      '  a service\'s history is one GSI1 Query (DEPLOYSVC#<service>), everyone\'s one GSI2 Query (DEPLOYS), newest first, one item more than the page: the calls ratio to watch is theirs (1.00×)',
      '  the other filters are a FilterExpression and a page takes as many Queries as it needs to fill: each next one asks only for the items still missing (+1), so an environment (a third of',
      '  a service\'s records) takes ~7 Queries for a full page of 25 at any size past a few hundred; at 100 its page is not full and the partition\'s end comes first',
      `a filter nothing matches (${NO_MATCH.name}) reads the whole partition: ${describeCounts(noMatchSmall.dynamoCommands)} in ${formatMs(noMatchSmall.ms)} at ${noMatchSmall.deployments}, ${describeCounts(noMatchLarge.dynamoCommands)} in ${formatMs(noMatchLarge.ms)} at ${noMatchLarge.deployments} (one call each, not timed in the loop)`,
      `p95 is 10 of ${HISTORY_RUNS} samples (1-min load average ${result.loadAverage} on ${cpus().length} cores)`,
    ],
  }];
}
