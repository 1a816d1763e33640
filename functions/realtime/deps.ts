/**
 * The realtime context's adapters: web users (Cognito identity-pool sessions) are resolved through
 * the user pool when there is one, as the REST contexts do.
 */
import { CognitoUserDirectory } from '#lib/adapters/cognito-user-directory';
import type { UserDirectory } from '#lib/identity';

let directory: UserDirectory | undefined | null;

export function userDirectory(): UserDirectory | undefined {
  if (directory === undefined) directory = process.env.APOLLO_USER_POOL_ID ? new CognitoUserDirectory(process.env.APOLLO_USER_POOL_ID) : null;
  return directory ?? undefined;
}

export function configureRealtime(overrides: { userDirectory?: UserDirectory }): void {
  if (overrides.userDirectory) directory = overrides.userDirectory;
}
