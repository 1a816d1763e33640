/**
 * Freezes' and deployment windows' server state, the deploy form's preflight with the asker's choices, and the hook that
 * keeps them live from `deployments` (`freeze.changed`, `window.changed`). Time alone also moves them (a freeze starts,
 * a window opens): they are read again every minute.
 */
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { DeploymentPreflight, DeploymentPreflightResult } from '../../../../schemas/types.gen.ts';
import { useOnReconnect, useThrottledInvalidate, useTopics } from '../../lib/live-requests.ts';
import { useServices } from '../../lib/services-context.ts';
import { useRealtimeState } from '../../lib/store.ts';
import { PREFLIGHT_KEY } from './deployment-queries.ts';

export const FREEZES_KEY = ['deployments', 'freezes'] as const;
export const WINDOWS_KEY = ['deployments', 'windows'] as const;
export const FREEZE_CHANGED = 'freeze.changed';
export const WINDOW_CHANGED = 'window.changed';

/** Upcoming, active and recently ended freezes. */
export function useFreezes() {
  const { api } = useServices();
  return useQuery({ queryKey: FREEZES_KEY, queryFn: () => api.read('GET /api/v1/deployments/freezes'), refetchInterval: 60_000 });
}

/** Each environment's deployment window, and whether it is open now. */
export function useWindows(enabled = true) {
  const { api } = useServices();
  return useQuery({ queryKey: WINDOWS_KEY, queryFn: () => api.read('GET /api/v1/deployments/windows'), enabled, refetchInterval: 60_000 });
}

/** A preflight answer with what it answered (a kept answer may be for an earlier ask while the next is on its way). */
export interface PreflightAnswer extends DeploymentPreflightResult {
  readonly ask: DeploymentPreflight;
}

/**
 * The deploy form's preflight: like usePreflight, but the last answer stays while the next is asked (the form's
 * choices and their reason re-ask it; the controls under the checks must not vanish meanwhile). Under PREFLIGHT_KEY, so
 * a lock, freeze or window that changes reads it again.
 */
export function useChoicesPreflight(ask: DeploymentPreflight | null) {
  const { api } = useServices();
  return useQuery({
    queryKey: [...PREFLIGHT_KEY, 'with-choices', ask],
    queryFn: async (): Promise<PreflightAnswer> => ({ ...(await api.read('POST /api/v1/deployments/preflight', { body: ask! })), ask: ask! }),
    enabled: ask !== null,
    staleTime: 15_000,
    placeholderData: keepPreviousData,
  });
}

/** Whether `deployments` is live: the connection is open and the topic was not refused. */
function useDeploymentsLive(): boolean {
  const { realtime } = useServices();
  const connection = useRealtimeState((s) => s.state);
  const [refused, setRefused] = useState(false);
  useEffect(() => realtime.onError((e) => { if (e.topic === 'deployments') setRefused(true); }), [realtime]);
  return !refused && connection === 'open';
}

/** Freezes, windows and the safeguards' answers read again when a freeze or a window changes (and after a reconnect). */
export function useLiveSafeguards(): { live: boolean } {
  const client = useQueryClient();
  const invalidate = useThrottledInvalidate(400);
  useTopics(['deployments'], (frame) => {
    if (frame.event === FREEZE_CHANGED) {
      void client.invalidateQueries({ queryKey: FREEZES_KEY });
      void client.invalidateQueries({ queryKey: PREFLIGHT_KEY });
    } else if (frame.event === WINDOW_CHANGED) {
      void client.invalidateQueries({ queryKey: WINDOWS_KEY });
      void client.invalidateQueries({ queryKey: PREFLIGHT_KEY });
    }
  });
  useOnReconnect(() => { invalidate(FREEZES_KEY); invalidate(WINDOWS_KEY); invalidate(PREFLIGHT_KEY); });
  return { live: useDeploymentsLive() };
}
