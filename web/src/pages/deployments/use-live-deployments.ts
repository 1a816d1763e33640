/**
 * The hooks that keep deployments live: a deployment's page from `deployment:<id>`, a history (the Deploy Center's, a
 * service page's) from `deployments`, and the locks and the safeguards' answers from its `lock.changed`. Frames sent
 * while the connection was down never arrive: what they keep current is read again when it comes back.
 */
import { useQueryClient, type InfiniteData } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { Deployment, DeploymentList } from '../../../../schemas/types.gen.ts';
import { useOnReconnect, useThrottledInvalidate, useTopics } from '../../lib/live-requests.ts';
import { useServices } from '../../lib/services-context.ts';
import { useRealtimeState } from '../../lib/store.ts';
import { deploymentKey, historyKey, LOCKS_KEY, PREFLIGHT_KEY, type HistoryFilters } from './deployment-queries.ts';
import { applyChange, asDeploymentChange, asLockChange, changesDetail, LOCK_CHANGED, upsertHistory, type DeploymentChange, type TimelineEntry } from './deployment-live.ts';
import { isEnded } from './deployment-rules.ts';

/** Whether a topic is live: the connection is open and the topic was not refused (a viewer without deployments:read). */
export function useTopicLive(topic: string | null): boolean {
  const { realtime } = useServices();
  const connection = useRealtimeState((s) => s.state);
  const [refused, setRefused] = useState(false);
  useEffect(() => {
    if (!topic) return undefined;
    return realtime.onError((e) => { if (e.topic === topic) setRefused(true); });
  }, [realtime, topic]);
  return topic !== null && !refused && connection === 'open';
}

/** A deployment's frames: the summary and rollout applied in place, its lines kept, the detail read again when it changed. */
export function useLiveDeployment(id: string): { change: DeploymentChange | null; entries: TimelineEntry[]; live: boolean } {
  const client = useQueryClient();
  const invalidate = useThrottledInvalidate(250);
  const [change, setChange] = useState<DeploymentChange | null>(null);
  const [entries, setEntries] = useState<TimelineEntry[]>([]);
  const topic = `deployment:${id}`;
  useTopics([topic], (frame) => {
    const next = asDeploymentChange(frame.data, id);
    if (!next) return;
    const before = client.getQueryData<Deployment>(deploymentKey(id));
    if (before) client.setQueryData<Deployment>(deploymentKey(id), applyChange(before, next));
    setChange((c) => (c && c.updatedAt > next.updatedAt ? c : next));
    const entry = next.entry;
    if (entry) setEntries((e) => [...e, entry]);
    if (changesDetail(before, next)) invalidate(deploymentKey(id));
    // It ended: the service's catalog entry (its tag, last deploy) changed with it.
    if (isEnded(next.status) && before && !isEnded(before.status)) invalidate(['services', 'one', next.service]);
  });
  useOnReconnect(() => invalidate(deploymentKey(id)));
  return { change, entries, live: useTopicLive(topic) };
}

/**
 * A history kept live from `deployments`: a summary is put in place (or on top when new and the filters take it); one
 * that ended also re-reads its service (a service page shows the new tag). `onChange` hears every frame that passes.
 */
export function useLiveHistory(filters: HistoryFilters, onChange?: (change: DeploymentChange) => void): { live: boolean } {
  const client = useQueryClient();
  const invalidate = useThrottledInvalidate(400);
  useTopics(['deployments'], (frame) => {
    const change = asDeploymentChange(frame.data);
    if (!change) return;
    if (filters.service && change.service !== filters.service) return;
    for (const [key, data] of client.getQueriesData<InfiniteData<DeploymentList, string | undefined>>({ queryKey: historyKey(filters) })) {
      const next = upsertHistory(data, change, filters);
      if (next !== data) client.setQueryData(key, next);
    }
    if (isEnded(change.status)) invalidate(['services', 'one', change.service]);
    onChange?.(change);
  });
  useOnReconnect(() => invalidate(['deployments', 'history']));
  return { live: useTopicLive('deployments') };
}

/**
 * The locks and the safeguards' answers kept current from `deployments`: a lock placed or lifted reads both again at
 * once; a deployment that moves reads the answers again (a deployment running there is a safeguard too).
 */
export function useLiveLocks(): { live: boolean } {
  const client = useQueryClient();
  const invalidate = useThrottledInvalidate(400);
  useTopics(['deployments'], (frame) => {
    if (frame.event === LOCK_CHANGED && asLockChange(frame.data)) {
      void client.invalidateQueries({ queryKey: LOCKS_KEY });
      void client.invalidateQueries({ queryKey: PREFLIGHT_KEY });
      return;
    }
    if (asDeploymentChange(frame.data)) invalidate(PREFLIGHT_KEY);
  });
  useOnReconnect(() => { invalidate(LOCKS_KEY); invalidate(PREFLIGHT_KEY); });
  return { live: useTopicLive('deployments') };
}
