/**
 * `k8s_read`: the service's Deployment in an environment, read-only. Nothing in Apollo exposes a read of a cluster's
 * objects yet (the deployments context's rollout port answers a rollout's status only against an expected revision,
 * and its Kubernetes and Argo CD adapters are its own), so this reads what Apollo knows of the Deployment: the
 * catalog's environment (cluster, namespace, image, replicas, resources), the health job's last check of it (ready/
 * desired replicas from the Kubernetes API, or the local SIMULATED cluster), and Apollo's deployment records as its
 * events. Pods, ReplicaSets and Kubernetes events are not read: the answer says so.
 */
import { deploymentHistory } from '#functions/deployments/public';
import { serviceLogs } from '#functions/observability/public';
import { listEnvironments } from '#functions/services/public';
import { roleHas } from '#shared/permissions';
import { ForbiddenError } from '#shared/errors';
import { defineTool } from './define.ts';
import { clip, ENVIRONMENT, objectSchema, SERVICE } from './input.ts';

export const NOT_READ = 'pods, ReplicaSets and Kubernetes events are not read: Apollo exposes no read-only cluster port yet; this is the catalog\'s environment, the health job\'s last check of the Deployment and Apollo\'s deployment records';

export const k8sRead = defineTool<{ service: string; environment: string; action: 'get' | 'describe' | 'events' | 'logs' }>({
  name: 'k8s_read',
  description: 'Read-only view of the service\'s Kubernetes Deployment in an environment: get (image, replicas ready/desired, health), describe (also resources, endpoints and the last rollout), events (Apollo\'s deploys, rollbacks, scales and restarts of it, newest first), logs (its pods\' last lines as shipped to the log backend; needs logs:read).',
  inputSchema: objectSchema({ service: SERVICE, environment: ENVIRONMENT, action: { type: 'string', enum: ['get', 'describe', 'events', 'logs'] } }, ['service', 'environment', 'action']),
  risk: 'read',
  permission: 'environments:read',
  timeoutMs: 15_000,
  outputLimit: 8_000,
  async run({ service, environment, action }, { caller }) {
    const env = (await listEnvironments(service)).find((e) => e.name === environment);
    if (!env) return { problem: `${service} has no environment ${environment} in the catalog` };
    const k8s = env.health.kubernetes;
    const object = { kind: 'Deployment', name: service, cluster: env.cluster, namespace: env.namespace };
    if (action === 'logs') {
      if (!roleHas(caller.role, 'logs:read')) throw new ForbiddenError('reading logs needs logs:read');
      const page = await serviceLogs(service, { environment, from: new Date(Date.now() - 5 * 60_000).toISOString(), limit: 1000 }, caller.principal);
      return { ...object, source: page.source, lines: page.items.slice(-50).map((l) => ({ at: l.timestamp, pod: l.logStream ?? null, message: clip(l.message, 300) })) };
    }
    if (action === 'events') {
      const page = await deploymentHistory({ service, environment }, 10);
      return {
        ...object,
        events: page.items.map((d) => ({ at: d.createdAt, reason: d.operation, status: d.status, message: `${d.operation} ${d.imageTag ?? ''}${d.previousImageTag ? ` (from ${d.previousImageTag})` : ''} by ${d.initiatedBy}`.trim(), ...(d.error ? { error: clip(d.error, 200) } : {}) })),
        note: NOT_READ,
      };
    }
    const got = {
      ...object,
      image: env.deployment.imageTag ?? null,
      replicas: { desired: k8s?.desiredReplicas ?? env.deployment.replicas ?? null, ready: k8s?.readyReplicas ?? null },
      health: env.health.status, ...(env.health.reason ? { healthReason: env.health.reason } : {}),
      checkedAt: env.health.checkedAt ?? null, ...(k8s?.simulated ? { simulatedCluster: true } : {}),
    };
    if (action === 'get') return { ...got, note: NOT_READ };
    const last = (await deploymentHistory({ service, environment }, 1)).items[0];
    return {
      ...got,
      resources: env.resources,
      endpoints: { ...(env.endpoints.internal ? { internal: env.endpoints.internal } : {}), ...(env.endpoints.healthCheck ? { healthCheck: env.endpoints.healthCheck } : {}) },
      lastRollout: last ? { operation: last.operation, status: last.status, version: last.imageTag, at: last.createdAt, by: last.initiatedBy } : null,
      gitCommit: env.deployment.gitCommit ?? null,
      note: NOT_READ,
    };
  },
});
