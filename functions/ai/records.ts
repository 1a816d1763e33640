/**
 * AI sessions in the table (ARCHITECTURE.md §3):
 *
 *   AI#<id> / META            the session   GSI1 AIUSER#<owner> / <createdAt>#<id>   GSI2 AISTATUS#<status> / <createdAt>#<id>
 *   AI#<id> / FRAME#<seq>     a kept frame of its transcript (text joined per block), in seq order
 *   AI#<id> / CONV            the conversation as the model is sent it (messages), rewritten at each turn's end
 *   AITURNS / <startedAt>#<id>#<turnId>   a turn begun (TTL a day): what the ai-sweep job reads, once each, to find
 *                             a turn its Lambda never ended without reading every session
 *
 * `lastSeq` on META is the seq counter: a turn reserves a block of seqs with one atomic ADD, so frames written
 * by the turn and by a terminate from elsewhere never share a seq.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulidx';
import type { AiFrame, AiSession } from '#schemas/index.ts';
import { ConflictError, NotFoundError } from '#shared/errors';
import { db, getItem, putItem, putNew, queryAll, queryPage, tableName, type Item, type Page } from '#lib/table';
import type { MessageParam } from './ports.ts';

export const newId = monotonicFactory();
type SessionItem = Item & AiSession;

const key = (id: string, SK = 'META') => ({ PK: `AI#${id}`, SK });
const frameSk = (seq: number) => `FRAME#${String(seq).padStart(9, '0')}`;

function toSession(item: SessionItem): AiSession {
  const { PK: _p, SK: _s, GSI1PK: _g1, GSI1SK: _g1s, GSI2PK: _g2, GSI2SK: _g2s, ...session } = item;
  // Sessions kept before outcomes existed read as not said yet; commands are a string set in the table.
  const commands = (session as { commands?: Iterable<string> }).commands;
  const { actionCount: _a, shortTokens: _short, ...rest } = session as typeof session & { actionCount?: number; shortTokens?: number };
  return { ...rest, usage: { ...rest.usage, costUsd: rest.usage.costUsd ?? 0 }, outcome: session.outcome ?? null, ...(commands ? { commands: [...commands].sort() } : {}) } as AiSession;
}

/** Notes a command (or `question`) run in a session, for the resolution rate per command. */
export async function noteCommand(id: string, command: string): Promise<void> {
  await db.send(new UpdateCommand({
    TableName: tableName(), Key: key(id), UpdateExpression: 'ADD commands :c', ConditionExpression: 'attribute_exists(PK)',
    ExpressionAttributeValues: { ':c': new Set([command]) },
  }));
}

/** Every session created in [from, to), active or terminated (one index Query each). */
export async function sessionsCreated(from: string, to: string, max = 10_000): Promise<AiSession[]> {
  const read = (status: string) => queryAll<SessionItem>({ index: 'GSI2', partition: `AISTATUS#${status}`, sortKey: { between: [from, to] } }, max);
  const [active, terminated] = await Promise.all([read('active'), read('terminated')]);
  return [...active, ...terminated].map(toSession);
}

export async function saveOutcome(id: string, outcome: NonNullable<AiSession['outcome']>): Promise<AiSession> {
  const { Attributes } = await db.send(new UpdateCommand({
    TableName: tableName(), Key: key(id),
    UpdateExpression: 'SET outcome = :outcome, updatedAt = :now',
    ConditionExpression: 'attribute_exists(PK)',
    ExpressionAttributeValues: { ':outcome': outcome, ':now': outcome.setAt },
    ReturnValues: 'ALL_NEW',
  }));
  return toSession(Attributes as SessionItem);
}

export async function insertSession(session: AiSession): Promise<void> {
  const sort = `${session.createdAt}#${session.id}`;
  await putNew({ ...key(session.id), ...session, GSI1PK: `AIUSER#${session.owner}`, GSI1SK: sort, GSI2PK: `AISTATUS#${session.status}`, GSI2SK: sort }, `AI session ${session.id} exists`);
}

export async function readSession(id: string, consistent = false): Promise<AiSession | undefined> {
  const item = await getItem<SessionItem>(key(id), { consistent });
  return item && toSession(item);
}

export async function requireSession(id: string, consistent = false): Promise<AiSession> {
  const session = await readSession(id, consistent);
  if (!session) throw new NotFoundError(`AI session ${id} not found`);
  return session;
}

