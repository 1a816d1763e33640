import { describe, expect, it } from 'vitest';
import { formatFrequency, formatRate, formatSeconds, searchFromStatsFilters, statsFiltersFromSearch, statsQueryOf } from './stats-rules.ts';

describe('the stats page\'s filters in the URL', () => {
  it('read what they understand and fall back for the rest', () => {
    expect(statsFiltersFromSearch('')).toEqual({ range: '30d', groupBy: 'service' });
    expect(statsFiltersFromSearch('?range=7d&service=core-service&team=platform&environment=prod&groupBy=team&bucket=week'))
      .toEqual({ range: '7d', service: 'core-service', team: 'platform', environment: 'prod', groupBy: 'team', bucket: 'week' });
    expect(statsFiltersFromSearch('?range=1y&groupBy=cluster&bucket=hour&service=Not%20a%20slug')).toEqual({ range: '30d', groupBy: 'service' });
  });

  it('write back without the defaults, and round-trip', () => {
    expect(searchFromStatsFilters({ range: '30d', groupBy: 'service' })).toBe('');
    const search = '?range=90d&team=platform&environment=prod&groupBy=environment';
    expect(searchFromStatsFilters(statsFiltersFromSearch(search))).toBe(search);
  });

  it('ask the API for the range ending now', () => {
    const now = Date.parse('2026-03-31T12:00:00.000Z');
    expect(statsQueryOf({ range: '7d', groupBy: 'team', environment: 'prod' }, now))
      .toEqual({ from: '2026-03-24T12:00:00.000Z', to: '2026-03-31T12:00:00.000Z', groupBy: 'team', environment: 'prod' });
  });
});

describe('numbers as people read them', () => {
  it('durations, rates and frequencies', () => {
    expect([null, 42, 1800, 5400, 45_000, 86_400 * 2.5].map(formatSeconds)).toEqual(['—', '42 s', '30 min', '1.5 h', '13 h', '2.5 days']);
    expect([null, 0, 0.05, 0.0425, 0.25].map(formatRate)).toEqual(['—', '0 %', '5 %', '4.3 %', '25 %']);
    expect([3.2, 1, 0.5, 0.02, 0].map(formatFrequency)).toEqual(['3.2 a day', '1 a day', '3.5 a week', '0.6 a month', 'none']);
  });
});
