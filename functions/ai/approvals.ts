/**
 * Pending actions (ARCHITECTURE.md §6: "approval is a click, bound to the call"):
 *
 *   AI#<session> / ACTION#<id>   the action: tool, exact arguments, route, permission, status, who decided, result
 *
 * The id is the SHA-256 of the session, the call's index (the session's count of proposals: `actionCount` on
 * META), the tool and the arguments' canonical JSON: the same call proposed again is a new index, a new id and a
 * new approval. Only `POST …/approve` naming the id runs it, once (a conditional write from `pending`), before it
 * expires, by the owner or ai:admin holding the route's permission; it runs as the session's owner through the
 * route, its Idempotency-Key derived from the id (a retried approval of an action whose run was cut short
 * cannot do it twice). Nothing in the conversation can approve: no tool approves, and the model never sees an id
 * it could use. Terminating the session rejects whatever still waits, and nothing more is proposed in it.
 */
import { createHash } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AiAction, AiSession } from '#schemas/index.ts';
import { ConflictError, ForbiddenError, NotFoundError, ServiceUnavailableError } from '#shared/errors';
import { roleHas, type Role } from '#shared/permissions';
import { auditLog } from '#lib/audit-log';
import { logger } from '#lib/observability';
import { db, getItem, putNew, queryAll, queryPage, tableName, type Item } from '#lib/table';
import { actionNamed, executePermission } from './actions.ts';
import { aiConfig } from './config.ts';
import { aiDeps } from './deps.ts';
import { readConversation, readSession, reserveSeqs, writeConversation } from './records.ts';
import { FrameStream } from './stream.ts';
import { untrusted } from './untrusted.ts';
import { sandboxOf } from './users.ts';

export interface ActionCaller { readonly principal: string; readonly role: Role | null }

/** JSON with keys sorted at every level: the same arguments always hash the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function actionId(sessionId: string, callIndex: number, tool: string, args: unknown): string {
  return createHash('sha256').update(`${sessionId}\n${callIndex}\n${tool}\n${canonicalJson(args)}`).digest('hex');
}

interface ActionItem extends Item, AiAction {
  /** The role the owner had when it was proposed (what it runs as when someone else approves). */
  readonly requestedRole: Role | null;
}

const key = (sessionId: string, id: string) => ({ PK: `AI#${sessionId}`, SK: `ACTION#${id}` });

/**
 * Actions running (`executing`) are also in a sparse GSI2 partition, by when they began, until they end: a run
 * cut off (the approving Lambda timed out, the turn's Lambda died, the local runtime was killed) is found there
 * without a Scan and finished by `resumeStaleActions`.
 */
const RUNNING = 'AIACTIONS#executing';
const runningSortKey = (at: string, sessionId: string, id: string) => `${at}#${sessionId}#${id}`;

function toAction(item: ActionItem, now = Date.now()): AiAction {
  const { PK: _p, SK: _s, GSI2PK: _gp, GSI2SK: _gs, requestedRole: _r, ...action } = item;
  // A pending action past its time reads as expired, whether or not anyone wrote that down yet.
  return action.status === 'pending' && Date.parse(action.expiresAt) <= now ? { ...action, status: 'expired' } : action;
}

/** The session's actions, oldest first. */
export async function sessionActions(sessionId: string): Promise<AiAction[]> {
  const items = await queryAll<ActionItem>({ partition: `AI#${sessionId}`, sortKey: { beginsWith: 'ACTION#' } }, 1_000);
  return items.map((i) => toAction(i)).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.callIndex - b.callIndex);
}

/** A change asked for in a session terminated meanwhile (a turn elsewhere not yet stopped by its poll): never proposed. */
export class SessionTerminatedError extends ConflictError {}

/**
 * The session's next call index; a pending action also counts toward `pendingActions` (what the lists show). Only
 * while the session is active: nothing is proposed after the kill switch, which ends what was pending.
 */
async function nextCallIndex(sessionId: string, pending: boolean): Promise<number> {
  try {
    const { Attributes } = await db.send(new UpdateCommand({
      TableName: tableName(), Key: { PK: `AI#${sessionId}`, SK: 'META' }, UpdateExpression: 'ADD actionCount :one, pendingActions :pending',
      ConditionExpression: 'attribute_exists(PK) AND #status = :active', ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':one': 1, ':pending': pending ? 1 : 0, ':active': 'active' }, ReturnValues: 'UPDATED_NEW',
    }));
    return Number(Attributes?.actionCount);
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    throw new SessionTerminatedError(`AI session ${sessionId} was terminated: nothing more is proposed in it`, { details: [{ path: '/session/status', message: 'terminated' }] });
  }
}