/** A turn stopped before asking the model: the session's budget could not pay the message's `tokens` (users.ts). */
export async function noteSessionShort(id: string, tokens: number): Promise<void> {
  await db.send(new UpdateCommand({
    TableName: tableName(), Key: key(id), UpdateExpression: 'SET shortTokens = :t', ConditionExpression: 'attribute_exists(PK)', ExpressionAttributeValues: { ':t': tokens },
  }));
}

/** The tokens the session's last turn stopped before asking for, if one did. */
export async function sessionShortTokens(id: string): Promise<number | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: tableName(), Key: key(id), ConsistentRead: true, ProjectionExpression: 'shortTokens' }));
  return typeof Item?.shortTokens === 'number' ? Item.shortTokens : undefined;
}

/** Just the status, strongly read: the running turn's kill-switch poll. */
export async function sessionStatus(id: string): Promise<AiSession['status'] | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: tableName(), Key: key(id), ConsistentRead: true, ProjectionExpression: '#s', ExpressionAttributeNames: { '#s': 'status' } }));
  return Item?.status as AiSession['status'] | undefined;
}

export async function listSessions(owner: string | undefined, limit: number, cursor?: string): Promise<Page<AiSession>> {
  const page = await queryPage<SessionItem>({
    index: owner ? 'GSI1' : 'GSI2', partition: owner ? `AIUSER#${owner}` : 'AISTATUS#active', limit, newestFirst: true, ...(cursor ? { cursor } : {}),
  });
  return { items: page.items.map(toSession), nextCursor: page.nextCursor };
}

/**
 * Starts a turn: the session must be active and idle. Reserves `count` seqs; answers the first one and the
 * session as it now is. 409 when a turn runs or the session is terminated.
 */
export async function beginTurn(id: string, turnId: string, count: number, now: string): Promise<{ firstSeq: number; session: AiSession }> {
  // First the mark the sweep reads (one that outlives a refused begin finds an idle session: nothing to end).
  await putItem({ ...turnMarkKey(now, id, turnId), sessionId: id, turnId, expiresAt: Math.floor(Date.parse(now) / 1000) + 86_400 });
  try {
    const { Attributes } = await db.send(new UpdateCommand({
      TableName: tableName(), Key: key(id),
      UpdateExpression: 'SET #turn = :turn, updatedAt = :now ADD lastSeq :n',
      ConditionExpression: 'attribute_exists(PK) AND #status = :active AND #turn.#ts = :idle',
      ExpressionAttributeNames: { '#turn': 'turn', '#status': 'status', '#ts': 'status' },
      ExpressionAttributeValues: { ':turn': { status: 'running', turnId, startedAt: now }, ':now': now, ':n': count, ':active': 'active', ':idle': 'idle' },
      ReturnValues: 'ALL_NEW',
    }));
    const session = toSession(Attributes as SessionItem);
    return { firstSeq: session.lastSeq - count + 1, session };
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    const current = await requireSession(id, true);
    if (current.status !== 'active') {
      throw new ConflictError(`AI session ${id} was terminated${current.terminatedBy ? ` by ${current.terminatedBy}` : ''}: it takes no more messages`, { details: [{ path: '/session/status', message: 'terminated' }] });
    }
    throw new ConflictError(`AI session ${id} is answering (turn ${current.turn.turnId}): wait for it to end, or terminate the session`, { details: [{ path: '/session/turn', message: 'running' }] });
  }
}

const TURNS = 'AITURNS';
const turnMarkKey = (startedAt: string, id: string, turnId: string) => ({ PK: TURNS, SK: `${startedAt}#${id}#${turnId}` });

/** The turns begun after `after` and at or before `until` (ISO times), oldest first: a page of their marks. */
export async function turnsBegun(after: string, until: string, cursor?: string): Promise<Page<{ sessionId: string; turnId: string; startedAt: string }>> {
  const page = await queryPage<Item & { sessionId: string; turnId: string }>({ partition: TURNS, sortKey: { between: [`${after}#~`, `${until}#~`] }, limit: 200, cursor });
  return { items: page.items.map((i) => ({ sessionId: i.sessionId, turnId: i.turnId, startedAt: String(i.SK).slice(0, 24) })), nextCursor: page.nextCursor };
}

/** More seqs for a running turn (a long one). Answers the first. */
export async function reserveSeqs(id: string, count: number): Promise<number> {
  const { Attributes } = await db.send(new UpdateCommand({
    TableName: tableName(), Key: key(id), UpdateExpression: 'ADD lastSeq :n', ExpressionAttributeValues: { ':n': count }, ReturnValues: 'UPDATED_NEW',
  }));
  return Number(Attributes?.lastSeq) - count + 1;
}

