/**
 * A principal's team memberships: part of who they are, read with one GSI1 Query
 * (`PRINCIPAL#<principal>` → `TEAM#<id>`). Teams themselves are managed in functions/identity.
 */
import { queryAll, type Item } from './table.ts';

export interface Membership {
  readonly teamId: string;
  readonly role: 'member' | 'lead';
}

export async function membershipsOf(principal: string): Promise<Membership[]> {
  const items = await queryAll<Item & { teamId: string; role: 'member' | 'lead' }>({ index: 'GSI1', partition: `PRINCIPAL#${principal}`, sortKey: { beginsWith: 'TEAM#' } });
  return items.map(({ teamId, role }) => ({ teamId, role }));
}
