/** Secrets' server state (TanStack Query): one hook per read, keyed under ['secrets', …]. Values never enter it. */
import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type { Secret } from '../../../../schemas/types.gen.ts';
import { useServices } from '../../lib/services-context.ts';
import { addressKey, withoutMasked, type SecretAddress, type SecretFilters } from './secret-rules.ts';

export const SECRETS_KEY = ['secrets'] as const;
export const secretListKey = (filters: SecretFilters) => ['secrets', 'list', filters] as const;
export const secretKey = (a: SecretAddress) => ['secrets', 'one', addressKey(a)] as const;
export const historyKey = (a: SecretAddress) => ['secrets', 'one', addressKey(a), 'history'] as const;
export const expiringKey = (query: Record<string, unknown>) => ['secrets', 'expiring', query] as const;
export const secretAuditKey = (query: Record<string, unknown>) => ['secrets', 'audit', query] as const;

/** Secrets' metadata, `limit` a page ("Load more" follows the cursor). */
export function useSecretList(filters: SecretFilters, limit = 100) {
  const { api } = useServices();
  return useInfiniteQuery({
    queryKey: [...secretListKey(filters), limit],
    queryFn: ({ pageParam }) => api.read('GET /api/v1/secrets', { query: { ...filters, limit, ...(pageParam ? { cursor: pageParam } : {}) } }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
    refetchInterval: 60_000,
  });
}

/**
 * One secret's metadata, from the list of its service in its environment: a metadata read, never the masked value (that
 * is GET …/{secret}?reveal=true, a read audited as one, made only when an admin asks for it with "Reveal last 4"). When
 * the list does not have it, GET …/{secret} (without reveal: the value untouched) answers it, or says why: 404, or a 403
 * for a service that is not the caller's team's.
 */
export function useSecret(address: SecretAddress) {
  const { api } = useServices();
  return useQuery({
    queryKey: secretKey(address),
    queryFn: async (): Promise<Omit<Secret, 'masked'>> => {
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const answer = await api.read('GET /api/v1/secrets', { query: { environment: address.environment, service: address.service, limit: 200, ...(cursor ? { cursor } : {}) } });
        const found = answer.items.find((s) => s.name === address.name);
        if (found) return withoutMasked(found);
        if (!answer.nextCursor) break;
        cursor = answer.nextCursor;
      }
      const one = await api.read('GET /api/v1/secrets/{env}/{service}/{secret}', { params: { env: address.environment, service: address.service, secret: address.name } });
      return withoutMasked(one);
    },
  });
}

export function useSecretHistory(address: SecretAddress, enabled = true) {
  const { api } = useServices();
  return useQuery({
    queryKey: historyKey(address),
    queryFn: () => api.read('GET /api/v1/secrets/{env}/{service}/{secret}/history', { params: { env: address.environment, service: address.service, secret: address.name } }),
    enabled,
  });
}

export function useSecretsExpiring(query: { environment?: string | undefined; withinDays: number; days: number }) {
  const { api } = useServices();
  const sent = { withinDays: query.withinDays, days: query.days, ...(query.environment ? { environment: query.environment } : {}) };
  return useQuery({
    queryKey: expiringKey(sent),
    queryFn: () => api.read('GET /api/v1/secrets/expiring', { query: sent }),
    placeholderData: keepPreviousData,
    refetchInterval: 5 * 60_000,
  });
}

/** Reads and changes of secrets (audit:read), newest first; one secret's when its address is given. */
export function useSecretAudit(filter: { environment?: string | undefined; service?: string | undefined; name?: string | undefined }, enabled = true) {
  const { api } = useServices();
  const query = Object.fromEntries(Object.entries(filter).filter(([, v]) => v)) as Record<string, string>;
  return useInfiniteQuery({
    queryKey: secretAuditKey(query),
    queryFn: ({ pageParam }) => api.read('GET /api/v1/secrets/audit', { query: { ...query, limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled,
  });
}
