import { describe, expect, it } from 'vitest';
import { activeFilterCount, catalogFiltersFromSearch, searchFromCatalogFilters } from './catalog-url.ts';

describe('catalog filters in the URL', () => {
  it('reads what it knows and ignores values the API would refuse', () => {
    expect(catalogFiltersFromSearch('?q=core-servce&team=platform&tier=critical&health=sick&sort=lastDeployedAt&includeDeregistered=true&bogus=1'))
      .toEqual({ q: 'core-servce', team: 'platform', tier: 'critical', sort: 'lastDeployedAt', includeDeregistered: true });
    expect(catalogFiltersFromSearch('')).toEqual({});
  });

  it('writes a stable query string that reads back the same', () => {
    const f = { cluster: 'eks-prod', q: 'pay ments', health: 'down' as const, environment: 'prod' };
    const search = searchFromCatalogFilters(f);
    expect(search).toBe('?q=pay+ments&health=down&environment=prod&cluster=eks-prod');
    expect(catalogFiltersFromSearch(search)).toEqual(f);
    expect(searchFromCatalogFilters({})).toBe('');
    expect(activeFilterCount(f)).toBe(3);
  });
});
