/**
 * The condition language of offering documents (Schema v2.0): `{ field, equals }`, `{ field, in: [] }`,
 * `{ metadata, equals | in }`, `{ not }`, `{ all: [] }`, `{ any: [] }`. One language for field visibility and
 * requiredness, conditional actions and approval. It is evaluated here (the API, the web form) and compiled to the
 * `if` of a JSON Schema if/then (the rjsf form): both must agree, and the tests hold them to it.
 *
 * Semantics: a field that has no value makes `{ field, … }` false (so `{ not: { field, … } }` true); for a
 * multiselect (an array) `equals` means "contains" and `in` "contains one of"; values compare strictly (2 ≠ "2").
 */
import type { Condition, FieldEqualsCondition, FieldInCondition, MetadataEqualsCondition, MetadataInCondition } from '#schemas/index.ts';

export type { Condition };
export type Scalar = string | number | boolean;

export interface ConditionScope {
  /** The form's values by field id (hidden fields already dropped). */
  fields: Record<string, unknown>;
  /** The offering's metadata (id, category, owner, version). */
  metadata?: object;
}

export const METADATA_KEYS = ['id', 'category', 'owner', 'version'] as const;

const hasOwn = (value: object, key: string): boolean => Object.prototype.hasOwnProperty.call(value, key);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isScalar = (value: unknown): value is Scalar => typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));

const matches = (value: unknown, wanted: readonly unknown[]): boolean =>
  Array.isArray(value) ? value.some((item) => wanted.includes(item)) : value !== undefined && value !== null && wanted.includes(value);

const isFieldCondition = (c: Condition): c is FieldEqualsCondition | FieldInCondition => hasOwn(c, 'field');
const isMetadataCondition = (c: Condition): c is MetadataEqualsCondition | MetadataInCondition => hasOwn(c, 'metadata');
const wantedOf = (c: FieldEqualsCondition | FieldInCondition | MetadataEqualsCondition | MetadataInCondition): readonly unknown[] =>
  'in' in c ? c.in : [c.equals];

/** Whether a condition holds for the given values. An unknown shape is false (documents are validated first). */
export function evaluateCondition(c: Condition, scope: ConditionScope): boolean {
  if (typeof c !== 'object' || c === null) return false;
  if (isFieldCondition(c)) return matches(hasOwn(scope.fields, c.field) ? scope.fields[c.field] : undefined, wantedOf(c));
  if (isMetadataCondition(c)) {
    const metadata = (scope.metadata ?? {}) as Record<string, unknown>;
    return matches(hasOwn(metadata, c.metadata) ? metadata[c.metadata] : undefined, wantedOf(c));
  }
  if ('not' in c) return !evaluateCondition(c.not, scope);
  if ('all' in c) return c.all.every((inner) => evaluateCondition(inner, scope));
  if ('any' in c) return c.any.some((inner) => evaluateCondition(inner, scope));
  return false;
}

const ALWAYS: object = {};
const NEVER: object = { not: {} };

/**
 * The JSON Schema that accepts exactly the form values for which the condition holds: the `if` of an if/then.
 * Metadata conditions are constant for a document: pass its metadata and they become `{}` (true) or `{ not: {} }`.
 */
export function conditionToJsonSchema(c: Condition, options: { metadata?: object } = {}): object {
  if (isFieldCondition(c)) {
    const wanted = wantedOf(c);
    const one = wanted.length === 1 ? { const: wanted[0] } : { enum: [...wanted] };
    return { required: [c.field], properties: { [c.field]: { anyOf: [one, { type: 'array', contains: one }] } } };
  }
  if (isMetadataCondition(c)) return evaluateCondition(c, { fields: {}, metadata: options.metadata ?? {} }) ? ALWAYS : NEVER;
  if ('not' in c) return { not: conditionToJsonSchema(c.not, options) };
  if ('all' in c) return { allOf: c.all.map((inner) => conditionToJsonSchema(inner, options)) };
  if ('any' in c) return { anyOf: c.any.map((inner) => conditionToJsonSchema(inner, options)) };
  return NEVER;
}

