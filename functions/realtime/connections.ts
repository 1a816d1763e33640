/**
 * The realtime channel's state in the table (ARCHITECTURE.md §3, ws connection): one `META` item per
 * connection (who opened it and with which role: later routes carry no identity) and one item per
 * subscription, indexed by topic on GSI1 for publishing. Every item expires with the connection
 * (API Gateway closes connections after 2 hours); expired items read as absent.
 */
import type { Role } from '#shared/permissions';
import { ForbiddenError } from '#shared/errors';
import type { Identity } from '#lib/identity';
import { CONNECTION_TTL_SECONDS, connectionPartition, forgetConnection, topicPartition } from '#lib/realtime';
import { deleteItem, getItem, putItem, type Item } from '#lib/table';

export interface ConnectionItem extends Item {
  readonly connectionId: string;
  readonly principal: string;
  readonly role: Role;
  readonly principalArn: string;
  readonly connectedAt: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
}

/** Records a new connection for a caller with an Apollo role (403 otherwise: deny by default). */
export async function openConnection(connectionId: string, identity: Identity, now = new Date()): Promise<ConnectionItem> {
  if (!identity.role) throw new ForbiddenError(`${identity.principal} has no Apollo role (IAM role ${identity.iamRoleName})`);
  const item: ConnectionItem = {
    PK: connectionPartition(connectionId),
    SK: 'META',
    entity: 'ws-connection',
    connectionId,
    principal: identity.principal,
    role: identity.role,
    principalArn: identity.principalArn,
    kind: identity.kind,
    sourceIp: identity.sourceIp,
    userAgent: identity.userAgent,
    connectedAt: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + CONNECTION_TTL_SECONDS,
  };
  await putItem(item);
  return item;
}

/** The connection as `$connect` recorded it, or undefined when it is unknown, closed or expired. */
export async function connectionOf(connectionId: string): Promise<ConnectionItem | undefined> {
  // Consistent: a client subscribes right after its $connect wrote this item.
  return getItem<ConnectionItem>({ PK: connectionPartition(connectionId), SK: 'META' }, { consistent: true });
}

export async function addSubscription(connection: ConnectionItem, topic: string, now = new Date()): Promise<void> {
  await putItem({
    PK: connection.PK,
    SK: topicPartition(topic),
    GSI1PK: topicPartition(topic),
    GSI1SK: connection.PK,
    entity: 'ws-subscription',
    topic,
    subscribedAt: now.toISOString(),
    expiresAt: connection.expiresAt,
  });
}

export async function removeSubscription(connectionId: string, topic: string): Promise<void> {
  await deleteItem({ PK: connectionPartition(connectionId), SK: topicPartition(topic) });
}

/** Deletes the connection and its subscriptions (`$disconnect`). */
export async function closeConnection(connectionId: string): Promise<number> {
  return forgetConnection(connectionId);
}
