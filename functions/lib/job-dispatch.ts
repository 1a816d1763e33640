/**
 * Handing a job's run to where it runs, for the work that answers 202 (a discovery sync, a catalog
 * refresh). In AWS: an asynchronous invocation (`InvocationType: Event`) of the jobs Lambda with
 * `{ job: <name>, jobId }`: it returns at once, the run gets the jobs Lambda's 15 minutes, and Lambda
 * retries a failed run (the job's status makes a retry of a finished run a no-op) and sends one that
 * keeps failing to the dead-letter queue. Locally: the same run in this process, not awaited, so the
 * request answers first.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { logger } from './observability.ts';

export interface JobDispatcher {
  dispatch(jobId: string): Promise<void>;
}

export class LambdaJobDispatcher implements JobDispatcher {
  constructor(private readonly functionName: string, private readonly job: string, private readonly client = new LambdaClient({})) {}

  async dispatch(jobId: string): Promise<void> {
    const out = await this.client.send(new InvokeCommand({
      FunctionName: this.functionName,
      InvocationType: 'Event',
      Payload: Buffer.from(JSON.stringify({ job: this.job, jobId })),
    }));
    if (out.StatusCode !== 202) throw new Error(`the jobs function answered ${out.StatusCode} to an asynchronous invocation`);
  }
}

/** Every in-process run not yet settled, whichever dispatcher started it. */
const inFlight = new Set<Promise<unknown>>();

/**
 * Waits (up to `timeoutMs`) for the in-process runs still going: the local runtime calls it on
 * close, before its DynamoDB goes away under a run that a request started and did not wait for.
 */
export async function settleInProcessRuns(timeoutMs = 15_000): Promise<void> {
  if (inFlight.size === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs); });
  await Promise.race([Promise.allSettled([...inFlight]), timeout]);
  clearTimeout(timer);
}

export class InProcessJobDispatcher implements JobDispatcher {
  /** Runs in flight (tests wait for them). */
  readonly running = new Set<Promise<unknown>>();

  constructor(private readonly run: (jobId: string) => Promise<unknown>, private readonly what = 'job') {}

  dispatch(jobId: string): Promise<void> {
    const run = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.run(jobId))
      .catch((error: unknown) => logger.error(`${this.what} run failed`, { jobId, error: error as Error }))
      .finally(() => { this.running.delete(run); inFlight.delete(run); });
    this.running.add(run);
    inFlight.add(run);
    return Promise.resolve();
  }
}
