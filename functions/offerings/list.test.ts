import { describe, expect, it } from 'vitest';
import { highlight, listOfferings, searchOfferings } from './list.ts';
import type { Caller, OfferingDocument } from './shapes.ts';
import { OfferingSnapshot } from './snapshot.ts';
import type { OfferingRecord } from './ports.ts';

function offering(id: string, extra: { name?: string; category?: string; owner?: string; tags?: string[]; description?: string; lifecycle?: OfferingDocument['lifecycle']; access?: OfferingDocument['access']; removed?: boolean } = {}): OfferingRecord {
  const owner = extra.owner ?? 'platform';
  const document: OfferingDocument = {
    schemaVersion: '2.0',
    metadata: { id, name: extra.name ?? id, description: extra.description ?? `The ${id} offering.`, category: extra.category ?? 'databases', owner, version: '1.0.0', tags: extra.tags ?? [] },
    presentation: { fields: [{ id: 'name', type: 'string', label: 'Name' }] },
    fulfillment: { type: 'manual' },
    ...(extra.lifecycle ? { lifecycle: extra.lifecycle } : {}),
    ...(extra.access ? { access: extra.access } : {}),
  } as unknown as OfferingDocument;
  return {
    id, version: '1.0.0', document, source: { repo: 'acme/catalog', path: `catalog/${id}.yaml`, sha: 'abc', ownerTeam: owner },
    storedAt: '2026-11-01T00:00:00.000Z', updatedAt: '2026-11-01T00:00:00.000Z',
    ...(extra.removed ? { removedFromSource: { at: '2026-11-02T00:00:00.000Z', path: `catalog/${id}.yaml` } } : {}),
  };
}

const developer: Caller = { principal: 'dev@acme.test', role: 'developer', teams: ['payments'] };
const viewer: Caller = { principal: 'view@acme.test', role: 'viewer', teams: ['growth'] };
const admin: Caller = { principal: 'admin@acme.test', role: 'admin', teams: [] };

const snapshot = new OfferingSnapshot('2026-11-25T00:00:00.000Z', [
  offering('postgresql-database', { name: 'PostgreSQL database', tags: ['postgres', 'sql'], description: 'A managed PostgreSQL database with backups and monitoring.' }),
  offering('redis-cache', { name: 'Redis cache', tags: ['cache'], owner: 'payments' }),
  offering('s3-bucket', { name: 'S3 bucket', category: 'storage', tags: ['aws', 'storage'] }),
  offering('old-mysql', { name: 'MySQL database', lifecycle: { status: 'deprecated', replacement: 'postgresql-database', sunsetDate: '2027-01-31' } }),
  offering('ftp-server', { name: 'FTP server', category: 'storage', lifecycle: { status: 'retired', replacement: 's3-bucket' } }),
  offering('secret-vault', { name: 'Secret vault', category: 'security', access: { view: { teams: ['platform'] } } }),
  offering('prod-access', { name: 'Production access', category: 'access', access: { request: { roles: ['operator'] } } }),
  offering('gone-queue', { name: 'Queue', category: 'messaging', removed: true }),
]);

const ids = (query: Parameters<typeof listOfferings>[1], caller: Caller = developer) => listOfferings(snapshot, query, caller).items.map((i) => i.id);

describe('listOfferings', () => {
  it('lists what the caller may see by category then name, leaving retired ones out unless asked', () => {
    expect(ids({})).toEqual(['prod-access', 'old-mysql', 'postgresql-database', 'redis-cache', 's3-bucket']);
    expect(ids({ lifecycle: 'retired' })).toEqual(['gone-queue', 'ftp-server']);
    expect(ids({ lifecycle: 'deprecated' })).toEqual(['old-mysql']);
  });

  it('hides an offering from callers outside its view audience; admins and the owning team see it', () => {
    expect(ids({ category: 'security' })).toEqual([]);
    expect(ids({ category: 'security' }, admin)).toEqual(['secret-vault']);
    expect(ids({ category: 'security' }, { ...developer, teams: ['platform'] })).toEqual(['secret-vault']);
  });

  it('filters by category, owner and tag', () => {
    expect(ids({ category: 'storage' })).toEqual(['s3-bucket']);
    expect(ids({ owner: 'payments' })).toEqual(['redis-cache']);
    expect(ids({ tag: 'sql' })).toEqual(['postgresql-database']);
    expect(ids({ category: 'databases', tag: 'cache' })).toEqual(['redis-cache']);
  });

  it('says for each offering whether the caller may request it, and why not', () => {
    const byId = (caller: Caller) => Object.fromEntries(listOfferings(snapshot, { lifecycle: undefined }, caller).items.map((i) => [i.id, [i.canRequest, i.requestBlockedReason]]));
    expect(byId(developer)['prod-access']).toEqual([false, 'Only the operator role and above may request it.']);
    expect(byId(developer)['old-mysql']).toEqual([true, undefined]);
    expect(byId(viewer)['s3-bucket']).toEqual([false, 'Your role (viewer) cannot create requests.']);
    expect(byId({ ...developer, role: 'operator' })['prod-access']).toEqual([true, undefined]);
    const retired = listOfferings(snapshot, { lifecycle: 'retired' }, admin).items;
    expect(retired.map((i) => [i.id, i.lifecycle, i.canRequest, i.requestBlockedReason])).toEqual([
      ['gone-queue', { state: 'retired', removedFromSource: true }, false, 'It was removed from the catalog repository.'],
      ['ftp-server', { state: 'retired', replacement: 's3-bucket' }, false, 'It is retired; request s3-bucket instead.'],
    ]);
  });

  it('summarises an offering as a card shows it', () => {
    expect(listOfferings(snapshot, { tag: 'sql' }, developer)).toEqual({
      items: [{
        id: 'postgresql-database', name: 'PostgreSQL database', description: 'A managed PostgreSQL database with backups and monitoring.', category: 'databases',
        owner: 'platform', tags: ['postgres', 'sql'], version: '1.0.0', lifecycle: { state: 'active' }, canRequest: true,
      }],
      nextCursor: null, total: 1, snapshotAt: '2026-11-25T00:00:00.000Z',
    });
  });

  it('pages with cursors that survive inserts and removals between pages, and refuses a cursor of another query', () => {
    const local = new OfferingSnapshot('2026-11-25T00:00:00.000Z', ['b', 'd', 'f', 'h'].map((id) => offering(id)));
    const first = listOfferings(local, { limit: 2 }, developer);
    expect([first.items.map((i) => i.id), first.total]).toEqual([['b', 'd'], 4]);
    local.apply(offering('a'));
    local.apply(offering('e'));
    local.apply({ ...offering('f', { removed: true }), updatedAt: '2026-11-03T00:00:00.000Z' });
    const second = listOfferings(local, { limit: 2, cursor: first.nextCursor! }, developer);
    expect(second.items.map((i) => i.id)).toEqual(['e', 'h']);
    expect(second.nextCursor).toBeNull();
    expect(() => listOfferings(local, { limit: 2, tag: 'x', cursor: first.nextCursor! }, developer)).toThrow(/another search or filter/);
    expect(() => listOfferings(local, { cursor: 'garbage' }, developer)).toThrow(/invalid cursor/);
  });
});

