/**
 * An offering's request form, from its `presentation`: compiled to a JSON Schema + rjsf uiSchema for the web form
 * (@rjsf/core with @rjsf/validator-ajv8), and checked here as the server's truth for a request's values. Both read
 * the same rules; the tests hold them to agreeing.
 *
 * A field with `visibleWhen` lives in an if/then of the schema, so rjsf shows it only while its condition holds. A
 * condition that reads a field counts a hidden field as empty (whatever stale value it kept), in the schema
 * (each mention of a field is joined with that field's own visibility) and here (hidden values are dropped first).
 * Options from a data source are filled in by the API (`resolved`); until then the field is a plain string
 * (or list) and `dataSources` says where its options come from.
 */
import type { CatalogField, CatalogItemV2, Condition } from '#schemas/index.ts';
import { conditionToJsonSchema, evaluateCondition } from './conditions.ts';
import type { DocumentIssue } from './document/index.ts';

export interface FormOption {
  value: string;
  label: string;
  description?: string;
}

export interface FormStep {
  id: string;
  title: string;
  description?: string;
  fields: string[];
}

export type DataSourceName = 'services' | 'service-environments' | 'teams';

export interface CompiledForm {
  /** JSON Schema (2020-12 compatible) for @rjsf/validator-ajv8. */
  schema: object;
  /** @rjsf ui schema: ui:order, ui:widget, ui:help, ui:placeholder; ui:options carries dataSource and patternMessage. */
  uiSchema: Record<string, unknown>;
  steps: FormStep[];
  /** Fields whose options come from Apollo, by field id. */
  dataSources: Record<string, { source: DataSourceName; dependsOn?: string[]; mine?: boolean }>;
}

export interface CompileOptions {
  /** Options of data-source fields, resolved for the caller, by field id. */
  resolved?: Record<string, FormOption[]>;
}

/** A select's or multiselect's static options, normalised; undefined for other fields or a data source. */
export function fieldOptions(f: CatalogField): FormOption[] | undefined {
  return f.options?.map((o) => (typeof o === 'string' ? { value: o, label: o } : { value: o.value, label: o.label ?? o.value, ...(o.description ? { description: o.description } : {}) }));
}

/** Static options, or a data source's once resolved (possibly none: a developer in no team has no services of their own). */
const optionsOf = (f: CatalogField, resolved?: Record<string, FormOption[]>): FormOption[] | undefined =>
  fieldOptions(f) ?? (f.dataSource && resolved && Object.prototype.hasOwnProperty.call(resolved, f.id) ? resolved[f.id] : undefined);

const isTemplate = (value: unknown): boolean => typeof value === 'string' && value.includes('{{');
const TEXT_TYPES: ReadonlySet<CatalogField['type']> = new Set(['string', 'text', 'email', 'url', 'secret', 'date']);

function fieldSchema(f: CatalogField, resolved?: Record<string, FormOption[]>): Record<string, unknown> {
  const v = f.validation ?? {};
  const s: Record<string, unknown> = { title: f.label };
  const options = optionsOf(f, resolved);
  // oneOf const/title gives rjsf its labels; with no options at all nothing can be chosen (`not: {}`: an empty
  // enum is not valid JSON Schema to ajv).
  const choices = options?.length ? options.map((o) => ({ const: o.value, title: o.label })) : undefined;
  const none = options !== undefined && options.length === 0;
  switch (f.type) {
    case 'number':
    case 'integer':
      s.type = f.type;
      if (v.min !== undefined) s.minimum = v.min;
      if (v.max !== undefined) s.maximum = v.max;
      break;
    case 'boolean':
      s.type = 'boolean';
      break;
    case 'multiselect':
      s.type = 'array';
      s.uniqueItems = true;
      s.items = choices ? { type: 'string', oneOf: choices } : none ? { type: 'string', not: {} } : { type: 'string' };
      if (v.minItems !== undefined) s.minItems = v.minItems;
      if (v.maxItems !== undefined) s.maxItems = v.maxItems;
      break;
    case 'select':
      s.type = 'string';
      if (choices) s.oneOf = choices;
      else if (none) s.not = {};
      break;
    default:
      s.type = 'string';
      if (f.type === 'date') s.format = 'date';
      if (f.type === 'email') s.format = 'email';
      if (f.type === 'url') s.format = 'uri';
      if (v.pattern !== undefined) s.pattern = v.pattern;
      if (v.minLength !== undefined) s.minLength = v.minLength;
      if (v.maxLength !== undefined) s.maxLength = v.maxLength;
  }
  if ('default' in f && f.type !== 'secret' && !isTemplate(f.default)) s.default = f.default;
  if (f.readOnly) s.readOnly = true;
  return s;
}

