/**
 * What the table keeps of costs (ARCHITECTURE.md §3). The cost-ingest job writes all of it; the API only reads:
 *
 *   COST#<env> / <date>#<service>#<type>#<awsService>    a cost record (the design doc's cost_records row)
 *                                                         GSI1 COSTSVC#<service> / <date>#<env>#<type>#<awsService>
 *   COSTDAY / <date>                                      the day's totals (by environment): the charts read these
 *   COSTDAYX#<env> / <date>                               an environment's day in detail (service × type, untagged AWS
 *                                                         services): the job's own input for months and anomalies
 *   COSTMONTH / <yyyy-mm>                                 a month rolled up from its days: summaries and budgets read one item
 *   COSTMONTHENV#<env> / <yyyy-mm>                        an environment's month by service and type: its tree reads one item
 *   COSTFORECAST / <yyyy-mm>                              Cost Explorer's forecast for the month
 *   COSTCOVERAGE / <kind>                                 RI and Savings Plans coverage and utilization (the last 30 days)
 *   COSTSOURCERECS / LATEST                               Cost Explorer's own recommendations
 *   COSTANOMALY / <date>#<source>#<id>                    an anomaly, GSI1 COSTANOMALYSVC#<service> / <date>
 *   COSTINGEST / LATEST, RUN#<at>                         the last run, and each run (kept 90 days)
 *   COSTK8SDAY#<cluster> / <date>                         a cluster's day by OpenCost: allocated, idle, unallocated
 *   COSTRECS / LATEST                                     the recommendations the last run worked out
 *
 * Cost without a tag is kept under `~` (no environment or service is called that: both are slugs).
 * Every write is keyed by what it is, so a second run over the same days writes the same items (idempotent).
 */
