/** The bell's cached list as notifications arrive and are read. Pure, so it is unit-tested. */
import type { Notification, NotificationList } from '../../../schemas/types.gen.ts';

/** Puts a notification that just arrived on top of the cached list (once) and counts it unread. */
export function addNotification(list: NotificationList | undefined, n: Notification): NotificationList | undefined {
  if (!list) return list;
  if (list.items.some((i) => i.id === n.id)) return list;
  return { ...list, items: [n, ...list.items], unread: list.unread + (n.read ? 0 : 1) };
}

/**
 * The list with the given ones (or all) read, and the unread count the API answered; before it answers, one less for
 * each that was unread here.
 */
export function markRead(list: NotificationList | undefined, ids: readonly string[] | 'all', unread?: number): NotificationList | undefined {
  if (!list) return list;
  const marked = (n: Notification) => ids === 'all' || ids.includes(n.id);
  const newlyRead = list.items.filter((n) => !n.read && marked(n)).length;
  return { ...list, items: list.items.map((n) => (marked(n) ? { ...n, read: true } : n)), unread: unread ?? Math.max(0, list.unread - newlyRead) };
}

/**
 * Whether a notification that just arrived is also a toast. Not a deployment's "Waiting for approval": Apollo sends it
 * only to whoever asked for the deployment (the approvers hear of it through the inbox's badge), who cannot decide it
 * and watches it wait on the deployment's page; a toast would only linger past the cancel or the decision. The bell
 * still lists it.
 */
export const isToasted = (n: Pick<Notification, 'kind' | 'link'>): boolean => !(n.kind === 'approval.waiting' && n.link?.startsWith('/deployments/'));
