/**
 * Checks an offering document (Schema v2.0, schemas/catalog-item.v2.schema.json) the way a platform engineer needs
 * it checked: YAML syntax with lines, the schema with every problem named by its JSON pointer (and YAML line), then
 * what a schema can't say: references between fields, steps, conditions, actions, outputs and rollbacks, the
 * templates' variables, and best-practice warnings and hints. Used by the catalog refresh, the validate endpoint and
 * the studio; nothing here throws on bad input.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import type { CatalogAction, CatalogField, CatalogItemV2, Condition } from '#schemas/index.ts';
import catalogSchema from '#schemas/catalog-item.v2.schema.json' with { type: 'json' };
// Compiled ahead of time by `npm run gen:schemas` (ajv standalone).
import validators from '#schemas/validators.gen.cjs';
import { findVariables, checkTemplates } from '#shared/variables/index';
import { conditionFields, conditionProblems } from './conditions.ts';
import { checkFieldValue, fieldOptions } from './form.ts';

export interface DocumentIssue {
  /** JSON pointer into the document, e.g. /presentation/fields/2/validation/pattern ('' for the whole document). */
  path: string;
  message: string;
  code: string;
  severity: 'error' | 'warning' | 'hint';
  /** 1-based line in the YAML, when checked from YAML text. */
  line?: number;
}

export interface DocumentCheck {
  /** The document, present only when there are no errors. */
  document?: CatalogItemV2;
  errors: DocumentIssue[];
  warnings: DocumentIssue[];
  hints: DocumentIssue[];
}

/** A document larger than this is refused before parsing. */
export const MAX_DOCUMENT_BYTES = 256 * 1024;
export const RESERVED_CATEGORIES = ['items', 'search', 'refresh', 'validation'] as const;

const validateDocument = (validators as unknown as Record<string, ValidateFunction>).body_catalog_item_v2!;

type Severity = DocumentIssue['severity'];
type Issue = Omit<DocumentIssue, 'severity' | 'line'> & { severity?: Severity };

/** Parses YAML text and checks the document; YAML syntax errors are errors with their line. */
export function checkCatalogYaml(text: string): DocumentCheck {
  if (new TextEncoder().encode(text).length > MAX_DOCUMENT_BYTES) {
    return result([{ path: '', code: 'too-large', message: `the document is larger than ${MAX_DOCUMENT_BYTES / 1024} KB` }]);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, lineCounter });
  if (doc.errors.length) {
    return result(doc.errors.map((e) => ({
      path: '',
      code: 'yaml-syntax',
      message: e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''),
      ...(e.linePos ? { line: e.linePos[0].line } : {}),
    })));
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 50 });
  } catch (error) {
    return result([{ path: '', code: 'yaml-syntax', message: error instanceof Error ? error.message : 'the YAML could not be read' }]);
  }
  const check = checkCatalogDocument(value);
  const withLine = (issue: DocumentIssue): DocumentIssue => {
    const line = lineOf(doc.contents, issue.path, lineCounter);
    return line === undefined ? issue : { ...issue, line };
  };
  const warnings = doc.warnings.map((w): DocumentIssue => ({ path: '', code: 'yaml', severity: 'warning', message: w.message.split('\n')[0]!, ...(w.linePos ? { line: w.linePos[0].line } : {}) }));
  return { ...check, errors: check.errors.map(withLine), warnings: [...warnings, ...check.warnings.map(withLine)], hints: check.hints.map(withLine) };
}

/** Checks a parsed document: the schema, then cross-references and best practice. */
export function checkCatalogDocument(value: unknown): DocumentCheck {
  // The validator may fill defaults: check a copy.
  let copy: unknown;
  try {
    copy = structuredClone(value);
  } catch {
    return result([{ path: '', code: 'schema', message: 'must be a plain document (YAML or JSON data)' }]);
  }
  if (!validateDocument(copy)) return result(schemaIssues(validateDocument.errors ?? [], value));
  return result(crossCheck(value as CatalogItemV2), value as CatalogItemV2);
}

