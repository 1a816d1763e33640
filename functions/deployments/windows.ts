/**
 * Deployment windows (`deployments:govern`): per environment name (every service's `prod`), the days and
 * hours in a time zone when deploys and promotes may run. Outside one a deploy is refused, or queued until
 * it opens (the asker chooses), or run anyway on an admin's override with a reason (audited). Rollback,
 * scale and restart run at any time. No window for an environment: always open.
 *
 *   DEPLOYWINDOW#<environment> / META   GSI1 WINDOWS / <environment>
 */
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DeploymentWindow, DeploymentWindowPut } from '#schemas/index.ts';
import { NotFoundError, ValidationError } from '#shared/errors';
import { db, getItem, queryAll, tableName, type Item } from '#lib/table';
import { publish } from '#lib/realtime';
import { DEPLOYMENTS_TOPIC } from './records.ts';
import { describeWindow, isTimeZone, windowState } from './window-time.ts';

export const WINDOW_CHANGED = 'window.changed';

type Stored = Omit<DeploymentWindow, 'summary' | 'open' | 'opensAt' | 'closesAt'>;
type WindowItem = Item & Stored;

const key = (environment: string) => ({ PK: `DEPLOYWINDOW#${environment}`, SK: 'META' });

export function toWindow(stored: Stored, now = Date.now()): DeploymentWindow {
  const { PK: _p, SK: _s, GSI1PK: _g, GSI1SK: _gs, ...w } = stored as WindowItem;
  const state = windowState(w, now);
  return { ...(w as Stored), summary: describeWindow(w), open: state.open, opensAt: state.opensAt?.toISOString() ?? null, closesAt: state.closesAt?.toISOString() ?? null };
}

export async function putWindow(environment: string, body: DeploymentWindowPut, by: string, now = new Date()): Promise<DeploymentWindow> {
  if (!isTimeZone(body.timezone)) throw new ValidationError(`unknown time zone ${body.timezone}`, { details: [{ path: '/body/timezone', message: 'an IANA time zone such as Europe/Berlin or UTC' }] });
  body.slots.forEach((slot, i) => {
    if (slot.start === slot.end) throw new ValidationError('a slot is never open when it starts as it ends', { details: [{ path: `/body/slots/${i}/end`, message: `must differ from start (${slot.start})` }] });
  });
  const stored: Stored = { environment, timezone: body.timezone, slots: body.slots.map((s) => ({ days: [...s.days], start: s.start, end: s.end })), description: body.description ?? null, updatedBy: by, updatedAt: now.toISOString() };
  await db.send(new PutCommand({ TableName: tableName(), Item: { ...key(environment), GSI1PK: 'WINDOWS', GSI1SK: environment, ...stored } }));
  const window = toWindow(stored, now.getTime());
  await publish(DEPLOYMENTS_TOPIC, WINDOW_CHANGED, { environment, open: window.open });
  return window;
}

export async function deleteWindow(environment: string): Promise<void> {
  const { Attributes } = await db.send(new DeleteCommand({ TableName: tableName(), Key: key(environment), ReturnValues: 'ALL_OLD' }));
  if (!Attributes) throw new NotFoundError(`${environment} has no deployment window`);
  await publish(DEPLOYMENTS_TOPIC, WINDOW_CHANGED, { environment, open: true });
}

export async function listWindows(now = Date.now()): Promise<DeploymentWindow[]> {
  return (await queryAll<WindowItem>({ index: 'GSI1', partition: 'WINDOWS' }, 200)).map((w) => toWindow(w, now));
}

/** The environment's window (one GetItem), or undefined: always open. */
export async function windowOf(environment: string, now = Date.now()): Promise<DeploymentWindow | undefined> {
  const item = await getItem<WindowItem>(key(environment));
  return item ? toWindow(item, now) : undefined;
}
