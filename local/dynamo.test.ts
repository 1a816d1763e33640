/**
 * The local DynamoDB (dynalite) closes the LevelDB iterators its Queries read: an iterator left open stays attached
 * to the database with its snapshot, and `npm start`'s memory grew with every Query (found by the load scenario of
 * `npm run reliability`: +54 MB of heap in two minutes of a few signed clients).
 */
import { createRequire } from 'node:module';
import { DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureTable, startDynalite, type LocalDynamo } from './dynamo.ts';

interface Iterator { next(): Promise<unknown> }
interface Store { db: { keys(o?: object): Iterator; values(o?: object): Iterator } }

const require = createRequire(import.meta.url);
const dynaliteStore = require('dynalite/db') as { create: (options: Record<string, unknown>) => Store };
const opened: Iterator[] = [];
let dynamo: LocalDynamo;
let client: DynamoDBClient;

beforeAll(async () => {
  // Every iterator the database hands out, as dynalite asks for them.
  const create = dynaliteStore.create;
  dynaliteStore.create = (options) => {
    const store = create(options);
    for (const kind of ['keys', 'values'] as const) {
      const open = store.db[kind].bind(store.db);
      store.db[kind] = (o) => { const iterator = open(o); opened.push(iterator); return iterator; };
    }
    return store;
  };
  dynamo = await startDynalite(undefined);
  dynaliteStore.create = create;
  client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await ensureTable(dynamo.endpoint, 'apollo-test', 'us-east-1');
  for (let i = 0; i < 5; i++) await client.send(new PutItemCommand({ TableName: 'apollo-test', Item: { PK: { S: 'TEAM#a' }, SK: { S: `MEMBER#${i}` } } }));
});

afterAll(async () => {
  client.destroy();
  await dynamo.close();
});

/** Closed iterators refuse to read (abstract-level's LEVEL_ITERATOR_NOT_OPEN); an open one answers an item or its end. */
const isClosed = async (iterator: Iterator): Promise<boolean> => iterator.next().then(() => false, (error: { code?: string }) => error.code === 'LEVEL_ITERATOR_NOT_OPEN');

it('closes the iterator of a Query read to its end and of one cut short by its Limit', async () => {
  // Prepare
  const before = opened.length;

  // Act
  const all = await client.send(new QueryCommand({ TableName: 'apollo-test', KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': { S: 'TEAM#a' } } }));
  const first = await client.send(new QueryCommand({ TableName: 'apollo-test', KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': { S: 'TEAM#a' } }, Limit: 1 }));

  // Assess
  expect(all.Items).toHaveLength(5);
  expect(first.Items).toHaveLength(1);
  const made = opened.slice(before);
  expect(made.length).toBeGreaterThanOrEqual(2);
  // The close runs as the stream ends, just after the answer: give it a moment.
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(await Promise.all(made.map(isClosed))).toEqual(made.map(() => true));
});
