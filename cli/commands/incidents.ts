/**
 * `apollo incidents list|get|timeline|ack|resolve`: incidents from PagerDuty, CloudWatch alarms and people. `ack`
 * and `resolve` read the incident first: one already in that state (or resolved) is a conflict (exit 5) rather
 * than a silent no-op, and the version read goes with the change as If-Match.
 */
import { Option, type Command } from 'commander';
import type { Incident, IncidentTimeline } from '#schemas/index.ts';
import type { Cli } from '../context.ts';
import { CliError, EXIT } from '../exit.ts';
import { ago, intOption, nextPage, pages } from '../helpers.ts';
import { renderFields, renderTable, type Column, type Style } from '../output.ts';

const STATUSES = ['open', 'triggered', 'acknowledged', 'investigating', 'resolved'] as const;
const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
const SOURCES = ['pagerduty', 'cloudwatch', 'manual', 'ai-detected'] as const;
/** How far along each status is: acknowledging one already this far along changes nothing. */
const ORDER: Readonly<Record<Incident['status'], number>> = { triggered: 0, acknowledged: 1, investigating: 2, resolved: 3 };

function severityOf(style: Style, severity: Incident['severity']): string {
  return severity === 'critical' ? style.red(severity) : severity === 'high' ? style.yellow(severity) : severity;
}

/** `--from 2026-05-01` or a full ISO time, as the API takes it (date-time). */
function isoTime(flag: string) {
  return (value: string): string => {
    const t = Date.parse(value);
    if (Number.isNaN(t)) throw new CliError(`${flag} ${value}: say a date or time, e.g. 2026-05-01 or 2026-05-01T12:00:00Z`, EXIT.usage);
    return new Date(t).toISOString();
  };
}

function incidentFields(i: Incident): Array<readonly [string, unknown]> {
  return [
    ['id', i.id],
    ['title', i.title],
    ['severity', i.severity],
    ['status', i.status],
    ['source', `${i.source.type}${i.source.alertName ? ` (${i.source.alertName})` : ''}`],
    ['services', i.affectedServices],
    ['environments', i.affectedEnvironments],
    ['team', i.team],
    ['assignee', i.assignee],
    ['runbook', i.runbook ? `${i.runbook.title} (${i.runbook.serviceId}/${i.runbook.runbookId})` : null],
    ['locks', i.locks.map((l) => `${l.service} ${l.environment}`)],
    ['opened', `${i.createdAt} by ${i.createdBy}`],
    ...(i.acknowledgedAt ? [['acknowledged', `${i.acknowledgedAt} by ${i.acknowledgedBy ?? '-'}`] as const] : []),
    ...(i.resolvedAt ? [['resolved', `${i.resolvedAt} by ${i.resolvedBy ?? '-'}`] as const] : []),
    ...(i.pagerduty ? [['pagerduty', i.pagerduty.htmlUrl ?? i.pagerduty.incidentId] as const] : []),
    ['description', i.description],
    ['version', i.version],
  ];
}

function timelineTable(t: IncidentTimeline, style: Style): string {
  const columns: Array<Column<IncidentTimeline['items'][number]>> = [
    { header: 'time', value: (e) => e.at },
    { header: 'type', value: (e) => e.type.replace('_', ' ') },
    { header: 'actor', value: (e) => e.actor },
    { header: 'what', value: (e) => e.content },
  ];
  return t.items.length ? renderTable(t.items, columns, style) : 'Nothing on its timeline yet.\n';
}

/** Acknowledge or resolve: read it, refuse a change that is no change (exit 5), send it with the version read. */
async function act(cli: Cli, id: string, to: 'acknowledged' | 'resolved', note: string | undefined): Promise<void> {
  if (note !== undefined && note.trim() === '') throw new CliError('--note is empty: say something, or leave it out', EXIT.usage);
  const current = (await cli.request('GET /api/v1/incidents/{id}', { params: { id } })).body;
  if (current.status === 'resolved') {
    throw new CliError(`incident ${id} is already resolved (${current.resolvedAt ?? '-'} by ${current.resolvedBy ?? '-'})`, EXIT.conflict, to === 'resolved' ? 'nothing to do' : 'a resolved incident is reopened in the web console first');
  }
  if (to === 'acknowledged' && ORDER[current.status] >= ORDER.acknowledged) {
    throw new CliError(`incident ${id} is ${current.status} already (acknowledged ${current.acknowledgedAt ?? '-'} by ${current.acknowledgedBy ?? '-'})`, EXIT.conflict, `resolve it when it is over: apollo incidents resolve ${id}`);
  }
  const options = { params: { id }, body: note ? { note } : {}, ifMatch: current.version };
  const i = to === 'acknowledged'
    ? (await cli.request('POST /api/v1/incidents/{id}/acknowledge', options)).body
    : (await cli.request('POST /api/v1/incidents/{id}/resolve', options)).body;
  cli.note(`${to === 'acknowledged' ? 'acknowledged' : 'resolved'} ${i.id}: ${i.title}`);
  const lifted = current.locks.filter((l) => !i.locks.some((k) => k.service === l.service && k.environment === l.environment));
  if (lifted.length) cli.note(`deploys unlocked: ${lifted.map((l) => `${l.service} ${l.environment}`).join(', ')}`);
  if (i.pagerduty?.syncError) cli.note(`PagerDuty was not told: ${i.pagerduty.syncError}`);
  cli.print(i, {
    kind: 'fields',
    fields: [['id', i.id], ['status', i.status], ['assignee', i.assignee], ...(to === 'resolved' ? [['resolved', `${i.resolvedAt ?? '-'} by ${i.resolvedBy ?? '-'}`] as const] : [['acknowledged', `${i.acknowledgedAt ?? '-'} by ${i.acknowledgedBy ?? '-'}`] as const]), ['locks', i.locks.map((l) => `${l.service} ${l.environment}`)], ['version', i.version]],
  });
}

