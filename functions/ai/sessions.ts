/**
 * AI sessions (the routes): open one about a service, an environment or an incident; read yours (ai:admin:
 * anyone's); send a message (202: its turn runs asynchronously and streams on `ai:<id>`); terminate (the owner,
 * or ai:admin for anyone's: the kill switch, which also rejects the actions still waiting for a click).
 */
import type { AiMessageAccepted, AiReplay, AiSession, AiSessionCreate, AiSessionDetail, AiSessionList, AiSessionOutcome } from '#schemas/index.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '#shared/errors';
import { roleHas, type Role } from '#shared/permissions';
import { catalogSnapshot } from '#functions/services/public';
import { logger } from '#lib/observability';
import { aiDeps } from './deps.ts';
import { rejectPendingOfTerminated, sessionActions, settlePendingCount } from './approvals.ts';
import { dispatchTurn } from './dispatch.ts';
import {
  beginTurn, insertSession, keepFrame, listSessions, markTerminated, newId, noteCommand, putTurn, readSession, requireSession, saveOutcome, saveToolAllowlist, transcript,
} from './records.ts';
import { AI_FRAME, AI_TOPIC } from './stream.ts';
import { abortLocalTurn } from './turn.ts';
import { requireBudget, takeTurnAllowance } from './users.ts';
import { publish } from '#lib/realtime';

export interface AiCaller {
  readonly principal: string;
  readonly role: Role | null;
}

/** Seqs a turn reserves when it starts (the user's frame is the first). */
const TURN_SEQS = 200;

const isAdmin = (caller: AiCaller) => roleHas(caller.role, 'ai:admin');

/** Yours, or anyone's for ai:admin; else 404 (its existence is the owner's too). */
async function visible(id: string, caller: AiCaller, consistent = false): Promise<AiSession> {
  const session = await readSession(id, consistent);
  if (!session || (session.owner !== caller.principal && !isAdmin(caller))) throw new NotFoundError(`AI session ${id} not found`);
  return session;
}

async function titleOf(target: AiSessionCreate['target'] & object): Promise<string> {
  if (target.incidentId) {
    const { requireIncident } = await import('#functions/incidents/public');
    return `incident: ${(await requireIncident(target.incidentId)).title}`.slice(0, 200);
  }
  if (target.service) return `${target.service}${target.environment ? ` in ${target.environment}` : ''}`;
  if (target.environment) return `environment ${target.environment}`;
  return 'a new session';
}

export async function createSession(body: AiSessionCreate, caller: AiCaller): Promise<AiSession> {
  const target = body.target ?? {};
  if (target.service) {
    const service = (await catalogSnapshot()).get(target.service);
    if (!service || service.deregisteredAt) throw new ValidationError(`no service ${target.service} in the catalog`, { details: [{ path: '/body/target/service', message: 'not a registered service' }] });
    if (target.environment && !Object.keys(service.envs).includes(target.environment)) {
      throw new ValidationError(`${target.service} has no environment ${target.environment}`, { details: [{ path: '/body/target/environment', message: `one of ${Object.keys(service.envs).join(', ') || 'none'}` }] });
    }
  }
  const { model } = await aiDeps();
  const now = new Date().toISOString();
  const session: AiSession = {
    id: newId(), owner: caller.principal, status: 'active', target, title: body.title ?? await titleOf(target),
    turn: { status: 'idle', turnId: null, startedAt: null },
    model: model ? model.modelFor(undefined) : null, modelSource: model ? model.source : null,
    usage: { inputTokens: 0, outputTokens: 0, turns: 0, toolCalls: 0, costUsd: 0 },
    createdAt: now, updatedAt: now, terminatedAt: null, terminatedBy: null, lastSeq: -1, outcome: null,
  };
  await insertSession(session);
  return session;
}

export async function listMine(caller: AiCaller, limit: number, cursor?: string): Promise<AiSessionList> {
  return listSessions(caller.principal, limit, cursor);
}

