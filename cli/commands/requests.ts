/**
 * `apollo requests submit|list|get|logs|retry|cancel|deprovision`: self-service requests. `submit --wait`
 * and `logs --follow` print the request's lines live from its realtime topic; `--wait` exits with the
 * outcome (0 completed; 1 failed or interrupted; 5 cancelled; 6 rejected by an approver; 7 at --timeout).
 */
import { Option, type Command } from 'commander';
import type { Request, RequestLogEntry, RequestStatus } from '#schemas/index.ts';
import type { Cli } from '../context.ts';
import { CliError, EXIT } from '../exit.ts';
import { follow, parseDuration, type Line } from '../follow.ts';
import { ago, collect, confirm, intOption, nextPage, pages, parsePairs, readDocument } from '../helpers.ts';

const STATUSES = ['submitted', 'validating', 'awaiting_approval', 'queued', 'in_progress', 'rolling_back', 'completed', 'failed', 'cancelled', 'interrupted', 'deprovisioning', 'deprovisioned'] as const;
/** Where a request rests: nothing happens to it until someone acts. */
const RESTING: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled', 'interrupted', 'deprovisioned']);

/** The form's field types by id (top-level and conditional fields), so `--field ttl=300` sends a number. */
async function fieldTypes(cli: Cli, offering: string): Promise<Record<string, string | undefined>> {
  const form = (await cli.request('GET /api/v1/catalog/items/{item_id}/schema', { params: { item_id: offering } })).body;
  const types: Record<string, string | undefined> = {};
  const visit = (schema: unknown) => {
    if (!schema || typeof schema !== 'object') return;
    const s = schema as { properties?: Record<string, { type?: unknown }>; allOf?: unknown[]; then?: unknown; else?: unknown };
    for (const [id, p] of Object.entries(s.properties ?? {})) if (typeof p?.type === 'string' && !types[id]) types[id] = p.type;
    for (const part of s.allOf ?? []) visit(part);
    visit(s.then);
    visit(s.else);
  };
  visit(form.schema);
  return types;
}

/** `an operator or team platform`: who may decide, in words. */
function approversOf(approval: NonNullable<Request['approval']>): string {
  const a = approval.rule.approvers as { roles?: string[]; teams?: string[]; principals?: string[] };
  const who = [...(a.roles ?? []).map((r) => `${/^[aeiou]/.test(r) ? 'an' : 'a'} ${r}`), ...(a.teams ?? []).map((t) => `team ${t}`), ...(a.principals ?? [])];
  return who.join(' or ') || 'an approver';
}

const lineOf = (e: RequestLogEntry): Line => ({
  key: `${e.at}|${e.action ?? ''}|${e.message}`,
  at: e.at,
  text: `${e.status ? `[${e.status.replace('_', ' ')}] ` : ''}${e.action ? `${e.action}: ` : ''}${e.message}`,
  severity: e.severity,
  data: e,
});

/** Follows a request until it rests; prints the outcome; answers the request as GET shows it. */
export async function waitForRequest(cli: Cli, id: string, timeoutMs: number, options: { linesAreOutput?: boolean } = {}): Promise<Request> {
  const until = (status: string) => RESTING.has(status);
  let announcedApproval = false;
  const request = await follow<Request>(cli, {
    topic: `request:${id}`,
    timeoutMs,
    read: async () => {
      const r = (await cli.request('GET /api/v1/requests/{id}', { params: { id } })).body;
      if (r.status === 'awaiting_approval' && r.approval && !announcedApproval) {
        announcedApproval = true;
        cli.note(`waiting for approval by ${approversOf(r.approval)} (they see it in \`apollo approvals list\`)`);
      }
      return { value: r, lines: r.timeline.map(lineOf) };
    },
    // Not every log line is published (an action's detail lines are not): each frame wakes a read, whose
    // timeline has them all, in order.
    mayHaveEnded: (data) => until((data as Partial<RequestStatus>).status ?? ''),
    ended: (r) => until(r.status),
    status: (r) => `${r.status.replace('_', ' ')} ${r.progress}%${r.currentAction ? ` · ${r.currentAction.name}` : ''}`,
    again: `apollo requests logs ${id} --follow, or apollo requests get ${id}`,
    ...(options.linesAreOutput ? { linesAreOutput: true } : {}),
  });
  return request;
}

