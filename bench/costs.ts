/**
 * Section 13: what the costs context costs (issue 21).
 *
 * - 13, Cost Explorer requests per daily run: the cost-ingest job (functions/costs/ingest.ts) as the local runtime
 *   configures it (its LOCAL demo Cost Explorer over the demo catalog, which counts the requests a real one would
 *   bill, $0.01 each), run once on a clean slate (the 90-day backfill) and once more (a daily run: the last 3 days
 *   again). Runs before the table grows: the demo source bills every service in the catalog, and section 7 adds
 *   10,000.
 * - 13b, the read path at 50 vs 500 services × 365 days: what the job would have written for that many services
 *   (the day and month roll-ups, built with the context's own rollup.ts and written with its records.ts, the
 *   ingest marker, and one service's raw records), then the summary, a service's history, an environment's tree
 *   and the forecast timed interleaved through the local gateway, with the DynamoDB commands of each. Item
 *   counts do not grow with services (the calls ratio to watch is 1.00×); item sizes do, so the largest month
 *   roll-ups are weighed against DynamoDB's 400 KB.
 */
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import type { ApiClient, ApiResponse } from '#shared/api-client';
import type { CostDay, CostDayDetail, CostRecord } from '../functions/costs/records.ts';
import { batchPut, countDynamoCommands, countEach, untilIdle, type CommandCounts } from './dynamo-counter.ts';
import { describeCounts } from './dynamo-calls.ts';
import { formatMs, formatRatio, type Table } from './format.ts';
import { percentile, ratio, timeInterleaved } from './stats.ts';

export const COST_SIZES = [50, 500] as const;
export const COST_DAYS = 365;
export const COST_RUNS = 50;
export const COST_WARMUP = 10;

/** The one service whose raw records are written: its history is the only read of them (GSI1 COSTSVC#<service>). */
const SERVICE = 'bench-svc-000';
const ENVIRONMENTS = [['prod', 1], ['staging', 0.4], ['dev', 0.25]] as const;
/** An app's AWS services and its share of the app's spend on each. */
const SPLIT = [['Amazon Elastic Compute Cloud - Compute', 0.75], ['EC2 - Other', 0.15], ['Amazon Elastic Load Balancing', 0.1]] as const;
/** Tagged with the environment only (per environment, a day), and with no tag at all (a day): the same at any size. */
const SHARED = [['Amazon Elastic Container Service for Kubernetes', 2.4], ['Amazon CloudWatch', 1.1]] as const;
const UNTAGGED = [['AWS Data Transfer', 3.2], ['Amazon Simple Storage Service', 1.9], ['EC2 - Other', 4.1]] as const;
/** DynamoDB's item size limit (400 KB), as dynalite holds it. */
const MAX_ITEM_BYTES = 409_600;
const INGEST_COUNTER = 'apolloBenchCostIngestCounter';
const READS_COUNTER = 'apolloBenchCostReadsCounter';

const totalOf = (counts: CommandCounts): number => Object.values(counts).reduce((a, b) => a + b, 0);
const serviceId = (i: number): string => `bench-svc-${String(i).padStart(3, '0')}`;
const r4 = (n: number): number => Math.round(n * 10_000) / 10_000;

/** An item's size as dynalite (and DynamoDB) count it against 400 KB: attribute names plus typed values. */
async function itemBytes(item: Record<string, unknown>): Promise<number> {
  const { marshall } = await import('@aws-sdk/util-dynamodb');
  const { itemSize } = createRequire(import.meta.url)('dynalite/db/index.js') as { itemSize(item: Record<string, unknown>): number };
  return itemSize(marshall(item, { removeUndefinedValues: true }));
}

// ---------------------------------------------------------------- 13: Cost Explorer requests per daily run

export interface CostIngestRun {
  readonly run: 'backfill' | 'daily';
  readonly status: string;
  readonly range: { readonly start: string; readonly end: string };
  readonly days: number;
  readonly records: number;
  /** What a real Cost Explorer would have billed ($0.01 each). */
  readonly requests: number;
  readonly anomalies: number;
  readonly deleted: number;
  readonly problems: readonly string[];
  readonly ms: number;
  readonly dynamoCommands: CommandCounts;
}

export interface CostIngest {
  readonly runs: readonly CostIngestRun[];
  readonly source: string;
  readonly scans: boolean;
}

