/**
 * The schema's errors in a platform engineer's words: ajv reports every failed branch of a oneOf or anyOf and
 * its own keywords; this folds them into one issue per problem, named by its JSON pointer and said in words
 * (the patterns, formats and tags of the schema spelled out).
 */
import type { ErrorObject } from 'ajv';
import catalogSchema from '#schemas/catalog-item.v2.schema.json' with { type: 'json' };
import { conditionProblems } from '../conditions.ts';
import type { Issue } from './issues.ts';
import { escape, valueAt } from './pointer.ts';

/** Categories the schema refuses (metadata.category's `not`): they are paths of the catalog API. */
export const RESERVED_CATEGORIES = ['items', 'search', 'refresh', 'validation'] as const;

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

export function schemaIssues(errors: readonly ErrorObject[], value: unknown): Issue[] {
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
