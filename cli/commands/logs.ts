/**
 * `apollo logs <service>`: a service's log lines in one environment (secrets masked by the API), as
 * `time level message` lines. `--follow` keeps reading newer lines every 2 s, from the last line's time (lines of
 * that same instant read again are printed once), until Ctrl-C or `--for`; both end it with exit 0.
 */
import type { Command } from 'commander';
import { stringify as toYaml } from 'yaml';
import type { ServiceLogs } from '#schemas/index.ts';
import { ApiError } from '#shared/api-client';
import type { Cli } from '../context.ts';
import { CliError, EXIT } from '../exit.ts';
import { intOption } from '../helpers.ts';

const LEVELS = ['ERROR', 'WARN', 'INFO', 'DEBUG'] as const;
type Level = (typeof LEVELS)[number];
type LogLine = ServiceLogs['items'][number];

const POLL_MS = 2_000;
/** A follow's reads start no further back than this before the last read's end: late lines still land, the range stays small. */
const LATE_MS = 5 * 60_000;
/** Lines per read while following: the backlog drains in few reads (the API allows each caller 30 a minute by default). */
const FOLLOW_PAGE = 1_000;
const DEFAULT_SINCE = '15m';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `15m`, `1h`, `2d` → milliseconds; undefined when it is not a duration. */
export function durationMs(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  return match ? Math.round(Number(match[1]) * UNIT_MS[match[2]!]!) : undefined;
}

/** `--since 15m` (that long ago) or an ISO date or time → the ISO time the read starts at. */
export function sinceTime(text: string, now = Date.now()): string {
  const ago = durationMs(text);
  if (ago !== undefined) return new Date(now - ago).toISOString();
  const at = /^\d{4}-\d\d-\d\d/.test(text.trim()) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at)) throw new CliError(`--since ${text}: say how long ago (90s, 15m, 1h, 2d) or an ISO time (2026-05-01T12:00:00Z)`, EXIT.usage);
  return new Date(at).toISOString();
}

function forOption(value: string): number {
  const ms = durationMs(value);
  if (ms === undefined || ms <= 0) throw new CliError(`--for ${value}: say a duration like 30s, 5m or 1h`, EXIT.usage);
  return ms;
}

function levelOption(value: string): Level {
  const level = value.toUpperCase();
  if (!(LEVELS as readonly string[]).includes(level)) throw new CliError(`--level ${value}: one of ${LEVELS.map((l) => l.toLowerCase()).join(', ')}`, EXIT.usage);
  return level as Level;
}

/** A line printed once though two reads answer it (eventId where the source gives one). */
const keyOf = (line: LogLine): string => (line.eventId ? `${line.logGroup}:${line.eventId}` : `${line.logGroup} ${line.timestamp} ${line.message}`);

/** Where the lines come from, for people (stderr): simulated ones say so. */
function describeSource(body: ServiceLogs): string {
  const source = body.source === 'simulated'
    ? 'simulated: the local runtime\'s demo logs'
    : body.source === 'local' ? 'local: what this local runtime\'s own handlers wrote' : body.source;
  return `${body.service} in ${body.environment} (${source}; ${body.logGroups.join(', ') || 'no log groups'})`;
}

/** Milliseconds the API asks to wait after a 429 ("try again in 12 s"). */
function retryAfterMs(error: ApiError): number {
  const seconds = /try again in (\d+) s/.exec(error.message)?.[1];
  return seconds ? Number(seconds) * 1_000 : 10_000;
}

interface LogsOptions {
  readonly env?: string;
  readonly since: string;
  readonly level?: Level;
  readonly query?: string;
  readonly limit?: number;
  readonly cursor?: string;
  readonly follow?: boolean;
  readonly for?: number;
}

/** Prints lines as they are read: `time level message` for people, one JSON object (or YAML document) per line for scripts. */
function lineWriter(cli: Cli): (line: LogLine) => void {
  const style = cli.style;
  return (line) => {
    if (cli.format === 'json') return void cli.io.stdout.write(`${JSON.stringify(line)}\n`);
    if (cli.format === 'yaml') return void cli.io.stdout.write(`---\n${toYaml(line, { lineWidth: 0 })}`);
    const level = (line.level ?? '-').padEnd(5);
    const coloured = line.level === 'ERROR' ? style.red(level) : line.level === 'WARN' ? style.yellow(level) : line.level === 'DEBUG' ? style.dim(level) : level;
    cli.io.stdout.write(`${style.dim(line.timestamp)} ${coloured} ${line.message}\n`);
  };
}

/** One read: the page of lines from `--since` (or `--cursor`); json and yaml print the API's body. */
async function readOnce(cli: Cli, service: string, o: LogsOptions): Promise<void> {
  const from = sinceTime(o.since);
  const body = (await cli.request('GET /api/v1/logs/services/{id}', {
    params: { id: service },
    query: { environment: o.env, from, level: o.level, q: o.query, limit: o.limit, cursor: o.cursor },
  })).body;
  cli.note(describeSource(body));
  if (cli.format !== 'table') return cli.print(body, { kind: 'text', text: '' });
  const write = lineWriter(cli);
  for (const line of body.items) write(line);
  if (body.items.length === 0) cli.note(`no lines from ${body.from} to ${body.to}`);
  if (body.nextCursor) {
    const flags = [`--env ${body.environment}`, `--since ${body.from}`, o.level ? `--level ${o.level.toLowerCase()}` : '', o.query ? `-q ${JSON.stringify(o.query)}` : '', o.limit ? `--limit ${o.limit}` : ''].filter(Boolean).join(' ');
    cli.note(`more: apollo logs ${service} ${flags} --cursor ${body.nextCursor}   (or --follow)`);
  }
}

