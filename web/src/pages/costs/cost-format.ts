/**
 * The Costs pages' words and shapes, kept free of React: money and change as people read them, the rows the charts
 * draw (daily spend by environment with the anomalies on their days, the month against its forecast, a budget's
 * burn-down), the URL's tab and environment, and the budget form's values and checks.
 */
import type { CostAnomaly, CostBudget, CostBudgetCreate, CostBudgetUpdate, CostSummary } from '../../../../schemas/types.gen.ts';

const cents = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const dollars = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', notation: 'compact', maximumFractionDigits: 1 });

/** USD as people read it: cents below $1,000 ($12.34), whole dollars above ($12,345). */
export function formatUsd(value: number): string {
  const rounded = Math.abs(value) < 1000 ? cents.format(value) : dollars.format(value);
  // -$0.00 is nothing.
  return rounded === '-$0.00' ? '$0.00' : rounded;
}

/** An axis tick: $0, $950, $1.2K. */
export const formatUsdShort = (value: number): string => (Math.abs(value) < 1000 ? dollars.format(value) : compact.format(value));

/** A change in percent, signed ("+12.3 %", "−4.0 %"); "—" when there is nothing to compare with. */
export function formatChange(percent: number | null | undefined): string {
  if (percent === null || percent === undefined || !Number.isFinite(percent)) return '—';
  const fixed = Math.abs(percent).toFixed(1);
  if (fixed === '0.0') return '0.0\u00a0%';
  return `${percent > 0 ? '+' : '\u2212'}${fixed}\u00a0%`;
}

/** A share in percent ("87 %"), or "—". */
export const formatPercent = (percent: number | null | undefined): string =>
  percent === null || percent === undefined || !Number.isFinite(percent) ? '—' : `${Math.round(percent)}\u00a0%`;

/** Rising cost reads as a warning, falling as good news, small moves as neither. */
export const changeIntent = (percent: number | null | undefined): 'danger' | 'success' | 'none' =>
  percent === null || percent === undefined || Math.abs(percent) < 1 ? 'none' : percent > 0 ? 'danger' : 'success';

