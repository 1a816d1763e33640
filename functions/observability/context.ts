/** The observability context: logs of every catalog service (and Apollo's own), secrets masked; CloudWatch Logs in AWS, SIMULATED demo logs locally. */
import type { ContextDescriptor } from '#lib/context';

export const context: ContextDescriptor = {
  name: 'observability',
  summary: 'Observability: log search (Logs Insights queries) and log lines of every catalog service, secrets masked (local: SIMULATED demo logs)',
  bindings: ['logs-read', 'telemetry-read'],
  heavy: [{
    what: '@aws-sdk/client-cloudwatch-logs and Powertools idempotency (with JMESPath)',
    neededBy: 'POST /api/v1/logs/query (one Idempotency-Key → one query; StartQuery), GET/DELETE /api/v1/logs/query/{id} (GetQueryResults, StopQuery), GET /api/v1/logs/services/{id} (FilterLogEvents)',
  }, {
    what: '@aws-sdk/client-cloudwatch (GetMetricData), @aws-sdk/client-xray (BatchGetTraces) and the SigV4 signer (Amazon Managed Prometheus)',
    neededBy: 'GET /api/v1/metrics/services/{id}, POST /api/v1/metrics/query, GET /api/v1/logs/trace/{traceId}',
  }],
  local: async () => {
    const { configureObservabilityLocal } = await import('./local.ts');
    return configureObservabilityLocal();
  },
};
