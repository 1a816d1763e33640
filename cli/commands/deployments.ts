/**
 * Deployments: `apollo deploy|rollback|promote|scale|restart` (each with `--wait`), `apollo deployments
 * list|get|cancel|canary|preflight`, and `apollo locks`. `--wait` follows the deployment live (its
 * realtime topic) and exits with the outcome: 0 succeeded; 1 failed or rolled back; 5 cancelled or
 * expired; 6 rejected or refused; 7 still running at --timeout.
 */
import { Option, type Command } from 'commander';
import type { Deployment } from '#schemas/index.ts';
import type { Cli } from '../context.ts';
import { CliError, EXIT, type ExitCode } from '../exit.ts';
import { follow, parseDuration, type Line } from '../follow.ts';
import { ago, collect, confirm, intOption, nextPage, pages } from '../helpers.ts';

const ENDED: ReadonlySet<string> = new Set(['succeeded', 'failed', 'rolled_back', 'cancelled', 'rejected', 'expired', 'refused']);
const OPERATIONS = ['deploy', 'rollback', 'promote', 'scale', 'restart'] as const;

type TimelineEntry = Deployment['timeline'][number];
const lineOf = (e: TimelineEntry): Line => ({ key: `${e.at}|${e.stage}|${e.message}`, at: e.at, text: `[${e.stage}] ${e.message}`, severity: e.severity });

/** Follows a deployment until it ends; answers it as GET shows it then. */
export async function waitForDeployment(cli: Cli, id: string, timeoutMs: number): Promise<Deployment> {
  const said = new Set<string>();
  const once = (key: string, text: string) => { if (!said.has(key)) { said.add(key); cli.note(text); } };
  return follow<Deployment>(cli, {
    topic: `deployment:${id}`,
    timeoutMs,
    read: async () => {
      const d = (await cli.request('GET /api/v1/deployments/{id}', { params: { id } })).body;
      if (d.status === 'awaiting_approval') once('approval', `waiting for approval: an operator other than ${d.initiatedBy}, or an admin, approves it (apollo approvals list)`);
      if (d.status === 'paused') once('paused', `paused: the canary failed and ${d.service} asks a human — apollo deployments canary ${d.id} --promote|--rollback --reason "…"`);
      if (d.status === 'queued') once('queued', `queued until the deployment window opens${d.safeguards?.queuedUntil ? ` (${d.safeguards.queuedUntil})` : ''}`);
      return { value: d, lines: d.timeline.map(lineOf) };
    },
    lineOf: (data) => {
      const entry = (data as { entry?: TimelineEntry }).entry;
      return entry ? lineOf(entry) : undefined;
    },
    mayHaveEnded: (data) => ENDED.has((data as { status?: string }).status ?? ''),
    ended: (d) => ENDED.has(d.status),
    again: `apollo deployments get ${id} --follow`,
    status: (d) => {
      const r = d.rollout;
      const replicas = r?.desiredReplicas !== undefined ? ` ${r.readyReplicas ?? 0}/${r.desiredReplicas} ready` : '';
      return `${d.status.replace('_', ' ')} · ${d.stage}${replicas}${d.canary?.status === 'running' ? ` · canary ${d.canary.failedChecks} failed checks` : ''}`;
    },
  });
}

export function deploymentOutcome(d: Deployment): { code: ExitCode; text: string } {
  const what = `${d.operation} ${d.service} ${d.environment}${d.imageTag ? ` ${d.imageTag}` : ''} (${d.id})`;
  const error = d.error ? `: ${d.error}` : '';
  switch (d.status) {
    case 'succeeded': return { code: EXIT.ok, text: `succeeded: ${what}${d.durationMs ? ` in ${Math.round(d.durationMs / 1000)} s` : ''}` };
    case 'cancelled':
    case 'expired': return { code: EXIT.conflict, text: `${d.status}: ${what}${error}` };
    case 'rejected':
    case 'refused': return { code: EXIT.policy, text: `${d.status}: ${what}${error}` };
    default: return { code: EXIT.failure, text: `${d.status.replace('_', ' ')}: ${what}${error}` };
  }
}

