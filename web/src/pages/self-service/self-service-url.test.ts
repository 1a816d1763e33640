import { describe, expect, it } from 'vitest';
import { activeSelfServiceFilters, highlightParts, searchFromSelfServiceFilters, selfServiceFiltersFromSearch } from './self-service-url.ts';

describe('self-service filters in the URL', () => {
  it('reads what it knows and drops what the API would refuse', () => {
    expect(selfServiceFiltersFromSearch('?q=postgre&category=databases&owner=platform&tag=sql&lifecycle=deprecated&bogus=1'))
      .toEqual({ q: 'postgre', category: 'databases', owner: 'platform', tag: 'sql', lifecycle: 'deprecated' });
    expect(selfServiceFiltersFromSearch('?category=Not%20A%20Slug&lifecycle=gone&q=%20%20')).toEqual({});
    expect(selfServiceFiltersFromSearch('')).toEqual({});
  });

  it('writes a stable query string that reads back the same', () => {
    const f = { tag: 'sql', q: 'postgres db', lifecycle: 'active' as const };
    const search = searchFromSelfServiceFilters(f);
    expect(search).toBe('?q=postgres+db&tag=sql&lifecycle=active');
    expect(selfServiceFiltersFromSearch(search)).toEqual(f);
    expect(searchFromSelfServiceFilters({})).toBe('');
    expect(activeSelfServiceFilters(f)).toBe(2);
  });
});

describe('highlightParts', () => {
  it('splits text into marked and plain parts', () => {
    expect(highlightParts('PostgreSQL database', [{ start: 11, length: 8 }, { start: 0, length: 10 }])).toEqual([
      { text: 'PostgreSQL', match: true },
      { text: ' ', match: false },
      { text: 'database', match: true },
    ]);
  });

  it('clips ranges that overlap or run past the text', () => {
    expect(highlightParts('abcdef', [{ start: 1, length: 3 }, { start: 2, length: 2 }, { start: 5, length: 9 }, { start: 40, length: 1 }])).toEqual([
      { text: 'a', match: false },
      { text: 'bcd', match: true },
      { text: 'e', match: false },
      { text: 'f', match: true },
    ]);
    expect(highlightParts('', [{ start: 0, length: 1 }])).toEqual([]);
  });
});