describe('searchOfferings', () => {
  const search = (q: string, caller: Caller = developer, extra: Record<string, unknown> = {}) => searchOfferings(snapshot, { q, ...extra }, caller);

  it('tolerates typos and prefixes, ranks the name match first', () => {
    expect(search('postgre').items.map((r) => r.offering.id)).toEqual(['postgresql-database']);
    expect(search('postgrsql').items[0]!.offering.id).toBe('postgresql-database');
    // One edit from "database" (the names): the closer matches answer, not redis-cache's category "databases" (two edits).
    expect(search('databse').items.map((r) => r.offering.id).sort()).toEqual(['old-mysql', 'postgresql-database']);
    expect(search('bukcet').items.map((r) => r.offering.id)).toEqual(['s3-bucket']);
  });

  it('suggests completions of the query from what the caller may see', () => {
    expect(search('postg').suggestions[0]).toMatch(/^postgres/);
    expect(search('vau').suggestions).toEqual([]);
    expect(search('vau', admin).suggestions).toEqual(['vault']);
  });

  it('never finds what the caller may not see, nor retired offerings unless asked', () => {
    expect(search('vault').items).toEqual([]);
    expect(search('vault', admin).items.map((r) => r.offering.id)).toEqual(['secret-vault']);
    expect(search('ftp').items).toEqual([]);
    expect(search('ftp', developer, { lifecycle: 'retired' }).items.map((r) => r.offering.id)).toEqual(['ftp-server']);
  });

  it('falls back to any term when no offering has every term', () => {
    expect(search('redis zebra').items.map((r) => r.offering.id)).toEqual(['redis-cache']);
  });

  it('highlights the matched words in plain text', () => {
    const [hit] = search('postgresql backups').items;
    // 'postgres' (a tag) is within the typo tolerance of 'postgresql'.
    expect(hit!.terms.sort()).toEqual(['backups', 'postgres', 'postgresql']);
    expect(hit!.highlights).toEqual([
      { field: 'name', text: 'PostgreSQL database', matches: [{ start: 0, length: 10 }] },
      { field: 'description', text: 'A managed PostgreSQL database with backups and monitoring.', matches: [{ start: 10, length: 10 }, { start: 35, length: 7 }] },
      { field: 'tags', text: 'postgres, sql', matches: [{ start: 0, length: 8 }] },
    ]);
  });

  it('pages ranked results with a cursor', () => {
    // The category 'databases' matches too, by prefix: three results.
    const all = search('database').items.map((r) => r.offering.id);
    expect(all).toHaveLength(3);
    const first = search('database', developer, { limit: 2 });
    const second = search('database', developer, { limit: 2, cursor: first.nextCursor });
    expect([...first.items, ...second.items].map((r) => r.offering.id)).toEqual(all);
    expect([first.total, second.items.length, second.nextCursor]).toEqual([3, 1, null]);
  });
});

describe('highlight', () => {
  it('cuts a long field to a fragment around the first match, keeping offsets right', () => {
    const text = `${'Lorem ipsum dolor sit amet '.repeat(8)}with a PostgreSQL replica ${'and more words here '.repeat(10)}`;
    const h = highlight('description', text, new Set(['postgresql']))!;
    expect(h.text.startsWith('…')).toBe(true);
    expect(h.text.endsWith('…')).toBe(true);
    expect(h.text.length).toBeLessThanOrEqual(162);
    const [m] = h.matches;
    expect(h.text.slice(m!.start, m!.start + m!.length)).toBe('PostgreSQL');
  });

  it('answers nothing when no whole word matches', () => {
    expect(highlight('name', 'Postgres', new Set(['postgresql']))).toBeUndefined();
  });
});
