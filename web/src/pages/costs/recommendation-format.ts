/**
 * The Recommendations tab's words and shapes, kept free of React: each kind and source as people read them, the
 * filters as the URL carries them (`/costs?tab=recommendations&kind=storage&environment=prod&service=core&minSaving=10`),
 * the query the API takes from them, and the list narrowed by the service search and sorted by saving.
 */
import type { CostRecommendation, CostRecommendationListQuery } from '../../../../schemas/types.gen.ts';

export type RecommendationKind = CostRecommendation['kind'];

/** The API's kinds, in the order the tab lists them. */
export const RECOMMENDATION_KINDS: readonly RecommendationKind[] = ['rightsizing', 'idle-non-prod', 'spot', 'reserved-capacity', 'savings-plans', 'storage'];

const KIND_LABELS: Record<RecommendationKind, string> = {
  'rightsizing': 'Right-sizing',
  'idle-non-prod': 'Idle non-production',
  'spot': 'Spot',
  'reserved-capacity': 'Reserved capacity',
  'savings-plans': 'Savings Plans',
  'storage': 'Idle storage',
};

/** A kind as a tag says it; an unknown one (a newer API) as it is. */
export const kindLabel = (kind: string): string => KIND_LABELS[kind as RecommendationKind] ?? kind;

const SOURCE_LABELS: Record<CostRecommendation['source'], { label: string; title: string }> = {
  'apollo': { label: 'Apollo', title: "Apollo's rules over the ingested costs" },
  'cost-explorer': { label: 'Cost Explorer', title: "Cost Explorer's own recommendation" },
  'opencost': { label: 'OpenCost', title: "The cluster's allocation: requested against used" },
};

/** Who found it, as a tag says it. */
export const sourceLabel = (source: string): { label: string; title: string } =>
  SOURCE_LABELS[source as CostRecommendation['source']] ?? { label: source, title: source };

/** The tab's filters; absent means every one. */
export interface RecommendationFilters {
  readonly kind?: RecommendationKind;
  readonly environment?: string;
  /** A part of the service's id, matched as typed (lower case). */
  readonly service?: string;
  /** USD a month, at least. */
  readonly minSaving?: number;
}

const SLUG = /^[a-z][a-z0-9-]{0,31}$/;

/** The filters from the URL; anything malformed is dropped rather than sent. */
export function recommendationFiltersFromSearch(search: string): RecommendationFilters {
  const params = new URLSearchParams(search);
  const kind = params.get('kind') ?? '';
  const environment = params.get('environment')?.trim() ?? '';
  const service = params.get('service')?.trim().toLowerCase().slice(0, 64) ?? '';
  const minSaving = Number(params.get('minSaving') ?? '');
  return {
    ...((RECOMMENDATION_KINDS as readonly string[]).includes(kind) ? { kind: kind as RecommendationKind } : {}),
    ...(SLUG.test(environment) ? { environment } : {}),
    ...(service ? { service } : {}),
    ...(params.get('minSaving') && Number.isFinite(minSaving) && minSaving > 0 ? { minSaving } : {}),
  };
}

/** `?tab=recommendations` and the filters that are set. */
export function recommendationSearchOf(filters: RecommendationFilters): string {
  const params = new URLSearchParams({ tab: 'recommendations' });
  if (filters.kind) params.set('kind', filters.kind);
  if (filters.environment) params.set('environment', filters.environment);
  if (filters.service) params.set('service', filters.service);
  if (filters.minSaving !== undefined && filters.minSaving > 0) params.set('minSaving', String(filters.minSaving));
  return `?${params.toString()}`;
}

/** What the API filters itself: the service search is a part of an id, which the API's exact `service` cannot match. */
export function recommendationQuery(filters: RecommendationFilters): CostRecommendationListQuery {
  return {
    ...(filters.kind ? { kind: filters.kind } : {}),
    ...(filters.environment ? { environment: filters.environment } : {}),
    ...(filters.minSaving !== undefined ? { minSaving: filters.minSaving } : {}),
  };
}

/** The items the service search leaves (one without a service is left out once a search is typed), largest saving first. */
export function narrowRecommendations(items: readonly CostRecommendation[], service: string | undefined): CostRecommendation[] {
  const needle = service?.trim().toLowerCase();
  return items
    .filter((i) => !needle || (i.service ?? '').toLowerCase().includes(needle))
    .sort((a, b) => b.monthlySaving - a.monthlySaving || a.title.localeCompare(b.title));
}

/** The monthly saving by kind, largest first, each with its share of the largest (for a bar's width). */
export function savingsByKind(byKind: Readonly<Record<string, number>>): Array<{ kind: string; saving: number; share: number }> {
  const entries = Object.entries(byKind).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const max = entries[0]?.[1] ?? 0;
  return entries.map(([kind, saving]) => ({ kind, saving, share: max > 0 ? saving / max : 0 }));
}

/** The sum of the items' savings, to the cent. */
export const totalSaving = (items: readonly Pick<CostRecommendation, 'monthlySaving'>[]): number =>
  Math.round(items.reduce((s, i) => s + i.monthlySaving, 0) * 100) / 100;

/** The confidence as a tag's intent: high needs no caveat, low does. */
export const confidenceIntent = (confidence: CostRecommendation['confidence']): 'success' | 'none' | 'warning' =>
  confidence === 'high' ? 'success' : confidence === 'low' ? 'warning' : 'none';
