import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../schemas/types.gen.ts';
import { filtersFromSearch, matchesFilters, searchFromFilters, upsert } from './audit-live.ts';

const entry: AuditEntry = { id: '01J', at: '2026-11-25T10:00:00.000Z', actor: 'alice@corp', actorType: 'user', action: 'teams.members.put', resourceType: 'team', resourceId: 'payments', outcome: 'pending', requestId: 'r1' };

describe('matchesFilters (which live entries belong in the list on screen)', () => {
  it('applies the API rules: actor case-insensitive, action as a prefix, resource exact, from inclusive, to exclusive', () => {
    expect(matchesFilters(entry, {})).toBe(true);
    expect(matchesFilters(entry, { actor: 'Alice@Corp' })).toBe(true);
    expect(matchesFilters(entry, { actor: 'bob@corp' })).toBe(false);
    expect(matchesFilters(entry, { action: 'teams.' })).toBe(true);
    expect(matchesFilters(entry, { action: 'users.' })).toBe(false);
    expect(matchesFilters(entry, { resourceType: 'team', resourceId: 'payments' })).toBe(true);
    expect(matchesFilters(entry, { resourceType: 'team', resourceId: 'growth' })).toBe(false);
    expect(matchesFilters(entry, { from: '2026-11-25T10:00:00.000Z' })).toBe(true);
    expect(matchesFilters(entry, { to: '2026-11-25T10:00:00.000Z' })).toBe(false);
  });
});

describe('upsert (a live entry into the loaded pages)', () => {
  const older: AuditEntry = { ...entry, id: '01H', action: 'teams.create', outcome: 'succeeded' };
  const data = { pages: [{ items: [older], nextCursor: 'c' }, { items: [], nextCursor: null }], pageParams: [undefined, 'c'] };

  it('adds a new entry on top of the first page', () => {
    expect(upsert(data, entry)!.pages.map((p) => p.items.map((i) => i.id))).toEqual([['01J', '01H'], []]);
  });

  it('records an outcome in place, and never sets a recorded outcome back to pending', () => {
    const withPending = upsert(data, entry)!;
    const done = upsert(withPending, { ...entry, outcome: 'succeeded', statusCode: 200, completedAt: '2026-11-25T10:00:01.000Z' })!;
    expect(done.pages[0]!.items[0]).toMatchObject({ id: '01J', outcome: 'succeeded', statusCode: 200 });
    expect(done.pages[0]!.items).toHaveLength(2);
    expect(upsert(done, entry)!.pages[0]!.items[0]).toMatchObject({ outcome: 'succeeded' });
  });

  it('leaves a list that has not loaded alone', () => {
    expect(upsert(undefined, entry)).toBeUndefined();
  });
});

describe('filters in the URL', () => {
  it('round-trips every filter and drops empty or unknown ones', () => {
    const filters = { actor: 'alice@corp', action: 'teams.', resourceType: 'team', resourceId: 'pay ments', from: '2026-11-01T00:00:00.000Z', to: '2026-11-25T00:00:00.000Z' };
    expect(filtersFromSearch(searchFromFilters(filters))).toEqual(filters);
    expect(searchFromFilters({})).toBe('');
    expect(filtersFromSearch('?action=&limit=5&actor=bob')).toEqual({ actor: 'bob' });
  });
});
