/** Middleware every request passes, whatever its route: header names, error mapping, CORS. */
import type { MiddlewareObj } from '@middy/core';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { ApolloError, NotFoundError } from '#shared/errors';
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
    let error: unknown = request.error;
    // middy's own errors (router 404/405) carry statusCode and expose
    const http = error as { statusCode?: number } | undefined;
    if (!(error instanceof ApolloError) && http?.statusCode === 404) error = new NotFoundError('no such route');
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
