/**
 * Deployments in words and rules: status colours, what an operation changes, the environments' order (what "the next
 * environment" is), who may ask for what (the route table's resolver on the body, against GET /api/v1/me), what the
 * forms check before sending and ask the safeguards (preflight), where an API error's path lands, environment locks in
 * words and who may place them, and the history's filters in the URL. Pure, so it is unit-tested.
 */
import type { Intent } from '@blueprintjs/core';
import type {
  Approval, Deployment, DeploymentPreflight, DeploymentPreflightResult, DeploymentSummary, EnvironmentLock, Me,
} from '../../../../schemas/types.gen.ts';
import { ROLES, roleHas, type Permission } from '../../../../shared/permissions.ts';
import { requiredPermission, ROUTES, type RouteKey } from '../../../../shared/routes.ts';
import type { HistoryFilters } from './deployment-queries.ts';

export type DeploymentStatus = DeploymentSummary['status'];
export type Operation = DeploymentSummary['operation'];
export type Stage = DeploymentSummary['stage'];
type ApprovalStatus = Approval['status'];

export const DEPLOYMENT_STATES: readonly DeploymentStatus[] = ['pending', 'queued', 'awaiting_approval', 'in_progress', 'analyzing', 'paused', 'cancelling', 'succeeded', 'failed', 'rolled_back', 'cancelled', 'refused', 'rejected', 'expired'];
export const OPERATIONS: readonly Operation[] = ['deploy', 'promote', 'rollback', 'scale', 'restart'];

export const STATUS_LABEL: Record<DeploymentStatus, string> = {
  pending: 'pending', queued: 'queued for its window', awaiting_approval: 'awaiting approval', in_progress: 'in progress', analyzing: 'canary analysis',
  paused: 'paused: canary failed', cancelling: 'cancelling', succeeded: 'succeeded', failed: 'failed', rolled_back: 'rolled back',
  cancelled: 'cancelled', refused: 'refused', rejected: 'rejected', expired: 'expired',
};

/** Waiting on people amber, work blue, succeeded green, failed red; stopped grey (as requests read). */
export const STATUS_INTENT: Record<DeploymentStatus, Intent> = {
  pending: 'none', queued: 'warning', awaiting_approval: 'warning', in_progress: 'primary', analyzing: 'primary', paused: 'warning', cancelling: 'warning',
  succeeded: 'success', failed: 'danger', rolled_back: 'danger', cancelled: 'none', refused: 'warning', rejected: 'danger', expired: 'none',
};

export const OPERATION_LABEL: Record<Operation, string> = { deploy: 'Deploy', promote: 'Promote', rollback: 'Roll back', scale: 'Scale', restart: 'Restart' };

const ENDED: readonly DeploymentStatus[] = ['succeeded', 'failed', 'rolled_back', 'cancelled', 'refused', 'rejected', 'expired'];
export const isEnded = (status: DeploymentStatus): boolean => ENDED.includes(status);
/** Work is happening (a moving progress bar). */
export const isMoving = (status: DeploymentStatus): boolean => status === 'in_progress' || status === 'analyzing' || status === 'cancelling' || status === 'pending';

/**
 * What an outside system's kind says of itself: a local fake (npm start's fake GitHub) or a simulation (its Argo CD
 * stand-in), so the page labels it as the request page labels its fakes; null for a real one.
 */
export function fakeKind(kind: string | undefined | null): 'local fake' | 'simulated' | null {
  if (!kind) return null;
  if (/simulated/i.test(kind)) return 'simulated';
  if (/local fake|\bfake\b/i.test(kind)) return 'local fake';
  return null;
}

