/**
 * Notifications: one item per distinct recipient, listed newest first with the unread count, marked read
 * one by one or all at once, and (with a bus configured) one EventBridge event per notification. The table is
 * dynalite in memory; EventBridge is mocked.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureTable, startDynalite, type LocalDynamo } from '#local/dynamo';
import { REALTIME_ENDPOINT_ENV } from '#shared/topics';
import type * as NotificationsModule from './notifications.ts';

const eventBridge = mockClient(EventBridgeClient);
let dynamo: LocalDynamo;
let notifications: typeof NotificationsModule;

beforeAll(async () => {
  dynamo = await startDynalite(undefined);
  Object.assign(process.env, { TABLE_NAME: 'apollo-notify-test', AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
  delete process.env[REALTIME_ENDPOINT_ENV];
  await ensureTable(dynamo.endpoint, 'apollo-notify-test', 'eu-west-1');
  notifications = await import('./notifications.ts');
});
afterAll(async () => {
  delete process.env[notifications.NOTIFICATION_BUS_ENV];
  await dynamo.close();
});
beforeEach(() => { eventBridge.reset(); });

describe('notifications', () => {
  it('reach each distinct recipient once, newest first, with the unread count; marking read is per notification or all', async () => {
    // Prepare
    process.env[notifications.NOTIFICATION_BUS_ENV] = 'default';
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });

    // Act
    const sent = await notifications.notify(['Ana@example.com', 'ana@example.com', 'bo@example.com'], { kind: 'approval.waiting', title: 'Approval needed', link: '/approvals' }, new Date('2026-12-04T10:00:00Z'));
    await notifications.notify(['ana@example.com'], { kind: 'request.completed', title: 'Completed', link: '/requests/1' }, new Date('2026-12-04T11:00:00Z'));

    // Assess
    expect(sent).toBe(2);
    const list = await notifications.listNotifications('ana@example.com', 10);
    expect(list.items.map((n) => [n.kind, n.read])).toEqual([['request.completed', false], ['approval.waiting', false]]);
    expect(list.unread).toBe(2);
    expect(await notifications.markRead('ana@example.com', { ids: [list.items[0]!.id, 'NOTANID'] })).toEqual({ marked: 1, unread: 1 });
    expect(await notifications.markRead('ana@example.com', { all: true })).toEqual({ marked: 1, unread: 0 });
    expect((await notifications.listNotifications('bo@example.com', 10)).unread).toBe(1);
    const events = eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries![0]!);
    expect(events.map((e) => [e.EventBusName, e.Source, e.DetailType])).toEqual([
      ['default', 'apollo', 'apollo.notification.approval.waiting'],
      ['default', 'apollo', 'apollo.notification.request.completed'],
    ]);
    expect(JSON.parse(events[0]!.Detail!)).toMatchObject({ recipients: ['ana@example.com', 'bo@example.com'], title: 'Approval needed' });
  });

  it('put no event without a bus, and a failing bus fails nothing', async () => {
    delete process.env[notifications.NOTIFICATION_BUS_ENV];
    expect(await notifications.notify(['cy@example.com'], { kind: 'request.failed', title: 'Failed' })).toBe(1);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
    process.env[notifications.NOTIFICATION_BUS_ENV] = 'default';
    eventBridge.on(PutEventsCommand).rejects(new Error('throttled'));
    expect(await notifications.notify(['cy@example.com'], { kind: 'request.failed', title: 'Failed again' })).toBe(1);
    expect((await notifications.listNotifications('cy@example.com', 10)).items).toHaveLength(2);
  });
});
