/** `apollo audit [search]|get|requests`: who did what to which resource, and the request audit trail (audit:read). */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { AuditEntry } from '#schemas/index.ts';
import type { Cli } from '../context.ts';
import { CliError, EXIT } from '../exit.ts';
import { intOption, nextPage, pages } from '../helpers.ts';
import type { Column } from '../output.ts';

const OUTCOMES = ['pending', 'succeeded', 'failed'] as const;
type Outcome = (typeof OUTCOMES)[number];
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * `--from`/`--to` as the API takes them (ISO date-times): an ISO time, a date (its midnight UTC), or an age
 * (`30m`, `12h`, `7d`, `2w` ago), since people think of the audit log as "the last week".
 */
export function timeOption(flag: string, now: () => number = Date.now) {
  return (value: string): string => {
    const age = /^(\d+)([mhdw])$/.exec(value.trim());
    if (age) return new Date(now() - Number(age[1]) * UNIT_MS[age[2]!]!).toISOString();
    const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
    const ms = Date.parse(date);
    if (!/^\d{4}-\d{2}-\d{2}/.test(value) || !Number.isFinite(ms)) throw new CliError(`${flag} ${value}: say an ISO time (2025-01-31T09:00:00Z), a date (2025-01-31) or an age (30m, 12h, 7d, 2w)`, EXIT.usage);
    return new Date(ms).toISOString();
  };
}


const resource = (e: AuditEntry): string => (e.resourceId ? `${e.resourceType}/${e.resourceId}` : e.resourceType);
const outcome = (e: AuditEntry): string => [e.outcome, e.statusCode, e.errorCode].filter((x) => x !== undefined).join(' ');

const COLUMNS: Column<AuditEntry>[] = [
  { header: 'at', value: (e) => e.at },
  { header: 'actor', value: (e) => (e.actorType === 'user' ? e.actor : `${e.actor} (${e.actorType})`) },
  { header: 'action', value: (e) => e.action },
  { header: 'resource', value: resource },
  { header: 'outcome', value: outcome },
  { header: 'id', value: (e) => e.id },
];

interface PageFlags {
  readonly limit?: number;
  readonly cursor?: string;
  readonly all?: boolean;
}

const pageOptions = (command: Command): Command => command
  .option('--limit <n>', 'at most this many per page', intOption('--limit', 1, 200))
  .option('--cursor <cursor>', 'the page after this cursor')
  .option('--all', 'every page (at most 10,000 entries)');