function result(issues: Array<Issue & { line?: number }>, document?: CatalogItemV2): DocumentCheck {
  const of = (severity: Severity): DocumentIssue[] => issues.filter((i) => (i.severity ?? 'error') === severity).map((i) => ({ ...i, severity }));
  const errors = of('error');
  return { ...(document && errors.length === 0 ? { document } : {}), errors, warnings: of('warning'), hints: of('hint') };
}

// ---------------------------------------------------------------------------------------------------------------
// Schema errors, in words

const defs = catalogSchema.$defs;
/** Patterns of the schema, said in words. */
const PATTERN_WORDS: Record<string, string> = {
  [defs.slug.pattern]: 'must be a lowercase slug: letters, digits and single dashes, starting with a letter',
  [defs.identifier.pattern]: 'must be an identifier: a lowercase letter, then letters, digits or underscores (at most 64)',
  [defs.teamId.pattern]: "must be a team's id: 3-64 lowercase letters, digits and dashes",
  [defs.duration.pattern]: 'must be a duration: a whole number and s, m, h or d, e.g. 30s, 15m, 4h, 2d',
  [defs.metadata.properties.version.pattern]: 'must be a semantic version, e.g. 1.4.0',
  [defs.link.properties.url.pattern]: 'must be an http(s) address',
};
const FORMAT_WORDS: Record<string, string> = { date: 'must be a date (YYYY-MM-DD)' };
/** The values a discriminated union's tag takes: the action `type`, the fulfillment `type`, the lifecycle `status`. */
const tagValues = (union: { oneOf: ReadonlyArray<{ properties: Record<string, unknown> }> }, tag: string): string[] =>
  union.oneOf.map((branch) => (branch.properties[tag] as { const: string }).const);
const TAGS: Array<{ at: RegExp; values: string[] }> = [
  { at: /^\/fulfillment\/(actions|rollbackActions)\/\d+$/, values: tagValues(defs.action, 'type') },
  { at: /^\/fulfillment$/, values: tagValues(defs.fulfillment, 'type') },
  { at: /^\/lifecycle$/, values: tagValues(defs.lifecycle, 'status') },
];

interface Entry {
  error: ErrorObject;
  issues: Issue[];
}

const under = (path: string, root: string): boolean => path === root || path.startsWith(`${root}/`);

