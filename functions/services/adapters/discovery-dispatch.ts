/** Handing a discovery job to its run (functions/lib/job-dispatch.ts): the jobs Lambda's `discovery-sync` job in AWS, in-process locally. */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { InProcessJobDispatcher, LambdaJobDispatcher } from '#lib/job-dispatch';

export const DISCOVERY_JOB = 'discovery-sync';

export class LambdaDiscoveryDispatcher extends LambdaJobDispatcher {
  constructor(functionName: string, client?: LambdaClient) {
    super(functionName, DISCOVERY_JOB, client);
  }
}

export class InProcessDiscoveryDispatcher extends InProcessJobDispatcher {
  constructor(run: (jobId: string) => Promise<unknown>) {
    super(run, 'discovery');
  }
}
