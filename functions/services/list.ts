/**
 * Listing and searching the catalog over the snapshot (pure over its input): filters, sort, typo
 * tolerant search (MiniSearch: fuzzy + prefix, every term first, any term if that finds nothing)
 * and keyset cursors. A cursor names the last item's sort key and the query it belongs to, so it
 * stays valid while services are added or removed (nothing is skipped or repeated), and is refused
 * with another query.
 */
import { createHash } from 'node:crypto';
import type { ServiceList, ServiceListQuery } from '#schemas/index.ts';
import { ValidationError } from '#shared/errors';
import { derived, toSummary } from './service.ts';
import type { Snapshot } from './snapshot.ts';
import type { ServiceRecord } from './store.ts';

interface Row { record: ServiceRecord; score: number; lastDeployedAt: string; health: string }
type SortKey = [number | string, string];

interface Cursor { v: 1; q: string; k: SortKey }

function queryFingerprint(query: ServiceListQuery): string {
  const { cursor: _c, limit: _l, ...rest } = query;
  const normalised = Object.keys(rest).sort().map((k) => [k, (rest as Record<string, unknown>)[k]]);
  return createHash('sha256').update(JSON.stringify(normalised)).digest('base64url').slice(0, 16);
}

function encode(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decode(raw: string, fingerprint: string): SortKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const c = parsed as Partial<Cursor> | undefined;
  const valid = c && c.v === 1 && Array.isArray(c.k) && c.k.length === 2 && typeof c.k[1] === 'string' && ['string', 'number'].includes(typeof c.k[0]);
  if (!valid) throw new ValidationError('invalid cursor', { details: [{ path: '/query/cursor', message: 'not a cursor this list returned' }] });
  if (c.q !== fingerprint) throw new ValidationError('this cursor belongs to another search or filter; start again without it', { details: [{ path: '/query/cursor', message: 'cursor of a different query' }] });
  return c.k as SortKey;
}

function search(snapshot: Snapshot, q: string): Map<string, number> {
  let results = snapshot.index.search(q, { combineWith: 'AND' });
  if (results.length === 0) results = snapshot.index.search(q, { combineWith: 'OR' });
  return new Map(results.map((r) => [String(r.id), r.score]));
}

export function listServices(snapshot: Snapshot, query: ServiceListQuery): ServiceList {
  const limit = query.limit ?? 50;
  const fingerprint = queryFingerprint(query);
  const scores = query.q ? search(snapshot, query.q) : undefined;
  const rows: Row[] = [];
  for (const record of snapshot.services.values()) {
    if (record.deregisteredAt && !query.includeDeregistered) continue;
    if (scores && !scores.has(record.id)) continue;
    if (query.team && record.team !== query.team) continue;
    if (query.tier && record.tier !== query.tier) continue;
    if (query.language && record.language.toLowerCase() !== query.language.toLowerCase()) continue;
    const envs = Object.values(record.envs);
    if (query.environment && !envs.some((e) => e.name === query.environment)) continue;
    if (query.cluster && !envs.some((e) => e.cluster === query.cluster)) continue;
    const d = derived(record);
    if (query.health && d.healthStatus !== query.health) continue;
    rows.push({ record, score: scores?.get(record.id) ?? 0, lastDeployedAt: d.lastDeployedAt ?? '', health: d.healthStatus });
  }
  // Relevance when searching without an explicit sort; else the sort asked for (name by default).
  const sort = query.sort ?? (scores ? 'relevance' : 'name');
  const order = query.order ?? (sort === 'lastDeployedAt' || sort === 'relevance' ? 'desc' : 'asc');
  const sign = order === 'asc' ? 1 : -1;
  const keyOf = (row: Row): SortKey =>
    sort === 'relevance' ? [Math.round(row.score * 1e6) / 1e6, row.record.name] : sort === 'lastDeployedAt' ? [row.lastDeployedAt, row.record.name] : [row.record.name, row.record.name];
  const compare = (a: SortKey, b: SortKey): number => {
    if (a[0] !== b[0]) {
      // Never-deployed services sort last whatever the order.
      if (sort === 'lastDeployedAt' && (a[0] === '' || b[0] === '')) return a[0] === '' ? 1 : -1;
      return (a[0] < b[0] ? -1 : 1) * sign;
    }
    return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
  };
  const keyed = rows.map((row) => ({ row, key: keyOf(row) })).sort((a, b) => compare(a.key, b.key));
  let start = 0;
  if (query.cursor) {
    const after = decode(query.cursor, fingerprint);
    start = keyed.findIndex((k) => compare(k.key, after) > 0);
    if (start < 0) start = keyed.length;
  }
  const page = keyed.slice(start, start + limit);
  const more = start + limit < keyed.length;
  return {
    items: page.map((k) => toSummary(k.row.record)),
    nextCursor: more && page.length ? encode({ v: 1, q: fingerprint, k: page[page.length - 1]!.key }) : null,
    total: keyed.length,
    snapshotAt: snapshot.at,
  };
}
