/**
 * A service's environments as people and discovery edit them: list, create or replace, delete. Each
 * write also refreshes the environment's summary on the service item, which lists and the health
 * job read. The health job's own writes are in ./service-health.ts.
 */
import type { Environment, EnvironmentHealth, EnvironmentPut } from '#schemas/index.ts';
import { NotFoundError, PreconditionFailedError } from '#shared/errors';
import { publish } from '#lib/realtime';
import { SERVICE_CHANGED_EVENT, serviceTopic } from './events.ts';
import { envSummary } from './env-summary.ts';
import { requireLiveService } from './services.ts';
import { byEnvOrder } from './shapes.ts';
import { noteServiceWrite } from './snapshot.ts';
import { servicesDeps } from './deps.ts';

const now = (): string => new Date().toISOString();

/** A service's environments (one Query with the service item, so an unknown service is a 404). */
export async function listEnvironments(serviceId: string): Promise<Environment[]> {
  const found = await servicesDeps().store.readServiceWithEnvironments(serviceId);
  if (!found) throw new NotFoundError(`service ${serviceId} not found`);
  return found.environments.sort(byEnvOrder);
}

/**
 * Creates or replaces one environment. Its health (owned by the health job) is kept; it becomes
 * unknown when the health check URL changes. `expectedVersion` (If-Match) is optional.
 */
export async function putEnvironment(serviceId: string, envName: string, input: EnvironmentPut, actor: string, expectedVersion?: number): Promise<{ environment: Environment; created: boolean }> {
  await requireLiveService(serviceId);
  const existing = await servicesDeps().store.readEnvironment(serviceId, envName);
  if (!existing && expectedVersion !== undefined) throw new NotFoundError(`environment ${envName} of ${serviceId} not found (If-Match was sent)`);
  const at = now();
  const endpoints = input.endpoints ?? {};
  const keepHealth = existing && existing.endpoints.healthCheck === endpoints.healthCheck;
  const health: EnvironmentHealth = keepHealth ? existing.health : { status: 'unknown', reason: endpoints.healthCheck ? 'not checked yet' : 'no health check configured' };
  const environment: Environment = {
    serviceId,
    name: envName,
    cluster: input.cluster,
    namespace: input.namespace,
    deployment: input.deployment ?? {},
    endpoints,
    resources: input.resources ?? {},
    secrets: input.secrets ?? [],
    health,
    createdAt: existing?.createdAt ?? at,
    updatedAt: at,
    updatedBy: actor,
    version: existing ? existing.version + 1 : 1,
  };
  let saved: Environment;
  if (existing) saved = await servicesDeps().store.replaceEnvironment(environment, expectedVersion ?? existing.version);
  else {
    await servicesDeps().store.insertEnvironment(environment);
    saved = environment;
  }
  const record = await servicesDeps().store.putEnvSummary(serviceId, envSummary(saved), { updatedAt: at, updatedBy: actor });
  noteServiceWrite(record);
  return { environment: saved, created: !existing };
}

export async function deleteEnvironment(serviceId: string, envName: string, actor: string): Promise<void> {
  await requireLiveService(serviceId);
  if (!(await servicesDeps().store.readEnvironment(serviceId, envName))) throw new NotFoundError(`environment ${envName} of ${serviceId} not found`);
  // The summary goes first: a half-finished delete leaves an environment no list shows, and a retry finishes it.
  const at = now();
  const record = await servicesDeps().store.removeEnvSummary(serviceId, envName, { updatedAt: at, updatedBy: actor });
  noteServiceWrite(record);
  await servicesDeps().store.removeEnvironment(serviceId, envName);
}

/**
 * What a deployment that succeeded tells the catalog about an environment (the design doc's
 * Environment.deployment); discovery, which sees in Argo CD what runs but not who deployed it when, tells
 * only the tag and the commit.
 */
export interface DeployedState {
  readonly imageTag?: string;
  readonly replicas?: number;
  readonly lastDeployedAt?: string;
  readonly lastDeployedBy?: string;
  readonly gitCommit?: string;
}

/**
 * Records a deployment on the environment (its tag, replicas, when, who, commit), keeping everything else,
 * and announces it on the service's topic. Repeating it with the same values changes nothing.
 */
export async function recordDeployment(serviceId: string, envName: string, deployed: DeployedState, actor: string): Promise<Environment> {
  for (let attempt = 0; ; attempt++) {
    const existing = await servicesDeps().store.readEnvironment(serviceId, envName);
    if (!existing) throw new NotFoundError(`environment ${envName} of ${serviceId} not found`);
    const deployment = { ...existing.deployment, ...Object.fromEntries(Object.entries(deployed).filter(([, v]) => v !== undefined)) };
    if (JSON.stringify(deployment) === JSON.stringify(existing.deployment)) return existing;
    const at = now();
    try {
      const saved = await servicesDeps().store.replaceEnvironment({ ...existing, deployment, updatedAt: at, updatedBy: actor, version: existing.version + 1 }, existing.version);
      const record = await servicesDeps().store.putEnvSummary(serviceId, envSummary(saved), { updatedAt: at, updatedBy: actor });
      noteServiceWrite(record);
      await publish(serviceTopic(serviceId), SERVICE_CHANGED_EVENT, { serviceId, action: 'deployments.recorded', by: actor, at });
      return saved;
    } catch (error) {
      // Someone edited the environment in between: read it again (a few times), never overwrite their edit.
      if (!(error instanceof PreconditionFailedError) || attempt >= 4) throw error;
    }
  }
}
