/**
 * Who writes a postmortem's draft with the model. In AWS: the jobs Lambda's dispatched job `incident-postmortem`
 * (an asynchronous invocation with `{ job, jobId: "<incidentId>/<version>" }`), so `POST …/postmortem` answers at
 * once and the model gets the job's minutes rather than API Gateway's 29 s. Whether a model is configured is read
 * from the environment (the `ai-model` binding's settings), so the API Lambda does not carry the model's SDK (a
 * static import: a dynamic one would keep all of the AI context's public module, the SDK with it); the Lambda
 * client is loaded on the first hand-over, not at every cold start.
 * The local runtime writes in its own process instead (postmortem-writer-local.ts).
 */
import { modelConfiguredInEnvironment } from '#functions/ai/public';
import type { JobDispatcher } from '#lib/job-dispatch';

export const POSTMORTEM_MODEL_JOB = 'incident-postmortem';

export interface PostmortemWriter {
  /** Whether a model will write the draft (else the draft from the records is all there is, as before). */
  configured(): Promise<boolean>;
  /** Hands over `<incidentId>/<version>`: the model writes the version after that one, if it is still the latest. */
  dispatch(jobId: string): Promise<void>;
}

export class LambdaPostmortemWriter implements PostmortemWriter {
  private dispatcher: JobDispatcher | undefined;

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  configured(): Promise<boolean> {
    return Promise.resolve(Boolean(this.env.APOLLO_JOBS_FUNCTION) && modelConfiguredInEnvironment(this.env));
  }

  async dispatch(jobId: string): Promise<void> {
    const functionName = this.env.APOLLO_JOBS_FUNCTION;
    if (!functionName) throw new Error('APOLLO_JOBS_FUNCTION is not set (the job-dispatch binding)');
    if (!this.dispatcher) {
      const { LambdaJobDispatcher } = await import('#lib/job-dispatch');
      this.dispatcher = new LambdaJobDispatcher(functionName, POSTMORTEM_MODEL_JOB);
    }
    await this.dispatcher.dispatch(jobId);
  }
}
