/**
 * The pure part of the ingest: Cost Explorer's lines as cost records, a day's totals and detail, and a
 * month rolled up from its days. Amounts are kept to 4 decimals everywhere (the reads round to cents once, at the
 * end), so two roll-ups of the same lines agree to the cent.
 */
import { resourceTypeOf, type CostLine } from './ports.ts';
import { keyPart, type CostDay, type CostDayDetail, type CostMonth, type CostMonthEnvironment, type CostRecord } from './records.ts';

const r4 = (n: number): number => Math.round(n * 10_000) / 10_000;
export const cents = (n: number): number => Math.round(n * 100) / 100;
/** Dollars as people read them: $1,239.76. */
export const usd = (n: number): string => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

const add = (map: Record<string, number>, key: string, value: number): void => { map[key] = (map[key] ?? 0) + value; };
const rounded = (map: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(map).map(([k, v]) => [k, r4(v)]));

/** The lines as records: one per (day, environment, service, AWS service); lines that repeat a key are summed. */
export function recordsOf(lines: readonly CostLine[], source: CostRecord['metadata']['source']): CostRecord[] {
  const byKey = new Map<string, CostRecord>();
  for (const line of lines) {
    const resourceType = resourceTypeOf(line.awsService);
    const key = `${line.date}#${keyPart(line.environment)}#${keyPart(line.service)}#${line.awsService}`;
    const prior = byKey.get(key);
    byKey.set(key, {
      date: line.date, environment: line.environment, service: line.service, resourceType, resourceId: line.awsService,
      costUsd: r4((prior?.costUsd ?? 0) + line.cost),
      usageQuantity: line.usageQuantity === null && !prior?.usageQuantity ? null : r4((prior?.usageQuantity ?? 0) + (line.usageQuantity ?? 0)),
      usageUnit: line.usageUnit ?? prior?.usageUnit ?? null,
      metadata: { estimated: line.estimated || Boolean(prior?.metadata.estimated), source },
    });
  }
  return [...byKey.values()];
}

/** A day's totals and detail from its records. */
export function dayOf(date: string, records: readonly CostRecord[]): { day: CostDay; detail: CostDayDetail } {
  const byEnvironment: Record<string, number> = {};
  const byEnvServiceType: Record<string, number> = {};
  const unattributed: Record<string, number> = {};
  let total = 0;
  let estimated = false;
  for (const r of records) {
    total += r.costUsd;
    estimated ||= r.metadata.estimated;
    add(byEnvironment, keyPart(r.environment), r.costUsd);
    add(byEnvServiceType, `${keyPart(r.environment)}#${keyPart(r.service)}#${r.resourceType}`, r.costUsd);
    if (r.service === null) add(unattributed, `${keyPart(r.environment)}#${r.resourceId}`, r.costUsd);
  }
  return {
    day: { date, total: r4(total), estimated, byEnvironment: rounded(byEnvironment) },
    detail: { date, byEnvServiceType: rounded(byEnvServiceType), unattributed: rounded(unattributed) },
  };
}

/** A month from its days (any order; days of other months are ignored), and each environment's month. */
export function monthOf(month: string, days: readonly CostDay[], details: readonly CostDayDetail[]): { month: CostMonth; environments: CostMonthEnvironment[] } {
  const mine = days.filter((d) => d.date.startsWith(month)).sort((a, b) => a.date.localeCompare(b.date));
  const detailOf = new Map(details.map((d) => [d.date, d]));
  const byEnvironment: Record<string, number> = {};
  const byService: Record<string, number> = {};
  const unattributed: Record<string, number> = {};
  const length = daysInMonth(month);
  const daily = new Array<number>(length).fill(0);
  const dailyByEnvironment: Record<string, number[]> = {};
  const dailyByService: Record<string, number[]> = {};
  const envs = new Map<string, { total: number; byServiceType: Record<string, number>; dailyByService: Record<string, number[]> }>();
  const series = (map: Record<string, number[]>, key: string): number[] => (map[key] ??= new Array<number>(length).fill(0));
  const bump = (values: number[], index: number, cost: number): void => { values[index] = (values[index] ?? 0) + cost; };
  let total = 0;
  for (const day of mine) {
    const index = Number(day.date.slice(8, 10)) - 1;
    total += day.total;
    daily[index] = day.total;
    for (const [env, cost] of Object.entries(day.byEnvironment)) {
      add(byEnvironment, env, cost);
      bump(series(dailyByEnvironment, env), index, cost);
    }
    const detail = detailOf.get(day.date);
    if (!detail) continue;
    for (const [key, cost] of Object.entries(detail.byEnvServiceType)) {
      const [env, service, type] = key.split('#') as [string, string, string];
      add(byService, service, cost);
      bump(series(dailyByService, service), index, cost);
      const e = envs.get(env) ?? envs.set(env, { total: 0, byServiceType: {}, dailyByService: {} }).get(env)!;
      e.total += cost;
      add(e.byServiceType, `${service}#${type}`, cost);
      bump(series(e.dailyByService, service), index, cost);
    }
    for (const [key, cost] of Object.entries(detail.unattributed)) add(unattributed, key, cost);
  }
  const through = mine.at(-1)?.date ?? `${month}-01`;
  const upTo = mine.length ? Number(through.slice(8, 10)) : 0;
  const cumulate = (values: readonly number[]): number[] => {
    let sum = 0;
    return values.slice(0, upTo).map((v) => r4((sum += v)));
  };
  const cumulateAll = (map: Record<string, number[]>) => Object.fromEntries(Object.entries(map).map(([k, v]) => [k, cumulate(v)]));
  return {
    month: {
      month, total: r4(total), days: mine.length, through,
      byEnvironment: rounded(byEnvironment), byService: rounded(byService), unattributed: rounded(unattributed),
      cumulative: cumulate(daily), cumulativeByEnvironment: cumulateAll(dailyByEnvironment), cumulativeByService: cumulateAll(dailyByService),
    },
    environments: [...envs].map(([environment, e]) => ({
      month, environment, total: r4(e.total), byServiceType: rounded(e.byServiceType), cumulativeByService: cumulateAll(e.dailyByService),
    })),
  };
}

export function daysInMonth(month: string): number {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** The month before `month` (yyyy-mm). */
export function previousMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 2, 1)).toISOString().slice(0, 7);
}

/** Cumulative up to day `day` (1-based) of a month's series; the last known value when the series is shorter. */
export function toDay(cumulative: readonly number[] | undefined, day: number): number {
  if (!cumulative?.length) return 0;
  return cumulative[Math.min(day, cumulative.length) - 1] ?? 0;
}
