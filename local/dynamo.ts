/**
 * DynamoDB for the local runtime: dynalite, on disk under $APOLLO_HOME (state survives a restart)
 * or in memory (tests). The table is created from the shared table design if it is missing.
 * dynalite has no transactions, TTL or streams; Apollo's code relies on none of them.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { TABLE_DESIGN } from '#shared/table-design';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;

/** What dynalite's store holds of abstract-level (its LevelDB, or memory-level in memory). */
interface LevelIterator { next(): Promise<unknown>; close(): Promise<void> }
interface LevelDb {
  keys(options?: object): LevelIterator;
  values(options?: object): LevelIterator;
  createKeyStream?: (options?: object) => Readable;
  createValueStream?: (options?: object) => Readable;
}

/** A stream of an iterator's items that closes the iterator when it ends, fails or is destroyed. */
function closingStream(iterator: LevelIterator): Readable {
  return new Readable({
    objectMode: true,
    read() {
      iterator.next().then((value) => this.push(value === undefined ? null : value), (error: Error) => this.destroy(error));
    },
    destroy(error, callback) {
      iterator.close().then(() => callback(error), () => callback(error));
    },
  });
}

/**
 * dynalite 4 reads its Queries and Scans through streams over abstract-level iterators and never closes them (it
 * calls `return()`, which those iterators lack): each stayed attached to the database with its snapshot for as long
 * as the process ran, so `npm start`'s heap and resident memory grew with every Query (found by the load scenario
 * of `npm run reliability`). Its database gets streams that close their iterator once read, failed or destroyed.
 */
export function closeIteratorsOf(db: LevelDb): void {
  db.createKeyStream = (options) => closingStream(db.keys(options));
  db.createValueStream = (options) => closingStream(db.values(options));
}

const dynaliteStore = require('dynalite/db') as { create: (options: Record<string, unknown>) => { db: LevelDb }; closesIterators?: true };
if (!dynaliteStore.closesIterators) {
  const create = dynaliteStore.create;
  dynaliteStore.create = (options) => {
    const store = create(options);
    closeIteratorsOf(store.db);
    return store;
  };
  dynaliteStore.closesIterators = true;
}

export interface LocalDynamo {
  readonly endpoint: string;
  close(): Promise<void>;
}

/** How long closing waits for the requests dynalite is serving. */
const CLOSE_DRAIN_MS = 5_000;

export async function startDynalite(home: string | undefined): Promise<LocalDynamo> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const options: Record<string, unknown> = { createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 };
  if (home) {
    const path = join(home, 'dynamodb');
    mkdirSync(path, { recursive: true });
    options.path = path;
  }
  const server = dynalite(options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  // A request dynalite has read but not yet served would reach a closed database (an uncaught
  // "Database is closed"): close waits until none is in flight (at most CLOSE_DRAIN_MS).
  let inFlight = 0;
  server.on('request', (_request: unknown, response: { once(event: 'close', listener: () => void): void }) => {
    inFlight++;
    response.once('close', () => { inFlight--; });
  });
  const http = server as unknown as { closeAllConnections?: () => void; closeIdleConnections?: () => void };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      const deadline = Date.now() + CLOSE_DRAIN_MS;
      http.closeIdleConnections?.();
      while (inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        http.closeAllConnections?.();
      });
    },
  };
}

/** A table dynalite still says is CREATING when its database is opened: see startLocalTable. */
export class HalfCreatedTableError extends Error {
  override readonly name = 'HalfCreatedTableError';
}

/** How long a new table may take to be ACTIVE (dynalite: a tick). */
const ACTIVE_WITHIN_MS = 10_000;

export async function ensureTable(endpoint: string, tableName: string, region: string): Promise<boolean> {
  const client = new DynamoDBClient({ endpoint, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const status = async () => (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table?.TableStatus;
  try {
    if ((await status()) === 'CREATING') throw new HalfCreatedTableError(`table ${tableName} is still being created: its first start was killed before it was ready`);
    return false;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) { client.destroy(); throw error; }
  }
  const keyAttrs = [TABLE_DESIGN.partitionKey, TABLE_DESIGN.sortKey, ...TABLE_DESIGN.globalSecondaryIndexes.flatMap((g) => [g.partitionKey, g.sortKey])];
  await client.send(new CreateTableCommand({
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: keyAttrs.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: TABLE_DESIGN.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE_DESIGN.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: TABLE_DESIGN.globalSecondaryIndexes.map((g) => ({
      IndexName: g.indexName,
      KeySchema: [{ AttributeName: g.partitionKey, KeyType: 'HASH' }, { AttributeName: g.sortKey, KeyType: 'RANGE' }],
      Projection: { ProjectionType: 'ALL' },
    })),
  }));
  // dynalite marks it ACTIVE a tick later: a start killed before then would leave it CREATING for good.
  const deadline = Date.now() + ACTIVE_WITHIN_MS;
  while ((await status()) !== 'ACTIVE') {
    if (Date.now() > deadline) throw new Error(`table ${tableName} was not ACTIVE within ${ACTIVE_WITHIN_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  client.destroy();
  return true;
}

/**
 * dynalite on `home` (in memory without one) with the table ready. A table still CREATING when the database is
 * opened was left so by a first start killed within moments of creating it (the database is this process's alone:
 * LevelDB locks it): no item can be written to a CREATING table, so it holds nothing, yet every later start failed
 * on it. Its database is made again.
 */
export async function startLocalTable(home: string | undefined, tableName: string, region: string): Promise<LocalDynamo> {
  const dynamo = await startDynalite(home);
  try {
    await ensureTable(dynamo.endpoint, tableName, region);
    return dynamo;
  } catch (error) {
    await dynamo.close();
    if (!(error instanceof HalfCreatedTableError) || !home) throw error;
  }
  console.warn(`[dynamodb] the table in ${join(home, 'dynamodb')} was left half-made by a start that was killed: it held nothing and is made again`);
  rmSync(join(home, 'dynamodb'), { recursive: true, force: true });
  const again = await startDynalite(home);
  await ensureTable(again.endpoint, tableName, region);
  return again;
}
