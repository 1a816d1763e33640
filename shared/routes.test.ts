import { describe, expect, it } from 'vitest';
import { arnMatches, invokeResources, resourcePathPattern } from './iam-policy.ts';
import { ALL_PERMISSIONS, permissionsOf, roleHas, ROLES } from './permissions.ts';
import { matchRoute, permissionLabel, requiredPermission, roleMayInvoke, ROUTES, routeKey, type PermissionResolver, type RouteDef } from './routes.ts';

describe('permissions', () => {
  it('are cumulative: each role holds everything the role below it holds', () => {
    for (let i = 1; i < ROLES.length; i++) {
      for (const p of permissionsOf(ROLES[i - 1]!)) expect(roleHas(ROLES[i]!, p)).toBe(true);
      expect(permissionsOf(ROLES[i]!).size).toBeGreaterThan(permissionsOf(ROLES[i - 1]!).size);
    }
    expect(permissionsOf('admin').size).toBe(new Set(ALL_PERMISSIONS).size);
  });

  it('deny by default: no role, no permission', () => {
    expect(roleHas(null, 'system:read')).toBe(false);
    expect(roleHas('viewer', 'audit:read')).toBe(false);
    expect(roleHas('admin', 'audit:read')).toBe(true);
  });
});

describe('the route table', () => {
  it('has unique routes, each with a known permission when IAM-authenticated', () => {
    expect(new Set(ROUTES.map(routeKey)).size).toBe(ROUTES.length);
    for (const route of ROUTES.filter((r) => r.auth === 'iam')) {
      expect(route.permission, routeKey(route)).toBeDefined();
      const perms = typeof route.permission === 'string' ? [route.permission] : route.permission!.anyOf;
      for (const p of perms) expect(ALL_PERMISSIONS).toContain(p);
    }
  });

  it('audits every mutating route and only those (a read-only POST, a check or preview, is not one)', () => {
    for (const route of ROUTES) expect(Boolean(route.audit), routeKey(route)).toBe(route.method !== 'GET' && !route.readOnly);
    for (const route of ROUTES.filter((r) => r.readOnly)) expect(route.method, routeKey(route)).toBe('POST');
  });

  it('matches concrete paths, static segments first', () => {
    const routes: RouteDef[] = [
      { method: 'GET', path: '/x/{category}', context: 'system', auth: 'iam', permission: 'system:read', summary: '' },
      { method: 'GET', path: '/x/search', context: 'system', auth: 'iam', permission: 'system:read', summary: '' },
    ];
    expect(matchRoute('GET', '/x/search', routes)).toMatchObject({ route: { path: '/x/search' }, pathParameters: {} });
    expect(matchRoute('GET', '/x/db', routes)).toMatchObject({ route: { path: '/x/{category}' }, pathParameters: { category: 'db' } });
    expect(matchRoute('POST', '/x/db', routes)).toEqual({ route: null, allowed: ['GET'] });
    expect(matchRoute('GET', '/x/', routes)).toEqual({ route: null, allowed: [] });
  });

  it('resolves body-dependent permissions, and IAM lets through any role that may hold one', () => {
    const resolver: PermissionResolver = {
      name: 'deployments:create:<env>',
      anyOf: ['deployments:create:non-prod', 'deployments:create:prod'],
      resolve: ({ body }) => ((body as { environment?: string }).environment === 'prod' ? 'deployments:create:prod' : 'deployments:create:non-prod'),
    };
    const route: RouteDef = { method: 'POST', path: '/d', context: 'system', auth: 'iam', permission: resolver, summary: '' };
    expect(requiredPermission(resolver, { pathParameters: {}, query: {}, body: { environment: 'prod' } })).toBe('deployments:create:prod');
    expect(requiredPermission(resolver, { pathParameters: {}, query: {}, body: { environment: 'dev' } })).toBe('deployments:create:non-prod');
    expect(roleMayInvoke('viewer', route)).toBe(false);
    expect(roleMayInvoke('developer', route)).toBe(true);
    expect(permissionLabel(resolver)).toBe('deployments:create:<env> (one of deployments:create:non-prod, deployments:create:prod)');
  });
});

describe('the generated Invoke policies', () => {
  const parts = { region: 'eu-west-1', accountId: '111122223333', apiId: 'abc', stage: 'prod' };

  it('list exactly the routes a role may call', () => {
    const viewer = invokeResources('viewer', parts);
    expect(viewer).toContain('arn:aws:execute-api:eu-west-1:111122223333:abc/prod/GET/api/v1/teams/*');
    expect(viewer).not.toContain('arn:aws:execute-api:eu-west-1:111122223333:abc/prod/GET/api/v1/audit');
    expect(invokeResources('admin', parts)).toHaveLength(ROUTES.filter((r) => r.auth === 'iam').length);
  });

  it("match ARNs with IAM's wildcards", () => {
    expect(resourcePathPattern('/api/v1/teams/{id}/members/{principal}')).toBe('/api/v1/teams/*/members/*');
    expect(arnMatches('arn:x:abc/prod/GET/api/v1/teams/*', 'arn:x:abc/prod/GET/api/v1/teams/platform')).toBe(true);
    expect(arnMatches('arn:x:abc/prod/GET/api/v1/teams', 'arn:x:abc/prod/GET/api/v1/teams/platform')).toBe(false);
    expect(arnMatches('arn:x:abc/prod/GET/a?c', 'arn:x:abc/prod/GET/abc')).toBe(true);
    expect(arnMatches('arn:x:abc/prod/GET/a.c', 'arn:x:abc/prod/GET/abc')).toBe(false);
  });
});
