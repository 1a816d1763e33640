/**
 * Approvals in words: who approves ("an operator or team platform"), what is still needed, why you may decide, when
 * it expires; the inbox's order, and what a bulk decision did item by item. Pure, so it is unit-tested.
 */
import type { Approval, ApprovalBatchResult, ApprovalDelegationPut } from '../../../../schemas/types.gen.ts';

export interface Approvers {
  readonly roles?: readonly string[] | undefined;
  readonly teams?: readonly string[] | undefined;
  readonly principals?: readonly string[] | undefined;
}

const ROLE_ARTICLE: Record<string, string> = { viewer: 'a viewer', developer: 'a developer', operator: 'an operator', admin: 'an admin' };

export const roleWithArticle = (role: string): string => ROLE_ARTICLE[role] ?? role;

export const joinWords = (items: readonly string[], last: 'and' | 'or'): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} ${last} ${items[items.length - 1]}`;

/** Each approver as people read it: an operator, team platform, cto@acme.dev. */
export function approverParts(approvers: Approvers): string[] {
  return [
    ...(approvers.roles ?? []).map(roleWithArticle),
    ...(approvers.teams ?? []).map((t) => `team ${t}`),
    ...(approvers.principals ?? []),
  ];
}

/** "an operator or team platform"; with mode all, "each of an operator and team platform". */
export function describeApprovers(approvers: Approvers, mode: 'any' | 'all' = 'any'): string {
  const parts = approverParts(approvers);
  if (parts.length === 0) return 'nobody named';
  if (mode === 'all' && parts.length > 1) return `each of ${joinWords(parts, 'and')}`;
  return joinWords(parts, 'or');
}

/** An outstanding approver of a mode-all rule (`role:operator`, `team:platform`, `principal:x`) in words. */
export function describeOutstanding(entry: string): string {
  const colon = entry.indexOf(':');
  const kind = colon < 0 ? '' : entry.slice(0, colon);
  const value = colon < 0 ? entry : entry.slice(colon + 1);
  if (kind === 'role') return roleWithArticle(value);
  if (kind === 'team') return `team ${value}`;
  return value;
}

/** What made a decider an approver (`role:operator`, `team:platform`, `principal`), in words. */
export function describeVia(via: readonly string[] | undefined): string {
  if (!via?.length) return '';
  return via.map((v) => (v === 'principal' ? 'named in the rule' : `as ${describeOutstanding(v)}`)).join(', ');
}

/** The inbox's order: those you may decide first, then the ones expiring soonest, then the oldest. */
export function sortApprovals(items: readonly Approval[]): Approval[] {
  return [...items].sort((a, b) =>
    Number(b.canDecide) - Number(a.canDecide) || a.expiresAt.localeCompare(b.expiresAt) || a.createdAt.localeCompare(b.createdAt));
}

/** What waits, as a card's title: the offering's name, or "Promote core-service to prod". */
export function approvalSubject(approval: Approval): string {
  if (approval.kind === 'deployment' && approval.deployment) {
    const d = approval.deployment;
    const verb = d.operation.charAt(0).toUpperCase() + d.operation.slice(1);
    return `${verb} ${d.service} to ${d.environment}`;
  }
  return approval.offering?.name ?? 'A request';
}

/** Where the thing waiting lives: the request's page or the deployment's. */
export function approvalTarget(approval: Approval): string | undefined {
  if (approval.kind === 'deployment') return approval.deployment ? `/deployments/${encodeURIComponent(approval.deployment.id)}` : undefined;
  return approval.requestId ? `/requests/${encodeURIComponent(approval.requestId)}` : undefined;
}

/**
 * A deployment approval's change in a line: the tag it leaves and the one it brings ("v1.4.1 → v1.4.2"), a promote's
 * source ("v1.4.2 from staging"), a scale's replicas ("3 replicas"), a restart's pods.
 */
export function deploymentChange(deployment: NonNullable<Approval['deployment']>): string {
  const { operation, imageTag, previousImageTag, replicas, fromEnvironment } = deployment;
  if (operation === 'scale') return replicas === null || replicas === undefined ? 'replicas unchanged' : `${replicas} ${replicas === 1 ? 'replica' : 'replicas'}`;
  if (operation === 'restart') return `a rolling restart${imageTag ? ` of ${imageTag}` : ''}`;
  const to = `${imageTag ?? '?'}${fromEnvironment ? ` from ${fromEnvironment}` : ''}`;
  return previousImageTag ? `${previousImageTag} → ${to}` : to;
}

/** Pending approvals you may decide: the navigation's badge. */
export const decidableCount = (items: readonly Approval[]): number => items.filter((a) => a.status === 'pending' && a.canDecide).length;

export type Decision = 'approve' | 'reject';

export type DecisionOutcome = { readonly ok: true; readonly status: Approval['status'] } | { readonly ok: false; readonly message: string };

/** What a decision on several approvals did, in a line: "2 approved, 1 failed". */
export function summarizeDecisions(decision: Decision, outcomes: readonly DecisionOutcome[]): string {
  const done = outcomes.filter((o) => o.ok).length;
  const failed = outcomes.length - done;
  const verb = decision === 'approve' ? 'approved' : 'rejected';
  if (outcomes.length === 0) return 'Nothing to decide';
  if (failed === 0) return done === 1 ? `1 ${verb}` : `All ${done} ${verb}`;
  if (done === 0) return failed === 1 ? '1 failed' : `All ${failed} failed`;
  return `${done} ${verb}, ${failed} failed`;
}

/** How long until a deadline, in words: "in 3 hours", "in 2 days", or "expired". */
export function describeDeadline(expiresAt: string, now = Date.now()): string {
  const ms = Date.parse(expiresAt) - now;
  if (!Number.isFinite(ms)) return 'no deadline';
  if (ms <= 0) return 'expired';
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return minutes <= 1 ? 'in a minute' : `in ${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours < 48) return hours === 1 ? 'in an hour' : `in ${hours} hours`;
  return `in ${Math.round(ms / 86_400_000)} days`;
}

