import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServiceRecord } from './store.ts';

const pages = vi.hoisted(() => ({ calls: 0, services: [] as ServiceRecord[] }));
vi.mock('./store.ts', () => ({
  listServicePage: async () => {
    pages.calls++;
    return { items: pages.services.map((s) => ({ ...s })), nextCursor: null };
  },
}));

const record = (name: string, description = ''): ServiceRecord => ({
  id: name, name, displayName: name, description, repository: '', team: 'platform', tier: 'standard', language: '', framework: '', tags: [],
  source: 'manual', createdAt: '2026-11-01T00:00:00.000Z', createdBy: 't', updatedAt: '2026-11-01T00:00:00.000Z', updatedBy: 't', version: 1, envs: {}, deps: [],
});

const { catalogSnapshot, dropSnapshot, noteServiceWrite, SNAPSHOT_MAX_STALE_MS, SNAPSHOT_TTL_MS } = await import('./snapshot.ts');

describe('catalogSnapshot', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-25T12:00:00.000Z'));
    dropSnapshot();
    pages.calls = 0;
    pages.services = [record('a'), record('b')];
  });
  afterEach(() => { vi.useRealTimers(); });

  it('reads the catalog once per TTL, answers stale while refreshing, and waits when too stale', async () => {
    // Prepare / Act: the first read builds it
    expect((await catalogSnapshot()).size).toBe(2);
    expect(pages.calls).toBe(1);
    // Within the TTL: no read, and another container's change is not seen yet.
    pages.services.push(record('c'));
    vi.setSystemTime(Date.now() + SNAPSHOT_TTL_MS - 1);
    expect((await catalogSnapshot()).size).toBe(2);
    expect(pages.calls).toBe(1);
    // Past the TTL: the old snapshot answers, one refresh starts behind it.
    vi.setSystemTime(Date.now() + 2);
    expect((await catalogSnapshot()).size).toBe(2);
    await vi.waitFor(() => expect(pages.calls).toBe(2));
    await vi.waitFor(async () => expect((await catalogSnapshot()).size).toBe(3));
    // Past the longest staleness allowed: the request waits for a fresh one.
    pages.services.push(record('d'));
    vi.setSystemTime(Date.now() + SNAPSHOT_MAX_STALE_MS + 1);
    expect((await catalogSnapshot()).size).toBe(4);
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
