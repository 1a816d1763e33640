/**
 * What the Incidents pages decide without React, so it is unit-tested: the list's filters in the URL, which actions a
 * status and a role allow, where a timeline entry links, the window the affected services' metrics and logs are read
 * over, the locks as people read them, and the statistics shaped for the charts.
 */
import type { InfiniteData } from '@tanstack/react-query';
import type { Incident, IncidentList, IncidentListQuery, IncidentStats, IncidentTimelineEntry } from '../../../../schemas/types.gen.ts';
import { searchFromState, type ObservabilityState, type View } from '../observability/observability-url.ts';

export type Severity = Incident['severity'];
export type Status = Incident['status'];
export type Source = Incident['source']['type'];

export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];
export const STATUSES: readonly Status[] = ['triggered', 'acknowledged', 'investigating', 'resolved'];
export const SOURCES: readonly Source[] = ['pagerduty', 'cloudwatch', 'manual', 'ai-detected'];

export const SEVERITY_INTENT: Record<Severity, 'danger' | 'warning' | 'primary' | 'none'> = { critical: 'danger', high: 'warning', medium: 'primary', low: 'none' };
export const STATUS_INTENT: Record<Status, 'danger' | 'warning' | 'primary' | 'success'> = { triggered: 'danger', acknowledged: 'warning', investigating: 'primary', resolved: 'success' };
export const STATUS_LABEL: Record<Status, string> = { triggered: 'Triggered', acknowledged: 'Acknowledged', investigating: 'Investigating', resolved: 'Resolved' };
export const SOURCE_LABEL: Record<Source, string> = { pagerduty: 'PagerDuty', cloudwatch: 'CloudWatch alarm', manual: 'Declared by hand', 'ai-detected': 'Detected by AI' };

/** The list's filters (what the URL holds: `/incidents?status=open&severity=critical&service=core-service`). */
export type IncidentFilters = Pick<IncidentListQuery, 'status' | 'severity' | 'service' | 'team' | 'source'>;

const FILTER_KEYS = ['status', 'severity', 'service', 'team', 'source'] as const;
const SLUG = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const STATUS_FILTERS: readonly string[] = ['open', ...STATUSES];

/** The URL's filters; what is not understood is dropped (the API would refuse it). */
export function filtersFromSearch(search: string): IncidentFilters {
  const params = new URLSearchParams(search);
  const out: Record<string, string> = {};
  for (const key of FILTER_KEYS) {
    const value = params.get(key)?.trim();
    if (!value) continue;
    if (key === 'status' && !STATUS_FILTERS.includes(value)) continue;
    if (key === 'severity' && !(SEVERITIES as readonly string[]).includes(value)) continue;
    if (key === 'source' && !(SOURCES as readonly string[]).includes(value)) continue;
    if ((key === 'service' || key === 'team') && !SLUG.test(value)) continue;
    out[key] = value;
  }
  return out as IncidentFilters;
}

/** The filters as a query string in a fixed order, keeping the URL's other parameters. */
export function searchFromFilters(filters: IncidentFilters, keep = ''): string {
  const params = new URLSearchParams(keep);
  for (const key of FILTER_KEYS) params.delete(key);
  for (const key of FILTER_KEYS) if (filters[key]) params.set(key, filters[key]!);
  const text = params.toString();
  return text ? `?${text}` : '';
}

export const isFiltered = (filters: IncidentFilters): boolean => FILTER_KEYS.some((k) => Boolean(filters[k]));

/** What the `incidents` topic says of an incident that opened or changed. */
export interface IncidentListChange {
  readonly id: string;
  readonly status: Status;
  readonly severity: Severity;
  readonly affectedServices?: readonly string[];
  readonly title?: string;
}

/** A frame's data, when it has the shape of a list change (frames are data from the network). */
export function asListChange(data: unknown): IncidentListChange | null {
  if (typeof data !== 'object' || data === null) return null;
  const d = data as Partial<IncidentListChange>;
  if (typeof d.id !== 'string' || !STATUSES.includes(d.status as Status) || !SEVERITIES.includes(d.severity as Severity)) return null;
  return d as IncidentListChange;
}

