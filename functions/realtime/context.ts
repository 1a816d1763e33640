/** The realtime context: the WebSocket API's connections and subscriptions. */
import type { ContextDescriptor } from '#lib/context';

export const context: ContextDescriptor = {
  name: 'realtime',
  summary: 'The WebSocket API: connections, subscriptions and their authorization',
  heavy: [{
    what: 'the Cognito user directory (a web user\'s role and teams) and the requests and AI contexts\' follow rules (#functions/requests/public, #functions/ai/public: who may follow a request\'s or a session\'s topic)',
    neededBy: '$connect (the caller\'s identity) and the subscribe message on request:<id> and ai:<id> topics',
  }],
};
