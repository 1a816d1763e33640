/**
 * DORA statistics of deployments (GET /api/v1/deployments/stats): DORA's four keys and the Apollo design doc's
 * failed-deployment rate over a range, with DORA's performance band of each, a trend per day or week, and one row
 * per service, team or environment. `computeDeploymentStats` is the arithmetic (pure, unit-tested against hand-computed
 * numbers in stats.test.ts); `deploymentStats` reads the records for it.
 *
 * Definitions (the README's "Deployment statistics" says the same):
 * - A record counts in the range by when it was asked for (`createdAt`, the indexes' sort key), in [from, to).
 * - **Deployments** are deploy, promote and rollback operations that reached the environment: `succeeded`, `failed`
 *   after changing Git (it has a `gitCommit`), or `rolled_back` (its canary failed and Apollo rolled it back).
 *   Refused, rejected, expired and cancelled ones never reached it, and those still in flight have no outcome yet:
 *   neither counts. Scale and restart change no code and are not deployments here.
 * - **Deployment frequency**: succeeded deployments per day of the range (`to − from`, or `to − coveredFrom` when the
 *   read was cut at its bound). No deployment at all has no band (nothing to rate), not "low".
 * - **Lead time for changes**: `completedAt − sourceCommit.committedAt` of each succeeded deploy and promote that
 *   carries a commit time (CI passes it); median and p90 (nearest rank), with how many of them had one.
 * - **Change failure rate**: changes are the deploys and promotes that reached the environment; a change failed when it
 *   `failed`, was `rolled_back` by its canary, or was rolled back later by a rollback deployment (itself one that
 *   reached the environment, in the range) whose `rollbackOf` names it. Rate = failures / changes.
 * - **Time to restore**: for each change failure, from when it failed to the `completedAt` of the next succeeded
 *   deployment (deploy, promote or rollback) of that service and environment; the median over those restored. When
 *   it failed: a failed one's `completedAt`; a canary-rolled-back one's canary decision (`canary.decision.at`, else its
 *   `completedAt`: the record may end only once its rollback has); one rolled back later: its own `completedAt`,
 *   since the bad version ran from then and Apollo knows no earlier signal (counting from the rollback's request would
 *   measure only the rollback and hide the impairment). A failure with no succeeded deployment after it among the
 *   records read is `unrestored` and left out of the median.
 * - **Failed-deployment rate** (the design doc's success metric, target < 5 %; the doc measures "rollbacks / total
 *   deploys", read here as the deployments Apollo saw fail or roll back): (failed + rolled_back) / deployments.
 */
import type { Deployment, DeploymentStats, DeploymentStatsBucket, DeploymentStatsMetrics, DeploymentStatsQuery } from '#schemas/index.ts';
import { ValidationError } from '#shared/errors';
import { catalogSnapshot } from '#functions/services/public';
import { queryPage, type Item } from '#lib/table';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

/** The records read at most per call (the newest of the range); more and the answer says it was cut (coverage). */
export const STATS_RECORD_LIMIT = 5000;
const DEFAULT_RANGE_DAYS = 30;
const MAX_RANGE_DAYS = 366;
/** Up to this many days the trend is per day unless asked otherwise; longer ranges are per week. */
const DAILY_UP_TO_DAYS = 45;
/** The design doc's success metric: failed deployment rate below 5 %. */
export const FAILED_DEPLOYMENT_TARGET = 0.05;

const DEPLOYMENT_OPERATIONS = ['deploy', 'promote', 'rollback'] as const;
const CHANGE_OPERATIONS = ['deploy', 'promote'] as const;
const OUTCOMES = ['succeeded', 'failed', 'rolled_back'] as const;

/** What the statistics read of a deployment record. */
export type StatsRecord = Pick<Deployment, 'id' | 'operation' | 'service' | 'environment' | 'status' | 'createdAt'>
  & Partial<Pick<Deployment, 'completedAt' | 'gitCommit' | 'rollbackOf' | 'sourceCommit' | 'canary'>>;

export type Bucket = 'day' | 'week';
export type GroupBy = 'service' | 'team' | 'environment';

