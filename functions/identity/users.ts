/** Web users and their roles (`users:manage`). A role is a directory group; teams are Apollo data. */
import type { User, UserList } from '#schemas/index.ts';
import { NotFoundError } from '#shared/errors';
import type { Role } from '#shared/permissions';
import { membershipsOf } from '#lib/memberships';
import type { DirectoryUser } from './ports.ts';
import { users } from './deps.ts';

async function withTeams(u: DirectoryUser): Promise<User> {
  const teams = (await membershipsOf(u.user)).map((m) => ({ id: m.teamId, role: m.role }));
  return { user: u.user, role: u.role, teams, kind: u.kind, enabled: u.enabled, ...(u.status ? { status: u.status } : {}) };
}

export async function listUsers(limit: number, cursor?: string): Promise<UserList> {
  const page = await users().list(limit, cursor);
  return { items: await Promise.all(page.items.map(withTeams)), nextCursor: page.nextCursor };
}

export async function setUserRole(user: string, role: Role): Promise<User> {
  const before = await users().get(user);
  if (!before) throw new NotFoundError(`no web user ${user}`);
  return withTeams(before.role === role ? before : await users().setRole(user, role));
}
