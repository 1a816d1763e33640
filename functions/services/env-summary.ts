/**
 * What a service item stores of each environment (its `envs` map), built from the environment
 * itself: both a person's edit (./environments.ts) and a health check (./service-health.ts) rewrite it.
 */
import type { Environment } from '#schemas/index.ts';
import type { EnvSummary } from './ports.ts';

export function envSummary(env: Environment): EnvSummary {
  return {
    name: env.name,
    cluster: env.cluster,
    namespace: env.namespace,
    healthStatus: env.health.status,
    health: env.health,
    ...(env.deployment.lastDeployedAt ? { lastDeployedAt: env.deployment.lastDeployedAt } : {}),
    ...(env.deployment.imageTag ? { imageTag: env.deployment.imageTag } : {}),
    ...(env.endpoints.healthCheck ? { healthCheck: env.endpoints.healthCheck } : {}),
    ...(env.deployment.replicas !== undefined ? { replicas: env.deployment.replicas } : {}),
  };
}
