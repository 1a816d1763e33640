/**
 * DynamoDB for the local runtime: dynalite, on disk under $APOLLO_HOME (state survives a restart)
 * or in memory (tests). The table is created from the shared table design if it is missing.
 * dynalite has no transactions, TTL or streams; Apollo's code relies on none of them.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { TABLE_DESIGN } from '#shared/table-design';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;

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

export async function ensureTable(endpoint: string, tableName: string, region: string): Promise<boolean> {
  const client = new DynamoDBClient({ endpoint, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return false;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
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
  client.destroy();
  return true;
}
