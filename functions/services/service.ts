/**
 * The service catalog's domain: services, environments, dependencies, runbooks and health. Other
 * contexts and jobs call these functions (discovery, the health job, deployments); handlers map
 * HTTP onto them. No AWS SDK here: the table is behind ./store.ts.
 */
import { monotonicFactory } from 'ulidx';
import type {
  Dependency,
  DependencyGraph,
  DependenciesPut,
  Environment,
  EnvironmentHealth,
  EnvironmentPut,
  HealthStatus,
  Runbook,
  RunbookCreate,
  RunbookUpdate,
  Service,
  ServiceCreate,
  ServiceHealth,
  ServiceUpdate,
} from '#schemas/index.ts';
import { ConflictError, NotFoundError, ValidationError } from '#shared/errors';
import { aggregateHealth } from './health-aggregate.ts';
import { walkDependencies, type GraphNodeInput } from './graph.ts';
import { byEnvOrder, derived, toService } from './shapes.ts';
import { catalogSnapshot, noteServiceWrite } from './snapshot.ts';
import * as store from './store.ts';
import type { EnvSummary, ManifestInfo, ServiceRecord } from './store.ts';

export type { ManifestInfo, ServiceRecord } from './store.ts';
export { computeDrift, derived, MANIFEST_FIELDS, toSummary } from './shapes.ts';

const ulid = monotonicFactory();
const now = (): string => new Date().toISOString();


