/**
 * Who may read a request (requests:read is scoped here, ARCHITECTURE.md §1): its requester, its team's
 * members, the offering's owning team (they fulfil it), an approver of its approval, and requests:manage.
 * One who may not read it gets the 404 of a request that does not exist.
 */
import { NotFoundError } from '#shared/errors';
import { roleHas, type Role } from '#shared/permissions';
import { mayDecide, readApproval } from './approvals.ts';
import { requireRequest, type RequestRecord } from './records.ts';

export interface RequestCaller {
  readonly principal: string;
  readonly role: Role | null;
  readonly teams: readonly string[];
}

export async function mayRead(record: RequestRecord, caller: RequestCaller): Promise<boolean> {
  if (roleHas(caller.role, 'requests:manage')) return true;
  if (record.requester.toLowerCase() === caller.principal.toLowerCase()) return true;
  if (record.team && caller.teams.includes(record.team)) return true;
  if (record.offering.owner && caller.teams.includes(record.offering.owner)) return true;
  if (record.approvalId) {
    const approval = await readApproval(record.approvalId);
    if (approval && (mayDecide(approval, caller).via.length > 0 || approval.decisions.some((d) => d.principal === caller.principal))) return true;
  }
  return false;
}

export async function requireReadable(id: string, caller: RequestCaller, consistent = false): Promise<RequestRecord> {
  const record = await requireRequest(id, consistent);
  if (!(await mayRead(record, caller))) throw new NotFoundError(`request ${id} not found`);
  return record;
}
