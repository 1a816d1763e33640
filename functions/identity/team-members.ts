/** The principals of a team's members (at most 500: notifications, not a directory). Unknown team: none. */
import { teamsStore } from './deps.ts';

export async function teamMemberPrincipals(teamId: string, max = 500): Promise<string[]> {
  const principals: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await teamsStore().listMembers(teamId, Math.min(200, max - principals.length), cursor);
    principals.push(...page.items.map((m) => m.principal));
    cursor = page.nextCursor ?? undefined;
  } while (cursor && principals.length < max);
  return principals;
}

/** A team's members with their team role (lead or member; at most `max`). Unknown team: none. */
export async function teamMembers(teamId: string, max = 500): Promise<Array<{ principal: string; role: string }>> {
  const members: Array<{ principal: string; role: string }> = [];
  let cursor: string | undefined;
  do {
    const page = await teamsStore().listMembers(teamId, Math.min(200, max - members.length), cursor);
    members.push(...page.items.map((m) => ({ principal: m.principal, role: m.role })));
    cursor = page.nextCursor ?? undefined;
  } while (cursor && members.length < max);
  return members;
}

/** What templates may read of a team as {{team.x}} (id, name, description, slackChannel, email); undefined for a team that is gone. */
export async function teamProfile(teamId: string): Promise<Record<string, string> | undefined> {
  const team = await teamsStore().readTeam(teamId);
  if (!team || team.deleting) return undefined;
  return {
    id: team.id, name: team.name, description: team.description,
    ...(team.slackChannel ? { slackChannel: team.slackChannel } : {}), ...(team.email ? { email: team.email } : {}),
  };
}
