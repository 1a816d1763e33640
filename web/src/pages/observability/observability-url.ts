/**
 * The Observability page's state as the URL holds it
 * (`/observability?service=core-service&environment=prod&range=1h&view=logs&level=ERROR&q=HikariCP&trace=…`):
 * shareable, kept on reload, and the same words the service page's Logs and Metrics tabs use.
 */

export const RANGES = [
  { value: '15m', label: 'Last 15 minutes', ms: 15 * 60_000 },
  { value: '1h', label: 'Last hour', ms: 3600_000 },
  { value: '6h', label: 'Last 6 hours', ms: 6 * 3600_000 },
  { value: '24h', label: 'Last 24 hours', ms: 24 * 3600_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 24 * 3600_000 },
] as const;
export type RangeValue = (typeof RANGES)[number]['value'];
export const DEFAULT_RANGE: RangeValue = '1h';

export const LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type Level = (typeof LEVELS)[number];

export const VIEWS = ['logs', 'metrics', 'traces'] as const;
export type View = (typeof VIEWS)[number];

export interface ObservabilityState {
  readonly service?: string;
  readonly environment?: string;
  readonly range: RangeValue;
  readonly view: View;
  readonly level?: Level;
  /** The logs' text filter. */
  readonly q?: string;
  /** The trace open in the waterfall. */
  readonly trace?: string;
  /**
   * A fixed window instead of the range (an incident's: from before it began to its resolution): its start, and its
   * end, or none for "until now" (an incident still open).
   */
  readonly from?: string;
  readonly to?: string;
}

const SLUG = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const TRACE = /^[A-Za-z0-9-]{1,64}$/;

const oneOf = <T extends string>(values: readonly T[], value: string | null): T | undefined =>
  value !== null && (values as readonly string[]).includes(value) ? (value as T) : undefined;

/** The URL's state; what is missing or not understood falls back (the last hour, the logs). */
export function stateFromSearch(search: string): ObservabilityState {
  const params = new URLSearchParams(search);
  const slug = (key: string) => { const v = params.get(key)?.trim(); return v && SLUG.test(v) ? v : undefined; };
  const service = slug('service');
  const environment = slug('environment');
  const level = oneOf(LEVELS, params.get('level')?.toUpperCase() ?? null);
  const q = params.get('q')?.trim().slice(0, 200);
  const trace = params.get('trace')?.trim();
  const window = windowFromParams(params.get('from'), params.get('to'));
  return {
    range: oneOf(RANGES.map((r) => r.value), params.get('range')) ?? DEFAULT_RANGE,
    view: oneOf(VIEWS, params.get('view')) ?? 'logs',
    ...(service ? { service } : {}),
    ...(environment ? { environment } : {}),
    ...(level ? { level } : {}),
    ...(q ? { q } : {}),
    ...(trace && TRACE.test(trace) ? { trace } : {}),
    ...window,
  };
}

const isoOf = (value: string | null): string | undefined => {
  const ms = value ? Date.parse(value.trim()) : Number.NaN;
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
};

/** A window's start and end (both ISO, the start first), or its start alone; anything else is no window. */
function windowFromParams(fromParam: string | null, toParam: string | null): { from?: string; to?: string } {
  const from = isoOf(fromParam);
  if (!from) return {};
  const to = isoOf(toParam);
  if (toParam !== null && (!to || to <= from)) return {};
  return to ? { from, to } : { from };
}

