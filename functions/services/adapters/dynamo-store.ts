/**
 * The service catalog in the table (ARCHITECTURE.md §3), behind the ServicesStore port (../ports.ts):
 *   service      PK SVC#<id>  SK META             GSI1 TEAM#<team> / SVC#<name>   GSI2 SVCS / <name>
 *   environment  PK SVC#<id>  SK ENV#<name>       GSI1 CLUSTER#<cluster> / SVC#<id>
 *   dependency   PK SVC#<id>  SK DEP#<targetId>   GSI1 SVC#<targetId> / DEPENDENT#<id>
 *   runbook      PK SVC#<id>  SK RUNBOOK#<id>     GSI1 TRIGGER#<alert> / SVC#<id>
 *   health       PK HEALTH#<id>#<env>  SK <ISO time>  expiresAt (24 h)
 * The service item carries a summary of each environment (`envs`, a map by name: cluster, health,
 * last deploy, health check URL) and its direct dependencies (`deps`), so the whole catalog (list,
 * search, transitive graph, health polling) is one paginated Query of GSI2 `SVCS`.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Dependency, Environment, EnvironmentHealth, HealthSample, Runbook } from '#schemas/index.ts';
import { NotFoundError } from '#shared/errors';
import { config } from '#lib/config';
import {
  db,
  deleteItem,
  deleteVersioned,
  getItem,
  putItem,
  putNew,
  queryAll,
  queryPage,
  updateVersioned,
  type Item,
  type Page,
} from '#lib/table';
import { HEALTH_HISTORY_SECONDS, type EnvSummary, type ServiceRecord, type ServicesStore } from '../ports.ts';

export type ServiceItem = Item & ServiceRecord;
type EnvironmentItem = Item & Environment;
type RunbookItem = Item & Runbook;
type DependencyItem = Item & Dependency & { fromId: string };

export const serviceKey = (id: string) => ({ PK: `SVC#${id}`, SK: 'META' });
const envKey = (id: string, env: string) => ({ PK: `SVC#${id}`, SK: `ENV#${env}` });
const depKey = (id: string, target: string) => ({ PK: `SVC#${id}`, SK: `DEP#${target}` });
const runbookKey = (id: string, runbookId: string) => ({ PK: `SVC#${id}`, SK: `RUNBOOK#${runbookId}` });
const healthPartition = (id: string, env: string) => `HEALTH#${id}#${env}`;

const SERVICE_FIELDS = ['id', 'name', 'displayName', 'description', 'repository', 'team', 'tier', 'language', 'framework', 'tags', 'source', 'manifest',
  'createdAt', 'createdBy', 'updatedAt', 'updatedBy', 'version', 'deregisteredAt', 'deregisteredBy', 'envs', 'deps'] as const;

export function toRecord(item: Record<string, unknown>): ServiceRecord {
  const out: Record<string, unknown> = {};
  for (const field of SERVICE_FIELDS) if (item[field] !== undefined) out[field] = item[field];
  const record = out as unknown as ServiceRecord;
  record.envs ??= {};
  record.deps ??= [];
  record.tags ??= [];
  return record;
}

function toEnvironment(item: EnvironmentItem): Environment {
  const { serviceId, name, cluster, namespace, deployment, endpoints, resources, secrets, health, createdAt, updatedAt, updatedBy, version } = item;
  return { serviceId, name, cluster, namespace, deployment, endpoints, resources, secrets, health, ...(createdAt ? { createdAt } : {}), updatedAt, updatedBy, version };
}

function toRunbook(item: RunbookItem): Runbook {
  const { id, serviceId, title, trigger, content, automatable, aiPrompt, source, manifestPath, createdAt, createdBy, updatedAt, updatedBy, version } = item;
  return { id, serviceId, title, trigger, content, automatable, source, createdAt, createdBy, updatedAt, updatedBy, version, ...(aiPrompt ? { aiPrompt } : {}), ...(manifestPath ? { manifestPath } : {}) };
}

const toDependency = (item: DependencyItem): Dependency => ({ serviceId: item.serviceId, type: item.type, description: item.description });

function serviceItem(record: ServiceRecord): ServiceItem {
  return { ...serviceKey(record.id), GSI1PK: `TEAM#${record.team}`, GSI1SK: `SVC#${record.name}`, GSI2PK: 'SVCS', GSI2SK: record.name, entity: 'service', ...record };
}

// ---------------------------------------------------------------- services

export async function readService(id: string): Promise<ServiceRecord | undefined> {
  const item = await getItem<ServiceItem>(serviceKey(id), { consistent: true });
  return item && toRecord(item);
}

/** A service's whole item collection in one Query: the service, environments, dependencies, runbooks. */
export async function readServiceCollection(id: string): Promise<{ service: ServiceRecord; environments: Environment[]; dependencies: Dependency[]; runbooks: Runbook[] } | undefined> {
  const items = await queryAll<Item>({ partition: `SVC#${id}` }, 2000);
  let service: ServiceRecord | undefined;
  const environments: Environment[] = [];
  const dependencies: Dependency[] = [];
  const runbooks: Runbook[] = [];
  for (const item of items) {
    if (item.SK === 'META') service = toRecord(item);
    else if (item.SK.startsWith('ENV#')) environments.push(toEnvironment(item as EnvironmentItem));
    else if (item.SK.startsWith('DEP#')) dependencies.push(toDependency(item as DependencyItem));
    else if (item.SK.startsWith('RUNBOOK#')) runbooks.push(toRunbook(item as RunbookItem));
  }
  return service && { service, environments, dependencies, runbooks };
}

