/**
 * A first `npm start` killed within moments of creating the table (found by the reliability bench's crash group: a
 * SIGKILL in a ~70 ms window, or a first start that fails at once, e.g. on a port in use) left dynalite's table
 * CREATING on disk for good, and every later start failed with ResourceNotFoundException. Now the table is made
 * ACTIVE before a start goes on, and a table found CREATING (it holds nothing: no item can be written to it) is made again.
 */
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, expect, it } from 'vitest';
import { startLocalTable, type LocalDynamo } from './dynamo.ts';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;
const homes: string[] = [];
const opened: LocalDynamo[] = [];
afterEach(async () => {
  for (const d of opened.splice(0)) await d.close();
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});

const clientOf = (endpoint: string) => new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

it('a table a killed first start left CREATING is made again, and takes items', async () => {
  // Prepare: what a first start killed before dynalite marked its table ACTIVE leaves on disk.
  const home = mkdtempSync(join(tmpdir(), 'apollo-dynamo-crash-'));
  homes.push(home);
  const server = dynalite({ path: join(home, 'dynamodb'), createTableMs: 60_000 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const first = clientOf(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  await first.send(new CreateTableCommand({ TableName: 'apollo-local', BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'PK', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'PK', KeyType: 'HASH' }] }));
  first.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));

  // Act
  const dynamo = await startLocalTable(home, 'apollo-local', 'us-east-1');
  opened.push(dynamo);

  // Assess: ACTIVE, with the table design's keys, and an item goes in and comes back.
  const client = clientOf(dynamo.endpoint);
  const { Table } = await client.send(new DescribeTableCommand({ TableName: 'apollo-local' }));
  expect(Table?.TableStatus).toBe('ACTIVE');
  expect(Table?.KeySchema?.map((k) => k.AttributeName)).toEqual(['PK', 'SK']);
  await client.send(new PutItemCommand({ TableName: 'apollo-local', Item: { PK: { S: 'a' }, SK: { S: 'b' } } }));
  expect((await client.send(new GetItemCommand({ TableName: 'apollo-local', Key: { PK: { S: 'a' }, SK: { S: 'b' } } }))).Item).toBeDefined();
  client.destroy();
});

it('a new table is ACTIVE by the time the start goes on, and an existing one is opened as it is', async () => {
  const home = mkdtempSync(join(tmpdir(), 'apollo-dynamo-crash-'));
  homes.push(home);
  const dynamo = await startLocalTable(home, 'apollo-local', 'us-east-1');
  const client = clientOf(dynamo.endpoint);
  expect((await client.send(new DescribeTableCommand({ TableName: 'apollo-local' }))).Table?.TableStatus).toBe('ACTIVE');
  await client.send(new PutItemCommand({ TableName: 'apollo-local', Item: { PK: { S: 'kept' }, SK: { S: 'x' } } }));
  client.destroy();
  await dynamo.close();

  const again = await startLocalTable(home, 'apollo-local', 'us-east-1');
  opened.push(again);
  const reader = clientOf(again.endpoint);
  expect((await reader.send(new GetItemCommand({ TableName: 'apollo-local', Key: { PK: { S: 'kept' }, SK: { S: 'x' } } }))).Item).toBeDefined();
  reader.destroy();
});