/** Ends a turn: idle again, usage added. */
export async function endTurn(id: string, turnId: string, usage: { inputTokens: number; outputTokens: number; toolCalls: number; costUsd: number }, now: string): Promise<AiSession | undefined> {
  try {
    const { Attributes } = await db.send(new UpdateCommand({
      TableName: tableName(), Key: key(id),
      UpdateExpression: 'SET #turn = :idle, updatedAt = :now, #usage.inputTokens = #usage.inputTokens + :in, #usage.outputTokens = #usage.outputTokens + :out, #usage.toolCalls = #usage.toolCalls + :tools, #usage.turns = #usage.turns + :one, #usage.costUsd = if_not_exists(#usage.costUsd, :zero) + :cost',
      ConditionExpression: '#turn.turnId = :turnId',
      ExpressionAttributeNames: { '#turn': 'turn', '#usage': 'usage' },
      ExpressionAttributeValues: { ':idle': { status: 'idle', turnId: null, startedAt: null }, ':now': now, ':in': usage.inputTokens, ':out': usage.outputTokens, ':tools': usage.toolCalls, ':one': 1, ':turnId': turnId, ':zero': 0, ':cost': usage.costUsd },
      ReturnValues: 'ALL_NEW',
    }));
    return toSession(Attributes as SessionItem);
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return undefined;
    throw error;
  }
}

/** The read tools the owner allows the model in this session (null: all the role allows). */
export async function saveToolAllowlist(id: string, allow: readonly string[] | null): Promise<AiSession> {
  const { Attributes } = await db.send(new UpdateCommand({
    TableName: tableName(), Key: key(id), UpdateExpression: 'SET toolAllowlist = :allow, updatedAt = :now', ConditionExpression: 'attribute_exists(PK)',
    ExpressionAttributeValues: { ':allow': allow, ':now': new Date().toISOString() }, ReturnValues: 'ALL_NEW',
  }));
  return toSession(Attributes as SessionItem);
}

/** Terminates: status and who; the status index follows. False when it was terminated already. */
export async function markTerminated(id: string, by: string, now: string): Promise<{ session: AiSession; seq: number } | undefined> {
  try {
    const { Attributes } = await db.send(new UpdateCommand({
      TableName: tableName(), Key: key(id),
      UpdateExpression: 'SET #status = :terminated, terminatedAt = :now, terminatedBy = :by, updatedAt = :now, GSI2PK = :gsi ADD lastSeq :one',
      ConditionExpression: 'attribute_exists(PK) AND #status = :active',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':terminated': 'terminated', ':now': now, ':by': by, ':gsi': 'AISTATUS#terminated', ':active': 'active', ':one': 1 },
      ReturnValues: 'ALL_NEW',
    }));
    const session = toSession(Attributes as SessionItem);
    return { session, seq: session.lastSeq };
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return undefined;
    throw error;
  }
}

export async function keepFrame(sessionId: string, frame: AiFrame): Promise<void> {
  await putItem({ ...key(sessionId, frameSk(frame.seq)), frame });
}

export async function transcript(sessionId: string): Promise<AiFrame[]> {
  const items = await queryAll<Item & { frame: AiFrame }>({ partition: `AI#${sessionId}`, sortKey: { beginsWith: 'FRAME#' } }, 20_000);
  return items.map((i) => i.frame);
}

export async function readConversation(sessionId: string): Promise<MessageParam[]> {
  return (await getItem<Item & { messages: MessageParam[] }>(key(sessionId, 'CONV'), { consistent: true }))?.messages ?? [];
}

export async function writeConversation(sessionId: string, messages: readonly MessageParam[]): Promise<void> {
  await putItem({ ...key(sessionId, 'CONV'), messages });
}

/** What a dispatched turn needs (the dispatch carries only `<sessionId>/<turnId>`). Kept a day. */
export interface TurnItem {
  readonly sessionId: string;
  readonly turnId: string;
  readonly text: string;
  readonly role: string | null;
  readonly firstSeq: number;
  readonly reservedThrough: number;
}

export async function putTurn(turn: TurnItem): Promise<void> {
  await putNew({ ...key(turn.sessionId, `TURN#${turn.turnId}`), ...turn, expiresAt: Math.floor(Date.now() / 1000) + 86_400 }, `turn ${turn.turnId} exists`);
}

export async function readTurn(sessionId: string, turnId: string): Promise<TurnItem | undefined> {
  const item = await getItem<Item & TurnItem>(key(sessionId, `TURN#${turnId}`), { consistent: true });
  if (!item) return undefined;
  const { PK: _p, SK: _s, expiresAt: _e, ...turn } = item;
  return turn as TurnItem;
}
