/**
 * Access to the one Apollo table (ARCHITECTURE.md §3). Creates are conditional, updates carry a
 * `version`, expired items (TTL `expiresAt`, epoch seconds) read as absent because neither AWS
 * (lazy deletion) nor dynalite (no TTL) removes them on time. There is no Scan here on purpose.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError, PreconditionFailedError, ValidationError } from '#shared/errors';
import { config } from './config.ts';

export type Item = Record<string, unknown> & { PK: string; SK: string };
export interface Key { PK: string; SK: string }

/**
 * Each attempt is bounded: unset, the SDK waits out a hung connection for its 300 s socket default, far past
 * the API Lambdas' 10 s (API Gateway then answers 502 with no reason). A timed-out attempt is retried like a
 * throttled one (standard mode, 4 attempts), so 4 × 2 s plus the backoff still ends inside those 10 s.
 * APOLLO_DYNAMO_TIMEOUT_MS changes it: the local runtime sets a longer one (dynalite shares one process with
 * everything else on a laptop, so a slow answer there is load, not a fault); the fault scenarios set 2 s again.
 */
export const DYNAMO_REQUEST_TIMEOUT_MS = timeoutFromEnv(process.env.APOLLO_DYNAMO_TIMEOUT_MS, 2_000);
export const dynamoClient = new DynamoDBClient({
  requestHandler: { connectionTimeout: Math.max(1_000, DYNAMO_REQUEST_TIMEOUT_MS / 2), requestTimeout: DYNAMO_REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true },
});

function timeoutFromEnv(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 100 || n > 60_000) throw new Error(`APOLLO_DYNAMO_TIMEOUT_MS must be whole milliseconds from 100 to 60000, not ${value}`);
  return n;
}
export const db = DynamoDBDocumentClient.from(dynamoClient, {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
});

export const tableName = (): string => config().tableName;
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export function isExpired(item: Record<string, unknown>): boolean {
  const expiresAt = item.expiresAt;
  return typeof expiresAt === 'number' && expiresAt <= nowSeconds();
}

/** A conditional write's condition did not hold (ConditionalCheckFailedException). */
export const isConditionFailure = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';

export async function getItem<T extends Item = Item>(key: Key, options: { consistent?: boolean } = {}): Promise<T | undefined> {
  const { Item: item } = await db.send(new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: options.consistent ?? false }));
  return item && !isExpired(item) ? (item as T) : undefined;
}

/**
 * The items of many keys (absent ones left out, in no particular order): BatchGetItem, `perCall` keys a call (at
 * most 100), what DynamoDB leaves unprocessed (a response over 16 MB — dynalite's limit is 1 MB —, throttling)
 * asked again with a backoff.
 */
export async function getItems<T extends Item = Item>(keys: readonly Key[], perCall = 100): Promise<T[]> {
  const found: T[] = [];
  const size = Math.min(100, Math.max(1, perCall));
  for (let i = 0; i < keys.length; i += size) {
    let pending: Key[] = keys.slice(i, i + size);
    for (let attempt = 0; pending.length; attempt++) {
      if (attempt > 8) throw new Error(`DynamoDB left ${pending.length} keys unprocessed after 8 retries`);
      if (attempt) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      const out = await db.send(new BatchGetCommand({ RequestItems: { [tableName()]: { Keys: pending } } }));
      for (const item of out.Responses?.[tableName()] ?? []) if (!isExpired(item)) found.push(item as T);
      pending = (out.UnprocessedKeys?.[tableName()]?.Keys ?? []) as Key[];
    }
  }
  return found;
}

/** Puts an item that must not exist yet (or has expired): creates are never silent overwrites. */
export async function putNew(item: Item, conflictMessage: string): Promise<void> {
  try {
    await db.send(new PutCommand({
      TableName: tableName(),
      Item: item,
      ConditionExpression: 'attribute_not_exists(PK) OR (attribute_exists(expiresAt) AND expiresAt <= :now)',
      ExpressionAttributeValues: { ':now': nowSeconds() },
    }));
  } catch (error) {
    if (isConditionFailure(error)) throw new ConflictError(conflictMessage, { cause: error });
    throw error;
  }
}

/** Puts an item unconditionally (idempotent upserts such as memberships). */
export async function putItem(item: Item): Promise<void> {
  await db.send(new PutCommand({ TableName: tableName(), Item: item }));
}

/**
 * Optimistic update: applies `changes` only if the stored `version` equals `expectedVersion`, and
 * bumps it. `null` in changes removes the attribute. 404 if absent, 412 if the version moved.
 */
export async function updateVersioned<T extends Item>(key: Key, expectedVersion: number, changes: Record<string, unknown>): Promise<T> {
  const names: Record<string, string> = { '#version': 'version' };
  const values: Record<string, unknown> = { ':expected': expectedVersion, ':one': 1 };
  const sets = ['#version = #version + :one'];
  const removes: string[] = [];
  Object.entries(changes).forEach(([attr, value], i) => {
    if (value === undefined) return;
    names[`#a${i}`] = attr;
    if (value === null) removes.push(`#a${i}`);
    else { values[`:v${i}`] = value; sets.push(`#a${i} = :v${i}`); }
  });
  try {
    const { Attributes } = await db.send(new UpdateCommand({
      TableName: tableName(),
      Key: key,
      UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ConditionExpression: 'attribute_exists(PK) AND #version = :expected',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ReturnValues: 'ALL_NEW',
    }));
    return Attributes as T;
  } catch (error) {
    if (isConditionFailure(error)) await explainConditionFailure(key, expectedVersion, error);
    throw error;
  }
}

