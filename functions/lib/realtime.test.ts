/**
 * Publishing: frames over 32 KB become chunks the client can put back together, and publishing never
 * fails its caller (no endpoint, a failing post, an unreadable table), while a gone subscriber is
 * forgotten. The table is dynalite in memory; `@connections` is mocked.
 */
import { ApiGatewayManagementApiClient, GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RealtimeFrame } from '#schemas/index.ts';
import { ensureTable, startDynalite, type LocalDynamo } from '#local/dynamo';
import { REALTIME_ENDPOINT_ENV } from '#shared/topics';
import type * as RealtimeModule from './realtime.ts';
import type * as TableModule from './table.ts';

const apigw = mockClient(ApiGatewayManagementApiClient);
let dynamo: LocalDynamo;
let realtime: typeof RealtimeModule;
let table: typeof TableModule;
let posted: Array<{ connectionId: string; text: string }>;

beforeAll(async () => {
  dynamo = await startDynalite(undefined);
  Object.assign(process.env, { TABLE_NAME: 'apollo-publish-test', AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
  await ensureTable(dynamo.endpoint, 'apollo-publish-test', 'eu-west-1');
  realtime = await import('./realtime.ts');
  table = await import('./table.ts');
});
afterAll(async () => { await dynamo.close(); });
beforeEach(() => {
  process.env[REALTIME_ENDPOINT_ENV] = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod';
  posted = [];
  apigw.reset();
  apigw.on(PostToConnectionCommand).callsFake((input: { ConnectionId: string; Data: string }) => { posted.push({ connectionId: input.ConnectionId, text: String(input.Data) }); return {}; });
});

async function subscribe(connectionId: string, topic: string): Promise<void> {
  const expiresAt = Math.floor(Date.now() / 1000) + 3600;
  await table.putItem({ PK: `CONN#${connectionId}`, SK: 'META', principal: 'p', role: 'admin', expiresAt });
  await table.putItem({ PK: `CONN#${connectionId}`, SK: `TOPIC#${topic}`, GSI1PK: `TOPIC#${topic}`, GSI1SK: `CONN#${connectionId}`, expiresAt });
}

/** What RealtimeClient does with chunks: join the slices in seq order and parse. */
function reassemble(texts: readonly string[]): unknown {
  const chunks = texts.map((t) => JSON.parse(t) as Extract<RealtimeFrame, { type: 'chunk' }>);
  expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
  expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i));
  expect(chunks.every((c) => c.total === chunks.length)).toBe(true);
  return JSON.parse(chunks.map((c) => c.data).join(''));
}

describe('encodeFrame', () => {
  it('sends a frame that fits as it is', () => {
    const frame: RealtimeFrame = { type: 'event', topic: 'audit', event: 'x', data: { a: 1 }, at: '2026-11-25T00:00:00.000Z' };
    expect(realtime.encodeFrame(frame)).toEqual([JSON.stringify(frame)]);
  });

  it.each([
    ['ASCII', 'abc '.repeat(20_000)],
    ['two-byte', 'é'.repeat(40_000)],
    ['astral (surrogate pairs)', '🚀'.repeat(20_000)],
    ['escapes', '"\\\n\t\u0001'.repeat(15_000)],
    ['lone surrogates', '\ud800x\udfff'.repeat(15_000)],
  ])('splits a %s frame into chunks of at most 32 KB that reassemble exactly', (_name, text) => {
    const frame: RealtimeFrame = { type: 'event', topic: 'audit', event: 'big', data: { text }, at: '2026-11-25T00:00:00.000Z' };
    const texts = realtime.encodeFrame(frame);
    expect(texts.length).toBeGreaterThan(1);
    for (const t of texts) expect(Buffer.byteLength(t)).toBeLessThanOrEqual(32 * 1024);
    expect(reassemble(texts)).toEqual(JSON.parse(JSON.stringify(frame)));
  });

  it('fills chunks close to the limit (few posts for a large frame)', () => {
    const frame: RealtimeFrame = { type: 'event', topic: 'audit', event: 'big', data: { text: 'x'.repeat(300_000) }, at: '2026-11-25T00:00:00.000Z' };
    expect(realtime.encodeFrame(frame)).toHaveLength(Math.ceil(JSON.stringify(frame).length / (32 * 1024 - 100)));
  });
});

