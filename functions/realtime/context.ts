/** The realtime context: the WebSocket API's connections and subscriptions. */
import type { ContextDescriptor } from '#lib/context';

export const context: ContextDescriptor = {
  name: 'realtime',
  summary: 'The WebSocket API: connections, subscriptions and their authorization',
};