export function registerAudit(program: Command, cli: Cli): void {
  const audit = program
    .command('audit')
    .description('The audit log: every change through Apollo, who made it, and how it ended (needs audit:read: admins)')
    .addHelpText('after', '\nExamples:\n  $ apollo audit --actor dana@example.com --from 7d\n  $ apollo audit get 01JF3Z8Q9W7ZK2D4M1V6N8P0RA\n  $ apollo audit requests --outcome failed --export csv --out failed.csv');

  // The default subcommand, so `apollo audit --actor …` searches; its flags are its own, not the group's
  // (a group's flags would take `--actor` from `apollo audit requests --actor …` too).
  pageOptions(
    audit
      .command('search', { isDefault: true })
      .alias('list')
      .description('Search the audit log, newest first (default: the last 30 days, at most 366)')
      .option('--actor <principal>', 'done by this principal')
      .option('--action <prefix>', 'actions starting with this (teams. matches every team action)')
      .option('--resource-type <type>', 'on resources of this type (service, team, request, approval…)')
      .option('--resource-id <id>', 'on this resource (with --resource-type)')
      .option('--from <time>', 'from this time on: ISO time, date, or an age like 7d', timeOption('--from'))
      .option('--to <time>', 'before this time (default now): ISO time, date, or an age', timeOption('--to')),
  )
    .addHelpText('after', '\nExamples:\n  $ apollo audit\n  $ apollo audit --actor operator@apollo.local --action approvals. --from 24h\n  $ apollo audit --resource-type service --resource-id core-service -o json')
    .action(async (o: PageFlags & { actor?: string; action?: string; resourceType?: string; resourceId?: string; from?: string; to?: string }) => {
      if (o.resourceId !== undefined && o.resourceType === undefined) throw new CliError('--resource-id needs --resource-type (e.g. --resource-type service)', EXIT.usage);
      const { items, nextCursor, body } = await pages((cursor) => cli.request('GET /api/v1/audit', {
        query: { actor: o.actor, action: o.action, resourceType: o.resourceType, resourceId: o.resourceId, from: o.from, to: o.to, limit: o.limit, cursor },
      }).then((r) => r.body), { all: o.all, cursor: o.cursor });
      cli.print(body, { kind: 'table', rows: items, columns: COLUMNS, empty: 'No audit entries match.', footer: nextPage(cli, nextCursor) });
    });

  audit
    .command('get <id>')
    .description('One audit entry: the call, who made it from where, its details and outcome')
    .addHelpText('after', '\nExamples:\n  $ apollo audit get 01JF3Z8Q9W7ZK2D4M1V6N8P0RA\n  $ apollo audit get 01JF3Z8Q9W7ZK2D4M1V6N8P0RA -o json | jq .details')
    .action(async (id: string) => {
      const e = (await cli.request('GET /api/v1/audit/{id}', { params: { id } })).body;
      cli.print(e, {
        kind: 'fields',
        fields: [
          ['id', e.id], ['at', e.at], ['actor', e.actor], ['actor type', e.actorType], ['role', e.actorRole], ['action', e.action], ['resource', resource(e)],
          ['outcome', outcome(e)], ['completed', e.completedAt], ['source ip', e.sourceIp], ['user agent', e.userAgent], ['ai session', e.aiSessionId],
          ['request id', e.requestId], ['details', e.details],
        ],
      });
    });

  pageOptions(
    audit
      .command('requests')
      .description('The request audit trail: requests, their approvals, delegations and quotas, newest first; --export writes it as a file (oldest first, at most 10,000 entries)')
      .option('--request <id>', 'one request\'s entries (its approvals\' included)')
      .option('--actor <principal>', 'done by this principal')
      .option('--action <prefix>', 'actions starting with this: requests.cancel, approvals., quotas.')
      .addOption(new Option('--outcome <outcome>', 'how it ended').choices(OUTCOMES))
      .option('--from <time>', 'from this time on: ISO time, date, or an age like 7d', timeOption('--from'))
      .option('--to <time>', 'before this time (default now): ISO time, date, or an age', timeOption('--to'))
      .addOption(new Option('--export <format>', 'the whole trail as a file, to stdout or --out').choices(['csv', 'json']))
      .option('--out <file>', 'with --export: write it to this file'),
  )
    .addHelpText('after', '\nExamples:\n  $ apollo audit requests --request 01JF3Z8Q9W7ZK2D4M1V6N8P0RA\n  $ apollo audit requests --action approvals. --from 7d\n  $ apollo audit requests --from 2025-01-01 --to 2025-02-01 --export csv --out january.csv\n  $ apollo audit requests --outcome failed --export json | jq \'.items | length\'')
    .action(async (o: PageFlags & { request?: string; actor?: string; action?: string; outcome?: Outcome; from?: string; to?: string; export?: 'csv' | 'json'; out?: string }) => {
      const filters = { requestId: o.request, actor: o.actor, action: o.action, outcome: o.outcome, from: o.from, to: o.to };
      if (o.export) {
        if (o.limit !== undefined || o.cursor !== undefined || o.all) throw new CliError('--export writes every entry the filters select: leave out --limit, --cursor and --all', EXIT.usage);
        const res = await cli.request('GET /api/v1/audit/requests/export', { query: { ...filters, format: o.export } });
        // JSON comes back parsed: written as the API wrote it (two-space indent, a final newline).
        const text = typeof res.body === 'string' ? res.body : `${JSON.stringify(res.body, null, 2)}\n`;
        const count = res.headers.get('x-apollo-entries');
        if (o.out) {
          writeFileSync(resolve(cli.io.cwd, o.out), text);
          cli.note(`wrote ${count ?? 'the'} entries to ${o.out}`);
        } else {
          cli.io.stdout.write(text);
        }
        if (res.headers.get('x-apollo-truncated') === 'true') cli.note(cli.style.yellow('truncated at 10,000 entries: narrow it with --from/--to or the filters'));
        return;
      }
      if (o.out) throw new CliError('--out goes with --export csv|json', EXIT.usage);
      const { items, nextCursor, body } = await pages((cursor) => cli.request('GET /api/v1/audit/requests', { query: { ...filters, limit: o.limit, cursor } }).then((r) => r.body), { all: o.all, cursor: o.cursor });
      cli.print(body, { kind: 'table', rows: items, columns: COLUMNS, empty: 'No request audit entries match.', footer: nextPage(cli, nextCursor) });
    });
}
