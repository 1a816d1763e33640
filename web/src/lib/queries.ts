/** Server state (TanStack Query): one hook per read, keyed by path and query. */
import { keepPreviousData, useInfiniteQuery, useQueries, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import type { AuditQuery, CatalogListQuery, RequestListQuery, ServiceListQuery } from '../../../schemas/types.gen.ts';
import { useServices } from './services-context.ts';

export function useMe() {
  const { api } = useServices();
  return useQuery({ queryKey: ['me'], queryFn: () => api.read('GET /api/v1/me'), staleTime: 60_000 });
}

export function useHealth() {
  const { api } = useServices();
  return useQuery({ queryKey: ['health'], queryFn: () => api.read('GET /api/v1/health'), refetchInterval: 30_000 });
}

export function useVersion() {
  const { api } = useServices();
  return useQuery({ queryKey: ['version'], queryFn: () => api.read('GET /api/v1/version'), staleTime: Infinity });
}

export type AuditFilters = Pick<AuditQuery, 'actor' | 'action' | 'resourceType' | 'resourceId' | 'from' | 'to'>;

export const auditKey = (filters: AuditFilters) => ['audit', filters] as const;

export function useAudit(filters: AuditFilters) {
  const { api } = useServices();
  return useInfiniteQuery({
    queryKey: auditKey(filters),
    queryFn: ({ pageParam }) => api.read('GET /api/v1/audit', { query: { ...filters, limit: 50, cursor: pageParam } }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

export function useUsers() {
  const { api } = useServices();
  return useInfiniteQuery({
    queryKey: ['users'],
    queryFn: ({ pageParam }) => api.read('GET /api/v1/users', { query: { limit: 100, cursor: pageParam } }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

export function useTeams() {
  const { api } = useServices();
  return useInfiniteQuery({
    queryKey: ['teams'],
    queryFn: ({ pageParam }) => api.read('GET /api/v1/teams', { query: { limit: 100, cursor: pageParam } }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

export function useMembers(teamId: string | null) {
  const { api } = useServices();
  return useInfiniteQuery({
    queryKey: ['teams', teamId, 'members'],
    queryFn: ({ pageParam }) => api.read('GET /api/v1/teams/{id}/members', { params: { id: teamId! }, query: { limit: 100, cursor: pageParam } }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: teamId !== null,
  });
}

/** The catalog list's filters, search and sort: what the URL holds (`/catalog?team=platform&q=core`). */
export type CatalogFilters = Pick<ServiceListQuery, 'q' | 'team' | 'tier' | 'language' | 'health' | 'environment' | 'cluster' | 'sort' | 'order' | 'includeDeregistered'>;

export const servicesKey = (filters: CatalogFilters) => ['services', 'list', filters] as const;

export function useServiceList(filters: CatalogFilters) {
  const { api } = useServices();
  return useInfiniteQuery({
    queryKey: servicesKey(filters),
    queryFn: ({ pageParam }) => api.read('GET /api/v1/services', { query: { ...filters, limit: 50, cursor: pageParam } }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    // Typing in the search box: keep showing the last answer until the next one arrives.
    placeholderData: keepPreviousData,
  });
}

export function useService(id: string) {
  const { api } = useServices();
  return useQuery({ queryKey: ['services', 'one', id], queryFn: () => api.read('GET /api/v1/services/{id}', { params: { id } }) });
}

/** Health with 24 h of samples per environment; refreshed every 30 s unless live frames keep it current. */
export function useServiceHealth(id: string, refetchInterval: number | false) {
  const { api } = useServices();
  return useQuery({ queryKey: ['services', 'one', id, 'health'], queryFn: () => api.read('GET /api/v1/services/{id}/health', { params: { id } }), refetchInterval });
}

export function useDependencyGraph(id: string) {
  const { api } = useServices();
  return useQuery({ queryKey: ['services', 'one', id, 'dependencies'], queryFn: () => api.read('GET /api/v1/services/{id}/dependencies', { params: { id } }) });
}

/** The self-service catalog's filters (category, owner, tag, lifecycle), as GET /api/v1/catalog takes them. */
export type OfferingFilters = Pick<CatalogListQuery, 'category' | 'owner' | 'tag' | 'lifecycle'>;

/** Offerings the caller may see, by category then name; 200 a page. */
export function useOfferingList(filters: OfferingFilters) {
  const { api } = useServices();
  return useInfiniteQuery({
    queryKey: ['offerings', 'list', filters],
    queryFn: ({ pageParam }) => api.read('GET /api/v1/catalog', { query: { ...filters, limit: 200, cursor: pageParam } }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

/** Ranked, typo-tolerant search with highlighted matches; off while the query is empty. */
export function useOfferingSearch(q: string, filters: OfferingFilters) {
  const { api } = useServices();
  return useQuery({
    queryKey: ['offerings', 'search', q, filters],
    queryFn: () => api.read('GET /api/v1/catalog/search', { query: { q, ...filters, limit: 50 } }),
    enabled: q.length > 0,
    placeholderData: keepPreviousData,
  });
}

export function useOffering(id: string) {
  const { api } = useServices();
  return useQuery({ queryKey: ['offerings', 'one', id], queryFn: () => api.read('GET /api/v1/catalog/items/{item_id}', { params: { item_id: id } }) });
}

/**
 * The form labels of the given offerings (offering id → field id → label), read from their documents (the same query
 * as useOffering), so a request's or an approval's fields read as the form asked them. Empty until read.
 */
export function useFieldLabels(offeringIds: readonly string[]): ReadonlyMap<string, ReadonlyMap<string, string>> {
  const { api } = useServices();
  const ids = [...new Set(offeringIds)].sort();
  const docs = useQueries({
    queries: ids.map((id) => ({
      queryKey: ['offerings', 'one', id],
      queryFn: () => api.read('GET /api/v1/catalog/items/{item_id}', { params: { item_id: id } }),
      staleTime: 5 * 60_000,
      // An offering one may no longer see (or one retired) only costs its labels.
      retry: false,
    })),
  });
  const key = docs.map((d) => d.dataUpdatedAt).join();
  return useMemo(() => new Map(ids.map((id, i) => {
    const doc = docs[i]?.data?.document as { presentation?: { fields?: Array<{ id: string; label: string }> } } | undefined;
    return [id, new Map((doc?.presentation?.fields ?? []).map((f) => [f.id, f.label]))] as const;
  })), [ids.join(), key]);
}

/** A request list's query (scope, team, status, offering), as GET /api/v1/requests takes it. */
export type RequestListParams = Pick<RequestListQuery, 'scope' | 'team' | 'status' | 'offering'>;

export const requestListKey = (params: RequestListParams) => ['requests', 'list', params] as const;

/** Requests, newest first, 25 a page; read again every 15 s in case a live frame was missed. */
export function useRequestList(params: RequestListParams) {
  const { api } = useServices();
  return useInfiniteQuery({
    queryKey: requestListKey(params),
    queryFn: ({ pageParam }) => api.read('GET /api/v1/requests', { query: { ...params, limit: 25, cursor: pageParam } }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
    refetchInterval: 15_000,
  });
}

export const requestKey = (id: string) => ['requests', 'one', id] as const;

export function useRequest(id: string) {
  const { api } = useServices();
  return useQuery({ queryKey: requestKey(id), queryFn: () => api.read('GET /api/v1/requests/{id}', { params: { id } }) });
}

export const PENDING_APPROVALS_KEY = ['approvals', 'pending'] as const;

/** Approvals waiting, those the caller may decide first; the inbox and the navigation's badge share it. */
export function usePendingApprovals(enabled: boolean) {
  const { api } = useServices();
  return useInfiniteQuery({
    queryKey: PENDING_APPROVALS_KEY,
    queryFn: ({ pageParam }) => api.read('GET /api/v1/approvals/pending', { query: { limit: 50, cursor: pageParam } }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled,
    // The realtime topic keeps it current; this is the fallback when a frame was missed.
    refetchInterval: 60_000,
  });
}

export const NOTIFICATIONS_KEY = ['notifications'] as const;

/** The newest 20 notifications and the unread count (the header's bell). */
export function useNotifications() {
  const { api } = useServices();
  return useQuery({ queryKey: NOTIFICATIONS_KEY, queryFn: () => api.read('GET /api/v1/me/notifications', { query: { limit: 20 } }), refetchInterval: 60_000 });
}
