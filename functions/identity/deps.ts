/**
 * The identity context's adapters: teams and memberships in the table; web users in the Cognito
 * user pool when one is configured (AWS), the local directory on a laptop. In AWS without a user
 * pool there are no web users to manage. Tests may swap either (configureIdentity).
 */
import { ServiceUnavailableError } from '#shared/errors';
import { config } from '#lib/config';
import type { TeamsStore, UserAdmin } from './ports.ts';
import { CognitoUserAdmin } from './adapters/cognito-user-admin.ts';
import { dynamoTeamsStore } from './adapters/dynamo-store.ts';
import { LocalUserAdmin } from './adapters/local-user-admin.ts';

let userAdmin: UserAdmin | undefined;
let store: TeamsStore | undefined;

export function users(): UserAdmin {
  if (!userAdmin) {
    const poolId = process.env.APOLLO_USER_POOL_ID;
    if (poolId) userAdmin = new CognitoUserAdmin(poolId);
    else if (config().runtime === 'local') userAdmin = new LocalUserAdmin();
    else throw new ServiceUnavailableError('web sign-in is not configured for this deployment (no APOLLO_USER_POOL_ID)');
  }
  return userAdmin;
}

/** Where teams and their members are kept (the table). */
export function teamsStore(): TeamsStore {
  store ??= dynamoTeamsStore;
  return store;
}

export function configureIdentity(overrides: { users?: UserAdmin; teams?: TeamsStore }): void {
  if (overrides.users) userAdmin = overrides.users;
  if (overrides.teams) store = overrides.teams;
}