function schemaIssues(errors: readonly ErrorObject[], value: unknown): Issue[] {
  const out: Entry[] = [];
  for (const error of errors) {
    const at = error.instancePath;
    if (error.keyword === 'oneOf' || error.keyword === 'anyOf') {
      // The branches' errors come just before the oneOf/anyOf error that sums them up: take them back.
      // (A oneOf's own branches fail with schema paths #/oneOf/…; an error at the same place from elsewhere, such
      // as the `always` branch of approval.when's anyOf, is not one of them.)
      const mine = (e: ErrorObject) => under(e.instancePath, at) && (error.keyword === 'anyOf' || e.instancePath !== at || e.schemaPath.startsWith(`${error.schemaPath}/`));
      const group: Entry[] = [];
      while (out.length && mine(out[out.length - 1]!.error)) group.unshift(out.pop()!);
      out.push({ error, issues: error.keyword === 'oneOf' ? oneOfIssues(at, value) : anyOfIssues(at, error, group) });
      continue;
    }
    out.push({ error, issues: [describe(error, value)] });
  }
  // One problem said once (a required property missing in two branches, say).
  const seen = new Set<string>();
  return out.flatMap((e) => e.issues).filter((i) => {
    const key = `${i.path}\n${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The only undiscriminated oneOf of the schema is a condition: say what is wrong with it in its own terms. */
function oneOfIssues(at: string, value: unknown): Issue[] {
  return conditionProblems(valueAt(value, at), at).map((p) => ({ path: p.path, code: 'invalid-condition', message: p.message }));
}

/** anyOf: drop the branches of the wrong type; if nothing else is wrong, say which types would do. */
function anyOfIssues(at: string, error: ErrorObject, group: Entry[]): Issue[] {
  const wrongKind = (e: ErrorObject) => e.instancePath === at && (e.keyword === 'type' || e.keyword === 'const');
  const consts = group.filter((g) => g.error.instancePath === at && g.error.keyword === 'const').map((g) => JSON.stringify(g.error.params.allowedValue));
  const kept = group.filter((g) => !wrongKind(g.error)).flatMap((g) => g.issues);
  // `when: sometimes`: not the constant, and not an object, so not a condition either.
  if (consts.length && kept.length && kept.every((i) => i.path === at && i.code === 'invalid-condition')) return [{ path: at, code: 'schema', message: `must be ${consts.join(' or ')} or a condition` }];
  if (kept.length) return kept;
  const kinds = group.filter((g) => wrongKind(g.error)).map((g) => (g.error.keyword === 'const' ? JSON.stringify(g.error.params.allowedValue) : `a ${String(g.error.params.type)}`));
  return [{ path: at, code: 'schema', message: kinds.length ? `must be ${[...new Set(kinds)].join(' or ')}` : (error.message ?? 'is invalid') }];
}

function describe(e: ErrorObject, value: unknown): Issue {
  const at = e.instancePath;
  switch (e.keyword) {
    case 'additionalProperties':
      return { path: `${at}/${escape(String(e.params.additionalProperty))}`, code: 'unknown-field', message: 'unknown field' };
    case 'required':
      return { path: `${at}/${escape(String(e.params.missingProperty))}`, code: 'required', message: 'is required' };
    case 'enum':
      return { path: at, code: 'schema', message: `must be one of: ${(e.params.allowedValues as unknown[]).join(', ')}` };
    case 'const':
      return { path: at, code: 'schema', message: `must be ${JSON.stringify(e.params.allowedValue)}` };
    case 'pattern':
      return { path: at, code: 'schema', message: PATTERN_WORDS[String(e.params.pattern)] ?? `must match ${String(e.params.pattern)}` };
    case 'format':
      return { path: at, code: 'schema', message: FORMAT_WORDS[String(e.params.format)] ?? `must be a ${String(e.params.format)}` };
    case 'not':
      if (at === '/metadata/category') return { path: at, code: 'reserved-category', message: `is reserved: ${RESERVED_CATEGORIES.join(', ')} are paths of the catalog API` };
      return { path: at, code: 'schema', message: e.message ?? 'is invalid' };
    case 'discriminator': {
      const tag = String(e.params.tag);
      if (e.params.error === 'tag') return { path: `${at}/${tag}`, code: 'required', message: 'is required' };
      const values = TAGS.find((t) => t.at.test(at))?.values;
      return { path: `${at}/${tag}`, code: 'schema', message: values ? `must be one of: ${values.join(', ')}` : `unknown ${tag}` };
    }
    case 'type': {
      const type = String(e.params.type);
      const found = valueAt(value, at);
      const article = /^[aeiou]/.test(type) ? 'an' : 'a';
      // YAML reads 2.3, 16 or yes as numbers and booleans: say how to keep them text.
      if (type === 'string' && (typeof found === 'number' || typeof found === 'boolean')) return { path: at, code: 'schema', message: `must be a string: quote it in YAML ("${String(found)}")` };
      return { path: at, code: 'schema', message: `must be ${article} ${type}` };
    }
    case 'minProperties':
      return { path: at, code: 'schema', message: `must name at least ${String(e.params.limit)}` };
    default:
      return { path: at, code: 'schema', message: e.message ?? 'is invalid' };
  }
}

const escape = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');
const unescape = (segment: string): string => segment.replace(/~1/g, '/').replace(/~0/g, '~');
const segments = (pointer: string): string[] => (pointer === '' ? [] : pointer.slice(1).split('/').map(unescape));

function valueAt(value: unknown, pointer: string): unknown {
  let here = value;
  for (const segment of segments(pointer)) {
    if (here === null || typeof here !== 'object' || !Object.prototype.hasOwnProperty.call(here, segment)) return undefined;
    here = (here as Record<string, unknown>)[segment];
  }
  return here;
}

/** The line of the YAML node a pointer names, or of its nearest ancestor that exists (keys point at their key). */
function lineOf(root: unknown, pointer: string, counter: LineCounter): number | undefined {
  let node: unknown = root;
  let offset = (root as Node | null)?.range?.[0];
  for (const segment of segments(pointer)) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === segment);
      if (!pair) break;
      offset = (pair.key as Node | null)?.range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else break;
  }
  return offset === undefined ? undefined : counter.linePos(offset).line;
}

// ---------------------------------------------------------------------------------------------------------------
// What the schema can't say

function crossCheck(doc: CatalogItemV2): Issue[] {
  const issues: Issue[] = [];
  const add = (severity: Severity, code: string, path: string, message: string) => issues.push({ severity, code, path, message });
  const fields = doc.presentation.fields;
  const fieldIndex = new Map<string, number>();
  fields.forEach((f, i) => {
    if (fieldIndex.has(f.id)) add('error', 'duplicate-id', `/presentation/fields/${i}/id`, `another field is called ${f.id} (field ${fieldIndex.get(f.id)})`);
    else fieldIndex.set(f.id, i);
  });
  const fieldById = (id: string): CatalogField | undefined => (fieldIndex.has(id) ? fields[fieldIndex.get(id)!] : undefined);

  fields.forEach((f, i) => checkField(f, `/presentation/fields/${i}`, fieldById, add));
  checkSteps(doc, fieldIndex, add);

  // Conditions name existing fields, and compare them with values they can take.
  const checkCondition = (c: Condition, at: string, self?: string) => {
    for (const mention of conditionFields(c, at)) {
      const target = fieldById(mention.field);
      if (!target) {
        add('error', 'unknown-field-ref', mention.path, `names no field of this offering: ${mention.field}`);
        continue;
      }
      if (mention.field === self) add('error', 'self-reference', mention.path, 'a field cannot depend on itself');
      if (target.type === 'secret') add('error', 'secret-in-condition', mention.path, `${mention.field} is a secret: conditions cannot read it`);
      const wanted = 'in' in mention.condition ? mention.condition.in : [mention.condition.equals];
      const options = fieldOptions(target);
      const comparedAt = mention.path.replace(/\/field$/, 'in' in mention.condition ? '/in' : '/equals');
      for (const w of wanted) {
        if (options && !options.some((o) => o.value === w)) add('warning', 'never-equal', comparedAt, `${JSON.stringify(w)} is not an option of ${mention.field} (${options.map((o) => o.value).join(', ')})`);
        else if (target.type === 'boolean' && typeof w !== 'boolean') add('warning', 'never-equal', comparedAt, `${mention.field} is a boolean: compare it with true or false`);
        else if ((target.type === 'number' || target.type === 'integer') && typeof w !== 'number') add('warning', 'never-equal', comparedAt, `${mention.field} is a number: ${JSON.stringify(w)} never equals it`);
      }
    }
  };
  fields.forEach((f, i) => {
    if (f.visibleWhen) checkCondition(f.visibleWhen, `/presentation/fields/${i}/visibleWhen`, f.id);
    if (f.requiredWhen) checkCondition(f.requiredWhen, `/presentation/fields/${i}/requiredWhen`, f.id);
  });
  checkVisibilityCycles(fields, add);
  if (doc.approval && doc.approval.when !== 'always') checkCondition(doc.approval.when, '/approval/when');

  checkFulfillment(doc, checkCondition, add);
  checkTemplatesOf(doc, fieldById, add);
  checkRest(doc, add);
  return issues;
}

type Add = (severity: Severity, code: string, path: string, message: string) => void;

function checkField(f: CatalogField, at: string, fieldById: (id: string) => CatalogField | undefined, add: Add): void {
  const choice = f.type === 'select' || f.type === 'multiselect';
  if (choice && !f.options && !f.dataSource) add('error', 'no-options', at, `a ${f.type} needs options or a dataSource`);
  if (f.options && f.dataSource) add('error', 'options-and-data-source', `${at}/dataSource`, 'use options or a dataSource, not both');
  if (!choice && f.options) add('error', 'options-not-allowed', `${at}/options`, `only a select or multiselect has options (this is a ${f.type})`);
  if (!choice && f.dataSource) add('error', 'options-not-allowed', `${at}/dataSource`, `only a select or multiselect has a dataSource (this is a ${f.type})`);
  if (f.options) {
    const seen = new Set<string>();
    fieldOptions(f)!.forEach((o, j) => {
      if (seen.has(o.value)) add('error', 'duplicate-option', `${at}/options/${j}`, `the option ${o.value} is listed twice`);
      seen.add(o.value);
    });
  }
  if (f.dataSource) {
    const ds = f.dataSource;
    if (ds.source === 'service-environments' && !ds.dependsOn) add('error', 'depends-on-required', `${at}/dataSource`, 'service-environments needs dependsOn: the id of the field holding the service');
    if (ds.dependsOn !== undefined) {
      const target = fieldById(ds.dependsOn);
      if (!target) add('error', 'unknown-field-ref', `${at}/dataSource/dependsOn`, `names no field of this offering: ${ds.dependsOn}`);
      else if (ds.dependsOn === f.id) add('error', 'self-reference', `${at}/dataSource/dependsOn`, 'a field cannot depend on itself');
      else if (ds.source === 'service-environments' && target.dataSource?.source !== 'services') add('warning', 'depends-on-not-a-service', `${at}/dataSource/dependsOn`, `${ds.dependsOn} should be a select of services (dataSource source: services)`);
      if (ds.source !== 'service-environments') add('warning', 'depends-on-ignored', `${at}/dataSource/dependsOn`, `the ${ds.source} source does not depend on another field: dependsOn is ignored`);
    }
  }
  const v = f.validation ?? {};
  const applies: Record<string, readonly CatalogField['type'][]> = {
    pattern: ['string', 'text', 'email', 'url', 'secret'],
    patternMessage: ['string', 'text', 'email', 'url', 'secret'],
    minLength: ['string', 'text', 'email', 'url', 'secret'],
    maxLength: ['string', 'text', 'email', 'url', 'secret'],
    min: ['number', 'integer'],
    max: ['number', 'integer'],
    minItems: ['multiselect'],
    maxItems: ['multiselect'],
  };
  for (const [rule, types] of Object.entries(applies)) {
    if (rule in v && !types.includes(f.type)) add('warning', 'rule-ignored', `${at}/validation/${rule}`, `${rule} does not apply to a ${f.type} field and is ignored`);
  }
  if (v.min !== undefined && v.max !== undefined && v.min > v.max) add('error', 'empty-range', `${at}/validation/min`, `min (${v.min}) is more than max (${v.max})`);
  if (v.minLength !== undefined && v.maxLength !== undefined && v.minLength > v.maxLength) add('error', 'empty-range', `${at}/validation/minLength`, `minLength (${v.minLength}) is more than maxLength (${v.maxLength})`);
  if (v.minItems !== undefined && v.maxItems !== undefined && v.minItems > v.maxItems) add('error', 'empty-range', `${at}/validation/minItems`, `minItems (${v.minItems}) is more than maxItems (${v.maxItems})`);
  if (v.pattern !== undefined) {
    try {
      new RegExp(v.pattern, 'u');
    } catch (error) {
      add('error', 'bad-pattern', `${at}/validation/pattern`, `is not a valid regular expression: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!v.patternMessage) add('hint', 'no-pattern-message', `${at}/validation`, 'add a patternMessage: requesters see it instead of the regular expression');
  }
  if ('default' in f) {
    if (f.type === 'secret') add('error', 'secret-default', `${at}/default`, 'a secret field has no default (it would be stored in the catalog repository)');
    else if (!(typeof f.default === 'string' && f.default.includes('{{'))) {
      const problem = checkFieldValue(f, f.default, { checkOptions: true });
      if (problem) add('error', f.options && problem.code === 'not-an-option' ? 'default-not-an-option' : 'bad-default', `${at}/default`, `the default ${problem.message}`);
    }
  }
  if (f.readOnly && !('default' in f)) add('warning', 'read-only-without-default', `${at}/readOnly`, 'a read-only field without a default is always empty');
  if (f.type === 'secret' && f.readOnly) add('error', 'secret-read-only', `${at}/readOnly`, 'a secret field cannot be read-only');
}