function fieldUi(f: CatalogField, resolved?: Record<string, FormOption[]>): Record<string, unknown> {
  const ui: Record<string, unknown> = {};
  if (f.dataSource && optionsOf(f, resolved)?.length === 0) Object.assign(ui, { 'ui:disabled': true, 'ui:placeholder': 'None available' });
  if (f.type === 'text') ui['ui:widget'] = 'textarea';
  if (f.type === 'secret') ui['ui:widget'] = 'password';
  if (f.type === 'multiselect') ui['ui:widget'] = 'checkboxes';
  if (f.type === 'boolean') ui['ui:widget'] = 'checkbox';
  if (f.description) ui['ui:help'] = f.description;
  if (f.placeholder) ui['ui:placeholder'] = f.placeholder;
  if (f.type === 'secret') ui['ui:autocomplete'] = 'new-password';
  const options: Record<string, unknown> = {};
  if (f.validation?.patternMessage) options.patternMessage = f.validation.patternMessage;
  if (f.dataSource) options.dataSource = { source: f.dataSource.source, ...(f.dataSource.dependsOn ? { dependsOn: [f.dataSource.dependsOn] } : {}), ...(f.dataSource.mine ? { mine: true } : {}) };
  if (f.type === 'secret') options.secret = true;
  if (Object.keys(options).length) ui['ui:options'] = options;
  return ui;
}

/**
 * The condition with each mention of a field joined with that field's visibility, so a hidden field reads as empty
 * (`not` included). Documents are checked for visibility cycles; the depth guard only keeps a bad one finite.
 */
function effective(c: Condition, byId: ReadonlyMap<string, CatalogField>, depth = 0): Condition {
  if (depth > 20) return c;
  if ('field' in c) {
    const vis = byId.get(c.field)?.visibleWhen;
    return vis ? { all: [effective(vis, byId, depth + 1), c] } : c;
  }
  if ('not' in c) return { not: effective(c.not, byId, depth + 1) };
  if ('all' in c) return { all: c.all.map((i) => effective(i, byId, depth + 1)) };
  if ('any' in c) return { any: c.any.map((i) => effective(i, byId, depth + 1)) };
  return c;
}