export interface StatsOptions {
  /** The range, epoch ms: [from, to). */
  readonly from: number;
  readonly to: number;
  readonly bucket: Bucket;
  readonly groupBy?: GroupBy | undefined;
  /** The owning team of a service (undefined: the catalog no longer has it). */
  readonly teamOf: (service: string) => string | undefined;
  /** When the read was cut at its bound: the oldest createdAt read (the numbers cover [coveredFrom, to)). */
  readonly coveredFrom?: number | undefined;
}

export type DoraBand = DeploymentStatsMetrics['leadTime']['band'];
type DoraMetrics = DeploymentStatsMetrics;
type DoraTrendBucket = DeploymentStatsBucket;

export type ComputedStats = Pick<DeploymentStats, 'summary' | 'trend' | 'groups'>;

// ---------------------------------------------------------------- DORA's performance levels

/*
 * DORA's performance levels, from the Accelerate State of DevOps Report 2023 (DORA, Google Cloud), its software
 * delivery performance table (https://dora.dev/research/2023/dora-report/; the same table is summarised at
 * https://octopus.com/blog/software-delivery-performance-clusters-2023):
 *
 *   level   deployment frequency                      lead time for changes           change failure rate  failed deployment recovery time
 *   elite   on demand (multiple deploys per day)      less than one day               5 %                  less than one hour
 *   high    between once per day and once per week    between one day and one week    10 %                 less than one day
 *   medium  between once per week and once per month  between one week and one month  15 %                 between one day and one week
 *   low     between once per week and once per month  between one week and one month  64 %                 between one month and six months
 *
 * The report describes clusters, not cut-offs, so the bands below read each column as bounds: frequency elite above
 * once a day, high down to once a week, medium down to once a month (30 days), low below (the report's low cluster
 * overlaps medium there); lead time elite under a day, high under a week, medium under a month, low beyond; change
 * failure rate elite up to 5 %, high up to 10 %, medium up to 15 %, low above (the clusters' typical rates as upper
 * bounds); time to restore elite under an hour, high under a day, medium under a week, low beyond.
 */

export function frequencyBand(perDay: number): DoraBand {
  if (perDay > 1) return 'elite';
  if (perDay >= 1 / 7) return 'high';
  if (perDay >= 1 / 30) return 'medium';
  return 'low';
}

export function leadTimeBand(medianSeconds: number | null): DoraBand {
  if (medianSeconds === null) return null;
  const ms = medianSeconds * 1000;
  if (ms < DAY) return 'elite';
  if (ms < WEEK) return 'high';
  if (ms < 30 * DAY) return 'medium';
  return 'low';
}

export function changeFailureBand(rate: number | null): DoraBand {
  if (rate === null) return null;
  if (rate <= 0.05) return 'elite';
  if (rate <= 0.1) return 'high';
  if (rate <= 0.15) return 'medium';
  return 'low';
}

export function restoreBand(medianSeconds: number | null): DoraBand {
  if (medianSeconds === null) return null;
  const ms = medianSeconds * 1000;
  if (ms < HOUR) return 'elite';
  if (ms < DAY) return 'high';
  if (ms < WEEK) return 'medium';
  return 'low';
}

// ---------------------------------------------------------------- the arithmetic

