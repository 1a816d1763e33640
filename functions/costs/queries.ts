/**
 * The cost reads (`GET /api/v1/costs/…`): all from what the cost-ingest job stored — a handful of Queries each,
 * never Cost Explorer (it bills per request) and never a Scan. "This month" is the UTC calendar month of today;
 * its figures run through the last day ingested (`dataThrough`).
 */
import type {
  CostAnomalyList, CostAnomalyListQuery, CostEnvironment, CostEnvironmentQuery, CostForecast, CostService, CostServiceQuery, CostSummary, CostSummaryQuery,
} from '#schemas/index.ts';
import { NotFoundError, ValidationError } from '#shared/errors';
import { addDays } from './anomaly-detector.ts';
import { budgetOf, trailingForecast } from './budgets.ts';
import { catalogServices } from './catalog.ts';
import { costsNow } from './clock.ts';
import { resourceTypeOf } from './ports.ts';
import {
  anomaliesBetween, clusterDays, costDays, costMonths, costMonthsOfEnvironment, fromKeyPart, keyPart, latestIngest, recordsOfService, storedCoverage, storedForecast, UNTAGGED, UNTAGGED_LABEL, type CostMonth, type IngestRun,
} from './records.ts';
import { cents, daysInMonth, previousMonth, toDay } from './rollup.ts';

const pct = (now: number, before: number): number | null => (before > 0 ? Math.round(((now - before) / before) * 1000) / 10 : null);
const label = (envKey: string): string => (envKey === UNTAGGED ? UNTAGGED_LABEL : envKey);
const sourceOf = (simulated: boolean) => (simulated ? 'local-demo' as const : 'cost-explorer' as const);

/** Today's month, and the day of it the figures run through (0 before any day of it is in). */
async function clock(): Promise<{ today: string; month: string; simulated: boolean; latest: IngestRun | undefined }> {
  const today = new Date(costsNow()).toISOString().slice(0, 10);
  const latest = await latestIngest();
  // Whether the figures are the LOCAL demo's is what the ingest that stored them says.
  return { today, month: today.slice(0, 7), simulated: latest?.source === 'local-demo', latest };
}

const dayOfMonth = (m: CostMonth | undefined, month: string): number => (m && m.through.startsWith(month) && m.days > 0 ? Number(m.through.slice(8, 10)) : 0);
const dataThrough = (latest: IngestRun | undefined): string | null => (latest ? addDays(latest.range.end, -1) : null);

function lastIngestOf(latest: IngestRun | undefined): CostSummary['lastIngest'] {
  if (!latest) return null;
  return { at: latest.at, status: latest.status, range: latest.range, days: latest.days, records: latest.records, requests: latest.requests, ...(latest.error ? { error: latest.error } : {}) };
}

// ---------------------------------------------------------------- summary

