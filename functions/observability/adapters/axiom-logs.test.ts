/**
 * The Axiom logs adapter against the LOCAL FAKE Axiom (local/fakes/axiom-server.ts) over loopback, its results kept
 * in dynalite: a query's whole 202 lifecycle (started, read back from another adapter instance as a fresh Lambda
 * would, nothing to stop), the caller's APL kept to its service, its range and its limit, pages of a service's
 * lines with a cursor, and what Axiom's refusals become (400, 401, 429, a 5xx, no answer in time).
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureTable, startDynalite, type LocalDynamo } from '#local/dynamo';
import { FakeAxiomServer, type FakeAxiomRow } from '#local/fakes/axiom-server';
import { ServiceUnavailableError, TooManyRequestsError, ValidationError } from '#shared/errors';
import type { AxiomLogsConfig } from '../config.ts';
import type * as AxiomModule from './axiom-logs.ts';
import type * as DepsModule from '../deps.ts';
import type * as LogQueriesModule from '../log-queries.ts';

const TABLE = 'apollo-axiom-logs-test';
const T0 = Date.parse('2026-12-05T05:00:00Z');
const minute = (m: number, s = 0) => new Date(T0 + m * 60_000 + s * 1000).toISOString();
const row = (time: string, service: string, environment: string, message: string, extra: Record<string, string | number> = {}): FakeAxiomRow => ({ _time: time, service, environment, message, ...extra });

const ROWS: FakeAxiomRow[] = [
  row(minute(44), 'core-service', 'prod', 'INFO request handled', { status: 200 }),
  row(minute(45, 2), 'core-service', 'prod', 'ERROR HikariPool-1 - Connection is not available, request timed out after 30000ms', { status: 500 }),
  row(minute(45, 2), 'core-service', 'prod', 'ERROR HikariPool-1 - Connection is not available (second at the same instant)', { status: 500 }),
  row(minute(45, 2), 'core-service', 'prod', 'ERROR HikariPool-1 - Connection is not available (third at the same instant)', { status: 500 }),
  row(minute(46), 'core-service', 'prod', 'ERROR password=hunter2 in a connection string', { status: 500 }),
  row(minute(47), 'core-service', 'staging', 'ERROR staging only', { status: 500 }),
  row(minute(48), 'billing', 'prod', 'ERROR another service', { status: 500 }),
  row(minute(70), 'core-service', 'prod', 'ERROR after the range', { status: 500 }),
];

let dynamo: LocalDynamo;
let fake: FakeAxiomServer;
let axiom: typeof AxiomModule;
let config: AxiomLogsConfig;

beforeAll(async () => {
  dynamo = await startDynalite(undefined);
  Object.assign(process.env, { TABLE_NAME: TABLE, AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
  await ensureTable(dynamo.endpoint, TABLE, 'eu-west-1');
  // Lines that do not compress: 1,500 of them are more than a stored result keeps.
  const big = Array.from({ length: 1500 }, (_v, i) => row(minute(10, i % 60), 'core-service', 'prod', randomBytes(300).toString('base64')));
  fake = await FakeAxiomServer.start({ token: 'xaat-test', orgId: 'acme-x1y2', datasets: {
    logs: ROWS,
    big,
    own: [
      row(minute(5), 'apollo', 'dev', 'ERROR handler failed: Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhcG9sbG8ifQ.c2lnbmF0dXJl'),
      row(minute(6), 'apollo', 'prod', 'ERROR another stage'),
    ],
  } });
  config = {
    apiUrl: fake.url, dataset: 'logs', orgId: 'acme-x1y2', tokenSecretArn: undefined, token: 'xaat-test',
    serviceField: 'service', environmentField: 'environment', messageField: 'message', queryTimeoutSeconds: 2,
  };
  axiom = await import('./axiom-logs.ts');
});
afterAll(async () => {
  await fake.close();
  await dynamo.close();
});
beforeEach(() => { fake.delayMs = 0; });

/** A loopback port nothing listens on (a server's, just closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const adapter = (overrides: Partial<AxiomLogsConfig> = {}) => new axiom.AxiomLogsAdapter({ config: { ...config, ...overrides }, ttlHours: 24 });
const scope = { service: 'core-service', environment: 'prod' };
const range = { start: T0, end: T0 + 60 * 60_000 };

describe('Axiom log queries: 202, then results from the table', () => {
  it('runs the caller\'s APL over the service\'s rows in the range, keeps the result, and another instance reads it back', async () => {
    // Act
    const id = await adapter().startQuery({ logGroups: ['/apollo/prod/core-service'], query: 'where message contains "hikari" | project _time, message, status', ...range, limit: 2, scope });
    // Assess: a fresh adapter, as the next poll's Lambda would be, reads what the first one stored.
    expect(await adapter().getQueryResults(id)).toEqual({
      status: 'Complete',
      results: [
        [{ field: '_time', value: minute(45, 2) }, { field: 'message', value: 'ERROR HikariPool-1 - Connection is not available, request timed out after 30000ms' }, { field: 'status', value: '500' }],
        [{ field: '_time', value: minute(45, 2) }, { field: 'message', value: 'ERROR HikariPool-1 - Connection is not available (second at the same instant)' }, { field: 'status', value: '500' }],
      ],
      statistics: { recordsMatched: 3, recordsScanned: 7, bytesScanned: 0 },
    });
    expect(fake.requests.at(-1)).toEqual({
      apl: [
        "['logs']",
        '| where _time >= datetime(2026-12-05T05:00:00.000Z) and _time <= datetime(2026-12-05T06:00:00.000Z)',
        `| where ['service'] == "core-service" and ['environment'] == "prod"`,
        '| where message contains "hikari" | project _time, message, status',
        '| take 2',
      ].join('\n'),
      startTime: '2026-12-05T05:00:00.000Z', endTime: '2026-12-05T06:00:00.000Z', format: 'tabular', orgId: 'acme-x1y2',
    });
  });

  it('returns the rows as Axiom has them: masking secrets is the log query service\'s, not the adapter\'s', async () => {
    const id = await adapter().startQuery({ logGroups: [], query: `['logs'] | where message has "password" | project message`, ...range, limit: 10, scope });
    expect((await adapter().getQueryResults(id)).results).toEqual([[{ field: 'message', value: 'ERROR password=hunter2 in a connection string' }]]);
  });

  it('keeps the first rows of a result too large to store, and says how many', async () => {
    const id = await adapter({ dataset: 'big' }).startQuery({ logGroups: [], query: '', ...range, limit: 10_000, scope });
    const result = await adapter().getQueryResults(id);
    expect(result.status).toBe('Complete');
    expect(result.statistics.recordsMatched).toBe(1500);
    expect(result.results.length).toBeGreaterThan(500);
    expect(result.results.length).toBeLessThan(1500);
    expect(result.error).toBe(`Axiom answered 1500 rows; the first ${result.results.length} are kept (a stored result holds at most 300 KB compressed): narrow the query or lower its limit`);
  });

  it('has nothing to stop: the query ended before its id was given', async () => {
    const a = adapter();
    const id = await a.startQuery({ logGroups: [], query: '', ...range, limit: 10, scope });
    expect(await a.stopQuery(id)).toBe(false);
    expect((await a.getQueryResults(id)).results).toHaveLength(5);
    expect(await a.getQueryResults('01JZZZZZZZZZZZZZZZZZZZZZZZ')).toMatchObject({ status: 'Unknown', results: [] });
  });

  it('refuses a query that reads beyond the service\'s rows, before asking Axiom', async () => {
    const asked = fake.requests.length;
    for (const query of [`union ['audit']`, `where service == "billing" | join (['logs'] | where service == "billing") on _time`, `take 1; ['logs'] | take 5`, `where _time > ago(1d) | lookup (['logs']) on message`, `['other'] | take 1 | union logs`]) {
      await expect(adapter().startQuery({ logGroups: [], query, ...range, limit: 10, scope }), query).rejects.toMatchObject({ name: 'ValidationError', details: [{ path: '/body/query' }] });
    }
    expect(fake.requests.length).toBe(asked);
    // A word inside a string literal is not an operator.
    const id = await adapter().startQuery({ logGroups: [], query: 'where message contains "join"', ...range, limit: 10, scope });
    expect((await adapter().getQueryResults(id)).status).toBe('Complete');
  });

  it('answers 400 on the query with Axiom\'s message when Axiom cannot read it', async () => {
    const error = await adapter().startQuery({ logGroups: [], query: 'summarize count() by status', ...range, limit: 10, scope }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({
      message: "Axiom refused the query: this fake reads where, search, order by, sort by, take, limit and project; not 'summarize' (line 4, column 3)",
      details: [{ path: '/body/query', message: "this fake reads where, search, order by, sort by, take, limit and project; not 'summarize' (line 4, column 3)" }],
    });
  });

  it('keeps a query Axiom does not answer within the deadline as Timeout', async () => {
    // Prepare: config.ts takes whole seconds; the adapter itself works in milliseconds.
    fake.delayMs = 800;
    const started = Date.now();
    // Act
    const id = await adapter({ queryTimeoutSeconds: 0.3 }).startQuery({ logGroups: [], query: '', ...range, limit: 10, scope });
    // Assess
    expect(Date.now() - started).toBeLessThan(700);
    expect(await adapter().getQueryResults(id)).toEqual({
      status: 'Timeout', results: [], statistics: { recordsMatched: 0, recordsScanned: 0, bytesScanned: 0 },
      error: 'Axiom did not answer within 0.3 s: narrow the time range or the query',
    });
  });

  it('keeps a query Axiom fails for good as Failed with Axiom\'s message', async () => {
    const id = await adapter({ dataset: 'gone' }).startQuery({ logGroups: [], query: '', ...range, limit: 10, scope });
    expect(await adapter().getQueryResults(id)).toMatchObject({ status: 'Failed', error: "Axiom answered 404: dataset 'gone' not found" });
  });

  it('turns a wrong token into Apollo\'s configuration error, a rate limit into 429 with its reset, a 5xx into 503', async () => {
    const input = { logGroups: [], query: '', ...range, limit: 10, scope };
    await expect(adapter({ token: 'xaat-revoked' }).startQuery(input)).rejects.toMatchObject({
      name: 'AxiomConfigurationError',
      message: "Axiom refused Apollo's token (401: invalid token): check the secret APOLLO_AXIOM_TOKEN_SECRET_ARN names",
    });
    fake.respondNext({ status: 429, body: { code: 429, message: 'rate limit exceeded' }, headers: { 'x-ratelimit-scope': 'organization', 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 30) } });
    const limited = await adapter().startQuery(input).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(TooManyRequestsError);
    expect((limited as TooManyRequestsError).message).toBe("Axiom's rate limit is reached (rate limit exceeded); try again shortly");
    expect((limited as TooManyRequestsError).retryAfterSeconds).toBeGreaterThanOrEqual(29);
    expect((limited as TooManyRequestsError).retryAfterSeconds).toBeLessThanOrEqual(31);
    fake.respondNext({ status: 503, body: { message: 'upstream unavailable' } });
    await expect(adapter().startQuery(input)).rejects.toBeInstanceOf(ServiceUnavailableError);
    const closed = await closedPort();
    await expect(adapter({ apiUrl: `http://127.0.0.1:${closed}` }).startQuery(input)).rejects.toThrow(`could not reach Axiom at http://127.0.0.1:${closed}: connection refused`);
  });

  it('reads its token from Secrets Manager once, and again after a 401 (a rotated token)', async () => {
    // Prepare
    const sm = mockClient(SecretsManagerClient);
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:apollo/axiom-AbCdEf';
    sm.on(GetSecretValueCommand, { SecretId: arn }).resolvesOnce({ SecretString: 'xaat-old' }).resolves({ SecretString: '{"token":"xaat-test"}' });
    const token = new axiom.AxiomToken({ tokenSecretArn: arn, token: undefined }, new SecretsManagerClient({ region: 'eu-west-1' }));
    const a = new axiom.AxiomLogsAdapter({ config: { ...config, tokenSecretArn: arn, token: undefined }, ttlHours: 24, token });
    // Act
    const first = await a.startQuery({ logGroups: [], query: '', ...range, limit: 1, scope });
    const second = await a.startQuery({ logGroups: [], query: '', ...range, limit: 1, scope });
    // Assess
    expect((await a.getQueryResults(first)).status).toBe('Complete');
    expect((await a.getQueryResults(second)).status).toBe('Complete');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    sm.restore();
  });
});

describe('Axiom service log pages', () => {
  it('pages a service\'s lines oldest first with every term, a cursor carrying the instant and the lines already read at it', async () => {
    // Act
    const input = { logGroups: ['/apollo/prod/core-service'], ...range, terms: ['ERROR', 'HikariPool'], limit: 2, scope };
    const first = await adapter().filterEvents(input);
    const second = await adapter().filterEvents({ ...input, nextToken: first.nextToken! });
    // Assess
    expect(first).toEqual({
      events: [
        { timestamp: T0 + 45 * 60_000 + 2000, message: 'ERROR HikariPool-1 - Connection is not available, request timed out after 30000ms', logGroup: 'logs' },
        { timestamp: T0 + 45 * 60_000 + 2000, message: 'ERROR HikariPool-1 - Connection is not available (second at the same instant)', logGroup: 'logs' },
      ],
      nextToken: JSON.stringify({ t: minute(45, 2), n: 2 }),
    });
    expect(second).toEqual({ events: [{ timestamp: T0 + 45 * 60_000 + 2000, message: 'ERROR HikariPool-1 - Connection is not available (third at the same instant)', logGroup: 'logs' }] });
    expect(fake.requests.at(-1)!.apl).toBe([
      "['logs']",
      '| where _time >= datetime(2026-12-05T05:45:02.000Z) and _time <= datetime(2026-12-05T06:00:00.000Z)',
      `| where ['service'] == "core-service" and ['environment'] == "prod"`,
      `| where ['message'] contains_cs "ERROR"`,
      `| where ['message'] contains_cs "HikariPool"`,
      '| order by _time asc',
      '| take 5',
    ].join('\n'));
  });

  it('reads every line of the service in one environment with no terms, and refuses a cursor it did not give', async () => {
    const page = await adapter().filterEvents({ logGroups: [], ...range, terms: [], limit: 10, scope: { service: 'core-service', environment: 'staging' } });
    expect(page).toEqual({ events: [{ timestamp: T0 + 47 * 60_000, message: 'ERROR staging only', logGroup: 'logs' }] });
    await expect(adapter().filterEvents({ logGroups: [], ...range, terms: [], limit: 10, scope, nextToken: '{"t":"yesterday) | union x","n":0}' })).rejects.toBeInstanceOf(ValidationError);
  });

  it('answers 503 when Axiom does not answer a page in time or is down', async () => {
    fake.respondNext({ status: 500, body: { message: 'internal error' } });
    await expect(adapter().filterEvents({ logGroups: [], ...range, terms: [], limit: 10, scope })).rejects.toThrow('Axiom is unavailable (500: internal error); try again shortly');
    fake.delayMs = 800;
    const slow = await adapter({ queryTimeoutSeconds: 0.3 }).filterEvents({ logGroups: [], ...range, terms: [], limit: 10, scope }).catch((e: unknown) => e);
    expect(slow).toBeInstanceOf(ServiceUnavailableError);
    expect(slow).toMatchObject({ message: 'Axiom did not answer within 0.3 s', retryAfterSeconds: 5 });
  });
});

describe('an Axiom log query through the log query service (POST, GET, DELETE /api/v1/logs/query)', () => {
  it('starts (202 Scheduled), reads Complete with secrets masked on a later poll, and answers 409 to a stop', async () => {
    // Prepare: Apollo's own logs (the service apollo, the stage dev) need no catalog.
    const { configureObservability } = await import('../deps.ts') as typeof DepsModule;
    const queries = await import('../log-queries.ts') as typeof LogQueriesModule;
    configureObservability({ logs: adapter({ dataset: 'own' }) });
    const body = { query: 'where message contains "handler"', service: 'apollo', environment: 'dev', start: minute(0), end: minute(60) };
    // Act
    const started = await queries.startLogQuery(body, 'ana@example.com');
    configureObservability({ logs: adapter({ dataset: 'own' }) });
    const read = await queries.getLogQuery(started.id, 'ana@example.com');
    // Assess
    expect(started).toMatchObject({ status: 'Scheduled', source: 'axiom', results: [] });
    expect(read).toMatchObject({ status: 'Complete', source: 'axiom', service: 'apollo', environment: 'dev', statistics: { recordsMatched: 1, recordsScanned: 2, bytesScanned: 0 } });
    expect(read.results).toHaveLength(1);
    const message = read.results[0]!.find((f) => f.field === 'message')!.value;
    expect(message).toMatch(/^ERROR handler failed: Authorization: Bearer /);
    expect(message).not.toContain('eyJhbGciOiJIUzI1NiJ9');
    await expect(queries.getLogQuery(started.id, 'bo@example.com')).rejects.toMatchObject({ name: 'NotFoundError' });
    await expect(queries.stopLogQuery(started.id, 'ana@example.com')).rejects.toMatchObject({ name: 'ConflictError', message: `log query ${started.id} has already ended (Complete): there is nothing to stop` });
  });
});
