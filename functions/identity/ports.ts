/** What the identity context needs from outside: the directory web users sign in with. */
import type { Role } from '#shared/permissions';

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
}
