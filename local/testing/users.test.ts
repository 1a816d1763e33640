/** Web users and their roles over signed HTTP, against the local directory (the user pool's stand-in). */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AuditList, User, UserList } from '#schemas/index.ts';
import { LocalUserAdmin } from '../../functions/identity/adapters/local-user-admin.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  const directory = new LocalUserAdmin();
  await directory.put({ user: 'dana@apollo.local', role: 'developer', enabled: true });
  await directory.put({ user: 'sam@apollo.local', role: 'viewer', enabled: true });
  await h.client('admin').call('POST', '/api/v1/teams', { body: { id: 'growth', name: 'Growth' } });
  await h.client('admin').call('PUT', '/api/v1/teams/growth/members/dana@apollo.local', { body: { role: 'lead' } });
});
afterAll(async () => { await h.close(); });

it('lists users with their role and teams, page by page', async () => {
  const first = (await h.client('admin').call<UserList>('GET', '/api/v1/users', { query: { limit: 1 } })).body;
  expect(first.items).toEqual([{ user: 'dana@apollo.local', role: 'developer', teams: [{ id: 'growth', role: 'lead' }], kind: 'local', enabled: true, status: 'LOCAL' }]);
  const second = (await h.client('admin').call<UserList>('GET', '/api/v1/users', { query: { limit: 1, cursor: first.nextCursor! } })).body;
  expect(second.items.map((u) => u.user)).toEqual(['sam@apollo.local']);
});

it("changes a user's role, audited", async () => {
  const res = await h.client('admin').call<User>('PUT', '/api/v1/users/sam@apollo.local/role', { body: { role: 'operator' } });
  expect(res.body).toMatchObject({ user: 'sam@apollo.local', role: 'operator' });
  const audit = (await h.client('admin').call<AuditList>('GET', '/api/v1/audit', { query: { resourceType: 'user', resourceId: 'sam@apollo.local' } })).body;
  expect(audit.items[0]).toMatchObject({ action: 'users.role.set', actor: 'admin@apollo.local', outcome: 'succeeded', details: { user: 'sam@apollo.local', body: { role: 'operator' } } });
});

it('refuses unknown users, bad roles, and non-admins', async () => {
  expect((await h.client('admin').send('PUT', '/api/v1/users/nobody@apollo.local/role', { body: { role: 'viewer' } })).status).toBe(404);
  const bad = await h.client('admin').send('PUT', '/api/v1/users/sam@apollo.local/role', { body: { role: 'root' } });
  expect(bad.status).toBe(400);
  expect((bad.body as { error: { details: unknown[] } }).error.details).toEqual([{ path: '/body/role', message: 'must be one of: viewer, developer, operator, admin' }]);
  expect((await h.client('operator').send('GET', '/api/v1/users')).status).toBe(403);
});
