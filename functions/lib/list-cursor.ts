/**
 * Keyset cursors for lists answered from a snapshot (the service catalog, the offerings): a cursor
 * names the last item's sort key and the query it belongs to, so it stays valid while items come and
 * go (nothing skipped or repeated) and is refused with another search or filter.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '#shared/errors';

export type CursorKey = readonly (string | number)[];
interface Cursor { v: 1; q: string; k: CursorKey }

/** Names the query a cursor belongs to (everything but the cursor and the page size). */
export function queryFingerprint(query: object): string {
  const { cursor: _c, limit: _l, ...rest } = query as Record<string, unknown>;
  const normalised = Object.keys(rest).sort().map((k) => [k, rest[k]]);
  return createHash('sha256').update(JSON.stringify(normalised)).digest('base64url').slice(0, 16);
}

export const encodeCursor = (fingerprint: string, key: CursorKey): string =>
  Buffer.from(JSON.stringify({ v: 1, q: fingerprint, k: key } satisfies Cursor)).toString('base64url');

/**
 * The sort key a cursor carries. 400 when it is not one this list returned (`validKey` says what
 * a key of this list looks like) or belongs to another query (`fingerprint`).
 */
export function decodeCursor(raw: string, fingerprint: string, validKey: (key: readonly unknown[]) => boolean): CursorKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const c = parsed as Partial<Cursor> | undefined;
  const valid = c && c.v === 1 && Array.isArray(c.k) && validKey(c.k);
  if (!valid) throw new ValidationError('invalid cursor', { details: [{ path: '/query/cursor', message: 'not a cursor this list returned' }] });
  if (c.q !== fingerprint) throw new ValidationError('this cursor belongs to another search or filter; start again without it', { details: [{ path: '/query/cursor', message: 'cursor of a different query' }] });
  return c.k!;
}

/** A key of exactly these types, in this order. */
export const keyOf = (...types: Array<'string' | 'number'>) => (key: readonly unknown[]): boolean =>
  key.length === types.length && key.every((v, i) => typeof v === types[i]);

/** The first index of a sorted `order` past the cursor's item (`atOrBefore` compares with its key): a binary search. */
export function firstAfter<T>(order: readonly T[], atOrBefore: (item: T) => boolean): number {
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (atOrBefore(order[mid]!)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
