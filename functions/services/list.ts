/**
 * Listing and searching the catalog over the snapshot (pure over its input): filters, sort, typo
 * tolerant search (MiniSearch: fuzzy + prefix, every term first, any term if that finds nothing)
 * and keyset cursors. A cursor names the last item's sort key and the query it belongs to, so it
 * stays valid while services are added or removed (nothing is skipped or repeated), and is refused
 * with another query. Without `q`, a page costs a binary search in an order the snapshot keeps
 * sorted plus the page itself; filters add one pass over the catalog to count the total.
 */
import type { ServiceList, ServiceListQuery } from '#schemas/index.ts';
import { decodeCursor, encodeCursor, firstAfter, queryFingerprint } from '#lib/list-cursor';
import { toSummary } from './shapes.ts';
import { compareKeys, sortKeyOf, type CatalogEntry, type Snapshot, type SortKind } from './snapshot.ts';
import { forgivingSearch } from '#lib/search';

/** A services cursor's key: the sort value (a string, or a search score) and the name. */
const serviceKey = (key: readonly unknown[]): boolean => key.length === 2 && typeof key[1] === 'string' && ['string', 'number'].includes(typeof key[0]);

function matcher(query: ServiceListQuery): (entry: CatalogEntry) => boolean {
  const language = query.language?.toLowerCase();
  return (entry) => {
    const r = entry.record;
    if (r.deregisteredAt && !query.includeDeregistered) return false;
    if (query.team && r.team !== query.team) return false;
    if (query.tier && r.tier !== query.tier) return false;
    if (language && entry.language !== language) return false;
    if (query.health && entry.healthStatus !== query.health) return false;
    if (query.environment && !entry.envNames.includes(query.environment)) return false;
    if (query.cluster && !entry.clusters.includes(query.cluster)) return false;
    return true;
  };
}

export function listServices(snapshot: Snapshot, query: ServiceListQuery): ServiceList {
  const limit = query.limit ?? 50;
  const fingerprint = queryFingerprint(query);
  const after = query.cursor ? (decodeCursor(query.cursor, fingerprint, serviceKey) as [string | number, string]) : undefined;
  const matches = matcher(query);
  const page: CatalogEntry[] = [];
  let total = 0;
  let more = false;
  let lastKey: [string | number, string] | undefined;

  if (query.q) {
    // Relevance unless a sort is asked for; results are few, so sort them here.
    const results = forgivingSearch(snapshot.index, query.q, (id) => {
      const entry = snapshot.entries.get(id);
      return entry !== undefined && matches(entry);
    });
    const rows = results
      // forgivingSearch kept only entries that exist and match the filters.
      .map((r) => ({ entry: snapshot.entries.get(String(r.id))!, score: Math.round(r.score * 1e6) / 1e6 }));
    const kind: SortKind | undefined = query.sort ? `${query.sort}:${query.order ?? (query.sort === 'name' ? 'asc' : 'desc')}` : undefined;
    const keyOf = (row: (typeof rows)[number]): [string | number, string] => (kind ? [...sortKeyOf(row.entry, kind)] : [row.score, row.entry.record.name]);
    const compare = (a: [string | number, string], b: [string | number, string]): number => {
      if (kind) return compareKeys(kind, a as [string, string], b as [string, string]);
      if (a[0] !== b[0]) return (a[0] as number) > (b[0] as number) ? -1 : 1;
      return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
    };
    const keyed = rows.map((row) => ({ row, key: keyOf(row) })).sort((a, b) => compare(a.key, b.key));
    total = keyed.length;
    let start = after ? keyed.findIndex((k) => compare(k.key, after) > 0) : 0;
    if (start < 0) start = keyed.length;
    for (const k of keyed.slice(start, start + limit)) { page.push(k.row.entry); lastKey = k.key; }
    more = start + limit < keyed.length;
  } else {
    const kind: SortKind = `${query.sort ?? 'name'}:${query.order ?? (query.sort === 'lastDeployedAt' ? 'desc' : 'asc')}`;
    const order = snapshot.sorted(kind);
    const start = after ? firstAfter(order, (entry) => compareKeys(kind, sortKeyOf(entry, kind), [String(after[0]), after[1]]) <= 0) : 0;
    for (let i = start; i < order.length; i++) {
      const entry = order[i]!;
      if (!matches(entry)) continue;
      if (page.length === limit) { more = true; break; }
      page.push(entry);
      lastKey = [...sortKeyOf(entry, kind)];
    }
    for (const entry of order) if (matches(entry)) total++;
  }
  return {
    items: page.map((entry) => toSummary(entry.record)),
    nextCursor: more && lastKey ? encodeCursor(fingerprint, lastKey) : null,
    total,
    snapshotAt: snapshot.at,
  };
}
