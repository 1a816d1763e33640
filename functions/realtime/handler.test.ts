/**
 * The realtime Lambda with real event shapes (SSO and Cognito identities on `$connect`), a real table
 * (dynalite in memory) and the `@connections` API mocked: what the caller sees is the status of
 * `$connect` and the frames posted back; what persists is the table.
 */
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import type { APIGatewayEventIdentity, APIGatewayProxyEvent, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RealtimeFrame } from '#schemas/index.ts';
import { ensureTable, startDynalite, type LocalDynamo } from '#local/dynamo';
import { REALTIME_ENDPOINT_ENV } from '#shared/topics';
import type * as TableModule from '#lib/table';
import assumedRole from '../lib/fixtures/assumed-role-event.json' with { type: 'json' };
import cognito from '../lib/fixtures/cognito-event.json' with { type: 'json' };
import type { RealtimeEvent, RealtimeResult } from './events.ts';

type Handler = (event: RealtimeEvent, context: Context) => Promise<RealtimeResult>;

const apigw = mockClient(ApiGatewayManagementApiClient);
let dynamo: LocalDynamo;
let handler: Handler;
let table: typeof TableModule;
let posted: Array<{ connectionId: string; frame: RealtimeFrame }>;

const identityOf = (event: unknown) => (event as APIGatewayProxyEvent).requestContext.identity;
const context = { awsRequestId: 'req-1', functionName: 'apollo-realtime', getRemainingTimeInMillis: () => 29_000 } as unknown as Context;

function event(routeKey: string, connectionId: string, extra: { identity?: APIGatewayEventIdentity; body?: string } = {}): RealtimeEvent {
  return {
    isBase64Encoded: false,
    body: extra.body,
    requestContext: {
      routeKey,
      eventType: routeKey === '$connect' ? 'CONNECT' : routeKey === '$disconnect' ? 'DISCONNECT' : 'MESSAGE',
      extendedRequestId: 'ext-1',
      requestTime: '25/Nov/2026:19:30:00 +0000',
      messageDirection: 'IN',
      stage: 'prod',
      connectedAt: Date.now(),
      requestTimeEpoch: Date.now(),
      requestId: `req-${routeKey}`,
      domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
      connectionId,
      apiId: 'abc123',
      ...(extra.identity ? { identity: extra.identity } : {}),
    },
  };
}

const say = (connectionId: string, message: unknown) =>
  handler(event('$default', connectionId, { body: typeof message === 'string' ? message : JSON.stringify(message) }), context);
const itemsOf = (connectionId: string) => table.queryAll({ partition: `CONN#${connectionId}` });

beforeAll(async () => {
  dynamo = await startDynalite(undefined);
  Object.assign(process.env, {
    TABLE_NAME: 'apollo-realtime-test', AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', [REALTIME_ENDPOINT_ENV]: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod',
  });
  await ensureTable(dynamo.endpoint, 'apollo-realtime-test', 'eu-west-1');
  table = await import('#lib/table');
  ({ handler } = (await import('./handler.ts')) as unknown as { handler: Handler });
  const { configureRealtime } = await import('./deps.ts');
  configureRealtime({ userDirectory: { emailForSub: async () => 'Carol@Corp.Example' } });
});
afterAll(async () => { await dynamo.close(); });
beforeEach(() => {
  posted = [];
  apigw.reset();
  apigw.on(PostToConnectionCommand).callsFake((input: { ConnectionId: string; Data: string }) => {
    posted.push({ connectionId: input.ConnectionId, frame: JSON.parse(String(input.Data)) as RealtimeFrame });
    return {};
  });
});

describe('$connect', () => {
  it('records an SSO caller: principal, role and ARN, expiring with the connection (2 h + margin)', async () => {
    // Act
    const result = await handler(event('$connect', 'sso1=', { identity: identityOf(assumedRole) }), context);
    // Assess
    expect(result.statusCode).toBe(200);
    const [meta] = await itemsOf('sso1=');
    expect(meta).toMatchObject({
      PK: 'CONN#sso1=', SK: 'META', principal: 'alice@corp.example', role: 'operator',
      principalArn: 'arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_ApolloOperator_0123456789abcdef/alice@corp.example',
    });
    const ttl = (meta!.expiresAt as number) - Math.floor(Date.parse(meta!.connectedAt as string) / 1000);
    expect(ttl).toBeGreaterThan(2 * 3600);
    expect(ttl).toBeLessThanOrEqual(2 * 3600 + 15 * 60);
    expect(posted).toEqual([]);
  });

  it('records a web user (Cognito identity pool) by their email', async () => {
    expect((await handler(event('$connect', 'web1=', { identity: identityOf(cognito) }), context)).statusCode).toBe(200);
    expect(await itemsOf('web1=')).toEqual([expect.objectContaining({ principal: 'carol@corp.example', role: 'developer' })]);
  });

  it('refuses a caller without an Apollo role with 403 and stores nothing', async () => {
    const identity = { ...identityOf(assumedRole), userArn: 'arn:aws:sts::111122223333:assumed-role/PowerUser/bob' };
    const result = await handler(event('$connect', 'nobody=', { identity }), context);
    expect(result).toEqual({ statusCode: 403, body: 'bob has no Apollo role (IAM role PowerUser)' });
    expect(await itemsOf('nobody=')).toEqual([]);
  });

  it('refuses a $connect without an identity (no IAM auth on the route) with 401', async () => {
    expect((await handler(event('$connect', 'anon='), context)).statusCode).toBe(401);
  });
});