/** Reads newer lines every 2 s until Ctrl-C or `--for`; each line printed once. */
async function follow(cli: Cli, service: string, o: LogsOptions): Promise<void> {
  const write = lineWriter(cli);
  const stopAt = o.for === undefined ? Number.POSITIVE_INFINITY : Date.now() + o.for;
  let stopped = false;
  let wake: (() => void) | undefined;
  const pause = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, Math.max(0, ms));
    wake = () => { clearTimeout(timer); resolve(); };
  }).finally(() => { wake = undefined; });
  // Ctrl-C ends a follow as its way out, not as a failure: the loop stops after the read in flight.
  const interrupt = () => { stopped = true; wake?.(); };
  process.once('SIGINT', interrupt);

  let environment = o.env;
  let from = sinceTime(o.since);
  let cursor = o.cursor;
  /** Lines printed whose time may be read again (at or after `from`), by key. */
  const printed = new Map<string, number>();
  let announced = false;
  let limited = false;
  try {
    while (!stopped) {
      let body: ServiceLogs;
      try {
        body = (await cli.request('GET /api/v1/logs/services/{id}', {
          params: { id: service },
          query: { environment, from, level: o.level, q: o.query, limit: o.limit ?? FOLLOW_PAGE, cursor },
        })).body;
      } catch (error) {
        // The per-caller allowance of log reads: wait as asked and go on (the tail resumes where it was).
        if (!(error instanceof ApiError) || error.status !== 429) throw error;
        const wait = retryAfterMs(error);
        if (!limited) cli.note(`${error.message}: waiting, then going on`);
        limited = true;
        if (Date.now() + wait >= stopAt) break;
        await pause(wait);
        continue;
      }
      limited = false;
      if (!announced) {
        // The environment the API chose stays the one followed.
        environment = body.environment;
        cli.note(`${describeSource(body)}: following from ${from}; Ctrl-C to stop`);
        announced = true;
      }
      for (const line of body.items) {
        const key = keyOf(line);
        if (printed.has(key)) continue;
        printed.set(key, Date.parse(line.timestamp));
        write(line);
      }
      if (body.nextCursor) {
        // More is there already (a backlog): read it at once.
        cursor = body.nextCursor;
        if (Date.now() >= stopAt) break;
        continue;
      }
      cursor = undefined;
      const last = body.items.at(-1)?.timestamp;
      const floor = Date.parse(body.to) - LATE_MS;
      from = new Date(Math.max(last ? Date.parse(last) : Date.parse(from), floor)).toISOString();
      const since = Date.parse(from);
      for (const [key, t] of printed) if (t < since) printed.delete(key);
      if (Date.now() >= stopAt) break;
      await pause(Math.min(POLL_MS, stopAt - Date.now()));
    }
  } finally {
    process.removeListener('SIGINT', interrupt);
  }
}

export function registerLogs(program: Command, cli: Cli): void {
  program
    .command('logs <service>')
    .description('A service\'s log lines in one environment, oldest first, secrets masked: `time level message`; --follow for new ones as they come')
    .option('--env <env>', 'the environment (default: the service\'s first: prod, then staging, then dev)')
    .option('--since <when>', 'from how long ago (90s, 15m, 1h, 2d) or an ISO time; at most 7 days', DEFAULT_SINCE)
    .option('--level <level>', 'only lines of this level (error, warn, info, debug)', levelOption)
    .option('-q, --query <text>', 'only lines containing this text (every word of it)')
    .option('--limit <n>', 'lines per read (1-1000; default 100, following 1000)', intOption('--limit', 1, 1_000))
    .option('--cursor <cursor>', 'go on from where a read ended (its "more:" line)')
    .option('-f, --follow', 'keep printing new lines (read every 2 s) until Ctrl-C')
    .option('--for <duration>', 'with --follow: stop after this long (30s, 5m), exit 0', forOption)
    .addHelpText('after', [
      '',
      'Lines go to stdout; where they come from (simulated ones say so) and how to read more go to stderr.',
      'With -o json: the API\'s page as it is; with --follow, one JSON object per line (-o yaml: one document per line).',
      '',
      'Examples:',
      '  $ apollo logs core-service',
      '  $ apollo logs core-service --env prod --since 1h --level error -q HikariPool',
      '  $ apollo logs core-service --env staging --follow',
      '  $ apollo logs core-service --follow --for 5m -o json | jq -r .message',
      '  $ apollo logs apollo --since 10m          # the local runtime\'s own handlers',
    ].join('\n'))
    .action(async (service: string, o: LogsOptions) => {
      if (o.for !== undefined && !o.follow) throw new CliError('--for goes with --follow', EXIT.usage, `apollo logs ${service} --follow --for ${Math.round(o.for / 1000)}s`);
      await (o.follow ? follow(cli, service, o) : readOnce(cli, service, o));
    });
}