function checkSteps(doc: CatalogItemV2, fieldIndex: Map<string, number>, add: Add): void {
  const steps = doc.presentation.steps;
  if (!steps) return;
  const stepIds = new Set<string>();
  const placed = new Map<string, string>();
  steps.forEach((s, i) => {
    if (stepIds.has(s.id)) add('error', 'duplicate-id', `/presentation/steps/${i}/id`, `another step is called ${s.id}`);
    stepIds.add(s.id);
    s.fields.forEach((id, j) => {
      const at = `/presentation/steps/${i}/fields/${j}`;
      if (!fieldIndex.has(id)) add('error', 'unknown-field-ref', at, `names no field of this offering: ${id}`);
      else if (placed.has(id)) add('error', 'field-on-two-steps', at, `${id} is already on step ${placed.get(id)}`);
      else placed.set(id, s.id);
    });
  });
  doc.presentation.fields.forEach((f, i) => {
    if (!placed.has(f.id)) add('error', 'field-on-no-step', `/presentation/fields/${i}`, `${f.id} is on no step: with steps, every field is on exactly one`);
  });
}

/** A field shown only when another is, which is shown only when the first is: never shown. */
function checkVisibilityCycles(fields: readonly CatalogField[], add: Add): void {
  const deps = new Map(fields.map((f) => [f.id, f.visibleWhen ? conditionFields(f.visibleWhen).map((m) => m.field) : []]));
  fields.forEach((f, i) => {
    const seen = new Set<string>();
    const stack = [...(deps.get(f.id) ?? [])];
    while (stack.length) {
      const next = stack.pop()!;
      if (next === f.id) {
        add('error', 'visibility-cycle', `/presentation/fields/${i}/visibleWhen`, `${f.id}'s visibility depends on itself through other fields`);
        return;
      }
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(...(deps.get(next) ?? []));
    }
  });
}

