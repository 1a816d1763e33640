/**
 * The request audit trail (GET /api/v1/audit/requests and its export): the audit log's entries about requests,
 * approvals, delegations and quotas, searched as GET /api/v1/audit searches (by actor, or day by day; no Scan); one
 * request's are its own entries and its approvals' (each run's and a deprovision's), merged.
 */
import type { AuditEntry, AuditList, AuditQuery, RequestAuditExportQuery, RequestAuditQuery } from '#schemas/index.ts';
import type { QueryPageInput } from '#lib/table';
import { approvalIdsOf } from '#functions/requests/public';
import { searchAudit, searchAuditOf } from './search.ts';

/** The most entries one export holds (the range or the filters narrow a larger trail). */
export const EXPORT_MAX = 10_000;

const SCOPE: NonNullable<QueryPageInput['filter']> = {
  FilterExpression: '#scopeType IN (:scopeRequest, :scopeApproval, :scopeDelegation) OR begins_with(#scopeAction, :scopeQuotas)',
  ExpressionAttributeNames: { '#scopeType': 'resourceType', '#scopeAction': 'action' },
  ExpressionAttributeValues: { ':scopeRequest': 'request', ':scopeApproval': 'approval', ':scopeDelegation': 'approval-delegation', ':scopeQuotas': 'quotas.' },
};

function outcomeFilter(outcome: string | undefined): QueryPageInput['filter'] {
  if (!outcome) return SCOPE;
  return {
    FilterExpression: `(${SCOPE.FilterExpression}) AND #outcome = :outcome`,
    ExpressionAttributeNames: { ...SCOPE.ExpressionAttributeNames, '#outcome': 'outcome' },
    ExpressionAttributeValues: { ...SCOPE.ExpressionAttributeValues, ':outcome': outcome },
  };
}

type TrailQuery = Omit<RequestAuditQuery, 'limit' | 'cursor'> & { limit?: number; cursor?: string };

function auditQueryOf(query: TrailQuery): AuditQuery {
  return {
    ...(query.from ? { from: query.from } : {}), ...(query.to ? { to: query.to } : {}),
    ...(query.actor ? { actor: query.actor } : {}), ...(query.action ? { action: query.action } : {}),
    ...(query.limit ? { limit: query.limit } : {}), ...(query.cursor ? { cursor: query.cursor } : {}),
  };
}

/** One request's entries are about it or one of its approvals (their entries name the approval, not the request). */
async function searchTrail(query: TrailQuery): Promise<AuditList> {
  if (!query.requestId) return searchAudit(auditQueryOf(query), outcomeFilter(query.outcome));
  const approvals = await approvalIdsOf(query.requestId);
  const resources = [{ type: 'request', id: query.requestId }, ...approvals.map((id) => ({ type: 'approval', id }))];
  return searchAuditOf(resources, auditQueryOf(query), outcomeFilter(query.outcome));
}

export function searchRequestAudit(query: RequestAuditQuery): Promise<AuditList> {
  return searchTrail(query);
}

/** Every entry the filters select (at most EXPORT_MAX), oldest first. */
export async function exportEntries(query: RequestAuditExportQuery): Promise<{ entries: AuditEntry[]; truncated: boolean }> {
  const entries: AuditEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await searchTrail({ ...query, limit: 200, ...(cursor ? { cursor } : {}) });
    entries.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && entries.length < EXPORT_MAX);
  return { entries: entries.slice(0, EXPORT_MAX).reverse(), truncated: Boolean(cursor) || entries.length > EXPORT_MAX };
}

const COLUMNS = ['at', 'id', 'actor', 'actorType', 'actorRole', 'action', 'resourceType', 'resourceId', 'outcome', 'statusCode', 'errorCode', 'aiSessionId', 'requestId', 'details'] as const;

/** One CSV field: quoted when it must be, and a leading =, +, - or @ defused (a spreadsheet would run it as a formula). */
export function csvField(value: unknown): string {
  if (value === undefined || value === null) return '';
  let text = typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(entries: readonly AuditEntry[]): string {
  const lines = [COLUMNS.join(',')];
  for (const entry of entries) lines.push(COLUMNS.map((c) => csvField((entry as unknown as Record<string, unknown>)[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
