/**
 * Every route of the table, fuzzed from its own schemas through the local gateway, signed as an
 * admin: path parameters, queries and bodies that are valid (the schemas' examples), on a boundary,
 * invalid and hostile (megabyte strings, deep nesting, NUL, lone surrogates, `__proto__` and
 * `constructor` keys, wrong types). Never a 5xx, never a stack trace, and every answer keeps to its
 * route's schemas (the harness checks each one). A new route is covered with no new test code;
 * the runs per route are fixed (and the seed), so the time stays bounded.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMAS } from '#schemas/index.ts';
import { PATH_PARAMETERS, pathParameterNames, ROUTES, routeKey, type PathParameterName, type RouteDef } from '#shared/routes';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); });

const RUNS_PER_ROUTE = 30;
const SEED = 20261204;

/** Strings no input should survive unrefused, or should survive unharmed. */
const hostileString = fc.constantFrom(
  '', ' ', 'a'.repeat(1_048_576), 'x\u0000y', '\ud800', '\udfff\ud800', '..', '__proto__', 'constructor', 'pay\u202ements',
  '<script>alert(1)</script>', "' OR 1=1 --", '{{constructor.constructor("return process")()}}', '%00', '\u0085\u2028', '🙂'.repeat(300),
);

/** JSON values of every type, including deep and prototype-shaped ones. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.constantFrom(null, true, false, 0, -1, 1e308, -1e308, 2 ** 53 + 1, 0.5, [], {}),
  fc.constantFrom(
    JSON.parse('{"__proto__":{"polluted":true}}') as unknown,
    { constructor: { prototype: { polluted: true } } },
    JSON.parse(`${'['.repeat(200)}${']'.repeat(200)}`) as unknown,
    JSON.parse(`${'{"a":'.repeat(100)}1${'}'.repeat(100)}`) as unknown,
    Array.from({ length: 10_000 }, (_, i) => i),
  ),
);

/** A path parameter: its example, on its length boundary, over it, or hostile (raw, percent-encoded as sent). */
function pathValue(name: PathParameterName): fc.Arbitrary<string> {
  const schema = PATH_PARAMETERS[name];
  return fc.oneof(
    fc.constant(encodeURIComponent(schema.example)),
    fc.constant('a'.repeat(schema.maxLength)),
    fc.constant('a'.repeat(schema.maxLength + 1)),
    fc.constant('a'.repeat(2100)),
    fc.constantFrom('%00', '%ED%A0%80', '%E2%80%AE', '%F0', '%', '%2F', '__proto__', 'constructor', '...', 'A-Z_upper', '🙂'),
  );
}

/** A query: none, the query schema's own keys with hostile or plain values, or keys it does not know. */
function query(route: RouteDef): fc.Arbitrary<Record<string, string>> {
  const known = Object.keys((route.querySchema && (SCHEMAS[route.querySchema] as { properties?: object }).properties) ?? {});
  const key = known.length ? fc.oneof(fc.constantFrom(...known), fc.constantFrom('__proto__', 'unknown', 'X-Amz-Signature')) : fc.constantFrom('__proto__', 'unknown');
  // A lone surrogate can't be percent-encoded as UTF-8, so no client can send one in a query (bodies carry them, escaped).
  const value = fc.oneof(fc.constantFrom('1', '0', '-1', '201', 'true', 'not-a-number', '2026-13-45T99:00:00Z', '[]', '{}'), hostileString.filter((s) => s.length < 10_000 && !/[\ud800-\udfff]/.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''))));
  return fc.oneof(fc.constant({}), fc.dictionary(key, value, { maxKeys: 3 }));
}

/** A body: the schema's example, the example with one field made hostile or removed, an extra field, or any hostile value. */
function body(route: RouteDef): fc.Arbitrary<unknown> {
  if (route.method === 'GET') return fc.constant(undefined); // HTTP clients send none with a GET
  if (!route.bodySchema) return fc.oneof(fc.constant(undefined), hostileValue);
  const example = ((SCHEMAS[route.bodySchema] as { examples?: unknown[] }).examples ?? [{}])[0] as Record<string, unknown>;
  const fields = Object.keys(example);
  return fc.oneof(
    fc.constant(example),
    fields.length ? fc.tuple(fc.constantFrom(...fields), hostileValue).map(([field, value]) => ({ ...example, [field]: value })) : fc.constant(example),
    fields.length ? fc.constantFrom(...fields).map((field) => Object.fromEntries(Object.entries(example).filter(([k]) => k !== field))) : fc.constant({}),
    fc.tuple(fc.constantFrom('unknownField', '__proto__', 'constructor'), hostileValue).map(([field, value]) => ({ ...example, [field]: value })),
    hostileValue,
  );
}

function request(route: RouteDef) {
  const names = pathParameterNames(route.path) as PathParameterName[];
  return fc.record({
    params: fc.tuple(...names.map(pathValue)),
    query: query(route),
    body: body(route),
    ifMatch: fc.constantFrom(undefined, 1, 'W/"1"', 'garbage'),
  }).map(({ params, ...rest }) => ({ ...rest, path: names.reduce((path, name, i) => path.replace(`{${name}}`, params[i]!), route.path) }));
}

describe.each(ROUTES.map((r) => [routeKey(r), r] as const))('%s', (_key, route) => {
  it(`answers ${RUNS_PER_ROUTE} generated requests without a 5xx or a stack trace, each in its route's schema`, async () => {
    const admin = h.client('admin');
    await fc.assert(fc.asyncProperty(request(route), async (req) => {
      const res = await admin.send(route.method, req.path, { query: req.query, body: req.body, ifMatch: req.ifMatch });
      const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
      expect(res.status, `${route.method} ${req.path.slice(0, 200)} → ${res.status} ${text.slice(0, 300)}`).toBeLessThan(500);
      expect(text).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
    }), { numRuns: RUNS_PER_ROUTE, seed: SEED + ROUTES.indexOf(route), endOnFailure: true, reporter: (details) => {
      if (details.failed) throw new Error(`${String(details.errorInstance).slice(0, 1500)}\ncounterexample (cut): ${JSON.stringify(details.counterexample).slice(0, 600)}`);
    } });
  }, 60_000);
});

it('covers every route of the table', () => {
  expect(new Set(ROUTES.map(routeKey)).size).toBe(ROUTES.length);
});
