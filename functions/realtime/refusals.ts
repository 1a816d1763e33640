/**
 * Errors → what the WebSocket caller sees, in one place: on `$connect` a refusal status (the
 * connection is never opened); on `$default` an `error` frame naming the code (`Forbidden`,
 * `UnknownTopic`, `ValidationError`, …), and for anything unexpected a plain `InternalError` frame
 * with the request id. Never a crash the client can't read.
 */
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { ApolloError, STATUS_BY_ERROR } from '#shared/errors';
import { logger } from '#lib/observability';
import { sendFrame } from '#lib/realtime';
import type { RealtimeEvent, RealtimeResult } from './events.ts';
import { topicOf } from './messages.ts';

export const refusals = (): MiddlewareObj<RealtimeEvent, RealtimeResult, Error, Context> => ({
  before: ({ event }) => {
    const { routeKey, connectionId, requestId } = event.requestContext;
    logger.appendKeys({ route: routeKey, connectionId });
    logger.setCorrelationId(requestId);
  },
  onError: async (request) => {
    const { event, error } = request;
    const { routeKey, connectionId, requestId } = event.requestContext;
    const named = error instanceof ApolloError ? error : undefined;
    if (!named) logger.error('realtime request failed', { error: error as Error });
    else logger.info('realtime request refused', { code: named.code });
    if (routeKey === '$connect') {
      const status = named ? STATUS_BY_ERROR.get(named.code) ?? 500 : 500;
      request.response = { statusCode: status, body: status < 500 ? named!.message : 'internal error' };
      return;
    }
    if (routeKey === '$disconnect') throw error;
    const topic = topicOf(event.body);
    await sendFrame(connectionId, named
      ? { type: 'error', code: named.code, message: named.message, ...(topic ? { topic } : {}) }
      : { type: 'error', code: 'InternalError', message: `internal error (request ${requestId})`, ...(topic ? { topic } : {}) });
    request.response = { statusCode: named ? 200 : 500 };
  },
});
