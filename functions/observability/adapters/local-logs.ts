/**
 * The logs port on the local runtime's SIMULATED demo logs (./demo-logs.ts): queries in the Logs
 * Insights subset (../insights) with the real asynchronous lifecycle, Scheduled → Running →
 * Complete (or Cancelled by stopQuery, or Timeout), run in slices so a stop lands mid-way; and
 * FilterLogEvents-like pages with a token.
 */
import { randomUUID } from 'node:crypto';
import { ValidationError } from '#shared/errors';
import { Execution } from '../insights/execute.ts';
import { QuerySyntaxError } from '../insights/lexer.ts';
import { parseQuery, type Command } from '../insights/parser.ts';
import type { FilteredEvents, FilterEventsInput, LogEvent, LogQueryStatus, LogSource, LogsPort, QueryResults, StartQueryInput } from '../ports.ts';
import { DEMO_TICK_MS, demoRecords } from './demo-logs.ts';
import { mergeByTime, type OwnLogStore } from './own-logs.ts';

export interface LocalLogsOptions {
  /** How long a query stays Scheduled before it runs. @default 200 */
  readonly scheduledMs?: number;
  /** The least time a query is Running, so a client sees it run. @default 800 */
  readonly minRunningMs?: number;
  /** A query running longer than this ends Timeout (Logs Insights: 60 minutes). @default 60000 */
  readonly timeoutMs?: number;
  /** Records read between two yields to the event loop (where a stop lands). @default 20000 */
  readonly sliceSize?: number;
  /** Milliseconds between two demo lines of one log group. @default DEMO_TICK_MS */
  readonly tickMs?: number;
  /** Apollo's own handlers' real lines (the service `apollo`); without it, those groups are simulated too. */
  readonly ownLogs?: OwnLogStore;
}

interface LocalQuery {
  status: LogQueryStatus;
  result: QueryResults;
  readonly startedAt: number;
  cancelled: boolean;
}

const EMPTY = { results: [], statistics: { recordsMatched: 0, recordsScanned: 0, bytesScanned: 0 } } as const;
/** How many finished queries are kept (oldest forgotten first). */
const KEPT = 500;

export class LocalLogsAdapter implements LogsPort {
  readonly source = 'simulated' as const;
  private readonly queries = new Map<string, LocalQuery>();

  constructor(private readonly options: LocalLogsOptions = {}) {}

  sourceOf(logGroups: readonly string[]): LogSource {
    const own = this.options.ownLogs;
    return own && logGroups.length > 0 && logGroups.every((g) => own.owns(g)) ? 'local' : 'simulated';
  }

  /** The groups' records in [start, end), oldest first: Apollo's own from the store, the demo services' simulated. */
  private records(logGroups: readonly string[], start: number, end: number) {
    const tick = this.options.tickMs ?? DEMO_TICK_MS;
    const own = this.options.ownLogs;
    const mine = own ? logGroups.filter((g) => own.owns(g)) : [];
    if (!own || mine.length === 0) return demoRecords(logGroups, start, end, tick);
    const others = logGroups.filter((g) => !own.owns(g));
    if (others.length === 0) return own.records(mine, start, end);
    return mergeByTime(demoRecords(others, start, end, tick), own.records(mine, start, end));
  }

  async startQuery(input: StartQueryInput): Promise<string> {
    let commands: Command[];
    try {
      commands = parseQuery(input.query);
    } catch (error) {
      if (error instanceof QuerySyntaxError) {
        throw new ValidationError(`the query is not in the Logs Insights subset the local runtime runs: ${error.message}`, {
          cause: error, details: [{ path: '/body/query', message: `${error.message} (offset ${error.at})` }],
        });
      }
      throw error;
    }
    const id = randomUUID();
    const query: LocalQuery = { status: 'Scheduled', result: { status: 'Scheduled', ...EMPTY }, startedAt: Date.now(), cancelled: false };
    this.queries.set(id, query);
    while (this.queries.size > KEPT) this.queries.delete(this.queries.keys().next().value!);
    setTimeout(() => { void this.run(query, commands, input); }, this.options.scheduledMs ?? 200).unref?.();
    return id;
  }

  async getQueryResults(queryId: string): Promise<QueryResults> {
    const query = this.queries.get(queryId);
    if (!query) return { status: 'Unknown', ...EMPTY, error: 'the local runtime has no such query (it restarted, or forgot it)' };
    return query.result;
  }

  async stopQuery(queryId: string): Promise<boolean> {
    const query = this.queries.get(queryId);
    if (!query || (query.status !== 'Scheduled' && query.status !== 'Running')) return false;
    query.cancelled = true;
    query.status = 'Cancelled';
    query.result = { ...query.result, status: 'Cancelled' };
    return true;
  }

  async filterEvents(input: FilterEventsInput): Promise<FilteredEvents> {
    // The token is where the next page starts: a timestamp (ms) and how many lines of it to skip.
    let from = input.start;
    let skip = 0;
    if (input.nextToken !== undefined) {
      const match = /^(\d+):(\d+)$/.exec(input.nextToken);
      if (!match) throw new ValidationError('cursor is not one this API gave', { details: [{ path: '/query/cursor', message: 'not a cursor from a previous page' }] });
      from = Number(match[1]);
      skip = Number(match[2]);
    }
    const events: LogEvent[] = [];
    let lastT = -1;
    let index = 0;
    for (const record of this.records(input.logGroups, from, input.end)) {
      const t = Date.parse(`${record['@timestamp'].replace(' ', 'T')}Z`);
      if (t === lastT) index++; else { lastT = t; index = 0; }
      if (t === from && index < skip) continue;
      if (!input.terms.every((term) => record['@message'].includes(term))) continue;
      if (events.length === input.limit) return { events, nextToken: `${t}:${index}` };
      events.push({ timestamp: t, message: record['@message'], logGroup: record['@log']!, logStream: record['@logStream']!, eventId: `${t}-${index}` });
    }
    return { events };
  }

  private async run(query: LocalQuery, commands: Command[], input: StartQueryInput): Promise<void> {
    if (query.cancelled) return;
    query.status = 'Running';
    query.result = { ...query.result, status: 'Running' };
    const sliceSize = this.options.sliceSize ?? 20_000;
    const timeoutMs = this.options.timeoutMs ?? 60_000;
    const records = this.records(input.logGroups, input.start, input.end);
    const run = new Execution(commands, input.limit);
    // Read in slices, yielding between them so a stop or a read of the status lands mid-way.
    for (;;) {
      let done = false;
      for (let i = 0; i < sliceSize; i++) {
        const next = records.next();
        if (next.done) { done = true; break; }
        run.push(next.value);
      }
      query.result = { ...query.result, results: run.rowsSoFar(), statistics: run.statistics };
      if (done) break;
      await new Promise((resolve) => setImmediate(resolve));
      if (query.cancelled) return;
      if (Date.now() - query.startedAt > timeoutMs) {
        query.status = 'Timeout';
        query.result = { ...query.result, status: 'Timeout', error: `the query ran longer than ${timeoutMs} ms` };
        return;
      }
    }
    const outcome = run.finish();
    const wait = (this.options.minRunningMs ?? 800) - (Date.now() - query.startedAt);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait).unref?.());
    if (query.cancelled) return;
    query.status = 'Complete';
    query.result = {
      status: 'Complete',
      results: outcome.rows,
      statistics: { recordsMatched: outcome.recordsMatched, recordsScanned: outcome.recordsScanned, bytesScanned: outcome.bytesScanned },
    };
  }
}
