import { describe, expect, it } from 'vitest';
import { arnMatches, realtimeConnectPolicy, realtimeConnectResources, realtimeManageConnectionsResources } from './iam-policy.ts';

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
