import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { configureServices } from './deps.ts';
import type { ServiceRecord, ServicesStore } from './ports.ts';
import { catalogSnapshot, dropSnapshot, noteServiceWrite, SNAPSHOT_MAX_STALE_MS, SNAPSHOT_TTL_MS } from './snapshot.ts';

const pages = { calls: 0, services: [] as ServiceRecord[] };
// The snapshot reads the catalog through the store's listServicePage only.
const store = {
  listServicePage: async () => {
    pages.calls++;
    return { items: pages.services.map((s) => ({ ...s })), nextCursor: null };
  },
} as Partial<ServicesStore> as ServicesStore;

const record = (name: string, description = ''): ServiceRecord => ({
  id: name, name, displayName: name, description, repository: '', team: 'platform', tier: 'standard', language: '', framework: '', tags: [],
  source: 'manual', createdAt: '2026-11-01T00:00:00.000Z', createdBy: 't', updatedAt: '2026-11-01T00:00:00.000Z', updatedBy: 't', version: 1, envs: {}, deps: [],
});

describe('catalogSnapshot', () => {
  beforeEach(() => {
    configureServices({ store });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-25T12:00:00.000Z'));
    dropSnapshot();
    pages.calls = 0;
    pages.services = [record('a'), record('b')];
  });
  afterEach(() => { vi.useRealTimers(); });

  it('is cached for 10 s, and at most 5 min while refreshing, unless APOLLO_CATALOG_SNAPSHOT_* say otherwise', async () => {
    // The caching itself is tested in functions/lib/snapshot-cache.test.ts.
    expect([SNAPSHOT_TTL_MS, SNAPSHOT_MAX_STALE_MS]).toEqual([10_000, 300_000]);
    expect((await catalogSnapshot()).size).toBe(2);
    expect((await catalogSnapshot()).size).toBe(2);
    expect(pages.calls).toBe(1);
  });

  it("shows this container's own writes at once, even over a refresh that read before them", async () => {
    await catalogSnapshot();
    noteServiceWrite({ ...record('z', 'written here'), version: 1 });
    expect((await catalogSnapshot()).get('z')?.description).toBe('written here');
    // A refresh whose Query did not see the write yet keeps it.
    dropSnapshot();
    const rebuilt = await catalogSnapshot();
    expect(rebuilt.get('z')?.description).toBe('written here');
    expect(rebuilt.index.search('written').map((r) => r.id)).toEqual(['z']);
  });
});
