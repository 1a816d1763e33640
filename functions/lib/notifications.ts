/**
 * Notifications (ARCHITECTURE.md §5), one module for every context: an item per principal
 * (`NOTIF#<principal>` / `N#<ulid>`, kept 30 days) published on `notifications:<principal>`, which the
 * web app's header shows. Sending never fails the caller: a notification is a courtesy, the request's own
 * record is the truth. Role holders are not enumerable (IAM roles): approvals a role may decide show in
 * the Approvals inbox and its live badge instead. In AWS each notification is also an EventBridge event
 * (source `apollo`, detail-type `apollo.notification.<kind>`) on the bus APOLLO_NOTIFICATION_BUS names,
 * so a company routes them to Slack or email; unset (locally), no event is put.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulidx';
import type { Notification, NotificationList } from '#schemas/index.ts';
import { logger } from './observability.ts';
import { publish } from './realtime.ts';
import { db, putItem, queryPage, tableName, type Item } from './table.ts';

export const NOTIFICATION_TTL_SECONDS = 30 * 24 * 3600;
const ulid = monotonicFactory();

export type NotificationKind = Notification['kind'];

export interface NotificationInput {
  readonly kind: NotificationKind;
  readonly title: string;
  readonly body?: string;
  readonly link?: string;
  readonly resource?: { readonly type: string; readonly id: string };
}

type NotificationItem = Item & Notification & { principal: string; expiresAt: number };

const partition = (principal: string): string => `NOTIF#${principal.toLowerCase()}`;

export const NOTIFICATION_BUS_ENV = 'APOLLO_NOTIFICATION_BUS';
let events: EventBridgeClient | undefined;

/** One PutEvents call per notification (all recipients in one event); failures are logged. */
async function putEvent(recipients: readonly string[], input: NotificationInput, at: Date): Promise<void> {
  const bus = process.env[NOTIFICATION_BUS_ENV];
  if (!bus || recipients.length === 0) return;
  events ??= new EventBridgeClient({});
  try {
    const out = await events.send(new PutEventsCommand({
      Entries: [{ EventBusName: bus, Source: 'apollo', DetailType: `apollo.notification.${input.kind}`, Time: at, Detail: JSON.stringify({ recipients, ...input }) }],
    }));
    if (out.FailedEntryCount) logger.warn('notification event not put', { kind: input.kind, error: out.Entries?.[0]?.ErrorMessage });
  } catch (error) {
    logger.warn('notification event not put', { kind: input.kind, error: error as Error });
  }
}

function toNotification(item: NotificationItem): Notification {
  return {
    id: item.id,
    kind: item.kind,
    title: item.title,
    ...(item.body ? { body: item.body } : {}),
    ...(item.link ? { link: item.link } : {}),
    ...(item.resource ? { resource: item.resource } : {}),
    createdAt: item.createdAt,
    read: item.read === true,
  };
}

/** Writes one notification per distinct principal and publishes each; errors are logged, never thrown. */
export async function notify(principals: readonly string[], input: NotificationInput, now = new Date()): Promise<number> {
  const recipients = [...new Set(principals.map((p) => p.toLowerCase()).filter(Boolean))];
  let sent = 0;
  await Promise.all(recipients.map(async (principal) => {
    const id = ulid(now.getTime());
    const notification: Notification = { id, kind: input.kind, title: input.title, createdAt: now.toISOString(), read: false,
      ...(input.body ? { body: input.body } : {}), ...(input.link ? { link: input.link } : {}), ...(input.resource ? { resource: input.resource } : {}) };
    try {
      await putItem({ PK: partition(principal), SK: `N#${id}`, ...notification, principal, expiresAt: Math.floor(now.getTime() / 1000) + NOTIFICATION_TTL_SECONDS });
      await publish(`notifications:${principal}`, 'notification.created', notification);
      sent += 1;
    } catch (error) {
      logger.warn('notification not sent', { principal, kind: input.kind, error: error as Error });
    }
  }));
  await putEvent(recipients, input, now);
  return sent;
}

/** A principal's notifications, newest first, and how many are unread (counted up to 500). */
export async function listNotifications(principal: string, limit: number, cursor?: string): Promise<NotificationList> {
  const [page, unread] = await Promise.all([
    queryPage<NotificationItem>({ partition: partition(principal), sortKey: { beginsWith: 'N#' }, limit, cursor, newestFirst: true }),
    unreadCount(principal),
  ]);
  return { items: page.items.map(toNotification), unread, nextCursor: page.nextCursor };
}

async function unreadCount(principal: string): Promise<number> {
  const out = await db.send(new QueryCommand({
    TableName: tableName(),
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :n)',
    FilterExpression: '#read = :false AND #exp > :now',
    ExpressionAttributeNames: { '#read': 'read', '#exp': 'expiresAt' },
    ExpressionAttributeValues: { ':pk': partition(principal), ':n': 'N#', ':false': false, ':now': Math.floor(Date.now() / 1000) },
    Select: 'COUNT',
    Limit: 500,
  }));
  return out.Count ?? 0;
}

/** Marks the named notifications (those that exist) or every unread one read; answers how many changed. */
export async function markRead(principal: string, which: { ids?: readonly string[]; all?: true }): Promise<{ marked: number; unread: number }> {
  let ids = which.ids ? [...new Set(which.ids)] : [];
  if (which.all) {
    const out = await db.send(new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :n)',
      FilterExpression: '#read = :false',
      ExpressionAttributeNames: { '#read': 'read' },
      ExpressionAttributeValues: { ':pk': partition(principal), ':n': 'N#', ':false': false },
      ProjectionExpression: 'id',
      Limit: 500,
    }));
    ids = (out.Items ?? []).map((item) => String(item.id));
  }
  let marked = 0;
  for (const id of ids) {
    try {
      await db.send(new UpdateCommand({
        TableName: tableName(),
        Key: { PK: partition(principal), SK: `N#${id}` },
        UpdateExpression: 'SET #read = :true',
        ConditionExpression: 'attribute_exists(PK) AND #read = :false',
        ExpressionAttributeNames: { '#read': 'read' },
        ExpressionAttributeValues: { ':true': true, ':false': false },
      }));
      marked += 1;
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    }
  }
  return { marked, unread: await unreadCount(principal) };
}