/** The loaded pages with a changed incident's status, severity and title put in place (a new one comes with the read that follows). */
export function applyListChange(data: InfiniteData<IncidentList, string | undefined>, change: IncidentListChange): InfiniteData<IncidentList, string | undefined> {
  let hit = false;
  const pages = data.pages.map((page) => ({
    ...page,
    items: page.items.map((i) => {
      if (i.id !== change.id) return i;
      hit = true;
      return { ...i, status: change.status, severity: change.severity, ...(change.title ? { title: change.title } : {}) };
    }),
  }));
  return hit ? { ...data, pages } : data;
}

/** What the `incident:<id>` topic says: the incident as GET shows it, and the timeline entries written with the change. */
export interface IncidentChange {
  readonly incident: Incident;
  readonly entries: readonly IncidentTimelineEntry[];
}

/**
 * A frame's data for this incident: `{ incident, entries }` (the handlers'), or the incident itself with an `entry`
 * (the topic table's wording); null for anything else.
 */
export function asIncidentChange(data: unknown, id: string): IncidentChange | null {
  if (typeof data !== 'object' || data === null) return null;
  const d = data as { incident?: unknown; entries?: unknown; entry?: unknown; id?: unknown };
  const incident = (typeof d.incident === 'object' && d.incident !== null ? d.incident : d) as Partial<Incident>;
  if (incident.id !== id || typeof incident.status !== 'string' || typeof incident.version !== 'number') return null;
  const list = Array.isArray(d.entries) ? d.entries : d.entry ? [d.entry] : [];
  const entries = list.filter((e): e is IncidentTimelineEntry => typeof e === 'object' && e !== null && typeof (e as IncidentTimelineEntry).id === 'string' && typeof (e as IncidentTimelineEntry).at === 'string');
  const { entries: _e, entry: _one, ...rest } = incident as Incident & { entries?: unknown; entry?: unknown };
  return { incident: rest as Incident, entries };
}

/** What `incident:<id>` says when the postmortem was drafted or saved: its version and status only. */
export function asPostmortemChange(data: unknown): { version: number; status: 'draft' | 'final' } | null {
  if (typeof data !== 'object' || data === null) return null;
  const p = (data as { postmortem?: unknown }).postmortem as { version?: unknown; status?: unknown } | undefined;
  if (typeof p !== 'object' || p === null || typeof p.version !== 'number' || (p.status !== 'draft' && p.status !== 'final')) return null;
  return { version: p.version, status: p.status };
}

/** The newer of what the page has and what a frame says (frames may be late). */
export const newerIncident = (current: Incident | undefined, next: Incident): Incident =>
  current && (current.version > next.version || (current.version === next.version && current.updatedAt >= next.updatedAt)) ? current : next;

export type IncidentAction = 'acknowledge' | 'investigate' | 'resolve' | 'reopen';

export const ACTION_LABEL: Record<IncidentAction, string> = { acknowledge: 'Acknowledge', investigate: 'Investigating', resolve: 'Resolve', reopen: 'Reopen' };

/**
 * The actions a status allows (forward only; a resolved incident is reopened before anything else), for a role with
 * incidents:manage; none without it, and why.
 */
export function actionsFor(status: Status, permissions: readonly string[]): { actions: IncidentAction[]; why?: string } {
  if (!permissions.includes('incidents:manage')) {
    return { actions: [], why: 'Acknowledging, resolving and reopening need incidents:manage (operators and admins).' };
  }
  switch (status) {
    case 'triggered': return { actions: ['acknowledge', 'investigate', 'resolve'] };
    case 'acknowledged': return { actions: ['investigate', 'resolve'] };
    case 'investigating': return { actions: ['resolve'] };
    case 'resolved': return { actions: ['reopen'] };
  }
}

