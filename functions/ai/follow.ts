/**
 * Who may follow a session's stream: the realtime Lambda asks before a subscription to `ai:<id>`. Its own module,
 * so what imports it (through public.ts) does not bring the sessions' routes, the turn runner and Ajv with it.
 */
import { roleHas, type Role } from '#shared/permissions';
import { readSession } from './records.ts';

/** The owner, or ai:admin. */
export async function mayFollowSession(caller: { readonly principal: string; readonly role: Role | null }, id: string): Promise<boolean> {
  const session = await readSession(id);
  return Boolean(session && (session.owner === caller.principal || roleHas(caller.role, 'ai:admin')));
}