function checkFulfillment(doc: CatalogItemV2, checkCondition: (c: Condition, at: string) => void, add: Add): void {
  const f = doc.fulfillment;
  if (f.type !== 'automated') return;
  const ids = new Map<string, string>();
  const rollbackIds = new Set((f.rollbackActions ?? []).map((a) => a.id));
  const usedRollbacks = new Set<string>();
  const each = (list: readonly CatalogAction[] | undefined, key: 'actions' | 'rollbackActions') =>
    (list ?? []).forEach((a, i) => {
      const at = `/fulfillment/${key}/${i}`;
      if (ids.has(a.id)) add('error', 'duplicate-id', `${at}/id`, `another action is called ${a.id} (${ids.get(a.id)})`);
      else ids.set(a.id, `${key}/${i}`);
      if (a.when) checkCondition(a.when, `${at}/when`);
      const outputs = new Set<string>();
      (a.outputs ?? []).forEach((o, j) => {
        if (outputs.has(o.name)) add('error', 'duplicate-id', `${at}/outputs/${j}/name`, `another output of ${a.id} is called ${o.name}`);
        outputs.add(o.name);
      });
      if (!a.timeout) add('warning', 'no-timeout', at, `${a.id} has no timeout: a hung call holds the request until the workflow's limit`);
      if (!a.retry) add('hint', 'no-retry', at, `${a.id} has no retry policy: one transient failure fails the request`);
      if (key === 'rollbackActions') {
        if (a.rollback) add('error', 'rollback-of-rollback', `${at}/rollback`, 'a rollback action has no rollback of its own');
        if (a.when) add('warning', 'conditional-rollback', `${at}/when`, 'a rollback action runs only for the action that names it: when is ignored');
        return;
      }
      if (a.rollback !== undefined) {
        usedRollbacks.add(a.rollback);
        if (!rollbackIds.has(a.rollback)) {
          const forward = f.actions.some((b) => b.id === a.rollback);
          add('error', 'unknown-rollback', `${at}/rollback`, forward ? `${a.rollback} is an action of the request itself: list rollbacks under rollbackActions` : `names no rollback action: ${a.rollback} (rollbackActions: ${[...rollbackIds].join(', ') || 'none'})`);
        }
      } else if (a.type === 'terraform' && (a.config.operation ?? 'apply') === 'apply') {
        add('warning', 'terraform-without-rollback', at, `terraform action ${a.id} has no rollback: a later failure leaves what it created behind`);
      }
    });
  each(f.actions, 'actions');
  each(f.rollbackActions, 'rollbackActions');
  (f.rollbackActions ?? []).forEach((a, i) => {
    if (!usedRollbacks.has(a.id)) add('warning', 'unused-rollback', `/fulfillment/rollbackActions/${i}`, `no action names ${a.id} as its rollback: it never runs`);
  });
}