export async function costSummary(query: CostSummaryQuery): Promise<CostSummary> {
  const { today, month, simulated, latest } = await clock();
  const days = query.days ?? 90;
  const last = previousMonth(month);
  const [months, forecast, daily, anomalies, services, coverage] = await Promise.all([
    costMonths(last, month), storedForecast(month), costDays(addDays(today, -days), addDays(today, -1)), anomaliesBetween(addDays(today, -30), today), catalogServices(), storedCoverage(),
  ]);
  const current = months.get(month);
  const previous = months.get(last);
  const n = dayOfMonth(current, month);
  const monthToDate = current?.total ?? 0;
  const lastMonthToDate = toDay(previous?.cumulative, n);
  const envKeys = [...new Set([...Object.keys(current?.byEnvironment ?? {}), ...Object.keys(previous?.byEnvironment ?? {})])];
  const byEnvironment = envKeys.map((key) => {
    const mtd = current?.byEnvironment[key] ?? 0;
    const before = toDay(previous?.cumulativeByEnvironment[key], n);
    return {
      environment: fromKeyPart(key), monthToDate: cents(mtd), lastMonthToDate: cents(before), changePercent: pct(mtd, before),
      forecast: trailingForecast(current?.cumulativeByEnvironment[key] ?? [], previous?.cumulativeByEnvironment[key] ?? [], month),
    };
  }).sort((a, b) => b.monthToDate - a.monthToDate);
  const topServices = Object.entries(current?.byService ?? {}).filter(([k]) => k !== UNTAGGED).sort((a, b) => b[1] - a[1]).slice(0, 10).map(([service, mtd]) => {
    const before = toDay(previous?.cumulativeByService[service], n);
    return { service, team: services.get(service)?.team ?? null, inCatalog: services.has(service), monthToDate: cents(mtd), lastMonthToDate: cents(before), changePercent: pct(mtd, before) };
  });
  // Visibility: this month's, or last month's on the 1st (before any day of this month is in).
  const basis = current && current.total > 0 ? current : previous;
  const attributed = basis ? basis.total - (basis.byService[UNTAGGED] ?? 0) : 0;
  const withCost = [...services.keys()].filter((id) => (basis?.byService[id] ?? 0) > 0);
  const trailing = trailingForecast(current?.cumulative ?? [], previous?.cumulative ?? [], month);
  return {
    asOf: latest?.at ?? null, dataThrough: dataThrough(latest), source: sourceOf(simulated), simulated, currency: 'USD', month,
    monthToDate: cents(monthToDate), lastMonth: cents(previous?.total ?? 0), lastMonthToDate: cents(lastMonthToDate),
    change: { amount: cents(monthToDate - lastMonthToDate), percent: pct(monthToDate, lastMonthToDate) },
    forecast: forecast
      ? { monthEnd: forecast.mean, lower: forecast.lower, upper: forecast.upper, method: 'cost-explorer' }
      : current || previous ? { monthEnd: trailing, lower: cents(trailing * 0.92), upper: cents(trailing * 1.08), method: 'trailing-average' } : null,
    byEnvironment, topServices,
    daily: daily.map((d) => ({ date: d.date, total: d.total, estimated: d.estimated, byEnvironment: Object.fromEntries(Object.entries(d.byEnvironment).map(([k, v]) => [label(k), v])) })),
    anomalies: { last30Days: anomalies.length, latest: anomalies[0]?.date ?? null },
    visibility: {
      month: basis?.month ?? month,
      services: services.size, servicesWithCost: withCost.length, percent: services.size ? Math.round((withCost.length / services.size) * 1000) / 10 : null,
      attributedPercent: basis && basis.total > 0 ? Math.round((attributed / basis.total) * 1000) / 10 : null,
      unattributed: cents(basis ? basis.total - attributed : 0),
      topUntagged: Object.entries(basis?.unattributed ?? {}).sort((a, b) => b[1] - a[1]).slice(0, 5).map(([key, cost]) => {
        const [env, ...rest] = key.split('#');
        const awsService = rest.join('#');
        return { awsService, resourceType: resourceTypeOf(awsService), environment: fromKeyPart(env!), monthToDate: cents(cost) };
      }),
      servicesWithoutCost: [...services.keys()].filter((id) => !withCost.includes(id)).sort().slice(0, 50),
    },
    coverage: coverage.sort((a, b) => a.kind.localeCompare(b.kind)).map((c) => ({ kind: c.kind, start: c.start, end: c.end, coveragePercent: c.coveragePercent, utilizationPercent: c.utilizationPercent, onDemandCost: cents(c.onDemandCost) })),
    lastIngest: lastIngestOf(latest),
  };
}

// ---------------------------------------------------------------- an environment's tree

/** Managed datastores: what is not a workload on a cluster. */
const MANAGED = new Set(['rds', 'elasticache', 'msk', 'opensearch', 'dynamodb']);