/** The state as a query string, defaults left out, in a fixed order. */
export function searchFromState(state: ObservabilityState): string {
  const params = new URLSearchParams();
  if (state.service) params.set('service', state.service);
  if (state.environment) params.set('environment', state.environment);
  if (state.range !== DEFAULT_RANGE) params.set('range', state.range);
  if (state.view !== 'logs') params.set('view', state.view);
  if (state.level) params.set('level', state.level);
  if (state.q) params.set('q', state.q);
  if (state.trace) params.set('trace', state.trace);
  if (state.from) params.set('from', state.from);
  if (state.from && state.to) params.set('to', state.to);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** A change of state: an emptied field is dropped; a new service forgets an environment it may not have and the open trace. */
export function changeState(state: ObservabilityState, change: Partial<Record<keyof ObservabilityState, string | undefined>>): ObservabilityState {
  const merged: Record<string, unknown> = { ...state, ...change };
  if (change.service !== undefined && change.service !== state.service) {
    if (!('environment' in change)) delete merged.environment;
    if (!('trace' in change)) delete merged.trace;
  }
  // Picking a range leaves a fixed window.
  if (change.range !== undefined && !('from' in change)) { delete merged.from; delete merged.to; }
  for (const key of Object.keys(merged)) if (merged[key] === '' || merged[key] === undefined) delete merged[key];
  return stateFromSearch(searchFromState({ range: DEFAULT_RANGE, view: 'logs', ...merged } as ObservabilityState));
}

/** The range as ISO instants ending `now`. */
export function rangeOf(range: RangeValue, now: number): { from: string; to: string; fromMs: number; toMs: number } {
  const ms = RANGES.find((r) => r.value === range)!.ms;
  const fromMs = now - ms;
  return { from: new Date(fromMs).toISOString(), to: new Date(now).toISOString(), fromMs, toMs: now };
}

/** What the state shows: its fixed window (ending `now` when open-ended), else its range ending `now`. */
export function windowOf(state: Pick<ObservabilityState, 'range' | 'from' | 'to'>, now: number): { from: string; to: string; fromMs: number; toMs: number } {
  if (!state.from) return rangeOf(state.range, now);
  const fromMs = Date.parse(state.from);
  const toMs = state.to ? Date.parse(state.to) : Math.max(now, fromMs + 60_000);
  return { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), fromMs, toMs };
}

/** What a query's key says of the time shown: the range, or the window (an open-ended one ends at each read). */
export const windowKey = (state: Pick<ObservabilityState, 'range' | 'from' | 'to'>): string =>
  state.from ? `${state.from}..${state.to ?? 'now'}` : state.range;

const ENV_ORDER = ['prod', 'staging', 'dev'];
/** The environment to show first: prod, else staging, else dev, else the first by name. */
export function defaultEnvironment(names: readonly string[]): string | undefined {
  for (const name of ENV_ORDER) if (names.includes(name)) return name;
  return [...names].sort()[0];
}

export const SERVICE_TABS = ['overview', 'logs', 'metrics', 'costs'] as const;
export type ServiceTab = (typeof SERVICE_TABS)[number];

/** The service page's tab (`/catalog/core-service?tab=logs&environment=prod&range=6h&q=…`): overview unless it says. */
export function serviceTabFromSearch(search: string): ServiceTab {
  return oneOf(SERVICE_TABS, new URLSearchParams(search).get('tab')) ?? 'overview';
}

/** The service page's query string for a tab and the observability state it shows (the service is the page's own). */
export function serviceSearchOf(tab: ServiceTab, state: ObservabilityState): string {
  if (tab === 'overview') return '';
  const rest = searchFromState({ ...state, service: undefined, view: 'logs', trace: undefined } as ObservabilityState).replace(/^\?/, '');
  return `?tab=${tab}${rest ? `&${rest}` : ''}`;
}

/** Where a trace opens: the Observability page's Traces view, keeping the service, environment and range. */
export function traceHref(state: ObservabilityState, traceId: string): string {
  return `/observability${searchFromState({ ...state, view: 'traces', trace: traceId, level: undefined, q: undefined } as ObservabilityState)}`;
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The Logs Insights query a CloudWatch deep link opens with: the level and text filters in view, newest first. */
export function insightsQueryOf(state: Pick<ObservabilityState, 'level' | 'q'>): string {
  const filters = [
    ...(state.level ? [`filter @message like /${state.level}/`] : []),
    ...(state.q ? state.q.split(/\s+/).filter(Boolean).map((w) => `filter @message like /${escapeRegex(w)}/`) : []),
  ];
  return ['fields @timestamp, @message', ...filters, 'sort @timestamp desc', 'limit 200'].join(' | ');
}
