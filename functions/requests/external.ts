/**
 * Outside runs a request waits for (Terraform runs, GitHub workflow runs, JIRA issues): each started run is
 * recorded by the id its system's webhooks name, so a verified webhook finds the waiting attempt and wakes
 * it. Waking only ends the wait early: the check that follows asks the system where the run is, so a forged
 * or stale event can make Apollo look, never make it believe. A wake for an attempt that is not waiting (a
 * redelivery, a run already checked) changes nothing.
 *
 *   EXTREF#<system>#<id> / META   { requestId, index, actionId, attempt }
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, getItem, isConditionFailure, putItem, tableName, type Item } from '#lib/table';
import { workflowEngine } from '#lib/workflows/index';
import { TaskTokenError } from '#lib/workflows/ports';
import type { ExternalEvent, ExternalRef } from './actions/ports.ts';
import { appendLog, attemptSk, readAttempt, requestPartition, updateAttempt, type AttemptRecord, type Phase } from './records.ts';
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
  // Marked first, in one write that also reads the token: a wait that starts after it sees the mark (actionWait reads
  // it back with the token it writes), and a wait that started before it is woken here. Read-then-write would lose a
  // wake landing between a wait's start and this write (the wait would sleep to its poll interval).
  const attemptKey = { index: key.index, actionId: key.actionId, attempt: key.attempt, phase: key.phase };
  const marked = await updateAttempt(key.requestId, attemptKey, { pendingWake: true });
  if (!marked.taskToken) return { matched: true, requestId: key.requestId, woken: false };
  if (!(await wake(key.requestId, attemptKey, marked.taskToken, event.delivery))) {
    // That wait had just ended: marked again, the next one ends at once — or, begun meanwhile, is woken now.
    const again = await updateAttempt(key.requestId, attemptKey, { pendingWake: true });
    const woken = again.taskToken && again.taskToken !== marked.taskToken ? await wake(key.requestId, attemptKey, again.taskToken, event.delivery) : false;
    if (!woken && again.taskToken !== marked.taskToken) await updateAttempt(key.requestId, attemptKey, { pendingWake: true });
    return { matched: true, requestId: key.requestId, woken };
  }
  return { matched: true, requestId: key.requestId, woken: true };
}

/**
 * Wakes the wait holding `token`, taking the mark off first (a check run by this wake must not be followed by
 * another at once); false when that wait had already ended.
 */
async function wake(requestId: string, attempt: Pick<AttemptRecord, 'index' | 'actionId' | 'attempt' | 'phase'>, token: string, delivery: string | undefined): Promise<boolean> {
  try {
    await db.send(new UpdateCommand({
      TableName: tableName(), Key: { PK: requestPartition(requestId), SK: attemptSk(attempt.index, attempt.actionId, attempt.attempt, attempt.phase) },
      UpdateExpression: 'SET pendingWake = :no', ConditionExpression: 'taskToken = :token',
      ExpressionAttributeValues: { ':no': false, ':token': token },
    }));
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
  try {
    await workflowEngine(FULFILLMENT).sendTaskSuccess(token, { woken: true, delivery });
    return true;
  } catch (error) {
    if (!(error instanceof TaskTokenError)) throw error;
    return false;
  }
}