/**
 * The service item and one kind of its children in a single Query: sort keys sort as
 * `DEP#… < ENV#… < META < RUNBOOK#…`, so `ENV#`…`META` and `META`…`RUNBOOK#\uffff` are contiguous.
 */
async function readServiceWith<T extends Item>(id: string, prefix: string, between: [string, string], max: number): Promise<{ service: ServiceRecord; children: T[] } | undefined> {
  const items = await queryAll<Item>({ partition: `SVC#${id}`, sortKey: { between } }, max + 1);
  const meta = items.find((item) => item.SK === 'META');
  // Other kinds that sort in the range (an environment lock, LOCK#<env>) are not ours to show.
  return meta && { service: toRecord(meta), children: items.filter((item) => item.SK.startsWith(prefix)) as T[] };
}

export async function readServiceWithEnvironments(id: string): Promise<{ service: ServiceRecord; environments: Environment[] } | undefined> {
  const found = await readServiceWith<EnvironmentItem>(id, 'ENV#', ['ENV#', 'META'], 500);
  return found && { service: found.service, environments: found.children.map(toEnvironment) };
}

export async function readServiceWithRunbooks(id: string): Promise<{ service: ServiceRecord; runbooks: Runbook[] } | undefined> {
  const found = await readServiceWith<RunbookItem>(id, 'RUNBOOK#', ['META', 'RUNBOOK#\uffff'], 500);
  return found && { service: found.service, runbooks: found.children.map(toRunbook) };
}

export async function insertService(record: ServiceRecord): Promise<void> {
  await putNew(serviceItem(record), `service ${record.id} already exists`);
}

/** Version-checked update of service fields (null removes); bumps the version. */
export async function updateService(id: string, expectedVersion: number, changes: Record<string, unknown>): Promise<ServiceRecord> {
  const extra: Record<string, unknown> = {};
  if (typeof changes.team === 'string') extra.GSI1PK = `TEAM#${changes.team}`;
  return toRecord(await updateVersioned<ServiceItem>(serviceKey(id), expectedVersion, { ...changes, ...extra }));
}

/**
 * Unversioned updates of the service item's derived parts (environment summaries, direct
 * dependencies): they never conflict with a person's edit of the service's own fields.
 */
async function updateDerived(id: string, update: { set?: Record<string, unknown>; setEnv?: [string, unknown]; removeEnv?: string }): Promise<ServiceRecord> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  const removes: string[] = [];
  Object.entries(update.set ?? {}).forEach(([attr, value], i) => {
    names[`#s${i}`] = attr;
    values[`:s${i}`] = value;
    sets.push(`#s${i} = :s${i}`);
  });
  if (update.setEnv) {
    names['#envs'] = 'envs';
    names['#env'] = update.setEnv[0];
    values[':env'] = update.setEnv[1];
    sets.push('#envs.#env = :env');
  }
  if (update.removeEnv) {
    names['#envs'] = 'envs';
    names['#env'] = update.removeEnv;
    removes.push('#envs.#env');
  }
  try {
    const { Attributes } = await db.send(new UpdateCommand({
      TableName: config().tableName,
      Key: serviceKey(id),
      UpdateExpression: [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : ''].join(' ').trim(),
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: Object.keys(values).length ? values : undefined,
      ReturnValues: 'ALL_NEW',
    }));
    return toRecord(Attributes!);
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') throw new NotFoundError(`service ${id} not found`, { cause: error });
    throw error;
  }
}

