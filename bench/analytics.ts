/**
 * Section 14: the team and platform analytics at 1,000 vs 100,000 requests of history (issue 22).
 *
 * For each size, a team of its own gets that many requests spread over the last 365 days (six offerings, outcomes,
 * approval waits and times drawn from a fixed seed), counted into the day aggregates with the requests context's own
 * stats.ts (submittedWrites / endedWrites / deprovisionedWrites, folded per item and written with applyWrites, as a
 * real history adds them one UpdateItem at a time), plus the newest 2,000 request items (GSI2 REQTEAM#) for its
 * request list. Then the team's analytics, usage, request history and the platform's catalog adoption, usage and
 * performance are timed interleaved through the local gateway with the DynamoDB commands of each: the calls ratio to
 * watch is 1.00× (a window is a fixed number of day items, whatever the requests behind them).
 */
import { cpus, loadavg } from 'node:os';
import type { ApiClient, ApiResponse } from '#shared/api-client';
import type { StatsWrite } from '../functions/requests/stats.ts';
import { randomOf } from '../local/demo-deployments.ts';
import { batchPut, countDynamoCommands, countEach, type CommandCounts } from './dynamo-counter.ts';
import { describeCounts } from './dynamo-calls.ts';
import { formatMs, formatRatio, type Table } from './format.ts';
import { percentile, ratio, timeInterleaved } from './stats.ts';

export const HISTORY_SIZES = [1_000, 100_000] as const;
export const ANALYTICS_RUNS = 40;
export const ANALYTICS_WARMUP = 8;
const LISTED = 2_000;
const DAY = 86_400_000;
const COUNTER = 'apolloBenchAnalyticsCounter';
const OFFERINGS = ['dns-record', 'feature-environment', 'postgresql-database', 's3-bucket', 'new-microservice-repository', 'access-request'];

const teamOf = (size: number): string => `bench-history-${size}`;
const totalOf = (counts: CommandCounts): number => Object.values(counts).reduce((a, b) => a + b, 0);

interface Seed { readonly size: number; readonly items: number; readonly updates: number; readonly ms: number; readonly largestItemAttributes: number }

async function seedHistory(size: number): Promise<Seed> {
  const started = performance.now();
  const { submittedWrites, endedWrites, deprovisionedWrites, applyWrites, foldWrites } = await import('#functions/requests/stats');
  const { createTeam } = await import('../functions/identity/teams.ts');
  const team = teamOf(size);
  await createTeam({ id: team, name: `Bench ${size}`, description: 'Section 14 of npm run bench.' }, 'system:bench').catch((error: Error) => {
    if (error.name !== 'ConflictError') throw error;
  });
  const random = randomOf(`bench-history:${size}`);
  const now = Date.now();
  const folded = new Map<string, StatsWrite>();
  const fold = (writes: readonly StatsWrite[]): void => foldWrites(folded, writes);
  const listed: Record<string, unknown>[] = [];
  for (let i = 0; i < size; i++) {
    const createdAt = Math.floor(now - DAY - random() * 364 * DAY);
    const offering = OFFERINGS[Math.floor(random() * OFFERINGS.length)]!;
    const requester = `engineer-${Math.floor(random() * 300)}@bench.local`;
    const request = { team, offering: { id: offering }, requester, createdAt: new Date(createdAt).toISOString() };
    const approvalMs = random() < 0.4 ? random() * 6 * 3_600_000 : null;
    const workMs = 30_000 + random() * 30 * 60_000;
    const endedAt = new Date(createdAt + (approvalMs ?? 0) + workMs + 20_000).toISOString();
    const roll = random();
    const outcome = roll < 0.88 ? 'completed' : roll < 0.97 ? 'failed' : 'cancelled';
    fold(submittedWrites(request));
    fold(endedWrites(request, outcome === 'completed'
      ? { outcome, at: endedAt, slaMs: 30 * 60_000, phases: { totalMs: Date.parse(endedAt) - createdAt, fulfilMs: workMs + 20_000, approvalMs, actionsMs: { provision: workMs } } }
      : { outcome, at: endedAt, ...(outcome === 'failed' ? { reason: 'action-failed', action: 'provision' } : {}), ...(approvalMs ? { approvalMs } : {}) }));
    if (outcome === 'completed' && random() < 0.3) fold(deprovisionedWrites(request, new Date(Math.min(now, Date.parse(endedAt) + 5 * DAY)).toISOString()));
    listed.push({ createdAt, offering, requester, outcome, endedAt });
  }
  // The newest LISTED as request items (their list is one GSI2 page of 50, newest first).
  listed.sort((a, b) => (b.createdAt as number) - (a.createdAt as number));
  const items = listed.slice(0, LISTED).map((r, i) => {
    const id = `01BENCH${String(size).padStart(7, '0')}${String(i).padStart(12, '0')}`.slice(0, 26);
    const at = new Date(r.createdAt as number).toISOString();
    return {
      PK: `REQ#${id}`, SK: 'META', GSI2PK: `REQTEAM#${team}`, GSI2SK: `${at}#${id}`,
      id, offering: { id: r.offering, name: r.offering, version: '1.0.0' }, requester: r.requester, team, priority: 'normal', status: r.outcome,
      progress: 100, fulfillment: 'automated', currentAction: null, approvalId: null, createdAt: at, updatedAt: r.endedAt, completedAt: r.endedAt, eta: null, error: null,
    };
  });
  await batchPut(items);
  await applyWrites([...folded.values()]);
  const largest = Math.max(...[...folded.values()].map((w) => Object.keys(w.delta.add).length + Object.keys(w.delta.sets).length));
  return { size, items: items.length, updates: folded.size, ms: performance.now() - started, largestItemAttributes: largest };
}