/** Deletes a versioned item if its version still matches. */
export async function deleteVersioned(key: Key, expectedVersion: number): Promise<void> {
  try {
    await db.send(new DeleteCommand({
      TableName: tableName(),
      Key: key,
      ConditionExpression: 'attribute_exists(PK) AND #version = :expected',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':expected': expectedVersion },
    }));
  } catch (error) {
    if (isConditionFailure(error)) await explainConditionFailure(key, expectedVersion, error);
    throw error;
  }
}

async function explainConditionFailure(key: Key, expectedVersion: number, cause: unknown): Promise<never> {
  const current = await getItem(key, { consistent: true });
  if (!current) throw new NotFoundError('not found', { cause });
  throw new PreconditionFailedError(
    `the item changed since you read it (version ${String(current.version)}, you sent ${expectedVersion}); reload and retry`,
    { cause },
  );
}

export async function deleteItem(key: Key): Promise<void> {
  await db.send(new DeleteCommand({ TableName: tableName(), Key: key }));
}

export interface Page<T> { items: T[]; nextCursor: string | null }

/** Opaque cursor: the last evaluated key, bound to the partition it came from. */
export function encodeCursor(lastKey: Record<string, unknown> | undefined): string | null {
  return lastKey ? Buffer.from(JSON.stringify(lastKey)).toString('base64url') : null;
}

export function decodeCursor(cursor: string | undefined, partition: { attr: string; value: string }): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  const valid = key !== null && typeof key === 'object' && !Array.isArray(key)
    && Object.values(key).every((v) => typeof v === 'string' || typeof v === 'number')
    && (key as Record<string, unknown>)[partition.attr] === partition.value;
  if (!valid) throw new ValidationError('invalid cursor', { details: [{ path: '/query/cursor', message: 'not a cursor this list returned' }] });
  return key as Record<string, unknown>;
}

export interface QueryPageInput {
  readonly index?: 'GSI1' | 'GSI2';
  readonly partition: string;
  /** Sort-key condition: `begins_with` a prefix, or `between` two bounds (inclusive). */
  readonly sortKey?: { beginsWith: string } | { between: [string, string] };
  readonly limit: number;
  readonly cursor?: string;
  readonly newestFirst?: boolean;
  readonly filter?: Pick<QueryCommandInput, 'FilterExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>;
  /**
   * At most this many Queries for the page (a filter that matches little would otherwise read the whole
   * partition): the page may then be short, and its cursor resumes where the reading stopped.
   */
  readonly maxReads?: number;
}

/**
 * One page of a Query. Reads until `limit` live items are found or the partition ends (or `maxReads`
 * Queries were made), so expired or filtered-out items never shorten a page into a false end. With a
 * filter each Query reads a whole page's worth: a filter that keeps a third needs a few reads, not one per missing item.
 */
export async function queryPage<T extends Item>(input: QueryPageInput): Promise<Page<T>> {
  const pk = input.index ? `${input.index}PK` : 'PK';
  const sk = input.index ? `${input.index}SK` : 'SK';
  const names: Record<string, string> = { '#pk': pk, ...input.filter?.ExpressionAttributeNames };
  const values: Record<string, unknown> = { ':pk': input.partition, ...input.filter?.ExpressionAttributeValues };
  let condition = '#pk = :pk';
  if (input.sortKey) {
    names['#sk'] = sk;
    if ('beginsWith' in input.sortKey) {
      condition += ' AND begins_with(#sk, :skp)';
      values[':skp'] = input.sortKey.beginsWith;
    } else {
      condition += ' AND #sk BETWEEN :ska AND :skb';
      [values[':ska'], values[':skb']] = input.sortKey.between;
    }
  }
  const items: T[] = [];
  let startKey = decodeCursor(input.cursor, { attr: pk, value: input.partition });
  let reads = 0;
  do {
    reads++;
    // One item more than the page needs: a page that ends exactly at the partition's end then
    // answers no cursor, instead of a cursor to an empty page.
    const out = await db.send(new QueryCommand({
      TableName: tableName(),
      IndexName: input.index,
      KeyConditionExpression: condition,
      FilterExpression: input.filter?.FilterExpression,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ExclusiveStartKey: startKey,
      ScanIndexForward: !input.newestFirst,
      Limit: input.filter ? input.limit + 1 : input.limit - items.length + 1,
    }));
    for (const item of out.Items ?? []) if (!isExpired(item)) items.push(item as T);
    startKey = out.LastEvaluatedKey;
  } while (startKey && items.length < input.limit && (input.maxReads === undefined || reads < input.maxReads));
  if (items.length > input.limit) {
    items.length = input.limit;
    const last = items[input.limit - 1]!;
    startKey = input.index ? { PK: last.PK, SK: last.SK, [pk]: last[pk], [sk]: last[sk] } : { PK: last.PK, SK: last.SK };
  }
  return { items, nextCursor: encodeCursor(startKey) };
}

/**
 * Every item of a bounded item collection (a team's members, a detail page). A collection larger
 * than `max` is an error, never a silent truncation: page with queryPage instead.
 */
export async function queryAll<T extends Item>(input: Omit<QueryPageInput, 'limit' | 'cursor'>, max = 1000): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await queryPage<T>({ ...input, limit: Math.min(200, max + 1 - all.length), cursor });
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && all.length <= max);
  if (all.length > max) throw new Error(`item collection ${input.partition} has more than ${max} items; page through it instead`);
  return all;
}
