/**
 * The DORA statistics page's rules without React: its filters as the URL holds them
 * (`/deployments/stats?range=30d&service=…&team=…&environment=prod&groupBy=service&bucket=week`), the query they
 * make, and how numbers and bands read.
 */
import type { DeploymentStatsMetrics, DeploymentStatsQuery } from '../../../../schemas/types.gen.ts';

export type Band = DeploymentStatsMetrics['leadTime']['band'];
export type GroupBy = NonNullable<DeploymentStatsQuery['groupBy']>;

export const RANGES = [
  { value: '7d', label: 'Last 7 days', days: 7 },
  { value: '30d', label: 'Last 30 days', days: 30 },
  { value: '60d', label: 'Last 60 days', days: 60 },
  { value: '90d', label: 'Last 90 days', days: 90 },
] as const;
export type RangeValue = (typeof RANGES)[number]['value'];
export const GROUP_BYS: readonly GroupBy[] = ['service', 'team', 'environment'];
export const BUCKETS = ['day', 'week'] as const;

export interface StatsFilters {
  readonly range: RangeValue;
  readonly service?: string;
  readonly team?: string;
  readonly environment?: string;
  readonly groupBy: GroupBy;
  readonly bucket?: 'day' | 'week';
}

const SLUG = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** The URL's filters; what is missing or not understood falls back (30 days, grouped by service, the API's bucket). */
export function statsFiltersFromSearch(search: string): StatsFilters {
  const params = new URLSearchParams(search);
  const pick = (key: string) => {
    const value = params.get(key)?.trim();
    return value && SLUG.test(value) ? value : undefined;
  };
  const range = RANGES.find((r) => r.value === params.get('range'))?.value ?? '30d';
  const groupBy = GROUP_BYS.find((g) => g === params.get('groupBy')) ?? 'service';
  const bucket = BUCKETS.find((b) => b === params.get('bucket'));
  const service = pick('service');
  const team = pick('team');
  const environment = pick('environment');
  return { range, groupBy, ...(service ? { service } : {}), ...(team ? { team } : {}), ...(environment ? { environment } : {}), ...(bucket ? { bucket } : {}) };
}

/** The filters as the page's query string (defaults left out). */
export function searchFromStatsFilters(filters: StatsFilters): string {
  const params = new URLSearchParams();
  if (filters.range !== '30d') params.set('range', filters.range);
  for (const key of ['service', 'team', 'environment'] as const) if (filters[key]) params.set(key, filters[key]);
  if (filters.groupBy !== 'service') params.set('groupBy', filters.groupBy);
  if (filters.bucket) params.set('bucket', filters.bucket);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** What GET /api/v1/deployments/stats is asked, the range ending `now`. */
export function statsQueryOf(filters: StatsFilters, now: number): DeploymentStatsQuery {
  const days = RANGES.find((r) => r.value === filters.range)!.days;
  return {
    from: new Date(now - days * 86_400_000).toISOString(),
    to: new Date(now).toISOString(),
    groupBy: filters.groupBy,
    ...(filters.service ? { service: filters.service } : {}),
    ...(filters.team ? { team: filters.team } : {}),
    ...(filters.environment ? { environment: filters.environment } : {}),
    ...(filters.bucket ? { bucket: filters.bucket } : {}),
  };
}

/** A duration in seconds as people say it: "45 s", "12 min", "3.5 h", "2.1 days"; "—" for none. */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86_400) return `${trim(seconds / 3600)} h`;
  return `${trim(seconds / 86_400)} days`;
}

const trim = (value: number): string => (value >= 10 ? String(Math.round(value)) : value.toFixed(1).replace(/\.0$/, ''));

/** A 0–1 rate as a percentage ("4.2 %"); "—" for none. */
export function formatRate(rate: number | null | undefined): string {
  if (rate === null || rate === undefined) return '—';
  const pct = rate * 100;
  return `${pct >= 10 ? Math.round(pct) : pct.toFixed(1).replace(/\.0$/, '')} %`;
}

/** Deployments a day, or a week when fewer than one a day. */
export function formatFrequency(perDay: number): string {
  if (perDay >= 1) return `${trim(perDay)} a day`;
  if (perDay * 7 >= 1) return `${trim(perDay * 7)} a week`;
  return perDay > 0 ? `${trim(perDay * 30)} a month` : 'none';
}

export const BAND_LABEL: Record<NonNullable<Band>, string> = { elite: 'Elite', high: 'High', medium: 'Medium', low: 'Low' };
export const BAND_INTENT: Record<NonNullable<Band>, 'success' | 'primary' | 'warning' | 'danger'> = { elite: 'success', high: 'primary', medium: 'warning', low: 'danger' };

/** What each band means for each key (the DORA 2023 report's table, as functions/deployments/stats.ts reads it). */
export const BAND_MEANING = {
  deploymentFrequency: 'Elite: more than once a day · High: daily to weekly · Medium: weekly to monthly · Low: less than monthly',
  leadTime: 'Elite: under a day · High: under a week · Medium: under a month · Low: a month or more',
  changeFailureRate: 'Elite: up to 5 % · High: up to 10 % · Medium: up to 15 % · Low: above 15 %',
  timeToRestore: 'Elite: under an hour · High: under a day · Medium: under a week · Low: a week or more',
} as const;