import { BatchWriteCommand, type BatchWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { db, getItem, putItem, queryAll, queryPage, tableName, type Item } from '#lib/table';
import type { CostAnomaly } from '#schemas/index.ts';
import type { SourceCoverage, SourceRecommendation } from './ports.ts';

/** The key part of a missing tag. */
export const UNTAGGED = '~';
/** The name the API gives cost without the apollo:environment tag in maps ("untagged"). */
export const UNTAGGED_LABEL = 'untagged';

export const keyPart = (value: string | null): string => value ?? UNTAGGED;
export const fromKeyPart = (value: string): string | null => (value === UNTAGGED ? null : value);

/** A cost record: one day's cost of one (environment, service, AWS service). */
export interface CostRecord {
  readonly date: string;
  readonly environment: string | null;
  readonly service: string | null;
  readonly resourceType: string;
  /** The AWS service (Cost Explorer's daily data is per AWS service; per-resource data needs its resource-level opt-in). */
  readonly resourceId: string;
  readonly costUsd: number;
  readonly usageQuantity: number | null;
  readonly usageUnit: string | null;
  readonly metadata: { readonly estimated: boolean; readonly source: 'cost-explorer' | 'local-demo' };
}

export const recordKey = (r: Pick<CostRecord, 'date' | 'environment' | 'service' | 'resourceType' | 'resourceId'>): { PK: string; SK: string } => ({
  PK: `COST#${keyPart(r.environment)}`,
  SK: `${r.date}#${keyPart(r.service)}#${r.resourceType}#${r.resourceId}`,
});

export function recordItem(r: CostRecord): Item {
  return {
    ...recordKey(r),
    ...r,
    GSI1PK: `COSTSVC#${keyPart(r.service)}`,
    GSI1SK: `${r.date}#${keyPart(r.environment)}#${r.resourceType}#${r.resourceId}`,
  };
}

const stripKeys = <T>(item: Item): T => {
  const { PK: _p, SK: _s, GSI1PK: _g, GSI1SK: _gs, GSI2PK: _h, GSI2SK: _hs, ...rest } = item as Item & Record<string, unknown>;
  return rest as T;
};

/** The records of an environment (its key part) between two days, inclusive. */
export async function recordsOfEnvironment(environmentKey: string, from: string, to: string): Promise<CostRecord[]> {
  return (await everyItem({ partition: `COST#${environmentKey}`, sortKey: { between: [from, `${to}~`] } })).map((i) => stripKeys<CostRecord>(i));
}

/** A service's records (its key part) between two days, inclusive: GSI1 Queries of up to 1 MB each. */
export async function recordsOfService(serviceKey: string, from: string, to: string): Promise<CostRecord[]> {
  return (await everyItem({ index: 'GSI1', partition: `COSTSVC#${serviceKey}`, sortKey: { between: [from, `${to}~`] } })).map((i) => stripKeys<CostRecord>(i));
}

/** Every item of a range in pages as large as DynamoDB gives (1 MB), not queryAll's 200 (a year of a service is ~4 pages, not 17). */
async function everyItem(input: { index?: 'GSI1'; partition: string; sortKey: { between: [string, string] } }): Promise<Item[]> {
  const all: Item[] = [];
  let cursor: string | undefined;
  do {
    const page = await queryPage<Item>({ ...input, limit: 10_000, ...(cursor ? { cursor } : {}) });
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

/** BatchWriteItem in 25s, retrying what DynamoDB leaves unprocessed. */
export async function batchWrite(requests: NonNullable<BatchWriteCommandInput['RequestItems']>[string]): Promise<void> {
  for (let i = 0; i < requests.length; i += 25) {
    let pending = requests.slice(i, i + 25);
    for (let attempt = 0; pending.length; attempt++) {
      if (attempt > 8) throw new Error(`DynamoDB left ${pending.length} cost writes unprocessed after 8 retries`);
      if (attempt) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      const out = await db.send(new BatchWriteCommand({ RequestItems: { [tableName()]: pending } }));
      pending = (out.UnprocessedItems?.[tableName()] ?? []) as typeof pending;
    }
  }
}

// ---------------------------------------------------------------- days and months

/** A day's totals: what the charts read (small: one per day). */
export interface CostDay {
  readonly date: string;
  readonly total: number;
  readonly estimated: boolean;
  /** By environment key (`~`: without the tag). */
  readonly byEnvironment: Readonly<Record<string, number>>;
}

/** A day's detail: the job's input for months and anomalies. */
export interface CostDayDetail {
  readonly date: string;
  /** `<env>#<service>#<type>` → cost (key parts). */
  readonly byEnvServiceType: Readonly<Record<string, number>>;
  /** `<env>#<awsService>` → cost of lines without a service tag. */
  readonly unattributed: Readonly<Record<string, number>>;
}

/** A month rolled up from its days. */
export interface CostMonth {
  readonly month: string;
  readonly total: number;
  /** The days it holds, and the last. */
  readonly days: number;
  readonly through: string;
  readonly byEnvironment: Readonly<Record<string, number>>;
  readonly byService: Readonly<Record<string, number>>;
  /** `<env>#<awsService>` → cost of lines without a service tag. */
  readonly unattributed: Readonly<Record<string, number>>;
  /** Cumulative total by day of month (index = day - 1), through `through`: "last month up to the same day". */
  readonly cumulative: readonly number[];
  /** The same, per environment and per service (all environments). */
  readonly cumulativeByEnvironment: Readonly<Record<string, readonly number[]>>;
  readonly cumulativeByService: Readonly<Record<string, readonly number[]>>;
}

/** One environment's month: its services by resource type, and each service's cumulative spend there. */
export interface CostMonthEnvironment {
  readonly month: string;
  /** Its key part (`~`: without the tag). */
  readonly environment: string;
  readonly total: number;
  /** `<service>#<type>` → cost (`~` for lines without a service tag). */
  readonly byServiceType: Readonly<Record<string, number>>;
  readonly cumulativeByService: Readonly<Record<string, readonly number[]>>;
}

/**
 * A day's detail is kept per environment (`COSTDAYX#<env>`), so an item grows with one environment's services, not
 * all of them (DynamoDB's 400 KB: bench section 13b weighs it).
 */
export async function putDays(days: readonly CostDay[], details: readonly CostDayDetail[]): Promise<void> {
  const perEnvironment = details.flatMap((d) => {
    const envs = new Map<string, { byEnvServiceType: Record<string, number>; unattributed: Record<string, number> }>();
    const of = (env: string) => envs.get(env) ?? envs.set(env, { byEnvServiceType: {}, unattributed: {} }).get(env)!;
    for (const [key, cost] of Object.entries(d.byEnvServiceType)) of(key.slice(0, key.indexOf('#'))).byEnvServiceType[key] = cost;
    for (const [key, cost] of Object.entries(d.unattributed)) of(key.slice(0, key.indexOf('#'))).unattributed[key] = cost;
    return [...envs].map(([env, part]) => ({ PK: `COSTDAYX#${env}`, SK: d.date, date: d.date, environment: env, ...part }));
  });
  await batchWrite([
    ...days.map((d) => ({ PutRequest: { Item: { PK: 'COSTDAY', SK: d.date, ...d } } })),
    ...perEnvironment.map((Item) => ({ PutRequest: { Item } })),
  ]);
}

export async function costDays(from: string, to: string): Promise<CostDay[]> {
  const items = await queryAll<Item>({ partition: 'COSTDAY', sortKey: { between: [from, to] } }, 1_000);
  return items.map((i) => stripKeys<CostDay>(i));
}

/** The days' detail, every environment's joined: the environments come from the days' totals (given, or read), one Query each. */
export async function costDayDetails(from: string, to: string, days?: readonly CostDay[]): Promise<CostDayDetail[]> {
  const environments = new Set<string>();
  for (const day of days ?? await costDays(from, to)) for (const env of Object.keys(day.byEnvironment)) environments.add(env);
  const byDate = new Map<string, { byEnvServiceType: Record<string, number>; unattributed: Record<string, number> }>();
  await Promise.all([...environments].map(async (env) => {
    for (const item of await queryAll<Item & CostDayDetail>({ partition: `COSTDAYX#${env}`, sortKey: { between: [from, to] } }, 1_000)) {
      const day = byDate.get(item.date) ?? byDate.set(item.date, { byEnvServiceType: {}, unattributed: {} }).get(item.date)!;
      Object.assign(day.byEnvServiceType, item.byEnvServiceType);
      Object.assign(day.unattributed, item.unattributed);
    }
  }));
  return [...byDate].sort((a, b) => a[0].localeCompare(b[0])).map(([date, d]) => ({ date, ...d }));
}

export async function putMonth(month: CostMonth, environments: readonly CostMonthEnvironment[]): Promise<void> {
  await batchWrite([
    { PutRequest: { Item: { PK: 'COSTMONTH', SK: month.month, ...month } } },
    ...environments.map((e) => ({ PutRequest: { Item: { PK: `COSTMONTHENV#${e.environment}`, SK: e.month, ...e } } })),
  ]);
}

/** An environment's months asked for (by its key part): one Query. */
export async function costMonthsOfEnvironment(environmentKey: string, from: string, to: string): Promise<Map<string, CostMonthEnvironment>> {
  const items = await queryAll<Item>({ partition: `COSTMONTHENV#${environmentKey}`, sortKey: { between: [from, to] } }, 100);
  return new Map(items.map((i) => [String(i.SK), stripKeys<CostMonthEnvironment>(i)]));
}

/** The months asked for (absent ones are missing from the answer): one Query. */
export async function costMonths(from: string, to: string): Promise<Map<string, CostMonth>> {
  const items = await queryAll<Item>({ partition: 'COSTMONTH', sortKey: { between: [from, to] } }, 100);
  return new Map(items.map((i) => [String(i.SK), stripKeys<CostMonth>(i)]));
}

// ---------------------------------------------------------------- forecast, coverage, Cost Explorer's recommendations

export interface StoredForecast { readonly month: string; readonly mean: number; readonly lower: number; readonly upper: number; readonly computedAt: string }

export async function putForecast(forecast: StoredForecast): Promise<void> {
  await putItem({ PK: 'COSTFORECAST', SK: forecast.month, ...forecast });
}

export async function storedForecast(month: string): Promise<StoredForecast | undefined> {
  const item = await getItem({ PK: 'COSTFORECAST', SK: month });
  return item && stripKeys<StoredForecast>(item);
}

export async function putCoverage(coverage: readonly SourceCoverage[], at: string): Promise<void> {
  for (const c of coverage) await putItem({ PK: 'COSTCOVERAGE', SK: c.kind, ...c, at });
}

export async function storedCoverage(): Promise<Array<SourceCoverage & { at: string }>> {
  const items = await queryAll<Item>({ partition: 'COSTCOVERAGE' }, 10);
  return items.map((i) => stripKeys<SourceCoverage & { at: string }>(i));
}

export async function putSourceRecommendations(items: readonly SourceRecommendation[], at: string): Promise<void> {
  await putItem({ PK: 'COSTSOURCERECS', SK: 'LATEST', items, at });
}

export async function storedSourceRecommendations(): Promise<{ items: SourceRecommendation[]; at: string } | undefined> {
  const item = await getItem<Item & { items: SourceRecommendation[]; at: string }>({ PK: 'COSTSOURCERECS', SK: 'LATEST' });
  return item && { items: item.items, at: item.at };
}

// ---------------------------------------------------------------- anomalies

const anomalyKey = (a: Pick<CostAnomaly, 'date' | 'source' | 'id'>) => ({ PK: 'COSTANOMALY', SK: `${a.date}#${a.source}#${a.id}` });

export async function putAnomaly(anomaly: CostAnomaly): Promise<void> {
  await putItem({ ...anomalyKey(anomaly), ...anomaly, GSI1PK: `COSTANOMALYSVC#${keyPart(anomaly.service)}`, GSI1SK: `${anomaly.date}#${anomaly.source}#${anomaly.id}` });
}

export async function anomalyStored(anomaly: Pick<CostAnomaly, 'date' | 'source' | 'id'>): Promise<boolean> {
  return (await getItem(anomalyKey(anomaly))) !== undefined;
}

/** Anomalies whose first day is in [from, to], newest first: one Query (a service's: one GSI1 Query). */
export async function anomaliesBetween(from: string, to: string, service?: string): Promise<CostAnomaly[]> {
  const page = await queryPage<Item>({
    ...(service ? { index: 'GSI1' as const, partition: `COSTANOMALYSVC#${service}` } : { partition: 'COSTANOMALY' }),
    sortKey: { between: [from, `${to}~`] }, limit: 500, newestFirst: true,
  });
  return page.items.map((i) => stripKeys<CostAnomaly>(i));
}

// ---------------------------------------------------------------- runs

export interface IngestRun {
  readonly at: string;
  readonly status: 'succeeded' | 'partial' | 'failed';
  readonly range: { readonly start: string; readonly end: string };
  readonly days: number;
  readonly records: number;
  readonly requests: number;
  readonly source: 'cost-explorer' | 'local-demo';
  readonly error?: string;
}

export async function putIngestRun(run: IngestRun): Promise<void> {
  await putItem({ PK: 'COSTINGEST', SK: `RUN#${run.at}`, ...run, expiresAt: Math.floor(Date.parse(run.at) / 1000) + 90 * 86_400 });
  if (run.status !== 'failed') await putItem({ PK: 'COSTINGEST', SK: 'LATEST', ...run });
  else await putItem({ PK: 'COSTINGEST', SK: 'LASTFAILED', ...run });
}

/** The last run that stored figures (succeeded or partial). */
export async function latestIngest(): Promise<IngestRun | undefined> {
  const item = await getItem({ PK: 'COSTINGEST', SK: 'LATEST' });
  return item && stripKeys<IngestRun>(item);
}

// ---------------------------------------------------------------- Kubernetes allocation, per cluster and day

export interface ClusterDay {
  readonly cluster: string;
  readonly date: string;
  /** What the workloads were allocated, what nobody requested (idle), and pods without a controller. */
  readonly allocated: number;
  readonly idle: number;
  readonly unallocated: number;
}

export async function putClusterDays(days: readonly ClusterDay[]): Promise<void> {
  await batchWrite(days.map((d) => ({ PutRequest: { Item: { PK: `COSTK8SDAY#${d.cluster}`, SK: d.date, ...d } } })));
}

/** A cluster's days in [from, to] (inclusive): one Query. */
export async function clusterDays(cluster: string, from: string, to: string): Promise<ClusterDay[]> {
  const items = await queryAll<Item>({ partition: `COSTK8SDAY#${cluster}`, sortKey: { between: [from, to] } }, 400);
  return items.map((i) => stripKeys<ClusterDay>(i));
}
