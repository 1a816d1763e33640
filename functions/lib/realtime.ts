/**
 * Realtime publishing (ARCHITECTURE.md §5), used by every context: `publish(topic, event, data)`
 * reads the topic's subscribers (one Query on GSI1 `TOPIC#<topic>`) and posts the frame to each
 * through the WebSocket API's `@connections` endpoint. A connection that is gone (410) is
 * forgotten. Frames over 32 KB travel as `chunk` frames (shared/realtime-client.ts reassembles
 * them). Publishing never fails the caller: errors are logged, not thrown.
 *
 * Keys (ARCHITECTURE.md §3, ws connection): `CONN#<id>` / `META` for the connection,
 * `CONN#<id>` / `TOPIC#<topic>` with GSI1 `TOPIC#<topic>` / `CONN#<id>` for each subscription.
 */
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulidx';
import type { RealtimeFrame } from '#schemas/index.ts';
import { REALTIME_ENDPOINT_ENV } from '#shared/topics';
import { config } from './config.ts';
import { logger } from './observability.ts';
import { db, queryPage, type Item } from './table.ts';

/** API Gateway's WebSocket frame limit, in UTF-8 bytes. */
export const MAX_FRAME_BYTES = 32 * 1024;
/** A frame whose JSON is larger than this is not sent at all (32 chunks): publish ids, not documents. */
export const MAX_CHUNKED_BYTES = 1024 * 1024;
/** Posts in flight at once for one publish. */
export const POST_CONCURRENCY = 8;
/** API Gateway closes every connection after 2 hours; its items outlive that by a margin, then read as absent. */
export const CONNECTION_TTL_SECONDS = 2 * 3600 + 5 * 60;

export const connectionPartition = (connectionId: string): string => `CONN#${connectionId}`;
export const topicPartition = (topic: string): string => `TOPIC#${topic}`;

/** An event's data: a JSON object (an entity as its API returns it, or ids). */
export type EventData = object;

const ulid = monotonicFactory();

// ---------------------------------------------------------------- the @connections client

let management: { endpoint: string; client: ApiGatewayManagementApiClient } | undefined;
let toldUnset = false;

/**
 * One client per container. Made on first use rather than at import: the local runtime learns its
 * port (and so the endpoint) only after handlers may already have been imported.
 */
function managementClient(): ApiGatewayManagementApiClient | undefined {
  const endpoint = process.env[REALTIME_ENDPOINT_ENV];
  if (!endpoint) {
    if (!toldUnset) logger.debug(`realtime publishing is off: ${REALTIME_ENDPOINT_ENV} is not set`);
    toldUnset = true;
    return undefined;
  }
  if (management?.endpoint !== endpoint) {
    management = { endpoint, client: new ApiGatewayManagementApiClient({ endpoint, region: config().region, maxAttempts: 2 }) };
  }
  return management.client;
}

// ---------------------------------------------------------------- frames and chunks

/** Bytes `ch` (one code point) takes inside a JSON string, at most. */
function escapedBytes(ch: string): number {
  const cp = ch.codePointAt(0)!;
  if (ch === '"' || ch === '\\') return 2;
  if (cp < 0x20) return 6;
  if (cp < 0x80) return 1;
  if (cp < 0x800) return 2;
  if (cp >= 0xd800 && cp <= 0xdfff) return 6; // a lone surrogate is escaped as \udxxx
  return cp < 0x10000 ? 3 : 4;
}

/**
 * The texts to post for one frame: the frame's JSON when it fits in 32 KB, otherwise `chunk`
 * frames, each at most 32 KB, whose `data` slices joined in `seq` order are the frame's JSON.
 * Slices never split a code point.
 */
export function encodeFrame(frame: RealtimeFrame, maxBytes = MAX_FRAME_BYTES): string[] {
  const text = JSON.stringify(frame);
  if (Buffer.byteLength(text) <= maxBytes) return [text];
  const id = ulid();
  const envelope = Buffer.byteLength(JSON.stringify({ type: 'chunk', id, seq: 99_999, total: 99_999, data: '' }));
  const budget = maxBytes - envelope;
  const slices: string[] = [];
  let current = '';
  let size = 0;
  for (const ch of text) {
    const bytes = escapedBytes(ch);
    if (size + bytes > budget) {
      slices.push(current);
      current = '';
      size = 0;
    }
    current += ch;
    size += bytes;
  }
  if (current) slices.push(current);
  return slices.map((data, seq) => JSON.stringify({ type: 'chunk', id, seq, total: slices.length, data } satisfies RealtimeFrame));
}

// ---------------------------------------------------------------- connections

