/**
 * Environment locks (issue 15's first safeguard): an environment locked against deploys and promotes, by a
 * person with `deployments:policy` (manual) or, with the incidents issue, by Apollo while a critical incident
 * is open (source incident: `placeIncidentLock` is that hook). Rollback, scale and restart are never blocked:
 * they are how incidents end. A lock past its `expiresAt` is no longer in force (and is not listed).
 *
 *   DEPLOYLOCK#<service>#<env> / LOCK#manual | LOCK#incident#<id>   GSI1 LOCKS / <service>#<env>#<source>
 */
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { EnvironmentLock, EnvironmentLockPut } from '#schemas/index.ts';
import { NotFoundError, ValidationError } from '#shared/errors';
import { listEnvironments } from '#functions/services/public';
import { db, queryAll, tableName, type Item } from '#lib/table';
import { publish } from '#lib/realtime';
import { DEPLOYMENTS_TOPIC } from './records.ts';
import type { Operation } from './records.ts';

/** What a lock refuses: changes of version. Rollback, scale and restart still run. */
export const LOCK_BLOCKS: readonly Operation[] = ['deploy', 'promote'];
export const LOCK_CHANGED = 'lock.changed';

const partition = (service: string, environment: string) => `DEPLOYLOCK#${service}#${environment}`;

type LockItem = Item & Omit<EnvironmentLock, 'blocks'>;

const inForce = (lock: { expiresAt?: string | null }, now = Date.now()): boolean => !lock.expiresAt || Date.parse(lock.expiresAt) > now;
const toLock = ({ PK: _pk, SK: _sk, GSI1PK: _g, GSI1SK: _gs, ...lock }: LockItem): EnvironmentLock => ({ ...(lock as Omit<EnvironmentLock, 'blocks'>), blocks: [...LOCK_BLOCKS] });

async function requireEnvironment(service: string, environment: string): Promise<void> {
  let environments;
  try {
    environments = await listEnvironments(service);
  } catch (error) {
    if (error instanceof NotFoundError) throw new NotFoundError(`service ${service} not found`, { details: [{ path: '/path/id', message: 'no such service' }] });
    throw error;
  }
  if (!environments.some((e) => e.name === environment)) throw new NotFoundError(`${service} has no environment ${environment}`, { details: [{ path: '/path/env', message: `one of: ${environments.map((e) => e.name).join(', ')}` }] });
}

async function put(lock: Omit<EnvironmentLock, 'blocks'>, sk: string): Promise<EnvironmentLock> {
  await db.send(new PutCommand({
    TableName: tableName(),
    Item: { PK: partition(lock.service, lock.environment), SK: sk, GSI1PK: 'LOCKS', GSI1SK: `${lock.service}#${lock.environment}#${sk}`, ...lock },
  }));
  const full = { ...lock, blocks: [...LOCK_BLOCKS] };
  await publish(DEPLOYMENTS_TOPIC, LOCK_CHANGED, { service: lock.service, environment: lock.environment, locked: true, reason: lock.reason });
  return full;
}

/** Locks (or re-locks, with the new reason and end) an environment by hand. A PUT again is the same lock. */
export async function lockEnvironment(service: string, environment: string, body: EnvironmentLockPut, by: string, now = new Date()): Promise<EnvironmentLock> {
  await requireEnvironment(service, environment);
  if (body.expiresAt && Date.parse(body.expiresAt) <= now.getTime()) throw new ValidationError('a lock must end in the future', { details: [{ path: '/body/expiresAt', message: `${body.expiresAt} has passed` }] });
  return put({ service, environment, reason: body.reason, lockedBy: by, lockedAt: now.toISOString(), expiresAt: body.expiresAt ?? null, source: 'manual' }, 'LOCK#manual');
}

/** Lifts the manual lock; an incident's is the incident's to lift. Not locked: 404. */
export async function unlockEnvironment(service: string, environment: string): Promise<void> {
  const { Attributes } = await db.send(new DeleteCommand({ TableName: tableName(), Key: { PK: partition(service, environment), SK: 'LOCK#manual' }, ReturnValues: 'ALL_OLD' }));
  if (!Attributes || !inForce(Attributes as LockItem)) throw new NotFoundError(`${service} ${environment} has no manual lock`);
  await publish(DEPLOYMENTS_TOPIC, LOCK_CHANGED, { service, environment, locked: false });
}

/** The incidents issue's hook: a critical incident open on the service locks its environment until it is resolved. */
export async function placeIncidentLock(service: string, environment: string, incidentId: string, reason: string, now = new Date()): Promise<EnvironmentLock> {
  return put({ service, environment, reason, lockedBy: 'apollo', lockedAt: now.toISOString(), expiresAt: null, source: 'incident', incidentId }, `LOCK#incident#${incidentId}`);
}

export async function liftIncidentLock(service: string, environment: string, incidentId: string): Promise<void> {
  await db.send(new DeleteCommand({ TableName: tableName(), Key: { PK: partition(service, environment), SK: `LOCK#incident#${incidentId}` } }));
  await publish(DEPLOYMENTS_TOPIC, LOCK_CHANGED, { service, environment, locked: false });
}

/** The environment's locks in force (one Query of its partition). */
export async function locksOf(service: string, environment: string, now = Date.now()): Promise<EnvironmentLock[]> {
  const items = await queryAll<LockItem>({ partition: partition(service, environment) }, 100);
  return items.filter((i) => inForce(i, now)).map(toLock);
}

/** Every lock in force (one index Query; locks are few). */
export async function allLocks(now = Date.now()): Promise<EnvironmentLock[]> {
  const items = await queryAll<LockItem>({ index: 'GSI1', partition: 'LOCKS' }, 1000);
  return items.filter((i) => inForce(i, now)).map(toLock);
}

/** The lock that refuses this operation there, if any: its reason is the refusal's. */
export async function blockingLocks(service: string, environment: string, operation: Operation): Promise<EnvironmentLock[]> {
  if (!LOCK_BLOCKS.includes(operation)) return [];
  return locksOf(service, environment);
}

export const lockRefusal = (lock: EnvironmentLock): string =>
  `${lock.service} ${lock.environment} is locked${lock.source === 'incident' ? ` by incident ${lock.incidentId}` : ` by ${lock.lockedBy}`}: ${lock.reason}${lock.expiresAt ? ` (until ${lock.expiresAt})` : ''}; deploys and promotes wait, rollback, scale and restart still run`;