/** The request form of an offering: JSON Schema, uiSchema, steps and the fields filled from data sources. */
export function compileForm(doc: CatalogItemV2, options: CompileOptions = {}): CompiledForm {
  const fields = doc.presentation.fields;
  const byId = new Map(fields.map((f) => [f.id, f]));
  const metadata = doc.metadata;
  const toIf = (c: Condition) => conditionToJsonSchema(effective(c, byId), { metadata });
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  const allOf: object[] = [];
  const uiSchema: Record<string, unknown> = { 'ui:order': [...fields.map((f) => f.id), '*'] };
  const dataSources: CompiledForm['dataSources'] = {};

  for (const f of fields) {
    const schema = fieldSchema(f, options.resolved);
    const always = f.validation?.required === true;
    if (f.visibleWhen) {
      allOf.push({ if: toIf(f.visibleWhen), then: { properties: { [f.id]: schema }, ...(always ? { required: [f.id] } : {}) } });
      if (f.requiredWhen && !always) allOf.push({ if: toIf({ all: [f.visibleWhen, f.requiredWhen] }), then: { required: [f.id] } });
    } else {
      properties[f.id] = schema;
      if (always) required.push(f.id);
      else if (f.requiredWhen) allOf.push({ if: toIf(f.requiredWhen), then: { required: [f.id] } });
    }
    const ui = fieldUi(f, options.resolved);
    if (Object.keys(ui).length) uiSchema[f.id] = ui;
    if (f.dataSource) dataSources[f.id] = { source: f.dataSource.source, ...(f.dataSource.dependsOn ? { dependsOn: [f.dataSource.dependsOn] } : {}), ...(f.dataSource.mine ? { mine: true } : {}) };
  }

  const schema: Record<string, unknown> = { type: 'object', title: doc.metadata.name, properties };
  if (required.length) schema.required = required;
  if (allOf.length) schema.allOf = allOf;
  const steps: FormStep[] = doc.presentation.steps?.map((s) => ({ id: s.id, title: s.title, ...(s.description ? { description: s.description } : {}), fields: [...s.fields] }))
    ?? [{ id: 'request', title: doc.metadata.name, fields: fields.map((f) => f.id) }];
  return { schema, uiSchema, steps, dataSources };
}

const hasValue = (value: unknown): boolean => value !== undefined && value !== null && value !== '';

/**
 * The ids of the fields shown for these values, in form order. A field whose condition reads a hidden field sees
 * it as empty; hidden fields' values are dropped until nothing changes.
 */
export function visibleFields(doc: CatalogItemV2, values: Record<string, unknown>): string[] {
  const fields = doc.presentation.fields;
  const known = (ids: Iterable<string>) => Object.fromEntries([...ids].filter((id) => Object.prototype.hasOwnProperty.call(values, id)).map((id) => [id, values[id]]));
  let visible = fields.map((f) => f.id);
  for (let round = 0; round <= fields.length; round++) {
    const scope = { fields: known(visible), metadata: doc.metadata };
    const next = fields.filter((f) => !f.visibleWhen || evaluateCondition(f.visibleWhen, scope)).map((f) => f.id);
    if (next.length === visible.length && next.every((id, i) => id === visible[i])) break;
    visible = next;
  }
  return visible;
}

/** The values a request keeps: those of visible fields only. */
export function visibleValues(doc: CatalogItemV2, values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(visibleFields(doc, values).filter((id) => Object.prototype.hasOwnProperty.call(values, id)).map((id) => [id, values[id]]));
}

