/**
 * A request page kept live from `request:<id>` (event request.changed: the status as GET …/status shows it, plus the
 * new log line as `entry`): the status and progress change in place, log lines are appended, and a change of status
 * or of the running action says the detail is worth reading again. Pure, so it is unit-tested.
 */
import type { Request, RequestLogEntry, RequestStatus } from '../../../../schemas/types.gen.ts';
import { mergeTimeline as mergeLines } from '../../lib/timeline.ts';

export type TimelineEntry = Request['timeline'][number];

/** A request.changed frame's data. */
export type RequestChange = RequestStatus & { readonly entry?: RequestLogEntry };

/** Whether a frame's data has the shape of a change of this request (frames are data from the network). */
export function asRequestChange(data: unknown, id: string): RequestChange | null {
  if (typeof data !== 'object' || data === null) return null;
  const d = data as Partial<RequestChange>;
  if (d.id !== id || typeof d.status !== 'string' || typeof d.updatedAt !== 'string') return null;
  return d as RequestChange;
}

/** One log line's identity: lines carry no id, so their time, sequence, action and text together. */
export const entryKey = (e: TimelineEntry): string => `${e.at}|${e.seq ?? ''}|${e.action ?? ''}|${e.kind ?? ''}|${e.message}`;

/** The timeline the page shows: the detail's lines plus the live ones, oldest first (same instant: by sequence). */
export const mergeTimeline = (base: readonly TimelineEntry[], live: readonly TimelineEntry[]): TimelineEntry[] =>
  mergeLines(base, live, entryKey, (a, b) => (a.seq ?? 0) - (b.seq ?? 0));

/** The request with a frame's status applied, unless the frame is older than what the page has (frames may be late). */
export function applyChange(request: Request, change: RequestChange): Request {
  if (change.id !== request.id || change.updatedAt < request.updatedAt) return request;
  return {
    ...request,
    status: change.status,
    progress: change.progress,
    currentAction: change.currentAction,
    eta: change.eta,
    ...(change.message !== undefined ? { message: change.message } : {}),
    updatedAt: change.updatedAt,
  };
}

/**
 * Whether a frame changes more than numbers, so the detail (actions, attempts, approval, outputs) is worth reading
 * again: a new status, another action (or attempt) running, or an attempt's outcome logged.
 */
export function changesDetail(request: Pick<Request, 'status' | 'currentAction'> | undefined, change: RequestChange): boolean {
  if (!request) return true;
  if (request.status !== change.status) return true;
  if (change.entry?.kind === 'action') return true;
  const a = request.currentAction ?? null;
  const b = change.currentAction ?? null;
  if (!a || !b) return a !== b;
  return a.id !== b.id || a.attempt !== b.attempt;
}
