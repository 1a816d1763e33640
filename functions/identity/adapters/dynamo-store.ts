/**
 * Teams and memberships in the table, behind the TeamsStore port (../ports.ts):
 *   team     PK TEAM#<id>  SK META                GSI2 TEAMS / <id>
 *   member   PK TEAM#<id>  SK MEMBER#<principal>  GSI1 PRINCIPAL#<principal> / TEAM#<id>
 */
import type { Team, TeamMember } from '#schemas/index.ts';
import {
  deleteItem,
  deleteVersioned,
  getItem,
  putItem,
  putNew,
  queryAll,
  queryPage,
  updateVersioned,
  type Item,
  type Page,
} from '#lib/table';
import type { TeamsStore } from '../ports.ts';

type TeamItem = Item & Team & { status?: 'deleting' };
type MemberItem = Item & TeamMember;

const teamKey = (id: string) => ({ PK: `TEAM#${id}`, SK: 'META' });
const memberKey = (teamId: string, principal: string) => ({ PK: `TEAM#${teamId}`, SK: `MEMBER#${principal}` });

function toTeam(item: TeamItem): Team {
  const { id, name, description, slackChannel, email, createdAt, createdBy, updatedAt, version } = item;
  return { id, name, description, createdAt, createdBy, updatedAt, version, ...(slackChannel ? { slackChannel } : {}), ...(email ? { email } : {}) };
}

function toMember(item: MemberItem): TeamMember {
  const { teamId, principal, role, addedAt, addedBy } = item;
  return { teamId, principal, role, addedAt, addedBy };
}

/** The team as stored, including one being deleted (callers decide what that means). */
export async function readTeam(id: string): Promise<(Team & { deleting: boolean }) | undefined> {
  const item = await getItem<TeamItem>(teamKey(id), { consistent: true });
  return item && { ...toTeam(item), deleting: item.status === 'deleting' };
}

export async function insertTeam(team: Team): Promise<void> {
  await putNew({ ...teamKey(team.id), GSI2PK: 'TEAMS', GSI2SK: team.id, entity: 'team', ...team }, `team ${team.id} already exists`);
}

export async function updateTeam(id: string, expectedVersion: number, changes: Record<string, unknown>): Promise<Team> {
  return toTeam(await updateVersioned<TeamItem>(teamKey(id), expectedVersion, changes));
}

export async function markTeamDeleting(id: string, expectedVersion: number): Promise<void> {
  await updateVersioned(teamKey(id), expectedVersion, { status: 'deleting' });
}

export async function removeTeam(id: string, version: number): Promise<void> {
  await deleteVersioned(teamKey(id), version);
}

export async function listTeams(limit: number, cursor?: string): Promise<Page<Team>> {
  const page = await queryPage<TeamItem>({
    index: 'GSI2',
    partition: 'TEAMS',
    limit,
    cursor,
    filter: { FilterExpression: 'attribute_not_exists(#st)', ExpressionAttributeNames: { '#st': 'status' } },
  });
  return { items: page.items.map(toTeam), nextCursor: page.nextCursor };
}

export async function readMember(teamId: string, principal: string): Promise<TeamMember | undefined> {
  const item = await getItem<MemberItem>(memberKey(teamId, principal), { consistent: true });
  return item && toMember(item);
}

export async function writeMember(member: TeamMember): Promise<void> {
  await putItem({
    ...memberKey(member.teamId, member.principal),
    GSI1PK: `PRINCIPAL#${member.principal}`,
    GSI1SK: `TEAM#${member.teamId}`,
    entity: 'team-member',
    ...member,
  });
}

export async function removeMember(teamId: string, principal: string): Promise<void> {
  await deleteItem(memberKey(teamId, principal));
}

export async function listMembers(teamId: string, limit: number, cursor?: string): Promise<Page<TeamMember>> {
  const page = await queryPage<MemberItem>({ partition: `TEAM#${teamId}`, sortKey: { beginsWith: 'MEMBER#' }, limit, cursor });
  return { items: page.items.map(toMember), nextCursor: page.nextCursor };
}

export async function allMembers(teamId: string): Promise<TeamMember[]> {
  return (await queryAll<MemberItem>({ partition: `TEAM#${teamId}`, sortKey: { beginsWith: 'MEMBER#' } }, 100_000)).map(toMember);
}


/** The TeamsStore port over the table: the functions above. */
export const dynamoTeamsStore: TeamsStore = {
  readTeam,
  insertTeam,
  updateTeam,
  markTeamDeleting,
  removeTeam,
  listTeams,
  readMember,
  writeMember,
  removeMember,
  listMembers,
  allMembers,
};
