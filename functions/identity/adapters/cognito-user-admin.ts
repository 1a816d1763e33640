/**
 * Web users in AWS: the Cognito user pool. A user's Apollo role is their group (viewer, developer,
 * operator, admin); the identity pool maps the group to the ApolloWeb<Role> IAM role at sign-in.
 */
import {
  AdminAddUserToGroupCommand,
  AdminListGroupsForUserCommand,
  AdminRemoveUserFromGroupCommand,
  CognitoIdentityProviderClient,
  DescribeUserPoolCommand,
  ListUsersCommand,
  ListUsersInGroupCommand,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import { NotFoundError, ValidationError } from '#shared/errors';
import { isRole, ROLES, type Role } from '#shared/permissions';
import type { DirectoryUser, UserAdmin } from '../ports.ts';

const emailOf = (u: UserType): string | undefined => u.Attributes?.find((a) => a.Name === 'email')?.Value?.toLowerCase();

/** The highest Apollo group a user is in (the identity pool resolves ties by precedence the same way). */
function highest(groups: Iterable<string>): Role | null {
  let best: Role | null = null;
  for (const g of groups) if (isRole(g) && (best === null || ROLES.indexOf(g) > ROLES.indexOf(best))) best = g;
  return best;
}

export class CognitoUserAdmin implements UserAdmin {
  constructor(private readonly userPoolId: string, private readonly client = new CognitoIdentityProviderClient({})) {}

  async list(limit: number, cursor?: string): Promise<{ items: DirectoryUser[]; nextCursor: string | null }> {
    const token = cursor ? decodeToken(cursor) : undefined;
    const [page, roles] = await Promise.all([
      this.client.send(new ListUsersCommand({ UserPoolId: this.userPoolId, Limit: Math.min(limit, 60), PaginationToken: token })),
      this.rolesByUsername(),
    ]);
    const items = (page.Users ?? []).flatMap((u) => {
      const email = emailOf(u);
      return email ? [this.toUser(u, email, highest(roles.get(u.Username ?? '') ?? []))] : [];
    });
    return { items, nextCursor: page.PaginationToken ? Buffer.from(page.PaginationToken).toString('base64url') : null };
  }

  /** The pool's EstimatedNumberOfUsers: one call, whatever the pool's size. */
  async count(): Promise<{ users: number; source: string }> {
    const { UserPool: pool } = await this.client.send(new DescribeUserPoolCommand({ UserPoolId: this.userPoolId }));
    return { users: pool?.EstimatedNumberOfUsers ?? 0, source: 'Cognito user pool (its estimated number of users)' };
  }

  async get(user: string): Promise<DirectoryUser | undefined> {
    const found = await this.find(user);
    if (!found) return undefined;
    return this.toUser(found, user, highest(await this.groupsOf(found.Username!)));
  }

  async setRole(user: string, role: Role): Promise<DirectoryUser> {
    const found = await this.find(user);
    if (!found) throw new NotFoundError(`no web user ${user}`);
    const username = found.Username!;
    // Leave the other Apollo groups first: at no moment does the user hold more than was asked.
    for (const group of await this.groupsOf(username)) {
      if (isRole(group) && group !== role) await this.client.send(new AdminRemoveUserFromGroupCommand({ UserPoolId: this.userPoolId, Username: username, GroupName: group }));
    }
    await this.client.send(new AdminAddUserToGroupCommand({ UserPoolId: this.userPoolId, Username: username, GroupName: role }));
    return this.toUser(found, user, role);
  }

  private async find(user: string): Promise<UserType | undefined> {
    if (user.includes('"')) throw new ValidationError('not an email', { details: [{ path: '/path/user', message: 'not an email' }] });
    const { Users } = await this.client.send(new ListUsersCommand({ UserPoolId: this.userPoolId, Filter: `email = "${user}"`, Limit: 1 }));
    return Users?.[0];
  }

  private async groupsOf(username: string): Promise<string[]> {
    const groups: string[] = [];
    let next: string | undefined;
    do {
      const out = await this.client.send(new AdminListGroupsForUserCommand({ UserPoolId: this.userPoolId, Username: username, NextToken: next }));
      groups.push(...(out.Groups ?? []).map((g) => g.GroupName ?? ''));
      next = out.NextToken;
    } while (next);
    return groups;
  }

  /** Username → Apollo groups: one paginated listing per group, not one call per user. */
  private async rolesByUsername(): Promise<Map<string, string[]>> {
    const map = new Map<string, string[]>();
    await Promise.all(ROLES.map(async (group) => {
      let next: string | undefined;
      do {
        const out = await this.client.send(new ListUsersInGroupCommand({ UserPoolId: this.userPoolId, GroupName: group, NextToken: next }));
        for (const u of out.Users ?? []) if (u.Username) map.set(u.Username, [...(map.get(u.Username) ?? []), group]);
        next = out.NextToken;
      } while (next);
    }));
    return map;
  }

  private toUser(u: UserType, email: string, role: Role | null): DirectoryUser {
    return { user: email, role, kind: 'cognito', enabled: u.Enabled ?? true, ...(u.UserStatus ? { status: u.UserStatus } : {}) };
  }
}

function decodeToken(cursor: string): string {
  const token = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!token) throw new ValidationError('invalid cursor', { details: [{ path: '/query/cursor', message: 'not a cursor this list returned' }] });
  return token;
}
