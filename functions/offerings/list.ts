/**
 * Listing and searching offerings over the snapshot (pure over its input): the caller sees only
 * what they may view; filters (category, owner, tag, lifecycle; retired ones only when asked for);
 * keyset cursors bound to the query, so a cursor stays valid while offerings come and go (nothing
 * skipped or repeated) and is refused with another query. Search is MiniSearch (prefix + fuzzy,
 * every term first, any term if that finds nothing), ranked, with plain-text highlights.
 */
import type { CatalogHighlight, CatalogList, CatalogListQuery, CatalogSearchQuery, CatalogSearchResult } from '#schemas/index.ts';
import { decodeCursor, encodeCursor, firstAfter, keyOf, queryFingerprint } from '#lib/list-cursor';
import type { OfferingRecord } from './ports.ts';
import { canView, lifecycleOf, toSummary, type Caller } from './shapes.ts';
import { compareOrderKeys, orderKeyOf, SEARCH_FIELDS, type OfferingSnapshot, type OrderKey } from './snapshot.ts';
import { forgivingSearch } from '#lib/search';

type Filters = Pick<CatalogListQuery, 'category' | 'owner' | 'tag' | 'lifecycle'>;

function matcher(filters: Filters, caller: Caller): (record: OfferingRecord) => boolean {
  return (record) => {
    const m = record.document.metadata;
    const state = lifecycleOf(record).state;
    if (filters.lifecycle ? state !== filters.lifecycle : state === 'retired') return false;
    if (filters.category && m.category !== filters.category) return false;
    if (filters.owner && record.source.ownerTeam !== filters.owner) return false;
    if (filters.tag && !(m.tags ?? []).includes(filters.tag)) return false;
    return canView(record, caller);
  };
}

/** A page of offerings by category, name and id. */
export function listOfferings(snapshot: OfferingSnapshot, query: CatalogListQuery, caller: Caller): CatalogList {
  const limit = query.limit ?? 50;
  const q = queryFingerprint(query);
  const after = query.cursor ? (decodeCursor(query.cursor, q, keyOf('string', 'string', 'string')) as unknown as OrderKey) : undefined;
  const matches = matcher(query, caller);
  const order = snapshot.sorted();
  const page: OfferingRecord[] = [];
  let more = false;
  for (let i = after ? firstAfter(order, (record) => compareOrderKeys(orderKeyOf(record), after) <= 0) : 0; i < order.length; i++) {
    const record = order[i]!;
    if (!matches(record)) continue;
    if (page.length === limit) { more = true; break; }
    page.push(record);
  }
  let total = 0;
  for (const record of order) if (matches(record)) total++;
  const last = page.at(-1);
  return {
    items: page.map((record) => toSummary(record, caller)),
    nextCursor: more && last ? encodeCursor(q, orderKeyOf(last)) : null,
    total,
    snapshotAt: snapshot.at,
  };
}

// ---------------------------------------------------------------- search

const WORD = /[^\n\r\p{Z}\p{P}]+/gu;
/** Long fields are cut to a window around their first match. */
const FRAGMENT_CHARS = 160;

/** Where the indexed `terms` occur in `text`, as whole words (the index's tokens, lower-cased). */
export function highlight(field: CatalogHighlight['field'], text: string, terms: ReadonlySet<string>): CatalogHighlight | undefined {
  const ranges: Array<{ start: number; length: number }> = [];
  for (const word of text.matchAll(WORD)) {
    if (terms.has(word[0].toLowerCase())) ranges.push({ start: word.index, length: word[0].length });
  }
  if (ranges.length === 0) return undefined;
  if (text.length <= FRAGMENT_CHARS) return { field, text, matches: ranges };
  const first = ranges[0]!;
  let start = Math.max(0, first.start - 40);
  // Start at a word boundary so the fragment doesn't open with half a word.
  if (start > 0) { const space = text.indexOf(' ', start); if (space !== -1 && space < first.start) start = space + 1; }
  let end = Math.min(text.length, start + FRAGMENT_CHARS);
  if (end < text.length) { const space = text.lastIndexOf(' ', end); if (space > first.start + first.length) end = space; }
  const prefix = start > 0 ? '…' : '';
  const fragment = `${prefix}${text.slice(start, end)}${end < text.length ? '…' : ''}`;
  const inside = ranges
    .filter((r) => r.start >= start && r.start + r.length <= end)
    .map((r) => ({ start: r.start - start + prefix.length, length: r.length }));
  return { field, text: fragment, matches: inside };
}

function fieldText(record: OfferingRecord, field: CatalogHighlight['field']): string {
  const m = record.document.metadata;
  switch (field) {
    case 'name': return m.name;
    case 'description': return m.description;
    case 'tags': return (m.tags ?? []).join(', ');
    case 'category': return m.category;
    case 'owner': return record.source.ownerTeam;
  }
}

/** Ranked search, best first; a cursor continues after the last result's (score, id). */
export function searchOfferings(snapshot: OfferingSnapshot, query: CatalogSearchQuery, caller: Caller): CatalogSearchResult {
  const limit = query.limit ?? 20;
  const q = queryFingerprint(query);
  const after = query.cursor ? decodeCursor(query.cursor, q, keyOf('number', 'string')) : undefined;
  const matches = matcher(query, caller);
  const results = forgivingSearch(snapshot.index, query.q, (id) => {
    const record = snapshot.get(id);
    return record !== undefined && matches(record);
  });
  const rows = results
    // forgivingSearch kept only offerings that exist and that this caller's filters and access let through.
    .map((r) => ({ record: snapshot.get(String(r.id))!, score: Math.round(r.score * 1e6) / 1e6, terms: r.terms, match: r.match }))
    .sort((a, b) => (a.score !== b.score ? b.score - a.score : a.record.id < b.record.id ? -1 : a.record.id > b.record.id ? 1 : 0));
  const isAfter = (row: (typeof rows)[number]): boolean =>
    !after || row.score < (after[0] as number) || (row.score === after[0] && row.record.id > (after[1] as string));
  let start = after ? rows.findIndex(isAfter) : 0;
  if (start < 0) start = rows.length;
  const page = rows.slice(start, start + limit);
  const last = page.at(-1);
  // Completions come from the same index, filtered the same way, so they never name what the caller may not see.
  const suggestions = snapshot.index
    .autoSuggest(query.q, { filter: (r) => { const record = snapshot.get(String(r.id)); return record !== undefined && matches(record); } })
    .slice(0, 5)
    .map((s) => s.suggestion);
  return {
    items: page.map((row) => {
      const terms = new Set(row.terms);
      const fields = new Set(Object.values(row.match).flat());
      const highlights = SEARCH_FIELDS.filter((f) => fields.has(f))
        .map((f) => highlight(f, fieldText(row.record, f), terms))
        .filter((h): h is CatalogHighlight => h !== undefined);
      return { offering: toSummary(row.record, caller), score: row.score, terms: row.terms, highlights };
    }),
    suggestions,
    nextCursor: start + limit < rows.length && last ? encodeCursor(q, [last.score, last.record.id]) : null,
    total: rows.length,
    snapshotAt: snapshot.at,
  };
}
