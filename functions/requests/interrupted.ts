/**
 * Crash recovery (ARCHITECTURE.md §4): a request whose execution is gone while its record says work is under
 * way is marked `interrupted`, with the last action it completed; its retry resumes there and never repeats a
 * completed action. The local runtime runs this at start (its executions live in memory); nothing is silently
 * lost.
 */
import { logger } from '#lib/observability';
import { workflowEngine } from '#lib/workflows/index';
import { expireApproval, readApproval } from './approvals.ts';
import { release } from './queue.ts';
import { activeRequestIds, readAttempts, readRequest, transition, type RequestRecord } from './records.ts';
import { executionName, FULFILLMENT } from './workflow.ts';
import { releaseQuota } from './quotas.ts';

export async function markInterrupted(): Promise<number> {
  const engine = workflowEngine(FULFILLMENT);
  let marked = 0;
  for (const id of await activeRequestIds()) {
    const record = await readRequest(id, true);
    if (!record) continue;
    const name = executionName({ requestId: id, run: record.run ?? 1, deprovision: record.status === 'deprovisioning' });
    const execution = await engine.describe(name);
    if (execution?.status === 'RUNNING') continue;
    if (await markInterruptedRecord(record, 'Apollo restarted')) marked += 1;
  }
  if (marked) logger.warn('requests interrupted by a restart', { marked });
  return marked;
}

const ACTIVE = new Set(['submitted', 'validating', 'awaiting_approval', 'queued', 'in_progress', 'rolling_back', 'deprovisioning']);

/** Marks a request whose work is under way interrupted (false when it is not under way: nothing to do). */
export async function markInterruptedRecord(record: RequestRecord, why: string): Promise<boolean> {
  if (!ACTIVE.has(record.status)) return false;
  const done = (await readAttempts(record.id)).filter((a) => a.status === 'succeeded' && !a.rolledBack);
  const last = done.sort((a, b) => a.index - b.index).at(-1);
  await release(record);
  // Nothing runs for it now: its reservation goes back (a completed one's use stays); a retry takes it again, or is refused.
  if (record.quota) await releaseQuota(record.id, record.quota);
  const approval = record.approvalId ? await readApproval(record.approvalId, true) : undefined;
  // Nobody let it time out: what waited for it is gone, so it is cancelled, saying why.
  if (approval?.status === 'pending') await expireApproval(approval, new Date(), 'cancelled', `the request was interrupted while it waited (${why})`);
  await transition(record.id, { status: 'interrupted', currentAction: null, taskToken: null, eta: null }, {
    message: `interrupted: its run was lost while it was ${record.status.replace('_', ' ')} (${why})${last ? `; the last action completed was ${last.name}` : '; no action had completed'}. Retry resumes it from there`,
    severity: 'warn',
  });
  return true;
}
