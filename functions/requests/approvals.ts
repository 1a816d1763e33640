/**
 * Approvals (Approval & Workflow Management): who may decide (ARCHITECTURE.md §1: a role the rule names, a
 * member of a named team, a named principal; never the requester), mode any or all, reject with a reason,
 * expiry. A decision is recorded first (conditional on the approval's version), then the waiting
 * execution is resumed; a resume that failed is sent again by the next call, so a retry is safe.
 *
 *   APPROVAL#<id> / META   GSI1 APPROVALS#pending / <createdAt>#<id> while pending (removed once decided);
 *                          a request's: GSI2 REQAPPROVALS#<requestId> / <createdAt>#<id> (its approvals: each run's, a deprovision's)
 */
import { delegationsTo, type DelegationRecord } from './delegations.ts';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Approval, ApprovalList, CatalogApproval } from '#schemas/index.ts';
import { ConflictError, ForbiddenError, NotFoundError, PreconditionFailedError, ValidationError } from '#shared/errors';
import { ROLES, type Role } from '#shared/permissions';
import { publish } from '#lib/realtime';
import { db, getItem, putNew, queryAll, queryPage, tableName, updateVersioned, type Item } from '#lib/table';
import { workflowEngine } from '#lib/workflows/index';
import { TaskTokenError } from '#lib/workflows/ports';
import { deploymentApprovals } from '#functions/deployments/public';
import { appendLog, readRequest, requireRequest, transition } from './records.ts';
import { FULFILLMENT } from './workflow.ts';

export const APPROVALS_TOPIC = 'approvals';
export const APPROVAL_CHANGED = 'approval.changed';
export const APPROVAL_REJECTED_ERROR = 'Apollo.ApprovalRejected';
const PENDING = 'APPROVALS#pending';

export interface Decider {
  readonly principal: string;
  readonly role: Role | null;
  readonly teams: readonly string[];
}

export interface ApprovalRecord extends Omit<Approval, 'canDecide' | 'why' | 'outstanding' | 'kind'> {
  /** Absent on approvals written before deployments had any: a request's. */
  readonly kind?: Approval['kind'];
  readonly taskToken?: string;
  /** The request's run that opened it (a retry or a deprovision asks anew). */
  readonly run?: number;
  readonly resumedAt?: string;
  readonly version: number;
}

const approvalKey = (id: string) => ({ PK: `APPROVAL#${id}`, SK: 'META' });
const requestApprovals = (requestId: string): string => `REQAPPROVALS#${requestId}`;

export async function readApproval(id: string, consistent = false): Promise<ApprovalRecord | undefined> {
  return getItem<Item & ApprovalRecord>(approvalKey(id), { consistent });
}

/** Creates the approval once (the step may run again: the existing one gets the new task token). */
export async function openApproval(record: Omit<ApprovalRecord, 'version'>): Promise<ApprovalRecord> {
  try {
    await putNew({
      ...approvalKey(record.id), ...record, version: 1, GSI1PK: PENDING, GSI1SK: `${record.createdAt}#${record.id}`,
      ...(record.requestId ? { GSI2PK: requestApprovals(record.requestId), GSI2SK: `${record.createdAt}#${record.id}` } : {}),
    }, 'approval exists');
    return { ...record, version: 1 };
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    const { Attributes } = await db.send(new UpdateCommand({
      TableName: tableName(), Key: approvalKey(record.id),
      UpdateExpression: 'SET taskToken = :token', ExpressionAttributeValues: { ':token': record.taskToken },
      ReturnValues: 'ALL_NEW',
    }));
    return Attributes as ApprovalRecord;
  }
}

// ---------------------------------------------------------------- who may decide

type Requirement = `role:${string}` | `team:${string}` | `principal:${string}`;

function requirementsOf(rule: Approval['rule']): Requirement[] {
  return [
    ...(rule.approvers.roles ?? []).map((r): Requirement => `role:${r}`),
    ...(rule.approvers.teams ?? []).map((t): Requirement => `team:${t}`),
    ...(rule.approvers.principals ?? []).map((p): Requirement => `principal:${p.toLowerCase()}`),
  ];
}

/** The requirements of the rule the caller meets (a role includes those above it). */
function metBy(rule: Approval['rule'], who: Decider): Requirement[] {
  const rank = who.role ? ROLES.indexOf(who.role) : -1;
  return requirementsOf(rule).filter((req) => {
    const [kind, value] = [req.slice(0, req.indexOf(':')), req.slice(req.indexOf(':') + 1)];
    if (kind === 'role') return rank >= ROLES.indexOf(value as Role);
    if (kind === 'team') return who.teams.includes(value);
    return who.principal.toLowerCase() === value;
  });
}

