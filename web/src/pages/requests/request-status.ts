/**
 * A request's status and its actions' as people read them (words, colours), where a request list's scope and
 * filters live in the URL, and whether an action called the local runtime's own fakes. Pure, so it is unit-tested.
 */
import type { Intent } from '@blueprintjs/core';
import type { Approval, Request, RequestListQuery } from '../../../../schemas/types.gen.ts';

export type RequestState = Request['status'];
export type ActionState = Request['actions'][number]['status'];
export type AttemptState = Request['actions'][number]['attempts'][number]['status'];

/** In the order a request goes through them: its way to an end, the ends, then undoing a completed one. */
export const REQUEST_STATES: readonly RequestState[] = [
  'submitted', 'validating', 'awaiting_approval', 'queued', 'in_progress', 'rolling_back',
  'completed', 'failed', 'cancelled', 'interrupted', 'deprovisioning', 'deprovisioned',
];

/**
 * Waiting on people is amber, work is blue, done green, failed red; not started yet, stopped on purpose and
 * removed are grey. Undoing (a rollback, a deprovision) and a lost run that wants a retry are amber too.
 */
export const STATUS_INTENT: Record<RequestState, Intent> = {
  submitted: 'none',
  validating: 'none',
  awaiting_approval: 'warning',
  queued: 'primary',
  in_progress: 'primary',
  rolling_back: 'warning',
  completed: 'success',
  failed: 'danger',
  cancelled: 'none',
  interrupted: 'warning',
  deprovisioning: 'warning',
  deprovisioned: 'none',
};

export const STATUS_LABEL: Record<RequestState, string> = {
  submitted: 'submitted',
  validating: 'validating',
  awaiting_approval: 'awaiting approval',
  queued: 'queued',
  in_progress: 'in progress',
  rolling_back: 'rolling back',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
  interrupted: 'interrupted',
  deprovisioning: 'deprovisioning',
  deprovisioned: 'deprovisioned',
};

/** Nothing runs for it until someone acts (a retry, a deprovision). */
export const isEnded = (status: RequestState): boolean =>
  status === 'completed' || status === 'failed' || status === 'cancelled' || status === 'interrupted' || status === 'deprovisioned';

/** It is undoing what it did: a failure's or a cancel's rollback, or a deprovision. */
export const isUndoing = (status: RequestState): boolean => status === 'rolling_back' || status === 'deprovisioning';

/** Work is moving right now, so its progress bar moves too. */
export const isMoving = (status: RequestState): boolean => status === 'queued' || status === 'in_progress' || isUndoing(status);

export const ACTION_INTENT: Record<ActionState, Intent> = {
  pending: 'none', running: 'primary', waiting: 'warning', succeeded: 'success', failed: 'danger', skipped: 'none', rolled_back: 'none',
};

export const ACTION_LABEL: Record<ActionState, string> = {
  pending: 'pending', running: 'running', waiting: 'waiting', succeeded: 'succeeded', failed: 'failed', skipped: 'skipped', rolled_back: 'rolled back',
};

export const ATTEMPT_INTENT: Record<AttemptState, Intent> = {
  running: 'primary', waiting: 'warning', succeeded: 'success', failed: 'danger', cancelled: 'none',
};

export const APPROVAL_INTENT: Record<Approval['status'], Intent> = {
  pending: 'warning', approved: 'success', rejected: 'danger', expired: 'none', cancelled: 'none',
};

/**
 * Its actions as the Actions section heads them: those done of those to do, then those skipped and rolled back. A
 * skipped action (its condition did not hold) is no work to do, as the progress bar counts it: "2 of 2 done, 1
 * skipped" is all of it.
 */
export function actionsTally(actions: readonly { readonly status: ActionState }[]): string {
  const count = (status: ActionState) => actions.filter((a) => a.status === status).length;
  const skipped = count('skipped');
  const rolledBack = count('rolled_back');
  const todo = actions.length - skipped;
  return [todo === 0 ? 'nothing to do' : `${count('succeeded')} of ${todo} done`, ...(skipped ? [`${skipped} skipped`] : []), ...(rolledBack ? [`${rolledBack} rolled back`] : [])].join(', ');
}

/**
 * The progress bar's words (its tooltip, and what a screen reader says): how far it is on its way, or, for a request
 * that ended without completing, how much of its work it did (the API counts what holds: a rolled back action is undone).
 */
export function progressText(request: { readonly status: RequestState; readonly progress: number }): string {
  const percent = `${Math.round(Math.max(0, Math.min(100, request.progress)))}%`;
  switch (request.status) {
    case 'completed':
      return 'completed';
    case 'failed':
      return `failed with ${percent} of its work done`;
    case 'cancelled':
      return `cancelled with ${percent} of its work done`;
    case 'deprovisioned':
      return 'completed, then deprovisioned';
    default:
      return `${percent} of the way`;
  }
}

