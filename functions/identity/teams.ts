/** Teams and membership: Apollo data, managed by admins (`users:manage`). */
import type { Team, TeamCreate, TeamMember, TeamMemberPut, TeamUpdate } from '#schemas/index.ts';
import { NotFoundError } from '#shared/errors';
import type { Page } from '#lib/table';
import { teamsStore } from './deps.ts';

const now = (): string => new Date().toISOString();

export async function createTeam(input: TeamCreate, actor: string): Promise<Team> {
  const at = now();
  const team: Team = { ...input, description: input.description ?? '', createdAt: at, createdBy: actor, updatedAt: at, version: 1 };
  await teamsStore().insertTeam(team);
  return team;
}

/** A team that exists and is not being deleted, or 404. */
export async function getTeam(id: string): Promise<Team> {
  const team = await teamsStore().readTeam(id);
  if (!team || team.deleting) throw new NotFoundError(`team ${id} not found`);
  const { deleting: _deleting, ...rest } = team;
  return rest;
}

export async function updateTeam(id: string, expectedVersion: number, input: TeamUpdate): Promise<Team> {
  await getTeam(id);
  return teamsStore().updateTeam(id, expectedVersion, { ...input, updatedAt: now() });
}

/**
 * Deletes the team, then its memberships, in an order that a retry can finish: the team is first
 * marked `deleting` (version-checked), members are removed, the team item goes last. A retry of a
 * half-finished delete continues it whatever If-Match says: the deletion was already authorised.
 */
export async function deleteTeam(id: string, expectedVersion: number): Promise<void> {
  const team = await teamsStore().readTeam(id);
  if (!team) throw new NotFoundError(`team ${id} not found`);
  let version = team.version;
  if (!team.deleting) {
    await teamsStore().markTeamDeleting(id, expectedVersion);
    version = expectedVersion + 1;
  }
  for (const member of await teamsStore().allMembers(id)) await teamsStore().removeMember(id, member.principal);
  await teamsStore().removeTeam(id, version);
}

export function listTeams(limit: number, cursor?: string): Promise<Page<Team>> {
  return teamsStore().listTeams(limit, cursor);
}

export async function listMembers(teamId: string, limit: number, cursor?: string): Promise<Page<TeamMember>> {
  await getTeam(teamId);
  return teamsStore().listMembers(teamId, limit, cursor);
}

/** Adds a member or changes their team role; repeating it changes nothing. */
export async function putMember(teamId: string, principal: string, input: TeamMemberPut, actor: string): Promise<{ member: TeamMember; created: boolean }> {
  await getTeam(teamId);
  const existing = await teamsStore().readMember(teamId, principal);
  const role = input.role ?? 'member';
  if (existing && existing.role === role) return { member: existing, created: false };
  const member: TeamMember = { teamId, principal, role, addedAt: existing?.addedAt ?? now(), addedBy: existing?.addedBy ?? actor };
  await teamsStore().writeMember(member);
  return { member, created: !existing };
}

/** Removing someone who is not a member is not an error: the outcome the caller wanted holds. */
export async function removeMember(teamId: string, principal: string): Promise<void> {
  await getTeam(teamId);
  await teamsStore().removeMember(teamId, principal);
}
