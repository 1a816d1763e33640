/**
 * Where a turn runs: in AWS the jobs Lambda's dispatched job `ai-turn` (an asynchronous invocation with
 * `{ job, jobId: "<sessionId>/<turnId>" }`: the API answers 202 at once, the turn gets the job's time); locally
 * in this process, not awaited.
 */
import { InProcessJobDispatcher, LambdaJobDispatcher, type JobDispatcher } from '#lib/job-dispatch';
import { readTurn } from './records.ts';
import { runTurn } from './turn.ts';

export const AI_TURN_JOB = 'ai-turn';

/** Runs the turn a dispatch names; a turn no longer there (a day later, or a retried run) does nothing. */
export async function runDispatchedTurn(jobId: string): Promise<{ ran: boolean }> {
  const [sessionId, turnId] = jobId.split('/');
  const turn = sessionId && turnId ? await readTurn(sessionId, turnId) : undefined;
  if (!turn) return { ran: false };
  await runTurn({ ...turn, role: turn.role as Parameters<typeof runTurn>[0]['role'] });
  return { ran: true };
}

let dispatcher: JobDispatcher | undefined;

function make(): JobDispatcher {
  if (process.env.APOLLO_RUNTIME === 'local' || !process.env.APOLLO_JOBS_FUNCTION) return new InProcessJobDispatcher(runDispatchedTurn, 'ai turn');
  return new LambdaJobDispatcher(process.env.APOLLO_JOBS_FUNCTION, AI_TURN_JOB);
}

export async function dispatchTurn(jobId: string): Promise<void> {
  dispatcher ??= make();
  await dispatcher.dispatch(jobId);
}