export const mayComment = (permissions: readonly string[]): boolean => permissions.includes('incidents:comment');
export const mayManage = (permissions: readonly string[]): boolean => permissions.includes('incidents:manage');

/** Who moved it to its status, and when (from the incident's own fields). */
export function statusBy(incident: Incident): { by: string | null; at: string } {
  switch (incident.status) {
    case 'resolved': return { by: incident.resolvedBy, at: incident.resolvedAt ?? incident.updatedAt };
    case 'investigating': return { by: incident.acknowledgedBy, at: incident.investigatingAt ?? incident.updatedAt };
    case 'acknowledged': return { by: incident.acknowledgedBy, at: incident.acknowledgedAt ?? incident.updatedAt };
    case 'triggered': return { by: incident.reopenedAt ? null : incident.createdBy, at: incident.reopenedAt ?? incident.createdAt };
  }
}

/** The locks as people read them: "prod and staging of core-service locked for deploys". */
export function locksText(locks: Incident['locks']): string[] {
  const byService = new Map<string, string[]>();
  for (const l of locks) byService.set(l.service, [...(byService.get(l.service) ?? []), l.environment]);
  return [...byService].map(([service, envs]) => `${joinWords(envs)} of ${service} locked for deploys`);
}

const joinWords = (words: readonly string[]): string =>
  words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;

/** Where a timeline entry's record opens: a page of this app, or its own console (PagerDuty); null when it is this incident. */
export function entryLink(entry: Pick<IncidentTimelineEntry, 'ref'>): { to: string; external: boolean; label: string } | null {
  const { ref } = entry;
  if (ref.kind === 'deployment') return { to: `/deployments/${encodeURIComponent(ref.id)}`, external: false, label: 'Open the deployment' };
  if (ref.kind === 'request') return { to: `/requests/${encodeURIComponent(ref.id)}`, external: false, label: 'Open the request' };
  if (ref.kind === 'secret') {
    // apollo/<env>/<service>/<name> → the secret's page.
    const parts = /^apollo\/([a-z][a-z0-9-]*)\/([a-z0-9-]+)\/([A-Za-z0-9][A-Za-z0-9_.-]*)$/.exec(ref.id);
    return parts ? { to: `/secrets/${parts[1]}/${parts[2]}/${encodeURIComponent(parts[3]!)}`, external: false, label: 'Open the secret' } : null;
  }
  if (ref.url && /^https?:\/\//i.test(ref.url)) return { to: ref.url, external: true, label: ref.kind === 'alert' ? 'Open the alert' : 'Open' };
  return null;
}

export const ENTRY_ICON: Record<IncidentTimelineEntry['type'], string> = {
  alert: 'notifications', status_change: 'exchange', comment: 'comment', action: 'wrench', ai_action: 'predictive-analysis',
  deployment: 'rocket-slant', request: 'inbox', secret_rotation: 'key',
};

export const ENTRY_LABEL: Record<IncidentTimelineEntry['type'], string> = {
  alert: 'alert', status_change: 'status', comment: 'comment', action: 'action', ai_action: 'AI action',
  deployment: 'deployment', request: 'request', secret_rotation: 'secret rotation',
};

/** How long before the incident began its metrics and logs are read from. */
export const WINDOW_LEAD_MS = 60 * 60_000;

/** The window the affected services' metrics and logs are read over (the one the timeline joins records from, APOLLO_INCIDENT_LOOKBACK_MINUTES' default): an hour before it began to its resolution (open-ended while open). */
export function incidentWindow(incident: Pick<Incident, 'createdAt' | 'resolvedAt' | 'status'>): { from: string; to?: string } {
  const from = new Date(Date.parse(incident.createdAt) - WINDOW_LEAD_MS).toISOString();
  return incident.status === 'resolved' && incident.resolvedAt ? { from, to: new Date(Date.parse(incident.resolvedAt)).toISOString() } : { from };
}

export interface AffectedTarget {
  readonly service: string;
  readonly environment: string;
}

/**
 * Each affected service in each affected environment it has (when the catalog is known: `environmentsOf` answers
 * undefined for a service it does not know, which keeps every environment).
 */
export function affectedTargets(incident: Pick<Incident, 'affectedServices' | 'affectedEnvironments'>, environmentsOf: (service: string) => readonly string[] | undefined = () => undefined): AffectedTarget[] {
  return incident.affectedServices.flatMap((service) => {
    const known = environmentsOf(service);
    return incident.affectedEnvironments.filter((e) => !known || known.includes(e)).map((environment) => ({ service, environment }));
  });
}

/** The observability state of one target over the incident's window (the incident page's views, and the link to /observability). */
export function observabilityStateOf(target: AffectedTarget, window: { from: string; to?: string }, view: View): ObservabilityState {
  return { service: target.service, environment: target.environment, range: '1h', view, from: window.from, ...(window.to ? { to: window.to } : {}) };
}

export const observabilityHref = (target: AffectedTarget, window: { from: string; to?: string }, view: View): string =>
  `/observability${searchFromState(observabilityStateOf(target, window, view))}`;

export const INCIDENT_TABS = ['timeline', 'metrics', 'logs', 'postmortem'] as const;
export type IncidentTab = (typeof INCIDENT_TABS)[number];

/** The incident page's URL state (`/incidents/<id>?tab=metrics&target=core-service.prod`): its tab, and the service and environment shown. */
export function incidentViewFromSearch(search: string): { tab: IncidentTab; target?: string } {
  const params = new URLSearchParams(search);
  const tab = params.get('tab');
  const target = params.get('target')?.trim();
  return { tab: (INCIDENT_TABS as readonly string[]).includes(tab ?? '') ? (tab as IncidentTab) : 'timeline', ...(target ? { target } : {}) };
}

export function searchFromIncidentView(view: { tab: IncidentTab; target?: string | undefined }): string {
  const params = new URLSearchParams();
  if (view.tab !== 'timeline') params.set('tab', view.tab);
  if (view.target && (view.tab === 'metrics' || view.tab === 'logs')) params.set('target', view.target);
  const text = params.toString();
  return text ? `?${text}` : '';
}

export const targetKey = (t: AffectedTarget): string => `${t.service}.${t.environment}`;

/** The target the URL names, else the first. */
export const pickTarget = (targets: readonly AffectedTarget[], key: string | undefined): AffectedTarget | undefined =>
  targets.find((t) => targetKey(t) === key) ?? targets[0];

/** Seconds as people read a duration ("—" for none). */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86_400) return `${trim(seconds / 3600)} h`;
  return `${trim(seconds / 86_400)} days`;
}

