/**
 * The request transitions that count toward the analytics (stats.ts): called by submit and the workflow's end
 * steps. Counting never fails a transition: an error is logged and the request goes on.
 */
import { logger } from '#lib/observability';
import { readApproval } from './approvals.ts';
import { durationSeconds } from './plan.ts';
import { readAttempts, readDocument, type RequestRecord } from './records.ts';
import { deprovisionedWrites, endedWrites, phasesOf, recordOnce, submittedWrites, type EndFacts } from './stats.ts';

async function safely(what: string, requestId: string, work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (error) {
    logger.error(`request analytics not counted: ${what}`, { requestId, error: error as Error });
  }
}

export const countSubmitted = (record: RequestRecord): Promise<void> =>
  safely('submitted', record.id, () => recordOnce(record.id, 'submitted', submittedWrites(record)));

/** The run ended (completed, failed or cancelled); `record` is the META before or after the transition, `at` when it ended. */
export function countEnded(record: RequestRecord, outcome: EndFacts['outcome'], at: string, failure?: { reason?: string; action?: string | null }): Promise<void> {
  return safely(outcome, record.id, async () => {
    const approval = record.approvalId ? await readApproval(record.approvalId) : undefined;
    // The approval of this run only (a retry with unchanged fields asks none).
    const asked = approval && (approval.run ?? 1) === (record.run ?? 1) ? approval : undefined;
    let facts: EndFacts = { outcome, at, ...(failure?.reason ? { reason: failure.reason } : {}), ...(failure?.action ? { action: failure.action } : {}) };
    if (asked?.decidedAt) facts = { ...facts, approvalMs: Math.max(0, Date.parse(asked.decidedAt) - Date.parse(asked.createdAt)) };
    if (outcome === 'completed') {
      const [attempts, document] = await Promise.all([readAttempts(record.id), readDocument(record.id).catch(() => undefined)]);
      const sla = document?.metadata.sla?.fulfillmentTime;
      facts = { ...facts, phases: phasesOf(record, at, attempts, asked ?? null), slaMs: sla ? durationSeconds(sla, 0) * 1000 : null };
    }
    await recordOnce(record.id, `end-${record.run ?? 1}`, endedWrites(record, facts));
  });
}

export const countDeprovisioned = (record: RequestRecord, at: string): Promise<void> =>
  safely('deprovisioned', record.id, () => recordOnce(record.id, 'deprovisioned', deprovisionedWrites(record, at)));
