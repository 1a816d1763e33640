import { CognitoIdentityProviderClient, ListUsersCommand } from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { UnauthorizedError } from '#shared/errors';
import { CognitoUserDirectory } from './adapters/cognito-user-directory.ts';
import { identify, roleFromIamRoleName } from './identity.ts';
import assumedRole from './fixtures/assumed-role-event.json' with { type: 'json' };
import cognito from './fixtures/cognito-event.json' with { type: 'json' };

const identityOf = (event: unknown) => (event as APIGatewayProxyEvent).requestContext.identity;

describe('roleFromIamRoleName', () => {
  it.each([
    ['ApolloAdmin', 'admin'],
    ['ApolloOperator-prod', 'operator'],
    ['ApolloWebDeveloper-prod', 'developer'],
    ['AWSReservedSSO_ApolloViewer_0123456789abcdef', 'viewer'],
    ['ApolloAdministrator', null],
    ['PowerUser', null],
    ['NotApolloAdmin', null],
  ])('%s → %s', (name, role) => {
    expect(roleFromIamRoleName(name)).toBe(role);
  });
});

describe('identify', () => {
  it('reads an SSO user from an assumed-role session (tools, CLI)', async () => {
    expect(await identify(identityOf(assumedRole))).toEqual({
      principal: 'alice@corp.example',
      user: 'alice@corp.example',
      role: 'operator',
      kind: 'iam',
      principalArn: 'arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_ApolloOperator_0123456789abcdef/alice@corp.example',
      iamRoleName: 'AWSReservedSSO_ApolloOperator_0123456789abcdef',
      accountId: '111122223333',
      sourceIp: '203.0.113.10',
      userAgent: 'apollo-cli/0.1.0 node/22.11.0',
    });
  });

  it('reads a web user from the identity pool session, resolving the sub to an email once', async () => {
    // Prepare
    const cognitoMock = mockClient(CognitoIdentityProviderClient);
    cognitoMock.on(ListUsersCommand, { UserPoolId: 'eu-west-1_AbCdEfGhI', Filter: 'sub = "8f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"', Limit: 1 })
      .resolves({ Users: [{ Username: 'bob', Attributes: [{ Name: 'email', Value: 'Bob@Corp.Example' }] }] });
    const directory = new CognitoUserDirectory('eu-west-1_AbCdEfGhI', new CognitoIdentityProviderClient({ region: 'eu-west-1' }));
    // Act
    const first = await identify(identityOf(cognito), directory);
    const second = await identify(identityOf(cognito), directory);
    // Assess
    expect(first).toMatchObject({ principal: 'bob@corp.example', user: 'bob@corp.example', role: 'developer', kind: 'cognito', iamRoleName: 'ApolloWebDeveloper-prod' });
    expect(second).toEqual(first);
    expect(cognitoMock.commandCalls(ListUsersCommand)).toHaveLength(1);
    cognitoMock.restore();
  });

  it('refuses a web user unknown to the user pool', async () => {
    const cognitoMock = mockClient(CognitoIdentityProviderClient);
    cognitoMock.on(ListUsersCommand).resolves({ Users: [] });
    const directory = new CognitoUserDirectory('eu-west-1_AbCdEfGhI', new CognitoIdentityProviderClient({ region: 'eu-west-1' }));
    await expect(identify(identityOf(cognito), directory)).rejects.toThrow(UnauthorizedError);
    cognitoMock.restore();
  });

  it('gives no role to a session of a role that is not an Apollo role', async () => {
    const identity = { ...identityOf(assumedRole), userArn: 'arn:aws:sts::111122223333:assumed-role/PowerUser/mallory' };
    expect((await identify(identity)).role).toBeNull();
  });

  it('refuses IAM users and missing ARNs', async () => {
    await expect(identify({ ...identityOf(assumedRole), userArn: 'arn:aws:iam::111122223333:user/ci' })).rejects.toThrow(UnauthorizedError);
    await expect(identify({ ...identityOf(assumedRole), userArn: null })).rejects.toThrow(UnauthorizedError);
  });
});
