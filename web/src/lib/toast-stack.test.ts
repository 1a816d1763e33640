import { describe, expect, it } from 'vitest';
import { MAX_TOASTS, toastRole, withoutToast, withToast, type ShownToast, type ToastOptions } from './toast-stack.ts';

const show = (list: readonly ShownToast[], options: ToastOptions, id: number, now = id * 100): ShownToast[] => withToast(list, options, id, now);
const messages = (list: readonly ShownToast[]) => list.map((t) => [t.message, t.count]);

describe('the toasts on screen', () => {
  it('are at most three, newest on top: an older one makes room', () => {
    let list: ShownToast[] = [];
    for (let i = 1; i <= 5; i++) list = show(list, { message: `saved ${i}`, intent: 'success' }, i);

    expect(MAX_TOASTS).toBe(3);
    expect(messages(list)).toEqual([['saved 5', 1], ['saved 4', 1], ['saved 3', 1]]);
  });

  it('count a message already on screen instead of stacking it: it moves to the top and its time starts again', () => {
    // Prepare
    let list = show([], { message: 'Could not mark read: offline', intent: 'danger' }, 1, 1000);
    list = show(list, { message: 'Team saved', intent: 'success' }, 2, 1500);

    // Act
    list = show(list, { message: 'Could not mark read: offline', intent: 'danger' }, 3, 2000);
    list = show(list, { message: 'Could not mark read: offline', intent: 'danger' }, 4, 2600);

    // Assess: one toast, counted three times, kept its id (it is the same toast on screen).
    expect(list).toEqual([
      { message: 'Could not mark read: offline', intent: 'danger', id: 1, count: 3, since: 2600 },
      { message: 'Team saved', intent: 'success', id: 2, count: 1, since: 1500 },
    ]);
  });

  it('keeps the same words with another intent apart, and takes the newest action of a repeat', () => {
    const open = { text: 'Open', onClick: () => undefined };
    let list = show([], { message: 'Completed: DNS record', intent: 'success' }, 1);
    list = show(list, { message: 'Completed: DNS record', intent: 'primary' }, 2);
    list = show(list, { message: 'Completed: DNS record', intent: 'success', action: open }, 3);

    expect(list.map((t) => [t.id, t.intent, t.count, t.action])).toEqual([[1, 'success', 2, open], [2, 'primary', 1, undefined]]);
  });

  it('drops one when it is dismissed or its time is up', () => {
    const list = show(show([], { message: 'a' }, 1), { message: 'b' }, 2);
    expect(messages(withoutToast(list, 1))).toEqual([['b', 1]]);
    expect(withoutToast(list, 9)).toEqual(list);
  });

  it('interrupts a screen reader for failures and warnings only', () => {
    expect([toastRole('danger'), toastRole('warning'), toastRole('success'), toastRole('primary'), toastRole('none'), toastRole(undefined)])
      .toEqual(['alert', 'alert', 'status', 'status', 'status', 'status']);
  });
});