/** A day (yyyy-mm-dd) as "5 Dec"; a month (yyyy-mm) as "December 2026". */
export const formatDay = (day: string): string => new Date(`${day.slice(0, 10)}T00:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
export const formatMonth = (month: string): string => new Date(`${month}-01T00:00:00Z`).toLocaleDateString('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });

/** A share with one decimal ("61.8 %"), or "—" when there is nothing to say. */
export const formatShare = (percent: number | null | undefined): string =>
  percent === null || percent === undefined || !Number.isFinite(percent) ? '—' : `${percent.toFixed(1)}\u00a0%`;

const ANOMALY_SOURCES: Record<CostAnomaly['source'], string> = { 'apollo': 'Apollo', 'cost-explorer': 'Cost Anomaly Detection' };

/** Where an anomaly is: the service in its environment, else the AWS service Cost Explorer names. */
export function anomalyWhere(a: Pick<CostAnomaly, 'service' | 'environment' | 'awsService' | 'rootCauses'>): string {
  if (a.service) return `${a.service}${a.environment ? ` in ${a.environment}` : ''}`;
  return a.awsService ?? a.rootCauses.find((r) => r.service)?.service ?? 'untagged spend';
}

/**
 * A day's anomalies as the chart marks them: the detectors (Apollo's, Cost Anomaly Detection) often see the same spike,
 * so each is said on its own line and the mark carries the largest impact, never their sum.
 */
export function anomalyMark(anomalies: readonly CostAnomaly[]): { label: string; lines: Array<{ id: string; text: string; summary: string }> } | null {
  if (anomalies.length === 0) return null;
  const sorted = [...anomalies].sort((a, b) => b.impactPerDay - a.impactPerDay || a.id.localeCompare(b.id));
  return {
    label: `▲ +${formatUsd(sorted[0]!.impactPerDay)}/day`,
    lines: sorted.map((a) => ({ id: a.id, text: `${ANOMALY_SOURCES[a.source] ?? a.source}: ${anomalyWhere(a)} +${formatUsd(a.impactPerDay)}/day`, summary: a.summary })),
  };
}

const COVERAGE_WORDS: Record<CostSummary['coverage'][number]['kind'], { name: string; of: string }> = {
  'reserved-instances': { name: 'Reserved Instances', of: 'eligible hours' },
  'savings-plans': { name: 'Savings Plans', of: 'eligible spend' },
};

/**
 * Reserved Instances' and Savings Plans' coverage in a sentence each (RIs first) with the on-demand spend it leaves
 * uncovered. Each kind's on-demand cost stays its own: the same uncovered EC2 hour counts in both, so a sum would say twice.
 */
export function coverageLines(coverage: CostSummary['coverage']): Array<{ kind: string; text: string; onDemand: string; start: string; end: string }> {
  return [...coverage].sort((a, b) => a.kind.localeCompare(b.kind)).map((c) => {
    const words = COVERAGE_WORDS[c.kind] ?? { name: c.kind, of: 'eligible usage' };
    return {
      kind: c.kind, start: c.start, end: c.end,
      text: `${words.name} cover ${formatShare(c.coveragePercent)} of ${words.of}, ${formatShare(c.utilizationPercent)} of the commitment used`,
      onDemand: `${formatUsd(c.onDemandCost)} on demand not covered`,
    };
  });
}

/** The key the summary's daily history uses for cost without the apollo:environment tag. */
export const UNTAGGED = 'untagged';

const ENV_ORDER = ['prod', 'staging', 'dev'];
/** Environments in the order people look at them: prod, staging, dev, the rest by name, untagged last. */
export function sortEnvironmentKeys(keys: Iterable<string>): string[] {
  const rank = (k: string) => (k === UNTAGGED ? 1000 : ENV_ORDER.includes(k) ? ENV_ORDER.indexOf(k) : 100);
  return [...new Set(keys)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

const PALETTE: Record<string, string> = { prod: '#2d72d2', staging: '#29a634', dev: '#d1980b', [UNTAGGED]: '#8f99a8' };
const MORE = ['#7961db', '#00a396', '#d33d17', '#db2c6f', '#147eb3', '#634dbf', '#c87619', '#5f6b7c'];
/** One colour per series, stable for the well-known environments. */
export function seriesColor(key: string, index: number): string {
  return PALETTE[key] ?? MORE[index % MORE.length]!;
}

/** A chart row: the day, each series' USD (0 where absent), the total, and the anomalies that day. */
export interface DailyRow {
  readonly date: string;
  readonly label: string;
  readonly total: number;
  readonly estimated: boolean;
  readonly anomalies: readonly CostAnomaly[];
  readonly [series: string]: number | string | boolean | readonly CostAnomaly[];
}

/**
 * Daily spend as stacked series: every key any day has (sorted as `order` sorts them), filled with 0 where a day lacks
 * it, and each anomaly on the day it happened (an anomaly outside the days shown is left out).
 */
export function dailySeries<D extends { date: string; total: number; estimated: boolean }>(
  daily: readonly D[],
  pick: (day: D) => Readonly<Record<string, number>>,
  anomalies: readonly CostAnomaly[] = [],
  order: (keys: Iterable<string>) => string[] = sortEnvironmentKeys,
): { keys: string[]; rows: DailyRow[] } {
  const keys = order(daily.flatMap((d) => Object.keys(pick(d))));
  const byDay = new Map<string, CostAnomaly[]>();
  for (const a of anomalies) byDay.set(a.date.slice(0, 10), [...(byDay.get(a.date.slice(0, 10)) ?? []), a]);
  const rows = [...daily].sort((a, b) => a.date.localeCompare(b.date)).map((d): DailyRow => {
    const values = pick(d);
    const date = d.date.slice(0, 10);
    return { ...Object.fromEntries(keys.map((k) => [k, round2(values[k] ?? 0)])), date, label: formatDay(date), total: round2(d.total), estimated: d.estimated, anomalies: byDay.get(date) ?? [] };
  });
  return { keys, rows };
}

/** The summary's daily history by environment, the anomalies on their days. */
export const environmentSeries = (summary: Pick<CostSummary, 'daily'>, anomalies: readonly CostAnomaly[] = []) =>
  dailySeries(summary.daily, (d) => d.byEnvironment, anomalies);

/** Resource types by their month's size, largest first (the stack's bottom). */
export const byAmount = (totals: Readonly<Record<string, number>>) => (keys: Iterable<string>): string[] =>
  [...new Set(keys)].sort((a, b) => (totals[b] ?? 0) - (totals[a] ?? 0) || a.localeCompare(b));

const round2 = (n: number): number => Math.round(n * 100) / 100;

const daysIn = (month: string): number => {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
};

const dayOf = (month: string, day: number): string => `${month}-${String(day).padStart(2, '0')}`;

/** A month row: spend so far (through the last day with data), then the forecast's line and its band to month end. */
export interface MonthRow {
  readonly date: string;
  readonly label: string;
  readonly actual: number | null;
  readonly forecast: number | null;
  /** [lower, upper]: Recharts draws a range area from a pair. */
  readonly band: readonly [number, number] | null;
}

/**
 * The month to date against the forecast: cumulative spend for each day with data, then straight lines from the last of
 * them to the forecast's month end and to its interval's ends (the band widens as the month goes on).
 */
export function monthRows(
  daily: ReadonlyArray<{ date: string; total: number }>,
  month: string,
  forecast: { monthEnd: number; lower: number; upper: number } | null,
): MonthRow[] {
  const last = daysIn(month);
  const spentByDay = new Map(daily.filter((d) => d.date.startsWith(month)).map((d) => [Number(d.date.slice(8, 10)), d.total]));
  const through = Math.max(0, ...spentByDay.keys());
  const rows: MonthRow[] = [];
  let cumulative = 0;
  for (let day = 1; day <= through; day++) {
    cumulative += spentByDay.get(day) ?? 0;
    const atEdge = day === through && forecast !== null;
    rows.push({ date: dayOf(month, day), label: String(day), actual: round2(cumulative), forecast: atEdge ? round2(cumulative) : null, band: atEdge ? [round2(cumulative), round2(cumulative)] : null });
  }
  if (!forecast) {
    for (let day = through + 1; day <= last; day++) rows.push({ date: dayOf(month, day), label: String(day), actual: null, forecast: null, band: null });
    return rows;
  }
  const span = last - through;
  for (let day = through + 1; day <= last; day++) {
    const t = (day - through) / span;
    const at = (end: number) => round2(cumulative + (end - cumulative) * t);
    rows.push({ date: dayOf(month, day), label: String(day), actual: null, forecast: at(forecast.monthEnd), band: [at(forecast.lower), at(forecast.upper)] });
  }
  return rows;
}

/** A burn-down row: what is left of the amount each day, what an even spend would leave, and the forecast's path after today. */
export interface BurnRow {
  readonly date: string;
  readonly label: string;
  readonly remaining: number | null;
  readonly ideal: number;
  readonly projected: number | null;
}

/**
 * A budget's burn-down over its whole month: the days so far as the API gives them, then the ideal line to zero and
 * the forecast's path from today's remaining to `amount − forecast` at month end (below zero: breached by forecast).
 */
export function burnDownRows(budget: Pick<CostBudget, 'month' | 'monthlyAmount' | 'forecast' | 'burnDown'>): BurnRow[] {
  const last = daysIn(budget.month);
  const days = [...budget.burnDown].filter((d) => d.date.startsWith(budget.month)).sort((a, b) => a.date.localeCompare(b.date));
  const rows: BurnRow[] = days.map((d, i) => ({
    date: d.date.slice(0, 10), label: String(Number(d.date.slice(8, 10))), remaining: round2(d.remaining), ideal: round2(d.ideal),
    projected: i === days.length - 1 ? round2(d.remaining) : null,
  }));
  const through = days.length ? Number(days[days.length - 1]!.date.slice(8, 10)) : 0;
  const left = days.length ? days[days.length - 1]!.remaining : budget.monthlyAmount;
  const end = budget.monthlyAmount - budget.forecast;
  for (let day = through + 1; day <= last; day++) {
    const t = (day - through) / (last - through);
    rows.push({ date: dayOf(budget.month, day), label: String(day), remaining: null, ideal: round2(budget.monthlyAmount * (1 - day / last)), projected: round2(left + (end - left) * t) });
  }
  return rows;
}

/** A budget's state as a tag says it. */
export function budgetStateText(budget: Pick<CostBudget, 'state' | 'breachedBy'>): { label: string; intent: 'success' | 'warning' | 'danger'; title: string } {
  if (budget.state === 'breached') return { label: 'breached', intent: 'danger', title: 'Month to date is over the amount' };
  if (budget.state === 'at-risk') return { label: 'at risk: breached by forecast', intent: 'warning', title: 'The month-end forecast is over the amount' };
  return { label: 'ok', intent: 'success', title: 'Neither month to date nor the forecast is over the amount' };
}

/** Where a cause opens: the link the API gives, else the page of its kind. */
export const causeHref = (cause: CostAnomaly['causes'][number]): string =>
  cause.link || (cause.kind === 'deployment' ? `/deployments/${encodeURIComponent(cause.id)}` : `/requests/${encodeURIComponent(cause.id)}`);

/** A service's Costs tab on its catalog page. */
export const serviceCostsHref = (service: string, environment?: string): string =>
  `/catalog/${encodeURIComponent(service)}?tab=costs${environment ? `&environment=${encodeURIComponent(environment)}` : ''}`;

export const COSTS_TABS = ['overview', 'environments', 'budgets', 'recommendations'] as const;
export type CostsTab = (typeof COSTS_TABS)[number];

const SLUG = /^[a-z][a-z0-9-]{0,31}$/;

/** `/costs?tab=environments&environment=prod`: the tab (overview unless it says) and the environment drilled into. */
export function costsStateFromSearch(search: string): { tab: CostsTab; environment?: string } {
  const params = new URLSearchParams(search);
  const tab = (COSTS_TABS as readonly string[]).includes(params.get('tab') ?? '') ? (params.get('tab') as CostsTab) : 'overview';
  const environment = params.get('environment')?.trim();
  return { tab, ...(environment && SLUG.test(environment) ? { environment } : {}) };
}

export function costsSearchOf(state: { tab: CostsTab; environment?: string | undefined }): string {
  const params = new URLSearchParams();
  if (state.tab !== 'overview') params.set('tab', state.tab);
  if (state.environment && state.tab === 'environments') params.set('environment', state.environment);
  const text = params.toString();
  return text ? `?${text}` : '';
}

export type AlertBasis = 'actual' | 'forecast';
export interface AlertValue { readonly percent: string; readonly basis: AlertBasis }

/** The budget form as typed: text until it is sent. */
export interface BudgetValues {
  readonly scopeType: CostBudgetCreate['scope']['type'];
  readonly scopeId: string;
  readonly monthlyAmount: string;
  readonly alerts: readonly AlertValue[];
  readonly description: string;
}

/** The API's default alerts: 80 % and 100 % of month to date, 100 % of the forecast. */
export const DEFAULT_ALERTS: readonly AlertValue[] = [
  { percent: '80', basis: 'actual' },
  { percent: '100', basis: 'actual' },
  { percent: '100', basis: 'forecast' },
];

export function budgetValues(budget: CostBudget | null, scope?: { type: BudgetValues['scopeType']; id: string }): BudgetValues {
  if (!budget) return { scopeType: scope?.type ?? 'service', scopeId: scope?.id ?? '', monthlyAmount: '', alerts: DEFAULT_ALERTS, description: '' };
  return {
    scopeType: budget.scope.type, scopeId: budget.scope.id, monthlyAmount: String(budget.monthlyAmount),
    alerts: budget.alerts.map((a) => ({ percent: String(a.percent), basis: a.basis })), description: budget.description ?? '',
  };
}

/** The form's own checks (the API repeats them): field → message. */
export function validateBudget(values: BudgetValues, creating: boolean): Record<string, string> {
  const errors: Record<string, string> = {};
  if (creating && !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(values.scopeId.trim())) errors.scopeId = `Choose the ${values.scopeType}: lowercase letters, digits and dashes.`;
  const amount = Number(values.monthlyAmount);
  if (values.monthlyAmount.trim() === '' || !Number.isFinite(amount) || amount <= 0) errors.monthlyAmount = 'A monthly amount in USD, above 0.';
  else if (amount > 100_000_000) errors.monthlyAmount = 'At most $100,000,000 a month.';
  if (values.alerts.length === 0) errors.alerts = 'At least one alert.';
  else if (values.alerts.some((a) => !/^\d+$/.test(a.percent.trim()) || Number(a.percent) < 1 || Number(a.percent) > 1000)) errors.alerts = 'Each alert is a whole percent from 1 to 1000.';
  else if (new Set(values.alerts.map((a) => `${Number(a.percent)}/${a.basis}`)).size !== values.alerts.length) errors.alerts = 'Each alert once.';
  return errors;
}

// The generated type spells a 1–10 item array as tuples of each length; the form's list is one of them.
type Alerts = NonNullable<CostBudgetCreate['alerts']>;
const alertsOf = (values: BudgetValues): Alerts => values.alerts.map((a) => ({ percent: Number(a.percent), basis: a.basis })) as unknown as Alerts;

export function budgetCreateBody(values: BudgetValues): CostBudgetCreate {
  return {
    scope: { type: values.scopeType, id: values.scopeId.trim() },
    monthlyAmount: Number(values.monthlyAmount),
    alerts: alertsOf(values),
    ...(values.description.trim() ? { description: values.description.trim() } : {}),
  };
}

/** What changed: the PUT sends only that (nothing changed: an empty body). */
export function budgetUpdateBody(budget: CostBudget, values: BudgetValues): CostBudgetUpdate {
  const body: CostBudgetUpdate = {};
  if (Number(values.monthlyAmount) !== budget.monthlyAmount) body.monthlyAmount = Number(values.monthlyAmount);
  const alerts = alertsOf(values);
  if (JSON.stringify(alerts) !== JSON.stringify(budget.alerts.map((a) => ({ percent: a.percent, basis: a.basis })))) body.alerts = alerts;
  if (values.description.trim() !== (budget.description ?? '')) body.description = values.description.trim();
  return body;
}

/** An API error's field path (`/body/scope/id`, `/body/alerts/1/percent`) as the form's field. */
export function budgetFieldOf(path: string): string | undefined {
  const parts = path.replace(/^\/body\/?/, '').split('/');
  if (parts[0] === 'scope') return parts[1] === 'type' ? 'scopeType' : 'scopeId';
  if (parts[0] === 'monthlyAmount' || parts[0] === 'alerts' || parts[0] === 'description') return parts[0];
  return undefined;
}

/** This month (UTC) and the three before it, newest first, as yyyy-mm (the environment tree's months). */
export function recentMonths(now: Date, count = 4): string[] {
  return Array.from({ length: count }, (_, i) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1)).toISOString().slice(0, 7));
}