/** The exit a request's outcome means for `--wait`. */
export function outcomeOf(r: Request): { code: number; text: string } {
  if (r.status === 'completed' || r.status === 'deprovisioned') return { code: EXIT.ok, text: `${r.status} ${r.id}` };
  if (r.status === 'cancelled') return { code: EXIT.conflict, text: `cancelled ${r.id}${r.cancel?.reason ? `: ${r.cancel.reason}` : ''}` };
  if (r.approval?.status === 'rejected') return { code: EXIT.policy, text: `rejected ${r.id}: ${r.error?.message ?? 'an approver said no'}` };
  if (r.status === 'interrupted') return { code: EXIT.failure, text: `interrupted ${r.id}: ${r.message}; apollo requests retry ${r.id} --confirm resumes it` };
  return { code: EXIT.failure, text: `${r.status} ${r.id}: ${r.error?.message ?? r.message}${r.status === 'failed' ? `; apollo requests retry ${r.id} shows what a retry would run` : ''}` };
}

function printRequest(cli: Cli, r: Request): void {
  const outputs = Object.entries(r.outputs ?? {}).flatMap(([action, values]) => Object.entries(values as Record<string, unknown>).map(([k, v]) => `${action}.${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`));
  cli.print(r, {
    kind: 'fields',
    fields: [
      ['id', r.id], ['offering', `${r.offering.id}${r.offering.version ? ` ${r.offering.version}` : ''}`], ['status', r.status], ['progress', `${r.progress}%`],
      ['message', r.message], ['requester', r.requester], ['team', r.team], ['priority', r.priority],
      ['fields', Object.entries(r.fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)],
      ['actions', r.actions.map((a) => `${a.name}: ${a.status}`)],
      ...(outputs.length ? [['outputs', outputs] as const] : []),
      ...(r.error ? [['error', `${r.error.code}: ${r.error.message}`] as const] : []),
      ...(r.nextSteps?.length ? [['next steps', r.nextSteps] as const] : []),
      ['created', r.createdAt], ['completed', r.completedAt],
    ],
  });
}

