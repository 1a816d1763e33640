import { describe, expect, it } from 'vitest';
import { historyFiltersFromSearch } from './team-history.ts';

describe("a team's request history filters", () => {
  it('reads a known status and an offering from the URL, and nothing else', () => {
    expect(historyFiltersFromSearch('?days=30&status=failed&offering=dns-record')).toEqual({ status: 'failed', offering: 'dns-record' });
    expect(historyFiltersFromSearch('?status=exploded&offering=%20')).toEqual({});
    expect(historyFiltersFromSearch('')).toEqual({});
  });
});
