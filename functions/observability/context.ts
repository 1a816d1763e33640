/** The observability context: logs of every catalog service (and Apollo's own), secrets masked; CloudWatch Logs in AWS, SIMULATED demo logs locally. */
import type { ContextDescriptor } from '#lib/context';

export const context: ContextDescriptor = {
  name: 'observability',
  summary: 'Observability: log search (Logs Insights queries) and log lines of every catalog service, secrets masked (local: SIMULATED demo logs)',
  local: async () => {
    const { configureObservabilityLocal } = await import('./local.ts');
    return configureObservabilityLocal();
  },
};
