/** The request analytics' reads: a team's (teams:read; its request list for its members and operators) and the platform's (stats:read, audit:read). */
import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type { RequestAuditQuery, TeamRequestsQuery } from '../../../../schemas/types.gen.ts';
import { useServices } from '../../lib/services-context.ts';

/** Aggregates move slowly: a minute before reading them again. */
const STALE = 60_000;

export function useTeamAnalytics(id: string, days: number) {
  const { api } = useServices();
  return useQuery({
    queryKey: ['teams', id, 'analytics', days],
    queryFn: () => api.read('GET /api/v1/teams/{id}/analytics', { params: { id }, query: { days } }),
    staleTime: STALE,
    placeholderData: keepPreviousData,
  });
}

export function useTeamUsage(id: string, days: number) {
  const { api } = useServices();
  return useQuery({
    queryKey: ['teams', id, 'usage', days],
    queryFn: () => api.read('GET /api/v1/teams/{id}/usage', { params: { id }, query: { days } }),
    staleTime: STALE,
    placeholderData: keepPreviousData,
  });
}

export function useTeamCatalog(id: string, days: number) {
  const { api } = useServices();
  return useQuery({
    queryKey: ['teams', id, 'catalog', days],
    queryFn: () => api.read('GET /api/v1/teams/{id}/catalog', { params: { id }, query: { days } }),
    staleTime: STALE,
    placeholderData: keepPreviousData,
  });
}

export type TeamHistoryFilters = Pick<TeamRequestsQuery, 'status' | 'offering'>;

/** The team's requests over the window, newest first, 25 a page, with the summary and failure patterns on each page. */
export function useTeamRequests(id: string, days: number, filters: TeamHistoryFilters) {
  const { api } = useServices();
  return useInfiniteQuery({
    queryKey: ['teams', id, 'requests', days, filters],
    queryFn: ({ pageParam }) => api.read('GET /api/v1/teams/{id}/requests', { params: { id }, query: { days, ...filters, limit: 25, cursor: pageParam } }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
    staleTime: STALE,
  });
}

export function useUsageStats(days: number) {
  const { api } = useServices();
  return useQuery({ queryKey: ['stats', 'usage', days], queryFn: () => api.read('GET /api/v1/stats/usage', { query: { days } }), staleTime: STALE, placeholderData: keepPreviousData });
}

export function usePerformanceStats(days: number) {
  const { api } = useServices();
  return useQuery({ queryKey: ['stats', 'performance', days], queryFn: () => api.read('GET /api/v1/stats/performance', { query: { days } }), staleTime: STALE, placeholderData: keepPreviousData });
}

export type RequestAuditFilters = Pick<RequestAuditQuery, 'from' | 'to' | 'actor' | 'requestId' | 'action' | 'outcome'>;

export function useRequestAudit(filters: RequestAuditFilters, enabled: boolean) {
  const { api } = useServices();
  return useInfiniteQuery({
    queryKey: ['audit', 'requests', filters],
    queryFn: ({ pageParam }) => api.read('GET /api/v1/audit/requests', { query: { ...filters, limit: 50, cursor: pageParam } }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
    enabled,
  });
}
