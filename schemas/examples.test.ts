/**
 * Every request body a route takes has an example that keeps to its schema, and every path
 * variable's example keeps to its own: OpenAPI shows them, and the authorization matrix and the
 * route fuzz test build their valid requests from them.
 */
import { describe, expect, it } from 'vitest';
import { PATH_PARAMETERS, ROUTES, routeKey } from '#shared/routes';
import { validate } from '#lib/validation';
import { pathParameterProblem } from '#lib/http/parse';
import { SCHEMAS } from './index.ts';

describe('examples', () => {
  it.each(ROUTES.filter((r) => r.bodySchema).map((r) => [routeKey(r), r] as const))('%s: its body has one, and it is valid', async (_key, route) => {
    const name = route.bodySchema!;
    const examples = (SCHEMAS[name] as { examples?: unknown[] }).examples ?? [];
    expect(examples.length, `${name} has no examples`).toBeGreaterThan(0);
    // The very validators the route's Lambda bundles.
    const validators = (await import(`./validators/${route.context}.gen.cjs`) as { default: Record<string, unknown> }).default;
    for (const example of examples) expect(() => validate(validators, name, structuredClone(example), 'body')).not.toThrow();
  });

  it('of path variables keep to their schemas', () => {
    for (const [name, schema] of Object.entries(PATH_PARAMETERS)) expect(pathParameterProblem(schema, schema.example), name).toBeUndefined();
  });

  it('cover every route that takes a body', () => {
    const without = ROUTES.filter((r) => r.bodySchema && !(SCHEMAS[r.bodySchema] as { examples?: unknown[] }).examples?.length).map(routeKey);
    expect(without).toEqual([]);
  });
});
