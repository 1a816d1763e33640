/**
 * The toasts on screen, as a list: at most MAX_TOASTS, newest first; a toast saying what one on screen already says
 * (same message, same intent) does not stack a second one: that one counts it, moves to the top and starts its time
 * again. Pure, so it is unit-tested; lib/toaster.ts keeps the list and components/toasts.tsx draws it.
 */
import type { IconName, Intent } from '@blueprintjs/core';

export const MAX_TOASTS = 3;
/** How long a toast stays (unless hovered or focused), from its last repeat. */
export const TOAST_TIMEOUT_MS = 4000;

export interface ToastOptions {
  readonly message: string;
  readonly intent?: Intent;
  readonly icon?: IconName;
  /** One action (a link's "Open"); clicking it also dismisses the toast. */
  readonly action?: { readonly text: string; readonly onClick: () => void };
  /** @default TOAST_TIMEOUT_MS */
  readonly timeout?: number;
}

export interface ShownToast extends ToastOptions {
  readonly id: number;
  /** How many times it was asked for while on screen. */
  readonly count: number;
  /** When it was last asked for: its time runs from here. */
  readonly since: number;
}

/** Toasts alike enough to be one: the same words with the same intent. */
const sameAs = (a: ToastOptions, b: ToastOptions): boolean => a.message === b.message && (a.intent ?? 'none') === (b.intent ?? 'none');

/** The list with `options` shown on top: a new toast, or the one already saying it, counted again. */
export function withToast(shown: readonly ShownToast[], options: ToastOptions, id: number, now: number): ShownToast[] {
  const same = shown.find((t) => sameAs(t, options));
  const top: ShownToast = same ? { ...same, ...options, count: same.count + 1, since: now } : { ...options, id, count: 1, since: now };
  return [top, ...shown.filter((t) => t !== same)].slice(0, MAX_TOASTS);
}

export const withoutToast = (shown: readonly ShownToast[], id: number): ShownToast[] => shown.filter((t) => t.id !== id);

/**
 * What a screen reader does with it: a failure or a warning interrupts (alert); anything else is read when the
 * reader is idle (status).
 */
export const toastRole = (intent: Intent | undefined): 'alert' | 'status' => (intent === 'danger' || intent === 'warning' ? 'alert' : 'status');
