/**
 * A service's health: the aggregate and 24 h history the API serves, and the health job's side:
 * which environments to poll and how a check is recorded. The checks themselves are in ./health/.
 */
import type { Environment, EnvironmentHealth, HealthSample, HealthStatus, ServiceHealth } from '#schemas/index.ts';
import { NotFoundError } from '#shared/errors';
import { envSummary } from './env-summary.ts';
import { aggregateHealth } from './health-aggregate.ts';
import { byEnvOrder, derived } from './shapes.ts';
import { noteServiceWrite } from './snapshot.ts';
import { servicesDeps } from './deps.ts';
import { HEALTH_HISTORY_SECONDS, type ServiceRecord } from './ports.ts';

const now = (): string => new Date().toISOString();

/** The aggregate, each environment's current health and its samples of the last 24 h (one Query per environment). */
export async function serviceHealth(serviceId: string): Promise<ServiceHealth> {
  const collection = await servicesDeps().store.readServiceWithEnvironments(serviceId);
  if (!collection) throw new NotFoundError(`service ${serviceId} not found`);
  const to = new Date();
  const from = new Date(to.getTime() - HEALTH_HISTORY_SECONDS * 1000).toISOString();
  const environments = [...collection.environments].sort(byEnvOrder);
  const histories = await Promise.all(environments.map((env) => servicesDeps().store.readHealthSamples(serviceId, env.name, from, to.toISOString())));
  const { status, reason } = aggregateHealth(environments.map((e) => ({ name: e.name, status: e.health.status })));
  return {
    serviceId,
    status,
    reason,
    environments: environments.map((env, i) => ({ name: env.name, cluster: env.cluster, health: latestHealth(env.health, histories[i]!), history: histories[i]! })),
  };
}

/**
 * The environment's health as last seen: its recorded check, or — when a heartbeat sample came
 * after it (the same verdict, seen again) — that check as of the sample, with the sample's latency.
 */
export function latestHealth(recorded: EnvironmentHealth, history: readonly HealthSample[]): EnvironmentHealth {
  const last = history.at(-1);
  if (!last || !recorded.checkedAt || last.at <= recorded.checkedAt || last.status !== recorded.status) return recorded;
  return {
    ...recorded,
    checkedAt: last.at,
    ...(recorded.http && last.latencyMs !== undefined ? { http: { ...recorded.http, latencyMs: last.latencyMs } } : {}),
  };
}

export interface HealthUpdate {
  readonly environment: Environment;
  /** The environment's status before this check. */
  readonly previousStatus: HealthStatus;
  /** The service's aggregate before and after. */
  readonly servicePreviousStatus: HealthStatus;
  readonly serviceStatus: HealthStatus;
  readonly serviceReason: string;
}

/**
 * Records a health check (the health job): the environment's current health, a sample in its 24 h
 * history, and the service's summary; three writes, no read. No version bump and no audit entry:
 * it is not a person's edit. 404 when the environment does not exist (any more).
 */
export async function setEnvironmentHealth(serviceId: string, envName: string, health: EnvironmentHealth): Promise<HealthUpdate> {
  const checked: EnvironmentHealth = { ...health, checkedAt: health.checkedAt ?? now() };
  const { before, after: environment } = await servicesDeps().store.writeEnvironmentHealth(serviceId, envName, checked);
  const previousStatus = before.health.status;
  await servicesDeps().store.appendHealthSample(serviceId, envName, sampleOf(checked));
  const record = await servicesDeps().store.putEnvSummary(serviceId, envSummary(environment));
  noteServiceWrite(record);
  const after = derived(record);
  const previousEnvs = { ...record.envs, [envName]: { ...record.envs[envName]!, healthStatus: previousStatus } };
  const servicePreviousStatus = derived({ ...record, envs: previousEnvs }).healthStatus;
  return { environment, previousStatus, servicePreviousStatus, serviceStatus: after.healthStatus, serviceReason: after.healthReason };
}

/**
 * A heartbeat of an unchanged environment (the health job): a history sample alone, one small
 * write. The environment's and the service's items keep the check that was last recorded in full;
 * `serviceHealth` shows the latest sample as when it was checked.
 */
export async function appendEnvironmentSample(serviceId: string, envName: string, health: EnvironmentHealth & { checkedAt: string }): Promise<void> {
  await servicesDeps().store.appendHealthSample(serviceId, envName, sampleOf(health));
}

function sampleOf(checked: EnvironmentHealth): HealthSample {
  return {
    at: checked.checkedAt!,
    status: checked.status,
    ...(checked.reason ? { reason: checked.reason } : {}),
    ...(checked.http?.statusCode !== undefined ? { statusCode: checked.http.statusCode } : {}),
    ...(checked.http ? { latencyMs: checked.http.latencyMs } : {}),
    ...(checked.kubernetes ? { readyReplicas: checked.kubernetes.readyReplicas, desiredReplicas: checked.kubernetes.desiredReplicas } : {}),
  };
}

/** What the health job polls: one environment of a live service. */
export interface HealthTarget {
  readonly serviceId: string;
  readonly tier: ServiceRecord['tier'];
  readonly environment: {
    readonly name: string;
    readonly cluster: string;
    readonly namespace: string;
    /** Absent: no health check configured (the environment's status is unknown). */
    readonly healthCheck?: string;
    /** Desired replicas, when known. */
    readonly replicas?: number;
    readonly healthStatus: HealthStatus;
    /** The last recorded check, if any. */
    readonly health?: EnvironmentHealth;
  };
}

/**
 * Every environment of every live service, a page at a time: one Query of GSI2 `SVCS` per
 * `pageSize` services (service items carry their environments' summaries), never a Scan.
 */
export async function* listEnvironmentsForHealth(pageSize = 200): AsyncGenerator<HealthTarget[]> {
  let cursor: string | undefined;
  do {
    const page = await servicesDeps().store.listServicePage(pageSize, cursor);
    const targets: HealthTarget[] = [];
    for (const record of page.items) {
      if (record.deregisteredAt) continue;
      for (const env of Object.values(record.envs).sort(byEnvOrder)) {
        targets.push({
          serviceId: record.id,
          tier: record.tier,
          environment: {
            name: env.name,
            cluster: env.cluster,
            namespace: env.namespace,
            ...(env.healthCheck ? { healthCheck: env.healthCheck } : {}),
            ...(env.replicas !== undefined ? { replicas: env.replicas } : {}),
            healthStatus: env.healthStatus,
            ...(env.health ? { health: env.health } : {}),
          },
        });
      }
    }
    if (targets.length) yield targets;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}
