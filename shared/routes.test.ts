import { describe, expect, it } from 'vitest';
import { arnMatches, invokeResources, resourcePathPattern } from './iam-policy.ts';
import { ALL_PERMISSIONS, permissionsOf, roleHas, ROLES } from './permissions.ts';
import { fillPath, matchRoute, PATH_PARAMETERS, pathParameterNames, permissionLabel, requiredPermission, roleMayInvoke, ROUTES, routeKey, type PermissionResolver, type RouteDef } from './routes.ts';

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

describe('path variables', () => {
  it('use one name per path level, as API Gateway requires at deploy (synth does not catch it)', () => {
    // Every prefix's children: a {variable} beside another {variable} under the same parent is refused.
    const variablesUnder = new Map<string, Set<string>>();
    for (const route of ROUTES) {
      const segments = route.path.split('/');
      segments.forEach((segment, i) => {
        if (!segment.startsWith('{')) return;
        const parent = segments.slice(0, i).join('/');
        const names = variablesUnder.get(parent) ?? new Set<string>();
        names.add(segment);
        variablesUnder.set(parent, names);
      });
    }
    const clashes = [...variablesUnder].filter(([, names]) => names.size > 1).map(([parent, names]) => `${parent}/${[...names].join(' vs ')}`);
    expect(clashes).toEqual([]);
  });

  it('each have a bounded schema, so no key beyond DynamoDB\'s limits reaches a handler', () => {
    for (const route of ROUTES) {
      for (const name of pathParameterNames(route.path)) {
        const schema = (PATH_PARAMETERS as Record<string, { maxLength: number; pattern: string } | undefined>)[name];
        expect(schema, `${routeKey(route)}: {${name}}`).toBeDefined();
        expect(schema!.maxLength * 4).toBeLessThan(1024); // UTF-8 bytes of a sort key, with room for a prefix
        expect(schema!.pattern.startsWith('^') && schema!.pattern.endsWith('$')).toBe(true);
        // No control or bidirectional-override character passes a pattern.
        for (const bad of ['a\u0000b', 'a\u202eb', 'a\nb', 'a/b']) expect(new RegExp(schema!.pattern, 'u').test(bad), `${name} accepts ${JSON.stringify(bad)}`).toBe(false);
      }
    }
  });

  it('fill a path template, percent-encoding each value', () => {
    expect(fillPath('/api/v1/teams/{id}/members/{principal}', { id: 'platform', principal: 'a b@corp' })).toBe('/api/v1/teams/platform/members/a%20b%40corp');
    expect(() => fillPath('/api/v1/teams/{id}', {})).toThrow('needs the parameter id');
    // Never `..`, which any URL parser (percent-encoded too) resolves into the team itself.
    expect(() => fillPath('/api/v1/teams/{id}/members/{principal}', { id: 'x', principal: '..' })).toThrow('a URL would resolve it into another route');
    expect(fillPath('/api/v1/teams/{id}/members/{principal}', { id: 'x', principal: '...' })).toBe('/api/v1/teams/x/members/...');
  });
});