/** What it changes, in a line: "v1.4.1 → v1.4.2", "v1.4.2 from staging", "3 → 6 replicas", "restart of v1.4.2". */
export function changeText(d: Pick<DeploymentSummary, 'operation' | 'imageTag' | 'previousImageTag' | 'replicas' | 'previousReplicas' | 'fromEnvironment'>): string {
  if (d.operation === 'scale') {
    const to = d.replicas ?? '?';
    return d.previousReplicas !== null && d.previousReplicas !== undefined ? `${d.previousReplicas} → ${to} replicas` : `${to} replicas`;
  }
  if (d.operation === 'restart') return `restart${d.imageTag ? ` of ${d.imageTag}` : ''}`;
  const to = `${d.imageTag ?? '?'}${d.fromEnvironment ? ` from ${d.fromEnvironment}` : ''}`;
  return d.previousImageTag && d.previousImageTag !== d.imageTag ? `${d.previousImageTag} → ${to}` : to;
}

/**
 * The state of a deployment's approval as the page shows it: the record's, or pending while it waits; undefined when none
 * was asked (yet). One that ended while its approval waited may still record it pending: what ended it says what became
 * of it (rejected, expired, else cancelled).
 */
export function approvalState(d: Pick<Deployment, 'status' | 'approval'>): ApprovalStatus | undefined {
  const approval = d.approval;
  if (!approval?.required) return approval?.status;
  const recorded = approval.status ?? (d.status === 'awaiting_approval' ? 'pending' : undefined);
  if (recorded !== 'pending' || !isEnded(d.status)) return recorded;
  return d.status === 'rejected' || d.status === 'expired' ? d.status : 'cancelled';
}

/**
 * Why its approval ended with nobody deciding (cancelled or expired), in words, as the approval itself records it:
 * undefined while it waits or once someone decided.
 */
export function approvalEndedWhy(d: Pick<Deployment, 'status' | 'approval' | 'cancel' | 'error'>, timeText: (iso: string) => string = (iso) => iso): string | undefined {
  const state = approvalState(d);
  if (state === 'expired') return d.approval?.expiresAt ? `nobody decided by ${timeText(d.approval.expiresAt)}` : 'nobody decided in time';
  if (state !== 'cancelled') return undefined;
  if (d.cancel) return `the deployment was cancelled by ${d.cancel.by}${d.cancel.reason ? `: ${d.cancel.reason}` : ''}`;
  if (d.status === 'refused') return `the deployment was refused${d.error ? `: ${d.error}` : ''}`;
  if (d.status === 'failed') return `the deployment failed${d.error ? `: ${d.error}` : ''}`;
  return 'the deployment ended while it waited';
}

/**
 * What cancelling does to it, as the workflow's revert step does it: a pull request still open is closed; a change
 * Apollo committed (or merged) is put back by a commit of its own; anything else (nothing written yet, a restart, a
 * change someone made in Git, which is theirs to change back) just stops.
 */
export type CancelEffect = 'close-pull-request' | 'revert' | 'stop';

export function cancelEffect(d: Pick<Deployment, 'operation' | 'initiatedVia' | 'gitCommit'> & Partial<Pick<Deployment, 'gitops'>>): CancelEffect {
  if (d.initiatedVia === 'gitops') return 'stop';
  const pr = d.gitops?.pullRequest;
  if (pr && pr.state !== 'merged') return 'close-pull-request';
  if (d.gitops?.revertCommit || (d.gitCommit && d.operation !== 'restart')) return 'revert';
  return 'stop';
}

/** The words after "Cancelling <service> <environment>: ". */
export const CANCEL_EFFECT_TEXT: Record<CancelEffect, string> = {
  'close-pull-request': 'its pull request is closed',
  revert: 'what it changed in Git is put back',
  stop: 'it stops',
};

/**
 * The history rows that offer "Roll back" (summaries do not say canRollback): in each service and environment, its
 * newest deploy, promote or rollback that succeeded, or failed after changing Git, as the API allows (the API decides
 * what it goes back to). Scale and restart rows leave the version as it was, and so does a deployment cancelled,
 * rejected, expired or failed before Git changed: the row before it still counts. None while one is under way there.
 * `rows` newest first, as the history lists them.
 */