/** One page of the catalog, by name (GSI2 `SVCS`). */
export async function listServicePage(limit: number, cursor?: string): Promise<Page<ServiceRecord>> {
  const page = await queryPage<ServiceItem>({ index: 'GSI2', partition: 'SVCS', limit, cursor });
  return { items: page.items.map(toRecord), nextCursor: page.nextCursor };
}

// ---------------------------------------------------------------- environments

export async function readEnvironment(id: string, env: string): Promise<Environment | undefined> {
  const item = await getItem<EnvironmentItem>(envKey(id, env), { consistent: true });
  return item && toEnvironment(item);
}

const environmentItem = (env: Environment): EnvironmentItem =>
  ({ ...envKey(env.serviceId, env.name), GSI1PK: `CLUSTER#${env.cluster}`, GSI1SK: `SVC#${env.serviceId}`, entity: 'environment', ...env });

export async function insertEnvironment(env: Environment): Promise<void> {
  await putNew(environmentItem(env), `environment ${env.name} of ${env.serviceId} was created meanwhile; reload and retry`);
}

export async function replaceEnvironment(env: Environment, expectedVersion: number): Promise<Environment> {
  const { serviceId: _s, name: _n, version: _v, ...fields } = env;
  const changes: Record<string, unknown> = { ...fields, GSI1PK: `CLUSTER#${env.cluster}` };
  return toEnvironment(await updateVersioned<EnvironmentItem>(envKey(env.serviceId, env.name), expectedVersion, changes));
}

export async function removeEnvironment(id: string, env: string): Promise<void> {
  await deleteItem(envKey(id, env));
}

/**
 * Health is written by the health job: no version bump (it is not a person's edit). Answers the
 * environment before and after, from one UpdateItem.
 */
export async function writeEnvironmentHealth(id: string, env: string, health: EnvironmentHealth): Promise<{ before: Environment; after: Environment }> {
  try {
    const { Attributes } = await db.send(new UpdateCommand({
      TableName: config().tableName,
      Key: envKey(id, env),
      UpdateExpression: 'SET #h = :h',
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeNames: { '#h': 'health' },
      ExpressionAttributeValues: { ':h': health },
      ReturnValues: 'ALL_OLD',
    }));
    const before = toEnvironment(Attributes as EnvironmentItem);
    return { before, after: { ...before, health } };
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') throw new NotFoundError(`environment ${env} of ${id} not found`, { cause: error });
    throw error;
  }
}

export const putEnvSummary = (id: string, summary: EnvSummary, extra: Record<string, unknown> = {}): Promise<ServiceRecord> =>
  updateDerived(id, { setEnv: [summary.name, summary], set: extra });

export const removeEnvSummary = (id: string, env: string, extra: Record<string, unknown> = {}): Promise<ServiceRecord> =>
  updateDerived(id, { removeEnv: env, set: extra });

// ---------------------------------------------------------------- health samples

export async function appendHealthSample(id: string, env: string, sample: HealthSample): Promise<void> {
  await putItem({
    PK: healthPartition(id, env),
    SK: sample.at,
    entity: 'health-sample',
    expiresAt: Math.floor(Date.parse(sample.at) / 1000) + HEALTH_HISTORY_SECONDS,
    ...sample,
  });
}

/** Samples since `from` (ISO), oldest first; bounded (one a minute for 24 h is 1440). */
export async function readHealthSamples(id: string, env: string, from: string, to: string): Promise<HealthSample[]> {
  const items = await queryAll<Item & HealthSample>({ partition: healthPartition(id, env), sortKey: { between: [from, to] } }, 5000);
  return items.map(({ at, status, reason, statusCode, latencyMs, readyReplicas, desiredReplicas }) => {
    const sample: HealthSample = { at, status };
    if (reason !== undefined) sample.reason = reason;
    if (statusCode !== undefined) sample.statusCode = statusCode;
    if (latencyMs !== undefined) sample.latencyMs = latencyMs;
    if (readyReplicas !== undefined) sample.readyReplicas = readyReplicas;
    if (desiredReplicas !== undefined) sample.desiredReplicas = desiredReplicas;
    return sample;
  });
}