/**
 * The cost-ingest job with the deps the local runtime gave it (costsDeps: the LOCAL demo Cost Explorer and EC2
 * inventory, the LOCAL FAKE OpenCost), nothing reconfigured. The ingest marker is deleted first, so the first run
 * is the backfill whatever ran before; the second, straight after, fetches what a daily run fetches.
 */
export async function measureCostIngest(): Promise<CostIngest> {
  const { deleteItem } = await import('#lib/table');
  const { costsDeps } = await import('../functions/costs/deps.ts');
  const { runCostIngest } = await import('../functions/costs/ingest.ts');
  const counter = await countDynamoCommands(INGEST_COUNTER);
  const runs: CostIngestRun[] = [];
  try {
    await deleteItem({ PK: 'COSTINGEST', SK: 'LATEST' });
    for (const run of ['backfill', 'daily'] as const) {
      await untilIdle(counter);
      counter.reset();
      const started = performance.now();
      const result = await runCostIngest();
      const ms = performance.now() - started;
      // Anything the run left in flight (a publish, a notification) counts too.
      const dynamoCommands = await untilIdle(counter);
      runs.push({
        run, status: result.status, range: result.range, days: result.days, records: result.records, requests: result.requests,
        anomalies: result.anomalies, deleted: result.deleted, problems: result.problems, ms, dynamoCommands,
      });
    }
  } finally {
    counter.remove();
  }
  const { source } = await costsDeps();
  return { runs, source: source.label, scans: runs.some((r) => (r.dynamoCommands.Scan ?? 0) > 0) };
}

export function costIngestTable(result: CostIngest): Table {
  return {
    title: '13. Costs: Cost Explorer requests per run of the cost-ingest job (the LOCAL demo source over the demo catalog)',
    columns: ['run', 'range', 'days', 'records', 'Cost Explorer requests', 'at $0.01', 'duration', 'DynamoDB commands', 'n'],
    rows: result.runs.map((r) => [
      r.run === 'backfill' ? 'first (90-day backfill)' : 'daily (last 3 days again)', `${r.range.start} → ${r.range.end}`, r.days, r.records, r.requests,
      `$${(r.requests * 0.01).toFixed(2)}`, formatMs(r.ms), describeCounts(r.dynamoCommands), totalOf(r.dynamoCommands),
    ]),
    notes: [
      `source: ${result.source}; the demo counts one GetCostAndUsage per environment and one for untagged cost, plus the forecast, the anomalies,`,
      '  four coverage and utilization calls and Cost Explorer\'s recommendations; a real one also pages GetCostAndUsage (NextPageToken) when a',
      '  range holds many (service tag × AWS service) groups: a large estate\'s backfill takes more pages than the demo counts (a daily run\'s 3 days rarely do)',
      'a daily run asks as many requests as the backfill: the count follows the environments, not the days',
      'duration: the whole job in this process (its reads and writes to dynalite, the anomaly detection, the recommendations, the LOCAL FAKE OpenCost over loopback);',
      '  DynamoDB commands counted on the handlers\' client until it has been quiet for 250 ms (the job\'s notifications included)',
      ...result.runs.filter((r) => r.problems.length).map((r) => `${r.run} run was ${r.status}: ${r.problems.join('; ')}`),
      result.scans ? '!!! SCAN DETECTED in the cost-ingest job: the table design forbids Scan (ARCHITECTURE.md §3) !!!' : 'no Scan',
    ],
  };
}

// ---------------------------------------------------------------- 13b: the read path at 50 vs 500 services

interface CostRoute { readonly name: string; call(client: ApiClient): Promise<ApiResponse> }

export const COST_ROUTES: readonly CostRoute[] = [
  { name: 'summary (days=90)', call: (c) => c.request('GET /api/v1/costs/summary', { query: { days: 90 } }) },
  { name: 'summary (days=365)', call: (c) => c.request('GET /api/v1/costs/summary', { query: { days: 365 } }) },
  { name: `services/${SERVICE} (days=90)`, call: (c) => c.request('GET /api/v1/costs/services/{id}', { params: { id: SERVICE }, query: { days: 90 } }) },
  { name: `services/${SERVICE} (days=365)`, call: (c) => c.request('GET /api/v1/costs/services/{id}', { params: { id: SERVICE }, query: { days: 365 } }) },
  { name: 'environments/prod (this month)', call: (c) => c.request('GET /api/v1/costs/environments/{env}', { params: { env: 'prod' } }) },
  { name: 'forecast', call: (c) => c.request('GET /api/v1/costs/forecast') },
];

