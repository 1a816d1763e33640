import { describe, expect, it } from 'vitest';
import type { Notification, NotificationList } from '../../../schemas/types.gen.ts';
import { addNotification, isToasted, markRead } from './notification-list.ts';

const note = (id: string, read = false): Notification => ({
  id, kind: 'request.completed', title: `Completed ${id}`, link: `/requests/${id}`, createdAt: '2026-11-25T10:00:00.000Z', read,
});
const list: NotificationList = { items: [note('b'), note('a', true)], unread: 3, nextCursor: null };

describe('the bell list', () => {
  it('puts an arriving notification on top once and counts it unread', () => {
    const added = addNotification(list, note('c'))!;
    expect(added.items.map((n) => n.id)).toEqual(['c', 'b', 'a']);
    expect(added.unread).toBe(4);
    expect(addNotification(added, note('c'))).toBe(added);
    expect(addNotification(undefined, note('c'))).toBeUndefined();
  });

  it('marks the named ones read, counting down until the API says the count', () => {
    const marked = markRead(list, ['b'])!;
    expect(marked.items.map((n) => n.read)).toEqual([true, true]);
    // Unread ones beyond the first page count too: 3 - 1, not 0.
    expect(marked.unread).toBe(2);
    expect(markRead(list, ['a'])!.unread).toBe(3);
    expect(markRead(list, ['b'], 5)!.unread).toBe(5);
  });

  it('marks all read', () => {
    const all = markRead(list, 'all', 0)!;
    expect(all.items.every((n) => n.read)).toBe(true);
    expect(all.unread).toBe(0);
  });
});

describe('which notifications are toasts', () => {
  it('toasts all but the requester\'s own "waiting for approval" of a deployment', () => {
    expect(isToasted(note('a'))).toBe(true);
    expect(isToasted({ kind: 'approval.waiting', link: '/requests/r1' })).toBe(true);
    expect(isToasted({ kind: 'deployment.failed', link: '/deployments/d1' })).toBe(true);
    expect(isToasted({ kind: 'approval.waiting', link: '/deployments/d1' })).toBe(false);
  });
});
