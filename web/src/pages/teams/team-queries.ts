import { useQueries, useQuery } from '@tanstack/react-query';
import { useServices } from '../../lib/services-context.ts';

export const teamKey = (id: string) => ['teams', id] as const;
export const quotaUsageKey = (id: string) => ['quota', 'usage', id] as const;

export function useTeam(id: string) {
  const { api } = useServices();
  return useQuery({ queryKey: teamKey(id), queryFn: () => api.read('GET /api/v1/teams/{id}', { params: { id } }) });
}

export function useQuotaUsage(id: string) {
  const { api } = useServices();
  return useQuery({ queryKey: quotaUsageKey(id), queryFn: () => api.read('GET /api/v1/quota/usage/{id}', { params: { id } }) });
}

/** Several teams' quotas at once (an offering's page says what is left for each of the caller's teams). */
export function useQuotaUsages(ids: readonly string[]) {
  const { api } = useServices();
  return useQueries({ queries: ids.map((id) => ({ queryKey: quotaUsageKey(id), queryFn: () => api.read('GET /api/v1/quota/usage/{id}', { params: { id } }) })) });
}