export interface CostSeed {
  readonly services: number;
  /** The cost records the days were rolled up from (what the real ingest would also write, one item each). */
  readonly records: number;
  /** The raw records written: one service's. */
  readonly rawRecords: number;
  readonly ms: number;
  /** The largest of each roll-up item, in bytes as DynamoDB counts them. */
  readonly largestMonthBytes: number;
  readonly largestMonthEnvironmentBytes: number;
  readonly largestDayDetailBytes: number;
}

export interface CostsScale {
  readonly rows: ReadonlyArray<{
    readonly route: string;
    readonly bySize: ReadonlyArray<{ readonly services: number; readonly p50Ms: number; readonly p95Ms: number; readonly dynamoCommands: CommandCounts }>;
    readonly ratioP50: number;
    readonly ratioP95: number;
    /** DynamoDB commands per call, largest size / smallest. */
    readonly ratioCommands: number;
  }>;
  readonly seeds: readonly CostSeed[];
  /** How many services the largest COSTMONTH, COSTMONTHENV and COSTDAYX item leave room for under 400 KB, by the line through the two sizes. */
  readonly roomForServices: { readonly month: number; readonly monthEnvironment: number; readonly dayDetail: number };
  readonly runs: number;
  readonly warmup: number;
  readonly scans: boolean;
  readonly loadAverage: number;
}

/** One day's records: every service in every environment on three AWS services, the shared and the untagged lines. */
function recordsOfDay(services: number, date: string, k: number, last: number): CostRecord[] {
  const out: CostRecord[] = [];
  const metadata = { estimated: k > last - 2, source: 'local-demo' } as const;
  const record = (environment: string | null, service: string | null, awsService: string, costUsd: number, usage: number | null): CostRecord => ({
    date, environment, service, resourceType: '', resourceId: awsService, costUsd: r4(costUsd), usageQuantity: usage, usageUnit: usage === null ? null : 'Hrs', metadata,
  });
  for (let i = 0; i < services; i++) {
    // A level per service ($1 to $10.60 a prod day), a weekly wave and a slow year-long trend: values that are not all alike.
    const level = (1 + (i % 25) * 0.4) * (1 + 0.05 * Math.sin((k + i) * 0.9)) * (0.8 + (0.2 * k) / last);
    for (const [environment, share] of ENVIRONMENTS) {
      for (const [awsService, part] of SPLIT) {
        out.push(record(environment, serviceId(i), awsService, level * share * part, part === 0.75 ? 24 * (1 + (i % 4)) : null));
      }
    }
  }
  for (const [environment, share] of ENVIRONMENTS) for (const [awsService, cost] of SHARED) out.push(record(environment, null, awsService, cost * share, null));
  for (const [awsService, cost] of UNTAGGED) out.push(record(null, null, awsService, cost, null));
  return out;
}

/**
 * What the cost-ingest job would have stored for `services` services over the last 365 days (ending yesterday,
 * UTC): each day's totals and detail (rollup.ts's dayOf → putDays), each month rolled up from them (monthOf →
 * putMonth), the ingest marker (putIngestRun, range end today) and SERVICE's raw records (recordItem). The real job
 * writes every service's raw records too; no read here depends on any but SERVICE's, so they are left out (at 500
 * services they would be ~1.6 million items). Every key is the same at any size: a second call overwrites.
 */
