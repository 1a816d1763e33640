/** The catalog list's state lives in the URL (`/catalog?q=core&tier=critical`): shareable, kept on reload. */
import type { CatalogFilters } from '../../lib/queries.ts';

const TEXT_KEYS = ['q', 'team', 'language', 'environment', 'cluster'] as const;
const TIERS = ['critical', 'standard', 'experimental'] as const;
const HEALTH = ['healthy', 'degraded', 'down', 'unknown'] as const;
const SORTS = ['name', 'lastDeployedAt'] as const;
const ORDERS = ['asc', 'desc'] as const;

const oneOf = <T extends string>(values: readonly T[], value: string | null): T | undefined =>
  value !== null && (values as readonly string[]).includes(value) ? (value as T) : undefined;

export function catalogFiltersFromSearch(search: string): CatalogFilters {
  const params = new URLSearchParams(search);
  const f: CatalogFilters = {};
  for (const key of TEXT_KEYS) {
    const value = params.get(key)?.trim();
    if (value) f[key] = value;
  }
  const tier = oneOf(TIERS, params.get('tier'));
  if (tier) f.tier = tier;
  const health = oneOf(HEALTH, params.get('health'));
  if (health) f.health = health;
  const sort = oneOf(SORTS, params.get('sort'));
  if (sort) f.sort = sort;
  const order = oneOf(ORDERS, params.get('order'));
  if (order) f.order = order;
  if (params.get('includeDeregistered') === 'true') f.includeDeregistered = true;
  return f;
}

const ORDERED_KEYS = ['q', 'team', 'tier', 'language', 'health', 'environment', 'cluster', 'sort', 'order', 'includeDeregistered'] as const;

export function searchFromCatalogFilters(f: CatalogFilters): string {
  const params = new URLSearchParams();
  for (const key of ORDERED_KEYS) {
    const value = f[key];
    if (value !== undefined && value !== '' && value !== false) params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

export const activeFilterCount = (f: CatalogFilters): number =>
  (['team', 'tier', 'language', 'health', 'environment', 'cluster'] as const).filter((k) => f[k]).length + (f.includeDeregistered ? 1 : 0);