describe('$default', () => {
  it('refuses an operator subscribing to audit with a Forbidden frame naming audit:read, and stores no subscription', async () => {
    await handler(event('$connect', 'op=', { identity: identityOf(assumedRole) }), context);
    const result = await say('op=', { action: 'subscribe', topic: 'audit' });
    expect(result.statusCode).toBe(200);
    expect(posted).toEqual([{ connectionId: 'op=', frame: { type: 'error', code: 'Forbidden', message: 'alice@corp.example (role operator) lacks the permission audit:read needed to subscribe to audit', topic: 'audit' } }]);
    expect((await itemsOf('op=')).map((i) => i.SK)).toEqual(['META']);
  });

  it('subscribes an admin: a subscription item indexed by topic, expiring with the connection, and a subscribed frame', async () => {
    const identity = { ...identityOf(assumedRole), userArn: 'arn:aws:sts::111122223333:assumed-role/ApolloAdmin/root@corp.example' };
    await handler(event('$connect', 'adm=', { identity }), context);
    await say('adm=', { action: 'subscribe', topic: 'audit' });
    const items = await itemsOf('adm=');
    expect(items.find((i) => i.SK === 'TOPIC#audit')).toMatchObject({ GSI1PK: 'TOPIC#audit', GSI1SK: 'CONN#adm=', expiresAt: items.find((i) => i.SK === 'META')!.expiresAt });
    await say('adm=', { action: 'ping' });
    await say('adm=', { action: 'unsubscribe', topic: 'audit' });
    expect(posted.map((p) => p.frame)).toEqual([{ type: 'subscribed', topic: 'audit' }, { type: 'pong' }, { type: 'unsubscribed', topic: 'audit' }]);
    expect((await itemsOf('adm=')).map((i) => i.SK)).toEqual(['META']);
  });

  it('answers a connection it does not know (closed, or expired: dynalite keeps expired items) with Unauthorized', async () => {
    await table.putItem({ PK: 'CONN#old=', SK: 'META', principal: 'x', role: 'admin', expiresAt: Math.floor(Date.now() / 1000) - 1 });
    await say('old=', { action: 'subscribe', topic: 'audit' });
    await say('never=', { action: 'subscribe', topic: 'audit' });
    expect(posted.map((p) => [p.connectionId, p.frame])).toEqual([
      ['old=', { type: 'error', code: 'Unauthorized', message: 'this connection is not registered (closed or expired): reconnect', topic: 'audit' }],
      ['never=', { type: 'error', code: 'Unauthorized', message: 'this connection is not registered (closed or expired): reconnect', topic: 'audit' }],
    ]);
  });

  it('answers an unexpected failure with a plain InternalError frame carrying the request id', async () => {
    const fail = () => async () => { throw Object.assign(new Error('boom'), { name: 'InternalServerError' }); };
    table.dynamoClient.middlewareStack.add(fail as never, { step: 'initialize', name: 'fail-all' });
    try {
      const result = await say('op=', { action: 'subscribe', topic: 'audit' });
      expect(result.statusCode).toBe(500);
    } finally {
      table.dynamoClient.middlewareStack.remove('fail-all');
    }
    expect(posted.map((p) => p.frame)).toEqual([{ type: 'error', code: 'InternalError', message: 'internal error (request req-$default)', topic: 'audit' }]);
  });
});

describe('$disconnect', () => {
  it('deletes the connection and its subscriptions', async () => {
    const identity = { ...identityOf(assumedRole), userArn: 'arn:aws:sts::111122223333:assumed-role/ApolloAdmin/root@corp.example' };
    await handler(event('$connect', 'bye=', { identity }), context);
    await say('bye=', { action: 'subscribe', topic: 'audit' });
    expect(await itemsOf('bye=')).toHaveLength(2);
    expect((await handler(event('$disconnect', 'bye='), context)).statusCode).toBe(200);
    expect(await itemsOf('bye=')).toEqual([]);
  });
});
