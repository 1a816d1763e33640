/**
 * The deployment state machine's steps Lambda (state-machines/deployment.asl.json): `event.step` names the
 * Task state's work (./step-runner.ts). Errors keep their name, so the ASL's Retry and Catch see them as
 * Lambda's errorType (Apollo.Retryable is retried with backoff).
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { logger } from '#lib/observability';
import { runStep, type DeploymentStepEvent } from './step-runner.ts';

export const handler = middy<DeploymentStepEvent, unknown, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use({ onError: ({ error, event }) => logger.error('step failed', { step: event.step, deploymentId: event.deploymentId, error: error ?? undefined }) })
  .handler(async (event) => {
    logger.appendKeys({ deploymentId: event.deploymentId, step: event.step });
    return runStep(event);
  });
