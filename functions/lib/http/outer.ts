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

/** When each request began, for its line's duration. */
const began = new WeakMap<object, number>();
const durationOf = (event: object): number | undefined => {
  const start = began.get(event);
  return start === undefined ? undefined : Date.now() - start;
};

/**
 * Named errors → status and the error body; anything else → a plain 500 with the request id. Every request
 * ends with one line (status and duration; the route and correlation id are the logger's keys): the access
 * log the service `apollo`'s logs are read from.
 */
export const errorMapper = (): MiddlewareObj<Event, APIGatewayProxyResult> => ({
  before: ({ event }) => {
    began.set(event, Date.now());
  },
  after: ({ event, response }) => {
    logger.info('request handled', { statusCode: response?.statusCode, durationMs: durationOf(event) });
  },
  onError: (request) => {
    const requestId = request.event.requestContext?.requestId ?? request.context.awsRequestId;
    const error: unknown = request.error;
    const result = errorResult(error, requestId);
    const durationMs = durationOf(request.event);
    if (result.statusCode >= 500) logger.error('request failed', { error: request.error as Error, statusCode: result.statusCode, durationMs });
    else logger.info('request rejected', { statusCode: result.statusCode, code: (error as ApolloError).code, durationMs });
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
      // The request audit export's file name and entry count are read by the web app, on another origin in AWS.
      'access-control-expose-headers': 'etag, x-amzn-requestid, retry-after, content-disposition, x-apollo-entries, x-apollo-truncated',
      vary: 'origin',
    };
  };
  return { after: apply, onError: apply };
};
