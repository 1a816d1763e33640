/** A service's deployment history in an environment, newest first, through the deployments context's public module. */
import { deploymentHistory } from '#functions/deployments/public';
import { defineTool } from './define.ts';
import { ENVIRONMENT, objectSchema, SERVICE } from './input.ts';

export const deploymentHistoryTool = defineTool<{ service: string; environment?: string; limit?: number }>({
  name: 'deployment_history',
  description: 'A service\'s deployments (deploys, rollbacks, promotes, scales, restarts), newest first: when, version and the version before, who, status, how long, and the error of a failed one. Use it to see whether a problem began after a deploy.',
  inputSchema: objectSchema({ service: SERVICE, environment: ENVIRONMENT, limit: { type: 'integer', minimum: 1, maximum: 25, description: 'How many (default 10).' } }, ['service']),
  risk: 'read',
  permission: 'deployments:read',
  timeoutMs: 10_000,
  outputLimit: 8_000,
  async run({ service, environment, limit }) {
    const page = await deploymentHistory({ service, ...(environment ? { environment } : {}) }, limit ?? 10);
    return {
      service, ...(environment ? { environment } : {}),
      deployments: page.items.map((d) => ({
        id: d.id, operation: d.operation, environment: d.environment, status: d.status,
        version: d.imageTag ?? null, from: d.previousImageTag ?? null,
        ...(d.fromEnvironment ? { fromEnvironment: d.fromEnvironment } : {}),
        ...(d.replicas != null ? { replicas: d.replicas } : {}),
        by: d.initiatedBy, at: d.createdAt, ...(d.completedAt ? { completedAt: d.completedAt } : {}),
        ...(d.reason ? { reason: d.reason } : {}), ...(d.error ? { error: d.error } : {}),
      })),
      more: page.nextCursor !== null,
    };
  },
});
