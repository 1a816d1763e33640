/**
 * Approvals in words: who approves ("an operator or team platform"), what is still needed, why you may decide, when
 * it expires; the inbox's order, and what a bulk decision did item by item. Pure, so it is unit-tested.
 */
import type { Approval } from '../../../../schemas/types.gen.ts';

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
