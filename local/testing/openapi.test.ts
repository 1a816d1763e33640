/**
 * GET /api/v1/openapi.json: the route table and schemas as OpenAPI 3.1, checked by a real OpenAPI
 * parser (what Postman and Insomnia need to import it), every reference resolvable.
 */
import { compileErrors, dereference, validate } from '@readme/openapi-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, permissionLabel } from '#shared/routes';
import { operationId } from '#shared/openapi';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); });

interface Doc {
  openapi: string;
  servers: Array<{ url: string }>;
  paths: Record<string, Record<string, { operationId: string; 'x-apollo-permission'?: string; parameters: Array<{ name: string; in: string; schema: { maxLength?: number } }>; requestBody?: unknown }>>;
}

describe('the OpenAPI document', () => {
  it('is served to a viewer, signed, with this runtime as its server', async () => {
    const res = await h.client('viewer').request('GET /api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const doc = res.body as unknown as Doc;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([{ url: h.runtime.url, description: 'The Apollo this document was read from' }]);
  });

  it('is valid OpenAPI 3.1 to a real parser, and every $ref resolves', async () => {
    const text = JSON.stringify((await h.client('viewer').request('GET /api/v1/openapi.json')).body);
    const result = await validate(JSON.parse(text) as never);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    // Recursive schemas (a condition of conditions) dereference to cycles: walk them once each.
    const refs: string[] = [];
    const seen = new Set<object>();
    const walk = (value: unknown): void => {
      if (typeof value !== 'object' || value === null || seen.has(value)) return;
      seen.add(value);
      for (const [key, v] of Object.entries(value)) {
        if (key === '$ref') refs.push(String(v));
        else walk(v);
      }
    };
    walk(await dereference(JSON.parse(text) as never));
    expect(refs).toEqual([]);
  });

  it('has every route of the table, with its permission, path parameters (bounded) and body', async () => {
    const doc = (await h.client('viewer').request('GET /api/v1/openapi.json')).body as unknown as Doc;
    for (const route of ROUTES) {
      const op = doc.paths[route.path]?.[route.method.toLowerCase()];
      expect(op, `${route.method} ${route.path}`).toBeDefined();
      expect(op!.operationId).toBe(operationId(route));
      if (route.auth === 'iam') expect(op!['x-apollo-permission']).toBe(permissionLabel(route.permission));
      for (const p of op!.parameters.filter((x) => x.in === 'path')) expect(p.schema.maxLength).toBeLessThanOrEqual(128);
      expect(Boolean(op!.requestBody)).toBe(Boolean(route.bodySchema));
    }
    expect(Object.values(doc.paths).flatMap((item) => Object.keys(item))).toHaveLength(ROUTES.length);
  });
});