const trim = (value: number): string => (value >= 10 ? String(Math.round(value)) : value.toFixed(1).replace(/\.0$/, ''));

export interface WeekRow {
  readonly weekStart: string;
  /** "Dec 1" (UTC, as the API's weeks are). */
  readonly label: string;
  readonly count: number;
  /** MTTR in minutes, null when none resolved that week. */
  readonly mttrMinutes: number | null;
}

/** The weeks oldest first, for the bars (incidents) and the line (MTTR, in minutes). */
export function weekRows(perWeek: IncidentStats['perWeek']): WeekRow[] {
  return [...perWeek]
    .sort((a, b) => a.weekStart.localeCompare(b.weekStart))
    .map((w) => ({
      weekStart: w.weekStart,
      label: new Date(w.weekStart).toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' }),
      count: w.count,
      mttrMinutes: w.mttrSeconds === null ? null : Math.round((w.mttrSeconds / 60) * 10) / 10,
    }));
}

/** The by-severity rows, most severe first; every severity is there (none: a zero row). */
export function severityRows(bySeverity: IncidentStats['bySeverity']): IncidentStats['bySeverity'] {
  const known = SEVERITIES.map((s) => bySeverity.find((r) => r.key === s) ?? { key: s, count: 0, mttaSeconds: null, mttrSeconds: null });
  return [...known, ...bySeverity.filter((r) => !(SEVERITIES as readonly string[]).includes(r.key))];
}