export async function costEnvironment(environment: string, query: CostEnvironmentQuery): Promise<CostEnvironment> {
  const { month: thisMonth, simulated, latest } = await clock();
  const month = query.month ?? thisMonth;
  if (month > thisMonth) throw new ValidationError(`${month} has not begun`, { details: [{ path: '/query/month', message: `must be ${thisMonth} or earlier` }] });
  const last = previousMonth(month);
  const [months, envMonths, services] = await Promise.all([costMonths(last, month), costMonthsOfEnvironment(environment, last, month), catalogServices()]);
  const current = envMonths.get(month);
  const previous = envMonths.get(last);
  if (!current && !previous && ![...services.values()].some((s) => s.environments.has(environment))) {
    throw new NotFoundError(`no cost and no catalog service in environment ${environment}`);
  }
  // "Last month" compares with its same span: up to the day this month's figures run through (a past month: all of it;
  // this month before any day of it is in: nothing to compare yet).
  const n = month < thisMonth ? daysInMonth(month) : dayOfMonth(months.get(month), month);
  const byService = new Map<string, Record<string, number>>();
  for (const [key, cost] of Object.entries(current?.byServiceType ?? {})) {
    const [service, type] = key.split('#') as [string, string];
    if (service === UNTAGGED) continue;
    const types = byService.get(service) ?? byService.set(service, {}).get(service)!;
    types[type] = (types[type] ?? 0) + cost;
  }
  const sumOf = (byType: Record<string, number>) => Object.values(byType).reduce((a, b) => a + b, 0);
  const clusters = new Map<string, Map<string, CostEnvironment['unplaced']>>();
  const unplaced: CostEnvironment['unplaced'] = [];
  const managed: CostEnvironment['managed'] = [];
  for (const [service, byType] of [...byService].sort((a, b) => sumOf(b[1]) - sumOf(a[1]))) {
    const workload: Record<string, number> = {};
    for (const [type, cost] of Object.entries(byType)) {
      if (MANAGED.has(type)) managed.push({ resourceType: type, awsService: AWS_NAME[type] ?? type, service, name: `${service}-${environment}`, cost: cents(cost) });
      else workload[type] = cost;
    }
    const cost = sumOf(workload);
    if (cost <= 0) continue;
    // The service's managed share is listed apart; its change compares what it spent in all (the cumulative series are per service).
    const all = sumOf(byType);
    const before = toDay(previous?.cumulativeByService[service], n);
    const node = { service, inCatalog: services.has(service), cost: cents(cost), byResourceType: Object.fromEntries(Object.entries(workload).map(([t, v]) => [t, cents(v)])), changePercent: n ? pct(all, before) : null };
    const where = services.get(service)?.environments.get(environment);
    if (!where) { unplaced.push(node); continue; }
    const namespaces = clusters.get(where.cluster) ?? clusters.set(where.cluster, new Map()).get(where.cluster)!;
    (namespaces.get(where.namespace) ?? namespaces.set(where.namespace, []).get(where.namespace)!).push(node);
  }
  const sum = (nodes: ReadonlyArray<{ cost: number }>) => cents(nodes.reduce((a, b) => a + b.cost, 0));
  const main = months.get(month);
  // Each cluster's idle and unallocated cost this month, by its OpenCost (one Query per cluster).
  const allocation = new Map<string, { idle: number; unallocated: number }>();
  await Promise.all([...clusters.keys()].map(async (cluster) => {
    const days = await clusterDays(cluster, `${month}-01`, `${month}-31`);
    if (days.length) allocation.set(cluster, { idle: days.reduce((a, d) => a + d.idle, 0), unallocated: days.reduce((a, d) => a + d.unallocated, 0) });
  }));
  const isCurrent = month === thisMonth;
  return {
    environment, month, source: sourceOf(simulated), simulated, dataThrough: dataThrough(latest),
    // The environment's figures are the month roll-up's, as the summary reads them (its services' may differ by cents).
    total: cents(main?.byEnvironment[environment] ?? 0), lastMonth: cents(months.get(last)?.byEnvironment[environment] ?? 0),
    lastMonthToDate: cents(toDay(months.get(last)?.cumulativeByEnvironment[environment], n)),
    changePercent: n ? pct(main?.byEnvironment[environment] ?? 0, toDay(months.get(last)?.cumulativeByEnvironment[environment], n)) : null,
    forecast: isCurrent ? trailingForecast(main?.cumulativeByEnvironment[environment] ?? [], months.get(last)?.cumulativeByEnvironment[environment] ?? [], month) : null,
    clusters: [...clusters].map(([cluster, namespaces]) => {
      const list = [...namespaces].map(([namespace, svcs]) => ({ namespace, cost: sum(svcs), services: svcs })).sort((a, b) => b.cost - a.cost);
      const k8s = allocation.get(cluster);
      return { cluster, cost: sum(list), idle: k8s ? cents(k8s.idle) : null, unallocated: k8s ? cents(k8s.unallocated) : null, namespaces: list };
    }).sort((a, b) => b.cost - a.cost),
    managed: managed.sort((a, b) => b.cost - a.cost),
    // Cost tagged with the environment and no service, by the AWS service Cost Explorer names.
    shared: Object.entries(main?.unattributed ?? {}).filter(([key]) => key.startsWith(`${environment}#`)).map(([key, cost]) => {
      const awsService = key.slice(environment.length + 1);
      return { resourceType: resourceTypeOf(awsService), awsService, cost: cents(cost) };
    }).sort((a, b) => b.cost - a.cost),
    unplaced,
  };
}

