/**
 * The realtime context: the Lambda behind the WebSocket API's `$connect`, `$disconnect` and
 * `$default` routes (ARCHITECTURE.md §5). Replies travel like every other frame, through
 * `@connections` (postToConnection); refusals become `error` frames in one place (`refusals`).
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { UnauthorizedError } from '#shared/errors';
import { identify } from '#lib/identity';
import { logger } from '#lib/observability';
import { sendFrame } from '#lib/realtime';
import { closeConnection, openConnection } from './connections.ts';
import type { RealtimeEvent, RealtimeResult } from './events.ts';
import { answer, parseMessage } from './messages.ts';
import { userDirectory } from './deps.ts';
import { refusals } from './refusals.ts';

const OK: RealtimeResult = { statusCode: 200 };

export const handler = middy<RealtimeEvent, RealtimeResult>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(refusals())
  .handler(async (event) => {
    const { routeKey, connectionId } = event.requestContext;
    if (routeKey === '$connect') {
      if (!event.requestContext.identity) throw new UnauthorizedError('no caller identity on $connect: the route needs IAM auth');
      const identity = await identify(event.requestContext.identity, userDirectory());
      await openConnection(connectionId, identity);
      logger.info('realtime connected', { principal: identity.principal, role: identity.role });
      return OK;
    }
    if (routeKey === '$disconnect') {
      await closeConnection(connectionId);
      return OK;
    }
    await sendFrame(connectionId, await answer(connectionId, parseMessage(event.body)));
    return OK;
  });