export async function listActive(limit: number, cursor?: string): Promise<AiSessionList> {
  return listSessions(undefined, limit, cursor);
}

export async function sessionDetail(id: string, caller: AiCaller): Promise<AiSessionDetail> {
  const session = await visible(id, caller, true);
  const [frames, actions] = await Promise.all([transcript(id), sessionActions(id)]);
  const pendingActions = actions.filter((a) => a.status === 'pending').length;
  // The lists read the count kept on the session; an action that expired unseen is set right here.
  if ((session.pendingActions ?? 0) !== pendingActions) await settlePendingCount(id, pendingActions).catch(() => undefined);
  return { ...session, transcript: frames, actions, pendingActions };
}

/** The owner's message: its turn is dispatched; 202 with where it starts. */
export async function sendMessage(id: string, text: string, caller: AiCaller): Promise<AiMessageAccepted> {
  const session = await visible(id, caller, true);
  if (session.owner !== caller.principal) throw new ForbiddenError(`AI session ${id} is ${session.owner}'s: only its owner talks in it`);
  await takeTurnAllowance(caller.principal);
  const { parseCommand: parse } = await aiDeps();
  // A built-in command needs no tokens for its plan: it runs with the budget spent (the model's part is skipped).
  const command = parse(text);
  if (!(command && 'command' in command)) await requireBudget(session, caller.principal);
  const turnId = newId();
  const now = new Date().toISOString();
  const { firstSeq } = await beginTurn(id, turnId, TURN_SEQS, now);
  const { parseCommand } = await aiDeps();
  const parsed = parseCommand(text);
  await keepFrame(id, { type: 'user', turnId, seq: firstSeq, at: now, text, by: caller.principal });
  await publish(AI_TOPIC(id), AI_FRAME, { type: 'user', turnId, seq: firstSeq, at: now, text, by: caller.principal });
  await putTurn({ sessionId: id, turnId, text, role: caller.role, firstSeq: firstSeq + 1, reservedThrough: firstSeq + TURN_SEQS - 1 });
  await noteCommand(id, parsed && 'command' in parsed ? parsed.command.name : 'question');
  await dispatchTurn(`${id}/${turnId}`);
  return { sessionId: id, turnId, seq: firstSeq, ...(parsed && 'command' in parsed ? { command: parsed.command.name } : {}) };
}

/**
 * The kill switch: the owner's, or anyone's for ai:admin. Its pending actions are rejected (they never run). A
 * terminated session answers as it is (anything still pending then ends too).
 */
export async function terminateSession(id: string, caller: AiCaller): Promise<AiSession> {
  const session = await visible(id, caller, true);
  if (session.status !== 'active') {
    if (!session.pendingActions) return session;
    await rejectPendingOfTerminated(id, session.terminatedBy ?? caller.principal);
    return requireSession(id, true);
  }
  const now = new Date().toISOString();
  const ended = await markTerminated(id, caller.principal, now);
  if (!ended) return requireSession(id, true);
  // Here at once; a turn running elsewhere sees it at its next poll (APOLLO_AI_KILL_POLL_MS).
  abortLocalTurn(id);
  const frame = { type: 'terminated' as const, turnId: session.turn.turnId ?? 'none', seq: ended.seq, at: now, by: caller.principal };
  await keepFrame(id, frame);
  await publish(AI_TOPIC(id), AI_FRAME, frame);
  // Nothing is proposed once it is terminated (approvals.ts), so what waits now is all there is to end.
  const rejected = await rejectPendingOfTerminated(id, caller.principal);
  logger.info('ai session terminated', { sessionId: id, by: caller.principal, turnRunning: session.turn.status === 'running', pendingRejected: rejected.length });
  return rejected.length ? requireSession(id, true) : ended.session;
}

