/** `apollo offerings list|show|validate|preview|simulate`: the self-service catalog, and checking a document before it ships. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { CatalogItemForm, CatalogSummary, DocumentIssue, FormPreviewResult, SimulationRequest, SimulationResult } from '#schemas/index.ts';
import type { Cli } from '../context.ts';
import { CliError, EXIT, type ExitCode } from '../exit.ts';
import { collect, intOption, nextPage, pages, parsePairs, readAll, readText } from '../helpers.ts';
import { renderFields, renderTable, type Column } from '../output.ts';

const LIFECYCLES = ['active', 'deprecated', 'retired'] as const;
type Lifecycle = (typeof LIFECYCLES)[number];
/** An offering id as the route table takes it (`item_id`): anything else named on the command line is a file. */
const ITEM_ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

type Form = Pick<CatalogItemForm, 'schema' | 'uiSchema' | 'steps' | 'dataSources'>;
type JsonSchema = Record<string, unknown>;

/** One field of a request form as a person needs it before `apollo requests submit … --field k=v`. */
export interface FormField {
  readonly id: string;
  readonly title: string;
  readonly step: string | undefined;
  /** The JSON Schema type (`string`, `integer`, `array`…): what `--field k=v` turns the text into. */
  readonly jsonType: string | undefined;
  /** The type in words: `string (date)`, `array of string`, `secret`. */
  readonly type: string;
  /** `yes`, `no`, or `when <condition>`. */
  readonly required: string;
  /** The values it takes (a select's), else its limits (pattern, range, length). */
  readonly values: string;
  readonly default: unknown;
  /** `undefined` when always shown, else `when <condition>`. */
  readonly shownWhen: string | undefined;
  readonly description: string | undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const show = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/**
 * The `if` of a compiled form's if/then in words (the compiler's shapes: a field equal to or in values, not, all,
 * any), so a person reads `access_level = break-glass` rather than JSON Schema.
 */
export function conditionText(schema: unknown): string {
  if (!isObject(schema)) return 'conditional';
  const keys = Object.keys(schema);
  if (keys.length === 0) return 'always';
  if (isObject(schema.not)) {
    const inner = schema.not;
    if (Object.keys(inner).length === 0) return 'never';
    const simple = fieldTest(inner);
    if (simple) return simple.values.length === 1 ? `${simple.field} ≠ ${show(simple.values[0])}` : `${simple.field} not in ${simple.values.map(show).join('|')}`;
    return `not (${conditionText(inner)})`;
  }
  if (Array.isArray(schema.allOf)) return [...new Set(schema.allOf.map(conditionText))].join(' and ');
  if (Array.isArray(schema.anyOf)) return [...new Set(schema.anyOf.map(conditionText))].map((t) => (t.includes(' and ') ? `(${t})` : t)).join(' or ');
  const simple = fieldTest(schema);
  if (simple) return simple.values.length === 1 ? `${simple.field} = ${show(simple.values[0])}` : `${simple.field} in ${simple.values.map(show).join('|')}`;
  return 'conditional';
}

/** `{ required: [f], properties: { f: { anyOf: [{ const } | { enum }, …array form] } } }` → the field and its values. */
function fieldTest(schema: Record<string, unknown>): { field: string; values: unknown[] } | undefined {
  const properties = schema.properties;
  if (!isObject(properties)) return undefined;
  const names = Object.keys(properties);
  if (names.length !== 1) return undefined;
  const field = names[0]!;
  const test = properties[field];
  const first = isObject(test) && Array.isArray(test.anyOf) ? test.anyOf[0] : test;
  if (!isObject(first)) return undefined;
  if ('const' in first) return { field, values: [first.const] };
  if (Array.isArray(first.enum)) return { field, values: first.enum };
  return undefined;
}

function valuesOf(property: JsonSchema): unknown[] | undefined {
  const choices = (s: unknown): unknown[] | undefined => {
    if (!isObject(s)) return undefined;
    if (Array.isArray(s.enum)) return s.enum;
    const oneOf = s.oneOf ?? s.anyOf;
    if (Array.isArray(oneOf) && oneOf.every((o) => isObject(o) && 'const' in o)) return oneOf.map((o) => (o as { const: unknown }).const);
    return undefined;
  };
  return choices(property) ?? choices(property.items);
}

function limitsOf(property: JsonSchema): string {
  const parts: string[] = [];
  const range = (min: unknown, max: unknown, unit = '') => {
    if (min !== undefined && max !== undefined) parts.push(`${show(min)}..${show(max)}${unit}`);
    else if (min !== undefined) parts.push(`≥ ${show(min)}${unit}`);
    else if (max !== undefined) parts.push(`≤ ${show(max)}${unit}`);
  };
  range(property.minimum, property.maximum);
  range(property.minLength, property.maxLength, ' chars');
  range(property.minItems, property.maxItems, ' items');
  if (typeof property.pattern === 'string') parts.push(`pattern ${property.pattern}`);
  return parts.join(', ');
}

/**
 * A compiled form's fields in form order: those always shown (the schema's properties) and the conditional ones
 * (an if/then's properties), each with when it shows and when it is required.
 */
export function formFields(form: Form): FormField[] {
  const schema = form.schema as JsonSchema;
  const ui = form.uiSchema as Record<string, unknown>;
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const properties = new Map<string, { property: JsonSchema; shownWhen?: string }>();
  for (const [id, property] of Object.entries(isObject(schema.properties) ? schema.properties : {})) properties.set(id, { property: property as JsonSchema });
  const requiredWhen = new Map<string, string[]>();
  for (const rule of Array.isArray(schema.allOf) ? schema.allOf : []) {
    if (!isObject(rule) || !isObject(rule.then)) continue;
    const when = conditionText(rule.if);
    for (const [id, property] of Object.entries(isObject(rule.then.properties) ? rule.then.properties : {})) {
      if (!properties.has(id)) properties.set(id, { property: property as JsonSchema, shownWhen: when });
    }
    for (const id of Array.isArray(rule.then.required) ? (rule.then.required as string[]) : []) requiredWhen.set(id, [...(requiredWhen.get(id) ?? []), when]);
  }
  const order = Array.isArray(ui['ui:order']) ? (ui['ui:order'] as string[]).filter((id) => id !== '*') : [];
  const ids = [...order.filter((id) => properties.has(id)), ...[...properties.keys()].filter((id) => !order.includes(id))];
  const stepOf = new Map(form.steps.flatMap((s) => s.fields.map((f) => [f, s.title] as const)));
  return ids.map((id) => {
    const { property, shownWhen } = properties.get(id)!;
    const hints = isObject(ui[id]) ? ui[id] : {};
    const options = isObject(hints['ui:options']) ? hints['ui:options'] : {};
    const source = form.dataSources[id];
    const items = isObject(property.items) ? property.items : undefined;
    const jsonType = typeof property.type === 'string' ? property.type : undefined;
    let type = jsonType ?? 'any';
    if (jsonType === 'array' && typeof items?.type === 'string') type = `array of ${items.type}`;
    if (typeof property.format === 'string') type = `${type} (${property.format})`;
    if (options.secret === true) type = 'secret';
    const values = valuesOf(property);
    const fromSource = source && source.resolved === false ? `from ${source.source}${source.dependsOn?.length ? ` (after ${source.dependsOn.join(', ')})` : ''}` : undefined;
    return {
      id,
      title: typeof property.title === 'string' ? property.title : id,
      step: stepOf.get(id),
      jsonType,
      type,
      required: required.has(id) ? 'yes' : requiredWhen.has(id) ? `when ${requiredWhen.get(id)!.join(' or ')}` : 'no',
      values: fromSource ?? (values ? values.map(show).join(', ') : limitsOf(items && !values ? { ...items, ...property } : property)),
      default: property.default,
      shownWhen,
      description: typeof hints['ui:help'] === 'string' ? hints['ui:help'] : typeof property.description === 'string' ? property.description : undefined,
    };
  });
}

/** `--field k=v` typed as the form types them (an integer field takes `ttl=300` as 300). */
export const fieldTypes = (form: Form): Record<string, string | undefined> =>
  Object.fromEntries(formFields(form).map((f) => [f.id, f.jsonType]));

function fieldColumns(fields: readonly FormField[], extra: Column<FormField>[] = []): Column<FormField>[] {
  const withSteps = new Set(fields.map((f) => f.step)).size > 1;
  return [
    ...(withSteps ? [{ header: 'step', value: (f: FormField) => f.step }] : []),
    { header: 'field', value: (f) => f.id },
    { header: 'type', value: (f) => f.type },
    { header: 'required', value: (f) => f.required },
    { header: 'values', value: (f) => f.values },
    { header: 'default', value: (f) => (f.default === undefined ? undefined : show(f.default)) },
    { header: 'shown', value: (f) => f.shownWhen ?? 'always' },
    ...extra,
    { header: 'description', value: (f) => f.description ?? (f.title !== f.id ? f.title : undefined) },
  ];
}


const canRequest = (s: CatalogSummary): string => (s.canRequest ? 'yes' : `no${s.requestBlockedReason ? `: ${s.requestBlockedReason}` : ''}`);
const lifecycle = (s: CatalogSummary): string =>
  s.lifecycle.state === 'active' ? 'active' : `${s.lifecycle.state}${s.lifecycle.replacement ? ` → ${s.lifecycle.replacement}` : ''}${s.lifecycle.sunsetDate ? ` (sunset ${s.lifecycle.sunsetDate})` : ''}`;

function issueRows(result: { errors: DocumentIssue[]; warnings: DocumentIssue[]; hints: DocumentIssue[] }): DocumentIssue[] {
  return [...result.errors, ...result.warnings, ...result.hints];
}

const ISSUE_COLUMNS: Column<DocumentIssue>[] = [
  { header: 'severity', value: (i) => i.severity },
  { header: 'line', value: (i) => i.line },
  { header: 'path', value: (i) => i.path || '/' },
  { header: 'message', value: (i) => i.message },
  { header: 'code', value: (i) => i.code },
];

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
const counts = (r: { errors: unknown[]; warnings: unknown[]; hints: unknown[] }): string =>
  `${plural(r.errors.length, 'error')}, ${plural(r.warnings.length, 'warning')}, ${plural(r.hints.length, 'hint')}`;

/** A document named on the command line: its text (`-` is stdin), read from the caller's directory. */
async function documentText(cli: Cli, path: string): Promise<string> {
  const text = path === '-' ? await readAll(cli.io.stdin) : readText(resolve(cli.io.cwd, path));
  if (!text.trim()) throw new CliError(`${path === '-' ? 'stdin' : path} is empty`, EXIT.usage, 'pass an offering document (Schema v2.0, YAML or JSON)');
  return text;
}

/** How a dry run's end reads as an exit code: as a real run's would with --wait. */
export function simulationExitCode(result: Pick<SimulationResult, 'outcome' | 'failure'>): ExitCode {
  if (result.outcome === 'completed') return EXIT.ok;
  if (result.outcome === 'cancelled') return EXIT.conflict;
  // Submit would answer 400: the values are wrong, as a bad command line is.
  if (result.outcome === 'refused') return EXIT.usage;
  const kind = result.failure?.kind ?? '';
  return /approval|quota/.test(kind) ? EXIT.policy : EXIT.failure;
}

/** The dry run as people read it: who and what, the decisions, each step in order, the problems, the outcome. */
function simulationText(cli: Cli, r: SimulationResult, allStates: boolean): string {
  const style = cli.style;
  const rule = r.approval.rule;
  const approvers = rule ? [
    ...(rule.approvers.roles ?? []).map((x) => `role ${x}`), ...(rule.approvers.teams ?? []).map((x) => `team ${x}`), ...(rule.approvers.principals ?? []),
  ].join(rule.mode === 'all' ? ' and ' : ' or ') : '';
  const duration = r.expectedDuration;
  const header = renderFields([
    ['offering', `${r.offering.id} ${r.offering.version} (${r.offering.from === 'saved' ? 'the version served' : 'this document'}, ${r.offering.fulfillment})`],
    ['requester', `${r.requester.principal}${r.requester.team ? `, team ${r.requester.team}` : ''}${r.requester.environment ? `, environment ${r.requester.environment}` : ''}`],
    ['scenario', r.scenario.kind === 'none' ? 'nothing goes wrong' : JSON.stringify(r.scenario)],
    ['approval', r.approval.required ? `${approvers || 'required'}: ${r.approval.decision === 'not-reached' ? 'not reached (the run ends before it)' : `${r.approval.decision} (simulated)`}` : 'not needed'],
    ['quota', quotaText(r.quota)],
    ['duration', `${duration.seconds !== undefined ? `about ${seconds(duration.seconds)} (${duration.source === 'past-runs' ? 'past runs' : 'its SLA'})` : 'unknown'}${duration.slaSeconds !== undefined ? `, SLA ${seconds(duration.slaSeconds)}` : ''}; the simulated path ${seconds(duration.simulatedSeconds)}`],
  ], style);
  const start = r.path.length ? Date.parse(r.path[0]!.at) : 0;
  // Choice states only route: without a note they say nothing a person needs.
  const steps = r.path.filter((p) => allStates || p.note || p.actionId || p.type === 'Succeed' || p.type === 'Fail');
  type Step = SimulationResult['path'][number];
  const table = renderTable<Step>(steps, [
    { header: 'at', value: (p) => `+${seconds(Math.round((Date.parse(p.at) - start) / 1000))}` },
    { header: 'phase', value: (p) => p.phase },
    { header: 'state', value: (p) => p.state },
    { header: 'action', value: (p) => (p.actionId ? `${p.actionId}${p.attempt && p.attempt > 1 ? ` #${p.attempt}` : ''}` : undefined) },
    { header: 'note', value: (p) => p.note },
  ], style);
  const problems = r.problems.map((p) => `  ${p.severity === 'error' ? style.red(p.severity) : p.severity === 'warning' ? style.yellow(p.severity) : p.severity} ${p.code}${p.actionId ? ` (${p.actionId})` : ''}: ${p.message}`);
  const outcome = r.outcome === 'completed' ? style.green('completed') : style.red(r.outcome);
  return [
    header,
    table,
    ...(problems.length ? ['problems:', ...problems, ''] : []),
    `outcome: ${outcome}${r.failure ? ` (${r.failure.kind}${r.failure.actionId ? ` at ${r.failure.actionId}` : ''}): ${r.failure.message}` : ''}`,
    style.dim(`simulated on ${r.engine.definition}: nothing was called or stored`),
  ].join('\n');
}

/** The quota decision and its words, the decision said once ("fits: 0 of 5 taken in prod; …" already says it). */
export function quotaText(quota: Pick<SimulationResult['quota'], 'decision' | 'message'>): string {
  return quota.message.startsWith(`${quota.decision}:`) ? quota.message : `${quota.decision}: ${quota.message}`;
}

function seconds(s: number): string {
  if (s < 120) return `${s}s`;
  if (s < 7_200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3_600)}h`;
  return `${Math.round(s / 86_400)}d`;
}

interface SimulateFlags {
  readonly field: string[];
  readonly team?: string;
  readonly environment?: string;
  readonly fail?: string;
  readonly attempt?: number;
  readonly notRetryable?: boolean;
  readonly reject?: boolean;
  readonly cancel?: string | boolean;
  readonly allStates?: boolean;
}

function scenarioOf(o: SimulateFlags): SimulationRequest['scenario'] {
  const chosen = [o.fail !== undefined, o.reject === true, o.cancel !== undefined].filter(Boolean).length;
  if (chosen > 1) throw new CliError('one scenario at a time: --fail, --reject or --cancel', EXIT.usage);
  if ((o.attempt !== undefined || o.notRetryable) && o.fail === undefined) throw new CliError('--attempt and --not-retryable go with --fail <action>', EXIT.usage);
  if (o.fail !== undefined) return { kind: 'action-fails', actionId: o.fail, ...(o.attempt !== undefined ? { attempt: o.attempt } : {}), ...(o.notRetryable ? { retryable: false } : {}) };
  if (o.reject) return { kind: 'approval-rejected' };
  if (o.cancel !== undefined) return { kind: 'cancel', ...(typeof o.cancel === 'string' ? { afterAction: o.cancel } : {}) };
  return undefined;
}

export function registerOfferings(program: Command, cli: Cli): void {
  const offerings = program.command('offerings').alias('offering').description('The self-service catalog: what you may request, its form, and checking a document before it ships');

  offerings
    .command('list')
    .alias('ls')
    .description('List the offerings you may see (retired ones only with --lifecycle retired), or search them with -q')
    .option('-q, --query <text>', 'ranked, typo-tolerant search over names, descriptions, tags, category and owner')
    .option('--category <slug>', 'of this category')
    .option('--owner <team>', 'owned by this team')
    .option('--tag <tag>', 'carrying this tag')
    .addOption(new Option('--lifecycle <state>', 'in this lifecycle state').choices(LIFECYCLES))
    .option('--limit <n>', 'at most this many per page', intOption('--limit', 1, 100))
    .option('--cursor <cursor>', 'the page after this cursor')
    .option('--all', 'every page')
    .addHelpText('after', '\nExamples:\n  $ apollo offerings list\n  $ apollo offerings list --category databases --owner platform\n  $ apollo offerings list -q postgre\n  $ apollo offerings list --lifecycle deprecated -o json')
    .action(async (o: { query?: string; category?: string; owner?: string; tag?: string; lifecycle?: Lifecycle; limit?: number; cursor?: string; all?: boolean }) => {
      const filters = { category: o.category, owner: o.owner, tag: o.tag, lifecycle: o.lifecycle, limit: o.limit };
      const columns: Column<CatalogSummary>[] = [
        { header: 'id', value: (s) => s.id },
        { header: 'name', value: (s) => s.name },
        { header: 'category', value: (s) => s.category },
        { header: 'lifecycle', value: lifecycle },
        { header: 'can request', value: canRequest },
      ];
      if (o.query !== undefined) {
        const { items, nextCursor, body } = await pages((cursor) => cli.request('GET /api/v1/catalog/search', { query: { q: o.query!, ...filters, cursor } }).then((r) => r.body), { all: o.all, cursor: o.cursor });
        const suggest = body.suggestions.length ? ` Did you mean: ${body.suggestions.join(', ')}?` : '';
        cli.print(body, { kind: 'table', rows: items.map((i) => i.offering), columns, empty: `No offerings match "${o.query}".${suggest}`, footer: nextPage(cli, nextCursor) });
        return;
      }
      const { items, nextCursor, body } = await pages((cursor) => cli.request('GET /api/v1/catalog', { query: { ...filters, cursor } }).then((r) => r.body), { all: o.all, cursor: o.cursor });
      cli.print(body, { kind: 'table', rows: items, columns, empty: 'No offerings match.', footer: nextPage(cli, nextCursor) ?? (items.length < body.total ? `${items.length} of ${body.total}` : undefined) });
    });

  offerings
    .command('show <offering>')
    .alias('get')
    .description('One offering: what it is, who may request it, where it came from and its validation; --form lists the fields a request takes')
    .option('--form', 'the request form: each field, its type, whether it is required, its values and default')
    .addHelpText('after', '\nExamples:\n  $ apollo offerings show dns-record\n  $ apollo offerings show postgresql-database --form\n  $ apollo offerings show dns-record --form -o json   # the form as the web renders it (JSON Schema)')
    .action(async (id: string, o: { form?: boolean }) => {
      if (o.form) {
        const form = (await cli.request('GET /api/v1/catalog/items/{item_id}/schema', { params: { item_id: id } })).body;
        const fields = formFields(form);
        cli.print(form, {
          kind: 'table', rows: fields, columns: fieldColumns(fields), empty: `${id} asks for nothing.`,
          // The fields a request cannot do without: required, with no default to fall back on.
          footer: `request it: apollo requests submit ${id}${fields.filter((f) => f.required === 'yes' && f.default === undefined).map((f) => ` --field ${f.id}=…`).join('')}`,
        });
        return;
      }
      const item = (await cli.request('GET /api/v1/catalog/items/{item_id}', { params: { item_id: id } })).body;
      const s = item.summary;
      const doc = item.document as { fulfillment?: { type?: string }; approval?: { reason?: string } };
      const v = item.validation;
      cli.print(item, {
        kind: 'fields',
        fields: [
          ['id', s.id], ['name', s.name], ['description', s.description.trim()], ['category', s.category], ['owner', s.owner], ['tags', s.tags],
          ['version', s.version], ['sla', s.sla], ['lifecycle', [lifecycle(s), s.lifecycle.message].filter(Boolean).join(': ')],
          ['can request', canRequest(s)], ['fulfilment', doc.fulfillment?.type], ['approval', doc.approval ? doc.approval.reason ?? 'required' : 'none'],
          ['source', `${item.source.repo}/${item.source.path}@${item.source.sha.slice(0, 7)} (owner ${item.source.ownerTeam})`], ['stored', item.storedAt],
          ['validation', v ? `${v.valid ? 'valid' : 'invalid'}: ${counts(v)} (checked ${v.checkedAt})${v.servingOlderVersion ? `; serving the older ${v.currentVersion}` : ''}` : 'not recorded'],
          ...[...(v?.errors ?? []), ...(v?.warnings ?? [])].map((i) => [`  ${i.severity}`, `${i.path || '/'}${i.line ? ` (line ${i.line})` : ''}: ${i.message}`] as const),
        ],
        footer: `its form: apollo offerings show ${s.id} --form`,
      });
    });

  offerings
    .command('validate <file>')
    .description('Check an offering document (Schema v2.0, YAML or JSON; - for stdin): errors with paths and lines, warnings, hints. Exits 2 when it has errors')
    .addHelpText('after', '\nExamples:\n  $ apollo offerings validate examples/catalog/dns-record.yaml\n  $ cat offering.json | apollo offerings validate -\n  $ apollo offerings validate offering.yaml -o json   # in CI: exit 2 on errors')
    .action(async (file: string) => {
      const result = (await cli.request('POST /api/v1/validate/catalog-item', { body: { yaml: await documentText(cli, file) } })).body;
      const verdict = result.valid
        ? `valid${result.summary ? `: ${result.summary.id} ${result.summary.version} (${result.summary.category}, owner ${result.summary.owner})` : ''}; ${counts(result)}`
        : `invalid: ${counts(result)}`;
      cli.print(result, { kind: 'table', rows: issueRows(result), columns: ISSUE_COLUMNS, empty: verdict, footer: issueRows(result).length ? verdict : undefined });
      if (!result.valid) throw new CliError(`${file === '-' ? 'the document' : file} has ${plural(result.errors.length, 'error')}`, EXIT.usage, 'fix them and validate again');
    });

  offerings
    .command('preview <file>')
    .description('The request form a document renders (steps and fields), and with --field values which fields show and what a request would be refused for. Exits 2 on errors in the document or the values')
    .option('--field <k=v>', 'a form value to preview with (repeat; k:=<json> for lists and numbers)', collect, [])
    .addHelpText('after', '\nExamples:\n  $ apollo offerings preview examples/catalog/postgresql-database.yaml\n  $ apollo offerings preview examples/catalog/postgresql-database.yaml --field environment=prod --field storage_gb:=50')
    .action(async (file: string, o: { field: string[] }) => {
      const yaml = await documentText(cli, file);
      const untyped = parsePairs(o.field, '--field');
      let result = (await cli.request('POST /api/v1/preview/form', { body: { yaml, ...(o.field.length ? { values: untyped } : {}) } })).body;
      // Plain k=v is text until the form says the field is a number or a list: ask again with the values typed.
      if (result.form && o.field.length) {
        const typed = parsePairs(o.field, '--field', fieldTypes(result.form));
        if (JSON.stringify(typed) !== JSON.stringify(untyped)) result = (await cli.request('POST /api/v1/preview/form', { body: { yaml, values: typed } })).body;
      }
      cli.print(result, { kind: 'text', text: previewText(cli, result, o.field.length > 0) });
      if (!result.valid) throw new CliError(`${file === '-' ? 'the document' : file} has ${plural(result.errors.length, 'error')}: it renders no form`, EXIT.usage, `see them with: apollo offerings validate ${file}`);
      if (o.field.length && result.valueIssues?.length) throw new CliError(`a request with these values would be refused: ${plural(result.valueIssues.length, 'problem')}`, EXIT.usage);
    });

  offerings
    .command('simulate <offering>')
    .description('Dry-run a request\'s fulfilment for a saved offering (its id) or a document (a file, - for stdin): each step in order, the approval and quota decisions, what would fail. Calls nothing, stores nothing; exits as the run would end')
    .option('--field <k=v>', 'a sample form value (repeat; k:=<json> for lists and numbers); left out: its default', collect, [])
    .option('--environment <env>', 'the environment asked for (the form\'s environment field)')
    .option('--team <id>', 'the requesting team, whose quota is read (default: your first team)')
    .option('--fail <action>', 'scenario: this action fails (every attempt its retry policy allows, so the rollback runs)')
    .option('--attempt <n>', 'with --fail: only its attempts up to this one fail (under the policy\'s maximum: a retry succeeds)', intOption('--attempt', 1, 20))
    .option('--not-retryable', 'with --fail: a failure another attempt cannot fix (it fails at once)')
    .option('--reject', 'scenario: the approval is rejected')
    .option('--cancel [action]', 'scenario: the request is cancelled (once this action has succeeded; default: before the first)')
    .option('--all-states', 'every state of the state machine, the routing choices too')
    .addHelpText('after', [
      '',
      'Exit codes: 0 the run would complete; 1 it would fail; 2 submit would refuse the values (nothing runs); 5 it would be cancelled; 6 an approval rejection or the quota would stop it.',
      '',
      'Examples:',
      '  $ apollo offerings simulate dns-record --field name=checkout --field value=lb.example.com --environment prod',
      '  $ apollo offerings simulate postgresql-database --field service=orders-service --field db_name=orders --fail provision',
      '  $ apollo offerings simulate examples/catalog/dns-record.yaml --reject --environment prod',
      '  $ apollo offerings simulate dns-record --cancel create_record -o json',
    ].join('\n'))
    .action(async (target: string, o: SimulateFlags) => {
      const scenario = scenarioOf(o);
      const asFile = target === '-' || existsSync(resolve(cli.io.cwd, target));
      if (!asFile && !ITEM_ID.test(target)) throw new CliError(`${target}: no such file, and not an offering id`, EXIT.usage, 'name a saved offering (apollo offerings list) or an offering document');
      const source = asFile ? { yaml: await documentText(cli, target) } : { offeringId: target };
      const untyped = parsePairs(o.field, '--field');
      let types: Record<string, string | undefined> = {};
      if (o.field.some((f) => !/^[^=:]+:=/.test(f))) {
        const form = asFile
          ? (await cli.request('POST /api/v1/preview/form', { body: { yaml: source.yaml! } })).body.form
          : (await cli.request('GET /api/v1/catalog/items/{item_id}/schema', { params: { item_id: target } })).body;
        if (form) types = fieldTypes(form);
      }
      const fields = o.field.length ? parsePairs(o.field, '--field', types) : untyped;
      const body = {
        ...source, fields,
        ...(o.team ? { team: o.team } : {}), ...(o.environment ? { environment: o.environment } : {}), ...(scenario ? { scenario } : {}),
      } as SimulationRequest;
      const result = (await cli.request('POST /api/v1/simulate/fulfillment', { body })).body;
      cli.print(result, { kind: 'text', text: simulationText(cli, result, o.allStates === true) });
      const code = simulationExitCode(result);
      if (code === EXIT.ok) return;
      // A refusal says itself ("a request with these values is refused at submit, …"); a run says how it would end.
      throw new CliError(result.outcome === 'refused' && result.failure ? result.failure.message : `the simulated run would end ${result.outcome}${result.failure ? `: ${result.failure.message}` : ''}`, code);
    });
}

function previewText(cli: Cli, r: FormPreviewResult, withValues: boolean): string {
  const style = cli.style;
  const issues = issueRows(r);
  const parts: string[] = [];
  if (issues.length) parts.push(renderTable(issues, ISSUE_COLUMNS, style));
  if (!r.form) return [...parts, `invalid: ${counts(r)}`].join('\n');
  const fields = formFields(r.form);
  const visible = new Set(r.visibleFields ?? fields.map((f) => f.id));
  const shownColumn: Column<FormField>[] = withValues ? [{ header: 'with these values', value: (f) => (visible.has(f.id) ? 'shown' : 'hidden') }] : [];
  parts.push(`steps: ${r.form.steps.map((s, i) => `${i + 1}. ${s.title} (${s.fields.join(', ')})`).join('  ')}`);
  parts.push(renderTable(fields, fieldColumns(fields, shownColumn), style));
  const valueIssues = r.valueIssues ?? [];
  if (withValues) {
    parts.push(valueIssues.length
      ? ['a request with these values would be refused:', ...valueIssues.map((i) => `  ${i.path || '/'}: ${i.message}`)].join('\n')
      : 'these values would be accepted');
  }
  parts.push(`valid: ${counts(r)}`);
  return parts.join('\n');
}