function printDeployment(cli: Cli, d: Deployment): void {
  cli.print(d, {
    kind: 'fields',
    fields: [
      ['id', d.id], ['operation', d.operation], ['service', d.service], ['environment', d.environment],
      ['version', d.imageTag ? `${d.previousImageTag ?? '-'} → ${d.imageTag}` : '-'],
      ...(d.replicas !== undefined && d.replicas !== null ? [['replicas', `${d.previousReplicas ?? '-'} → ${d.replicas}`] as const] : []),
      ['status', d.status], ['stage', d.stage], ['by', `${d.initiatedBy} via ${d.initiatedVia}`], ['reason', d.reason],
      ...(d.approval?.required ? [['approval', `${d.approval.status ?? 'pending'}${d.approval.decidedBy?.length ? ` by ${d.approval.decidedBy.join(', ')}` : ''}`] as const] : []),
      ...(d.canary ? [['canary', `${d.canary.status} (${d.canary.failedChecks} failed checks)`] as const] : []),
      ...(d.gitops?.pullRequest ? [['pull request', d.gitops.pullRequest.url] as const] : d.gitops?.commitUrl ? [['commit', d.gitops.commitUrl] as const] : []),
      ...(d.error ? [['error', d.error] as const] : []),
      ['created', d.createdAt], ['completed', d.completedAt],
    ],
  });
}

interface WaitFlags {
  readonly wait?: boolean;
  readonly timeout: string;
}

/** Prints what was asked for, or follows it to its end and exits with the outcome. */
async function started(cli: Cli, d: Deployment, o: WaitFlags, timeoutMs: number): Promise<void> {
  cli.note(`${d.operation} ${d.service} ${d.environment}: ${d.id} ${d.status}${d.approval?.required ? ' (needs approval)' : ''}`);
  if (!o.wait) {
    printDeployment(cli, d);
    return;
  }
  const ended = await waitForDeployment(cli, d.id, timeoutMs);
  printDeployment(cli, ended);
  const outcome = deploymentOutcome(ended);
  if (outcome.code !== EXIT.ok) throw new CliError(outcome.text, outcome.code);
  cli.note(outcome.text);
}

const waitOptions = (command: Command): Command => command
  .option('--wait', 'follow it live until it ends; exit with its outcome')
  .option('--timeout <duration>', 'with --wait: give up waiting after this long (90s, 30m, 2h)', '30m')
  .option('--reason <text>', 'why (on the record, the commit message and the audit log)');

const WAIT_EXITS = 'With --wait the exit code is the outcome: 0 succeeded, 1 failed or rolled back, 5 cancelled or expired, 6 rejected or refused, 7 still running at --timeout.';

