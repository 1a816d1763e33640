/**
 * The authorization matrix, generated from the route table: every route × {unsigned, bad signature,
 * stale signature, viewer, developer, operator, admin}. Exactly the roles holding the route's
 * permission get through (the gateway's IAM policy, then the handler's own check). `hmac` routes
 * (webhooks) skip IAM: every request reaches the handler, which refuses any without the sender's signature.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '#shared/api-client';
import { roleHas, ROLES, type Role } from '#shared/permissions';
import { gatePermissions, ROUTES, type RouteDef } from '#shared/routes';
import { fetchChecked, startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); });

/** A concrete path for the template: every parameter gets a value that exists nowhere. */
const concretePath = (route: RouteDef): string => route.path.replace(/\{[^}]+\}/g, 'matrix-probe');

/** Whether a response came from past the authorization layers (anything but a 401/403). */
const gotThrough = (status: number): boolean => status !== 401 && status !== 403;

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

  it.each(ROLES.map((role) => [role] as [Role]))('lets %s through exactly when the role holds the permission', async (role) => {
    const allowed = gatePermissions(route.permission!).some((p) => roleHas(role, p));
    const res = await h.client(role).send(route.method, concretePath(route), {
      body: route.bodySchema ? {} : undefined,
      ifMatch: route.versioned ? 1 : undefined,
    });
    expect({ role, through: gotThrough(res.status) }).toEqual({ role, through: allowed });
    if (!allowed) expect(res.headers.get('x-amzn-errortype')).toBe('AccessDeniedException');
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

it('covers every route in the table', () => {
  expect(iamRoutes.length + hmacRoutes.length).toBe(ROUTES.length);
  expect(ROUTES.every((r) => r.auth !== 'iam' || r.permission)).toBe(true);
});
