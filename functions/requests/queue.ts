/**
 * The fulfilment queue: at most APOLLO_FULFILLMENT_CONCURRENCY automated requests run their actions at once
 * (default 25), so a burst does not hammer the systems actions call; those waiting are admitted by priority
 * (high, normal, low), then by submission time. Manual requests do not take a slot (people fulfil them).
 *
 *   FULFILMENT#QUEUE / <rank>#<createdAt>#<id>   a waiting request (rank 1 high, 2 normal, 3 low)
 *   FULFILMENT#SLOTS / META                      { running }: slots taken
 *   REQ#<id> / META  slot: true                  this request holds one (released once, when it ends)
 *
 * Admission: a waiting request among the first (limit − running) entries of the queue takes a slot with a
 * conditional increment (running < limit); the machine asks again after a short Wait otherwise.
 */
import { DeleteCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, getItem, putItem, tableName, type Item } from '#lib/table';
import type { RequestRecord } from './records.ts';

const QUEUE = 'FULFILMENT#QUEUE';
const SLOTS = { PK: 'FULFILMENT#SLOTS', SK: 'META' };
const RANK = { high: 1, normal: 2, low: 3 } as const;
/** How long a waiting request waits before it asks again. */
export const QUEUE_POLL_SECONDS = 2;

export function concurrencyLimit(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.APOLLO_FULFILLMENT_CONCURRENCY;
  const limit = raw === undefined || raw === '' ? 25 : Number(raw);
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`APOLLO_FULFILLMENT_CONCURRENCY must be a whole number ≥ 1, not ${raw}`);
  return limit;
}

const queueSk = (record: Pick<RequestRecord, 'priority' | 'createdAt' | 'id'>): string => `${RANK[record.priority]}#${record.createdAt}#${record.id}`;

export async function enqueue(record: RequestRecord): Promise<void> {
  await putItem({ PK: QUEUE, SK: queueSk(record), requestId: record.id, priority: record.priority, createdAt: record.createdAt });
}

export interface Admission {
  readonly admitted: boolean;
  /** At least how many requests are ahead of this one when not admitted (-1: every slot is taken). */
  readonly ahead: number;
}

/** Takes a slot if this request is at the head of the queue and one is free; idempotent for a request holding one. */
export async function admit(record: RequestRecord, limit = concurrencyLimit()): Promise<Admission> {
  if ((record as RequestRecord & { slot?: boolean }).slot === true) return { admitted: true, ahead: 0 };
  const slots = await getItem<Item & { running?: number }>(SLOTS, { consistent: true });
  const running = slots?.running ?? 0;
  const free = Math.max(0, limit - running);
  if (free === 0) return { admitted: false, ahead: -1 };
  const head = await db.send(new QueryCommand({
    TableName: tableName(), KeyConditionExpression: 'PK = :q', ExpressionAttributeValues: { ':q': QUEUE },
    ConsistentRead: true, Limit: free, ProjectionExpression: 'requestId',
  }));
  const position = (head.Items ?? []).findIndex((i) => i.requestId === record.id);
  if (position < 0) return { admitted: false, ahead: free };
  try {
    await db.send(new UpdateCommand({
      TableName: tableName(), Key: SLOTS,
      UpdateExpression: 'SET running = if_not_exists(running, :zero) + :one',
      ConditionExpression: 'attribute_not_exists(running) OR running < :limit',
      ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':limit': limit },
    }));
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return { admitted: false, ahead: position };
    throw error;
  }
  await db.send(new UpdateCommand({ TableName: tableName(), Key: { PK: `REQ#${record.id}`, SK: 'META' }, UpdateExpression: 'SET slot = :true', ExpressionAttributeValues: { ':true': true } }));
  await db.send(new DeleteCommand({ TableName: tableName(), Key: { PK: QUEUE, SK: queueSk(record) } }));
  return { admitted: true, ahead: 0 };
}

/** Gives back the request's slot (once), and takes it out of the queue if it still waits there. */
export async function release(record: RequestRecord): Promise<void> {
  await db.send(new DeleteCommand({ TableName: tableName(), Key: { PK: QUEUE, SK: queueSk(record) } }));
  try {
    await db.send(new UpdateCommand({
      TableName: tableName(), Key: { PK: `REQ#${record.id}`, SK: 'META' },
      UpdateExpression: 'SET slot = :false', ConditionExpression: 'slot = :true',
      ExpressionAttributeValues: { ':true': true, ':false': false },
    }));
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return;
    throw error;
  }
  await db.send(new UpdateCommand({
    TableName: tableName(), Key: SLOTS,
    UpdateExpression: 'SET running = running - :one', ConditionExpression: 'running > :zero',
    ExpressionAttributeValues: { ':one': 1, ':zero': 0 },
  })).catch((error: unknown) => {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
  });
}

/**
 * The local runtime's executions do not survive a restart, so neither do the slots they held: called at
 * local start. (Marking the requests they ran as interrupted, to be retried, comes with requests part 2.)
 */
export async function resetSlots(): Promise<void> {
  await putItem({ ...SLOTS, running: 0, resetAt: new Date().toISOString() });
}