const isGone = (error: unknown): boolean =>
  (error as { name?: string }).name === 'GoneException' || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 410;

/** Deletes every item of a connection (its META and subscriptions): one Query on its partition, then deletes. */
export async function forgetConnection(connectionId: string): Promise<number> {
  const keys: Array<{ PK: string; SK: string }> = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db.send(new QueryCommand({
      TableName: config().tableName,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': connectionPartition(connectionId) },
      ProjectionExpression: 'PK, SK',
      ExclusiveStartKey: start,
    }));
    for (const item of out.Items ?? []) keys.push({ PK: String(item.PK), SK: String(item.SK) });
    start = out.LastEvaluatedKey;
  } while (start);
  // Expired items included: dynalite has no TTL, and AWS deletes them lazily.
  await Promise.all(keys.map((Key) => db.send(new DeleteCommand({ TableName: config().tableName, Key }))));
  return keys.length;
}

export type PostResult = 'sent' | 'gone' | 'failed' | 'off';

async function postTexts(client: ApiGatewayManagementApiClient, connectionId: string, texts: readonly string[]): Promise<PostResult> {
  try {
    for (const text of texts) await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: text }));
    return 'sent';
  } catch (error) {
    if (isGone(error)) {
      logger.info('realtime connection gone; forgetting it', { connectionId });
      await forgetConnection(connectionId).catch((e: unknown) => logger.warn('gone connection not forgotten', { connectionId, error: e as Error }));
      return 'gone';
    }
    logger.warn('realtime post failed', { connectionId, error: error as Error });
    return 'failed';
  }
}

/** Encodes a frame for posting, or undefined (logged) when it is too large to send at all. */
function encodeForPost(frame: RealtimeFrame): string[] | undefined {
  const texts = encodeFrame(frame);
  const bytes = texts.reduce((sum, t) => sum + Buffer.byteLength(t), 0);
  if (bytes > MAX_CHUNKED_BYTES) {
    logger.error('realtime frame too large; not sent', { bytes, frameType: frame.type, ...('topic' in frame ? { topic: frame.topic } : {}) });
    return undefined;
  }
  return texts;
}

/** Sends one frame to one connection (the realtime Lambda's replies). Never throws. */
export async function sendFrame(connectionId: string, frame: RealtimeFrame): Promise<PostResult> {
  const client = managementClient();
  if (!client) return 'off';
  const texts = encodeForPost(frame);
  if (!texts) return 'failed';
  return postTexts(client, connectionId, texts);
}

// ---------------------------------------------------------------- publishing

/** The live subscribers' connection ids of a topic (paginated, expired subscriptions left out). */
export async function subscribersOf(topic: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await queryPage<Item>({ index: 'GSI1', partition: topicPartition(topic), limit: 200, cursor });
    for (const item of page.items) ids.push(item.PK.slice('CONN#'.length));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return ids;
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function eachBounded<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** A topic's audience: its subscribers read once, then any number of events sent to them in order. */
export interface Audience {
  /** Resolves when the event has been posted (or failed, logged). Never rejects. */
  send(event: string, data: EventData): Promise<void>;
}

/**
 * An audience for `topic`. The subscribers are read (one Query) on the first `send` and reused by
 * later sends, so a mutation that publishes twice (an audit intent, then its outcome) pays one Query.
 * Sends are delivered in the order they were made.
 */
export function audience(topic: string): Audience {
  const client = managementClient();
  if (!client) return { send: async () => undefined };
  let subscribers: Promise<string[]> | undefined;
  const gone = new Set<string>();
  let last: Promise<void> = Promise.resolve();
  return {
    send(event, data) {
      subscribers ??= subscribersOf(topic).catch((error: unknown) => {
        logger.warn('realtime subscribers not read', { topic, error: error as Error });
        return [];
      });
      const frame: RealtimeFrame = { type: 'event', topic, event, data: data as Record<string, unknown>, at: new Date().toISOString() };
      last = last.then(async () => {
        const ids = (await subscribers!).filter((id) => !gone.has(id));
        if (!ids.length) return;
        const texts = encodeForPost(frame);
        if (!texts) return;
        await eachBounded(ids, POST_CONCURRENCY, async (id) => {
          if ((await postTexts(client, id, texts)) === 'gone') gone.add(id);
        });
      }).catch((error: unknown) => logger.warn('realtime publish failed', { topic, event, error: error as Error }));
      return last;
    },
  };
}

/** Publishes one event to every subscriber of `topic`. Never throws; resolves once posted. */
export async function publish(topic: string, event: string, data: EventData): Promise<void> {
  await audience(topic).send(event, data);
}