export function registerRequests(program: Command, cli: Cli): void {
  const requests = program.command('requests').alias('req').description('Self-service requests: submit one, follow it live, retry or cancel it');

  requests
    .command('submit <offering>')
    .description('Submit a request for an offering (`apollo offerings show <offering> --form` lists its fields)')
    .option('-f, --field <key=value>', 'a form field (repeat); key:=<json> for a JSON value', collect, [])
    .option('--fields-file <path>', 'the fields from a JSON or YAML file (- for stdin); --field wins over it')
    .option('--team <id>', 'the team it is for (default: your team, when you have one)')
    .addOption(new Option('--priority <level>', 'its priority').choices(['low', 'normal', 'high']))
    .option('--note <text>', 'a note for approvers and the fulfilling team')
    .option('--wait', 'follow it live until it completes, fails or is cancelled; exit with its outcome')
    .option('--timeout <duration>', 'with --wait: give up waiting after this long (90s, 30m, 2h)', '60m')
    .option('--idempotency-key <key>', 'the same key submits once, however often it is sent (CI retries)')
    .addHelpText('after', [
      '',
      'Examples:',
      '  $ apollo requests submit dns-record --field environment=dev --field name=api --field value=api.lb.example.com --wait',
      '  $ apollo requests submit postgresql-database --fields-file db.yaml --priority high --note "launch on Monday"',
      '  $ apollo requests submit s3-bucket -f environment=dev -f bucket_name=reports -f service=core-service -f monthly_budget_usd:=25 -o json',
      '',
      'With --wait the exit code is the outcome: 0 completed, 1 failed or interrupted, 5 cancelled, 6 rejected, 7 still running at --timeout.',
    ].join('\n'))
    .action(async (offering: string, o: { field: string[]; fieldsFile?: string; team?: string; priority?: 'low' | 'normal' | 'high'; note?: string; wait?: boolean; timeout: string; idempotencyKey?: string }) => {
      const timeoutMs = parseDuration(o.timeout);
      const types = await fieldTypes(cli, offering);
      const base = o.fieldsFile ? (await readDocument(cli, o.fieldsFile)).value : {};
      if (base === null || typeof base !== 'object' || Array.isArray(base)) throw new CliError(`${o.fieldsFile} must hold an object of field values`, EXIT.usage);
      const fields = { ...(base as Record<string, unknown>), ...parsePairs(o.field, '--field', types) };
      const created = (await cli.request('POST /api/v1/requests', {
        body: { offeringId: offering, fields, ...(o.team ? { team: o.team } : {}), ...(o.priority ? { priority: o.priority } : {}), ...(o.note ? { note: o.note } : {}) },
        ...(o.idempotencyKey ? { idempotencyKey: o.idempotencyKey } : {}),
      })).body;
      cli.note(`submitted ${created.id} (${created.offering.id}) — ${created.message}`);
      if (!o.wait) {
        printRequest(cli, created);
        return;
      }
      const ended = await waitForRequest(cli, created.id, timeoutMs);
      printRequest(cli, ended);
      const outcome = outcomeOf(ended);
      if (outcome.code !== EXIT.ok) throw new CliError(outcome.text, outcome.code as never);
      cli.note(outcome.text);
    });

  requests
    .command('list')
    .alias('ls')
    .description('Requests, newest first: yours, a team\'s, or everyone\'s (requests:manage)')
    .addOption(new Option('--scope <scope>', 'whose').choices(['mine', 'team', 'all']).default('mine'))
    .option('--team <id>', 'with --scope team: this team')
    .addOption(new Option('--status <status>', 'in this status').choices(STATUSES))
    .option('--offering <id>', 'for this offering')
    .option('--from <time>', 'created at or after (ISO 8601)')
    .option('--to <time>', 'created before (ISO 8601)')
    .option('--limit <n>', 'at most this many per page', intOption('--limit', 1, 100))
    .option('--cursor <cursor>', 'the page after this cursor')
    .option('--all', 'every page')
    .addHelpText('after', '\nExamples:\n  $ apollo requests list\n  $ apollo requests list --scope team --team payments --status failed\n  $ apollo requests list --scope all --offering dns-record -o json')
    .action(async (o: { scope: 'mine' | 'team' | 'all'; team?: string; status?: (typeof STATUSES)[number]; offering?: string; from?: string; to?: string; limit?: number; cursor?: string; all?: boolean }) => {
      const { items, nextCursor, body } = await pages((cursor) => cli.request('GET /api/v1/requests', {
        query: { scope: o.scope, team: o.team, status: o.status, offering: o.offering, from: o.from, to: o.to, limit: o.limit, cursor },
      }).then((r) => r.body), { all: o.all, cursor: o.cursor });
      cli.print(body, {
        kind: 'table', rows: items, empty: 'No requests match.',
        columns: [
          { header: 'id', value: (r) => r.id },
          { header: 'offering', value: (r) => r.offering.id },
          { header: 'status', value: (r) => r.status },
          { header: 'progress', value: (r) => `${r.progress}%` },
          { header: 'requester', value: (r) => r.requester },
          { header: 'team', value: (r) => r.team },
          { header: 'created', value: (r) => ago(r.createdAt) },
        ],
        footer: nextPage(cli, nextCursor),
      });
    });

  requests
    .command('get <id>')
    .description('One request: its fields, each action, outputs, error and next steps')
    .addHelpText('after', '\nExamples:\n  $ apollo requests get 01JDZ6V7Q3M4X8K2N5P9R0T1AB\n  $ apollo requests get 01JDZ6V7Q3M4X8K2N5P9R0T1AB -o json | jq .outputs')
    .action(async (id: string) => printRequest(cli, (await cli.request('GET /api/v1/requests/{id}', { params: { id } })).body));

  requests
    .command('logs <id>')
    .description('A request\'s log, oldest first; --follow prints new lines live until it rests')
    .option('--action <id>', 'only this action\'s lines')
    .addOption(new Option('--severity <level>', 'this severity and above').choices(['debug', 'info', 'warn', 'error']))
    .option('--follow', 'keep printing lines as they happen, until the request completes, fails or is cancelled')
    .option('--timeout <duration>', 'with --follow: stop after this long', '60m')
    .addHelpText('after', '\nExamples:\n  $ apollo requests logs 01JDZ6V7Q3M4X8K2N5P9R0T1AB\n  $ apollo requests logs 01JDZ6V7Q3M4X8K2N5P9R0T1AB --severity warn\n  $ apollo requests logs 01JDZ6V7Q3M4X8K2N5P9R0T1AB --follow')
    .action(async (id: string, o: { action?: string; severity?: 'debug' | 'info' | 'warn' | 'error'; follow?: boolean; timeout: string }) => {
      if (o.follow) {
        // The log is the output here: its lines on stdout (JSON lines with -o json); the outcome a note.
        const ended = await waitForRequest(cli, id, parseDuration(o.timeout), { linesAreOutput: true });
        cli.note(outcomeOf(ended).text);
        return;
      }
      const { items, body } = await pages((cursor) => cli.request('GET /api/v1/requests/{id}/logs', { params: { id }, query: { action: o.action, severity: o.severity, limit: 500, cursor } }).then((r) => r.body), { all: true });
      cli.print(body, {
        kind: 'table', rows: items, empty: 'No log lines match.',
        columns: [
          { header: 'time', value: (e) => e.at },
          { header: 'severity', value: (e) => e.severity },
          { header: 'action', value: (e) => e.action },
          { header: 'message', value: (e) => e.message },
        ],
      });
    });

  requests
    .command('retry <id>')
    .description('Retry a failed or interrupted request: shows the plan; --confirm runs it')
    .option('-f, --field <key=value>', 'a field to change before retrying (repeat); key:=<json> for JSON', collect, [])
    .option('--confirm', 'run the retry (without it: only the plan of what would run again)')
    .option('--wait', 'with --confirm: follow it until it rests; exit with its outcome')
    .option('--timeout <duration>', 'with --wait: give up waiting after this long', '60m')
    .addHelpText('after', '\nExamples:\n  $ apollo requests retry 01JDZ6V7Q3M4X8K2N5P9R0T1AB\n  $ apollo requests retry 01JDZ6V7Q3M4X8K2N5P9R0T1AB --field ttl=600 --confirm --wait')
    .action(async (id: string, o: { field: string[]; confirm?: boolean; wait?: boolean; timeout: string }) => {
      const timeoutMs = parseDuration(o.timeout);
      const fields = o.field.length ? parsePairs(o.field, '--field', await fieldTypes(cli, (await cli.request('GET /api/v1/requests/{id}', { params: { id } })).body.offering.id)) : undefined;
      const result = (await cli.request('POST /api/v1/requests/{id}/retry', { params: { id }, body: { confirm: o.confirm === true, ...(fields ? { fields } : {}) } })).body;
      const plan = result.plan;
      if (!result.confirmed || !o.wait) {
        cli.print(result, {
          kind: 'fields',
          fields: [
            ['request', id], ['confirmed', result.confirmed ? 'yes: it runs again' : 'no: this is the plan (add --confirm)'],
            ['runs again', plan.rerun.map((a) => `${a.name}${a.why ? ` (${a.why})` : ''}`)],
            ['kept', plan.keep.map((a) => a.name)], ['retries left', plan.retriesLeft],
          ],
        });
        return;
      }
      cli.note(`retrying ${id}: ${plan.rerun.map((a) => a.name).join(', ') || 'nothing to run'}`);
      const ended = await waitForRequest(cli, id, timeoutMs);
      printRequest(cli, ended);
      const outcome = outcomeOf(ended);
      if (outcome.code !== EXIT.ok) throw new CliError(outcome.text, outcome.code as never);
    });

  requests
    .command('cancel <id>')
    .description('Cancel a request that has not finished (what it did is rolled back)')
    .requiredOption('--reason <text>', 'why (kept in the request\'s log and the audit log) (required)')
    .option('-y, --yes', 'do not ask for confirmation')
    .addHelpText('after', '\nExamples:\n  $ apollo requests cancel 01JDZ6V7Q3M4X8K2N5P9R0T1AB --reason "submitted twice" --yes')
    .action(async (id: string, o: { reason: string; yes?: boolean }) => {
      await confirm(cli, `cancel request ${id}?`, o.yes);
      const r = (await cli.request('POST /api/v1/requests/{id}/cancel', { params: { id }, body: { reason: o.reason } })).body;
      cli.note(`${r.status === 'cancelled' ? 'cancelled' : `cancelling (${r.status})`} ${r.id}`);
      printRequest(cli, r);
    });

  requests
    .command('deprovision <id>')
    .description('Undo what a completed request made (its actions\' rollbacks run; `apollo requests get` shows when it is deprovisioned)')
    .requiredOption('--reason <text>', 'why (kept in the request\'s log and the audit log) (required)')
    .option('-y, --yes', 'do not ask for confirmation')
    .addHelpText('after', '\nExamples:\n  $ apollo requests deprovision 01JDZ6V7Q3M4X8K2N5P9R0T1AB --reason "the launch moved" --yes')
    .action(async (id: string, o: { reason: string; yes?: boolean }) => {
      await confirm(cli, `deprovision what request ${id} made?`, o.yes);
      const r = (await cli.request('POST /api/v1/requests/{id}/deprovision', { params: { id }, body: { reason: o.reason } })).body;
      cli.note(`${r.status === 'deprovisioning' ? 'deprovisioning' : r.status} ${r.id} — ${r.message}`);
      printRequest(cli, r);
    });
}