/** One fewer waiting (decided); the session's detail sets the count right when one expired unseen. */
async function onePendingFewer(sessionId: string): Promise<void> {
  await db.send(new UpdateCommand({
    TableName: tableName(), Key: { PK: `AI#${sessionId}`, SK: 'META' }, UpdateExpression: 'ADD pendingActions :less',
    ConditionExpression: 'attribute_exists(PK) AND pendingActions > :zero', ExpressionAttributeValues: { ':less': -1, ':zero': 0 },
  })).catch((error: unknown) => { if ((error as Error).name !== 'ConditionalCheckFailedException') throw error; });
}

/** The session's count of waiting actions, as its detail found them (an expired one nobody touched). */
export async function settlePendingCount(sessionId: string, count: number): Promise<void> {
  await db.send(new UpdateCommand({
    TableName: tableName(), Key: { PK: `AI#${sessionId}`, SK: 'META' }, UpdateExpression: 'SET pendingActions = :n',
    ConditionExpression: 'attribute_exists(PK)', ExpressionAttributeValues: { ':n': count },
  }));
}

export interface Proposal {
  readonly sessionId: string;
  readonly turnId: string;
  readonly callId: string;
  readonly tool: string;
  readonly arguments: Record<string, unknown>;
  readonly origin: AiAction['origin'];
  readonly owner: string;
  readonly role: Role | null;
  readonly risk: AiAction['risk'];
  readonly summary: string;
  readonly route: string;
  readonly permission: string;
}

/** Writes a new action: pending (waiting for a click), or executing (a typed command that needs none). */
export async function recordAction(proposal: Proposal, status: 'pending' | 'executing'): Promise<AiAction> {
  const callIndex = await nextCallIndex(proposal.sessionId, status === 'pending');
  const now = new Date();
  const action: AiAction = {
    id: actionId(proposal.sessionId, callIndex, proposal.tool, proposal.arguments),
    sessionId: proposal.sessionId, turnId: proposal.turnId, callId: proposal.callId, callIndex,
    tool: proposal.tool, arguments: proposal.arguments, risk: proposal.risk, summary: proposal.summary,
    route: proposal.route, permission: proposal.permission, origin: proposal.origin, status,
    requestedBy: proposal.owner, createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + aiConfig().approvalMinutes * 60_000).toISOString(),
    // A typed change the approval table lets through was approved by nobody: its note says why it ran.
    decidedBy: null, decidedAt: null,
    ...(status === 'executing' ? { note: `typed by ${proposal.owner}: a ${proposal.risk.replace('_', ' ')} needs no approval` } : {}),
    result: null,
  };
  const running = status === 'executing' ? { GSI2PK: RUNNING, GSI2SK: runningSortKey(action.createdAt, action.sessionId, action.id) } : {};
  await putNew({ ...key(proposal.sessionId, action.id), ...action, requestedRole: proposal.role, ...running }, `action ${action.id} exists`);
  return action;
}

async function readAction(sessionId: string, id: string): Promise<ActionItem | undefined> {
  return getItem<ActionItem>(key(sessionId, id), { consistent: true });
}

/** pending → approved (executing) or rejected, once, before it expires. Answers undefined when it was not pending. */
async function decide(sessionId: string, id: string, to: 'executing' | 'rejected', by: string, note: string | undefined): Promise<ActionItem | undefined> {
  const now = new Date().toISOString();
  try {
    const { Attributes } = await db.send(new UpdateCommand({
      TableName: tableName(), Key: key(sessionId, id),
      UpdateExpression: `SET #status = :to, decidedBy = :by, decidedAt = :now${note ? ', note = :note' : ''}${to === 'executing' ? ', GSI2PK = :running, GSI2SK = :runningSk' : ''}`,
      ConditionExpression: '#status = :pending AND expiresAt > :now',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':to': to, ':by': by, ':now': now, ':pending': 'pending', ...(note ? { ':note': note } : {}),
        ...(to === 'executing' ? { ':running': RUNNING, ':runningSk': runningSortKey(now, sessionId, id) } : {}),
      },
      ReturnValues: 'ALL_NEW',
    }));
    await onePendingFewer(sessionId);
    return Attributes as ActionItem;
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return undefined;
    throw error;
  }
}