export function rollbackRows(rows: readonly Pick<DeploymentSummary, 'id' | 'operation' | 'service' | 'environment' | 'status' | 'gitCommit'>[]): Set<string> {
  const decided = new Set<string>();
  const ids = new Set<string>();
  for (const row of rows) {
    const place = `${row.service}\n${row.environment}`;
    if (decided.has(place)) continue;
    if (!isEnded(row.status)) { decided.add(place); continue; }
    if (row.operation === 'scale' || row.operation === 'restart') continue;
    if (row.status === 'succeeded' || (row.status === 'failed' && row.gitCommit)) {
      ids.add(row.id);
      decided.add(place);
    }
  }
  return ids;
}

/**
 * What the approver said, from the approval's timeline lines ("approved by dana@…: looks good", "rejected: not on a
 * Friday"); the newest such line wins; undefined when they said nothing.
 */
export function approvalComment(timeline: readonly Pick<Deployment['timeline'][number], 'stage' | 'message'>[]): string | undefined {
  for (const line of [...timeline].reverse()) {
    if (line.stage !== 'approval') continue;
    const said = /^(?:approved by [^:]+|rejected(?: by [^:]+)?): (.+)$/s.exec(line.message)?.[1]?.trim();
    if (said) return said;
  }
  return undefined;
}

// ---------------------------------------------------------------- environments

const RANK: Record<string, number> = {
  local: 0, dev: 1, development: 1, test: 2, qa: 2, integration: 2, uat: 3, staging: 4, stage: 4, preprod: 5, 'pre-prod': 5, prod: 9, production: 9,
};

/** Where an environment sits on the way to production (unknown names between test and staging). */
export const environmentRank = (name: string): number => RANK[name.toLowerCase()] ?? 3;

/** Environment names from the first stop to production; equal ranks by name. */
export const sortEnvironments = (names: readonly string[]): string[] =>
  [...names].sort((a, b) => environmentRank(a) - environmentRank(b) || a.localeCompare(b));

/** The environment a promotion from `from` goes to: the next one up (staging → prod), or undefined at the top. */
export function nextEnvironment(names: readonly string[], from: string): string | undefined {
  const sorted = sortEnvironments(names);
  const i = sorted.indexOf(from);
  return i < 0 ? undefined : sorted[i + 1];
}

/** The environment a promotion to `to` takes from: the one below it (prod ← staging), or undefined at the bottom. */
export function previousEnvironment(names: readonly string[], to: string): string | undefined {
  const sorted = sortEnvironments(names);
  const i = sorted.indexOf(to);
  return i <= 0 ? undefined : sorted[i - 1];
}

// ---------------------------------------------------------------- who may

export type AskKey = Extract<RouteKey,
  'POST /api/v1/deployments' | 'POST /api/v1/services/{id}/rollback' | 'POST /api/v1/services/{id}/promote' | 'POST /api/v1/services/{id}/scale' | 'POST /api/v1/services/{id}/restart'>;

/** The permission the route table's resolver asks of this body (deployments:create:prod for a production environment). */
export function permissionFor(key: AskKey, body: Record<string, unknown>): Permission {
  const space = key.indexOf(' ');
  const route = ROUTES.find((r) => r.method === key.slice(0, space) && r.path === key.slice(space + 1));
  if (!route?.permission) throw new Error(`${key} is not in the route table`);
  return requiredPermission(route.permission, { pathParameters: {}, query: {}, body });
}

export interface Allowance {
  readonly allowed: boolean;
  readonly needs: Permission;
  /** Why not, in words (the permission, the caller's role, the roles that have it); empty when allowed. */
  readonly why: string;
}

