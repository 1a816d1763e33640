/**
 * Approval delegation: an approver names a delegate for a period; while it holds, the delegate may decide what the
 * approver may (the approver's role and teams as they were when they named them), never a request of their own or
 * of the approver's, and each decision says on whose behalf.
 *
 *   APPROVALDELEGATION#<principal> / META   GSI1 DELEGATE#<delegate> / <until>#<principal>
 */
import type { ApprovalDelegation, ApprovalDelegationPut, ApprovalDelegations } from '#schemas/index.ts';
import { NotFoundError, ValidationError } from '#shared/errors';
import { roleHas, type Role } from '#shared/permissions';
import { directoryUser } from '#functions/identity/public';
import { deleteItem, getItem, putItem, queryPage, type Item } from '#lib/table';
import type { Decider } from './approvals.ts';

const DAY_MS = 86_400_000;
export const MAX_DELEGATION_DAYS = 90;

export interface DelegationRecord {
  readonly principal: string;
  readonly delegate: string;
  readonly from: string;
  readonly until: string;
  readonly reason: string | null;
  readonly setAt: string;
  /** The approver's role and teams when they named the delegate: what the delegate may decide as. */
  readonly role: Role | null;
  readonly teams: readonly string[];
}

const key = (principal: string) => ({ PK: `APPROVALDELEGATION#${principal.toLowerCase()}`, SK: 'META' });
const isActive = (d: Pick<DelegationRecord, 'from' | 'until'>, now: Date): boolean => Date.parse(d.from) <= now.getTime() && now.getTime() < Date.parse(d.until);

function toDelegation(record: DelegationRecord, now: Date): ApprovalDelegation {
  return { principal: record.principal, delegate: record.delegate, from: record.from, until: record.until, reason: record.reason, active: isActive(record, now), setAt: record.setAt };
}

export async function setDelegation(who: Decider, body: ApprovalDelegationPut, now = new Date()): Promise<ApprovalDelegation> {
  const delegate = body.delegate.trim().toLowerCase();
  const from = body.from ? new Date(body.from) : now;
  const until = new Date(body.until);
  const details: Array<{ path: string; message: string }> = [];
  if (delegate === who.principal.toLowerCase()) details.push({ path: '/body/delegate', message: 'must be someone else' });
  if (until.getTime() <= Math.max(from.getTime(), now.getTime())) details.push({ path: '/body/until', message: 'must be after from and in the future' });
  if (until.getTime() - now.getTime() > MAX_DELEGATION_DAYS * DAY_MS) details.push({ path: '/body/until', message: `at most ${MAX_DELEGATION_DAYS} days ahead` });
  if (!details.length) {
    // Someone who can decide approvals: in the directory (where this deployment has one) with a role that may.
    const known = await directoryUser(delegate);
    if (known === undefined) details.push({ path: '/body/delegate', message: `${delegate} is not in the directory` });
    else if (known && (!known.enabled || !roleHas(known.role, 'requests:create'))) {
      details.push({ path: '/body/delegate', message: `${delegate} cannot decide approvals (${known.enabled ? `their role is ${known.role ?? 'none'}` : 'disabled'})` });
    }
  }
  if (details.length) throw new ValidationError(details.map((d) => `${d.path.slice(6)} ${d.message}`).join('; '), { details });
  const record: DelegationRecord = {
    principal: who.principal.toLowerCase(), delegate, from: from.toISOString(), until: until.toISOString(), reason: body.reason?.trim() || null,
    setAt: now.toISOString(), role: who.role, teams: [...who.teams],
  };
  await putItem({ ...key(who.principal), ...record, GSI1PK: `DELEGATE#${delegate}`, GSI1SK: `${record.until}#${record.principal}`, entity: 'approval-delegation' });
  return toDelegation(record, now);
}

export async function endDelegation(who: Decider): Promise<void> {
  const existing = await getItem(key(who.principal), { consistent: true });
  if (!existing) throw new NotFoundError('you have no delegation to end');
  await deleteItem(key(who.principal));
}

/** The delegations naming `principal` as delegate that hold now (one Query: those not yet ended). */
export async function delegationsTo(principal: string, now = new Date()): Promise<DelegationRecord[]> {
  const page = await queryPage<Item & DelegationRecord>({ index: 'GSI1', partition: `DELEGATE#${principal.toLowerCase()}`, sortKey: { between: [now.toISOString(), '9999'] }, limit: 100 });
  return page.items.filter((d) => isActive(d, now));
}

export async function readDelegations(who: Decider, now = new Date()): Promise<ApprovalDelegations> {
  const [mine, toMe] = await Promise.all([
    getItem<Item & DelegationRecord>(key(who.principal)),
    queryPage<Item & DelegationRecord>({ index: 'GSI1', partition: `DELEGATE#${who.principal.toLowerCase()}`, sortKey: { between: [now.toISOString(), '9999'] }, limit: 100 }),
  ]);
  return {
    mine: mine && Date.parse(mine.until) > now.getTime() ? toDelegation(mine, now) : null,
    toMe: toMe.items.map((d) => toDelegation(d, now)),
  };
}
