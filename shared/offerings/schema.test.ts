/**
 * The Schema v2.0 document schema itself: closed everywhere, described everywhere (editors show the
 * descriptions), and the checker never throws whatever it is given.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import schema from '#schemas/catalog-item.v2.schema.json' with { type: 'json' };
import { checkCatalogDocument, checkCatalogYaml, RESERVED_CATEGORIES } from './document/index.ts';

type Node = Record<string, unknown>;
const defs = schema.$defs as Record<string, Node>;

/** Every subschema with its JSON pointer inside the schema file. */
function* subschemas(node: unknown, at: string): Generator<[string, Node]> {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
  yield [at, node as Node];
  for (const [key, value] of Object.entries(node as Node)) {
    if (key === 'properties' || key === '$defs') {
      for (const [name, child] of Object.entries(value as Node)) yield* subschemas(child, `${at}/${key}/${name}`);
    } else if (['items', 'not', 'if', 'then', 'additionalProperties', 'propertyNames'].includes(key)) {
      yield* subschemas(value, `${at}/${key}`);
    } else if (['oneOf', 'anyOf', 'allOf'].includes(key)) {
      for (const [i, child] of (value as unknown[]).entries()) yield* subschemas(child, `${at}/${key}/${i}`);
    }
  }
}

const resolve = (node: Node): Node => (typeof node.$ref === 'string' && node.$ref.startsWith('#/$defs/') ? resolve(node.$ref.slice(8).split('/').reduce<Node>((n, k) => n[k] as Node, defs)) : node);

describe('the catalog item schema', () => {
  it('refuses unknown properties on every object', () => {
    const open = [...subschemas(schema, '')].filter(([, s]) => s.properties && s.additionalProperties !== false).map(([at]) => at);
    // actionCommon only lends its properties to the action types (each closed); templateMap's values are templates.
    expect(open).toEqual(['/$defs/actionCommon']);
  });

  it('describes every property (directly, or through the definition it refers to)', () => {
    const undocumented: string[] = [];
    let checked = 0;
    for (const [at, s] of subschemas(schema, '')) {
      for (const [name, child] of Object.entries((s.properties ?? {}) as Record<string, Node>)) {
        checked++;
        if (!child.description && !resolve(child).description) undocumented.push(`${at}/properties/${name}`);
      }
    }
    expect(undocumented).toEqual([]);
    expect(checked).toBeGreaterThan(150);
  });

  it('reserves the catalog API paths as categories', () => {
    const doc = parse(readFileSync(new URL('../../examples/catalog/s3-bucket.yaml', import.meta.url), 'utf8')) as { metadata: { category: string } };
    for (const category of RESERVED_CATEGORIES) {
      const check = checkCatalogDocument({ ...doc, metadata: { ...doc.metadata, category } });
      expect(check.errors.map((e) => [e.path, e.code])).toEqual([['/metadata/category', 'reserved-category']]);
    }
    expect(checkCatalogDocument({ ...doc, metadata: { ...doc.metadata, category: 'itemsx' } }).errors).toEqual([]);
  });

  it('never throws, and always answers with issues or a document (property)', () => {
    const example = parse(readFileSync(new URL('../../examples/catalog/postgresql-database.yaml', import.meta.url), 'utf8')) as Record<string, unknown>;
    // Arbitrary values, and the example with an arbitrary value put somewhere inside it.
    const paths: string[][] = [];
    const walk = (v: unknown, at: string[]) => {
      paths.push(at);
      if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) walk(c, [...at, k]);
    };
    walk(example, []);
    const mutated = fc.tuple(fc.constantFrom(...paths.filter((p) => p.length > 0)), fc.anything()).map(([path, value]) => {
      const copy = structuredClone(example);
      let here: Record<string, unknown> = copy;
      for (const key of path.slice(0, -1)) here = here[key] as Record<string, unknown>;
      here[path[path.length - 1]!] = value;
      return copy;
    });
    fc.assert(fc.property(fc.oneof(fc.anything(), mutated), (value) => {
      const check = checkCatalogDocument(value);
      expect(check.document !== undefined || check.errors.length > 0).toBe(true);
      for (const issue of [...check.errors, ...check.warnings, ...check.hints]) expect(issue.path === '' || issue.path.startsWith('/')).toBe(true);
    }), { numRuns: 300 });
    fc.assert(fc.property(fc.string(), (text) => {
      const check = checkCatalogYaml(text);
      expect(check.document !== undefined || check.errors.length > 0).toBe(true);
    }), { numRuns: 200 });
  });
});