const AWS_NAME: Record<string, string> = {
  rds: 'Amazon Relational Database Service', elasticache: 'Amazon ElastiCache', msk: 'Amazon Managed Streaming for Apache Kafka',
  opensearch: 'Amazon OpenSearch Service', dynamodb: 'Amazon DynamoDB', eks: 'Amazon Elastic Kubernetes Service', cloudwatch: 'Amazon CloudWatch',
};

// ---------------------------------------------------------------- a service's history

export async function costService(id: string, query: CostServiceQuery): Promise<CostService> {
  const { today, month, simulated, latest } = await clock();
  const days = query.days ?? 90;
  const from = addDays(today, -days);
  const last = previousMonth(month);
  // This month, last month and the forecast come from the month roll-ups, as the summary and the budget read them.
  const seriesOf = (m: Map<string, { cumulativeByService: Readonly<Record<string, readonly number[]>> }>) => ({
    current: m.get(month)?.cumulativeByService[id] ?? [], previous: m.get(last)?.cumulativeByService[id] ?? [],
  });
  const [records, services, anomalies, budget, series] = await Promise.all([
    recordsOfService(keyPart(id), from, addDays(today, -1)),
    catalogServices(), anomaliesBetween(from, today, id), budgetOf({ type: 'service', id }),
    query.environment ? costMonthsOfEnvironment(query.environment, last, month).then(seriesOf) : costMonths(last, month).then(seriesOf),
  ]);
  if (!services.has(id) && !records.length) throw new NotFoundError(`no service ${id} in the catalog and no cost tagged apollo:service=${id}`);
  if (query.environment && !services.get(id)?.environments.has(query.environment) && !records.some((r) => r.environment === query.environment)) {
    throw new NotFoundError(`${id} does not run in ${query.environment} and has no cost tagged apollo:environment=${query.environment}`);
  }
  const mine = query.environment ? records.filter((r) => r.environment === query.environment) : records;
  const byDate = new Map<string, { total: number; estimated: boolean; byResourceType: Record<string, number>; byEnvironment: Record<string, number> }>();
  for (let d = from; d < today; d = addDays(d, 1)) byDate.set(d, { total: 0, estimated: false, byResourceType: {}, byEnvironment: {} });
  const thisMonth: Record<string, Record<string, number>> = { env: {}, type: {} };
  for (const r of mine) {
    if (r.date.startsWith(month)) {
      const env = label(keyPart(r.environment));
      thisMonth.env![env] = (thisMonth.env![env] ?? 0) + r.costUsd;
      thisMonth.type![r.resourceType] = (thisMonth.type![r.resourceType] ?? 0) + r.costUsd;
    }
    const day = byDate.get(r.date);
    if (!day) continue;
    day.total += r.costUsd;
    day.estimated ||= r.metadata.estimated;
    day.byResourceType[r.resourceType] = (day.byResourceType[r.resourceType] ?? 0) + r.costUsd;
    const env = label(keyPart(r.environment));
    day.byEnvironment[env] = (day.byEnvironment[env] ?? 0) + r.costUsd;
  }
  const through = dataThrough(latest);
  const monthToDate = series.current.at(-1) ?? 0;
  const lastMonth = series.previous.at(-1) ?? 0;
  const lastMonthToDate = toDay(series.previous, series.current.length);
  const round = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, cents(v)]));
  return {
    service: id, inCatalog: services.has(id), team: services.get(id)?.team ?? null, environment: query.environment ?? null,
    source: sourceOf(simulated), simulated, dataThrough: through,
    monthToDate: cents(monthToDate), lastMonth: cents(lastMonth), lastMonthToDate: cents(lastMonthToDate), changePercent: pct(monthToDate, lastMonthToDate),
    forecast: trailingForecast(series.current, series.previous, month),
    byEnvironment: round(thisMonth.env!), byResourceType: round(thisMonth.type!),
    daily: [...byDate].map(([date, d]) => ({ date, total: cents(d.total), estimated: d.estimated, byResourceType: round(d.byResourceType), byEnvironment: round(d.byEnvironment) })),
    anomalies: query.environment ? anomalies.filter((a) => a.environment === query.environment) : anomalies,
    budget,
  };
}