// ---------------------------------------------------------------- dependencies

export async function listDependencies(id: string): Promise<Dependency[]> {
  return (await queryAll<DependencyItem>({ partition: `SVC#${id}`, sortKey: { beginsWith: 'DEP#' } }, 500)).map(toDependency);
}

/** Who depends on this service directly (GSI1 `SVC#<id>` / `DEPENDENT#…`). */
export async function listDependents(id: string): Promise<Array<Dependency & { fromId: string }>> {
  const items = await queryAll<DependencyItem>({ index: 'GSI1', partition: `SVC#${id}`, sortKey: { beginsWith: 'DEPENDENT#' } }, 5000);
  return items.map((item) => ({ ...toDependency(item), fromId: item.fromId }));
}

export async function writeDependency(id: string, dep: Dependency): Promise<void> {
  await putItem({ ...depKey(id, dep.serviceId), GSI1PK: `SVC#${dep.serviceId}`, GSI1SK: `DEPENDENT#${id}`, entity: 'dependency', fromId: id, ...dep });
}

export async function removeDependency(id: string, target: string): Promise<void> {
  await deleteItem(depKey(id, target));
}

export const setDependencySummary = (id: string, deps: Dependency[], extra: Record<string, unknown> = {}): Promise<ServiceRecord> =>
  updateDerived(id, { set: { deps, ...extra } });

// ---------------------------------------------------------------- runbooks

export async function readRunbook(id: string, runbookId: string): Promise<Runbook | undefined> {
  const item = await getItem<RunbookItem>(runbookKey(id, runbookId), { consistent: true });
  return item && toRunbook(item);
}

export async function listRunbooks(id: string): Promise<Runbook[]> {
  return (await queryAll<RunbookItem>({ partition: `SVC#${id}`, sortKey: { beginsWith: 'RUNBOOK#' } }, 500)).map(toRunbook);
}

const runbookItem = (runbook: Runbook): RunbookItem =>
  ({ ...runbookKey(runbook.serviceId, runbook.id), GSI1PK: `TRIGGER#${runbook.trigger}`, GSI1SK: `SVC#${runbook.serviceId}`, entity: 'runbook', ...runbook });

export async function insertRunbook(runbook: Runbook): Promise<void> {
  await putNew(runbookItem(runbook), `runbook ${runbook.id} already exists`);
}

export async function updateRunbook(id: string, runbookId: string, expectedVersion: number, changes: Record<string, unknown>): Promise<Runbook> {
  const extra: Record<string, unknown> = typeof changes.trigger === 'string' ? { GSI1PK: `TRIGGER#${changes.trigger}` } : {};
  return toRunbook(await updateVersioned<RunbookItem>(runbookKey(id, runbookId), expectedVersion, { ...changes, ...extra }));
}

export async function removeRunbook(id: string, runbookId: string, expectedVersion: number): Promise<void> {
  await deleteVersioned(runbookKey(id, runbookId), expectedVersion);
}

/** Runbooks for an alert name, over every service (GSI1 `TRIGGER#<alert>`). */
export async function runbooksForTrigger(trigger: string): Promise<Array<{ serviceId: string; runbookId: string }>> {
  const items = await queryAll<RunbookItem>({ index: 'GSI1', partition: `TRIGGER#${trigger}` }, 1000);
  return items.map((item) => ({ serviceId: item.serviceId, runbookId: item.id }));
}

// ---------------------------------------------------------------- teams

export async function teamExists(team: string): Promise<boolean> {
  const item = await getItem({ PK: `TEAM#${team}`, SK: 'META' });
  return Boolean(item && item.status !== 'deleting');
}

/** The ServicesStore port over the table: the functions above. */
export const dynamoServicesStore: ServicesStore = {
  readService,
  readServiceCollection,
  readServiceWithEnvironments,
  readServiceWithRunbooks,
  insertService,
  updateService,
  listServicePage,
  teamExists,
  readEnvironment,
  insertEnvironment,
  replaceEnvironment,
  removeEnvironment,
  writeEnvironmentHealth,
  putEnvSummary,
  removeEnvSummary,
  appendHealthSample,
  readHealthSamples,
  listDependencies,
  listDependents,
  writeDependency,
  removeDependency,
  setDependencySummary,
  readRunbook,
  listRunbooks,
  insertRunbook,
  updateRunbook,
  removeRunbook,
  runbooksForTrigger,
};
