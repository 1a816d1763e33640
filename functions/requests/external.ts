/**
 * Outside runs a request waits for (Terraform runs, GitHub workflow runs, JIRA issues): each started run is
 * recorded by the id its system's webhooks name, so a verified webhook finds the waiting attempt and wakes
 * it. Waking only ends the wait early: the check that follows asks the system where the run is, so a forged
 * or stale event can make Apollo look, never make it believe. A wake for an attempt that is not waiting (a
 * redelivery, a run already checked) changes nothing.
 *
 *   EXTREF#<system>#<id> / META   { requestId, index, actionId, attempt }
 */
import { getItem, putItem, type Item } from '#lib/table';
import { workflowEngine } from '#lib/workflows/index';
import { TaskTokenError } from '#lib/workflows/ports';
import type { ExternalEvent, ExternalRef } from './actions/ports.ts';
import { appendLog, readAttempt, updateAttempt, type Phase } from './records.ts';
import { FULFILLMENT } from './workflow.ts';

export interface AttemptKey {
  readonly requestId: string;
  readonly index: number;
  readonly actionId: string;
  readonly attempt: number;
  /** A rollback's run is a `RB#` attempt. */
  readonly phase?: Phase;
}

const refKey = (system: string, id: string) => ({ PK: `EXTREF#${system}#${id}`, SK: 'META' });

export async function recordExternalRef(ref: ExternalRef, attempt: AttemptKey): Promise<void> {
  await putItem({ ...refKey(ref.system, ref.id), ...attempt, system: ref.system, externalId: ref.id, recordedAt: new Date().toISOString() });
}

export async function attemptOf(system: string, id: string): Promise<AttemptKey | undefined> {
  const item = await getItem<Item & AttemptKey>(refKey(system, id), { consistent: true });
  return item ? { requestId: item.requestId, index: item.index, actionId: item.actionId, attempt: item.attempt, ...(item.phase ? { phase: item.phase } : {}) } : undefined;
}

export interface WakeResult {
  /** Whether a request's action is about this run. */
  readonly matched: boolean;
  readonly requestId?: string;
  /** Whether its wait was ended now (false: it was not waiting at this moment; its next check will see the run). */
  readonly woken: boolean;
}

export async function wakeExternal(event: ExternalEvent): Promise<WakeResult> {
  const key = await attemptOf(event.system, event.id);
  if (!key) return { matched: false, woken: false };
  const attempt = await readAttempt(key.requestId, key.index, key.actionId, key.attempt, key.phase);
  if (event.summary) await appendLog(key.requestId, [{ message: `${attempt?.name ?? key.actionId}: ${event.system} says ${event.summary}`, action: key.actionId, kind: 'action', severity: 'debug' }]);
  if (!attempt || attempt.status !== 'waiting') return { matched: true, requestId: key.requestId, woken: false };
  if (!attempt.taskToken) {
    // Between two waits (a check is running): the next wait ends at once instead of at its poll interval.
    await updateAttempt(key.requestId, { index: key.index, actionId: key.actionId, attempt: key.attempt, phase: key.phase }, { pendingWake: true });
    return { matched: true, requestId: key.requestId, woken: false };
  }
  try {
    await workflowEngine(FULFILLMENT).sendTaskSuccess(attempt.taskToken, { woken: true, delivery: event.delivery });
    return { matched: true, requestId: key.requestId, woken: true };
  } catch (error) {
    if (!(error instanceof TaskTokenError)) throw error;
    // That wait had just ended: the next one ends at once.
    await updateAttempt(key.requestId, { index: key.index, actionId: key.actionId, attempt: key.attempt, phase: key.phase }, { pendingWake: true });
    return { matched: true, requestId: key.requestId, woken: false };
  }
}
