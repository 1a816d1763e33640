/**
 * How catalog records read (pure): the API shapes of a service, its drift against its manifest, and
 * what is derived from its environments (aggregate health, last deployment).
 */
import type { Dependency, Environment, HealthStatus, Runbook, Service, ServiceSummary } from '#schemas/index.ts';
import { aggregateHealth } from './health-aggregate.ts';
import type { ServiceRecord } from './ports.ts';

/** Fields an apollo.yaml may own; a hand edit that differs from the manifest is drift. */
export const MANIFEST_FIELDS = ['displayName', 'description', 'repository', 'team', 'tier', 'language', 'framework', 'tags'] as const;

const ENV_ORDER = ['prod', 'production', 'staging', 'stage', 'qa', 'test', 'dev', 'development'];
function envRank(name: string): number {
  const i = ENV_ORDER.indexOf(name.toLowerCase());
  return i < 0 ? ENV_ORDER.length : i;
}
export const byEnvOrder = (a: { name: string }, b: { name: string }): number => envRank(a.name) - envRank(b.name) || a.name.localeCompare(b.name);

const sameValue = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Manifest-owned fields whose current value differs from what the manifest says. */
export function computeDrift(record: ServiceRecord): Service['drift'] {
  const fields = record.manifest?.fields;
  const current = record as unknown as Record<string, unknown>;
  if (!fields) return [];
  const drift: Service['drift'] = [];
  for (const field of MANIFEST_FIELDS) {
    const manifestValue = fields[field];
    if (manifestValue === undefined) continue;
    if (!sameValue(manifestValue, current[field])) drift.push({ field, manifestValue, currentValue: current[field] });
  }
  return drift;
}

/** The service's status over its environments (health.ts), and its latest deployment. */
export function derived(record: ServiceRecord): { healthStatus: HealthStatus; healthReason: string; lastDeployedAt?: string } {
  const envs = Object.values(record.envs);
  const { status, reason } = aggregateHealth(envs.map((e) => ({ name: e.name, status: e.healthStatus })));
  const deployed = envs.map((e) => e.lastDeployedAt).filter((d): d is string => Boolean(d)).sort();
  return { healthStatus: status, healthReason: reason, ...(deployed.length ? { lastDeployedAt: deployed[deployed.length - 1] } : {}) };
}

function baseFields(record: ServiceRecord): Omit<ServiceSummary, 'environments'> {
  const { healthStatus, lastDeployedAt } = derived(record);
  return {
    id: record.id,
    name: record.name,
    displayName: record.displayName,
    description: record.description,
    repository: record.repository,
    team: record.team,
    tier: record.tier,
    language: record.language,
    framework: record.framework,
    tags: record.tags,
    source: record.source,
    ...(record.manifest ? { manifest: record.manifest } : {}),
    drift: computeDrift(record),
    createdAt: record.createdAt,
    createdBy: record.createdBy,
    updatedAt: record.updatedAt,
    updatedBy: record.updatedBy,
    ...(lastDeployedAt ? { lastDeployedAt } : {}),
    healthStatus,
    version: record.version,
    ...(record.deregisteredAt ? { deregisteredAt: record.deregisteredAt, deregisteredBy: record.deregisteredBy ?? 'unknown' } : {}),
  };
}

/** A service as listed (from its item alone). */
export function toSummary(record: ServiceRecord): ServiceSummary {
  const environments = Object.values(record.envs).sort(byEnvOrder).map((e) => ({
    name: e.name,
    cluster: e.cluster,
    healthStatus: e.healthStatus,
    ...(e.lastDeployedAt ? { lastDeployedAt: e.lastDeployedAt } : {}),
    ...(e.imageTag ? { imageTag: e.imageTag } : {}),
  }));
  return { ...baseFields(record), environments };
}

export function toService(record: ServiceRecord, environments: Environment[], dependencies: Dependency[], runbooks: Runbook[]): Service {
  return {
    ...baseFields(record),
    environments: [...environments].sort(byEnvOrder),
    dependencies: [...dependencies].sort((a, b) => a.serviceId.localeCompare(b.serviceId)),
    runbooks: [...runbooks].sort((a, b) => a.trigger.localeCompare(b.trigger) || a.id.localeCompare(b.id)),
  };
}

