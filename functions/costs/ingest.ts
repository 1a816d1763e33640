/**
 * The daily cost-ingest job (EventBridge; locally the scheduler, and once at `npm start`). Cost Explorer is
 * asked only here (it bills per request), never on a person's request:
 *
 * 1. the days to fetch: 90 (APOLLO_COSTS_BACKFILL_DAYS) the first time; after that from the day after the last
 *    one stored, and always the last 3 (APOLLO_COSTS_REVISIT_DAYS) again, because Cost Explorer revises them;
 * 2. GetCostAndUsage per environment (and once for untagged cost) → cost records, upserted by their key; a
 *    record a revision no longer has is deleted; each day's totals and detail, each touched month's roll-up;
 * 3. Cost Explorer's month-end forecast and its anomalies; RI / Savings Plans coverage and utilization and its
 *    recommendations once a week (APOLLO_COSTS_SLOW_REFRESH_DAYS: they follow monthly commitments and a 30-day
 *    lookback, and their 6 requests a day were a tenth of an idle Apollo's bill), or when the job is run with
 *    `{ "refresh": true }` (after buying a Savings Plan, say);
 * 4. each cluster's Kubernetes allocation (OpenCost / Kubecost: workloads, idle) for the last 7 days;
 * 5. Apollo's own anomalies per (environment, service) over the trailing 14 days, each joined to the
 *    deployments and fulfilled requests of that service the day before it;
 * 6. the recommendations (./recommendations.ts), from all of the above and EC2's idle volumes and snapshots;
 * 7. the budgets' alerts.
 *
 * Every write is keyed by what it is: a second run over the same days leaves the same items (idempotent).
 */
import type { CostAnomaly } from '#schemas/index.ts';
import { ApolloError } from '#shared/errors';
import { notify } from '#lib/notifications';
import { logger } from '#lib/observability';
import { teamMemberPrincipals } from '#functions/identity/public';
import { addDays, contiguous, detectAnomalies } from './anomaly-detector.ts';
import { evaluateBudgetAlerts } from './budgets.ts';
import { causesOf, describeAnomaly } from './causes.ts';
import { catalogEnvironments, catalogServices } from './catalog.ts';
import { costsConfig } from './config.ts';
import { costsNow } from './clock.ts';
import { costsDeps } from './deps.ts';
import { AllocationSourceError } from './adapters/opencost.ts';
import type { CostSource, WorkloadAllocation } from './ports.ts';
import { putRecommendations, recommend, storedRecommendations } from './recommendations.ts';
import {
  anomalyStored, batchWrite, costDayDetails, costDays, fromKeyPart, latestIngest, putAnomaly, putCoverage, putDays, putForecast, putIngestRun, putMonth,
  putClusterDays, putSourceRecommendations, recordItem, recordKey, recordsOfEnvironment, storedCoverage, storedSourceRecommendations, type ClusterDay, type CostRecord, type IngestRun,
} from './records.ts';
import { cents, dayOf, monthOf, recordsOf, usd } from './rollup.ts';

export interface IngestResult extends IngestRun {
  /** Whether coverage and Cost Explorer's recommendations were read this run (weekly), and with how many requests. */
  readonly slowReads: boolean;
  readonly slowRequests: number;
  readonly anomalies: number;
  readonly budgetAlerts: number;
  readonly deleted: number;
  readonly problems: readonly string[];
}

const today = (now: number): string => new Date(now).toISOString().slice(0, 10);

/** The days to fetch: [start, end) with end = today (Cost Explorer's today is still being counted). */
export async function ingestRange(now: number): Promise<{ start: string; end: string }> {
  const { backfillDays, revisitDays } = costsConfig();
  const end = today(now);
  const earliest = addDays(end, -backfillDays);
  const latest = await latestIngest();
  if (!latest) return { start: earliest, end };
  const revisit = addDays(end, -revisitDays);
  const start = latest.range.end < revisit ? latest.range.end : revisit;
  return { start: start < earliest ? earliest : start, end };
}