async function finish(sessionId: string, id: string, status: 'executed' | 'failed', result: NonNullable<AiAction['result']>, note: string | undefined): Promise<ActionItem> {
  const { Attributes } = await db.send(new UpdateCommand({
    TableName: tableName(), Key: key(sessionId, id), UpdateExpression: `SET #status = :s, #result = :r${note ? ', note = :note' : ''} REMOVE GSI2PK, GSI2SK`,
    ExpressionAttributeNames: { '#status': 'status', '#result': 'result' }, ExpressionAttributeValues: { ':s': status, ':r': result, ...(note ? { ':note': note } : {}) }, ReturnValues: 'ALL_NEW',
  }));
  return Attributes as ActionItem;
}

/** Frames outside a turn (an approval comes later): a few seqs of the session's own. */
async function postFrames(sessionId: string, turnId: string, frames: Parameters<FrameStream['emit']>[0][]): Promise<void> {
  const first = await reserveSeqs(sessionId, frames.length);
  const stream = new FrameStream(sessionId, turnId, first, first + frames.length - 1, aiConfig().flushMs);
  for (const frame of frames) await stream.emit(frame);
  await stream.close();
}

/** The next turn's model hears what became of the action (as data: the route's answer is not instructions). */
async function tellConversation(sessionId: string, action: AiAction): Promise<void> {
  const messages = await readConversation(sessionId);
  if (!messages.length) return;
  const said = action.status === 'executed' || action.status === 'failed'
    ? `Apollo: ${action.decidedBy} approved the action "${action.summary}" (${action.tool}); it ran and answered ${action.result?.statusCode}: ${untrusted(action.tool, action.result?.message ?? '')}`
    : `Apollo: ${action.decidedBy} ${action.status} the action "${action.summary}" (${action.tool}); it did not run${action.note ? `: ${action.note}` : ''}.`;
  await writeConversation(sessionId, [...messages, { role: 'user', content: [{ type: 'text', text: said }] }]);
}

function answerMessage(action: AiAction, statusCode: number, body: unknown, resource: NonNullable<AiAction['result']>['resource'] | undefined): NonNullable<AiAction['result']> {
  const ok = statusCode >= 200 && statusCode < 300;
  if (ok) {
    const what = resource ? `${resource.type.replace('-', ' ')} ${resource.type === 'pull-request' ? '#' : ''}${resource.id}` : 'done';
    // A production deployment waits for a second operator (the deployments' own gate): say so, not just "created".
    const answered = body as { status?: string; approval?: { required?: boolean } | null } | null;
    const waiting = answered?.status === 'awaiting_approval' || answered?.approval?.required ? '; it waits for another operator\'s approval in the Approvals inbox' : '';
    return { statusCode, ok, message: `${action.summary}: ${resource ? `${what} created` : what}${waiting}`, ...(resource ? { resource } : {}) };
  }
  const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
  return { statusCode, ok, message: error?.message ?? `the route answered ${statusCode}`, ...(error?.code ? { code: error.code } : {}) };
}

/** Runs an approved (or typed, no approval needed) action through its route as the owner. */
export async function executeAction(action: AiAction, as: { principal: string; role: Role | null }): Promise<AiAction> {
  const def = actionNamed(action.tool);
  const { api } = await aiDeps();
  let result: NonNullable<AiAction['result']>;
  if (!def || !api) {
    result = { statusCode: 503, ok: false, code: 'ServiceUnavailable', message: def ? 'this installation cannot call its own API for the AI console (APOLLO_API_FUNCTION_PREFIX is not set)' : `no action tool ${action.tool}` };
  } else {
    const { params, body } = def.request(action.arguments, action.sessionId);
    try {
      const answer = await api.call({ principal: as.principal, role: as.role, aiSessionId: action.sessionId, actionId: action.id }, { route: action.route, ...(params ? { params } : {}), body });
      const ok = answer.statusCode >= 200 && answer.statusCode < 300;
      result = answerMessage(action, answer.statusCode, answer.body, ok ? def.resource(answer.body, action.arguments) : undefined);
    } catch (error) {
      logger.error('ai action call failed', { sessionId: action.sessionId, actionId: action.id, error: error as Error });
      result = { statusCode: 502, ok: false, code: 'ActionCallFailed', message: `the call to ${action.route} failed: ${(error as Error).message}` };
    }
  }
  const done = toAction(await finish(action.sessionId, action.id, result.ok ? 'executed' : 'failed', result, action.note));
  logger.info('ai action ran', { sessionId: action.sessionId, actionId: action.id, tool: action.tool, statusCode: result.statusCode });
  return done;
}

