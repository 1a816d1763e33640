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

export class InProcessJobDispatcher implements JobDispatcher {
  /** Runs in flight (tests wait for them). */
  readonly running = new Set<Promise<unknown>>();

  constructor(private readonly run: (jobId: string) => Promise<unknown>, private readonly what = 'job') {}

  dispatch(jobId: string): Promise<void> {
    const run = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.run(jobId))
      .catch((error: unknown) => logger.error(`${this.what} run failed`, { jobId, error: error as Error }))
      .finally(() => this.running.delete(run));
    this.running.add(run);
    return Promise.resolve();
  }
}