/**
 * Whether coverage and Cost Explorer's recommendations are read again this run: when asked, when either was
 * never stored, or when the older of the two is `slowRefreshDays` old (a day's slack: the job runs at one time of day).
 */
export async function slowReadsDue(now: number, refresh: boolean): Promise<boolean> {
  if (refresh) return true;
  const [coverage, recommendations] = await Promise.all([storedCoverage(), storedSourceRecommendations()]);
  if (coverage.length === 0 || !recommendations) return true;
  const oldest = Math.min(...coverage.map((c) => Date.parse(c.at)), Date.parse(recommendations.at));
  return now - oldest >= (costsConfig().slowRefreshDays - 0.5) * 86_400_000;
}

export async function runCostIngest(options: { readonly refresh?: boolean } = {}): Promise<IngestResult> {
  const { source } = await costsDeps();
  const now = costsNow();
  const at = new Date(now).toISOString();
  const range = await ingestRange(now);
  const requestsBefore = source.requests;
  const sourceName = source.simulated ? 'local-demo' as const : 'cost-explorer' as const;
  const problems: string[] = [];
  let records: CostRecord[];
  try {
    records = recordsOf(await source.costs(range, await catalogEnvironments()), sourceName);
  } catch (error) {
    const run: IngestRun = { at, status: 'failed', range, days: 0, records: 0, requests: source.requests - requestsBefore, source: sourceName, error: (error as Error).message };
    await putIngestRun(run);
    throw error;
  }
  const deleted = await storeRecords(range, records);
  const days = await storeDays(range, records);
  await optional(problems, 'forecast', () => storeForecast(source, now));
  const slow = await slowReadsDue(now, options.refresh === true);
  const slowBefore = source.requests;
  if (slow) {
    await optional(problems, 'coverage', async () => putCoverage(await source.coverage({ start: addDays(range.end, -30), end: range.end }), at));
    await optional(problems, 'Cost Explorer recommendations', async () => putSourceRecommendations(await source.recommendations(), at));
  }
  const slowRequests = source.requests - slowBefore;
  let anomalies = 0;
  await optional(problems, 'Cost Explorer anomalies', async () => { anomalies += await storeSourceAnomalies(source, range); });
  await optional(problems, 'anomaly detection', async () => { anomalies += await detectAndStore(range); });
  const allocations = await optional(problems, 'Kubernetes allocation', () => ingestAllocations(range, problems));
  await optional(problems, 'recommendations', () => storeRecommendations(range, allocations));
  let budgetAlerts = 0;
  await optional(problems, 'budget alerts', async () => { budgetAlerts = await evaluateBudgetAlerts(now); });
  const run: IngestRun = {
    at, status: problems.length ? 'partial' : 'succeeded', range, days, records: records.length, requests: source.requests - requestsBefore, source: sourceName,
    ...(problems.length ? { error: problems.join('; ') } : {}),
  };
  await putIngestRun(run);
  return { ...run, anomalies, budgetAlerts, deleted, problems, slowReads: slow, slowRequests };
}

/** A step whose failure leaves the run partial (said in its status), not failed: the costs themselves are in. */
async function optional<T>(problems: string[], what: string, step: () => Promise<T>): Promise<T | undefined> {
  try {
    return await step();
  } catch (error) {
    logger.warn('cost ingest step failed', { step: what, error: error as Error });
    // Our own errors say what to do; anything else (a DynamoDB or SDK message) is the log's, not the page's.
    const told = error instanceof ApolloError || error instanceof AllocationSourceError;
    problems.push(`${what}: ${told ? (error as Error).message : 'failed unexpectedly (the cost-ingest job\'s log has the error)'}`);
    return undefined;
  }
}

/** Allocations are kept by OpenCost for about 15 days: the last 7 are read (right-sizing's window) and the range's days kept. */
const ALLOCATION_DAYS = 7;

type MappedAllocation = WorkloadAllocation & { readonly service: string | null; readonly environment: string | null };