interface TemplatePlace {
  at: string;
  value: unknown;
  /** What the place is, in words, for messages. */
  what: string;
  /** Action ids whose outputs exist here, with whether they may have been skipped. Absent: no outputs exist. */
  outputs?: ReadonlyArray<CatalogAction>;
  /** Action ids that exist but are not (yet) available here, with why. */
  notYet?: ReadonlyMap<string, string>;
  /** Scopes that cannot be used here, with why. */
  forbidden: Readonly<Record<string, string>>;
  /** Whether secret fields may appear (false: the text is shown to people). */
  secretFields: boolean;
}

const AT_FORM_TIME = { output: 'no action has run when the form is shown', approval: 'nothing is approved when the form is shown', secrets: 'a default is shown to the requester', fields: 'defaults cannot depend on other fields' };

function templatePlaces(doc: CatalogItemV2): TemplatePlace[] {
  const places: TemplatePlace[] = [];
  doc.presentation.fields.forEach((f, i) => {
    if (typeof f.default === 'string' || (f.default !== null && typeof f.default === 'object')) places.push({ at: `/presentation/fields/${i}/default`, value: f.default, what: 'a default', forbidden: AT_FORM_TIME, secretFields: false });
  });
  const f = doc.fulfillment;
  if (f.type === 'manual') {
    places.push({ at: '/fulfillment/jira', value: f.jira, what: 'the JIRA ticket', forbidden: { output: 'a manual offering has no actions', secrets: 'a ticket is read by people' }, secretFields: false });
  } else {
    f.actions.forEach((a, i) => {
      const notYet = new Map<string, string>();
      f.actions.forEach((b, j) => { if (j >= i) notYet.set(b.id, j === i ? 'an action cannot use its own outputs' : `${b.id} runs after ${a.id}`); });
      (f.rollbackActions ?? []).forEach((b) => notYet.set(b.id, `${b.id} is a rollback action: its outputs are not available`));
      const isTicket = a.type === 'jira';
      places.push({
        at: `/fulfillment/actions/${i}/config`, value: a.config, what: `action ${a.id}`, outputs: f.actions.slice(0, i), notYet,
        forbidden: isTicket ? { secrets: 'a ticket is read by people' } : {}, secretFields: !isTicket,
      });
    });
    (f.rollbackActions ?? []).forEach((a, i) => {
      const notYet = new Map<string, string>();
      (f.rollbackActions ?? []).forEach((b) => notYet.set(b.id, `${b.id} is a rollback action: its outputs are not available`));
      places.push({ at: `/fulfillment/rollbackActions/${i}/config`, value: a.config, what: `rollback action ${a.id}`, outputs: f.actions, notYet, forbidden: a.type === 'jira' ? { secrets: 'a ticket is read by people' } : {}, secretFields: a.type !== 'jira' });
    });
  }
  if (doc.monitoring) {
    const outputs = f.type === 'automated' ? f.actions : undefined;
    places.push({ at: '/monitoring', value: doc.monitoring, what: 'monitoring', ...(outputs ? { outputs } : {}), forbidden: { secrets: 'monitoring links are shown to people', approval: 'monitoring does not know the approval' }, secretFields: false });
  }
  return places;
}