export function registerDeployments(program: Command, cli: Cli): void {
  waitOptions(program
    .command('deploy <service> <env> <version>')
    .description('Deploy an image tag of a service to an environment (production: approved by an operator other than you first)'))
    .option('--override <reason>', 'ask past a freeze (then an admin approves an exception), a window (admins) or an incident\'s lock (operators)')
    .option('--acknowledge <warning>', 'a warning you accept (dependencies); repeat for more', collect)
    .addOption(new Option('--outside-window <what>', 'outside a deployment window: refuse (default) or queue until it opens').choices(['refuse', 'queue']))
    .option('--commit <sha>', 'the source commit the image was built from (DORA lead time counts from it)')
    .option('--commit-time <iso>', 'with --commit: when that commit was made')
    .option('--idempotency-key <key>', 'the same key deploys once, however often it is sent (CI retries)')
    .addHelpText('after', [
      '',
      'Examples:',
      '  $ apollo deploy core-service staging v1.4.2 --wait',
      '  $ apollo deploy core-service prod v1.4.2 --reason "fix checkout timeouts" --wait --timeout 45m',
      '  $ apollo deploy core-service staging "$GITHUB_SHA" --commit "$GITHUB_SHA" --idempotency-key "$GITHUB_RUN_ID-$GITHUB_RUN_ATTEMPT" --wait',
      '',
      WAIT_EXITS,
    ].join('\n'))
    .action(async (service: string, environment: string, imageTag: string, o: WaitFlags & { reason?: string; override?: string; acknowledge?: string[]; outsideWindow?: 'refuse' | 'queue'; commit?: string; commitTime?: string; idempotencyKey?: string }) => {
      const timeoutMs = parseDuration(o.timeout);
      if (o.commitTime && !o.commit) throw new CliError('--commit-time goes with --commit', EXIT.usage);
      const body = {
        service, environment, imageTag, initiatedVia: 'cli' as const,
        ...(o.reason ? { reason: o.reason } : {}),
        ...(o.override ? { override: { reason: o.override } } : {}),
        ...(o.acknowledge?.length ? { acknowledge: o.acknowledge as never } : {}),
        ...(o.outsideWindow ? { outsideWindow: o.outsideWindow } : {}),
        ...(o.commit ? { sourceCommit: { sha: o.commit, ...(o.commitTime ? { committedAt: o.commitTime } : {}) } as never } : {}),
      };
      const d = (await cli.request('POST /api/v1/deployments', { body, ...(o.idempotencyKey ? { idempotencyKey: o.idempotencyKey } : {}) })).body;
      await started(cli, d, o, timeoutMs);
    });

  waitOptions(program
    .command('rollback <service> <env>')
    .description('Roll an environment back to its last known good version (or --to a tag)'))
    .option('--to <version>', 'the tag to go back to (default: the last known good one)')
    .option('--fast', 'skip canary analysis (an incident\'s way out)')
    .addHelpText('after', `\nExamples:\n  $ apollo rollback core-service prod --reason "errors since v1.4.2" --wait\n  $ apollo rollback core-service staging --to v1.4.0 --fast\n\n${WAIT_EXITS}`)
    .action(async (id: string, environment: string, o: WaitFlags & { reason?: string; to?: string; fast?: boolean }) => {
      const timeoutMs = parseDuration(o.timeout);
      const d = (await cli.request('POST /api/v1/services/{id}/rollback', { params: { id }, body: { environment, initiatedVia: 'cli', ...(o.to ? { imageTag: o.to } : {}), ...(o.reason ? { reason: o.reason } : {}), ...(o.fast ? { fast: true } : {}) } })).body;
      await started(cli, d, o, timeoutMs);
    });

  waitOptions(program
    .command('promote <service>')
    .description('Promote what one environment runs to another (staging → prod)'))
    .requiredOption('--from <env>', 'the environment whose version goes forward (required)')
    .requiredOption('--to <env>', 'the environment it goes to (required)')
    .option('--override <reason>', 'ask past a freeze, a window or an incident\'s lock (see deploy)')
    .option('--acknowledge <warning>', 'a warning you accept (dependencies); repeat for more', collect)
    .addHelpText('after', `\nExamples:\n  $ apollo promote core-service --from staging --to prod --wait\n\n${WAIT_EXITS}`)
    .action(async (id: string, o: WaitFlags & { from: string; to: string; reason?: string; override?: string; acknowledge?: string[] }) => {
      const timeoutMs = parseDuration(o.timeout);
      const d = (await cli.request('POST /api/v1/services/{id}/promote', {
        params: { id },
        body: { from: o.from, to: o.to, initiatedVia: 'cli', ...(o.reason ? { reason: o.reason } : {}), ...(o.override ? { override: { reason: o.override } } : {}), ...(o.acknowledge?.length ? { acknowledge: o.acknowledge as never } : {}) },
      })).body;
      await started(cli, d, o, timeoutMs);
    });

  waitOptions(program
    .command('scale <service> <env> <replicas>')
    .description('Set how many replicas an environment runs'))
    .addHelpText('after', `\nExamples:\n  $ apollo scale core-service staging 4 --wait\n\n${WAIT_EXITS}`)
    .action(async (id: string, environment: string, replicasText: string, o: WaitFlags & { reason?: string }) => {
      const timeoutMs = parseDuration(o.timeout);
      const replicas = intOption('<replicas>', 0, 500)(replicasText);
      const d = (await cli.request('POST /api/v1/services/{id}/scale', { params: { id }, body: { environment, replicas, initiatedVia: 'cli', ...(o.reason ? { reason: o.reason } : {}) } })).body;
      await started(cli, d, o, timeoutMs);
    });

  waitOptions(program
    .command('restart <service> <env>')
    .description('Restart an environment\'s pods (a rolling restart)'))
    .addHelpText('after', `\nExamples:\n  $ apollo restart core-service staging --reason "stuck connections" --wait\n\n${WAIT_EXITS}`)
    .action(async (id: string, environment: string, o: WaitFlags & { reason?: string }) => {
      const timeoutMs = parseDuration(o.timeout);
      const d = (await cli.request('POST /api/v1/services/{id}/restart', { params: { id }, body: { environment, initiatedVia: 'cli', ...(o.reason ? { reason: o.reason } : {}) } })).body;
      await started(cli, d, o, timeoutMs);
    });

  const deployments = program.command('deployments').alias('dep').description('Deployment history, one deployment, cancelling one, canary decisions and preflight checks');

  deployments
    .command('list')
    .alias('ls')
    .description('Deployments, newest first')
    .option('--service <id>', 'of this service')
    .option('--env <env>', 'to this environment')
    .option('--status <status>', 'in this status')
    .addOption(new Option('--operation <op>', 'this operation').choices(OPERATIONS))
    .option('--by <principal>', 'asked for by')
    .option('--from <time>', 'created at or after (ISO 8601)')
    .option('--to <time>', 'created before (ISO 8601)')
    .option('--limit <n>', 'at most this many per page', intOption('--limit', 1, 100))
    .option('--cursor <cursor>', 'the page after this cursor')
    .option('--all', 'every page')
    .addHelpText('after', '\nExamples:\n  $ apollo deployments list --service core-service --env prod\n  $ apollo deployments list --status failed --from 2026-11-01T00:00:00Z -o json')
    .action(async (o: { service?: string; env?: string; status?: string; operation?: (typeof OPERATIONS)[number]; by?: string; from?: string; to?: string; limit?: number; cursor?: string; all?: boolean }) => {
      const { items, nextCursor, body } = await pages((cursor) => cli.request('GET /api/v1/deployments/history', {
        query: { service: o.service, environment: o.env, status: o.status as never, operation: o.operation, initiatedBy: o.by, from: o.from, to: o.to, limit: o.limit, cursor },
      }).then((r) => r.body), { all: o.all, cursor: o.cursor });
      cli.print(body, {
        kind: 'table', rows: items, empty: 'No deployments match.',
        columns: [
          { header: 'id', value: (d) => d.id },
          { header: 'operation', value: (d) => d.operation },
          { header: 'service', value: (d) => d.service },
          { header: 'env', value: (d) => d.environment },
          { header: 'version', value: (d) => d.imageTag ?? (d.replicas !== undefined && d.replicas !== null ? `${d.replicas} replicas` : undefined) },
          { header: 'status', value: (d) => d.status },
          { header: 'by', value: (d) => d.initiatedBy },
          { header: 'created', value: (d) => ago(d.createdAt) },
        ],
        footer: nextPage(cli, nextCursor),
      });
    });

  deployments
    .command('get <id>')
    .description('One deployment: stages, approval, rollout, canary; --follow prints its timeline live until it ends')
    .option('--follow', 'follow it until it ends; exit with its outcome')
    .option('--timeout <duration>', 'with --follow: give up after this long', '30m')
    .addHelpText('after', '\nExamples:\n  $ apollo deployments get 01JDZ6V7Q3M4X8K2N5P9R0T1AB\n  $ apollo deployments get 01JDZ6V7Q3M4X8K2N5P9R0T1AB --follow')
    .action(async (id: string, o: { follow?: boolean; timeout: string }) => {
      if (!o.follow) {
        printDeployment(cli, (await cli.request('GET /api/v1/deployments/{id}', { params: { id } })).body);
        return;
      }
      const ended = await waitForDeployment(cli, id, parseDuration(o.timeout));
      printDeployment(cli, ended);
      const outcome = deploymentOutcome(ended);
      if (outcome.code !== EXIT.ok) throw new CliError(outcome.text, outcome.code);
    });

  deployments
    .command('cancel <id>')
    .description('Cancel a deployment that has not ended (what it changed is reverted)')
    .requiredOption('--reason <text>', 'why (on the record and the audit log) (required)')
    .option('-y, --yes', 'do not ask for confirmation')
    .addHelpText('after', '\nExamples:\n  $ apollo deployments cancel 01JDZ6V7Q3M4X8K2N5P9R0T1AB --reason "wrong tag" --yes')
    .action(async (id: string, o: { reason: string; yes?: boolean }) => {
      await confirm(cli, `cancel deployment ${id}?`, o.yes);
      const d = (await cli.request('POST /api/v1/deployments/{id}/cancel', { params: { id }, body: { reason: o.reason } })).body;
      cli.note(`${d.status} ${d.id}`);
      printDeployment(cli, d);
    });

  deployments
    .command('canary <id>')
    .description('Decide a paused canary: promote it or roll it back')
    .option('--promote', 'let the new version stay')
    .option('--rollback', 'go back to the previous version')
    .requiredOption('--reason <text>', 'why (on the record and the audit log) (required)')
    .addHelpText('after', '\nExamples:\n  $ apollo deployments canary 01JDZ6V7Q3M4X8K2N5P9R0T1AB --rollback --reason "p99 doubled"')
    .action(async (id: string, o: { promote?: boolean; rollback?: boolean; reason: string }) => {
      if (o.promote === o.rollback) throw new CliError('say one of --promote or --rollback', EXIT.usage);
      const d = (await cli.request('POST /api/v1/deployments/{id}/canary', { params: { id }, body: { decision: o.promote ? 'promote' : 'rollback', reason: o.reason } })).body;
      cli.note(`${o.promote ? 'promoted' : 'rolling back'} ${d.id}: ${d.status}`);
      printDeployment(cli, d);
    });

  deployments
    .command('preflight <service> <env>')
    .description('What the safeguards would say now (permission, lock, freeze, window, dependencies) — changes nothing')
    .addOption(new Option('--operation <op>', 'the operation to check').choices(OPERATIONS).default('deploy'))
    .option('--tag <version>', 'the image tag a deploy would take')
    .addHelpText('after', '\nExamples:\n  $ apollo deployments preflight core-service prod --tag v1.4.2')
    .action(async (service: string, environment: string, o: { operation: (typeof OPERATIONS)[number]; tag?: string }) => {
      const result = (await cli.request('POST /api/v1/deployments/preflight', { body: { operation: o.operation, service, environment, ...(o.tag ? { imageTag: o.tag } : {}) } })).body;
      cli.print(result, {
        kind: 'table', rows: result.checks, empty: 'No checks ran.',
        columns: [
          { header: 'safeguard', value: (c) => c.safeguard },
          { header: 'outcome', value: (c) => c.outcome },
          { header: 'reason', value: (c) => c.reason },
        ],
        footer: result.allowed ? 'allowed: nothing blocks it' : 'blocked: a check above refuses it',
      });
      if (!result.allowed) throw new CliError(`${o.operation} ${service} ${environment} would be refused`, EXIT.policy);
    });

  const locks = program.command('locks').description('Environment locks: which environments refuse deploys now, and locking or unlocking one');
  locks
    .command('list', { isDefault: true })
    .alias('ls')
    .description('The locks in force (manual ones, and those of open critical incidents)')
    .addHelpText('after', '\nExamples:\n  $ apollo locks\n  $ apollo locks list -o json')
    .action(async () => {
      const list = (await cli.request('GET /api/v1/deployments/locks')).body;
      cli.print(list, {
        kind: 'table', rows: list.items, empty: 'No environment is locked.',
        columns: [
          { header: 'service', value: (l) => l.service },
          { header: 'env', value: (l) => l.environment },
          { header: 'source', value: (l) => (l.incidentId ? `incident ${l.incidentId}` : l.source) },
          { header: 'blocks', value: (l) => l.blocks },
          { header: 'by', value: (l) => l.lockedBy },
          { header: 'since', value: (l) => ago(l.lockedAt) },
          { header: 'until', value: (l) => l.expiresAt ?? 'unlocked' },
          { header: 'reason', value: (l) => l.reason },
        ],
      });
    });
  locks
    .command('lock <service> <env>')
    .description('Lock an environment: deploys and promotions to it are refused until it is unlocked (deployments:policy)')
    .requiredOption('--reason <text>', 'why (shown to whoever is refused) (required)')
    .option('--until <time>', 'when it lifts by itself (ISO 8601)')
    .addHelpText('after', '\nExamples:\n  $ apollo locks lock core-service prod --reason "database migration" --until 2026-12-07T06:00:00Z')
    .action(async (id: string, env: string, o: { reason: string; until?: string }) => {
      const lock = (await cli.request('PUT /api/v1/services/{id}/environments/{env}/lock', { params: { id, env }, body: { reason: o.reason, ...(o.until ? { expiresAt: o.until } : {}) } })).body;
      cli.note(`locked ${lock.service} ${lock.environment}`);
      cli.print(lock, { kind: 'fields', fields: [['service', lock.service], ['environment', lock.environment], ['reason', lock.reason], ['blocks', lock.blocks], ['until', lock.expiresAt ?? 'unlocked']] });
    });
  locks
    .command('unlock <service> <env>')
    .description('Lift an environment\'s manual lock (an incident\'s lifts with the incident)')
    .addHelpText('after', '\nExamples:\n  $ apollo locks unlock core-service prod')
    .action(async (id: string, env: string) => {
      await cli.request('DELETE /api/v1/services/{id}/environments/{env}/lock', { params: { id, env } });
      cli.print({ service: id, environment: env, unlocked: true }, { kind: 'text', text: `unlocked ${id} ${env}` });
    });
}
