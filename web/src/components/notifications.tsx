/**
 * The header's bell: the unread count, live from `notifications:<principal>`, and a popover listing the newest
 * notifications (an approval waiting for you, your request done or failed, your approval decided). A click opens
 * what it is about and marks it read; "Mark all read" clears the count.
 */
import { Button, Classes, Icon, NonIdealState, PopoverNext, Spinner, type IconName, type Intent } from '@blueprintjs/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { Notification, NotificationList } from '../../../schemas/types.gen.ts';
import { formatAgo, formatTime } from '../lib/format.ts';
import { useLiveNotifications } from '../lib/live-requests.ts';
import { markRead } from '../lib/notification-list.ts';
import { NOTIFICATIONS_KEY, useMe, useNotifications } from '../lib/queries.ts';
import { navigate } from '../lib/router.tsx';
import { useServices } from '../lib/services-context.ts';
import { toast } from '../lib/toaster.ts';
import { ErrorState } from './error-state.tsx';

const KIND: Record<Notification['kind'], { icon: IconName; intent: Intent }> = {
  'approval.waiting': { icon: 'endorsed', intent: 'warning' },
  'approval.decided': { icon: 'take-action', intent: 'primary' },
  'approval.escalated': { icon: 'time', intent: 'danger' },
  'request.completed': { icon: 'tick-circle', intent: 'success' },
  'request.failed': { icon: 'error', intent: 'danger' },
  'deployment.succeeded': { icon: 'rocket-slant', intent: 'success' },
  'deployment.failed': { icon: 'error', intent: 'danger' },
  'secret.due': { icon: 'key', intent: 'warning' },
  'secret.rotated': { icon: 'refresh', intent: 'primary' },
  'cost.budget': { icon: 'dollar', intent: 'warning' },
  'cost.anomaly': { icon: 'trending-up', intent: 'warning' },
  'quota.changed': { icon: 'settings', intent: 'primary' },
  'quota.alert': { icon: 'dashboard', intent: 'warning' },
};

export function NotificationsBell() {
  const { api } = useServices();
  const client = useQueryClient();
  const me = useMe();
  const notifications = useNotifications();
  const [open, setOpen] = useState(false);
  useLiveNotifications(me.data?.principal);

  const read = useMutation({
    mutationFn: (ids: readonly string[] | 'all') => api.read('POST /api/v1/me/notifications/read', { body: ids === 'all' ? { all: true } : { ids: ids as [string, ...string[]] } }),
    onMutate: (ids) => client.setQueryData<NotificationList>(NOTIFICATIONS_KEY, (list) => markRead(list, ids)),
    onSuccess: (result, ids) => client.setQueryData<NotificationList>(NOTIFICATIONS_KEY, (list) => markRead(list, ids, result.unread)),
    onError: (error) => {
      toast({ intent: 'danger', icon: 'error', message: `Could not mark read: ${(error as Error).message}` });
      void client.invalidateQueries({ queryKey: NOTIFICATIONS_KEY });
    },
  });

  const unread = notifications.data?.unread ?? 0;
  const items = notifications.data?.items ?? [];
  const openOne = (n: Notification) => {
    setOpen(false);
    if (!n.read) read.mutate([n.id]);
    if (n.link?.startsWith('/')) navigate(n.link);
  };

  const content = (
    <div className="apollo-notifications" data-testid="notifications">
      <div className="apollo-notifications-head">
        <strong>Notifications</strong>
        <Button variant="minimal" size="small" icon="tick" text="Mark all read" disabled={unread === 0} onClick={() => read.mutate('all')} data-testid="notifications-read-all" />
      </div>
      {notifications.isPending && <div className="apollo-center"><Spinner size={20} /></div>}
      {notifications.isError && <div className="apollo-notifications-error"><ErrorState compact error={notifications.error} onRetry={() => void notifications.refetch()} /></div>}
      {notifications.data && items.length === 0 && <NonIdealState icon="notifications" title="Nothing new" description="Approvals waiting for you and your requests' outcomes show here." className="apollo-empty" />}
      {items.length > 0 && (
        <ul className="apollo-notification-list">
          {items.map((n) => (
            <li key={n.id}>
              <button type="button" className={`apollo-notification${n.read ? '' : ' apollo-notification-unread'}`} onClick={() => openOne(n)}
                data-testid="notification" data-id={n.id} data-kind={n.kind} data-read={n.read}>
                <Icon icon={KIND[n.kind]?.icon ?? 'notifications'} intent={KIND[n.kind]?.intent ?? 'none'} />
                <span className="apollo-notification-text">
                  <span className="apollo-notification-title">{n.title}</span>
                  {n.body && <span className={`${Classes.TEXT_MUTED} apollo-small`}>{n.body}</span>}
                  <span className={`${Classes.TEXT_MUTED} apollo-small`} title={formatTime(n.createdAt)}>{formatAgo(n.createdAt)}</span>
                </span>
                {!n.read && <span className="apollo-dot apollo-notification-dot" aria-label="unread" />}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );

  return (
    <PopoverNext content={content} placement="bottom-end" isOpen={open} onInteraction={setOpen}>
      <Button variant="minimal" icon="notifications" aria-label={unread ? `Notifications, ${unread} unread` : 'Notifications'} title={unread ? `${unread} unread` : 'Notifications'}
        className="apollo-bell" data-testid="notifications-bell" data-unread={unread}>
        {unread > 0 && <span className="apollo-count-badge" data-testid="notifications-unread">{unread > 99 ? '99+' : unread}</span>}
      </Button>
    </PopoverNext>
  );
}