/** The owner says how it ended (again: replaces it). Terminated sessions too: ending is often how they end. */
export async function setOutcome(id: string, body: AiSessionOutcome, caller: AiCaller): Promise<AiSession> {
  const session = await visible(id, caller, true);
  if (session.owner !== caller.principal) throw new ForbiddenError(`AI session ${id} is ${session.owner}'s: only its owner says how it ended`);
  const outcome = { value: body.outcome, ...(body.note ? { note: body.note } : {}), setAt: new Date().toISOString(), setBy: caller.principal };
  return saveOutcome(id, outcome);
}

/** The owner limits the model to some read tools (null: all the role allows); a change is never allowlisted. */
export async function setToolAllowlist(id: string, allow: readonly string[] | null, caller: AiCaller): Promise<AiSession> {
  const session = await visible(id, caller, true);
  if (session.owner !== caller.principal) throw new ForbiddenError(`AI session ${id} is ${session.owner}'s: only its owner sets its tools`);
  if (allow) {
    const { tools, actions } = await aiDeps();
    const details = allow.flatMap((name, index) => {
      if (actions.some((a) => a.name === name)) return [{ path: `/body/allow/${index}`, message: `${name} changes things: a change is never allowlisted, each one waits for its approval` }];
      return tools.some((t) => t.name === name) ? [] : [{ path: `/body/allow/${index}`, message: `no read tool ${name} (one of ${tools.map((t) => t.name).join(', ')})` }];
    });
    if (details.length) throw new ValidationError(`only read tools can be allowed: ${details.map((d) => d.message).join('; ')}`, { details });
  }
  return saveToolAllowlist(id, allow ? [...allow].sort() : null);
}

/**
 * The replay: what was asked and what the model answered, every tool call with its result, and each decision on a change (approved by whom,
 * rejected, or run as typed with no approval needed), in order; and the actions as they stand (an expired one reads
 * expired). The owner's; anyone's with audit:read.
 */
export async function sessionReplay(id: string, caller: AiCaller): Promise<AiReplay> {
  const session = await readSession(id, true);
  if (!session || (session.owner !== caller.principal && !roleHas(caller.role, 'audit:read'))) throw new NotFoundError(`AI session ${id} not found`);
  const items: AiReplay['items'] = [];
  const [frames, actions] = await Promise.all([transcript(id), sessionActions(id)]);
  for (const frame of frames) {
    const base = { seq: frame.seq, at: frame.at ?? session.createdAt, turnId: frame.turnId };
    if (frame.type === 'user') items.push({ ...base, kind: 'message', text: frame.text, ...(frame.by ? { by: frame.by } : {}) });
    // The model's words, each block whole (kept when it ended; the streamed pieces are not kept).
    else if (frame.type === 'text') items.push({ ...base, kind: 'answer', text: frame.text });
    else if (frame.type === 'tool_call') items.push({ ...base, kind: 'tool_call', callId: frame.callId, name: frame.name, arguments: frame.arguments, risk: frame.risk, status: frame.status, ...(frame.reason ? { reason: frame.reason } : {}) });
    else if (frame.type === 'tool_result') items.push({ ...base, kind: 'tool_result', callId: frame.callId, name: frame.name, ok: frame.ok, size: frame.size, truncated: frame.truncated, preview: frame.preview, ...(frame.error ? { error: frame.error } : {}) });
    // A decision: the action's tool_call said it waits, its tool_result says what the route answered.
    else if (frame.type === 'action' && (frame.action.status === 'executing' || frame.action.status === 'rejected')) {
      const { action } = frame;
      const status = action.status === 'rejected' ? 'rejected' : action.decidedBy ? 'approved' : 'approval_not_required';
      items.push({
        ...base, kind: 'action', actionId: action.id, callId: action.callId, name: action.tool, summary: action.summary, status, decidedAt: action.decidedAt,
        ...(action.decidedBy ? { by: action.decidedBy } : {}), ...(action.note ? { note: action.note } : {}),
      });
    }
  }
  return { session, items, actions };
}