// ---------------------------------------------------------------- forecast and anomalies

export async function costForecast(): Promise<CostForecast> {
  const { today, month, simulated, latest } = await clock();
  const last = previousMonth(month);
  const [months, stored] = await Promise.all([costMonths(last, month), storedForecast(month)]);
  const current = months.get(month);
  const previous = months.get(last);
  const n = dayOfMonth(current, month);
  const trailing = trailingForecast(current?.cumulative ?? [], previous?.cumulative ?? [], month);
  const envKeys = [...new Set([...Object.keys(current?.byEnvironment ?? {}), ...Object.keys(previous?.byEnvironment ?? {})])];
  const serviceKeys = [...new Set([...Object.keys(current?.byService ?? {}), ...Object.keys(previous?.byService ?? {})])].filter((k) => k !== UNTAGGED);
  return {
    month, source: sourceOf(simulated), simulated, asOf: latest?.at ?? null, daysLeft: daysInMonth(month) - Math.max(n, Number(today.slice(8, 10)) - 1),
    monthToDate: cents(current?.total ?? 0), lastMonth: cents(previous?.total ?? 0),
    organization: stored
      ? { monthEnd: stored.mean, lower: stored.lower, upper: stored.upper, method: 'cost-explorer' }
      : current || previous ? { monthEnd: trailing, lower: cents(trailing * 0.92), upper: cents(trailing * 1.08), method: 'trailing-average' } : null,
    byEnvironment: envKeys.map((key) => ({
      environment: fromKeyPart(key), monthToDate: cents(current?.byEnvironment[key] ?? 0), lastMonth: cents(previous?.byEnvironment[key] ?? 0),
      forecast: trailingForecast(current?.cumulativeByEnvironment[key] ?? [], previous?.cumulativeByEnvironment[key] ?? [], month),
    })).sort((a, b) => b.forecast - a.forecast),
    byService: serviceKeys.map((service) => {
      const forecast = trailingForecast(current?.cumulativeByService[service] ?? [], previous?.cumulativeByService[service] ?? [], month);
      const lastMonth = cents(previous?.byService[service] ?? 0);
      return { service, monthToDate: cents(current?.byService[service] ?? 0), forecast, lastMonth, changePercent: pct(forecast, lastMonth) };
    }).sort((a, b) => b.forecast - a.forecast),
  };
}

export async function costAnomalies(query: CostAnomalyListQuery): Promise<CostAnomalyList> {
  const { today } = await clock();
  const to = query.to ?? today;
  const from = query.from ?? addDays(to, -90);
  const items = (await anomaliesBetween(from, to, query.service))
    .filter((a) => (!query.environment || a.environment === query.environment) && (!query.source || a.source === query.source));
  return { items, from, to };
}