/** For mode all: each approval counts for one requirement it meets (the first still open), so "all" means that many people. */
export function outstanding(approval: Pick<Approval, 'rule' | 'decisions'>): Requirement[] {
  const open = requirementsOf(approval.rule);
  for (const decision of approval.decisions) {
    if (decision.decision !== 'approved') continue;
    const i = open.findIndex((req) => decision.via?.includes(req));
    if (i >= 0) open.splice(i, 1);
  }
  return open;
}

/** Who may decide, as themselves or as the delegate of an approver whose delegation holds now. */
export function mayDecide(approval: Pick<Approval, 'rule' | 'requester' | 'decisions' | 'status'>, who: Decider, delegations: readonly DelegationRecord[] = []): { canDecide: boolean; why: string; via: Requirement[]; onBehalfOf?: string } {
  const own = mayDecideAs(approval, who);
  if (own.canDecide || who.principal.toLowerCase() === approval.requester.toLowerCase()) return own;
  for (const delegation of delegations) {
    const as = mayDecideAs(approval, { principal: delegation.principal, role: delegation.role, teams: delegation.teams });
    if (!as.canDecide) continue;
    if (approval.decisions.some((d) => d.principal.toLowerCase() === who.principal.toLowerCase())) return { canDecide: false, why: 'You have decided it already.', via: as.via };
    return { canDecide: true, why: `You may decide it for ${delegation.principal} (their delegate until ${delegation.until}) as ${as.via.join(', ')}.`, via: as.via, onBehalfOf: delegation.principal };
  }
  return own;
}

function mayDecideAs(approval: Pick<Approval, 'rule' | 'requester' | 'decisions' | 'status'>, who: Decider): { canDecide: boolean; why: string; via: Requirement[] } {
  if (who.principal.toLowerCase() === approval.requester.toLowerCase()) return { canDecide: false, why: 'You requested it: someone else must approve it.', via: [] };
  const via = metBy(approval.rule, who);
  if (!via.length) {
    const who = requirementsOf(approval.rule).map((r) => r.replace(':', ' ')).join(', ');
    return { canDecide: false, why: `Only these may decide it: ${who}.`, via };
  }
  if (approval.decisions.some((d) => d.principal.toLowerCase() === who.principal.toLowerCase() || d.onBehalfOf?.toLowerCase() === who.principal.toLowerCase())) return { canDecide: false, why: 'You have decided it already.', via };
  if (approval.status !== 'pending') return { canDecide: false, why: `It is ${approval.status}.`, via };
  if (approval.rule.mode === 'all') {
    const open = outstanding(approval as Approval);
    if (!via.some((req) => open.includes(req))) return { canDecide: false, why: `What you could approve as has approved already; still needed: ${open.join(', ')}.`, via };
  }
  return { canDecide: true, why: `You may decide it as ${via.join(', ')}.`, via };
}

export function toApproval(record: ApprovalRecord, who: Decider, delegations: readonly DelegationRecord[] = []): Approval {
  const { taskToken: _t, resumedAt: _r, version: _v, run: _run, ...rest } = record as ApprovalRecord & Partial<Item>;
  const { PK: _pk, SK: _sk, GSI1PK: _g1, GSI1SK: _g1s, GSI2PK: _g2, GSI2SK: _g2s, ...approval } = rest as typeof rest & Partial<Item>;
  const decision = mayDecide(record, who, delegations);
  return { ...(approval as Omit<Approval, 'canDecide' | 'why'>), kind: record.kind ?? 'request', outstanding: record.rule.mode === 'all' ? outstanding(record) : [], canDecide: decision.canDecide, why: decision.why };
}

// ---------------------------------------------------------------- reading

export async function listPending(who: Decider, limit: number, cursor?: string): Promise<ApprovalList> {
  const [page, delegations] = await Promise.all([
    queryPage<Item & ApprovalRecord>({ index: 'GSI1', partition: PENDING, limit, cursor, newestFirst: true }),
    delegationsTo(who.principal),
  ]);
  const items = page.items.map((record) => toApproval(record, who, delegations));
  // Those I may decide first, each group newest first.
  items.sort((a, b) => Number(b.canDecide) - Number(a.canDecide));
  return { items, nextCursor: page.nextCursor };
}

