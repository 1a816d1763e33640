/**
 * The changes an AI session proposed (pending actions) as the approval panel shows them: the session's list (the
 * detail's `actions`) merged with the `action` frames that came since and the answers of approve/reject, one per id,
 * the furthest along winning; who may decide; how each status, risk and result reads.
 */
import type { Intent, IconName } from '@blueprintjs/core';
import type { AiAction, AiFrame } from '../../../../schemas/types.gen.ts';
import type { ToolCallView } from './frame-log.ts';

export type ActionStatus = AiAction['status'];

/** How far along a status is: an action only moves forward, so a stale copy (an older read, a late frame) never wins. */
const STAGE: Readonly<Record<ActionStatus, number>> = { pending: 0, executing: 1, executed: 2, failed: 2, rejected: 2, expired: 2 };

/** The later of two copies of one action: the one further along; at the same stage the newer (`next`). */
export const laterAction = (current: AiAction, next: AiAction): AiAction => (STAGE[next.status] >= STAGE[current.status] ? next : current);

/** Copies of actions (oldest first, later copies after) as one list, one per id, in the order each was first proposed. */
export function mergeActions(...lists: readonly (readonly AiAction[])[]): AiAction[] {
  const byId = new Map<string, AiAction>();
  for (const list of lists) {
    for (const action of list) {
      const seen = byId.get(action.id);
      byId.set(action.id, seen ? laterAction(seen, action) : action);
    }
  }
  return [...byId.values()].sort((a, b) => a.callIndex - b.callIndex || a.createdAt.localeCompare(b.createdAt));
}

/** The actions the frames carry, in seq order (the latest frame per id wins in mergeActions). */
export const actionsOfFrames = (frames: readonly AiFrame[]): AiAction[] =>
  frames.flatMap((f) => (f.type === 'action' ? [{ seq: f.seq, action: f.action }] : [])).sort((a, b) => a.seq - b.seq).map((f) => f.action);

/** Pending and past its expiry: the API will refuse it (409), so the panel shows it expired and offers no buttons. */
export const isLapsed = (action: Pick<AiAction, 'status' | 'expiresAt'>, now: number): boolean =>
  action.status === 'pending' && Date.parse(action.expiresAt) <= now;

/**
 * The status the panel shows: a pending action past its expiry reads as expired, and one of a terminated session
 * (`ended`) as rejected (terminating rejects them), before the API's frames say so.
 */
export function shownStatus(action: Pick<AiAction, 'status' | 'expiresAt'>, now: number, ended = false): ActionStatus {
  if (isLapsed(action, now)) return 'expired';
  return ended && action.status === 'pending' ? 'rejected' : action.status;
}

/**
 * The session's owner, or an ai:admin, decides while the session is active (the API checks the route's permission
 * too, and says so with a 403; a terminated session's actions never run).
 */
export const mayDecide = (session: { owner: string; status?: 'active' | 'terminated' }, me: { principal: string; permissions: readonly string[] } | undefined): boolean =>
  session.status !== 'terminated' && me !== undefined && me.permissions.includes('ai:sessions:create') && (session.owner === me.principal || me.permissions.includes('ai:admin'));

/** What each status looks like on a card. */
export const STATUS_LOOK: Readonly<Record<ActionStatus, { readonly label: string; readonly intent: Intent; readonly icon: IconName }>> = {
  pending: { label: 'Needs approval', intent: 'warning', icon: 'pause' },
  executing: { label: 'Running', intent: 'primary', icon: 'refresh' },
  executed: { label: 'Executed', intent: 'success', icon: 'tick-circle' },
  failed: { label: 'Failed', intent: 'danger', icon: 'error' },
  rejected: { label: 'Rejected', intent: 'none', icon: 'disable' },
  expired: { label: 'Expired', intent: 'none', icon: 'time' },
};

/** A risk as a tag's intent: production and infrastructure changes red, config yellow, the rest plain. */
export function riskIntent(risk: AiAction['risk']): Intent {
  if (risk === 'prod_mutation' || risk === 'infrastructure') return 'danger';
  if (risk === 'config' || risk === 'safe_mutation') return 'warning';
  return 'none';
}

/** Who asked for it: `typed command` or `the model`. */
export const originText = (origin: AiAction['origin']): string => (origin === 'command' ? 'a typed command' : 'the model');

/** `Executed, approved by operator@apollo.local`, `Rejected by dana@example.com: not now`. */
export function decisionText(action: Pick<AiAction, 'status' | 'decidedBy' | 'note'>): string {
  const look = STATUS_LOOK[action.status];
  if (action.status === 'pending') return look.label;
  if (action.status === 'expired' && !action.decidedBy) return 'Expired before anyone approved it: it never ran';
  const by = action.decidedBy ? (action.status === 'rejected' ? ` by ${action.decidedBy}` : `, approved by ${action.decidedBy}`) : '';
  return `${look.label}${by}${action.note ? `: ${action.note}` : ''}`;
}

/** What a decided card says: who decided and why; one that never ran, why not. */
export function shownDecision(action: Pick<AiAction, 'status' | 'decidedBy' | 'note' | 'expiresAt'>, now: number, ended = false): string {
  if (isLapsed(action, now)) return 'Expired before anyone approved it: it never ran';
  if (ended && action.status === 'pending') return 'Rejected: the session was terminated, so it never ran';
  return decisionText(action);
}

/** The number of pending actions, for the panel's title: none once the session is terminated (`ended`). */
export const pendingCount = (actions: readonly AiAction[], now: number, ended = false): number =>
  actions.filter((a) => shownStatus(a, now, ended) === 'pending').length;

/** The decision's note as the API takes it: trimmed, at most 1000 characters, left out when empty. */
export function decisionNote(note: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  const clean = note.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]/g, '').trim().slice(0, 1000);
  return clean || undefined;
}

/** Where a result links: a web app path (`/deployments/<id>`), a web page elsewhere (a pull request), never a script URL. */
export function linkOf(href: string): { kind: 'app' | 'external'; href: string } | null {
  if (/^\/(?!\/)[^\s\\]*$/.test(href)) return { kind: 'app', href };
  try {
    const { protocol } = new URL(href);
    return protocol === 'https:' || protocol === 'http:' ? { kind: 'external', href } : null;
  } catch {
    return null;
  }
}

/** A change's tool call in the side panel once its action was rejected or lapsed (no result ever comes): refused, saying why. */
export function callsWithDecisions(calls: readonly ToolCallView[], actions: readonly AiAction[]): readonly ToolCallView[] {
  const byId = new Map(actions.map((a) => [a.id, a]));
  return calls.map((call) => {
    const action = call.status === 'pending_approval' && call.actionId ? byId.get(call.actionId) : undefined;
    if (!action || (action.status !== 'rejected' && action.status !== 'expired')) return call;
    return { ...call, status: 'refused', reason: decisionText(action) };
  });
}
