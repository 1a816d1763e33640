/** How many people the web directory holds (null where this deployment has none). */
import { ServiceUnavailableError } from '#shared/errors';
import { users } from './deps.ts';

export async function directorySize(): Promise<{ users: number; source: string } | null> {
  try {
    return await users().count();
  } catch (error) {
    if (error instanceof ServiceUnavailableError) return null;
    throw error;
  }
}