/** Whether the caller's permissions (GET /api/v1/me) let them ask this; unknown (me not read yet) counts as allowed, the API decides. */
export function allowance(me: Pick<Me, 'role' | 'permissions'> | undefined, key: AskKey, body: Record<string, unknown>): Allowance {
  const needs = permissionFor(key, body);
  if (!me || me.permissions.includes(needs)) return { allowed: true, needs, why: '' };
  const environment = typeof body.to === 'string' ? body.to : typeof body.environment === 'string' ? body.environment : 'this environment';
  const roles = ROLES.filter((r) => roleHas(r, needs));
  return {
    allowed: false,
    needs,
    why: `${environment} needs ${needs}; your role ${me.role} does not have it${roles.length ? ` (${roles.join(' and ')} do)` : ''}.`,
  };
}

// ---------------------------------------------------------------- the forms

export const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
// The schemas' text rule: no control characters or bidi overrides.
// eslint-disable-next-line no-control-regex
const TEXT_PATTERN = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069]*$/;

export interface AskValues {
  readonly operation: Operation;
  readonly service: string;
  readonly environment: string;
  readonly imageTag: string;
  /** promote: where the tag comes from. */
  readonly from: string;
  readonly replicas: string;
  readonly reason: string;
}

export type AskErrors = Partial<Record<keyof AskValues, string>>;

/** What the form can tell before sending (the create schemas' rules, and what is plainly not a change). */
export function checkAsk(v: AskValues, current: { imageTag?: string | undefined; replicas?: number | undefined; fromTag?: string | undefined } = {}): AskErrors {
  const errors: AskErrors = {};
  if (!v.service) errors.service = 'Pick a service.';
  if (!v.environment) errors.environment = v.operation === 'promote' ? 'Pick where it goes.' : 'Pick an environment.';
  if (v.operation === 'deploy') {
    if (!v.imageTag) errors.imageTag = 'Pick a version or type a tag.';
    else if (!TAG_PATTERN.test(v.imageTag)) errors.imageTag = 'A tag has letters, digits, _ . - (at most 128), and does not start with . or -.';
    else if (current.imageTag === v.imageTag) errors.imageTag = `${v.environment} runs ${v.imageTag} already.`;
  }
  if (v.operation === 'rollback' && v.imageTag && !TAG_PATTERN.test(v.imageTag)) errors.imageTag = 'A tag has letters, digits, _ . - (at most 128), and does not start with . or -.';
  if (v.operation === 'rollback' && v.imageTag && current.imageTag === v.imageTag) errors.imageTag = `${v.environment} runs ${v.imageTag} already.`;
  if (v.operation === 'promote') {
    if (!v.from) errors.from = 'Pick where the version comes from.';
    else if (v.from === v.environment) errors.environment = 'Promote to another environment.';
    else if (current.fromTag === undefined) errors.from = `${v.from} runs no known tag.`;
    else if (current.fromTag === current.imageTag && v.environment) errors.environment = `${v.environment} runs ${current.fromTag} already.`;
  }
  if (v.operation === 'scale') {
    const n = Number(v.replicas);
    if (v.replicas.trim() === '' || !Number.isInteger(n) || n < 0 || n > 500) errors.replicas = 'A whole number from 0 to 500.';
    else if (current.replicas === n) errors.replicas = `It runs ${n} already.`;
  }
  const reason = v.reason.trim();
  if (reason && reason.length < 3) errors.reason = 'At least 3 characters, or none.';
  else if (reason.length > 2000) errors.reason = 'At most 2000 characters.';
  else if (!TEXT_PATTERN.test(reason)) errors.reason = 'No control characters.';
  return errors;
}

/** The call an operation makes, and its body (the service in the path for all but deploy). */
export function askOf(v: AskValues): { key: AskKey; service: string; body: Record<string, unknown> } {
  const reason = v.reason.trim() ? { reason: v.reason.trim() } : {};
  const via = { initiatedVia: 'ui' };
  switch (v.operation) {
    case 'deploy': return { key: 'POST /api/v1/deployments', service: v.service, body: { service: v.service, environment: v.environment, imageTag: v.imageTag, ...reason, ...via } };
    case 'promote': return { key: 'POST /api/v1/services/{id}/promote', service: v.service, body: { from: v.from, to: v.environment, ...reason, ...via } };
    case 'rollback': return { key: 'POST /api/v1/services/{id}/rollback', service: v.service, body: { environment: v.environment, ...(v.imageTag ? { imageTag: v.imageTag } : {}), ...reason, ...via } };
    case 'scale': return { key: 'POST /api/v1/services/{id}/scale', service: v.service, body: { environment: v.environment, replicas: Number(v.replicas), ...reason, ...via } };
    case 'restart': return { key: 'POST /api/v1/services/{id}/restart', service: v.service, body: { environment: v.environment, ...reason, ...via } };
  }
}

