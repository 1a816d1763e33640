/** Live audit entries into the list on screen: which belong (the filters) and where they go (by id). */
import type { InfiniteData } from '@tanstack/react-query';
import type { AuditEntry, AuditList } from '../../../schemas/types.gen.ts';
import type { AuditFilters } from '../lib/queries.ts';

/** Whether a live entry belongs in the list the filters describe (the API's own rules: action is a prefix). */
export function matchesFilters(entry: AuditEntry, f: AuditFilters): boolean {
  if (f.actor && entry.actor.toLowerCase() !== f.actor.toLowerCase()) return false;
  if (f.action && !entry.action.startsWith(f.action)) return false;
  if (f.resourceType && entry.resourceType !== f.resourceType) return false;
  if (f.resourceId && entry.resourceId !== f.resourceId) return false;
  if (f.from && entry.at < f.from) return false;
  if (f.to && entry.at >= f.to) return false;
  return true;
}

/** Puts a live entry into the cached pages: replaces it where it is (an outcome recorded), or adds it on top. */
export function upsert(data: InfiniteData<AuditList, string | undefined> | undefined, entry: AuditEntry) {
  if (!data) return data;
  let found = false;
  const pages = data.pages.map((page) => ({
    ...page,
    items: page.items.map((item) => {
      if (item.id !== entry.id) return item;
      found = true;
      // Frames may overtake each other: a recorded outcome is never set back to pending.
      return item.outcome !== 'pending' && entry.outcome === 'pending' ? item : { ...item, ...entry };
    }),
  }));
  if (!found && pages[0]) pages[0] = { ...pages[0], items: [entry, ...pages[0].items] };
  return { ...data, pages };
}


const FILTER_KEYS = ['actor', 'action', 'resourceType', 'resourceId', 'from', 'to'] as const;

/** Filters live in the URL (`/audit?action=teams.`), so a search can be shared and survives a reload. */
export function filtersFromSearch(search: string): AuditFilters {
  const params = new URLSearchParams(search);
  const filters: AuditFilters = {};
  for (const key of FILTER_KEYS) {
    const value = params.get(key);
    if (value) filters[key] = value;
  }
  return filters;
}

export function searchFromFilters(filters: AuditFilters): string {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) if (filters[key]) params.set(key, filters[key]!);
  const text = params.toString();
  return text ? `?${text}` : '';
}