async function seedCosts(services: number): Promise<CostSeed> {
  const started = performance.now();
  const { addDays } = await import('../functions/costs/anomaly-detector.ts');
  const { resourceTypeOf } = await import('../functions/costs/ports.ts');
  const { dayOf, monthOf } = await import('../functions/costs/rollup.ts');
  const { putDays, putIngestRun, putMonth, recordItem } = await import('../functions/costs/records.ts');
  const today = new Date().toISOString().slice(0, 10);
  const first = addDays(today, -COST_DAYS);
  const days: CostDay[] = [];
  const details: CostDayDetail[] = [];
  const raw: Record<string, unknown>[] = [];
  let records = 0;
  for (let k = 0; k < COST_DAYS; k++) {
    const date = addDays(first, k);
    const list = recordsOfDay(services, date, k, COST_DAYS - 1).map((r) => ({ ...r, resourceType: resourceTypeOf(r.resourceId) }));
    records += list.length;
    const { day, detail } = dayOf(date, list);
    days.push(day);
    details.push(detail);
    for (const r of list) if (r.service === SERVICE) raw.push(recordItem(r));
  }
  await putDays(days, details);
  let largestMonthBytes = 0;
  let largestMonthEnvironmentBytes = 0;
  for (const month of [...new Set(days.map((d) => d.date.slice(0, 7)))]) {
    const rolled = monthOf(month, days, details);
    await putMonth(rolled.month, rolled.environments);
    largestMonthBytes = Math.max(largestMonthBytes, await itemBytes({ PK: 'COSTMONTH', SK: month, ...rolled.month }));
    for (const e of rolled.environments) largestMonthEnvironmentBytes = Math.max(largestMonthEnvironmentBytes, await itemBytes({ PK: `COSTMONTHENV#${e.environment}`, SK: month, ...e }));
  }
  // Every day's detail holds the same keys: the last month's days stand for all.
  let largestDayDetailBytes = 0;
  for (const d of details.slice(-31)) largestDayDetailBytes = Math.max(largestDayDetailBytes, await itemBytes({ PK: 'COSTDAYX', SK: d.date, ...d }));
  await batchPut(raw);
  await putIngestRun({ at: new Date().toISOString(), status: 'succeeded', range: { start: first, end: today }, days: COST_DAYS, records, requests: 0, source: 'local-demo' });
  return { services, records, rawRecords: raw.length, ms: Math.round(performance.now() - started), largestMonthBytes, largestMonthEnvironmentBytes, largestDayDetailBytes };
}

/** Services that fit under 400 KB by the line through the two sizes' bytes. */
function roomFor(small: { services: number; bytes: number }, large: { services: number; bytes: number }): number {
  const perService = (large.bytes - small.bytes) / (large.services - small.services);
  const fixed = small.bytes - perService * small.services;
  return perService > 0 ? Math.floor((MAX_ITEM_BYTES - fixed) / perService) : Infinity;
}

