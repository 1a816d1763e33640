/**
 * Web users on a laptop: the local stand-in for the Cognito user pool, kept in the table
 * (`LOCALUSER#<email>` / `META`, listed through GSI2 `LOCALUSERS`). The local sign-in page issues
 * session credentials for the role a user has here, so changing it works as a group change does.
 */
import { NotFoundError } from '#shared/errors';
import type { Role } from '#shared/permissions';
import { getItem, putItem, queryPage, type Item } from '#lib/table';
import type { DirectoryUser, UserAdmin } from '../ports.ts';

type LocalUserItem = Item & { user: string; role: Role | null; enabled: boolean };

const key = (user: string) => ({ PK: `LOCALUSER#${user}`, SK: 'META' });
const toUser = (item: LocalUserItem): DirectoryUser => ({ user: item.user, role: item.role, kind: 'local', enabled: item.enabled, status: 'LOCAL' });

export class LocalUserAdmin implements UserAdmin {
  async list(limit: number, cursor?: string): Promise<{ items: DirectoryUser[]; nextCursor: string | null }> {
    const page = await queryPage<LocalUserItem>({ index: 'GSI2', partition: 'LOCALUSERS', limit, cursor });
    return { items: page.items.map(toUser), nextCursor: page.nextCursor };
  }

  async count(): Promise<{ users: number; source: string }> {
    let users = 0;
    let cursor: string | undefined;
    do {
      const page = await queryPage<LocalUserItem>({ index: 'GSI2', partition: 'LOCALUSERS', limit: 1000, cursor });
      users += page.items.length;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return { users, source: 'the local directory' };
  }

  async get(user: string): Promise<DirectoryUser | undefined> {
    const item = await getItem<LocalUserItem>(key(user), { consistent: true });
    return item && toUser(item);
  }

  async setRole(user: string, role: Role): Promise<DirectoryUser> {
    const existing = await this.get(user);
    if (!existing) throw new NotFoundError(`no local user ${user}`);
    await this.put({ ...existing, role });
    return { ...existing, role };
  }

  /** Adds or replaces a local user (demo data, tests). */
  async put(user: Pick<DirectoryUser, 'user' | 'role' | 'enabled'>): Promise<void> {
    await putItem({ ...key(user.user), GSI2PK: 'LOCALUSERS', GSI2SK: user.user, entity: 'local-user', user: user.user, role: user.role, enabled: user.enabled });
  }
}