function checkTemplatesOf(doc: CatalogItemV2, fieldById: (id: string) => CatalogField | undefined, add: Add): void {
  for (const place of templatePlaces(doc)) {
    for (const issue of checkTemplates(place.value)) add('error', 'template', place.at + issue.where, issue.message);
    for (const v of findVariables(place.value)) {
      const at = place.at + v.where;
      const [first = '', second] = v.key.split('.');
      const why = place.forbidden[v.scope];
      if (why) {
        add('error', 'variable-not-here', at, `{{${v.expression}}}: ${v.scope} cannot be used in ${place.what}: ${why}`);
        continue;
      }
      if (v.scope === 'secrets' && /\/(url|query\/[^/]+)$/.test(v.where)) {
        add('warning', 'secret-in-url', at, `{{${v.expression}}}: a secret in an address ends up in access logs and proxies; send it in a header or the auth block`);
      }
      if (v.scope === 'fields') {
        const field = fieldById(first);
        if (!field) {
          add('error', 'unknown-field-ref', at, `{{${v.expression}}}: names no field of this offering: ${first}`);
          continue;
        }
        if (field.type === 'secret' && !place.secretFields) add('error', 'secret-field-exposed', at, `{{${v.expression}}}: ${first} is a secret field and ${place.what} is shown to people`);
        const mayBeEmpty = field.visibleWhen !== undefined || (!field.validation?.required && !('default' in field));
        if (mayBeEmpty && !v.filters.includes('default') && place.at.startsWith('/fulfillment/')) {
          add('warning', 'optional-field-without-default', at, `{{${v.expression}}}: ${first} may have no value (${field.visibleWhen ? 'it is not always shown' : 'it is optional'}); add a default, e.g. | default('')`);
        }
      }
      if (v.scope === 'output') {
        if (!place.outputs) {
          add('error', 'variable-not-here', at, `{{${v.expression}}}: there are no action outputs here`);
          continue;
        }
        const action = place.outputs.find((a) => a.id === first);
        if (!action) {
          const why = place.notYet?.get(first);
          add('error', why ? 'output-not-earlier' : 'unknown-action-ref', at, `{{${v.expression}}}: ${why ?? `names no action of this offering: ${first}`}`);
          continue;
        }
        if (second !== undefined && !(action.outputs ?? []).some((o) => o.name === second)) {
          add('error', 'unknown-output', at, `{{${v.expression}}}: ${action.id} declares no output ${second} (${(action.outputs ?? []).map((o) => o.name).join(', ') || 'it declares none'})`);
        } else if (action.when && !v.filters.includes('default')) {
          add('warning', 'output-may-be-missing', at, `{{${v.expression}}}: ${action.id} runs only when its condition holds; add a default`);
        }
      }
    }
  }
}

