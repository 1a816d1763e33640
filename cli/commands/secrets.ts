/**
 * `apollo secrets list|get|rotate|history|expiring`: secrets' metadata, never a value. The API answers no value
 * (admins get the last 4 characters as `masked` only by asking with `reveal=true`, which `get` never does: that read
 * would count as an access in Secrets Manager); the CLI drops even `masked`, in every format, so a terminal, a CI
 * log or a pasted `-o json` cannot leak any part of a secret. Rotation is for admins (secrets:write).
 */
import { Option, type Command } from 'commander';
import type { Secret } from '#schemas/index.ts';
import type { Cli } from '../context.ts';
import { CliError, EXIT } from '../exit.ts';
import { ago, intOption, nextPage, pages } from '../helpers.ts';
import { renderTable, type Column } from '../output.ts';

const CATEGORIES = ['database', 'api-key', 'oauth', 'internal', 'certificate'] as const;
const DUE = ['overdue', 'due-soon', 'unused', 'ok'] as const;

/**
 * Fields that hold a value or a part of one, at any depth: the API's `masked` (last 4 characters), and the names a
 * value would come under if a later API (or Secrets Manager's own shape) ever sent one.
 */
const VALUE_KEYS = /^(masked|value|values|secretString|secretBinary|plaintext|SecretString|SecretBinary)$/i;

/** The body without any field that could hold a value; what every secrets command prints, in every format. */
export function withoutValues<T>(data: T): T {
  if (Array.isArray(data)) return data.map(withoutValues) as T;
  if (data === null || typeof data !== 'object') return data;
  return Object.fromEntries(Object.entries(data).filter(([k]) => !VALUE_KEYS.test(k)).map(([k, v]) => [k, withoutValues(v)])) as T;
}

export interface SecretRef {
  readonly env: string;
  readonly service: string;
  readonly secret: string;
}

