/**
 * Toasts: `toast({ message, intent, icon, action })` from anywhere (a mutation's outcome, a live notification).
 * The list on screen is capped and collapses repeats (toast-stack.ts); components/toasts.tsx draws it.
 */
import { create } from 'zustand';
import { withoutToast, withToast, type ShownToast, type ToastOptions } from './toast-stack.ts';

export type { ToastOptions } from './toast-stack.ts';

export const useToasts = create<{ readonly shown: readonly ShownToast[] }>(() => ({ shown: [] }));

let nextId = 1;

export function toast(options: ToastOptions): void {
  useToasts.setState((s) => ({ shown: withToast(s.shown, options, nextId++, Date.now()) }));
}

export function dismissToast(id: number): void {
  useToasts.setState((s) => ({ shown: withoutToast(s.shown, id) }));
}

export function clearToasts(): void {
  useToasts.setState({ shown: [] });
}
