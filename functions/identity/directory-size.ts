/** The web directory as other contexts see it: how many people it holds, and one person's role. */

/** How many people the web directory holds (null where this deployment has none). */
import { ServiceUnavailableError } from '#shared/errors';
import type { Role } from '#shared/permissions';
import { users } from './deps.ts';

export async function directorySize(): Promise<{ users: number; source: string } | null> {
  try {
    return await users().count();
  } catch (error) {
    if (error instanceof ServiceUnavailableError) return null;
    throw error;
  }
}

/** A person in the web directory: their role, or undefined when unknown; null where this deployment has no directory. */
export async function directoryUser(principal: string): Promise<{ role: Role | null; enabled: boolean } | undefined | null> {
  try {
    const found = await users().get(principal.toLowerCase());
    return found && { role: found.role, enabled: found.enabled };
  } catch (error) {
    if (error instanceof ServiceUnavailableError) return null;
    throw error;
  }
}