/**
 * How an approval that waits no more ended, for "… 3 hours ago": decided by approvers, or expired or cancelled with why
 * (the API's reason when it gives one: "the request was interrupted while it waited (Apollo restarted)").
 */
export function endedWords(approval: Pick<Approval, 'status' | 'endReason'>): { readonly verb: string; readonly why: string | null } {
  if (approval.status === 'expired') return { verb: 'expired', why: approval.endReason ?? 'nobody decided in time' };
  if (approval.status === 'cancelled') return { verb: 'cancelled', why: approval.endReason ?? 'the request was cancelled while it waited' };
  return { verb: 'decided', why: null };
}

/** Who decided, and for whom when they decided as a delegate: "operator@apollo.local for admin@apollo.local". */
export const decidedBy = (decision: Pick<Approval['decisions'][number], 'principal' | 'onBehalfOf'>): string =>
  decision.onBehalfOf ? `${decision.principal} for ${decision.onBehalfOf}` : decision.principal;

/** How long something has waited, short: "45 min", "9 h", "3 d". */
export function describeWait(sinceIso: string, now = Date.now()): string {
  const minutes = Math.max(0, Math.round((now - Date.parse(sinceIso)) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(hours / 24)} d`;
}

/** Who an escalation told, in words: principals as they are, `team:x` as "team x". */
export const describeNotified = (notified: readonly string[]): string =>
  notified.length ? joinWords(notified.map((n) => (n.startsWith('team:') ? `team ${n.slice(5)}` : n)), 'and') : 'nobody';

export interface EscalationBadge {
  /** "Escalated ×2 · waiting 9 h". */
  readonly label: string;
  readonly level: number;
  /** One line per escalation: its level, to whom (in words) and who was told; `at` for the caller to format. */
  readonly steps: ReadonlyArray<{ readonly level: number; readonly at: string; readonly text: string }>;
}

/** A pending approval's escalations as a badge, or null when it has none. */
export function escalationBadge(approval: Pick<Approval, 'escalations' | 'createdAt'>, now = Date.now()): EscalationBadge | null {
  const escalations = approval.escalations ?? [];
  if (escalations.length === 0) return null;
  const level = Math.max(...escalations.map((e) => e.level));
  return {
    label: `Escalated${escalations.length > 1 ? ` ×${escalations.length}` : ''} · waiting ${describeWait(approval.createdAt, now)}`,
    level,
    steps: escalations.map((e) => ({ level: e.level, at: e.at, text: `${e.to ? `to ${e.to}` : 'escalated'}; told ${describeNotified(e.notified)}` })),
  };
}

/** What the batch route answered, item by item, as the dialog's outcomes (a refusal says its status and why). */
export function batchOutcomes(result: ApprovalBatchResult): Map<string, DecisionOutcome> {
  const outcomes = new Map<string, DecisionOutcome>();
  for (const r of result.results) {
    if (r.status === 200 && r.approval) outcomes.set(r.id, { ok: true, status: r.approval.status });
    else outcomes.set(r.id, { ok: false, message: refusalText(r.status, r.error?.message ?? 'not decided') });
  }
  return outcomes;
}

/** An item's refusal in a line: 403 "Not yours to decide: …", 409 "Too late: …", others their status. */
export function refusalText(status: number, message: string): string {
  const text = message.replace(/\.?$/, '.');
  if (status === 403) return `Not yours to decide: ${text}`;
  if (status === 409) return `Too late: ${text}`;
  if (status === 404) return `Gone: ${text}`;
  return `${status}: ${text}`;
}

// ---------------------------------------------------------------- delegation

export const MAX_DELEGATION_DAYS = 90;

/** The delegation form as typed: `datetime-local` texts for the times. */
export interface DelegationValues {
  readonly delegate: string;
  /** Empty: from now. */
  readonly from: string;
  readonly until: string;
  readonly reason: string;
}

export type DelegationErrors = Partial<Record<keyof DelegationValues, string>>;

/** What the form can tell before asking: a delegate that looks like an email and is not you, an end ahead and within 90 days. */
export function checkDelegation(v: DelegationValues, me: string | undefined, now = Date.now()): DelegationErrors {
  const errors: { -readonly [K in keyof DelegationValues]?: string } = {};
  const delegate = v.delegate.trim().toLowerCase();
  if (!delegate) errors.delegate = 'Name who decides in your place (their email).';
  else if (!/^[^\s@]+@[^\s@]+$/.test(delegate)) errors.delegate = 'An email, as they sign in to Apollo.';
  else if (me && delegate === me.toLowerCase()) errors.delegate = 'Someone other than you.';
  const from = v.from ? Date.parse(v.from) : now;
  const until = Date.parse(v.until);
  if (v.from && Number.isNaN(from)) errors.from = 'A date and time.';
  if (!v.until) errors.until = 'When it ends.';
  else if (Number.isNaN(until)) errors.until = 'A date and time.';
  else if (until <= Math.max(from, now)) errors.until = 'After it starts, and in the future.';
  else if (until - now > MAX_DELEGATION_DAYS * 86_400_000) errors.until = `At most ${MAX_DELEGATION_DAYS} days ahead.`;
  return errors;
}

/** The PUT body: local times as instants, the delegate as typed (the API lowercases it). */
export function delegationBodyOf(v: DelegationValues): ApprovalDelegationPut {
  return {
    delegate: v.delegate.trim(),
    until: new Date(v.until).toISOString(),
    ...(v.from ? { from: new Date(v.from).toISOString() } : {}),
    ...(v.reason.trim() ? { reason: v.reason.trim() } : {}),
  };
}

/** Which field an API 400 path (`/body/until`) belongs to. */
export function delegationFieldOf(path: string): keyof DelegationValues | undefined {
  const name = /^\/body\/([A-Za-z]+)/.exec(path)?.[1];
  return (['delegate', 'from', 'until', 'reason'] as const).find((f) => f === name);
}
