/** Apollo's teams as the offerings' forms see them: the identity context's list, cached briefly in the container. */
import { listTeams } from '#functions/identity/public';
import type { DirectoryTeam, TeamDirectory } from '../ports.ts';

/** Teams change rarely; a form opened within this long of another reads the same list. */
const TTL_MS = 10_000;
const MAX_TEAMS = 2000;

export class IdentityTeamDirectory implements TeamDirectory {
  private cached: { teams: DirectoryTeam[]; at: number } | undefined;

  async listTeams(): Promise<DirectoryTeam[]> {
    if (this.cached && Date.now() - this.cached.at < TTL_MS) return this.cached.teams;
    const teams: DirectoryTeam[] = [];
    let cursor: string | undefined;
    do {
      const page = await listTeams(200, cursor);
      teams.push(...page.items.map((team) => ({ id: team.id, label: team.name })));
      cursor = page.nextCursor ?? undefined;
    } while (cursor && teams.length < MAX_TEAMS);
    this.cached = { teams, at: Date.now() };
    return teams;
  }
}
