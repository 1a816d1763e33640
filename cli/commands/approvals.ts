/** `apollo approvals list|approve|reject|decide`: requests and production deployments waiting for approvers. */
import type { Command } from 'commander';
import type { Approval, ApprovalBatch } from '#schemas/index.ts';
import type { Cli } from '../context.ts';
import { CliError, EXIT, exitCodeOfStatus } from '../exit.ts';
import { ago, collect, intOption, nextPage, pages } from '../helpers.ts';

/** What waits, in one cell: the request's id, or the deployment. */
const subject = (a: Approval): string | undefined => a.requestId ?? (a.deployment ? `deployment ${a.deployment.id}` : undefined);
/** What it is for: the offering, or the deployment's operation. */
const target = (a: Approval): string | undefined => a.offering?.id
  ?? (a.deployment ? `${a.deployment.operation} ${a.deployment.service}/${a.deployment.environment}${a.deployment.imageTag ? ` ${a.deployment.imageTag}` : ''}` : undefined);

function approvalFields(a: Approval): ReadonlyArray<readonly [string, unknown]> {
  return [
    ['id', a.id], ['status', a.status], ['kind', a.kind], [a.kind === 'deployment' ? 'deployment' : 'request', subject(a)], ['for', target(a)],
    ['requester', a.requester], ['team', a.team], ['rule', a.rule.reason],
    ...(a.outstanding?.length ? [['still needs', a.outstanding] as const] : []),
    ...a.decisions.map((d) => ['decision', `${d.decision} by ${d.principal}${d.onBehalfOf ? ` for ${d.onBehalfOf}` : ''} at ${d.at}${d.comment ? `: ${d.comment}` : ''}`] as const),
    ['expires', a.expiresAt],
  ];
}

/** Says what the decision did: the request goes on, still waits for others (mode all), or fails. */
function decided(cli: Cli, a: Approval, verb: 'approved' | 'rejected'): void {
  const what = a.requestId ? `request ${a.requestId}` : a.deployment ? `deployment ${a.deployment.id}` : 'it';
  if (a.status === 'pending') cli.note(`${verb} approval ${a.id}: ${what} still waits for ${a.outstanding?.join(', ') || 'more approvers'}`);
  else if (a.status === 'approved') cli.note(`approved ${a.id}: ${what} proceeds`);
  else cli.note(`rejected ${a.id}: ${what} fails; the requester is told why`);
}

