import { describe, expect, it } from 'vitest';
import type { CostRecommendation } from '../../../../schemas/types.gen.ts';
import {
  confidenceIntent, kindLabel, narrowRecommendations, recommendationFiltersFromSearch, recommendationQuery, recommendationSearchOf, savingsByKind, sourceLabel, totalSaving,
} from './recommendation-format.ts';

const rec = (over: Partial<CostRecommendation>): CostRecommendation => ({
  id: 'storage:vol-1', kind: 'storage', source: 'apollo', title: 'Delete vol-1', detail: 'Attached to nothing.', action: 'aws ec2 delete-volume --volume-id vol-1',
  service: 'core-service', environment: 'prod', resourceId: 'vol-1', currentMonthlyCost: 8, monthlySaving: 8, confidence: 'high', ...over,
});

describe('recommendation filters in the URL', () => {
  it('reads what is well formed and drops the rest', () => {
    expect(recommendationFiltersFromSearch('?tab=recommendations')).toEqual({});
    expect(recommendationFiltersFromSearch('?tab=recommendations&kind=storage&environment=prod&service=Core&minSaving=50'))
      .toEqual({ kind: 'storage', environment: 'prod', service: 'core', minSaving: 50 });
    expect(recommendationFiltersFromSearch('?kind=nope&environment=Bad!&minSaving=abc&service=')).toEqual({});
    expect(recommendationFiltersFromSearch('?minSaving=-5')).toEqual({});
  });

  it('writes them back, and reads what it wrote', () => {
    expect(recommendationSearchOf({})).toBe('?tab=recommendations');
    const filters = { kind: 'spot', environment: 'dev', service: 'web', minSaving: 10 } as const;
    expect(recommendationSearchOf(filters)).toBe('?tab=recommendations&kind=spot&environment=dev&service=web&minSaving=10');
    expect(recommendationFiltersFromSearch(recommendationSearchOf(filters))).toEqual(filters);
  });

  it('sends the API only what it filters exactly: not the service search', () => {
    expect(recommendationQuery({ kind: 'storage', environment: 'prod', service: 'core', minSaving: 10 })).toEqual({ kind: 'storage', environment: 'prod', minSaving: 10 });
    expect(recommendationQuery({})).toEqual({});
  });
});

describe('the list', () => {
  it('keeps the services matching the search, the largest saving first', () => {
    const items = [
      rec({ id: 'a', monthlySaving: 5, service: 'core-service' }),
      rec({ id: 'b', monthlySaving: 50, service: 'web-frontend' }),
      rec({ id: 'c', monthlySaving: 20, service: null }),
      rec({ id: 'd', monthlySaving: 30, service: 'core-worker' }),
    ];
    expect(narrowRecommendations(items, undefined).map((i) => i.id)).toEqual(['b', 'd', 'c', 'a']);
    expect(narrowRecommendations(items, 'CORE').map((i) => i.id)).toEqual(['d', 'a']);
    expect(narrowRecommendations(items, 'nothing')).toEqual([]);
  });

  it('splits the saving by kind, largest first, with each one share of the largest', () => {
    expect(savingsByKind({ storage: 10, spot: 40, rightsizing: 0 })).toEqual([
      { kind: 'spot', saving: 40, share: 1 },
      { kind: 'storage', saving: 10, share: 0.25 },
    ]);
    expect(savingsByKind({})).toEqual([]);
    expect(totalSaving([{ monthlySaving: 0.1 }, { monthlySaving: 0.2 }])).toBe(0.3);
  });

  it('names kinds, sources and confidence as people read them', () => {
    expect(kindLabel('idle-non-prod')).toBe('Idle non-production');
    expect(kindLabel('something-new')).toBe('something-new');
    expect(sourceLabel('cost-explorer').label).toBe('Cost Explorer');
    expect(sourceLabel('opencost').label).toBe('OpenCost');
    expect(confidenceIntent('high')).toBe('success');
    expect(confidenceIntent('low')).toBe('warning');
  });
});
