/**
 * Requests, approvals and notifications kept live from their realtime topics (ARCHITECTURE.md §5): `requests:<team>`
 * and `notifications:<principal>` re-read a request list, `approvals` the inbox and its badge, and a notification
 * goes into the bell's list as it arrives. Frames can be missed while the connection is down: what they keep current
 * is read again when it comes back.
 */
import { useQueryClient, type QueryKey } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import type { Notification, NotificationList } from '../../../schemas/types.gen.ts';
import type { EventFrame } from '../../../shared/realtime-client.ts';
import { addNotification, isToasted } from './notification-list.ts';
import { NOTIFICATIONS_KEY, PENDING_APPROVALS_KEY } from './queries.ts';
import { navigate } from './router.tsx';
import { useServices } from './services-context.ts';
import { useRealtimeState } from './store.ts';
import { toast } from './toaster.ts';

/** Listens to topics while mounted; the listener may change every render (it is read through a ref). */
export function useTopics(topics: readonly string[], listener: (frame: EventFrame) => void): void {
  const { realtime } = useServices();
  const latest = useRef(listener);
  latest.current = listener;
  const joined = topics.join('\n');
  useEffect(() => {
    if (!joined) return undefined;
    const offs = joined.split('\n').map((topic) => realtime.subscribe(topic, (frame) => latest.current(frame)));
    return () => offs.forEach((off) => off());
  }, [realtime, joined]);
}

/** Calls `onLost` once the realtime connection is open again after it dropped (frames sent meanwhile never arrive). */
export function useOnReconnect(onLost: () => void): void {
  const connection = useRealtimeState((s) => s.state);
  const link = useRef<'never' | 'open' | 'lost'>('never');
  const latest = useRef(onLost);
  latest.current = onLost;
  useEffect(() => {
    if (connection === 'open') {
      if (link.current === 'lost') latest.current();
      link.current = 'open';
    } else if (connection === 'reconnecting' && link.current === 'open') {
      link.current = 'lost';
    }
  }, [connection]);
}

/** Invalidates queries at most once per `ms` (a burst of frames makes one read, not ten). */
export function useThrottledInvalidate(ms = 400): (key: QueryKey) => void {
  const client = useQueryClient();
  const pending = useRef(new Map<string, ReturnType<typeof setTimeout>>());
  useEffect(() => () => { pending.current.forEach((t) => clearTimeout(t)); pending.current.clear(); }, []);
  return (key) => {
    const id = JSON.stringify(key);
    if (pending.current.has(id)) return;
    pending.current.set(id, setTimeout(() => {
      pending.current.delete(id);
      void client.invalidateQueries({ queryKey: key });
    }, ms));
  };
}

const aboutRequests = (n: Notification): boolean => n.resource?.type === 'request' || n.kind.startsWith('request.') || n.kind === 'approval.decided';

/**
 * Keeps request lists current: a change on a team's topic, or a notification that a request of mine moved on, reads
 * the lists again.
 */
export function useLiveRequestLists(teams: readonly string[], principal: string | undefined, everyone = false): void {
  const invalidate = useThrottledInvalidate();
  // Everyone's requests (requests:manage) follow `requests-all`; a team's follow its topic.
  useTopics(everyone ? ['requests-all'] : teams.map((t) => `requests:${t}`), () => invalidate(['requests', 'list']));
  useTopics(principal ? [`notifications:${principal}`] : [], (frame) => {
    const n = frame.data as unknown as Notification | undefined;
    if (n && typeof n.kind === 'string' && aboutRequests(n)) invalidate(['requests', 'list']);
  });
  useOnReconnect(() => invalidate(['requests', 'list']));
}

/** The inbox and its badge follow `approvals` (opened and decided); a request page showing one follows too. */
export function useLiveApprovals(enabled: boolean): void {
  const invalidate = useThrottledInvalidate();
  useTopics(enabled ? ['approvals'] : [], (frame) => {
    invalidate(PENDING_APPROVALS_KEY);
    const requestId = (frame.data as { requestId?: unknown } | undefined)?.requestId;
    if (typeof requestId === 'string') invalidate(['requests', 'one', requestId]);
  });
  useOnReconnect(() => { if (enabled) invalidate(PENDING_APPROVALS_KEY); });
}

/**
 * The bell's list follows `notifications:<principal>`; each new one is also a toast with a way to open it (but a
 * deployment's "waiting for approval", see isToasted).
 */
export function useLiveNotifications(principal: string | undefined): void {
  const client = useQueryClient();
  useTopics(principal ? [`notifications:${principal}`] : [], (frame) => {
    const n = frame.data as unknown as Notification | undefined;
    if (!n || typeof n.id !== 'string' || typeof n.title !== 'string') return;
    const before = client.getQueryData<NotificationList>(NOTIFICATIONS_KEY);
    if (before?.items.some((i) => i.id === n.id)) return;
    if (before) client.setQueryData<NotificationList>(NOTIFICATIONS_KEY, (list) => addNotification(list, n));
    else void client.invalidateQueries({ queryKey: NOTIFICATIONS_KEY });
    if (!isToasted(n)) return;
    const link = n.link;
    toast({
      icon: n.kind === 'request.failed' ? 'error' : n.kind === 'request.completed' ? 'tick-circle' : 'notifications',
      intent: n.kind === 'request.failed' ? 'danger' : n.kind === 'request.completed' ? 'success' : 'primary',
      message: n.title,
      ...(link?.startsWith('/') ? { action: { text: 'Open', onClick: () => navigate(link) } } : {}),
    });
  });
  useOnReconnect(() => void client.invalidateQueries({ queryKey: NOTIFICATIONS_KEY }));
}
