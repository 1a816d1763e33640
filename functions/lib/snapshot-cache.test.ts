import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { millisFromEnv, SnapshotCache } from './snapshot-cache.ts';

interface Row { readonly id: string; readonly value: string }

/** A snapshot as small as the cache allows: rows by id. */
class RowSnapshot {
  readonly rows = new Map<string, Row>();
  constructor(readonly at: string, rows: Row[]) { for (const row of rows) this.rows.set(row.id, row); }
  get size(): number { return this.rows.size; }
  apply(row: Row): void { this.rows.set(row.id, row); }
}

const TTL_MS = 10_000;
const MAX_STALE_MS = 300_000;

describe('SnapshotCache', () => {
  let table: { calls: number; rows: Row[]; failNext: boolean };
  let cache: SnapshotCache<RowSnapshot, Row>;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-25T12:00:00.000Z'));
    table = { calls: 0, rows: [{ id: 'a', value: 'A' }, { id: 'b', value: 'B' }], failNext: false };
    cache = new SnapshotCache<RowSnapshot, Row>({
      name: 'test snapshot',
      ttlMs: TTL_MS,
      maxStaleMs: MAX_STALE_MS,
      // Two rows a page, so a table of three or more takes more than one read.
      listPage: async (_limit, cursor) => {
        table.calls++;
        if (table.failNext) { table.failNext = false; throw new Error('table unavailable'); }
        const from = Number(cursor ?? 0);
        const next = from + 2 < table.rows.length ? String(from + 2) : null;
        return { items: table.rows.slice(from, from + 2).map((r) => ({ ...r })), nextCursor: next };
      },
      create: (at, rows) => new RowSnapshot(at, rows),
    });
  });
  afterEach(() => { vi.useRealTimers(); });

  it('reads every page into one snapshot stamped with when the read started', async () => {
    // Prepare
    table.rows.push({ id: 'c', value: 'C' });
    // Act
    const snapshot = await cache.get();
    // Assess
    expect([...snapshot.rows.keys()]).toEqual(['a', 'b', 'c']);
    expect(snapshot.at).toBe('2026-11-25T12:00:00.000Z');
    expect(table.calls).toBe(2);
  });

  it('reads the table once per TTL, answers stale while refreshing, and waits when too stale', async () => {
    // Prepare / Act: the first read builds it
    expect((await cache.get()).size).toBe(2);
    const reads = table.calls;
    // Within the TTL: no read, and another container's change is not seen yet.
    table.rows.push({ id: 'c', value: 'C' });
    vi.setSystemTime(Date.now() + TTL_MS - 1);
    expect((await cache.get()).size).toBe(2);
    expect(table.calls).toBe(reads);
    // Past the TTL: the old snapshot answers, one refresh starts behind it.
    vi.setSystemTime(Date.now() + 2);
    expect((await cache.get()).size).toBe(2);
    await vi.waitFor(async () => expect((await cache.get()).size).toBe(3));
    // Past the longest staleness allowed: the request waits for a fresh one.
    table.rows.push({ id: 'd', value: 'D' });
    vi.setSystemTime(Date.now() + MAX_STALE_MS + 1);
    expect((await cache.get()).size).toBe(4);
  });

  it('keeps answering with the stale snapshot when a background refresh fails', async () => {
    await cache.get();
    table.rows.push({ id: 'c', value: 'C' });
    table.failNext = true;
    vi.setSystemTime(Date.now() + TTL_MS + 1);
    expect((await cache.get()).size).toBe(2);
    // The failed refresh is not cached: the next request past the TTL tries again.
    await vi.waitFor(async () => expect((await cache.get()).size).toBe(3));
  });

  it("shows this container's own writes at once, even over a refresh that read before them", async () => {
    await cache.get();
    cache.noteWrite({ id: 'z', value: 'written here' });
    expect((await cache.get()).rows.get('z')?.value).toBe('written here');
    // A rebuild whose read did not see the write yet keeps it.
    cache.drop();
    expect((await cache.get()).rows.get('z')?.value).toBe('written here');
    // Once the write is older than any refresh could miss, the table is the source again.
    vi.setSystemTime(Date.now() + MAX_STALE_MS + 1);
    expect((await cache.get()).rows.has('z')).toBe(false);
  });
});

describe('millisFromEnv', () => {
  it('reads a duration, falls back when unset or empty, and refuses anything else', () => {
    expect(millisFromEnv('TTL', 10_000, { TTL: '250' })).toBe(250);
    expect(millisFromEnv('TTL', 10_000, {})).toBe(10_000);
    expect(millisFromEnv('TTL', 10_000, { TTL: '' })).toBe(10_000);
    expect(() => millisFromEnv('TTL', 10_000, { TTL: '-1' })).toThrow('TTL must be a non-negative number of milliseconds, not -1');
    expect(() => millisFromEnv('TTL', 10_000, { TTL: 'soon' })).toThrow('TTL must be a non-negative number of milliseconds, not soon');
  });
});