function summaryOf(env: Environment): EnvSummary {
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

// ---------------------------------------------------------------- services

/** The service item alone (tombstones included), or undefined: for ownership checks and callers that need no detail. */
export function findService(id: string): Promise<ServiceRecord | undefined> {
  return store.readService(id);
}

/** The service item, or 404. Deregistered services resolve (their history still names them). */
export async function requireService(id: string): Promise<ServiceRecord> {
  const record = await store.readService(id);
  if (!record) throw new NotFoundError(`service ${id} not found`);
  return record;
}

/** A live (not deregistered) service, or 404/409. */
async function requireLiveService(id: string): Promise<ServiceRecord> {
  const record = await requireService(id);
  if (record.deregisteredAt) throw new ConflictError(`service ${id} was deregistered on ${record.deregisteredAt}; register it again to change it`);
  return record;
}

/** One service with its environments, direct dependencies and runbooks: one item-collection Query. */
export async function getService(id: string): Promise<Service> {
  const collection = await store.readServiceCollection(id);
  if (!collection) throw new NotFoundError(`service ${id} not found`);
  return toService(collection.service, collection.environments, collection.dependencies, collection.runbooks);
}

async function requireTeam(team: string, path: string): Promise<void> {
  if (!(await store.teamExists(team))) throw new ValidationError(`team ${team} does not exist`, { details: [{ path, message: 'no such team' }] });
}

export interface RegisterOptions {
  /** `manifest` when discovery creates it from an apollo.yaml. Default `manual`. */
  readonly source?: 'manual' | 'manifest';
  readonly manifest?: ManifestInfo;
  /**
   * Re-register a deregistered name. The caller decides who may (the tombstone's team or
   * `catalog:manage`); without it a deregistered name is a 409 like a live one.
   */
  readonly reviveDeregistered?: boolean;
}

function titleCase(slug: string): string {
  return slug.split('-').map((w) => (w ? w[0]!.toUpperCase() + w.slice(1) : w)).join(' ');
}

/** Registers a service. 409 if the name is taken (by a live service, or a tombstone unless revived). */
export async function registerService(input: ServiceCreate, actor: string, options: RegisterOptions = {}): Promise<Service> {
  await requireTeam(input.team, '/body/team');
  const at = now();
  const fields = {
    displayName: input.displayName ?? titleCase(input.name),
    description: input.description ?? '',
    repository: input.repository ?? '',
    team: input.team,
    tier: input.tier ?? 'standard',
    language: input.language ?? '',
    framework: input.framework ?? '',
    tags: input.tags ?? [],
    source: options.source ?? 'manual',
  };
  const existing = await store.readService(input.name);
  let record: ServiceRecord;
  if (existing) {
    if (!existing.deregisteredAt) throw new ConflictError(`service ${input.name} already exists (team ${existing.team})`, { details: [{ path: '/body/name', message: 'already registered' }] });
    if (!options.reviveDeregistered) {
      throw new ConflictError(`the name ${input.name} belonged to a service of team ${existing.team}, deregistered on ${existing.deregisteredAt}; only that team or an admin (catalog:manage) may reuse it`, {
        details: [{ path: '/body/name', message: 'deregistered name' }],
      });
    }
    record = await store.updateService(input.name, existing.version, {
      ...fields,
      manifest: options.manifest ?? null,
      updatedAt: at,
      updatedBy: actor,
      deregisteredAt: null,
      deregisteredBy: null,
    });
  } else {
    record = {
      id: input.name,
      name: input.name,
      ...fields,
      ...(options.manifest ? { manifest: options.manifest } : {}),
      createdAt: at,
      createdBy: actor,
      updatedAt: at,
      updatedBy: actor,
      version: 1,
      envs: {},
      deps: [],
    };
    await store.insertService(record);
  }
  noteServiceWrite(record);
  return getService(record.id);
}

export interface UpdateOptions {
  readonly source?: 'manual' | 'manifest';
  /** Discovery records what the manifest says (and where); drift is computed against it. */
  readonly manifest?: ManifestInfo | null;
}

/** Edits a service's fields (If-Match version). 404 if absent, 412 if it changed, 409 if deregistered. */
export async function updateService(id: string, expectedVersion: number, changes: ServiceUpdate, actor: string, options: UpdateOptions = {}): Promise<Service> {
  await requireLiveService(id);
  if (changes.team) await requireTeam(changes.team, '/body/team');
  const record = await store.updateService(id, expectedVersion, {
    ...changes,
    ...(options.source ? { source: options.source } : {}),
    ...(options.manifest !== undefined ? { manifest: options.manifest } : {}),
    updatedAt: now(),
    updatedBy: actor,
  });
  noteServiceWrite(record);
  return getService(id);
}

/**
 * Deregisters: the service item stays as a tombstone (`deregisteredAt`), so deployments, incidents
 * and audit entries still resolve its name; it leaves the default list and its name can't be taken
 * by another team without `catalog:manage`.
 */
export async function deregisterService(id: string, expectedVersion: number, actor: string): Promise<Service> {
  await requireLiveService(id);
  const at = now();
  const record = await store.updateService(id, expectedVersion, { deregisteredAt: at, deregisteredBy: actor, updatedAt: at, updatedBy: actor });
  noteServiceWrite(record);
  return getService(id);
}

// ---------------------------------------------------------------- environments

/** A service's environments (one Query with the service item, so an unknown service is a 404). */
export async function listEnvironments(serviceId: string): Promise<Environment[]> {
  const found = await store.readServiceWithEnvironments(serviceId);
  if (!found) throw new NotFoundError(`service ${serviceId} not found`);
  return found.environments.sort(byEnvOrder);
}

/**
 * Creates or replaces one environment. Its health (owned by the health job) is kept; it becomes
 * unknown when the health check URL changes. `expectedVersion` (If-Match) is optional.
 */
export async function putEnvironment(serviceId: string, envName: string, input: EnvironmentPut, actor: string, expectedVersion?: number): Promise<{ environment: Environment; created: boolean }> {
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(envName)) {
    throw new ValidationError('environment names are 1-32 of a-z 0-9 -, starting with a letter (prod, staging, dev)', { details: [{ path: '/path/env', message: 'not an environment name' }] });
  }
  await requireLiveService(serviceId);
  const existing = await store.readEnvironment(serviceId, envName);
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
  if (existing) saved = await store.replaceEnvironment(environment, expectedVersion ?? existing.version);
  else {
    await store.insertEnvironment(environment);
    saved = environment;
  }
  const record = await store.putEnvSummary(serviceId, summaryOf(saved), { updatedAt: at, updatedBy: actor });
  noteServiceWrite(record);
  return { environment: saved, created: !existing };
}