/** `prod/core-service/db-password`, also as Secrets Manager names it (`apollo/prod/…`), or three words. */
export function parseSecretRef(parts: readonly string[]): SecretRef {
  const words = parts.length === 1 ? parts[0]!.replace(/^apollo\//, '').split('/') : [...parts];
  if (words.length !== 3 || words.some((w) => w === '')) {
    throw new CliError(`${parts.join(' ')}: name a secret as <env>/<service>/<name>`, EXIT.usage, 'e.g. prod/core-service/db-password (`apollo secrets list` shows them)');
  }
  const [env, service, secret] = words as [string, string, string];
  return { env, service, secret };
}

const refOf = (s: Pick<Secret, 'environment' | 'service' | 'name'>): string => `${s.environment}/${s.service}/${s.name}`;

/** How it is doing, in words a table can colour. */
function statusOf(cli: Cli, s: Secret): string {
  const style = cli.style;
  if (s.status === 'overdue') return style.red(s.status);
  if (s.status === 'due-soon' || s.status === 'unused' || s.status === 'scheduled-deletion') return style.yellow(s.status);
  return s.status;
}

const SIMULATED = 'simulated: the local runtime\'s encrypted file store, not AWS Secrets Manager';

function secretFields(s: Secret): Array<readonly [string, unknown]> {
  return [
    ['secret', refOf(s)],
    ['secrets manager', s.secretName],
    ['category', s.category],
    ['description', s.description],
    ['owner', s.owner],
    ['status', `${s.status}${s.statusReason ? ` (${s.statusReason})` : ''}`],
    ['rotation', `${s.rotationPolicy}${s.rotationLambda ? ', by its rotation Lambda' : ''}`],
    ['next due', s.nextRotationDue ? `${s.nextRotationDue} (${ago(s.nextRotationDue)})` : null],
    ['last rotated', s.lastRotatedAt ? `${s.lastRotatedAt} (${ago(s.lastRotatedAt)})` : null],
    ['last changed', `${s.lastChangedAt} (${ago(s.lastChangedAt)})`],
    ['last read', s.lastAccessedAt ? `${s.lastAccessedAt} (${ago(s.lastAccessedAt)})` : null],
    ...(s.expiresAt ? [['expires', `${s.expiresAt} (${ago(s.expiresAt)})`] as const] : []),
    ['current version', s.currentVersionId],
    ['read by', s.referencedBy.map((r) => `${r.serviceId} in ${r.environment} as ${r.name}`)],
    ['production', s.production ? 'yes (changes need MFA)' : 'no'],
    ...(s.deletionDate ? [['deletion', `scheduled for ${s.deletionDate}`] as const] : []),
    ...(s.simulated ? [['source', SIMULATED] as const] : []),
    ['created', s.createdAt],
  ];
}

const refArgument = '<secret...>';
const refHelp = 'the secret as <env>/<service>/<name> (or its Secrets Manager name apollo/<env>/<service>/<name>)';

export function registerSecrets(program: Command, cli: Cli): void {
  const secrets = program
    .command('secrets')
    .description('Secrets\' metadata: where each lives, its rotation policy, when it is due, who reads it. Never a value, not even its last 4 characters');

  secrets
    .command('list')
    .alias('ls')
    .description('List secrets (developers see their teams\' services; operators and up, all)')
    .option('--env <env>', 'in this environment')
    .option('--service <id>', 'of this service')
    .addOption(new Option('--category <category>', 'of this category').choices(CATEGORIES))
    .option('--owner <owner>', 'owned by this team or person')
    .addOption(new Option('--due <status>', 'only those with this rotation status').choices(DUE))
    .option('--limit <n>', 'at most this many per page', intOption('--limit', 1, 200))
    .option('--cursor <cursor>', 'the page after this cursor')
    .option('--all', 'every page')
    .addHelpText('after', '\nExamples:\n  $ apollo secrets list\n  $ apollo secrets list --env prod --due overdue\n  $ apollo secrets list --service billing-service -o json')
    .action(async (o: { env?: string; service?: string; category?: (typeof CATEGORIES)[number]; owner?: string; due?: (typeof DUE)[number]; limit?: number; cursor?: string; all?: boolean }) => {
      const { items, nextCursor, body } = await pages((cursor) => cli.request('GET /api/v1/secrets', {
        query: { environment: o.env, service: o.service, category: o.category, owner: o.owner, due: o.due, limit: o.limit, cursor },
      }).then((r) => r.body), { all: o.all, cursor: o.cursor });
      const footer = [nextPage(cli, nextCursor), items.some((s) => s.simulated) ? SIMULATED : undefined].filter(Boolean).join('\n');
      cli.print(withoutValues(body), {
        kind: 'table', rows: items, empty: 'No secrets match (a developer sees their own teams\' services only).',
        columns: [
          { header: 'secret', value: refOf },
          { header: 'category', value: (s) => s.category },
          { header: 'status', value: (s) => statusOf(cli, s) },
          { header: 'rotated', value: (s) => ago(s.lastRotatedAt ?? s.lastChangedAt) },
          { header: 'due', value: (s) => ago(s.nextRotationDue ?? s.expiresAt) },
          { header: 'owner', value: (s) => s.owner },
        ],
        footer: footer || undefined,
      });
    });

  secrets
    .command(`get ${refArgument}`)
    .description('One secret\'s metadata: category, rotation policy and status, dates, versions, who reads it (never its value)')
    .addHelpText('after', `\nArguments:\n  secret  ${refHelp}\n\nExamples:\n  $ apollo secrets get prod/core-service/db-password\n  $ apollo secrets get prod core-service db-password -o yaml`)
    .action(async (parts: string[]) => {
      const params = parseSecretRef(parts);
      const s = withoutValues((await cli.request('GET /api/v1/secrets/{env}/{service}/{secret}', { params })).body);
      cli.print(s, { kind: 'fields', fields: secretFields(s) });
    });

  secrets
    .command(`rotate ${refArgument}`)
    .description('Rotate now (admins: secrets:write): its rotation Lambda where it has one, else a generated value for internal secrets; the services reading it need a restart')
    .option('--reason <text>', 'why (kept in the audit trail)')
    .addHelpText('after', `\nArguments:\n  secret  ${refHelp}\n\nDatabase, API-key, OAuth and certificate secrets without a rotation Lambda get their new value from their provider:\nthe API refuses to rotate them (exit 5) and says so.\n\nExamples:\n  $ apollo secrets rotate prod/auth-service/jwt-signing-key --reason "overdue"\n  $ apollo secrets rotate staging/auth-service/jwt-signing-key -o json`)
    .action(async (parts: string[], o: { reason?: string }) => {
      const params = parseSecretRef(parts);
      if (o.reason !== undefined && o.reason.trim() === '') throw new CliError('--reason is empty: say why, or leave it out', EXIT.usage);
      const s = withoutValues((await cli.request('POST /api/v1/secrets/{env}/{service}/{secret}/rotate', { params, body: o.reason ? { reason: o.reason } : {} })).body);
      cli.note(`rotated ${refOf(s)}: version ${s.currentVersionId ?? '-'} is current`);
      if (s.referencedBy.length) cli.note(`restart what reads it to pick it up: ${s.referencedBy.map((r) => `${r.serviceId} in ${r.environment}`).join(', ')}`);
      cli.print(s, { kind: 'fields', fields: [['secret', refOf(s)], ['status', s.status], ['current version', s.currentVersionId], ['last rotated', s.lastRotatedAt], ['next due', s.nextRotationDue]] });
    });

  secrets
    .command(`history ${refArgument}`)
    .description('Its versions newest first: staging labels (AWSCURRENT, AWSPREVIOUS, AWSPENDING), when, and who made each through Apollo')
    .addHelpText('after', `\nArguments:\n  secret  ${refHelp}\n\nExamples:\n  $ apollo secrets history prod/core-service/db-password`)
    .action(async (parts: string[]) => {
      const params = parseSecretRef(parts);
      const h = withoutValues((await cli.request('GET /api/v1/secrets/{env}/{service}/{secret}/history', { params })).body);
      cli.print(h, {
        kind: 'table', rows: h.versions, empty: `${h.secretName} has no versions.`,
        columns: [
          { header: 'version', value: (v) => v.versionId },
          { header: 'stages', value: (v) => (v.stages.length ? v.stages : 'deprecated') },
          { header: 'created', value: (v) => v.createdAt },
          { header: 'by', value: (v) => v.createdBy },
          { header: 'last read', value: (v) => ago(v.lastAccessedAt) },
        ],
      });
    });

  secrets
    .command('expiring')
    .description('The expiry dashboard: overdue, due-soon and unused secrets, and the share rotated on schedule')
    .option('--within-days <n>', 'due within this many days counts as due soon (default 14)', intOption('--within-days', 1, 365))
    .option('--env <env>', 'in this environment')
    .option('--days <n>', 'days of compliance history (default 30; in -o json)', intOption('--days', 1, 365))
    .addHelpText('after', '\nExamples:\n  $ apollo secrets expiring\n  $ apollo secrets expiring --env prod --within-days 30')
    .action(async (o: { withinDays?: number; env?: string; days?: number }) => {
      const d = withoutValues((await cli.request('GET /api/v1/secrets/expiring', { query: { withinDays: o.withinDays, environment: o.env, days: o.days } })).body);
      const rows = [...d.overdue, ...d.dueSoon, ...d.unused];
      const c = d.compliance;
      const columns: Array<Column<Secret>> = [
        { header: 'secret', value: refOf },
        { header: 'status', value: (s) => statusOf(cli, s) },
        { header: 'category', value: (s) => s.category },
        { header: 'owner', value: (s) => s.owner },
        { header: 'why', value: (s) => s.statusReason },
      ];
      const compliance = `${c.percent === null ? '-' : `${c.percent} %`} rotated on schedule (${c.onSchedule} of ${c.total})`;
      const text = rows.length
        ? `${renderTable(rows, columns, cli.style)}\n${compliance}\n`
        : `Nothing overdue, due soon or unused.\n${compliance}\n`;
      cli.print(d, { kind: 'text', text });
    });
}