describe('publish', () => {
  it('posts the event to every live subscriber of the topic, and to no one else', async () => {
    await subscribe('a=', 'audit');
    await subscribe('b=', 'audit');
    await subscribe('c=', 'request:01ABC');
    await table.putItem({ PK: 'CONN#old=', SK: 'TOPIC#audit', GSI1PK: 'TOPIC#audit', GSI1SK: 'CONN#old=', expiresAt: Math.floor(Date.now() / 1000) - 1 });

    await realtime.publish('audit', 'audit.entry', { id: 'e1' });

    expect(posted.map((p) => p.connectionId).sort()).toEqual(['a=', 'b=']);
    expect(JSON.parse(posted[0]!.text)).toEqual({ type: 'event', topic: 'audit', event: 'audit.entry', data: { id: 'e1' }, at: expect.any(String) });
  });

  it('forgets a gone subscriber (410) and still reaches the others', async () => {
    await subscribe('gone=', 'deploy:1');
    await subscribe('live=', 'deploy:1');
    apigw.on(PostToConnectionCommand, { ConnectionId: 'gone=' }).rejects(new GoneException({ message: 'gone', $metadata: { httpStatusCode: 410 } }));

    await realtime.publish('deploy:1', 'x', {});

    expect(posted.map((p) => p.connectionId)).toEqual(['live=']);
    expect(await table.queryAll({ partition: 'CONN#gone=' })).toEqual([]);
    expect(await realtime.subscribersOf('deploy:1')).toEqual(['live=']);
  });

  it('never throws: a failing post, an unreadable table', async () => {
    await subscribe('flaky=', 'flaky:1');
    apigw.on(PostToConnectionCommand).rejects(Object.assign(new Error('throttled'), { name: 'LimitExceededException', $metadata: { httpStatusCode: 429 } }));
    await expect(realtime.publish('flaky:1', 'x', {})).resolves.toBeUndefined();
    expect(await table.queryAll({ partition: 'CONN#flaky=' })).toHaveLength(2);

    const fail = () => async () => { throw new Error('table down'); };
    table.dynamoClient.middlewareStack.add(fail as never, { step: 'initialize', name: 'fail-all' });
    try {
      await expect(realtime.publish('flaky:1', 'x', {})).resolves.toBeUndefined();
    } finally {
      table.dynamoClient.middlewareStack.remove('fail-all');
    }
  });

  it('does nothing without an endpoint (publishing is off)', async () => {
    await subscribe('quiet=', 'quiet:1');
    delete process.env[REALTIME_ENDPOINT_ENV];
    await realtime.publish('quiet:1', 'x', {});
    expect(posted).toEqual([]);
  });

  it('sends one audience several events in order, reading its subscribers once', async () => {
    await subscribe('o=', 'order:1');
    const reads: string[] = [];
    const count = (next: (args: unknown) => Promise<unknown>) => async (args: { input: { IndexName?: string } }) => {
      if (args.input.IndexName === 'GSI1') reads.push('query');
      return next(args);
    };
    table.dynamoClient.middlewareStack.add(count as never, { step: 'initialize', name: 'count' });
    try {
      const listeners = realtime.audience('order:1');
      void listeners.send('first', { n: 1 });
      await listeners.send('second', { n: 2 });
    } finally {
      table.dynamoClient.middlewareStack.remove('count');
    }
    expect(posted.map((p) => (JSON.parse(p.text) as { event: string }).event)).toEqual(['first', 'second']);
    expect(reads).toEqual(['query']);
  });
});