export interface ValueProblem {
  code: string;
  message: string;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const length = (text: string): number => [...text].length;

function isDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

function isUri(text: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(text)) return false;
  try {
    new URL(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * What is wrong with one value of a field (undefined: nothing). Never quotes the value: it may be a secret.
 * `checkOptions` checks a select's value against its options (static, or `resolved` for a data source).
 */
export function checkFieldValue(f: CatalogField, value: unknown, opts: { checkOptions?: boolean; resolved?: Record<string, FormOption[]> } = {}): ValueProblem | undefined {
  if (value === undefined || value === null) return undefined;
  const v = f.validation ?? {};
  const options = opts.checkOptions ? optionsOf(f, opts.resolved) : undefined;
  const notAnOption = (o: FormOption[]) => ({ code: 'not-an-option', message: o.length ? `must be one of: ${o.map((x) => x.value).join(', ')}` : 'has no options to choose from' });
  switch (f.type) {
    case 'boolean':
      return typeof value === 'boolean' ? undefined : { code: 'type', message: 'must be true or false' };
    case 'number':
    case 'integer':
      if (typeof value !== 'number' || !Number.isFinite(value)) return { code: 'type', message: 'must be a number' };
      if (f.type === 'integer' && !Number.isInteger(value)) return { code: 'type', message: 'must be a whole number' };
      if (v.min !== undefined && value < v.min) return { code: 'min', message: `must be at least ${v.min}` };
      if (v.max !== undefined && value > v.max) return { code: 'max', message: `must be at most ${v.max}` };
      return undefined;
    case 'multiselect': {
      if (!Array.isArray(value) || !value.every((x) => typeof x === 'string')) return { code: 'type', message: 'must be a list of choices' };
      if (new Set(value).size !== value.length) return { code: 'duplicate', message: 'lists a choice twice' };
      if (options && !value.every((x) => options.some((o) => o.value === x))) return notAnOption(options);
      if (v.minItems !== undefined && value.length < v.minItems) return { code: 'min-items', message: `needs at least ${v.minItems} choice${v.minItems === 1 ? '' : 's'}` };
      if (v.maxItems !== undefined && value.length > v.maxItems) return { code: 'max-items', message: `allows at most ${v.maxItems} choice${v.maxItems === 1 ? '' : 's'}` };
      return undefined;
    }
    case 'select':
      if (typeof value !== 'string') return { code: 'type', message: 'must be one of the choices' };
      if (options && !options.some((o) => o.value === value)) return notAnOption(options);
      return undefined;
    default: {
      if (typeof value !== 'string') return { code: 'type', message: 'must be text' };
      if (f.type === 'date' && !isDate(value)) return { code: 'format', message: 'must be a date (YYYY-MM-DD)' };
      if (f.type === 'email' && !EMAIL.test(value)) return { code: 'format', message: 'must be an email address' };
      if (f.type === 'url' && !isUri(value)) return { code: 'format', message: 'must be an address (https://…)' };
      if (v.minLength !== undefined && length(value) < v.minLength) return { code: 'min-length', message: `must be at least ${v.minLength} characters` };
      if (v.maxLength !== undefined && length(value) > v.maxLength) return { code: 'max-length', message: `must be at most ${v.maxLength} characters` };
      if (v.pattern !== undefined && TEXT_TYPES.has(f.type)) {
        let re: RegExp | undefined;
        try {
          re = new RegExp(v.pattern, 'u');
        } catch {
          re = undefined;
        }
        if (re && !re.test(value)) return { code: 'pattern', message: v.patternMessage ? `must be ${v.patternMessage}` : 'does not have the expected form' };
      }
      return undefined;
    }
  }
}

const escape = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * The server's check of a request's values: unknown fields, required (always or by condition) among the visible
 * fields, each value's type, rules and options. Hidden fields' values are ignored (the request keeps only
 * visibleValues). Paths are JSON pointers into the values: /db_name.
 */
export function checkFormValues(doc: CatalogItemV2, values: Record<string, unknown>, options: CompileOptions = {}): DocumentIssue[] {
  if (values === null || typeof values !== 'object' || Array.isArray(values)) return [{ path: '', code: 'type', message: 'must be an object of field values', severity: 'error' }];
  const issues: DocumentIssue[] = [];
  const byId = new Map(doc.presentation.fields.map((f) => [f.id, f]));
  for (const key of Object.keys(values)) if (!byId.has(key)) issues.push({ path: `/${escape(key)}`, code: 'unknown-field', message: 'unknown field', severity: 'error' });
  const visible = visibleFields(doc, values);
  const scope = { fields: visibleValues(doc, values), metadata: doc.metadata };
  for (const id of visible) {
    const f = byId.get(id)!;
    const value = values[id];
    if (!hasValue(value)) {
      const required = f.validation?.required === true || (f.requiredWhen !== undefined && evaluateCondition(f.requiredWhen, scope));
      if (required) issues.push({ path: `/${escape(id)}`, code: 'required', message: 'is required', severity: 'error' });
      continue;
    }
    const problem = checkFieldValue(f, value, { checkOptions: true, ...(options.resolved ? { resolved: options.resolved } : {}) });
    if (problem) issues.push({ path: `/${escape(id)}`, code: problem.code, message: problem.message, severity: 'error' });
  }
  return issues;
}
