/**
 * The fulfillment state machine's steps Lambda (state-machines/fulfillment.asl.json): `event.step` names
 * the Task state's work (./step-runner.ts). Errors keep their name, so the ASL's Retry and Catch see them
 * as Lambda's errorType.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { logger } from '#lib/observability';
import type { StepEvent } from '#lib/workflows/ports';
import { runStep, type StepResult } from './step-runner.ts';

export const handler = middy<StepEvent, StepResult, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use({ onError: ({ error, event }) => logger.error('step failed', { step: event.step, requestId: event.requestId, error: error ?? undefined }) })
  .handler(async (event) => {
    logger.appendKeys({ requestId: event.requestId, step: event.step });
    return runStep(event);
  });
