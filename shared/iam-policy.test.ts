import { describe, expect, it } from 'vitest';
import type { RouteDef } from './routes.ts';
import { arnMatches, invokeDenyPolicy, invokeDenyResources, realtimeConnectPolicy, realtimeConnectResources, realtimeManageConnectionsResources } from './iam-policy.ts';

const ws = { region: 'eu-west-1', accountId: '111122223333', apiId: 'ws123', stage: 'prod' };

describe('realtime IAM resources', () => {
  it('grants $connect on the WebSocket API stage, and nothing else of it', () => {
    expect(realtimeConnectResources(ws)).toEqual(['arn:aws:execute-api:eu-west-1:111122223333:ws123/prod/$connect']);
    expect(realtimeConnectPolicy({ ...ws, partition: 'aws-cn' })).toEqual({ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: ['arn:aws-cn:execute-api:eu-west-1:111122223333:ws123/prod/$connect'] });
    const [pattern] = realtimeConnectResources(ws);
    expect(arnMatches(pattern!, 'arn:aws:execute-api:eu-west-1:111122223333:ws123/prod/$default')).toBe(false);
    expect(arnMatches(pattern!, 'arn:aws:execute-api:eu-west-1:111122223333:ws123/dev/$connect')).toBe(false);
  });

  it('lets publishers post to, read and close any connection of the stage', () => {
    const resources = realtimeManageConnectionsResources(ws);
    expect(resources.some((r) => arnMatches(r, 'arn:aws:execute-api:eu-west-1:111122223333:ws123/prod/POST/@connections/L0SM9cOFvHcCIhw='))).toBe(true);
    expect(resources.some((r) => arnMatches(r, 'arn:aws:execute-api:eu-west-1:111122223333:ws123/prod/DELETE/@connections/L0SM9cOFvHcCIhw='))).toBe(true);
    expect(resources.some((r) => arnMatches(r, 'arn:aws:execute-api:eu-west-1:111122223333:other/prod/POST/@connections/x'))).toBe(false);
  });
});

describe('explicit Deny for routes a wildcard would cover', () => {
  const parts = { region: 'eu-west-1', accountId: '111122223333', apiId: 'abc', stage: 'prod' };
  const arn = (path: string) => `arn:aws:execute-api:eu-west-1:111122223333:abc/prod/GET${path}`;
  const route = (path: string, permission: RouteDef['permission']): RouteDef => ({ method: 'GET', path, context: 'offerings', auth: 'iam', permission, summary: '' });
  const routes = [route('/x/{category}', 'catalog:read'), route('/x/items/{id}', 'catalog:read'), route('/x/jobs/all', 'catalog:manage'), route('/x/jobs/all/{id}', 'catalog:manage')];

  it("denies a viewer the admin routes under the viewer's /x/* (IAM's * spans slashes), and the admin nothing", () => {
    expect(invokeDenyResources('viewer', parts, routes)).toEqual([arn('/x/jobs/all'), arn('/x/jobs/all/*')]);
    expect(invokeDenyPolicy('viewer', parts, routes)).toEqual({ Effect: 'Deny', Action: 'execute-api:Invoke', Resource: [arn('/x/jobs/all'), arn('/x/jobs/all/*')] });
    expect(invokeDenyResources('admin', parts, routes)).toEqual([]);
    expect(invokeDenyPolicy('admin', parts, routes)).toBeUndefined();
    // Not shadowed: nothing to deny.
    expect(invokeDenyResources('viewer', parts, [route('/x/items/{id}', 'catalog:read'), route('/y/jobs', 'catalog:manage')])).toEqual([]);
  });

  it('refuses a table where the Deny would also take a route the role may call', () => {
    const clash = [route('/x/{category}', 'catalog:read'), route('/x/jobs/{id}', 'catalog:manage'), route('/x/jobs/{id}/ok', 'catalog:read')];
    expect(() => invokeDenyResources('viewer', parts, clash)).toThrow(/may call GET \/x\/jobs\/\{id\}\/ok/);
  });
});