/** A duration in milliseconds as people read it: 840 ms, 2.4 s, 3 min 5 s. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return seconds ? `${minutes} min ${seconds} s` : `${minutes} min`;
}

const LOOPBACK = /^(127(\.\d{1,3}){3}|localhost|\[::1\]|::1)$/i;

function splitHost(host: string): { name: string; port: string } {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host.trim());
  return match ? { name: match[1]!.toLowerCase(), port: match[2] ?? '' } : { name: host.toLowerCase(), port: '' };
}

/**
 * Whether an action's target host is the local runtime serving this page (its fake DNS API, webhook receiver, …):
 * the same host, or a loopback name for the same port (127.0.0.1:3000 and localhost:3000 are one runtime).
 */
export function isLocalFake(target: string | undefined, pageHost: string): boolean {
  if (!target || !pageHost) return false;
  const a = splitHost(target);
  const b = splitHost(pageHost);
  if (a.name === b.name && a.port === b.port) return true;
  return a.port !== '' && a.port === b.port && LOOPBACK.test(a.name) && LOOPBACK.test(b.name);
}

/** The list's scope: mine, one of my teams (or any, for operators), or everyone's. */
export type RequestScope = { readonly kind: 'mine' } | { readonly kind: 'team'; readonly team: string } | { readonly kind: 'all' };

export interface RequestListFilters {
  readonly scope: RequestScope;
  readonly status?: RequestState | undefined;
  readonly offering?: string | undefined;
}

/** `/requests?scope=team&team=growth&status=completed` → the list's filters (unknown values are dropped). */
export function requestFiltersFromSearch(search: string): RequestListFilters {
  const params = new URLSearchParams(search);
  const scopeName = params.get('scope');
  const team = params.get('team');
  const scope: RequestScope = scopeName === 'all' ? { kind: 'all' } : scopeName === 'team' && team ? { kind: 'team', team } : { kind: 'mine' };
  const status = params.get('status');
  const offering = params.get('offering');
  return {
    scope,
    ...((REQUEST_STATES as readonly string[]).includes(status ?? '') ? { status: status as RequestState } : {}),
    ...(offering ? { offering } : {}),
  };
}

export function searchFromRequestFilters(filters: RequestListFilters): string {
  const params = new URLSearchParams();
  if (filters.scope.kind !== 'mine') params.set('scope', filters.scope.kind);
  if (filters.scope.kind === 'team') params.set('team', filters.scope.team);
  if (filters.status) params.set('status', filters.status);
  if (filters.offering) params.set('offering', filters.offering);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The filters as GET /api/v1/requests takes them. */
export function requestListQuery(filters: RequestListFilters): Pick<RequestListQuery, 'scope' | 'team' | 'status' | 'offering'> {
  return {
    scope: filters.scope.kind,
    ...(filters.scope.kind === 'team' ? { team: filters.scope.team } : {}),
    ...(filters.status ? { status: filters.status } : {}),
    ...(filters.offering ? { offering: filters.offering } : {}),
  };
}

/** A scope as a tab id, and back: `mine`, `team:growth`, `all`. */
export const scopeTabId = (scope: RequestScope): string => (scope.kind === 'team' ? `team:${scope.team}` : scope.kind);
export function scopeFromTabId(id: string): RequestScope {
  if (id.startsWith('team:')) return { kind: 'team', team: id.slice(5) };
  return id === 'all' ? { kind: 'all' } : { kind: 'mine' };
}

/** A field's value as a line: secrets stay masked as the API sent them, objects as compact JSON. */
export function fieldText(value: unknown): string {
  if (value === undefined || value === null || value === '') return '—';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object' || v === null)) return value.map(String).join(', ');
  return JSON.stringify(value);
}

/** The statuses a request may be rated in: it has completed (and may since have been deprovisioned). */
export const RATEABLE_STATUSES: readonly RequestState[] = ['completed', 'deprovisioned'];

/** Whether `user` may rate the request: only who asked for it, once it completed. */
export function mayRate(request: Pick<Request, 'requester' | 'status'>, user: string | undefined): boolean {
  return !!user && request.requester.toLowerCase() === user.toLowerCase() && RATEABLE_STATUSES.includes(request.status);
}

const SCORE_WORDS = ['', 'poor', 'fair', 'good', 'very good', 'great'];

/** A score in words: "4 of 5 (very good)". */
export const scoreText = (score: number): string => `${score} of 5${SCORE_WORDS[score] ? ` (${SCORE_WORDS[score]})` : ''}`;
