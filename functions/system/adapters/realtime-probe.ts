/**
 * The realtime endpoint (@connections) answers, and this function may use it: asking for a
 * connection that cannot exist is answered 410 Gone by a reachable endpoint that accepted the
 * signature and the permission; anything else is what is wrong.
 */
import { ApiGatewayManagementApiClient, GetConnectionCommand, GoneException } from '@aws-sdk/client-apigatewaymanagementapi';
import type { HealthProbe } from '../ports.ts';

const PROBE_CONNECTION = 'apollo-health-probe';

export function realtimeProbe(endpoint: string, region: string, client = new ApiGatewayManagementApiClient({ endpoint, region, maxAttempts: 1 })): HealthProbe {
  return {
    name: 'realtime',
    // Live updates stop; every page still works by reading again.
    critical: false,
    check: async (signal) => {
      try {
        await client.send(new GetConnectionCommand({ ConnectionId: PROBE_CONNECTION }), { abortSignal: signal });
      } catch (error) {
        if (error instanceof GoneException || (error as { name?: string }).name === 'GoneException') return;
        throw new Error(`the @connections endpoint answered ${(error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? (error as Error).name}: ${(error as Error).message}`, { cause: error });
      }
    },
  };
}
