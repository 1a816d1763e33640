/**
 * What the service catalog needs from outside: where services, their environments, dependencies,
 * runbooks and health history are kept (adapters/dynamo-store.ts: the table), and the records it
 * keeps them as. Discovery's ports are in ./discovery-ports.ts, the health poll's in ./health/ports.ts.
 */
import type { Dependency, Environment, EnvironmentHealth, HealthSample, HealthStatus, Runbook, ServiceManifestFields } from '#schemas/index.ts';
import type { Page } from '#lib/table';

/** How long an environment's health history is kept (the store expires older samples). */
export const HEALTH_HISTORY_SECONDS = 24 * 3600;

/** What the service item stores of each environment. */
export interface EnvSummary {
  name: string;
  cluster: string;
  namespace: string;
  healthStatus: HealthStatus;
  /** The last recorded check (the health job compares a new check with it). */
  health?: EnvironmentHealth;
  lastDeployedAt?: string;
  imageTag?: string;
  healthCheck?: string;
  replicas?: number;
}

export interface ManifestInfo {
  repository: string;
  path: string;
  commit: string;
  syncedAt: string;
  fields: ServiceManifestFields;
}

export interface ServiceRecord {
  id: string;
  name: string;
  displayName: string;
  description: string;
  repository: string;
  team: string;
  tier: 'critical' | 'standard' | 'experimental';
  language: string;
  framework: string;
  tags: string[];
  source: 'manual' | 'manifest';
  manifest?: ManifestInfo;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
  version: number;
  deregisteredAt?: string;
  deregisteredBy?: string;
  envs: Record<string, EnvSummary>;
  deps: Dependency[];
}

/**
 * The catalog's records. Reads of one item (a service, an environment, a runbook) are consistent; a
 * version-checked write is a PreconditionFailedError when the item changed meanwhile and a
 * NotFoundError when it is gone; `changes` set fields, and null removes one.
 */
export interface ServicesStore {
  // ------------------------------------------------------------ services
  /** The service item (tombstones included). */
  readService(id: string): Promise<ServiceRecord | undefined>;
  /** The service with its environments, direct dependencies and runbooks, read together. */
  readServiceCollection(id: string): Promise<{ service: ServiceRecord; environments: Environment[]; dependencies: Dependency[]; runbooks: Runbook[] } | undefined>;
  readServiceWithEnvironments(id: string): Promise<{ service: ServiceRecord; environments: Environment[] } | undefined>;
  readServiceWithRunbooks(id: string): Promise<{ service: ServiceRecord; runbooks: Runbook[] } | undefined>;
  /** ConflictError when the id is taken. */
  insertService(record: ServiceRecord): Promise<void>;
  /** Version-checked update of the service's own fields; bumps the version. */
  updateService(id: string, expectedVersion: number, changes: Record<string, unknown>): Promise<ServiceRecord>;
  /** One page of the whole catalog (tombstones included), by name. */
  listServicePage(limit: number, cursor?: string): Promise<Page<ServiceRecord>>;
  /** Whether the team exists and is not being deleted. */
  teamExists(team: string): Promise<boolean>;

  // ------------------------------------------------------------ environments
  readEnvironment(id: string, env: string): Promise<Environment | undefined>;
  /** ConflictError when it exists. */
  insertEnvironment(env: Environment): Promise<void>;
  /** Version-checked replacement; bumps the version. */
  replaceEnvironment(env: Environment, expectedVersion: number): Promise<Environment>;
  removeEnvironment(id: string, env: string): Promise<void>;
  /** The health job's write: no version bump. The environment before and after; NotFoundError when it is gone. */
  writeEnvironmentHealth(id: string, env: string, health: EnvironmentHealth): Promise<{ before: Environment; after: Environment }>;
  /**
   * Sets (or removes) one environment's summary on the service item, with `extra` fields, without a
   * version check (it never conflicts with a person's edit); the service after. NotFoundError when it is gone.
   */
  putEnvSummary(id: string, summary: EnvSummary, extra?: Record<string, unknown>): Promise<ServiceRecord>;
  removeEnvSummary(id: string, env: string, extra?: Record<string, unknown>): Promise<ServiceRecord>;

  // ------------------------------------------------------------ health history
  /** Keeps the sample for HEALTH_HISTORY_SECONDS. */
  appendHealthSample(id: string, env: string, sample: HealthSample): Promise<void>;
  /** Samples between `from` and `to` (ISO), oldest first. */
  readHealthSamples(id: string, env: string, from: string, to: string): Promise<HealthSample[]>;

  // ------------------------------------------------------------ dependencies
  listDependencies(id: string): Promise<Dependency[]>;
  /** Who depends on this service directly. */
  listDependents(id: string): Promise<Array<Dependency & { fromId: string }>>;
  /** Creates or replaces one direct dependency. */
  writeDependency(id: string, dep: Dependency): Promise<void>;
  removeDependency(id: string, target: string): Promise<void>;
  /** Sets the service item's direct dependencies (and `extra` fields) without a version check; the service after. */
  setDependencySummary(id: string, deps: Dependency[], extra?: Record<string, unknown>): Promise<ServiceRecord>;

  // ------------------------------------------------------------ runbooks
  readRunbook(id: string, runbookId: string): Promise<Runbook | undefined>;
  listRunbooks(id: string): Promise<Runbook[]>;
  /** ConflictError when the id is taken. */
  insertRunbook(runbook: Runbook): Promise<void>;
  /** Version-checked update; bumps the version. */
  updateRunbook(id: string, runbookId: string, expectedVersion: number, changes: Record<string, unknown>): Promise<Runbook>;
  /** Version-checked delete. */
  removeRunbook(id: string, runbookId: string, expectedVersion: number): Promise<void>;
  /** The runbooks for an alert name, over every service. */
  runbooksForTrigger(trigger: string): Promise<Array<{ serviceId: string; runbookId: string }>>;
}