function checkRest(doc: CatalogItemV2, add: Add): void {
  const m = doc.metadata;
  if (!m.documentation?.length) add('hint', 'no-documentation', '/metadata', 'add documentation links: requesters read them before asking');
  if (!m.sla) add('hint', 'no-sla', '/metadata', 'add an sla (fulfillmentTime): requesters see when to expect their request done');
  const lifecycle = doc.lifecycle;
  if (lifecycle && lifecycle.status !== 'active') {
    if (lifecycle.replacement === m.id) add('error', 'self-replacement', '/lifecycle/replacement', 'an offering cannot replace itself');
    if (!lifecycle.replacement) add('hint', 'no-replacement', '/lifecycle', `a ${lifecycle.status} offering should name its replacement`);
    if (lifecycle.status === 'deprecated' && !lifecycle.sunsetDate) add('warning', 'deprecated-without-sunset', '/lifecycle', 'a deprecated offering should say when it will be retired (sunsetDate)');
  }
  const view = doc.access?.view;
  const request = doc.access?.request;
  if (view?.teams && request && !request.roles && !(request.teams ?? []).every((t) => view.teams!.includes(t))) {
    add('warning', 'request-without-view', '/access/request', 'some who may request the offering cannot see it');
  }
  if (doc.approval) {
    const a = doc.approval.approvers;
    const groups = (a.roles?.length ?? 0) + (a.teams?.length ?? 0) + (a.principals?.length ?? 0);
    if (doc.approval.mode === 'all' && groups === 1) add('hint', 'mode-all-single', '/approval/mode', 'with one approver group, mode all and any mean the same');
    if (a.principals?.length === 1 && !a.roles && !a.teams) add('warning', 'single-approver', '/approval/approvers', 'one named approver: requests wait when they are away, and they cannot approve their own');
  }
}