/** Which form field an API error's path names (`/body/to` is promote's target environment); undefined for the rest. */
export function askFieldOf(path: string): keyof AskValues | undefined {
  const m = /^\/(?:body|query)\/([A-Za-z]+)/.exec(path);
  if (!m) return undefined;
  const name = m[1]!;
  if (name === 'to') return 'environment';
  return (['service', 'environment', 'imageTag', 'from', 'replicas', 'reason'] as const).find((f) => f === name);
}

// ---------------------------------------------------------------- safeguards

export type Safeguard = DeploymentPreflightResult['checks'][number]['safeguard'];
export type SafeguardCheck = DeploymentPreflightResult['checks'][number];

export const SAFEGUARD_LABEL: Record<Safeguard, string> = {
  permission: 'Permission', environment: 'Environment', lock: 'Lock', running: 'Deployment running',
  freeze: 'Freeze', window: 'Deployment window', dependencies: 'Dependencies',
};

/**
 * What the form asks the safeguards (POST /api/v1/deployments/preflight): its operation, service and target environment
 * (a promote's `to`), with the tag once it is one; a promote names its source (the API checks the version it runs, and
 * the dependencies it was verified with there); null until a service and an environment are picked.
 */
export function preflightOf(v: AskValues): DeploymentPreflight | null {
  if (!v.service || !v.environment) return null;
  const tag = (v.operation === 'deploy' || v.operation === 'rollback') && TAG_PATTERN.test(v.imageTag) ? { imageTag: v.imageTag } : {};
  const from = v.operation === 'promote' && v.from ? { from: v.from } : {};
  return { operation: v.operation, service: v.service, environment: v.environment, ...tag, ...from };
}

/** The first check that blocks (the Deploy button says its reason), or undefined when none does. */
export const blockingCheck = (result: Pick<DeploymentPreflightResult, 'checks'> | undefined): SafeguardCheck | undefined =>
  result?.checks.find((c) => c.outcome === 'block');

/** The locks in force on one environment of a service. */
export const locksOn = (locks: readonly EnvironmentLock[] | undefined, service: string, environment: string): EnvironmentLock[] =>
  (locks ?? []).filter((l) => l.service === service && l.environment === environment);

/** Who placed it, in words: "operator@apollo.local", or "incident INC-42" for an incident's. */
export const lockedByText = (lock: Pick<EnvironmentLock, 'source' | 'lockedBy' | 'incidentId'>): string =>
  lock.source === 'incident' ? `incident ${lock.incidentId ?? ''}`.trim() : lock.lockedBy;

/**
 * Whether the caller may lock and unlock environments (the route table's deployments:policy), with the reason in words
 * when not; unknown (me not read yet) counts as allowed, the API decides. An incident's lock is lifted by its incident.
 */
export function lockAllowance(me: Pick<Me, 'role' | 'permissions'> | undefined, lock?: Pick<EnvironmentLock, 'source' | 'incidentId'>): Allowance {
  const route = ROUTES.find((r) => r.method === 'PUT' && r.path === '/api/v1/services/{id}/environments/{env}/lock');
  if (!route?.permission) throw new Error('the lock route is not in the route table');
  const needs = requiredPermission(route.permission, { pathParameters: {}, query: {}, body: {} });
  if (lock?.source === 'incident') {
    return { allowed: false, needs, why: `${lock.incidentId ? `Incident ${lock.incidentId}` : 'An incident'} placed this lock; it lifts when the incident is resolved.` };
  }
  if (!me || me.permissions.includes(needs)) return { allowed: true, needs, why: '' };
  const roles = ROLES.filter((r) => roleHas(r, needs));
  return { allowed: false, needs, why: `Locking needs ${needs}; your role ${me.role} does not have it${roles.length ? ` (${roles.join(' and ')} do)` : ''}.` };
}