export async function deleteEnvironment(serviceId: string, envName: string, actor: string): Promise<void> {
  await requireLiveService(serviceId);
  if (!(await store.readEnvironment(serviceId, envName))) throw new NotFoundError(`environment ${envName} of ${serviceId} not found`);
  // The summary goes first: a half-finished delete leaves an environment no list shows, and a retry finishes it.
  const at = now();
  const record = await store.removeEnvSummary(serviceId, envName, { updatedAt: at, updatedBy: actor });
  noteServiceWrite(record);
  await store.removeEnvironment(serviceId, envName);
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
  const { before, after: environment } = await store.writeEnvironmentHealth(serviceId, envName, checked);
  const previousStatus = before.health.status;
  await store.appendHealthSample(serviceId, envName, {
    at: checked.checkedAt!,
    status: checked.status,
    ...(checked.reason ? { reason: checked.reason } : {}),
    ...(checked.http?.statusCode !== undefined ? { statusCode: checked.http.statusCode } : {}),
    ...(checked.http ? { latencyMs: checked.http.latencyMs } : {}),
    ...(checked.kubernetes ? { readyReplicas: checked.kubernetes.readyReplicas, desiredReplicas: checked.kubernetes.desiredReplicas } : {}),
  });
  const record = await store.putEnvSummary(serviceId, summaryOf(environment));
  noteServiceWrite(record);
  const after = derived(record);
  const previousEnvs = { ...record.envs, [envName]: { ...record.envs[envName]!, healthStatus: previousStatus } };
  const servicePreviousStatus = derived({ ...record, envs: previousEnvs }).healthStatus;
  return { environment, previousStatus, servicePreviousStatus, serviceStatus: after.healthStatus, serviceReason: after.healthReason };
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
    const page = await store.listServicePage(pageSize, cursor);
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

// ---------------------------------------------------------------- health

/** The aggregate, each environment's current health and its samples of the last 24 h (one Query per environment). */
export async function serviceHealth(serviceId: string): Promise<ServiceHealth> {
  const collection = await store.readServiceWithEnvironments(serviceId);
  if (!collection) throw new NotFoundError(`service ${serviceId} not found`);
  const to = new Date();
  const from = new Date(to.getTime() - store.HEALTH_HISTORY_SECONDS * 1000).toISOString();
  const environments = [...collection.environments].sort(byEnvOrder);
  const histories = await Promise.all(environments.map((env) => store.readHealthSamples(serviceId, env.name, from, to.toISOString())));
  const { status, reason } = aggregateHealth(environments.map((e) => ({ name: e.name, status: e.health.status })));
  return {
    serviceId,
    status,
    reason,
    environments: environments.map((env, i) => ({ name: env.name, cluster: env.cluster, health: env.health, history: histories[i]! })),
  };
}

// ---------------------------------------------------------------- dependencies

export type DependencyInput = DependenciesPut['dependencies'][number];

function graphNode(record: ServiceRecord): DependencyGraph['nodes'][number] {
  return {
    id: record.id,
    displayName: record.displayName,
    team: record.team,
    tier: record.tier,
    healthStatus: derived(record).healthStatus,
    ...(record.deregisteredAt ? { deregisteredAt: record.deregisteredAt } : {}),
  };
}

/**
 * Direct dependencies both ways from the table (the service's collection and GSI1), transitive ones
 * walked over the catalog snapshot, cycle-safe.
 */
export async function dependencyGraph(serviceId: string, depth = 10): Promise<DependencyGraph> {
  const [record, direct, dependents, snapshot] = await Promise.all([
    store.readService(serviceId),
    store.listDependencies(serviceId),
    store.listDependents(serviceId),
    catalogSnapshot(),
  ]);
  if (!record) throw new NotFoundError(`service ${serviceId} not found`);
  const nodes = new Map<string, GraphNodeInput>();
  for (const service of snapshot.records()) nodes.set(service.id, { id: service.id, deps: service.deps });
  // The table's view of this service's direct edges, both ways, wins over the snapshot's.
  nodes.set(serviceId, { id: serviceId, deps: direct });
  const freshDependents = new Map(dependents.map((d) => [d.fromId, d]));
  for (const [id, node] of nodes) {
    if (id === serviceId) continue;
    const fresh = freshDependents.get(id);
    const others = node.deps.filter((d) => d.serviceId !== serviceId);
    if (fresh || others.length !== node.deps.length) {
      nodes.set(id, { id, deps: fresh ? [...others, { serviceId, type: fresh.type, description: fresh.description }] : others });
    }
  }
  for (const [id, fresh] of freshDependents) {
    if (!nodes.has(id)) nodes.set(id, { id, deps: [{ serviceId, type: fresh.type, description: fresh.description }] });
  }
  const walk = walkDependencies(nodes, serviceId, depth);
  const ids = new Set([serviceId, ...walk.dependsOn.map((r) => r.serviceId), ...walk.dependents.map((r) => r.serviceId)]);
  const graphNodes = [...ids].sort().map((id) => {
    const known = id === serviceId ? record : snapshot.get(id);
    return known ? graphNode(known) : { id, displayName: id, team: '', tier: 'standard' as const, healthStatus: 'unknown' as const };
  });
  return {
    serviceId,
    depth,
    dependsOn: walk.dependsOn,
    dependents: walk.dependents,
    nodes: graphNodes,
    edges: walk.edges,
    cycles: walk.cycles,
    truncated: walk.truncated,
    snapshotAt: snapshot.at,
  };
}

/** Replaces the direct dependency list. Every target must be a registered, live service (400 naming the entry). */
export async function replaceDependencies(serviceId: string, deps: readonly DependencyInput[], actor: string): Promise<DependencyGraph> {
  await requireLiveService(serviceId);
  const seen = new Map<string, number>();
  const problems: Array<{ path: string; message: string }> = [];
  deps.forEach((dep, i) => {
    if (dep.serviceId === serviceId) problems.push({ path: `/body/dependencies/${i}/serviceId`, message: 'a service cannot depend on itself' });
    if (seen.has(dep.serviceId)) problems.push({ path: `/body/dependencies/${i}/serviceId`, message: `duplicate of /body/dependencies/${seen.get(dep.serviceId)}` });
    seen.set(dep.serviceId, i);
  });
  const targets = await Promise.all([...seen.keys()].map((id) => store.readService(id)));
  [...seen.entries()].forEach(([id, i], k) => {
    const target = targets[k];
    if (!target) problems.push({ path: `/body/dependencies/${i}/serviceId`, message: `no service named ${id}` });
    else if (target.deregisteredAt) problems.push({ path: `/body/dependencies/${i}/serviceId`, message: `${id} was deregistered` });
  });
  if (problems.length) throw new ValidationError('some dependencies are not registered services', { details: problems });
  const next: Dependency[] = deps.map((d) => ({ serviceId: d.serviceId, type: d.type ?? 'runtime', description: d.description ?? '' }));
  const current = await store.listDependencies(serviceId);
  // Items first, then the summary the snapshot reads; every step is idempotent, so a retry finishes.
  for (const dep of next) {
    const old = current.find((c) => c.serviceId === dep.serviceId);
    if (!old || old.type !== dep.type || old.description !== dep.description) await store.writeDependency(serviceId, dep);
  }
  for (const old of current) if (!seen.has(old.serviceId)) await store.removeDependency(serviceId, old.serviceId);
  const record = await store.setDependencySummary(serviceId, next.sort((a, b) => a.serviceId.localeCompare(b.serviceId)), { updatedAt: now(), updatedBy: actor });
  noteServiceWrite(record);
  return dependencyGraph(serviceId);
}

// ---------------------------------------------------------------- runbooks

export async function listRunbooks(serviceId: string): Promise<Runbook[]> {
  const found = await store.readServiceWithRunbooks(serviceId);
  if (!found) throw new NotFoundError(`service ${serviceId} not found`);
  return found.runbooks.sort((a, b) => a.trigger.localeCompare(b.trigger) || a.id.localeCompare(b.id));
}

export async function createRunbook(serviceId: string, input: RunbookCreate, actor: string): Promise<Runbook> {
  await requireLiveService(serviceId);
  const at = now();
  const runbook: Runbook = {
    id: ulid(),
    serviceId,
    title: input.title,
    trigger: input.trigger,
    content: input.content,
    automatable: input.automatable ?? false,
    ...(input.aiPrompt ? { aiPrompt: input.aiPrompt } : {}),
    source: 'manual',
    createdAt: at,
    createdBy: actor,
    updatedAt: at,
    updatedBy: actor,
    version: 1,
  };
  await store.insertRunbook(runbook);
  return runbook;
}

export async function getRunbook(serviceId: string, runbookId: string): Promise<Runbook> {
  const runbook = await store.readRunbook(serviceId, runbookId);
  if (!runbook) throw new NotFoundError(`runbook ${runbookId} of ${serviceId} not found`);
  return runbook;
}

export async function updateRunbook(serviceId: string, runbookId: string, expectedVersion: number, changes: RunbookUpdate, actor: string): Promise<Runbook> {
  await requireLiveService(serviceId);
  await getRunbook(serviceId, runbookId);
  return store.updateRunbook(serviceId, runbookId, expectedVersion, { ...changes, updatedAt: now(), updatedBy: actor });
}

export async function deleteRunbook(serviceId: string, runbookId: string, expectedVersion: number): Promise<void> {
  await requireService(serviceId);
  await getRunbook(serviceId, runbookId);
  await store.removeRunbook(serviceId, runbookId, expectedVersion);
}

export interface RunbookPut extends RunbookCreate {
  /** Keep the runbook's id stable across syncs (discovery derives one from the manifest path). */
  readonly id?: string;
  readonly manifestPath?: string;
}

/**
 * Creates or replaces a runbook without a version check (discovery re-applying an apollo.yaml).
 * With no `id` a runbook with the same trigger and source is replaced, else one is created.
 */
export async function putRunbook(serviceId: string, input: RunbookPut, actor: string, options: { source?: 'manual' | 'manifest' } = {}): Promise<{ runbook: Runbook; created: boolean }> {
  await requireLiveService(serviceId);
  const source = options.source ?? 'manual';
  const existing = input.id
    ? await store.readRunbook(serviceId, input.id)
    : (await store.listRunbooks(serviceId)).find((r) => r.trigger === input.trigger && r.source === source);
  const at = now();
  if (!existing) {
    const runbook: Runbook = {
      id: input.id ?? ulid(),
      serviceId,
      title: input.title,
      trigger: input.trigger,
      content: input.content,
      automatable: input.automatable ?? false,
      ...(input.aiPrompt ? { aiPrompt: input.aiPrompt } : {}),
      source,
      ...(input.manifestPath ? { manifestPath: input.manifestPath } : {}),
      createdAt: at,
      createdBy: actor,
      updatedAt: at,
      updatedBy: actor,
      version: 1,
    };
    await store.insertRunbook(runbook);
    return { runbook, created: true };
  }
  const runbook = await store.updateRunbook(serviceId, existing.id, existing.version, {
    title: input.title,
    trigger: input.trigger,
    content: input.content,
    automatable: input.automatable ?? false,
    aiPrompt: input.aiPrompt ?? null,
    source,
    manifestPath: input.manifestPath ?? null,
    updatedAt: at,
    updatedBy: actor,
  });
  return { runbook, created: false };
}

/** Runbooks for an alert (incidents, the AI agent): GSI1 `TRIGGER#<alert>`. */
export async function runbooksForAlert(alertName: string): Promise<Runbook[]> {
  const refs = await store.runbooksForTrigger(alertName);
  const found = await Promise.all(refs.map((r) => store.readRunbook(r.serviceId, r.runbookId)));
  return found.filter((r): r is Runbook => Boolean(r));
}
