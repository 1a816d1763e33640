import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { configureOfferings } from './deps.ts';
import type { OfferingRecord, OfferingsStore } from './ports.ts';
import type { OfferingDocument } from './shapes.ts';
import { dropOfferingSnapshot, offeringSnapshot, SNAPSHOT_MAX_STALE_MS, SNAPSHOT_TTL_MS } from './snapshot.ts';

const table = { calls: 0, offerings: [] as OfferingRecord[], listeners: [] as Array<(r: OfferingRecord) => void> };
// The snapshot reads the offerings through the store's listCurrentPage, and hears of writes through onCurrentWrite.
const store = {
  listCurrentPage: async () => {
    table.calls++;
    return { items: table.offerings.map((o) => ({ ...o })), nextCursor: null };
  },
  onCurrentWrite: (listener: (r: OfferingRecord) => void) => { table.listeners.push(listener); },
} as Partial<OfferingsStore> as OfferingsStore;

const offering = (id: string, description = `The ${id} offering.`, updatedAt = '2026-11-01T00:00:00.000Z'): OfferingRecord => ({
  id, version: '1.0.0',
  document: { schemaVersion: '2.0', metadata: { id, name: id, description, category: 'databases', owner: 'platform', version: '1.0.0' }, presentation: { fields: [] }, fulfillment: { type: 'manual' } } as unknown as OfferingDocument,
  source: { repo: 'acme/catalog', path: `catalog/${id}.yaml`, sha: 'abc', ownerTeam: 'platform' }, storedAt: updatedAt, updatedAt,
});

/** What store.putVersion does after a write in this container. */
const writeHere = (record: OfferingRecord) => { for (const listener of table.listeners) listener(record); };

describe('offeringSnapshot', () => {
  beforeEach(() => {
    configureOfferings({ store });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-25T12:00:00.000Z'));
    dropOfferingSnapshot();
    table.calls = 0;
    table.offerings = [offering('a'), offering('b')];
  });
  afterEach(() => { vi.useRealTimers(); });

  it('is cached for 10 s, and at most 5 min while refreshing, unless APOLLO_OFFERINGS_SNAPSHOT_* say otherwise', async () => {
    // The caching itself is tested in functions/lib/snapshot-cache.test.ts.
    expect([SNAPSHOT_TTL_MS, SNAPSHOT_MAX_STALE_MS]).toEqual([10_000, 300_000]);
    expect((await offeringSnapshot()).size).toBe(2);
    expect((await offeringSnapshot()).size).toBe(2);
    expect(table.calls).toBe(1);
  });

  it("shows this container's own writes at once, even over a rebuild that read before them, and keeps the newer of two", async () => {
    await offeringSnapshot();
    writeHere(offering('z', 'written here', '2026-11-25T12:00:00.000Z'));
    expect((await offeringSnapshot()).get('z')?.document.metadata.description).toBe('written here');
    dropOfferingSnapshot();
    const rebuilt = await offeringSnapshot();
    expect(rebuilt.get('z')?.document.metadata.description).toBe('written here');
    expect(rebuilt.index.search('written').map((r) => r.id)).toEqual(['z']);
    rebuilt.apply(offering('z', 'older', '2026-11-01T00:00:00.000Z'));
    expect(rebuilt.get('z')?.document.metadata.description).toBe('written here');
  });
});
