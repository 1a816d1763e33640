/** What the identity context needs from outside: the directory web users sign in with, and where teams are kept. */
import type { Team, TeamMember } from '#schemas/index.ts';
import type { Role } from '#shared/permissions';
import type { Page } from '#lib/table';

export interface DirectoryUser {
  /** Their email: the principal Apollo knows them by. */
  readonly user: string;
  /** Their Apollo group, or null when they are in none (they can sign in to nothing). */
  readonly role: Role | null;
  readonly kind: 'cognito' | 'local';
  readonly enabled: boolean;
  readonly status?: string;
}

export interface UserAdmin {
  list(limit: number, cursor?: string): Promise<{ items: DirectoryUser[]; nextCursor: string | null }>;
  get(user: string): Promise<DirectoryUser | undefined>;
  /** Puts the user in exactly one Apollo group. Takes effect at their next sign-in or token refresh. */
  setRole(user: string, role: Role): Promise<DirectoryUser>;
  /** How many people the directory holds, and how that is known (Cognito's estimate, the local directory's count). */
  count(): Promise<{ users: number; source: string }>;
}

/**
 * Teams and their members as Apollo keeps them (adapters/dynamo-store.ts: the table). Reads of one
 * team or member are consistent; a version-checked write is a PreconditionFailedError when the item
 * changed meanwhile and a NotFoundError when it is gone.
 */
export interface TeamsStore {
  /** The team as stored, including one being deleted (callers decide what that means). */
  readTeam(id: string): Promise<(Team & { deleting: boolean }) | undefined>;
  /** ConflictError when a team with that id exists. */
  insertTeam(team: Team): Promise<void>;
  /** Changes the team's fields (null removes one) if it is at `expectedVersion`; bumps the version. */
  updateTeam(id: string, expectedVersion: number, changes: Record<string, unknown>): Promise<Team>;
  /** The first step of a delete (version-checked; bumps the version): the team is no longer listed, and reads say it is being deleted. */
  markTeamDeleting(id: string, expectedVersion: number): Promise<void>;
  /** The last step of a delete, at the team's current version. */
  removeTeam(id: string, version: number): Promise<void>;
  /** Teams not being deleted, by id. */
  listTeams(limit: number, cursor?: string): Promise<Page<Team>>;
  readMember(teamId: string, principal: string): Promise<TeamMember | undefined>;
  /** Creates or replaces the membership (authorization reads it by principal). */
  writeMember(member: TeamMember): Promise<void>;
  /** Removing a membership that does not exist is not an error. */
  removeMember(teamId: string, principal: string): Promise<void>;
  listMembers(teamId: string, limit: number, cursor?: string): Promise<Page<TeamMember>>;
  /** Every member of the team (a team being deleted included). */
  allMembers(teamId: string): Promise<TeamMember[]>;
}