/** What the run read of the clusters: their workloads (none read: undefined), and those it could not read. */
interface AllocationRead {
  readonly allocations: MappedAllocation[] | undefined;
  readonly unreadClusters: readonly string[];
  /** `service/environment` of each catalog environment on a cluster not read. */
  readonly unread: ReadonlySet<string>;
}

/**
 * Each cluster's workloads over the last 7 days, mapped to catalog services (the environment whose cluster and
 * namespace they run in, by controller name or the app.kubernetes.io/name label); each cluster's day stored
 * (allocated, idle, unallocated). Undefined when no allocation source is configured. The clusters are read side by
 * side (one slow cluster costs one timeout, not one each); a cluster that fails is a problem of its own, and the
 * others are kept.
 */
async function ingestAllocations(range: { start: string; end: string }, problems: string[]): Promise<AllocationRead | undefined> {
  const { allocation } = await costsDeps();
  if (!allocation) return undefined;
  const services = await catalogServices();
  const where = new Map<string, { service: string; environment: string }>();
  for (const s of services.values()) for (const [environment, e] of s.environments) where.set(`${e.cluster}/${e.namespace}/${s.id}`, { service: s.id, environment });
  const start = addDays(range.end, -ALLOCATION_DAYS);
  const mapped: MappedAllocation[] = [];
  const days: ClusterDay[] = [];
  const clusters = allocation.clusters;
  const reads = await Promise.allSettled(clusters.map((cluster) => allocation.allocations(cluster, { start, end: range.end })));
  const unreadClusters = clusters.filter((_, index) => reads[index]!.status === 'rejected');
  const unread = new Set([...where].filter(([key]) => unreadClusters.some((c) => key.startsWith(`${c}/`))).map(([, v]) => `${v.service}/${v.environment}`));
  for (const [index, read] of reads.entries()) {
    const cluster = clusters[index]!;
    if (read.status === 'rejected') {
      logger.warn('cost ingest: a cluster\'s allocation failed', { cluster, error: read.reason as Error });
      problems.push(`Kubernetes allocation: ${read.reason instanceof AllocationSourceError ? read.reason.message : `the cluster ${cluster} failed unexpectedly (the cost-ingest job's log has the error)`}`);
      continue;
    }
    const found = read.value;
    const byDay = new Map<string, { allocated: number; idle: number; unallocated: number }>();
    for (const a of found) {
      const day = byDay.get(a.start) ?? byDay.set(a.start, { allocated: 0, idle: 0, unallocated: 0 }).get(a.start)!;
      if (a.idle) day.idle += a.totalCost;
      else if (!a.workload) day.unallocated += a.totalCost;
      else day.allocated += a.totalCost;
      const name = a.workload && (a.labels.app_kubernetes_io_name ?? a.labels['app.kubernetes.io/name'] ?? a.workload);
      const hit = name && a.namespace ? where.get(`${cluster}/${a.namespace}/${name}`) ?? where.get(`${cluster}/${a.namespace}/${a.workload}`) : undefined;
      mapped.push({ ...a, service: hit?.service ?? null, environment: hit?.environment ?? null });
    }
    for (const [date, d] of byDay) days.push({ cluster, date, allocated: cents(d.allocated), idle: cents(d.idle), unallocated: cents(d.unallocated) });
  }
  await putClusterDays(days);
  return { allocations: unreadClusters.length === clusters.length ? undefined : mapped, unreadClusters, unread };
}

/**
 * The recommendations worked out again from what the run read. Right-sizing of the environments on a cluster it
 * could not read is the last run's (a cluster's OpenCost out for a day does not make its advice vanish), saying so.
 */
async function storeRecommendations(range: { start: string; end: string }, read: AllocationRead | undefined): Promise<void> {
  const { source: costs, storage, allocation } = await costsDeps();
  const { snapshotDays, recommendationMinUsd } = costsConfig();
  const last = addDays(range.end, -1);
  const [details, source, idle, previous] = await Promise.all([
    costDayDetails(addDays(range.end, -30), last), storedSourceRecommendations(), storage?.idleStorage({ snapshotDays }),
    read?.unreadClusters.length ? storedRecommendations() : undefined,
  ]);
  const allocations = read?.allocations;
  const worked = recommend({ details, sourceRecommendations: source?.items ?? [], storage: idle, allocations, snapshotDays });
  const kept = read && previous ? previous.items.filter((i) => i.source === 'opencost' && read.unread.has(`${i.service}/${i.environment}`)) : [];
  const items = kept.length ? [...worked.items, ...kept].sort((a, b) => b.monthlySaving - a.monthlySaving) : worked.items;
  const notes = kept.length
    ? [...worked.notes, `Right-sizing on ${read!.unreadClusters.join(', ')} is the run of ${previous!.at.slice(0, 16).replace('T', ' ')} UTC's: its OpenCost did not answer this time.`]
    : worked.notes;
  const sources = [costs.label, ...((allocations || kept.length) && allocation ? [allocation.label] : []), ...(idle && storage ? [storage.label] : [])];
  await putRecommendations({ items, notes, sources, minSaving: recommendationMinUsd, at: new Date(costsNow()).toISOString() });
}

/** Upserts the records and deletes those of the range a revision no longer has. Answers how many it deleted. */
async function storeRecords(range: { start: string; end: string }, records: readonly CostRecord[]): Promise<number> {
  const last = addDays(range.end, -1);
  const fresh = new Set(records.map((r) => { const k = recordKey(r); return `${k.PK}|${k.SK}`; }));
  // The environments the range held before (the days' totals name them) and holds now.
  const environments = new Set<string>([...records.map((r) => recordKey(r).PK.slice('COST#'.length))]);
  for (const day of await costDays(range.start, last)) for (const env of Object.keys(day.byEnvironment)) environments.add(env);
  const stale: Array<{ PK: string; SK: string }> = [];
  for (const env of environments) {
    for (const old of await recordsOfEnvironment(env, range.start, last)) {
      const k = recordKey(old);
      if (!fresh.has(`${k.PK}|${k.SK}`)) stale.push(k);
    }
  }
  await batchWrite([
    ...records.map((r) => ({ PutRequest: { Item: recordItem(r) } })),
    ...stale.map((Key) => ({ DeleteRequest: { Key } })),
  ]);
  return stale.length;
}

/** Each day of the range's totals and detail, then each touched month rolled up again from its days. */
async function storeDays(range: { start: string; end: string }, records: readonly CostRecord[]): Promise<number> {
  const byDate = new Map<string, CostRecord[]>();
  for (let d = range.start; d < range.end; d = addDays(d, 1)) byDate.set(d, []);
  for (const r of records) byDate.get(r.date)?.push(r);
  const rolled = [...byDate].map(([date, list]) => dayOf(date, list));
  await putDays(rolled.map((r) => r.day), rolled.map((r) => r.detail));
  const months = [...new Set([...byDate.keys()].map((d) => d.slice(0, 7)))];
  for (const month of months) {
    const days = await costDays(`${month}-01`, `${month}-31`);
    const details = await costDayDetails(`${month}-01`, `${month}-31`, days);
    const rolled = monthOf(month, days, details);
    await putMonth(rolled.month, rolled.environments);
  }
  return byDate.size;
}

/** Cost Explorer's forecast of the rest of this month, plus what is spent already: the month's end. */
async function storeForecast(source: CostSource, now: number): Promise<void> {
  const start = today(now);
  const month = start.slice(0, 7);
  const [y, m] = month.split('-').map(Number) as [number, number];
  const end = new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
  const forecast = await source.forecast({ start, end });
  if (!forecast) return;
  // On the 1st nothing of the month is spent yet (and the days before today are last month's).
  const spent = start.endsWith('-01') ? 0 : (await costDays(`${month}-01`, addDays(start, -1))).reduce((sum, d) => sum + d.total, 0);
  await putForecast({ month, mean: cents(spent + forecast.mean), lower: cents(spent + forecast.lower), upper: cents(spent + forecast.upper), computedAt: new Date(now).toISOString() });
}

async function storeSourceAnomalies(source: CostSource, range: { start: string; end: string }): Promise<number> {
  const found = await source.anomalies({ start: addDays(range.end, -90), end: range.end });
  for (const a of found) {
    const anomaly: CostAnomaly = {
      id: a.id, source: 'cost-explorer', date: a.startDate, endDate: a.endDate, service: null, environment: null, awsService: a.dimensionValue,
      actual: cents(a.totalActual ?? a.totalImpact), expected: cents(a.totalExpected ?? 0), impactPerDay: cents(a.maxImpact), score: a.score,
      summary: `${a.dimensionValue ?? 'Spend'} ${a.endDate ? `from ${a.startDate} to ${a.endDate}` : `since ${a.startDate}`}: ${usd(a.totalImpact)} over what was expected`
        + (a.rootCauses[0]?.usageType ? ` (${a.rootCauses[0].usageType}${a.rootCauses[0].region ? ` in ${a.rootCauses[0].region}` : ''})` : ''),
      causes: [],
      rootCauses: a.rootCauses.map((c) => ({ ...(c.service ? { service: c.service } : {}), ...(c.region ? { region: c.region } : {}), ...(c.usageType ? { usageType: c.usageType } : {}), ...(c.linkedAccount ? { linkedAccount: c.linkedAccount } : {}) })),
    };
    await putAnomaly(anomaly);
  }
  return found.length;
}

/** Apollo's detector over each (environment, service) series, for the days of the range; each anomaly joined to its causes. */
async function detectAndStore(range: { start: string; end: string }): Promise<number> {
  const { anomalySigma, anomalyMinUsd } = costsConfig();
  const last = addDays(range.end, -1);
  // Anomalies that began up to 14 days before the range are found again: an open one gets its end.
  const detectFrom = addDays(range.start, -14);
  const from = addDays(detectFrom, -21);
  const series = new Map<string, Array<{ date: string; cost: number }>>();
  for (const detail of await costDayDetails(from, last)) {
    const byPair = new Map<string, number>();
    for (const [key, cost] of Object.entries(detail.byEnvServiceType)) {
      const [env, service] = key.split('#') as [string, string];
      if (fromKeyPart(service) === null || fromKeyPart(env) === null) continue;
      byPair.set(`${env}#${service}`, (byPair.get(`${env}#${service}`) ?? 0) + cost);
    }
    for (const [pair, cost] of byPair) (series.get(pair) ?? series.set(pair, []).get(pair)!).push({ date: detail.date, cost });
  }
  const services = await catalogServices();
  let stored = 0;
  for (const [pair, points] of series) {
    const [environment, service] = pair.split('#') as [string, string];
    for (const found of detectAnomalies(contiguous(points, from, last), detectFrom, { sigma: anomalySigma, minUsd: anomalyMinUsd })) {
      const causes = await causesOf(service, environment, found.startDate, services.get(service)?.team);
      const anomaly: CostAnomaly = {
        id: `apollo-${environment}-${service}-${found.startDate}`, source: 'apollo', date: found.startDate, endDate: found.endDate,
        service, environment, awsService: null, actual: found.actual, expected: found.expected, impactPerDay: cents(found.actual - found.expected), score: found.score,
        summary: describeAnomaly(service, environment, found, causes), causes, rootCauses: [],
      };
      const known = await anomalyStored(anomaly);
      await putAnomaly(anomaly);
      if (!known) await tellOwners(anomaly, services.get(service)?.team);
      stored++;
    }
  }
  return stored;
}

/** A new anomaly (not one a previous run found) is told to the service's team, in-app and on EventBridge. */
async function tellOwners(anomaly: CostAnomaly, team: string | undefined): Promise<void> {
  if (!team) return;
  const members = await teamMemberPrincipals(team).catch(() => [] as string[]);
  await notify(members, {
    kind: 'cost.anomaly',
    title: anomaly.summary,
    body: `Since ${anomaly.date}, about ${usd(anomaly.impactPerDay)} a day over the trailing 14 days' ${usd(anomaly.expected)}.`,
    link: `/catalog/${anomaly.service}?tab=costs`,
    resource: { type: 'cost-anomaly', id: anomaly.id },
  });
}
