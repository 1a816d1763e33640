import {
  AdminAddUserToGroupCommand,
  AdminListGroupsForUserCommand,
  AdminRemoveUserFromGroupCommand,
  CognitoIdentityProviderClient,
  ListUsersCommand,
  ListUsersInGroupCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { UserType } from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, expect, it } from 'vitest';
import { CognitoUserAdmin } from './cognito-user-admin.ts';

const cognito = mockClient(CognitoIdentityProviderClient);
afterEach(() => cognito.reset());
const POOL = 'eu-west-1_AbCdEfGhI';
const admin = () => new CognitoUserAdmin(POOL, new CognitoIdentityProviderClient({ region: 'eu-west-1' }));
const bob: UserType = { Username: 'u-bob', Enabled: true, UserStatus: 'CONFIRMED', Attributes: [{ Name: 'email', Value: 'Bob@Corp.Example' }] };
const eve: UserType = { Username: 'u-eve', Enabled: false, UserStatus: 'FORCE_CHANGE_PASSWORD', Attributes: [{ Name: 'email', Value: 'eve@corp.example' }] };

it('lists users with their highest Apollo group, four group listings per page instead of one call per user', async () => {
  // Prepare
  cognito.on(ListUsersCommand).resolves({ Users: [bob, eve], PaginationToken: 'next-page' });
  cognito.on(ListUsersInGroupCommand).resolves({ Users: [] });
  cognito.on(ListUsersInGroupCommand, { GroupName: 'developer' }).resolves({ Users: [bob] });
  cognito.on(ListUsersInGroupCommand, { GroupName: 'operator' }).resolves({ Users: [bob] });
  // Act
  const page = await admin().list(50);
  // Assess
  expect(page.items).toEqual([
    { user: 'bob@corp.example', role: 'operator', kind: 'cognito', enabled: true, status: 'CONFIRMED' },
    { user: 'eve@corp.example', role: null, kind: 'cognito', enabled: false, status: 'FORCE_CHANGE_PASSWORD' },
  ]);
  expect(Buffer.from(page.nextCursor!, 'base64url').toString()).toBe('next-page');
  expect(cognito.commandCalls(ListUsersInGroupCommand)).toHaveLength(4);
});

it('changes a role by leaving the other Apollo groups first, then joining the new one', async () => {
  cognito.on(ListUsersCommand, { Filter: 'email = "bob@corp.example"' }).resolves({ Users: [bob] });
  cognito.on(AdminListGroupsForUserCommand).resolves({ Groups: [{ GroupName: 'operator' }, { GroupName: 'beta-testers' }] });
  const user = await admin().setRole('bob@corp.example', 'viewer');
  expect(user).toEqual({ user: 'bob@corp.example', role: 'viewer', kind: 'cognito', enabled: true, status: 'CONFIRMED' });
  const calls = cognito.calls().map((c) => c.args[0].constructor.name);
  expect(calls).toEqual(['ListUsersCommand', 'AdminListGroupsForUserCommand', 'AdminRemoveUserFromGroupCommand', 'AdminAddUserToGroupCommand']);
  expect(cognito.commandCalls(AdminRemoveUserFromGroupCommand)[0]!.args[0].input).toEqual({ UserPoolId: POOL, Username: 'u-bob', GroupName: 'operator' });
  expect(cognito.commandCalls(AdminAddUserToGroupCommand)[0]!.args[0].input).toEqual({ UserPoolId: POOL, Username: 'u-bob', GroupName: 'viewer' });
});

it('answers an unknown user as absent', async () => {
  cognito.on(ListUsersCommand).resolves({ Users: [] });
  expect(await admin().get('nobody@corp.example')).toBeUndefined();
  await expect(admin().setRole('nobody@corp.example', 'viewer')).rejects.toThrow('no web user nobody@corp.example');
});