/**
 * The ids of a request's approvals, oldest first (each run's and a deprovision's); of those opened before approvals
 * were listed by request, its latest (the request's approvalId) is found.
 */
export async function approvalIdsOf(requestId: string): Promise<string[]> {
  const [items, request] = await Promise.all([
    queryAll<Item & ApprovalRecord>({ index: 'GSI2', partition: requestApprovals(requestId) }),
    readRequest(requestId),
  ]);
  const ids = items.map((item) => item.id);
  const latest = request?.approvalId;
  return latest && !ids.includes(latest) ? [...ids, latest] : ids;
}

export async function requireApproval(id: string): Promise<ApprovalRecord> {
  const record = await readApproval(id, true);
  if (!record) throw new NotFoundError(`approval ${id} not found`);
  return record;
}

// ---------------------------------------------------------------- deciding

export function approvalRule(rule: CatalogApproval): Approval['rule'] {
  return {
    approvers: {
      ...(rule.approvers.roles ? { roles: [...rule.approvers.roles] } : {}),
      ...(rule.approvers.teams ? { teams: [...rule.approvers.teams] } : {}),
      ...(rule.approvers.principals ? { principals: rule.approvers.principals.map((p) => p.toLowerCase()) } : {}),
    },
    mode: rule.mode ?? 'any',
    ...(rule.reason ? { reason: rule.reason } : {}),
  };
}

/** A decision on the version read (the table's optimistic update); someone else's decision in between is a 409. */
async function writeDecision(record: ApprovalRecord, changes: Record<string, unknown>, removePending: boolean): Promise<ApprovalRecord> {
  try {
    return await updateVersioned<Item & ApprovalRecord>(approvalKey(record.id), record.version, { ...changes, ...(removePending ? { GSI1PK: null, GSI1SK: null } : {}) });
  } catch (error) {
    if (error instanceof PreconditionFailedError) throw new ConflictError('the approval changed while you decided (someone else decided it); reload it', { cause: error });
    throw error;
  }
}

async function announceApproval(record: ApprovalRecord): Promise<void> {
  await publish(APPROVALS_TOPIC, APPROVAL_CHANGED, { id: record.id, kind: record.kind ?? 'request', ...(record.requestId ? { requestId: record.requestId } : {}), ...(record.deployment ? { deploymentId: record.deployment.id } : {}), status: record.status });
}

// ---------------------------------------------------------------- what waits: a request or a deployment

/** What an approval's decision resumes and where its lines go, by kind. */
export interface ApprovalSubject {
  /** The workflow whose execution waits for the decision. */
  readonly machine: string;
  log(record: ApprovalRecord, message: string, severity: 'info' | 'warn', at: Date): Promise<void>;
  /** The decision came after the execution's wait ended: say so where people look. */
  late(record: ApprovalRecord, error: Error, at: Date): Promise<void>;
}

const requestSubject: ApprovalSubject = {
  machine: FULFILLMENT,
  async log(record, message, severity, at) {
    await appendLog(record.requestId!, [{ message, severity }], at);
  },
  async late(record, error, at) {
    const request = await requireRequest(record.requestId!);
    if (request.status === 'awaiting_approval') await transition(request.id, {}, { message: `the decision came after the approval's wait ended (${error.message})`, severity: 'warn' }, at);
  },
};

const subjectOf = (record: ApprovalRecord): ApprovalSubject => (record.kind === 'deployment' ? deploymentApprovals : requestSubject);

/**
 * Ends a pending approval without a decision: `expired` (its wait timed out, or a decision came too late) or
 * `cancelled` (the request was, or it was interrupted), with why in words when the status alone does not say it.
 */
export async function expireApproval(record: ApprovalRecord, now = new Date(), status: 'expired' | 'cancelled' = 'expired', endReason?: string): Promise<ApprovalRecord> {
  if (record.status !== 'pending') return record;
  endReason ??= status === 'expired' ? `nobody decided by ${record.expiresAt}` : undefined;
  const ended = await writeDecision(record, { status, decidedAt: now.toISOString(), ...(endReason ? { endReason } : {}) }, true);
  await announceApproval(ended);
  return ended;
}

