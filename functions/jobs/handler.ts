/**
 * The jobs context: an EventBridge rule (one per job in shared/jobs.ts) invokes this Lambda with the
 * input `{ "job": "<name>" }` (a schedule) or `{ "job": "<name>", "event": <the matched event> }` (an
 * event job); it runs that job once and returns its result. The local scheduler and `npm run job`
 * invoke it the same way.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { ValidationError } from '#shared/errors';
import { logger } from '#lib/observability';
import { jobsDeps } from './deps.ts';
import { jobRunner } from './runners.ts';

export interface JobEvent {
  readonly job: string;
  /** An event job's EventBridge event. */
  readonly event?: unknown;
}

// Reads and validates the configuration now, at cold start (a missing bucket fails the init).
jobsDeps();

function jobName(event: unknown): string {
  const name = (event as Partial<JobEvent> | null)?.job;
  if (typeof name !== 'string') throw new ValidationError('a job event is {"job": "<name>"}', { details: [{ path: '/job', message: 'must be a string' }] });
  return name;
}

export const handler = middy<JobEvent, unknown, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use({ onError: ({ error }) => logger.error('job failed', { error: error ?? undefined }) })
  .handler(async (event) => {
    const name = jobName(event);
    const job = jobRunner(name);
    logger.appendKeys({ job: name });
    logger.info('job started');
    const started = Date.now();
    const { result, summary } = await job.run(event as unknown as Readonly<Record<string, unknown>>);
    logger.info('job finished', { durationMs: Date.now() - started, ...summary });
    return result;
  });
