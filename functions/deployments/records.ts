/**
 * A deployment's items (ARCHITECTURE.md §3): our records are the truth, the execution is the runner.
 *
 *   DEPLOY#<id> / META       the deployment (GSI1 DEPLOYSVC#<service> / <createdAt>#<id>: a service's history;
 *                            GSI2 DEPLOYS / <createdAt>#<id>: everyone's), newest first by ULID time
 *   DEPLOY#<id> / LOG#<ulid> a timeline line (stage, message, severity, the status it moved to)
 *   DEPLOYSVC#<service>#<env> / ACTIVE   the deployment that holds the environment while it runs (one at a
 *                            time: a second is refused with 409 naming the first); removed when it ends
 *
 * No transactions (dynalite has none): writes are ordered and idempotent, META first.
 */
import { BatchWriteCommand, DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulidx';
import type { Deployment, DeploymentSummary } from '#schemas/index.ts';
import { ConflictError, NotFoundError } from '#shared/errors';
import { publish } from '#lib/realtime';
import { db, getItem, queryAll, queryPage, tableName, type Item, type Page } from '#lib/table';

export type DeploymentStatus = Deployment['status'];
export type Stage = Deployment['stage'];
export type Operation = Deployment['operation'];
export type TimelineLine = Deployment['timeline'][number];

export const ENDED: readonly DeploymentStatus[] = ['succeeded', 'failed', 'rolled_back', 'cancelled', 'rejected', 'expired', 'refused'];
export const isEnded = (status: DeploymentStatus): boolean => ENDED.includes(status);

/** The deployment as stored (META): the API's shape without what is computed per caller, plus what only steps read. */
export interface DeploymentRecord extends Omit<Deployment, 'timeline' | 'canCancel' | 'canRollback'> {
  readonly initiatedByRole: string;
  readonly production: boolean;
  readonly cluster: string;
  readonly namespace: string;
  /** The approval's task token while it waits (never answered). */
  readonly taskToken?: string;
  /** A paused canary's task token (a human promotes it or rolls it back). */
  readonly canaryTaskToken?: string;
  readonly startedAt?: string;
  /** restart: the time the restart set (the rollout is done once the pods carry it). */
  readonly restartedAt?: string;
  readonly version: number;
}

const ulid = monotonicFactory();
export const newDeploymentId = (): string => ulid();

const key = (id: string, sk: string) => ({ PK: `DEPLOY#${id}`, SK: sk });
const activeKey = (service: string, environment: string) => ({ PK: `DEPLOYSVC#${service}#${environment}`, SK: 'ACTIVE' });

export const DEPLOYMENT_TOPIC = (id: string): string => `deployment:${id}`;
export const DEPLOYMENTS_TOPIC = 'deployments';
export const DEPLOYMENT_CHANGED = 'deployment.changed';

const SUMMARY_KEYS = ['id', 'operation', 'service', 'environment', 'imageTag', 'previousImageTag', 'replicas', 'previousReplicas', 'fromEnvironment', 'status', 'stage', 'initiatedBy', 'initiatedVia', 'reason', 'gitCommit', 'createdAt', 'updatedAt', 'completedAt', 'durationMs', 'error'] as const;

export function summaryOf(record: DeploymentRecord): DeploymentSummary {
  const picked: Record<string, unknown> = {};
  for (const k of SUMMARY_KEYS) if (record[k] !== undefined) picked[k] = record[k];
  return picked as unknown as DeploymentSummary;
}

// ---------------------------------------------------------------- the environment's one running deployment

/** Takes the environment for this deployment; held by another one that has not ended: ConflictError naming it. */
export async function claimEnvironment(service: string, environment: string, deploymentId: string): Promise<void> {
  try {
    await db.send(new PutCommand({
      TableName: tableName(),
      Item: { ...activeKey(service, environment), deploymentId, at: new Date().toISOString() },
      ConditionExpression: 'attribute_not_exists(PK) OR deploymentId = :id',
      ExpressionAttributeValues: { ':id': deploymentId },
    }));
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    const holder = await getItem<Item & { deploymentId: string }>(activeKey(service, environment), { consistent: true });
    const other = holder && (await readDeployment(holder.deploymentId, true));
    // A holder whose deployment ended (a release that failed half-way) is stale: take it over.
    if (!other || isEnded(other.status)) {
      await db.send(new PutCommand({ TableName: tableName(), Item: { ...activeKey(service, environment), deploymentId, at: new Date().toISOString() }, ConditionExpression: 'deploymentId = :other', ExpressionAttributeValues: { ':other': holder?.deploymentId ?? '' } })).catch((e: Error) => {
        if (e.name === 'ConditionalCheckFailedException') throw new ConflictError(`${service} ${environment} is being deployed by someone else right now; try again when it ends`);
        throw e;
      });
      return;
    }
    throw new ConflictError(`${service} ${environment} has a deployment running: ${other.operation} ${other.imageTag ?? ''} by ${other.initiatedBy} (${other.id}, ${other.status}); wait for it or cancel it`, {
      details: [{ path: '/body/environment', message: `deployment ${other.id} is ${other.status}` }],
    });
  }
}

/** Frees the environment if this deployment holds it (a repeat is a no-op). */
export async function releaseEnvironment(service: string, environment: string, deploymentId: string): Promise<void> {
  await db.send(new DeleteCommand({ TableName: tableName(), Key: activeKey(service, environment), ConditionExpression: 'deploymentId = :id', ExpressionAttributeValues: { ':id': deploymentId } })).catch((e: Error) => {
    if (e.name !== 'ConditionalCheckFailedException') throw e;
  });
}

// ---------------------------------------------------------------- META

export async function createDeployment(record: DeploymentRecord): Promise<void> {
  await db.send(new PutCommand({
    TableName: tableName(),
    Item: {
      ...key(record.id, 'META'), ...record,
      GSI1PK: `DEPLOYSVC#${record.service}`, GSI1SK: `${record.createdAt}#${record.id}`,
      GSI2PK: 'DEPLOYS', GSI2SK: `${record.createdAt}#${record.id}`,
    },
    ConditionExpression: 'attribute_not_exists(PK)',
  }));
}

export async function readDeployment(id: string, consistent = false): Promise<DeploymentRecord | undefined> {
  return getItem<Item & DeploymentRecord>(key(id, 'META'), { consistent });
}

export async function requireDeployment(id: string, consistent = false): Promise<DeploymentRecord> {
  const record = await readDeployment(id, consistent);
  if (!record) throw new NotFoundError(`deployment ${id} not found`);
  return record;
}

/** Attributes the API answers as null rather than absent. */
const KEEP_NULL = new Set(['completedAt', 'error', 'gitCommit', 'durationMs']);

/** A guarded write found the record cancelling (someone cancelled meanwhile): the step ends it as cancelled. */
export class CancelledMeanwhile extends Error {
  override readonly name = 'Apollo.Cancelled';
}

/** `unlessCancelling`: a status change a cancel must win over (opening an approval, queueing, analyzing). */
export async function updateDeployment(id: string, changes: Partial<Record<keyof DeploymentRecord | string, unknown>>, guard: { unlessCancelling?: boolean } = {}): Promise<DeploymentRecord> {
  const names: Record<string, string> = { '#version': 'version' };
  const values: Record<string, unknown> = { ':one': 1 };
  if (guard.unlessCancelling) {
    names['#status'] = 'status';
    values[':cancelling'] = 'cancelling';
  }
  const sets: string[] = ['#version = #version + :one'];
  const removes: string[] = [];
  Object.entries(changes).forEach(([attr, value], i) => {
    if (value === undefined) return;
    names[`#a${i}`] = attr;
    if (value === null && !KEEP_NULL.has(attr)) removes.push(`#a${i}`);
    else { values[`:v${i}`] = value; sets.push(`#a${i} = :v${i}`); }
  });
  try {
    const { Attributes } = await db.send(new UpdateCommand({
      TableName: tableName(), Key: key(id, 'META'),
      UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ConditionExpression: guard.unlessCancelling ? 'attribute_exists(PK) AND #status <> :cancelling' : 'attribute_exists(PK)',
      ExpressionAttributeNames: names, ExpressionAttributeValues: values, ReturnValues: 'ALL_NEW',
    }));
    return Attributes as DeploymentRecord;
  } catch (error) {
    if (guard.unlessCancelling && (error as Error).name === 'ConditionalCheckFailedException') throw new CancelledMeanwhile(`deployment ${id} was cancelled meanwhile`);
    throw error;
  }
}

// ---------------------------------------------------------------- the timeline

export interface LineInput {
  readonly message: string;
  readonly severity?: TimelineLine['severity'];
  readonly stage?: Stage;
}

export async function appendTimeline(record: Pick<DeploymentRecord, 'id' | 'stage'>, lines: readonly LineInput[], at = new Date(), status?: DeploymentStatus): Promise<TimelineLine[]> {
  const entries = lines.map((line) => ({
    id: ulid(at.getTime()), at: at.toISOString(), stage: line.stage ?? record.stage, message: line.message, severity: line.severity ?? 'info', ...(status ? { status } : {}),
  }));
  if (entries.length) await db.send(new BatchWriteCommand({ RequestItems: { [tableName()]: entries.map((e) => ({ PutRequest: { Item: { ...key(record.id, `LOG#${e.id}`), ...e } } })) } }));
  return entries.map(({ id: _id, ...entry }) => entry as TimelineLine);
}

/** The whole timeline, oldest first (a deployment has tens of lines: one bounded Query). */
export async function readTimeline(id: string): Promise<TimelineLine[]> {
  const items = await queryAll<Item & TimelineLine>({ partition: `DEPLOY#${id}`, sortKey: { beginsWith: 'LOG#' } }, 2000);
  return items.map(({ at, stage, message, severity, status }) => ({ at, stage, message, severity, ...(status ? { status } : {}) }));
}

/**
 * A step of the deployment's life: META updated, the timeline line written, and the change published on
 * `deployment:<id>` (the whole summary and the line) and `deployments` (the summary).
 */
export async function transition(id: string, changes: Partial<Record<keyof DeploymentRecord | string, unknown>>, line: LineInput, at = new Date(), guard: { unlessCancelling?: boolean } = {}): Promise<DeploymentRecord> {
  const record = await updateDeployment(id, { ...changes, updatedAt: at.toISOString() }, guard);
  const [entry] = await appendTimeline(record, [{ ...line, stage: line.stage ?? record.stage }], at, changes.status as DeploymentStatus | undefined);
  await announce(record, entry);
  return record;
}

export async function announce(record: DeploymentRecord, entry?: TimelineLine): Promise<void> {
  const summary = summaryOf(record);
  await publish(DEPLOYMENT_TOPIC(record.id), DEPLOYMENT_CHANGED, { ...summary, ...(record.rollout ? { rollout: record.rollout } : {}), ...(entry ? { entry } : {}) });
  await publish(DEPLOYMENTS_TOPIC, DEPLOYMENT_CHANGED, summary);
}

// ---------------------------------------------------------------- lists

export interface HistoryFilter {
  readonly service?: string;
  readonly environment?: string;
  readonly status?: string;
  readonly operation?: string;
  readonly initiatedBy?: string;
  readonly from?: string;
  readonly to?: string;
}

/**
 * Newest first: a service's (GSI1) or everyone's (GSI2), the date range on the sort key, the rest as a
 * filter (a page takes a few reads to fill, at most 8: then it is short and its cursor resumes where it stopped).
 */
export async function listDeployments(filter: HistoryFilter, limit: number, cursor?: string): Promise<Page<DeploymentSummary>> {
  const conditions: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const eq = (attr: string, value: string | undefined) => {
    if (value === undefined) return;
    names[`#${attr}`] = attr;
    values[`:${attr}`] = value;
    conditions.push(`#${attr} = :${attr}`);
  };
  eq('environment', filter.environment);
  eq('status', filter.status);
  eq('operation', filter.operation);
  eq('initiatedBy', filter.initiatedBy);
  const page = await queryPage<Item & DeploymentRecord>({
    index: filter.service ? 'GSI1' : 'GSI2',
    partition: filter.service ? `DEPLOYSVC#${filter.service}` : 'DEPLOYS',
    ...(filter.from || filter.to ? { sortKey: { between: [filter.from ?? '0', `${filter.to ?? '9999'}`] as [string, string] } } : {}),
    limit, cursor, newestFirst: true,
    // A filter that matches little stops after a few reads: a short page with a cursor, never the whole partition.
    ...(conditions.length ? { maxReads: 8, filter: { FilterExpression: conditions.join(' AND '), ExpressionAttributeNames: names, ExpressionAttributeValues: values } } : {}),
  });
  return { items: page.items.map(summaryOf), nextCursor: page.nextCursor };
}