export function registerApprovals(program: Command, cli: Cli): void {
  const approvals = program.command('approvals').alias('approval').description('Requests and production deployments waiting for approvers: what you may decide, and deciding it');

  approvals
    .command('list')
    .alias('ls')
    .description('Approvals waiting, those you may decide first (each says whether you may and why)')
    .option('--limit <n>', 'at most this many per page', intOption('--limit', 1, 200))
    .option('--cursor <cursor>', 'the page after this cursor')
    .option('--all', 'every page')
    .addHelpText('after', '\nExamples:\n  $ apollo approvals list\n  $ apollo approvals list --all -o json | jq -r \'.items[] | select(.canDecide) | .id\'')
    .action(async (o: { limit?: number; cursor?: string; all?: boolean }) => {
      const { items, nextCursor, body } = await pages((cursor) => cli.request('GET /api/v1/approvals/pending', { query: { limit: o.limit, cursor } }).then((r) => r.body), { all: o.all, cursor: o.cursor });
      cli.print(body, {
        kind: 'table', rows: items, empty: 'Nothing waits for approval.',
        columns: [
          { header: 'id', value: (a) => a.id },
          { header: 'request', value: subject },
          { header: 'offering', value: target },
          { header: 'requester', value: (a) => a.requester },
          { header: 'team', value: (a) => a.team },
          { header: 'why', value: (a) => a.why ?? a.rule.reason },
          { header: 'expires', value: (a) => ago(a.expiresAt) },
          { header: 'can decide', value: (a) => (a.canDecide ? 'yes' : 'no') },
        ],
        footer: nextPage(cli, nextCursor) ?? (items.some((a) => a.canDecide) ? 'decide: apollo approvals approve <id> [--comment <text>] | reject <id> --reason <text>' : undefined),
      });
    });

  approvals
    .command('approve <id>')
    .description('Approve as one of its rule\'s approvers (never your own request); with mode all it proceeds once every listed approver has')
    .option('--comment <text>', 'a note kept with your decision')
    .addHelpText('after', '\nExamples:\n  $ apollo approvals approve 01JF3Z8Q9W7ZK2D4M1V6N8P0RA\n  $ apollo approvals approve 01JF3Z8Q9W7ZK2D4M1V6N8P0RA --comment "Checked with the DNS owners"')
    .action(async (id: string, o: { comment?: string }) => {
      const a = (await cli.request('POST /api/v1/approvals/{id}/approve', { params: { id }, body: o.comment !== undefined ? { comment: o.comment } : {} })).body;
      decided(cli, a, 'approved');
      cli.print(a, { kind: 'fields', fields: approvalFields(a) });
    });

  approvals
    .command('reject <id>')
    .description('Reject with a reason (at least 3 characters; the requester reads it): the request fails')
    .requiredOption('--reason <text>', 'why (the requester reads it) (required)')
    .addHelpText('after', '\nExamples:\n  $ apollo approvals reject 01JF3Z8Q9W7ZK2D4M1V6N8P0RA --reason "Production records go through the change board this week"')
    .action(async (id: string, o: { reason: string }) => {
      const a = (await cli.request('POST /api/v1/approvals/{id}/reject', { params: { id }, body: { reason: o.reason } })).body;
      decided(cli, a, 'rejected');
      cli.print(a, { kind: 'fields', fields: approvalFields(a) });
    });

  approvals
    .command('decide')
    .description('Decide several at once (at most 50): each decided and audited on its own, in order (approvals first); one refused does not stop the others')
    .option('--approve <id>', 'approve this one (repeat)', collect, [])
    .option('--reject <id>', 'reject this one (repeat; needs --reason)', collect, [])
    .option('--comment <text>', 'a note kept with each approval')
    .option('--reason <text>', 'why, for each rejection (at least 3 characters)')
    .addHelpText('after', '\nExit status: 0 when every decision was made, else the class of the first refused one (4 not found, 5 decided already, 6 not yours).\n\nExamples:\n  $ apollo approvals decide --approve 01JF3Z8Q9W7ZK2D4M1V6N8P0RA --approve 01JF3Z8Q9W7ZK2D4M1V6N8P0RB\n  $ apollo approvals decide --approve 01JF3Z8Q9W7ZK2D4M1V6N8P0RA --reject 01JF3Z8Q9W7ZK2D4M1V6N8P0RC --reason "Not this week"')
    .action(async (o: { approve: string[]; reject: string[]; comment?: string; reason?: string }) => {
      if (o.approve.length + o.reject.length === 0) throw new CliError('nothing to decide: pass --approve <id> or --reject <id>', EXIT.usage);
      if (o.reject.length && o.reason === undefined) throw new CliError('a rejection needs a reason: --reason <text>', EXIT.usage);
      // Non-empty: checked above.
      const decisions = [
        ...o.approve.map((id) => ({ id, decision: 'approved' as const, ...(o.comment !== undefined ? { comment: o.comment } : {}) })),
        ...o.reject.map((id) => ({ id, decision: 'rejected' as const, comment: o.reason! })),
      ] as ApprovalBatch['decisions'];
      const result = (await cli.request('POST /api/v1/approvals/decide', { body: { decisions } })).body;
      cli.print(result, {
        kind: 'table', rows: result.results, empty: 'Nothing was decided.',
        columns: [
          { header: 'id', value: (r) => r.id },
          { header: 'decision', value: (r) => r.decision },
          { header: 'status', value: (r) => r.status },
          { header: 'result', value: (r) => (r.error ? `${r.error.code}: ${r.error.message}` : r.approval ? `${r.approval.status}${r.approval.requestId ? ` (request ${r.approval.requestId})` : ''}` : undefined) },
        ],
        footer: `${result.approved} approved, ${result.rejected} rejected, ${result.failed} refused`,
      });
      const refused = result.results.find((r) => r.status >= 400);
      if (refused) throw new CliError(`${result.failed} of ${result.results.length} not decided: ${refused.id}: ${refused.error?.message ?? `HTTP ${refused.status}`}`, exitCodeOfStatus(refused.status, refused.error?.code ?? '', refused.error?.message ?? ''));
    });
}