async function visibleSession(sessionId: string, caller: ActionCaller): Promise<AiSession> {
  const session = await readSession(sessionId, true);
  if (!session || (session.owner !== caller.principal && !roleHas(caller.role, 'ai:admin'))) throw new NotFoundError(`AI session ${sessionId} not found`);
  return session;
}

async function pendingOne(sessionId: string, id: string): Promise<ActionItem> {
  const item = await readAction(sessionId, id);
  if (!item) throw new NotFoundError(`AI session ${sessionId} has no action ${id}`, { details: [{ path: '/body/actionId', message: 'not an action of this session' }] });
  return item;
}

function refuseDecided(action: AiAction): never {
  if (action.status === 'expired') throw new ConflictError(`the action "${action.summary}" expired at ${action.expiresAt} without an approval: ask for it again`, { details: [{ path: '/body/actionId', message: 'expired' }] });
  throw new ConflictError(`the action "${action.summary}" was ${action.status === 'executing' ? 'approved and is running' : action.status} (by ${action.decidedBy ?? 'nobody'} at ${action.decidedAt ?? '?'}): an approval is used once`, {
    details: [{ path: '/body/actionId', message: action.status }],
  });
}

/** The approve route: the owner or ai:admin, holding the route's permission; runs it once as the owner. */
export async function approveAction(sessionId: string, id: string, note: string | undefined, caller: ActionCaller): Promise<AiAction> {
  const session = await visibleSession(sessionId, caller);
  const item = await pendingOne(sessionId, id);
  const current = toAction(item);
  if (current.status !== 'pending') refuseDecided(current);
  if (session.status !== 'active') throw new ConflictError(`AI session ${sessionId} was terminated: its actions do not run`, { details: [{ path: '/session/status', message: 'terminated' }] });
  if (!roleHas(caller.role, current.permission as Parameters<typeof roleHas>[1])) {
    throw new ForbiddenError(`${caller.principal} (role ${caller.role ?? 'none'}) lacks ${current.permission}, which ${current.route} needs: only someone who could make this call may approve it`, {
      details: [{ path: '/permission', message: current.permission }],
    });
  }
  const consolePermission = executePermission(current.risk);
  if (!roleHas(caller.role, consolePermission)) {
    throw new ForbiddenError(`${caller.principal} (role ${caller.role ?? 'none'}) lacks ${consolePermission}, which approving a ${current.risk.replace('_', ' ')} of the AI console needs`, { details: [{ path: '/permission', message: consolePermission }] });
  }
  if ((await sandboxOf(session.owner)).enabled) {
    throw new ForbiddenError(`${session.owner} is in the AI console's sandbox (read-only): an AI admin lifts it before their session changes anything`, { details: [{ path: '/user/sandbox', message: 'enabled' }] });
  }
  const decided = await decide(sessionId, id, 'executing', caller.principal, note);
  if (!decided) refuseDecided(toAction((await readAction(sessionId, id))!));
  const runAs = { principal: session.owner, role: caller.principal === session.owner ? caller.role : decided.requestedRole };
  await postFrames(sessionId, current.turnId, [{ type: 'action', action: toAction(decided) }]).catch((error: unknown) => logger.warn('ai action frame not posted', { error: error as Error }));
  const done = await executeAction(toAction(decided), runAs);
  await announce(done);
  return done;
}

/** An action that ran, told: its result and card on the session's topic, and to the model's next turn. */
async function announce(done: AiAction): Promise<void> {
  await postFrames(done.sessionId, done.turnId, [
    { type: 'tool_result', callId: done.callId, name: done.tool, ok: done.result!.ok, size: done.result!.message.length, truncated: false, preview: done.result!.message, ...(done.result!.ok ? {} : { error: done.result!.message }) },
    { type: 'action', action: done },
  ]).catch((error: unknown) => logger.warn('ai action frames not posted', { error: error as Error }));
  await tellConversation(done.sessionId, done).catch((error: unknown) => logger.warn('ai conversation not told of the action', { error: error as Error }));
}

