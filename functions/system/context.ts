/** The system context: Apollo's own health, version, metrics and OpenAPI document. */
import type { ContextDescriptor } from '#lib/context';

export const context: ContextDescriptor = {
  name: 'system',
  summary: 'Apollo\'s own health, version, request metrics and OpenAPI document',
  // GET /api/v1/metrics reads the API's per-method CloudWatch metrics.
  // GitHub's health (/api/v1/health) is read with Apollo's GitHub credentials.
  bindings: ['api-metrics', 'github-credentials'],
  // GET /api/v1/openapi.json serves the document gen:schemas wrote, shipped beside the bundle rather than in it.
  files: { 'openapi.json': 'schemas/openapi.gen.json' },
  environment: { APOLLO_OPENAPI_FILE: '/var/task/openapi.json' },
  local: async (runtime) => {
    const { configureSystem } = await import('./deps.ts');
    configureSystem({ metrics: { render: () => runtime.renderMetrics() } });
  },
};
