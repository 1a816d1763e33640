/** Resolves Cognito `sub`s to emails through the user pool, cached for the life of the container. */
import { CognitoIdentityProviderClient, ListUsersCommand } from '@aws-sdk/client-cognito-identity-provider';
import { UnauthorizedError } from '#shared/errors';
import type { UserDirectory } from '../identity.ts';

export class CognitoUserDirectory implements UserDirectory {
  private readonly cache = new Map<string, { email: string; until: number }>();

  constructor(
    private readonly userPoolId: string,
    private readonly client = new CognitoIdentityProviderClient({}),
    private readonly ttlMs = 10 * 60_000,
  ) {}

  async emailForSub(sub: string): Promise<string> {
    const hit = this.cache.get(sub);
    if (hit && hit.until > Date.now()) return hit.email;
    const { Users } = await this.client.send(new ListUsersCommand({ UserPoolId: this.userPoolId, Filter: `sub = "${sub}"`, Limit: 1 }));
    const email = Users?.[0]?.Attributes?.find((a) => a.Name === 'email')?.Value;
    if (!email) throw new UnauthorizedError('the signed-in web user is unknown to the user pool');
    this.cache.set(sub, { email, until: Date.now() + this.ttlMs });
    return email;
  }
}