/**
 * Finishes the actions that began running at least `olderThanMs` ago and never ended (the `ai-sweep` job): each runs
 * again through its route as the session's owner with the same Idempotency-Key (`ai-<action id>`), so a call that
 * had gone through answers what it answered then and one that had not runs now: done once either way. Past the
 * approving Lambda's time (the sweep's `olderThanMs` is longer), the first call's idempotency record no longer
 * counts as in progress. Answers the actions it finished.
 */
export async function resumeStaleActions(olderThanMs: number, now = new Date()): Promise<AiAction[]> {
  const cutoff = new Date(now.getTime() - olderThanMs).toISOString();
  const finished: AiAction[] = [];
  let cursor: string | undefined;
  do {
    const page = await queryPage<ActionItem>({ index: 'GSI2', partition: RUNNING, sortKey: { between: ['2000', cutoff] }, limit: 50, cursor });
    for (const item of page.items) {
      const current = toAction(item);
      if (current.status !== 'executing') continue;
      const session = await readSession(current.sessionId, true);
      const note = `resumed by Apollo: its run was cut off after it began at ${current.decidedAt ?? current.createdAt}`;
      logger.warn('ai action cut off: resuming it', { sessionId: current.sessionId, actionId: current.id, tool: current.tool });
      const done = await executeAction({ ...current, note: current.note ? `${current.note}; ${note}` : note }, { principal: session?.owner ?? current.requestedBy, role: item.requestedRole });
      await announce(done);
      finished.push(done);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return finished;
}

/**
 * The kill switch ends what waits too: every pending action of a terminated session is rejected, decided by whoever
 * terminated it with a note saying so, and its card's frame posted (the panels drop their Approve buttons). Answers them.
 */
export async function rejectPendingOfTerminated(sessionId: string, by: string): Promise<AiAction[]> {
  const note = `the session was terminated by ${by}`;
  const ended: AiAction[] = [];
  for (const action of (await sessionActions(sessionId)).filter((a) => a.status === 'pending')) {
    // Undefined: decided (or lapsed) meanwhile; it is not pending any more either way.
    const decided = await decide(sessionId, action.id, 'rejected', by, note);
    if (!decided) continue;
    const done = toAction(decided);
    ended.push(done);
    await postFrames(sessionId, done.turnId, [{ type: 'action', action: done }]).catch((error: unknown) => logger.warn('ai action frame not posted', { error: error as Error }));
  }
  return ended;
}

export async function rejectAction(sessionId: string, id: string, note: string | undefined, caller: ActionCaller): Promise<AiAction> {
  await visibleSession(sessionId, caller);
  const current = toAction(await pendingOne(sessionId, id));
  if (current.status !== 'pending') refuseDecided(current);
  const decided = await decide(sessionId, id, 'rejected', caller.principal, note);
  if (!decided) refuseDecided(toAction((await readAction(sessionId, id))!));
  const done = toAction(decided);
  await postFrames(sessionId, current.turnId, [{ type: 'action', action: done }]).catch((error: unknown) => logger.warn('ai action frame not posted', { error: error as Error }));
  await tellConversation(sessionId, done).catch((error: unknown) => logger.warn('ai conversation not told of the action', { error: error as Error }));
  return done;
}

/**
 * Proposes an action, audited ahead (the ai.tool.<name> entry, on the user's behalf): no entry, no action.
 * `executing`: a typed command that needs no approval, run next by the caller.
 */
export async function proposeAction(proposal: Proposal, status: 'pending' | 'executing'): Promise<AiAction> {
  let auditId: string;
  try {
    auditId = await auditLog.recordIntent({
      actor: proposal.owner, actorType: 'ai', actorRole: proposal.role ?? undefined, action: `ai.tool.${proposal.tool}`, resourceType: 'ai-session', resourceId: proposal.sessionId,
      aiSessionId: proposal.sessionId, details: { input: proposal.arguments, risk: proposal.risk, route: proposal.route, origin: proposal.origin, approval: status === 'pending' ? 'required' : 'not required' }, requestId: proposal.callId,
    });
  } catch (error) {
    throw new ServiceUnavailableError('the audit log is unavailable, so nothing was proposed; retry shortly', { cause: error });
  }
  try {
    const action = await recordAction(proposal, status);
    await auditLog.recordOutcome(auditId, { outcome: 'succeeded', statusCode: status === 'pending' ? 202 : 200 });
    return action;
  } catch (error) {
    await auditLog.recordOutcome(auditId, { outcome: 'failed', statusCode: 500, errorCode: (error as Error).name }).catch(() => undefined);
    throw error;
  }
}