export function registerIncidents(program: Command, cli: Cli): void {
  const incidents = program.command('incidents').alias('incident').description('Incidents: what is on fire, who has it, what happened; acknowledge and resolve');

  incidents
    .command('list')
    .alias('ls')
    .description('List incidents, newest first')
    .addOption(new Option('--status <status>', 'in this status (open: all but resolved)').choices(STATUSES))
    .addOption(new Option('--severity <severity>', 'of this severity').choices(SEVERITIES))
    .option('--service <id>', 'affecting this service')
    .option('--team <id>', 'of this team')
    .addOption(new Option('--source <source>', 'from this source').choices(SOURCES))
    .option('--from <time>', 'opened at or after (ISO date or time)', isoTime('--from'))
    .option('--to <time>', 'opened before (ISO date or time)', isoTime('--to'))
    .option('--limit <n>', 'at most this many per page', intOption('--limit', 1, 200))
    .option('--cursor <cursor>', 'the page after this cursor')
    .option('--all', 'every page')
    .addHelpText('after', '\nExamples:\n  $ apollo incidents list --status open\n  $ apollo incidents list --service core-service --severity critical\n  $ apollo incidents list --from 2026-05-01 --all -o json')
    .action(async (o: { status?: (typeof STATUSES)[number]; severity?: (typeof SEVERITIES)[number]; service?: string; team?: string; source?: (typeof SOURCES)[number]; from?: string; to?: string; limit?: number; cursor?: string; all?: boolean }) => {
      const { items, nextCursor, body } = await pages((cursor) => cli.request('GET /api/v1/incidents', {
        query: { status: o.status, severity: o.severity, service: o.service, team: o.team, source: o.source, from: o.from, to: o.to, limit: o.limit, cursor },
      }).then((r) => r.body), { all: o.all, cursor: o.cursor });
      cli.print(body, {
        kind: 'table', rows: items, empty: 'No incidents match.',
        columns: [
          { header: 'id', value: (i) => i.id },
          { header: 'severity', value: (i) => severityOf(cli.style, i.severity) },
          { header: 'status', value: (i) => i.status },
          { header: 'services', value: (i) => i.affectedServices },
          { header: 'assignee', value: (i) => i.assignee },
          { header: 'opened', value: (i) => ago(i.createdAt) },
          { header: 'title', value: (i) => i.title },
        ],
        footer: nextPage(cli, nextCursor),
      });
    });

  incidents
    .command('get <id>')
    .alias('show')
    .description('One incident and its timeline (-o json prints the incident; `incidents timeline` prints the timeline)')
    .addHelpText('after', '\nExamples:\n  $ apollo incidents get 01JV3ZQ8K2M4N6P8R0T2V4X6Z8\n  $ apollo incidents get 01JV3ZQ8K2M4N6P8R0T2V4X6Z8 -o json')
    .action(async (id: string) => {
      const i = (await cli.request('GET /api/v1/incidents/{id}', { params: { id } })).body;
      // json and yaml print the incident as the API answered it (their view goes unused): no timeline to read.
      if (cli.format !== 'table') return cli.print(i, { kind: 'text', text: '' });
      const t = (await cli.request('GET /api/v1/incidents/{id}/timeline', { params: { id } })).body;
      cli.print(i, { kind: 'text', text: `${renderFields(incidentFields(i), cli.style)}\n${timelineTable(t, cli.style)}` });
    });

  incidents
    .command('timeline <id>')
    .description('The incident\'s timeline, oldest first: alerts, status changes, comments, and Apollo\'s own deploys, requests and rotations around it')
    .addHelpText('after', '\nExamples:\n  $ apollo incidents timeline 01JV3ZQ8K2M4N6P8R0T2V4X6Z8\n  $ apollo incidents timeline 01JV3ZQ8K2M4N6P8R0T2V4X6Z8 -o json')
    .action(async (id: string) => {
      const t = (await cli.request('GET /api/v1/incidents/{id}/timeline', { params: { id } })).body;
      cli.print(t, { kind: 'text', text: timelineTable(t, cli.style) });
    });

  incidents
    .command('ack <id>')
    .alias('acknowledge')
    .description('Acknowledge an incident (operators: incidents:manage); you become its assignee if it has none. Exit 5 when it is acknowledged or resolved already')
    .option('--note <text>', 'said on the timeline (and to PagerDuty when it came from there)')
    .addHelpText('after', '\nExamples:\n  $ apollo incidents ack 01JV3ZQ8K2M4N6P8R0T2V4X6Z8\n  $ apollo incidents ack 01JV3ZQ8K2M4N6P8R0T2V4X6Z8 --note "looking at the pool"')
    .action(async (id: string, o: { note?: string }) => act(cli, id, 'acknowledged', o.note));

  incidents
    .command('resolve <id>')
    .description('Resolve an incident (operators: incidents:manage); its environments\' deploy locks are lifted. Exit 5 when it is resolved already')
    .option('--note <text>', 'said on the timeline (and to PagerDuty when it came from there)')
    .addHelpText('after', '\nExamples:\n  $ apollo incidents resolve 01JV3ZQ8K2M4N6P8R0T2V4X6Z8 --note "Rolled back to 2.14.1; error rate under 1 %"')
    .action(async (id: string, o: { note?: string }) => act(cli, id, 'resolved', o.note));
}
