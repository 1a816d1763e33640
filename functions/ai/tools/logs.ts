/**
 * Log tools, through the observability context's public module: the same read as `GET /api/v1/logs/services/{id}`
 * (the service's log groups from the catalog, secrets masked, rate-limited per caller), so the model sees no more
 * than the caller could.
 */
import type { ServiceLogs } from '#schemas/index.ts';
import { serviceLogs } from '#functions/observability/public';
import { defineTool } from './define.ts';
import { groupLines, type LogLine } from './error-groups.ts';
import { clip, ENVIRONMENT, fitting, objectSchema, SERVICE, SINCE_MINUTES, TO, windowOf } from './input.ts';

const PAGE = 1_000;
/** Pages read per level at most (each is one of the caller's log reads a minute). */
const MAX_PAGES = 3;
const LINE_CHARS = 400;
/** Characters of JSON the lines and groups may take (the tools' output limits less the rest of the answer). */
const SEARCH_BUDGET = 11_000;
const GROUPS_BUDGET = 8_500;

type Level = 'ERROR' | 'WARN' | 'INFO' | 'DEBUG';

interface Read { readonly lines: ServiceLogs['items']; readonly complete: boolean; readonly source: string; readonly environment: string }

/** The window's lines (a level and text filter as the API has them), page after page up to `maxPages`. */
async function readLines(principal: string, service: string, query: { environment?: string; start: number; end: number; level?: Level; q?: string }, maxPages = MAX_PAGES): Promise<Read> {
  const lines: ServiceLogs['items'] = [];
  let cursor: string | undefined;
  let page: ServiceLogs | undefined;
  for (let n = 0; n < maxPages; n++) {
    page = await serviceLogs(service, {
      ...(query.environment ? { environment: query.environment } : {}),
      from: new Date(query.start).toISOString(), to: new Date(query.end).toISOString(),
      ...(query.level ? { level: query.level } : {}), ...(query.q ? { q: query.q } : {}),
      limit: PAGE, ...(cursor ? { cursor } : {}),
    }, principal);
    lines.push(...page.items);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return { lines, complete: !page?.nextCursor, source: page?.source ?? 'unknown', environment: page?.environment ?? query.environment ?? '' };
}

const SEARCH_INPUT = objectSchema({
  service: SERVICE,
  environment: ENVIRONMENT,
  sinceMinutes: SINCE_MINUTES,
  to: TO,
  level: { type: 'string', enum: ['ERROR', 'WARN', 'INFO', 'DEBUG'], description: 'Only lines of this level.' },
  q: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[^"\\\\]*$', description: 'Only lines containing every word of this text.' },
  limit: { type: 'integer', minimum: 1, maximum: 200, description: 'How many lines (default 50).' },
  newest: { type: 'boolean', description: 'The window\'s last lines rather than its first (default true).' },
}, ['service']);

export const logsSearch = defineTool<{ service: string; environment?: string; sinceMinutes?: number; to?: string; level?: Level; q?: string; limit?: number; newest?: boolean }>({
  name: 'logs_search',
  description: 'A service\'s log lines in an environment over a window (default the last 60 minutes), filtered by level and text, secrets masked: the window\'s last lines by default, oldest first. For what goes wrong most, use error_groups first.',
  inputSchema: SEARCH_INPUT,
  risk: 'read',
  permission: 'logs:read',
  timeoutMs: 20_000,
  outputLimit: 12_000,
  async run(input, { caller }) {
    const { start, end } = windowOf(input);
    const limit = input.limit ?? 50;
    const newest = input.newest ?? true;
    const read = await readLines(caller.principal, input.service, { ...input, start, end }, newest ? MAX_PAGES : 1);
    const picked = newest ? read.lines.slice(-limit) : read.lines.slice(0, limit);
    // Whole lines within the output limit: the oldest go first when the newest are asked for.
    const lines = fitting(picked.map((l) => ({ at: l.timestamp, ...(l.level ? { level: l.level } : {}), message: clip(l.message, LINE_CHARS) })), SEARCH_BUDGET, newest);
    return {
      service: input.service, environment: read.environment, source: read.source,
      from: new Date(start).toISOString(), to: new Date(end).toISOString(),
      lines: lines.items,
      leftOut: read.lines.length - lines.items.length,
      ...(read.complete ? {} : { note: `more than the ${read.lines.length} lines read matched${newest ? ', so these are not the window\'s very last' : ''}: narrow the window (sinceMinutes, to) or the filter` }),
    };
  },
});

/** The ERROR and WARN groups of a service's window: what the tool answers and the commands tabulate. */
export interface ErrorGroupsAnswer {
  readonly service: string;
  readonly environment: string;
  readonly source: string;
  readonly from: string;
  readonly to: string;
  readonly linesRead: number;
  readonly complete: boolean;
  readonly groups: ReadonlyArray<{ count: number; level: string; message: string; firstSeen: string; lastSeen: string; example: string }>;
  readonly groupsLeftOut: number;
}

export const MAX_GROUPS = 15;

export const errorGroups = defineTool<{ service: string; environment?: string; sinceMinutes?: number; to?: string; levels?: 'ERROR' | 'ERROR,WARN' }>({
  name: 'error_groups',
  description: 'A service\'s ERROR (and WARN) log lines over a window (default the last 60 minutes) grouped by message, numbers, ids, hex and durations ignored: each group\'s count, first and last seen, and one example line, most frequent first. The quickest way to see what is failing.',
  inputSchema: objectSchema({
    service: SERVICE, environment: ENVIRONMENT, sinceMinutes: SINCE_MINUTES, to: TO,
    levels: { type: 'string', enum: ['ERROR', 'ERROR,WARN'], description: 'Which levels to group (default ERROR,WARN).' },
  }, ['service']),
  risk: 'analysis',
  permission: 'logs:read',
  timeoutMs: 30_000,
  outputLimit: 10_000,
  async run(input, { caller }): Promise<ErrorGroupsAnswer> {
    const { start, end } = windowOf(input);
    const levels: Level[] = input.levels === 'ERROR' ? ['ERROR'] : ['ERROR', 'WARN'];
    const reads: Read[] = [];
    for (const level of levels) reads.push(await readLines(caller.principal, input.service, { ...input, start, end, level }));
    // The level filter matches the word anywhere in a line: keep the lines whose own level it is.
    const lines: LogLine[] = reads.flatMap((r, i) => r.lines.filter((l) => (l.level ?? levels[i]) === levels[i]).map((l) => ({ timestamp: l.timestamp, message: l.message, level: l.level ?? levels[i]! })));
    const all = groupLines(lines);
    const groups = fitting(all.slice(0, MAX_GROUPS).map((g) => ({ count: g.count, level: g.level, message: clip(g.message, 240), firstSeen: g.firstSeen, lastSeen: g.lastSeen, example: clip(g.example, 300) })), GROUPS_BUDGET);
    return {
      service: input.service, environment: reads[0]!.environment, source: reads[0]!.source,
      from: new Date(start).toISOString(), to: new Date(end).toISOString(),
      linesRead: lines.length, complete: reads.every((r) => r.complete),
      groups: groups.items,
      groupsLeftOut: all.length - groups.items.length,
    };
  },
});