/** Resumes the waiting execution once the approval is decided; TaskTokenError when its wait is over. */
async function resume(record: ApprovalRecord): Promise<void> {
  if (!record.taskToken || record.resumedAt) return;
  const engine = workflowEngine(subjectOf(record).machine);
  if (record.status === 'approved') {
    await engine.sendTaskSuccess(record.taskToken, { approvalId: record.id, approvedBy: record.decisions.filter((d) => d.decision === 'approved').map((d) => d.principal) });
  } else if (record.status === 'rejected') {
    const reason = record.decisions.find((d) => d.decision === 'rejected')?.comment ?? 'rejected';
    await engine.sendTaskFailure(record.taskToken, APPROVAL_REJECTED_ERROR, reason.slice(0, 2000));
  } else {
    return;
  }
  await db.send(new UpdateCommand({ TableName: tableName(), Key: approvalKey(record.id), UpdateExpression: 'SET resumedAt = :at', ExpressionAttributeValues: { ':at': new Date().toISOString() } }));
}

/** What a decision's audit entry learns as it goes: what the approval is for, and for whom a delegate decided. */
export interface DecisionAudit { details?: Record<string, unknown> }

export async function decide(id: string, who: Decider, decision: 'approved' | 'rejected', comment: string | undefined, audit: DecisionAudit = {}, now = new Date()): Promise<Approval> {
  let record = await requireApproval(id);
  // Said before anything can refuse: a refused decision's entry names its request too.
  audit.details = { ...audit.details, ...(record.requestId ? { request: record.requestId } : {}), ...(record.deployment ? { deployment: record.deployment.id } : {}) };
  // Decided already and the execution not yet told (a resume that failed): this call finishes it.
  if (record.status !== 'pending') {
    const mine = record.decisions.find((d) => d.principal.toLowerCase() === who.principal.toLowerCase());
    if (mine?.decision === decision && !record.resumedAt) {
      await resumeOrExpire(record, now);
      return toApproval(await requireApproval(id), who);
    }
    throw new ConflictError(`approval ${id} is ${record.status} already`);
  }
  if (Date.parse(record.expiresAt) <= now.getTime()) {
    await expireApproval(record, now);
    throw new ConflictError(`approval ${id} expired at ${record.expiresAt}: the request failed; submit it again`);
  }
  if (decision === 'rejected' && !comment?.trim()) throw new ValidationError('a rejection needs a reason the requester can read', { details: [{ path: '/body/reason', message: 'must not be blank' }] });
  const delegations = await delegationsTo(who.principal, now);
  const check = mayDecide(record, who, delegations);
  if (!check.canDecide) throw new ForbiddenError(check.why, { details: [{ path: '/path/id', message: check.why }] });
  if (check.onBehalfOf) audit.details = { ...audit.details, onBehalfOf: check.onBehalfOf };
  const entry = { principal: who.principal, ...(who.role ? { role: who.role } : {}), via: check.via, ...(check.onBehalfOf ? { onBehalfOf: check.onBehalfOf } : {}), decision, ...(comment ? { comment } : {}), at: now.toISOString() };
  const by = `${who.principal}${check.onBehalfOf ? ` for ${check.onBehalfOf}` : ''}`;
  const decisions = [...record.decisions, entry];
  const done = decision === 'rejected' || (record.rule.mode !== 'all') || outstanding({ rule: record.rule, decisions }).length === 0;
  const status = decision === 'rejected' ? 'rejected' : done ? 'approved' : 'pending';
  record = await writeDecision(record, { decisions, status, ...(done ? { decidedAt: now.toISOString() } : {}) }, done);
  await subjectOf(record).log(record, decision === 'approved'
    ? `approved by ${by} (${check.via.join(', ')})${comment ? `: ${comment}` : ''}${done ? '' : `; still needed: ${outstanding(record).join(', ')}`}`
    : `rejected by ${by}: ${comment ?? ''}`, decision === 'rejected' ? 'warn' : 'info', now);
  await announceApproval(record);
  if (done) await resumeOrExpire(record, now);
  return toApproval(await requireApproval(id), who, delegations);
}

async function resumeOrExpire(record: ApprovalRecord, now: Date): Promise<void> {
  try {
    await resume(record);
  } catch (error) {
    if (!(error instanceof TaskTokenError)) throw error;
    // The wait is over (timed out, or the request/deployment ended): the decision stands on the record, but what waited cannot go on.
    await subjectOf(record).late(record, error, now);
    throw new ConflictError(`approval ${record.id} can no longer resume its ${record.kind ?? 'request'} (the wait ended): ${error.message}`, { cause: error });
  }
}
