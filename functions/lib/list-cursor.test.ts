import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, firstAfter, keyOf, queryFingerprint } from './list-cursor.ts';

describe('list cursors', () => {
  it('carries a sort key back for the same query, whatever the page size or key order', () => {
    const q = queryFingerprint({ team: 'platform', tier: 'critical', limit: 10, cursor: 'x' });
    expect(queryFingerprint({ tier: 'critical', team: 'platform', limit: 50 })).toBe(q);
    expect(decodeCursor(encodeCursor(q, ['databases', 'postgres', 'pg']), q, keyOf('string', 'string', 'string'))).toEqual(['databases', 'postgres', 'pg']);
  });

  it('refuses a cursor of another query, and anything that is not a cursor of this list', () => {
    const cursor = encodeCursor(queryFingerprint({ team: 'platform' }), [0.5, 'pg']);
    expect(() => decodeCursor(cursor, queryFingerprint({ team: 'data' }), keyOf('number', 'string')))
      .toThrow(expect.objectContaining({ name: 'ValidationError', details: [{ path: '/query/cursor', message: 'cursor of a different query' }] }));
    const q = queryFingerprint({});
    for (const [raw, validKey] of [['not-base64-json', keyOf('number', 'string')], [encodeCursor(q, ['a', 'b']), keyOf('number', 'string')]] as const) {
      expect(() => decodeCursor(raw, q, validKey)).toThrow(expect.objectContaining({ details: [{ path: '/query/cursor', message: 'not a cursor this list returned' }] }));
    }
  });

  it('finds where the next page starts in a sorted order', () => {
    const order = ['a', 'c', 'e', 'g'];
    expect(firstAfter(order, (x) => x <= 'c')).toBe(2);
    expect(firstAfter(order, (x) => x <= 'd')).toBe(2);
    expect(firstAfter(order, (x) => x <= 'z')).toBe(4);
    expect(firstAfter(order, (x) => x <= '0')).toBe(0);
  });
});
