/**
 * What other contexts may use of the requests context: the only module of it they import
 * (`#functions/requests/public`; functions/contexts.test.ts holds every context to that).
 */
import type { Role } from '#shared/permissions';
import { mayRead } from './access.ts';
import { readRequest } from './records.ts';

/** The realtime Lambda asks before a subscription to `request:<id>`: may this caller read the request? */
export async function mayFollowRequest(caller: { principal: string; role: Role | null; teams: readonly string[] }, requestId: string): Promise<boolean> {
  const record = await readRequest(requestId);
  return record !== undefined && (await mayRead(record, caller));
}
