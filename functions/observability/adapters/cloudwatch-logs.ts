/**
 * The logs port on CloudWatch Logs: Logs Insights (StartQuery / GetQueryResults / StopQuery) for
 * queries, FilterLogEvents for a service's lines. FilterLogEvents reads one log group per call, so
 * a page walks the groups in order and its token says which group and where in it. Errors become
 * named errors: a query CloudWatch refuses is a 400 with the query's path, too many concurrent
 * queries a 429, no answer in time a 503.
 */
import {
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  GetQueryResultsCommand,
  StartQueryCommand,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { ServiceUnavailableError, TooManyRequestsError, ValidationError } from '#shared/errors';
import { networkError } from '#lib/network-errors';
import type { FilteredEvents, FilterEventsInput, LogEvent, LogQueryStatus, LogsPort, QueryResults, StartQueryInput } from '../ports.ts';

/** How many FilterLogEvents calls one page may make (CloudWatch may answer empty pages with a token). */
const MAX_CALLS_PER_PAGE = 5;
const STATUSES: readonly LogQueryStatus[] = ['Scheduled', 'Running', 'Complete', 'Failed', 'Cancelled', 'Timeout', 'Unknown'];

export class CloudWatchLogsAdapter implements LogsPort {
  readonly source = 'cloudwatch' as const;

  constructor(private readonly client = new CloudWatchLogsClient({ requestHandler: { requestTimeout: 10_000, connectionTimeout: 3_000 } })) {}

  async startQuery(input: StartQueryInput): Promise<string> {
    const out = await this.call(() => this.client.send(new StartQueryCommand({
      logGroupNames: [...input.logGroups],
      queryString: input.query,
      // Logs Insights takes seconds.
      startTime: Math.floor(input.start / 1000),
      endTime: Math.ceil(input.end / 1000),
      limit: input.limit,
    })));
    if (!out.queryId) throw new ServiceUnavailableError('CloudWatch Logs started no query (no query id in its answer)');
    return out.queryId;
  }

  async getQueryResults(queryId: string): Promise<QueryResults> {
    const out = await this.call(() => this.client.send(new GetQueryResultsCommand({ queryId })));
    const status = STATUSES.includes(out.status as LogQueryStatus) ? out.status as LogQueryStatus : 'Unknown';
    return {
      status,
      results: (out.results ?? []).map((row) => row.map((f) => ({ field: f.field ?? '', value: f.value ?? '' }))),
      statistics: {
        recordsMatched: out.statistics?.recordsMatched ?? 0,
        recordsScanned: out.statistics?.recordsScanned ?? 0,
        bytesScanned: out.statistics?.bytesScanned ?? 0,
      },
    };
  }

  async stopQuery(queryId: string): Promise<boolean> {
    try {
      const out = await this.call(() => this.client.send(new StopQueryCommand({ queryId })));
      return out.success ?? false;
    } catch (error) {
      // A query that already ended cannot be stopped: CloudWatch says so with InvalidParameterException.
      if (error instanceof ValidationError) return false;
      throw error;
    }
  }

  async filterEvents(input: FilterEventsInput): Promise<FilteredEvents> {
    let { group, token } = decodeToken(input.nextToken, input.logGroups.length);
    const events: LogEvent[] = [];
    const filterPattern = input.terms.length ? input.terms.map((t) => `"${t}"`).join(' ') : undefined;
    for (let calls = 0; calls < MAX_CALLS_PER_PAGE && group < input.logGroups.length && events.length < input.limit; calls++) {
      const logGroupName = input.logGroups[group]!;
      const out = await this.call(() => this.client.send(new FilterLogEventsCommand({
        logGroupName,
        startTime: input.start,
        endTime: input.end,
        limit: input.limit - events.length,
        ...(filterPattern ? { filterPattern } : {}),
        ...(token ? { nextToken: token } : {}),
      })), { missingGroupIsEmpty: true });
      for (const e of out?.events ?? []) {
        events.push({
          timestamp: e.timestamp ?? 0,
          message: e.message ?? '',
          logGroup: logGroupName,
          ...(e.logStreamName ? { logStream: e.logStreamName } : {}),
          ...(e.eventId ? { eventId: e.eventId } : {}),
        });
      }
      if (out?.nextToken) token = out.nextToken;
      else { group += 1; token = undefined; }
    }
    const more = group < input.logGroups.length;
    return { events, ...(more ? { nextToken: JSON.stringify({ g: group, ...(token ? { t: token } : {}) }) } : {}) };
  }

  private async call<T>(send: () => Promise<T>, options: { missingGroupIsEmpty?: boolean } = {}): Promise<T> {
    try {
      return await send();
    } catch (error) {
      const name = (error as { name?: string }).name ?? '';
      const message = (error as { message?: string }).message ?? '';
      if (name === 'ResourceNotFoundException' && options.missingGroupIsEmpty) return undefined as T;
      if (name === 'MalformedQueryException') {
        throw new ValidationError(`CloudWatch Logs Insights refused the query: ${message}`, { cause: error, details: [{ path: '/body/query', message }] });
      }
      if (name === 'ResourceNotFoundException') {
        throw new ValidationError(`a log group does not exist (the service has not logged there yet): ${message}`, { cause: error, details: [{ path: '/body/logGroups', message }] });
      }
      if (name === 'InvalidParameterException') throw new ValidationError(`CloudWatch Logs refused the request: ${message}`, { cause: error });
      if (name === 'LimitExceededException' || name === 'ThrottlingException') {
        throw new TooManyRequestsError('CloudWatch Logs is answering too many queries at once (at most 30 run concurrently); try again shortly', { cause: error, retryAfterSeconds: 10 });
      }
      if (name === 'TimeoutError' || name === 'RequestTimeout' || name === 'AbortError' || /ETIMEDOUT|ECONNRESET|socket hang up/.test(`${(error as { code?: string }).code ?? ''} ${message}`)) {
        throw new ServiceUnavailableError(`CloudWatch Logs did not answer in time (${networkError(error)})`, { cause: error, retryAfterSeconds: 5 });
      }
      if (name === 'ServiceUnavailableException') throw new ServiceUnavailableError('CloudWatch Logs is unavailable; try again shortly', { cause: error, retryAfterSeconds: 5 });
      throw error;
    }
  }
}

function decodeToken(token: string | undefined, groups: number): { group: number; token: string | undefined } {
  if (token === undefined) return { group: 0, token: undefined };
  try {
    const parsed = JSON.parse(token) as { g?: unknown; t?: unknown };
    if (typeof parsed.g === 'number' && Number.isInteger(parsed.g) && parsed.g >= 0 && parsed.g < groups && (parsed.t === undefined || typeof parsed.t === 'string')) {
      return { group: parsed.g, token: parsed.t as string | undefined };
    }
  } catch { /* answered below */ }
  throw new ValidationError('cursor is not one this API gave', { details: [{ path: '/query/cursor', message: 'not a cursor from a previous page' }] });
}
