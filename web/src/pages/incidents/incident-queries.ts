/** Incidents' server state (TanStack Query): one hook per read, keyed under ['incidents', …]. */
import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useServices } from '../../lib/services-context.ts';
import type { IncidentFilters } from './incident-rules.ts';

export const INCIDENTS_KEY = ['incidents'] as const;
export const incidentListKey = (filters: IncidentFilters) => ['incidents', 'list', filters] as const;
export const incidentKey = (id: string) => ['incidents', 'one', id] as const;
export const timelineKey = (id: string) => ['incidents', 'one', id, 'timeline'] as const;
export const runbookKey = (id: string) => ['incidents', 'one', id, 'runbook'] as const;
export const postmortemKey = (id: string) => ['incidents', 'one', id, 'postmortem'] as const;
export const STATS_KEY = ['incidents', 'stats'] as const;

/** Incidents newest first, `limit` a page ("Load more" follows the cursor); read again every 30 s in case a frame was missed. */
export function useIncidentList(filters: IncidentFilters, limit = 25) {
  const { api } = useServices();
  return useInfiniteQuery({
    queryKey: [...incidentListKey(filters), limit],
    queryFn: ({ pageParam }) => api.read('GET /api/v1/incidents', { query: { ...filters, limit, ...(pageParam ? { cursor: pageParam } : {}) } }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
    refetchInterval: 30_000,
  });
}

export function useIncident(id: string) {
  const { api } = useServices();
  return useQuery({ queryKey: incidentKey(id), queryFn: () => api.read('GET /api/v1/incidents/{id}', { params: { id } }) });
}

export function useIncidentTimeline(id: string) {
  const { api } = useServices();
  return useQuery({ queryKey: timelineKey(id), queryFn: () => api.read('GET /api/v1/incidents/{id}/timeline', { params: { id } }) });
}

export function useIncidentRunbook(id: string) {
  const { api } = useServices();
  return useQuery({ queryKey: runbookKey(id), queryFn: () => api.read('GET /api/v1/incidents/{id}/runbook', { params: { id } }), staleTime: 5 * 60_000 });
}

/** The postmortem, null until one is drafted (its 404). */
export function usePostmortem(id: string, enabled: boolean) {
  const { api } = useServices();
  return useQuery({
    queryKey: postmortemKey(id),
    queryFn: async () => {
      try {
        return await api.read('GET /api/v1/incidents/{id}/postmortem', { params: { id } });
      } catch (error) {
        if ((error as { status?: number }).status === 404) return null;
        throw error;
      }
    },
    enabled,
  });
}

/** MTTA and MTTR over the last 90 days (the API's default), optionally one service's or team's. */
export function useIncidentStats(filters: { service?: string | undefined; team?: string | undefined }) {
  const { api } = useServices();
  const query = { ...(filters.service ? { service: filters.service } : {}), ...(filters.team ? { team: filters.team } : {}) };
  return useQuery({
    queryKey: [...STATS_KEY, query],
    queryFn: () => api.read('GET /api/v1/incidents/stats', { query }),
    placeholderData: keepPreviousData,
    staleTime: 60_000,
  });
}

/** A service's open incidents (its page's callout). */
export function useOpenIncidentsOf(service: string, enabled: boolean) {
  const { api } = useServices();
  return useQuery({
    queryKey: [...incidentListKey({ service, status: 'open' }), 'callout'],
    queryFn: () => api.read('GET /api/v1/incidents', { query: { service, status: 'open', limit: 20 } }),
    enabled,
    refetchInterval: 60_000,
  });
}
