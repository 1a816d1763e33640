/**
 * Several approvals decided at once (the inbox's selection): each is decided as its own route would decide it and
 * audited on its own (approvals.approve / approvals.reject, intent before, outcome after), in order; one refused
 * does not stop the others. The batch call itself is audited too (approvals.batch).
 */
import type { ApprovalBatch, ApprovalBatchResult } from '#schemas/index.ts';
import { ApolloError, ValidationError } from '#shared/errors';
import { auditLog, type AuditIntent } from '#lib/audit-log';
import { statusOf } from '#lib/http/responses';
import { decide, type Decider, type DecisionAudit } from './approvals.ts';

/** What each item's audit entry says of the caller (the batch's own entry says the same). */
export type BatchAuditContext = Pick<AuditIntent, 'actor' | 'actorType' | 'actorRole' | 'sourceIp' | 'userAgent' | 'requestId' | 'aiSessionId'>;

export async function decideBatch(body: ApprovalBatch, who: Decider, context: BatchAuditContext): Promise<ApprovalBatchResult> {
  const results: ApprovalBatchResult['results'] = [];
  for (const item of body.decisions) {
    const action = item.decision === 'approved' ? 'approvals.approve' : 'approvals.reject';
    const details = { batch: true, decision: item.decision, ...(item.comment ? { [item.decision === 'approved' ? 'comment' : 'reason']: item.comment } : {}) };
    const entry = await auditLog.recordIntent({ ...context, action, resourceType: 'approval', resourceId: item.id, details });
    // What deciding learns (the request, for whom a delegate decided) joins the entry with its outcome.
    const audit: DecisionAudit = {};
    const learned = () => (audit.details ? { details: { ...details, ...audit.details } } : {});
    try {
      // As the single reject route's schema says: a reason the requester can read.
      if (item.decision === 'rejected' && (item.comment?.trim().length ?? 0) < 3) {
        throw new ValidationError('a rejection needs a reason the requester can read (at least 3 characters)', { details: [{ path: `/body/decisions/${results.length}/comment`, message: 'must have at least 3 characters for a rejection' }] });
      }
      const approval = await decide(item.id, who, item.decision, item.comment, audit);
      results.push({ id: item.id, decision: item.decision, status: 200, approval });
      await auditLog.recordOutcome(entry, { outcome: 'succeeded', statusCode: 200, ...learned() });
    } catch (error) {
      const status = statusOf(error);
      if (!(error instanceof ApolloError) || status >= 500) {
        await auditLog.recordOutcome(entry, { outcome: 'failed', statusCode: status, errorCode: error instanceof ApolloError ? error.code : 'InternalError', ...learned() });
        throw error;
      }
      results.push({ id: item.id, decision: item.decision, status, error: { code: error.code, message: error.message } });
      await auditLog.recordOutcome(entry, { outcome: 'failed', statusCode: status, errorCode: error.code, ...learned() });
    }
  }
  return {
    results,
    approved: results.filter((r) => r.status === 200 && r.decision === 'approved').length,
    rejected: results.filter((r) => r.status === 200 && r.decision === 'rejected').length,
    failed: results.filter((r) => r.status !== 200).length,
  };
}
