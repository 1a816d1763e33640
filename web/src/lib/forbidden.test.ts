import { describe, expect, it } from 'vitest';
import type { Me } from '../../../schemas/types.gen.ts';
import { permissionsOf } from '../../../shared/permissions.ts';
import { explainForbidden } from './forbidden.ts';

const viewer: Me = { principal: 'sam@corp', user: 'sam@corp', role: 'viewer', kind: 'cognito', principalArn: 'arn:aws:sts::1:assumed-role/ApolloWebViewer-prod/CognitoIdentityCredentials', teams: [], permissions: [...permissionsOf('viewer')] };

describe('explainForbidden', () => {
  it('names the route, its permission, the roles that hold it and what the caller has', () => {
    const why = explainForbidden('PUT', '/api/v1/teams/payments/members/alice@corp', viewer);
    expect(why.route?.path).toBe('/api/v1/teams/{id}/members/{principal}');
    expect(why.needs).toBe('users:manage');
    expect(why.rolesWith).toEqual(['admin']);
    expect(why.role).toBe('viewer');
    expect(why.permissions).toEqual([...permissionsOf('viewer')]);
    expect(why.permissions).toContain('catalog:read');
  });

  it('ignores the query string and lists every role holding a permission', () => {
    const why = explainForbidden('GET', '/api/v1/teams?limit=5', undefined);
    expect([why.needs, why.rolesWith, why.role]).toEqual(['teams:read', ['viewer', 'developer', 'operator', 'admin'], undefined]);
  });

  it("says when the caller's role has the route's permission, so an ownership rule refused and not the role", () => {
    const dana: Me = { ...viewer, principal: 'dana@corp', user: 'dana@corp', role: 'developer', teams: [{ id: 'growth', role: 'lead' }], permissions: [...permissionsOf('developer')] };
    expect(explainForbidden('POST', '/api/v1/services', dana)).toMatchObject({ needs: 'services:write', roleAllows: true });
    expect(explainForbidden('POST', '/api/v1/services', viewer)).toMatchObject({ needs: 'services:write', roleAllows: false });
    expect(explainForbidden('POST', '/api/v1/services', undefined).roleAllows).toBe(false);
  });

  it('says so when the route is not in the table', () => {
    expect(explainForbidden('GET', '/api/v1/nowhere', viewer)).toMatchObject({ route: null, needs: 'a permission this app does not know', rolesWith: [] });
  });
});