/** The field ids a condition reads, with the JSON pointer (relative to the condition) of each mention. */
export function conditionFields(c: Condition, at = ''): Array<{ field: string; path: string; condition: FieldEqualsCondition | FieldInCondition }> {
  if (typeof c !== 'object' || c === null) return [];
  if (isFieldCondition(c)) return [{ field: c.field, path: `${at}/field`, condition: c }];
  if ('not' in c) return conditionFields(c.not, `${at}/not`);
  if ('all' in c) return c.all.flatMap((inner, i) => conditionFields(inner, `${at}/all/${i}`));
  if ('any' in c) return c.any.flatMap((inner, i) => conditionFields(inner, `${at}/any/${i}`));
  return [];
}

export interface ConditionProblem {
  /** JSON pointer relative to the condition. */
  path: string;
  message: string;
}

const HEADS = ['field', 'metadata', 'not', 'all', 'any'] as const;
const IDENTIFIER = /^[a-z][a-zA-Z0-9_]{0,63}$/;

/**
 * What is wrong with a value meant to be a condition, in words, every problem with its path. The schema says only
 * "must match exactly one schema in oneOf"; the document checker reports these instead.
 */
export function conditionProblems(value: unknown, at = '', depth = 0): ConditionProblem[] {
  if (depth > 20) return [{ path: at, message: 'conditions nest too deeply (at most 20 levels)' }];
  if (!isObject(value)) {
    return [{ path: at, message: 'must be a condition: { field, equals }, { field, in }, { metadata, equals }, { metadata, in }, { not }, { all } or { any }' }];
  }
  const heads = HEADS.filter((h) => hasOwn(value, h));
  if (heads.length !== 1) {
    return [{ path: at, message: heads.length ? `has ${heads.join(' and ')}: a condition has exactly one of field, metadata, not, all, any` : 'must have one of field, metadata, not, all, any' }];
  }
  const head = heads[0]!;
  const problems: ConditionProblem[] = [];
  const allowed: readonly string[] = head === 'field' || head === 'metadata' ? [head, 'equals', 'in'] : [head];
  for (const key of Object.keys(value)) if (!allowed.includes(key)) problems.push({ path: `${at}/${key}`, message: `unknown field (a { ${head} } condition has ${allowed.join(', ')})` });
  if (head === 'field' || head === 'metadata') {
    const subject = value[head];
    if (head === 'field' && (typeof subject !== 'string' || !IDENTIFIER.test(subject))) problems.push({ path: `${at}/field`, message: 'must be a field id' });
    if (head === 'metadata' && !(METADATA_KEYS as readonly unknown[]).includes(subject)) problems.push({ path: `${at}/metadata`, message: `must be one of: ${METADATA_KEYS.join(', ')}` });
    const comparisons = (['equals', 'in'] as const).filter((k) => hasOwn(value, k));
    if (comparisons.length !== 1) problems.push({ path: at, message: comparisons.length ? 'has both equals and in: use one' : `a { ${head} } condition needs equals or in` });
    if (hasOwn(value, 'equals') && !isScalar(value.equals)) problems.push({ path: `${at}/equals`, message: 'must be a string, a number or a boolean' });
    if (hasOwn(value, 'in')) {
      const list = value.in;
      if (!Array.isArray(list) || list.length === 0) problems.push({ path: `${at}/in`, message: 'must be a non-empty list of strings, numbers or booleans' });
      else list.forEach((item, i) => { if (!isScalar(item)) problems.push({ path: `${at}/in/${i}`, message: 'must be a string, a number or a boolean' }); });
    }
    return problems;
  }
  if (head === 'not') return [...problems, ...conditionProblems(value.not, `${at}/not`, depth + 1)];
  const list = value[head];
  if (!Array.isArray(list) || list.length === 0) return [...problems, { path: `${at}/${head}`, message: 'must be a non-empty list of conditions' }];
  if (list.length > 20) problems.push({ path: `${at}/${head}`, message: 'must have at most 20 conditions' });
  return [...problems, ...list.flatMap((inner, i) => conditionProblems(inner, `${at}/${head}/${i}`, depth + 1))];
}