interface Route { readonly name: string; call(client: ApiClient, size: number): Promise<ApiResponse> }
const ROUTES: readonly Route[] = [
  { name: 'teams/{id}/analytics (days=365)', call: (c, size) => c.request('GET /api/v1/teams/{id}/analytics', { params: { id: teamOf(size) }, query: { days: 365 } }) },
  { name: 'teams/{id}/analytics (days=90)', call: (c, size) => c.request('GET /api/v1/teams/{id}/analytics', { params: { id: teamOf(size) }, query: { days: 90 } }) },
  { name: 'teams/{id}/usage (days=365)', call: (c, size) => c.request('GET /api/v1/teams/{id}/usage', { params: { id: teamOf(size) }, query: { days: 365 } }) },
  { name: 'teams/{id}/requests (days=365)', call: (c, size) => c.request('GET /api/v1/teams/{id}/requests', { params: { id: teamOf(size) }, query: { days: 365 } }) },
  { name: 'teams/platform/catalog (days=365)', call: (c) => c.request('GET /api/v1/teams/{id}/catalog', { params: { id: 'platform' }, query: { days: 365 } }) },
  { name: 'stats/performance (days=365)', call: (c) => c.request('GET /api/v1/stats/performance', { query: { days: 365 } }) },
];

export interface AnalyticsScale {
  readonly rows: ReadonlyArray<{ route: string; bySize: Array<{ size: number; p50Ms: number; p95Ms: number; dynamoCommands: CommandCounts }>; ratioP50: number; ratioP95: number; ratioCommands: number }>;
  readonly seeds: readonly Seed[];
  readonly runs: number;
  readonly warmup: number;
  readonly scans: boolean;
  readonly loadAverage: number;
}

export async function measureAnalyticsScale(client: ApiClient, runs = ANALYTICS_RUNS, warmup = ANALYTICS_WARMUP): Promise<AnalyticsScale> {
  const counter = await countDynamoCommands(COUNTER);
  const perSize: Array<{ size: number; samples: number[][]; commands: CommandCounts[] }> = [];
  const seeds: Seed[] = [];
  try {
    for (const size of HISTORY_SIZES) {
      seeds.push(await seedHistory(size));
      const calls = ROUTES.map((route) => async () => {
        const res = await route.call(client, size);
        if (res.status !== 200) throw new Error(`GET ${route.name} answered ${res.status}: ${JSON.stringify(res.body)}`);
      });
      const samples = await timeInterleaved(calls, runs, warmup);
      const commands = await countEach(counter, calls);
      perSize.push({ size, samples, commands });
    }
  } finally {
    counter.remove();
  }
  const rows = ROUTES.map((route, i) => {
    const bySize = perSize.map((s) => ({ size: s.size, p50Ms: percentile(s.samples[i]!, 50), p95Ms: percentile(s.samples[i]!, 95), dynamoCommands: s.commands[i]! }));
    const [small, large] = [bySize[0]!, bySize.at(-1)!];
    return { route: route.name, bySize, ratioP50: ratio(large.p50Ms, small.p50Ms), ratioP95: ratio(large.p95Ms, small.p95Ms), ratioCommands: ratio(totalOf(large.dynamoCommands), totalOf(small.dynamoCommands)) };
  });
  return {
    rows, seeds, runs, warmup,
    scans: rows.some((r) => r.bySize.some((s) => (s.dynamoCommands.Scan ?? 0) > 0)),
    loadAverage: Math.round(loadavg()[0]! * 100) / 100,
  };
}

export function analyticsScaleTable(result: AnalyticsScale): Table {
  const [small, large] = [result.seeds[0]!, result.seeds.at(-1)!];
  const n = (v: number): string => v.toLocaleString('en');
  return {
    title: `14. Team and platform analytics at ${n(small.size)} vs ${n(large.size)} requests of history (p50/p95 of ${result.runs} interleaved signed GETs each, after ${result.warmup} warm-up rounds, as admin)`,
    columns: ['GET /api/v1/…', `p50 @${n(small.size)}`, `p95 @${n(small.size)}`, `p50 @${n(large.size)}`, `p95 @${n(large.size)}`, 'p50 ratio', 'p95 ratio', `DynamoDB per call @${n(small.size)}`, `@${n(large.size)}`, 'calls ratio'],
    rows: result.rows.map((r) => {
      const [s, l] = [r.bySize[0]!, r.bySize.at(-1)!];
      return [r.route, formatMs(s.p50Ms), formatMs(s.p95Ms), formatMs(l.p50Ms), formatMs(l.p95Ms), formatRatio(r.ratioP50), formatRatio(r.ratioP95), describeCounts(s.dynamoCommands), describeCounts(l.dynamoCommands), formatRatio(r.ratioCommands)];
    }),
    notes: [
      `each size's team: its requests over 365 days counted with functions/requests/stats.ts (${n(small.updates)} and ${n(large.updates)} day items updated, in ${(small.ms / 1000).toFixed(1)} s and ${(large.ms / 1000).toFixed(1)} s),`,
      `  plus its newest ${n(LISTED)} request items for the list (the list reads one page of 50; the rest of a history is never read by these routes)`,
      `the platform partition holds both histories at the second size (${n(small.size + large.size)} requests): catalog and performance read it`,
      `an item's attributes grow with offerings × time buckets, not with requests: at most ${n(large.largestItemAttributes)} attributes in one day item at ${n(large.size)} (${n(small.largestItemAttributes)} at ${n(small.size)})`,
      result.scans ? '!!! SCAN DETECTED on the analytics read path: the table design forbids Scan (ARCHITECTURE.md §3) !!!' : 'no Scan',
      `p95 is nearest-rank over ${result.runs} samples (1-min load average ${result.loadAverage} on ${cpus().length} cores)`,
    ],
  };
}