/** The median (the mean of the two middle values of an even count); null of none. */
export function median(values: readonly number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The p-th percentile by nearest rank: the value at rank ⌈p/100 · n⌉ of the sorted values; null of none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const ms = (iso: string | null | undefined): number | undefined => {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
};
const isOneOf = <T extends string>(list: readonly T[], value: string): value is T => (list as readonly string[]).includes(value);

/** Whether a record is a deployment that reached its environment (see the definitions above). */
export function reachedEnvironment(record: StatsRecord): boolean {
  if (!isOneOf(DEPLOYMENT_OPERATIONS, record.operation)) return false;
  return record.status === 'succeeded' || record.status === 'rolled_back' || (record.status === 'failed' && Boolean(record.gitCommit));
}

/** What is known of one deployment once the whole range is seen. */
interface Fact {
  readonly record: StatsRecord;
  readonly createdAt: number;
  readonly isChange: boolean;
  readonly changeFailed: boolean;
  readonly leadTimeSeconds?: number;
  /** Failure → restored, seconds. */
  readonly restoreSeconds?: number;
  readonly unrestored: boolean;
}

function failedAt(record: StatsRecord): number | undefined {
  if (record.status === 'rolled_back') return ms(record.canary?.decision?.at) ?? ms(record.completedAt);
  return ms(record.completedAt);
}

function factsOf(records: readonly StatsRecord[], from: number, to: number): Fact[] {
  const reached = records.filter((r) => {
    const t = ms(r.createdAt);
    return t !== undefined && t >= from && t < to && reachedEnvironment(r);
  });
  // Changes a later rollback names as the one it replaced.
  const rolledBackLater = new Set(reached.filter((r) => r.operation === 'rollback' && r.rollbackOf).map((r) => r.rollbackOf!));
  // Each service and environment's succeeded deployments by completion, to find what restored a failure.
  const succeededBy = new Map<string, Array<{ id: string; at: number }>>();
  for (const r of reached) {
    const at = ms(r.completedAt);
    if (r.status !== 'succeeded' || at === undefined) continue;
    const key = `${r.service}\u0000${r.environment}`;
    const list = succeededBy.get(key) ?? [];
    list.push({ id: r.id, at });
    succeededBy.set(key, list);
  }
  for (const list of succeededBy.values()) list.sort((a, b) => a.at - b.at);

  return reached.map((record) => {
    const isChange = isOneOf(CHANGE_OPERATIONS, record.operation);
    const changeFailed = isChange && (record.status === 'failed' || record.status === 'rolled_back' || rolledBackLater.has(record.id));
    const completed = ms(record.completedAt);
    const committed = ms(record.sourceCommit?.committedAt);
    const leadTimeSeconds = isChange && record.status === 'succeeded' && completed !== undefined && committed !== undefined
      ? Math.max(0, (completed - committed) / 1000)
      : undefined;
    let restoreSeconds: number | undefined;
    if (changeFailed) {
      const start = failedAt(record);
      const next = start === undefined ? undefined : succeededBy.get(`${record.service}\u0000${record.environment}`)?.find((s) => s.id !== record.id && s.at > start);
      if (next && start !== undefined) restoreSeconds = (next.at - start) / 1000;
    }
    return {
      record, createdAt: ms(record.createdAt)!, isChange, changeFailed,
      ...(leadTimeSeconds !== undefined ? { leadTimeSeconds } : {}),
      ...(restoreSeconds !== undefined ? { restoreSeconds } : {}),
      unrestored: changeFailed && restoreSeconds === undefined,
    };
  });
}

const rate = (part: number, whole: number): number | null => (whole ? part / whole : null);
const round = (value: number, places = 6): number => Number(value.toFixed(places));
const roundOrNull = (value: number | null): number | null => (value === null ? null : round(value));

function metricsOf(facts: readonly Fact[], days: number): DoraMetrics {
  const succeeded = facts.filter((f) => f.record.status === 'succeeded').length;
  const failed = facts.filter((f) => f.record.status === 'failed').length;
  const rolledBack = facts.filter((f) => f.record.status === 'rolled_back').length;
  const perDay = days > 0 ? succeeded / days : 0;
  const changes = facts.filter((f) => f.isChange);
  const succeededChanges = changes.filter((f) => f.record.status === 'succeeded');
  const leadTimes = succeededChanges.flatMap((f) => (f.leadTimeSeconds === undefined ? [] : [f.leadTimeSeconds]));
  const leadMedian = median(leadTimes);
  const failures = changes.filter((f) => f.changeFailed).length;
  const cfr = rate(failures, changes.length);
  const restores = facts.flatMap((f) => (f.restoreSeconds === undefined ? [] : [f.restoreSeconds]));
  const restoreMedian = median(restores);
  const fdr = rate(failed + rolledBack, facts.length);
  return {
    deployments: { reached: facts.length, succeeded, failed, rolledBack },
    deploymentFrequency: { succeeded, days: round(days, 4), perDay: round(perDay, 4), perWeek: round(perDay * 7, 4), band: facts.length ? frequencyBand(perDay) : null },
    leadTime: { medianSeconds: roundOrNull(leadMedian), p90Seconds: roundOrNull(percentile(leadTimes, 90)), withCommitTime: leadTimes.length, changes: succeededChanges.length, band: leadTimeBand(leadMedian) },
    changeFailureRate: { rate: roundOrNull(cfr), failures, changes: changes.length, band: changeFailureBand(cfr) },
    timeToRestore: { medianSeconds: roundOrNull(restoreMedian), restored: restores.length, unrestored: facts.filter((f) => f.unrestored).length, band: restoreBand(restoreMedian) },
    failedDeploymentRate: { rate: roundOrNull(fdr), failed: failed + rolledBack, deployments: facts.length, target: FAILED_DEPLOYMENT_TARGET, meetsTarget: fdr === null ? null : fdr < FAILED_DEPLOYMENT_TARGET },
  };
}

/** The start of the UTC day, or of the ISO week (Monday 00:00 UTC), holding `t`. */
export function bucketStart(t: number, bucket: Bucket): number {
  const day = Math.floor(t / DAY) * DAY;
  if (bucket === 'day') return day;
  const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return day - weekday * DAY;
}

function trendOf(facts: readonly Fact[], from: number, to: number, bucket: Bucket): DoraTrendBucket[] {
  const step = bucket === 'day' ? DAY : WEEK;
  const buckets: DoraTrendBucket[] = [];
  for (let start = bucketStart(from, bucket); start < to; start += step) {
    const lo = Math.max(start, from);
    const hi = Math.min(start + step, to);
    const inside = facts.filter((f) => f.createdAt >= lo && f.createdAt < hi);
    const changes = inside.filter((f) => f.isChange);
    const failures = changes.filter((f) => f.changeFailed).length;
    const failed = inside.filter((f) => f.record.status !== 'succeeded').length;
    buckets.push({
      start: new Date(lo).toISOString(),
      end: new Date(hi).toISOString(),
      reached: inside.length,
      succeeded: inside.length - failed,
      changes: changes.length,
      failures,
      changeFailureRate: roundOrNull(rate(failures, changes.length)),
      failedDeploymentRate: roundOrNull(rate(failed, inside.length)),
      leadTimeMedianSeconds: roundOrNull(median(inside.flatMap((f) => (f.leadTimeSeconds === undefined ? [] : [f.leadTimeSeconds])))),
      timeToRestoreMedianSeconds: roundOrNull(median(inside.flatMap((f) => (f.restoreSeconds === undefined ? [] : [f.restoreSeconds])))),
    });
  }
  return buckets;
}

/** DORA statistics of the records (any order; those outside [from, to) or that never reached an environment are ignored). */
export function computeDeploymentStats(records: readonly StatsRecord[], options: StatsOptions): ComputedStats {
  const from = options.coveredFrom !== undefined ? Math.max(options.from, options.coveredFrom) : options.from;
  const facts = factsOf(records, from, options.to);
  const days = Math.max(0, options.to - from) / DAY;
  const keyOf = (f: Fact): string => {
    if (options.groupBy === 'service') return f.record.service;
    if (options.groupBy === 'environment') return f.record.environment;
    return options.teamOf(f.record.service) ?? 'unknown';
  };
  const groups: DeploymentStats['groups'] = [];
  if (options.groupBy) {
    const byKey = new Map<string, Fact[]>();
    for (const f of facts) {
      const key = keyOf(f);
      byKey.set(key, [...(byKey.get(key) ?? []), f]);
    }
    for (const [key, members] of byKey) groups.push({ key, metrics: metricsOf(members, days) });
    groups.sort((a, b) => b.metrics.deployments.reached - a.metrics.deployments.reached || a.key.localeCompare(b.key));
  }
  return { summary: metricsOf(facts, days), trend: trendOf(facts, options.from, options.to, options.bucket), groups };
}

// ---------------------------------------------------------------- reading

type StoredRecord = Item & StatsRecord;

/** Where to read and what to keep: one index, the range on its sort key, the rest as a filter. */
interface ReadPlan {
  readonly from: string;
  readonly to: string;
  readonly service?: string | undefined;
  readonly environment?: string | undefined;
  /** The team's services (a team filter); more than DynamoDB's 100 IN operands are kept in memory instead. */
  readonly services?: readonly string[] | undefined;
}

/**
 * The deployments asked for in [from, to), newest first, at most STATS_RECORD_LIMIT: one Query of a service's index
 * (GSI1 `DEPLOYSVC#<service>`) or everyone's (GSI2 `DEPLOYS`), the range as its key condition (never a Scan), only
 * deploys, promotes and rollbacks with an outcome kept by the filter.
 */
async function readRecords(plan: ReadPlan): Promise<{ records: StatsRecord[]; truncated: boolean }> {
  const names: Record<string, string> = { '#operation': 'operation', '#status': 'status' };
  const values: Record<string, unknown> = {};
  const conditions: string[] = [];
  const oneOf = (attr: string, list: readonly string[], prefix: string) => {
    list.forEach((v, i) => { values[`:${prefix}${i}`] = v; });
    conditions.push(`${attr} IN (${list.map((_, i) => `:${prefix}${i}`).join(', ')})`);
  };
  oneOf('#operation', DEPLOYMENT_OPERATIONS, 'op');
  oneOf('#status', OUTCOMES, 'st');
  if (plan.environment) {
    names['#environment'] = 'environment';
    values[':environment'] = plan.environment;
    conditions.push('#environment = :environment');
  }
  const inQuery = plan.services && !plan.service && plan.services.length <= 100 ? plan.services : undefined;
  if (inQuery) {
    names['#service'] = 'service';
    oneOf('#service', inQuery, 'svc');
  }
  const page = await queryPage<StoredRecord>({
    index: plan.service ? 'GSI1' : 'GSI2',
    partition: plan.service ? `DEPLOYSVC#${plan.service}` : 'DEPLOYS',
    // `<createdAt>#<id>`: one created exactly at `to` sorts after `to` itself, so the range is [from, to).
    sortKey: { between: [plan.from, plan.to] },
    limit: STATS_RECORD_LIMIT,
    newestFirst: true,
    filter: { FilterExpression: conditions.join(' AND '), ExpressionAttributeNames: names, ExpressionAttributeValues: values },
  });
  const team = plan.services && !inQuery && !plan.service ? new Set(plan.services) : undefined;
  const records = team ? page.items.filter((r) => team.has(r.service)) : page.items;
  return { records, truncated: page.nextCursor !== null };
}

function rangeOf(query: DeploymentStatsQuery, now: number): { from: number; to: number } {
  const to = query.to ? Date.parse(query.to) : now;
  const from = query.from ? Date.parse(query.from) : to - DEFAULT_RANGE_DAYS * DAY;
  if (!(from < to)) throw new ValidationError('from must be before to', { details: [{ path: '/query/from', message: 'must be before to' }] });
  if (to - from > MAX_RANGE_DAYS * DAY) throw new ValidationError(`the range is longer than ${MAX_RANGE_DAYS} days`, { details: [{ path: '/query/to', message: `at most ${MAX_RANGE_DAYS} days after from` }] });
  return { from, to };
}

/** GET /api/v1/deployments/stats: reads the range's deployments (bounded), the catalog's teams, and computes. */
export async function deploymentStats(query: DeploymentStatsQuery, now = Date.now()): Promise<DeploymentStats> {
  const { from, to } = rangeOf(query, now);
  const bucket: Bucket = query.bucket ?? ((to - from) / DAY <= DAILY_UP_TO_DAYS ? 'day' : 'week');
  const snapshot = await catalogSnapshot();
  const teamOf = (service: string) => snapshot.get(service)?.team;
  const services = query.team ? [...snapshot.records()].filter((s) => s.team === query.team).map((s) => s.id) : undefined;
  // A team that owns nothing (or not the service asked for) has no deployments: no read at all.
  const nothing = services !== undefined && (services.length === 0 || (query.service !== undefined && !services.includes(query.service)));
  const { records, truncated } = nothing
    ? { records: [], truncated: false }
    : await readRecords({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), service: query.service, environment: query.environment, services });
  const oldest = records.reduce((min, r) => Math.min(min, Date.parse(r.createdAt)), to);
  const coveredFrom = truncated ? oldest : from;
  const computed = computeDeploymentStats(records, { from, to, bucket, groupBy: query.groupBy, teamOf, coveredFrom });
  const filters = Object.fromEntries((['service', 'team', 'environment'] as const).flatMap((k) => (query[k] ? [[k, query[k]]] : [])));
  return {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    bucket,
    groupBy: query.groupBy ?? null,
    filters,
    coverage: { records: records.length, limit: STATS_RECORD_LIMIT, truncated, coveredFrom: new Date(coveredFrom).toISOString() },
    ...computed,
  };
}
