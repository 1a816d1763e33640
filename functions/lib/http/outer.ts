/** Middleware every request passes, whatever its route: header names, error mapping, CORS. */
import type { MiddlewareObj } from '@middy/core';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { ApolloError } from '#shared/errors';
import { config } from '../config.ts';
import { logger, metrics } from '../observability.ts';
import type { Event } from './request.ts';
import { errorResult } from './responses.ts';

export const lowerCaseHeaders = (): MiddlewareObj<Event> => ({
  before: ({ event }) => {
    const lower: Record<string, string> = {};
    for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined) lower[k.toLowerCase()] = v;
    event.headers = lower;
  },
});

/** Named errors → status and the error body; anything else → a plain 500 with the request id. */
export const errorMapper = (): MiddlewareObj<Event, APIGatewayProxyResult> => ({
  onError: (request) => {
    const requestId = request.event.requestContext?.requestId ?? request.context.awsRequestId;
    const error: unknown = request.error;
    const result = errorResult(error, requestId);
    if (result.statusCode >= 500) logger.error('request failed', { error: request.error as Error, statusCode: result.statusCode });
    else logger.info('request rejected', { statusCode: result.statusCode, code: (error as ApolloError).code });
    metrics.addMetric(result.statusCode >= 500 ? 'ServerErrors' : 'ClientErrors', MetricUnit.Count, 1);
    request.response = result;
  },
});

export const cors = (): MiddlewareObj<Event, APIGatewayProxyResult> => {
  const apply = (request: { response?: APIGatewayProxyResult | null }) => {
    if (!request.response) return;
    request.response.headers = {
      ...request.response.headers,
      'access-control-allow-origin': config().allowedOrigin,
      'access-control-expose-headers': 'etag, x-amzn-requestid, retry-after',
      vary: 'origin',
    };
  };
  return { after: apply, onError: apply };
};
