/**
 * How the request analytics read (the team page's and the platform page's): durations from milliseconds, rates from
 * 0..1 or null ("—", never NaN), weeks by their Monday, and the rows the charts draw. The API's percentiles come from
 * 5 % buckets, so the pages say "≈" once, beside them.
 */
import type { PerformanceStats, TeamAnalytics, TeamUsage } from '../../../../schemas/types.gen.ts';

/** The windows a page offers, in days; the URL's `days` must be one of them. */
export const WINDOWS = [30, 90, 180] as const;
export type WindowDays = (typeof WINDOWS)[number];
export const DEFAULT_WINDOW: WindowDays = 90;

export function windowFromSearch(search: string): WindowDays {
  const days = Number(new URLSearchParams(search).get('days'));
  return (WINDOWS as readonly number[]).includes(days) ? (days as WindowDays) : DEFAULT_WINDOW;
}

/** `search` with `key` set (or removed when undefined or the default), for a link or a replace. */
export function withParam(search: string, key: string, value: string | number | undefined, fallback?: string | number): string {
  const params = new URLSearchParams(search);
  if (value === undefined || value === '' || String(value) === String(fallback)) params.delete(key);
  else params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

const finite = (n: number | null | undefined): n is number => typeof n === 'number' && Number.isFinite(n);

/** 45 s, 7 min, 3.2 h, 14 h, 2.5 d; "—" for none. */
export function formatDuration(ms: number | null | undefined): string {
  if (!finite(ms) || ms < 0) return '—';
  const seconds = ms / 1000;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = seconds / 60;
  if (minutes < 59.5) return `${Math.round(minutes)} min`;
  const hours = minutes / 60;
  if (hours < 23.95) return hours < 9.95 ? `${trim(hours.toFixed(1))} h` : `${Math.round(hours)} h`;
  const days = hours / 24;
  return days < 9.95 ? `${trim(days.toFixed(1))} d` : `${Math.round(days)} d`;
}

const trim = (fixed: string): string => fixed.replace(/\.0$/, '');

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const STEPS = [MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, 24 * HOUR, 48 * HOUR, 7 * 24 * HOUR];

/** A duration axis's ticks up to `max` ms: round minutes, hours or days, at most six of them past zero. */
export function durationTicks(max: number): number[] {
  if (!finite(max) || max <= 0) return [0, MINUTE];
  const step = STEPS.find((s) => max / s <= 6) ?? Math.ceil(max / 6 / (7 * 24 * HOUR)) * 7 * 24 * HOUR;
  const top = Math.ceil(max / step) * step;
  return Array.from({ length: top / step + 1 }, (_, i) => i * step);
}

/** A share of 0..1 as a percent: 85 %, 84.9 %; "—" for none. */
export function formatRate(rate: number | null | undefined): string {
  if (!finite(rate)) return '—';
  const percent = Math.round(rate * 1000) / 10;
  return `${trim(percent.toFixed(1))} %`;
}

/** A change against the window before (+0.25: a quarter more): +25 %, −10 %, ±0 %; "—" when that window had none. */
export function formatChange(change: number | null | undefined): string {
  if (!finite(change)) return '—';
  const percent = Math.round(change * 100);
  if (percent === 0) return '±0 %';
  return `${percent > 0 ? '+' : '−'}${Math.abs(percent)} %`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A week by its Monday (UTC): "7 Sep". */
export function formatWeek(monday: string): string {
  const date = new Date(`${monday.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return monday;
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]}`;
}

/** A window's days as words: "the last 90 days". */
export const windowWords = (days: number): string => `the last ${days} days`;

export interface RequestWeekRow {
  readonly week: string;
  readonly label: string;
  readonly submitted: number;
  readonly completed: number;
  readonly failed: number;
}

export const requestWeekRows = (weeks: TeamAnalytics['weeks']): RequestWeekRow[] =>
  weeks.map((w) => ({ week: w.week, label: formatWeek(w.week), submitted: w.submitted, completed: w.completed, failed: w.failed }));

export interface FulfilWeekRow {
  readonly week: string;
  readonly label: string;
  /** Null (a gap in the line) for a week without a completion. */
  readonly median: number | null;
  readonly p90: number | null;
}

export const fulfilWeekRows = (weeks: TeamAnalytics['weeks']): FulfilWeekRow[] =>
  weeks.map((w) => ({ week: w.week, label: formatWeek(w.week), median: finite(w.medianFulfilMs) ? w.medianFulfilMs : null, p90: finite(w.p90FulfilMs) ? w.p90FulfilMs : null }));

/** The SLA to draw across the time-to-fulfil chart: only when one SLA applies (one offering, or all the same). */
export function singleSla(byOffering: TeamAnalytics['byOffering']): { ms: number; offering: string | null } | null {
  const slas = [...new Set(byOffering.flatMap((o) => (finite(o.slaMs) ? [o.slaMs] : [])))];
  if (slas.length !== 1 || byOffering.some((o) => !finite(o.slaMs))) return null;
  return { ms: slas[0]!, offering: byOffering.length === 1 ? byOffering[0]!.offering.name : null };
}

/** Where a time stands against its SLA: within, over, or nothing to compare. */
export function againstSla(ms: number | null | undefined, slaMs: number | null | undefined): 'within' | 'over' | null {
  if (!finite(ms) || !finite(slaMs)) return null;
  return ms <= slaMs ? 'within' : 'over';
}

/** One row per week: each kind provisioned (above zero) and deprovisioned (below, as a negative number). */
export type UsageWeekRow = { readonly week: string; readonly label: string } & Record<string, number | string>;

export const provisionedKey = (kind: string): string => `+${kind}`;
export const deprovisionedKey = (kind: string): string => `-${kind}`;

export function usageWeekRows(usage: Pick<TeamUsage, 'kinds' | 'weeks'>): UsageWeekRow[] {
  return usage.weeks.map((w) => {
    const row: Record<string, number | string> = { week: w.week, label: formatWeek(w.week) };
    for (const kind of usage.kinds) {
      row[provisionedKey(kind)] = w.provisioned[kind] ?? 0;
      row[deprovisionedKey(kind)] = 0 - (w.deprovisioned[kind] ?? 0);
    }
    return row as UsageWeekRow;
  });
}

/** What is in place now, by kind (largest first), with the offerings that make it up. */
export function activeByKind(active: TeamUsage['active']): Array<{ kind: string; active: number; offerings: Array<{ id: string; name: string; active: number }> }> {
  const kinds = new Map<string, { kind: string; active: number; offerings: Array<{ id: string; name: string; active: number }> }>();
  for (const a of active) {
    const k = kinds.get(a.kind) ?? { kind: a.kind, active: 0, offerings: [] };
    k.active += a.active;
    k.offerings.push({ id: a.offering.id, name: a.offering.name, active: a.active });
    kinds.set(a.kind, k);
  }
  return [...kinds.values()].sort((a, b) => b.active - a.active || a.kind.localeCompare(b.kind));
}

/** The chart's colour for a series (Blueprint's palette), stable by position. */
const PALETTE = ['#2d72d2', '#29a634', '#d1980b', '#7961db', '#00a396', '#d33d17', '#c22762', '#147eb3', '#738091'];
export const seriesColor = (index: number): string => PALETTE[index % PALETTE.length]!;

/** Where an offering's time goes, in words: "approval, 70 %", "action create_repo, 56 %", "queue, 55 %". */
export function bottleneckWords(b: PerformanceStats['items'][number]['bottleneck']): string {
  if (!b) return '—';
  const what = b.phase === 'action' ? (b.action ? `action ${b.action}` : 'actions') : b.phase;
  return `${what}, ${formatRate(b.share)}`;
}

/** A time saved against the manual baseline: "99.9 % less" (or "12 % more" when slower); "—" without a baseline. */
export function reductionWords(reduction: number | null | undefined): string {
  if (!finite(reduction)) return '—';
  return reduction >= 0 ? `${formatRate(reduction)} less` : `${formatRate(-reduction)} more`;
}

/** The adoption's share against its target: met, or how far below. */
export function adoptionWords(share: number | null, target: number): { text: string; met: boolean | null } {
  if (!finite(share)) return { text: `Target ${formatRate(target)}; the directory's size is unknown`, met: null };
  const met = share >= target;
  const points = Math.round((target - share) * 100);
  return { text: met ? `At or above the ${formatRate(target)} target` : `${points} point${points === 1 ? '' : 's'} below the ${formatRate(target)} target`, met };
}

/** A download's file name from its Content-Disposition (`attachment; filename="x.csv"`), else `fallback`. */
export function fileNameOf(disposition: string | null | undefined, fallback: string): string {
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition ?? '');
  if (!match) return fallback;
  try {
    return decodeURIComponent(match[1]!.trim());
  } catch {
    return match[1]!.trim();
  }
}

/** The request audit's filters as the URL holds them: days (UTC) for the range, both included. */
export interface AuditSearch {
  readonly from?: string;
  readonly to?: string;
  readonly actor?: string;
  readonly requestId?: string;
  readonly action?: string;
  readonly outcome?: 'pending' | 'succeeded' | 'failed';
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const OUTCOMES = ['pending', 'succeeded', 'failed'] as const;

export function auditSearchFromUrl(search: string): AuditSearch {
  const p = new URLSearchParams(search);
  const text = (key: string): string | undefined => p.get(key)?.trim() || undefined;
  const day = (key: string): string | undefined => (DAY.test(p.get(key) ?? '') ? p.get(key)! : undefined);
  const outcome = p.get('outcome');
  const f: { -readonly [K in keyof AuditSearch]: AuditSearch[K] } = {};
  if (day('from')) f.from = day('from');
  if (day('to')) f.to = day('to');
  if (text('actor')) f.actor = text('actor');
  if (text('requestId')) f.requestId = text('requestId');
  if (text('action')) f.action = text('action');
  if ((OUTCOMES as readonly string[]).includes(outcome ?? '')) f.outcome = outcome as AuditSearch['outcome'];
  return f;
}

export function auditUrlOf(f: AuditSearch): string {
  const p = new URLSearchParams({ tab: 'audit' });
  for (const key of ['from', 'to', 'actor', 'requestId', 'action', 'outcome'] as const) if (f[key]) p.set(key, f[key]!);
  return `?${p.toString()}`;
}

/** What the API takes: `from` inclusive at the day's start, `to` exclusive at the next day's start (UTC). */
export function auditQueryOf(f: AuditSearch): Omit<AuditSearch, 'from' | 'to'> & { from?: string; to?: string } {
  const { from, to, ...rest } = f;
  const next = (day: string) => new Date(Date.parse(`${day}T00:00:00.000Z`) + 86_400_000).toISOString();
  return { ...rest, ...(from ? { from: `${from}T00:00:00.000Z` } : {}), ...(to ? { to: next(to) } : {}) };
}

/** A problem with the range before asking: the API would refuse it. */
export const auditRangeProblem = (f: AuditSearch): string | null =>
  f.from && f.to && f.from > f.to ? '"From" must be on or before "to".' : null;