export const LOCK_REASON_MIN = 3;

/** What the lock dialog checks before sending (the lock schema's rules; an end, when given, in the future). */
export function checkLock(v: { reason: string; until: string }, now = Date.now()): { reason?: string; until?: string } {
  const errors: { reason?: string; until?: string } = {};
  const reason = v.reason.trim();
  if (reason.length < LOCK_REASON_MIN) errors.reason = 'Say why (at least 3 characters): it is what people see when their deploy is refused.';
  else if (reason.length > 2000) errors.reason = 'At most 2000 characters.';
  else if (!TEXT_PATTERN.test(reason)) errors.reason = 'No control characters.';
  if (v.until) {
    const end = Date.parse(v.until);
    if (Number.isNaN(end)) errors.until = 'A date and time.';
    else if (end <= now) errors.until = 'The end must be in the future.';
  }
  return errors;
}

// ---------------------------------------------------------------- the history's filters

const FILTER_KEYS = ['service', 'environment', 'status', 'operation', 'initiatedBy', 'from', 'to'] as const;

/** The history's filters live in the URL (`/deployments?service=core-service&status=failed`). */
export function historyFiltersFromSearch(search: string): HistoryFilters {
  const params = new URLSearchParams(search);
  const filters: Record<string, string> = {};
  for (const key of FILTER_KEYS) {
    const value = params.get(key)?.trim();
    if (!value) continue;
    if (key === 'status' && !(DEPLOYMENT_STATES as readonly string[]).includes(value)) continue;
    if (key === 'operation' && !(OPERATIONS as readonly string[]).includes(value)) continue;
    if ((key === 'from' || key === 'to') && Number.isNaN(Date.parse(value))) continue;
    filters[key] = value;
  }
  return filters as HistoryFilters;
}

/** The filters as a query string, keeping the URL's other parameters (the form's `deploy=…`). */
export function searchFromHistoryFilters(filters: HistoryFilters, keep = ''): string {
  const params = new URLSearchParams(keep);
  for (const key of FILTER_KEYS) params.delete(key);
  for (const key of FILTER_KEYS) if (filters[key]) params.set(key, filters[key]!);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Whether a live summary belongs in the history the filters describe (the API's rules: equal fields, the date range on createdAt). */
export function matchesHistory(d: DeploymentSummary, f: HistoryFilters): boolean {
  if (f.service && d.service !== f.service) return false;
  if (f.environment && d.environment !== f.environment) return false;
  if (f.status && d.status !== f.status) return false;
  if (f.operation && d.operation !== f.operation) return false;
  if (f.initiatedBy && d.initiatedBy !== f.initiatedBy) return false;
  if (f.from && d.createdAt < f.from) return false;
  if (f.to && d.createdAt >= f.to) return false;
  return true;
}

/** The deploy form's prefill from the URL (`?deploy=core-service&env=prod&op=promote&source=staging`): a service page's links. */
export function formInitialFromSearch(search: string): { operation?: Operation; service?: string; environment?: string; from?: string } {
  const params = new URLSearchParams(search);
  const op = params.get('op');
  const out: { operation?: Operation; service?: string; environment?: string; from?: string } = {};
  if (op && (OPERATIONS as readonly string[]).includes(op)) out.operation = op as Operation;
  const service = params.get('deploy');
  const environment = params.get('env');
  const from = params.get('source');
  if (service) out.service = service;
  if (environment) out.environment = environment;
  if (from) out.from = from;
  return out;
}
