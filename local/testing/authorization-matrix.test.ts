/**
 * The authorization matrix, generated from the route table: every route × {unsigned, bad signature,
 * stale signature, viewer, developer, operator, admin}. Exactly the roles holding the route's
 * permission get through (the gateway's IAM policy, then the handler's own check). `hmac` routes
 * (webhooks) skip IAM: every request reaches the handler, which refuses any without the sender's signature.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '#shared/api-client';
import { roleHas, ROLES, type Role } from '#shared/permissions';
import { fillPath, gatePermissions, PATH_PARAMETERS, pathParameterNames, requiredPermission, ROUTES, type PathParameterName, type RouteDef } from '#shared/routes';
import { SCHEMAS } from '#schemas/index.ts';
import { fetchChecked, startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); });

/** A concrete path for the template: every parameter gets a value that exists nowhere. */
const concretePath = (route: RouteDef): string => route.path.replace(/\{[^}]+\}/g, 'matrix-probe');

/** The route's path with each parameter's example, and its body schema's example: a request that passes validation. */
function validRequest(route: RouteDef, example = 0): { path: string; params: Record<string, string>; body: unknown } {
  const params = Object.fromEntries(pathParameterNames(route.path).map((name) => [name, PATH_PARAMETERS[name as PathParameterName].example]));
  const body = route.bodySchema ? structuredClone(examplesOf(route)[example]) : undefined;
  return { path: fillPath(route.path, params), params, body };
}

const examplesOf = (route: RouteDef): unknown[] => (route.bodySchema ? (SCHEMAS[route.bodySchema] as { examples: unknown[] }).examples : [undefined]);
/** A body-dependent permission is tried with every example of its body (they name both kinds, see below); others with the first. */
const examplesTried = (route: RouteDef): number[] => (typeof route.permission === 'string' ? [0] : examplesOf(route).map((_, i) => i));

const iamRoutes = ROUTES.filter((r) => r.auth === 'iam');

describe.each(iamRoutes.map((r) => [`${r.method} ${r.path}`, r] as const))('%s', (_name, route) => {
  it('refuses an unsigned call with 403 Missing Authentication Token', async () => {
    const res = await fetchChecked(h.runtime.url + concretePath(route), { method: route.method });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ message: 'Missing Authentication Token' });
  });

  it('refuses a bad signature', async () => {
    const forged = new ApiClient({
      baseUrl: h.runtime.url,
      region: h.runtime.region,
      credentials: { accessKeyId: h.runtime.credentials.roles.admin.accessKeyId, secretAccessKey: 'not-the-secret' },
    });
    const res = await forged.send(route.method, concretePath(route));
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
  });

  it('refuses a stale signature', async () => {
    const stale = h.client('admin', { now: () => new Date(Date.now() - 6 * 60_000) });
    const res = await stale.send(route.method, concretePath(route));
    expect(res.status).toBe(403);
    expect((res.body as { message: string }).message).toMatch(/^Signature expired/);
  });

  it.each(ROLES.flatMap((role) => examplesTried(route).map((example) => [role, example] as [Role, number])))('lets %s through exactly when the role holds the permission (a valid request: body example %i, so the handler decides too)', async (role, example) => {
    const { path, params, body } = validRequest(route, example);
    const atGate = gatePermissions(route.permission!).some((p) => roleHas(role, p));
    const needed = requiredPermission(route.permission!, { pathParameters: params, query: {}, body });
    const res = await h.client(role).send(route.method, path, { body, ifMatch: route.versioned ? 1 : undefined });
    if (!atGate) {
      // IAM's answer: the role's Invoke policy does not list the route.
      expect({ role, status: res.status, errorType: res.headers.get('x-amzn-errortype') }).toEqual({ role, status: 403, errorType: 'AccessDeniedException' });
      return;
    }
    const error = (res.body as { error?: { code: string; message: string } }).error;
    if (!roleHas(role, needed)) {
      // Past IAM, refused by the handler: the permission depends on the body.
      expect({ role, status: res.status, code: error?.code }).toEqual({ role, status: 403, code: 'Forbidden' });
      return;
    }
    // Through; a 403 now can only be ownership (the resource is another team's), never for an admin.
    if (res.status === 403) {
      expect(role).not.toBe('admin');
      expect(error?.message).toMatch(/is neither the owner/);
    }
    expect(res.status, JSON.stringify(res.body)).not.toBe(401);
  });
});

const hmacRoutes = ROUTES.filter((r) => r.auth === 'hmac');

describe.each(hmacRoutes.map((r) => [`${r.method} ${r.path}`, r] as const))('%s (hmac)', (_name, route) => {
  it('lets an unsigned request reach the handler, which refuses it without a valid sender signature', async () => {
    const res = await fetchChecked(h.runtime.url + concretePath(route), { method: route.method, headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-amzn-errortype')).toBeNull();
    expect(await res.json()).toEqual({ error: { code: 'Unauthorized', message: 'invalid signature', details: [] }, requestId: expect.any(String) });
  });

  it.each(ROLES.map((role) => [role] as [Role]))('refuses %s credentials: SigV4 is not a sender signature', async (role) => {
    const res = await h.client(role).send(route.method, concretePath(route), { body: {} });
    expect(res.status).toBe(401);
  });
});

it('tries every permission a body-dependent route can need (its body examples resolve to each)', () => {
  for (const route of iamRoutes.filter((r) => typeof r.permission !== 'string')) {
    const needed = new Set(examplesTried(route).map((i) => { const { params, body } = validRequest(route, i); return requiredPermission(route.permission!, { pathParameters: params, query: {}, body }); }));
    expect([...needed].sort(), `${route.method} ${route.path}`).toEqual([...gatePermissions(route.permission!)].sort());
  }
});

it('covers every route in the table', () => {
  expect(iamRoutes.length + hmacRoutes.length).toBe(ROUTES.length);
  expect(ROUTES.every((r) => r.auth !== 'iam' || r.permission)).toBe(true);
});
