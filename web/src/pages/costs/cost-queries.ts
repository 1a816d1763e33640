/** Costs' server state (TanStack Query): one hook per read, keyed under ['costs', …]. The figures change once a day. */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { CostRecommendationListQuery } from '../../../../schemas/types.gen.ts';
import { useServices } from '../../lib/services-context.ts';

export const COSTS_KEY = ['costs'] as const;
export const BUDGETS_KEY = ['costs', 'budgets'] as const;

// The ingest job runs daily: a read every few minutes is plenty, and every read is Apollo's own table, never Cost Explorer.
const STALE = 5 * 60_000;

export function useCostSummary(days = 90) {
  const { api } = useServices();
  return useQuery({
    queryKey: ['costs', 'summary', days],
    queryFn: () => api.read('GET /api/v1/costs/summary', { query: { days } }),
    staleTime: STALE,
    // Before the first ingest (a fresh runtime runs it as it starts): look again until it has.
    refetchInterval: (query) => (query.state.data?.lastIngest === null ? 10_000 : false),
  });
}

export function useCostForecast() {
  const { api } = useServices();
  return useQuery({ queryKey: ['costs', 'forecast'], queryFn: () => api.read('GET /api/v1/costs/forecast'), staleTime: STALE });
}

export function useCostAnomalies(filter: { service?: string | undefined; environment?: string | undefined } = {}) {
  const { api } = useServices();
  const query = Object.fromEntries(Object.entries(filter).filter(([, v]) => v)) as { service?: string; environment?: string };
  return useQuery({ queryKey: ['costs', 'anomalies', query], queryFn: () => api.read('GET /api/v1/costs/anomalies', { query }), staleTime: STALE });
}

export function useCostEnvironment(environment: string | undefined, month?: string) {
  const { api } = useServices();
  return useQuery({
    queryKey: ['costs', 'environment', environment, month ?? null],
    queryFn: () => api.read('GET /api/v1/costs/environments/{env}', { params: { env: environment! }, ...(month ? { query: { month } } : {}) }),
    enabled: environment !== undefined,
    staleTime: STALE,
    placeholderData: keepPreviousData,
  });
}

export function useCostService(service: string, environment: string | undefined, days = 90, enabled = true) {
  const { api } = useServices();
  const query = { days, ...(environment ? { environment } : {}) };
  return useQuery({
    queryKey: ['costs', 'service', service, query],
    queryFn: () => api.read('GET /api/v1/costs/services/{id}', { params: { id: service }, query }),
    enabled,
    staleTime: STALE,
    placeholderData: keepPreviousData,
  });
}

export function useBudgets() {
  const { api } = useServices();
  return useQuery({ queryKey: BUDGETS_KEY, queryFn: () => api.read('GET /api/v1/costs/budgets'), staleTime: 60_000 });
}

export function useCostRecommendations(query: CostRecommendationListQuery = {}) {
  const { api } = useServices();
  return useQuery({
    queryKey: ['costs', 'recommendations', query],
    queryFn: () => api.read('GET /api/v1/costs/recommendations', { query }),
    staleTime: STALE,
    placeholderData: keepPreviousData,
  });
}