export async function measureCostsScale(client: ApiClient, runs = COST_RUNS, warmup = COST_WARMUP): Promise<CostsScale> {
  const { catalogSnapshot, dropSnapshot } = await import('#functions/services/snapshot');
  // The summary and the service page read the catalog's snapshot: built afresh before timing and before counting,
  // so no background refresh of section 7's 10,000 services lands in a counted call.
  const freshCatalog = async (): Promise<void> => { dropSnapshot(); await catalogSnapshot(); };
  const counter = await countDynamoCommands(READS_COUNTER);
  const perSize: Array<{ services: number; samples: number[][]; commands: CommandCounts[] }> = [];
  const seeds: CostSeed[] = [];
  try {
    for (const services of COST_SIZES) {
      seeds.push(await seedCosts(services));
      const calls = COST_ROUTES.map((route) => async () => {
        const res = await route.call(client);
        if (res.status !== 200) throw new Error(`GET ${route.name} answered ${res.status}: ${JSON.stringify(res.body)}`);
      });
      await freshCatalog();
      const samples = await timeInterleaved(calls, runs, warmup);
      await freshCatalog();
      const commands = await countEach(counter, calls);
      perSize.push({ services, samples, commands });
    }
  } finally {
    counter.remove();
  }
  const rows = COST_ROUTES.map((route, i) => {
    const bySize = perSize.map((s) => ({ services: s.services, p50Ms: percentile(s.samples[i]!, 50), p95Ms: percentile(s.samples[i]!, 95), dynamoCommands: s.commands[i]! }));
    const [small, large] = [bySize[0]!, bySize.at(-1)!];
    return {
      route: route.name, bySize, ratioP50: ratio(large.p50Ms, small.p50Ms), ratioP95: ratio(large.p95Ms, small.p95Ms),
      ratioCommands: ratio(totalOf(large.dynamoCommands), totalOf(small.dynamoCommands)),
    };
  });
  const [small, large] = [seeds[0]!, seeds.at(-1)!];
  return {
    rows, seeds,
    roomForServices: {
      month: roomFor({ services: small.services, bytes: small.largestMonthBytes }, { services: large.services, bytes: large.largestMonthBytes }),
      monthEnvironment: roomFor({ services: small.services, bytes: small.largestMonthEnvironmentBytes }, { services: large.services, bytes: large.largestMonthEnvironmentBytes }),
      dayDetail: roomFor({ services: small.services, bytes: small.largestDayDetailBytes }, { services: large.services, bytes: large.largestDayDetailBytes }),
    },
    runs, warmup,
    scans: rows.some((r) => r.bySize.some((s) => (s.dynamoCommands.Scan ?? 0) > 0)),
    loadAverage: Math.round(loadavg()[0]! * 100) / 100,
  };
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

export function costsScaleTable(result: CostsScale): Table {
  const [small, large] = [result.seeds[0]!, result.seeds.at(-1)!];
  return {
    title: `13b. Costs read path at ${small.services} vs ${large.services} services × ${COST_DAYS} days (p50/p95 of ${result.runs} interleaved signed GETs each, after ${result.warmup} warm-up rounds, as admin)`,
    columns: ['GET /api/v1/costs/…', `p50 @${small.services}`, `p95 @${small.services}`, `p50 @${large.services}`, `p95 @${large.services}`, 'p50 ratio', 'p95 ratio', `DynamoDB per call @${small.services}`, `@${large.services}`, 'calls ratio'],
    rows: result.rows.map((r) => {
      const [s, l] = [r.bySize[0]!, r.bySize.at(-1)!];
      return [r.route, formatMs(s.p50Ms), formatMs(s.p95Ms), formatMs(l.p50Ms), formatMs(l.p95Ms), formatRatio(r.ratioP50), formatRatio(r.ratioP95), describeCounts(s.dynamoCommands), describeCounts(l.dynamoCommands), formatRatio(r.ratioCommands)];
    }),
    notes: [
      `seeded as the cost-ingest job stores it, with its own rollup.ts and records.ts: ${COST_DAYS} days' totals and detail (COSTDAY, COSTDAYX), each month's roll-ups (COSTMONTH, COSTMONTHENV#<env>)`,
      `  and the ingest marker, from ${small.records.toLocaleString('en')} and ${large.records.toLocaleString('en')} cost records (each service in prod, staging and dev on EC2 compute, EBS and ELB, plus shared and untagged lines)`,
      `  in ${(small.ms / 1000).toFixed(1)} s and ${(large.ms / 1000).toFixed(1)} s; of the raw records only ${SERVICE}'s (${large.rawRecords.toLocaleString('en')}: its history reads them, one GSI1 Query a page) — the real job writes every`,
      `  service's (${large.records.toLocaleString('en')} items at ${large.services}), but no read here depends on them`,
      'item counts do not grow with services (the calls ratio to watch is 1.00×), item sizes do: the summary and the forecast read two COSTMONTH items, the tree two COSTMONTHENV items,',
      '  each with a map and a cumulative series of every service; a service\'s history reads only its own records and the two COSTMONTH items:',
      `  its records come through queryAll (#lib/table), 200 items a Query, so its Queries follow its days (${(large.rawRecords / COST_DAYS).toFixed(0)} records a day here), not the services`,
      `largest items at ${large.services} services: COSTMONTH ${kb(large.largestMonthBytes)}, COSTMONTHENV ${kb(large.largestMonthEnvironmentBytes)}, COSTDAYX ${kb(large.largestDayDetailBytes)} `
        + `(at ${small.services}: ${kb(small.largestMonthBytes)}, ${kb(small.largestMonthEnvironmentBytes)}, ${kb(small.largestDayDetailBytes)});`,
      `  DynamoDB's limit is 400 KB: by the line through both sizes a month's roll-up holds ~${result.roomForServices.month.toLocaleString('en')} services, an environment's month ~${result.roomForServices.monthEnvironment.toLocaleString('en')},`,
      `  a day's detail (the job's own input, read by no route) ~${result.roomForServices.dayDetail.toLocaleString('en')}: past the smallest of these the job's write fails (its items hold every service)`,
      'the catalog snapshot (every catalog service: section 7\'s 10,000 in `npm run bench`) is rebuilt before each size\'s timing and before counting: no refresh inside a counted call',
      result.scans ? '!!! SCAN DETECTED on the costs read path: the table design forbids Scan (ARCHITECTURE.md §3) !!!' : 'no Scan',
      `p95 is nearest-rank over ${result.runs} samples (1-min load average ${result.loadAverage} on ${cpus().length} cores)`,
    ],
  };
}
