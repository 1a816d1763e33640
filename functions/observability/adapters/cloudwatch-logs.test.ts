import {
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  GetQueryResultsCommand,
  StartQueryCommand,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ServiceUnavailableError, TooManyRequestsError, ValidationError } from '#shared/errors';
import { CloudWatchLogsAdapter } from './cloudwatch-logs.ts';

const logs = mockClient(CloudWatchLogsClient);
const adapter = () => new CloudWatchLogsAdapter(new CloudWatchLogsClient({ region: 'eu-west-1' }));
const named = (name: string, message = name) => Object.assign(new Error(message), { name });

beforeEach(() => { logs.reset(); });

describe('CloudWatchLogsAdapter queries', () => {
  it('starts a query over the log groups, in seconds, with the limit', async () => {
    // Prepare
    logs.on(StartQueryCommand).resolves({ queryId: 'q-1' });
    // Act
    const id = await adapter().startQuery({ logGroups: ['/apollo/prod/core-service'], query: 'fields @message', start: 1_764_900_000_500, end: 1_764_903_600_200, limit: 100 });
    // Assess
    expect(id).toBe('q-1');
    expect(logs.commandCalls(StartQueryCommand)[0]!.args[0].input).toEqual({
      logGroupNames: ['/apollo/prod/core-service'], queryString: 'fields @message', startTime: 1_764_900_000, endTime: 1_764_903_601, limit: 100,
    });
  });

  it('answers the status, the rows as field/value and the statistics', async () => {
    logs.on(GetQueryResultsCommand, { queryId: 'q-1' }).resolves({
      status: 'Running',
      results: [[{ field: '@timestamp', value: '2026-12-05 05:45:02.000' }, { field: '@message', value: 'HikariPool-1 - Connection is not available' }]],
      statistics: { recordsMatched: 1, recordsScanned: 2500, bytesScanned: 480_000 },
    });
    expect(await adapter().getQueryResults('q-1')).toEqual({
      status: 'Running',
      results: [[{ field: '@timestamp', value: '2026-12-05 05:45:02.000' }, { field: '@message', value: 'HikariPool-1 - Connection is not available' }]],
      statistics: { recordsMatched: 1, recordsScanned: 2500, bytesScanned: 480_000 },
    });
  });

  it('turns a malformed query into a 400 on the query, too many queries into a 429, no answer into a 503', async () => {
    logs.on(StartQueryCommand)
      .rejectsOnce(named('MalformedQueryException', 'unexpected symbol at line 1'))
      .rejectsOnce(named('LimitExceededException', 'too many concurrent queries'))
      .rejectsOnce(named('TimeoutError', 'Connection timed out after 10000 ms'));
    const a = adapter();
    const input = { logGroups: ['/apollo/prod/core-service'], query: 'fields', start: 0, end: 1000, limit: 1 };
    await expect(a.startQuery(input)).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'CloudWatch Logs Insights refused the query: unexpected symbol at line 1',
      details: [{ path: '/body/query', message: 'unexpected symbol at line 1' }],
    });
    await expect(a.startQuery(input)).rejects.toBeInstanceOf(TooManyRequestsError);
    const timeout = await a.startQuery(input).catch((e: unknown) => e);
    expect(timeout).toBeInstanceOf(ServiceUnavailableError);
    expect((timeout as ServiceUnavailableError).retryAfterSeconds).toBe(5);
  });

  it('stops a running query; one that has ended is not stopped', async () => {
    logs.on(StopQueryCommand, { queryId: 'running' }).resolves({ success: true });
    logs.on(StopQueryCommand, { queryId: 'done' }).rejects(named('InvalidParameterException', 'Query is not running'));
    expect(await adapter().stopQuery('running')).toBe(true);
    expect(await adapter().stopQuery('done')).toBe(false);
  });
});

describe('CloudWatchLogsAdapter.filterEvents', () => {
  it('walks the pages of each log group in turn and hands back a token naming where it stopped', async () => {
    // Prepare: two groups; the first answers an empty page with a token, then a page, then the end.
    logs.on(FilterLogEventsCommand, { logGroupName: '/a', nextToken: undefined }).resolves({ events: [], nextToken: 'a-2' });
    logs.on(FilterLogEventsCommand, { logGroupName: '/a', nextToken: 'a-2' }).resolves({ events: [{ timestamp: 1, message: 'ERROR one', logStreamName: 's', eventId: 'e1' }] });
    logs.on(FilterLogEventsCommand, { logGroupName: '/b' }).resolves({ events: [{ timestamp: 2, message: 'ERROR two', eventId: 'e2' }], nextToken: 'b-2' });
    // Act
    const first = await adapter().filterEvents({ logGroups: ['/a', '/b'], start: 0, end: 10, terms: ['ERROR', 'timeout'], limit: 2 });
    // Assess
    expect(first).toEqual({
      events: [
        { timestamp: 1, message: 'ERROR one', logGroup: '/a', logStream: 's', eventId: 'e1' },
        { timestamp: 2, message: 'ERROR two', logGroup: '/b', eventId: 'e2' },
      ],
      nextToken: JSON.stringify({ g: 1, t: 'b-2' }),
    });
    expect(logs.commandCalls(FilterLogEventsCommand).map((c) => c.args[0].input)).toEqual([
      { logGroupName: '/a', startTime: 0, endTime: 10, limit: 2, filterPattern: '"ERROR" "timeout"' },
      { logGroupName: '/a', startTime: 0, endTime: 10, limit: 2, filterPattern: '"ERROR" "timeout"', nextToken: 'a-2' },
      { logGroupName: '/b', startTime: 0, endTime: 10, limit: 1, filterPattern: '"ERROR" "timeout"' },
    ]);
    logs.on(FilterLogEventsCommand, { logGroupName: '/b', nextToken: 'b-2' }).resolves({ events: [{ timestamp: 3, message: 'ERROR three' }, { timestamp: 4, message: 'ERROR four' }] });
    const second = await adapter().filterEvents({ logGroups: ['/a', '/b'], start: 0, end: 10, terms: [], limit: 5, nextToken: first.nextToken! });
    expect(second).toEqual({ events: [{ timestamp: 3, message: 'ERROR three', logGroup: '/b' }, { timestamp: 4, message: 'ERROR four', logGroup: '/b' }] });
  });

  it('reads a log group that does not exist yet as empty, and refuses a token it did not give', async () => {
    logs.on(FilterLogEventsCommand, { logGroupName: '/missing' }).rejects(named('ResourceNotFoundException', 'The specified log group does not exist.'));
    logs.on(FilterLogEventsCommand, { logGroupName: '/b' }).resolves({ events: [{ timestamp: 2, message: 'hello' }] });
    expect(await adapter().filterEvents({ logGroups: ['/missing', '/b'], start: 0, end: 10, terms: [], limit: 5 }))
      .toEqual({ events: [{ timestamp: 2, message: 'hello', logGroup: '/b' }] });
    await expect(adapter().filterEvents({ logGroups: ['/b'], start: 0, end: 10, terms: [], limit: 5, nextToken: '{"g":7}' })).rejects.toBeInstanceOf(ValidationError);
  });

  it('answers 503 when CloudWatch does not answer in time', async () => {
    logs.on(FilterLogEventsCommand).rejects(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    await expect(adapter().filterEvents({ logGroups: ['/b'], start: 0, end: 10, terms: [], limit: 5 })).rejects.toBeInstanceOf(ServiceUnavailableError);
  });
});
