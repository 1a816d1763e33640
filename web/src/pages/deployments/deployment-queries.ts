/** Deployments' server state (TanStack Query): one hook per read, keyed under ['deployments', …]. */
import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type { DeploymentHistoryQuery, DeploymentPreflight } from '../../../../schemas/types.gen.ts';
import { useServices } from '../../lib/services-context.ts';

export const DEPLOYMENTS_KEY = ['deployments'] as const;

export const deploymentKey = (id: string) => ['deployments', 'one', id] as const;

export function useDeployment(id: string) {
  const { api } = useServices();
  return useQuery({ queryKey: deploymentKey(id), queryFn: () => api.read('GET /api/v1/deployments/{id}', { params: { id } }) });
}

/** The history's filters, as GET /api/v1/deployments/history takes them (the URL holds them). */
export type HistoryFilters = Pick<DeploymentHistoryQuery, 'service' | 'environment' | 'status' | 'operation' | 'initiatedBy' | 'from' | 'to'>;

export const historyKey = (filters: HistoryFilters) => ['deployments', 'history', filters] as const;

/** Deployments newest first, `limit` a page ("Load more" follows the cursor); read again every 30 s in case a frame was missed. */
export function useDeploymentHistory(filters: HistoryFilters, limit = 25) {
  const { api } = useServices();
  return useInfiniteQuery({
    queryKey: [...historyKey(filters), limit],
    queryFn: ({ pageParam }) => api.read('GET /api/v1/deployments/history', { query: { ...filters, limit, cursor: pageParam } }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
    refetchInterval: 30_000,
  });
}

export const versionsKey = (service: string, environment: string) => ['deployments', 'versions', service, environment] as const;

/** What an environment can be deployed to: its GitOps history and what the other environments run. */
export function useDeploymentVersions(service: string, environment: string) {
  const { api } = useServices();
  return useQuery({
    queryKey: versionsKey(service, environment),
    queryFn: () => api.read('GET /api/v1/deployments/versions', { query: { service, environment, limit: 30 } }),
    enabled: service !== '' && environment !== '',
  });
}

/** The catalog's services by name for a picker: up to 1,000 (five pages of 200), deregistered ones left out. */
export function useServiceChoices() {
  const { api } = useServices();
  return useQuery({
    queryKey: ['services', 'choices'],
    queryFn: async () => {
      const items: Array<{ id: string; displayName: string; environments: Array<{ name: string; imageTag?: string }> }> = [];
      let cursor: string | undefined;
      for (let page = 0; page < 5; page++) {
        const answer = await api.read('GET /api/v1/services', { query: { sort: 'name', limit: 200, ...(cursor ? { cursor } : {}) } });
        items.push(...answer.items.filter((s) => !s.deregisteredAt));
        if (!answer.nextCursor) break;
        cursor = answer.nextCursor;
      }
      return items;
    },
    staleTime: 60_000,
  });
}

/** A service with its environments (the catalog page's query, so both stay in step); off until one is picked. */
export function useServiceDetail(id: string) {
  const { api } = useServices();
  return useQuery({ queryKey: ['services', 'one', id], queryFn: () => api.read('GET /api/v1/services/{id}', { params: { id } }), enabled: id !== '' });
}

export const LOCKS_KEY = ['deployments', 'locks'] as const;

/** The environment locks in force, everywhere (few); `lock.changed` frames read them again (useLiveLocks). */
export function useLocks(enabled = true) {
  const { api } = useServices();
  return useQuery({ queryKey: LOCKS_KEY, queryFn: () => api.read('GET /api/v1/deployments/locks'), enabled, refetchInterval: 60_000 });
}

export const PREFLIGHT_KEY = ['deployments', 'preflight'] as const;

/**
 * What the safeguards say of a deployment before it is asked for; off until the form names a service and an
 * environment. A lock or a deployment that changes there reads it again (useLiveLocks).
 */
export function usePreflight(ask: DeploymentPreflight | null) {
  const { api } = useServices();
  return useQuery({
    queryKey: [...PREFLIGHT_KEY, ask],
    queryFn: () => api.read('POST /api/v1/deployments/preflight', { body: ask! }),
    enabled: ask !== null,
    staleTime: 15_000,
  });
}
