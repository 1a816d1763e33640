/**
 * Typo-tolerant search over the catalogs' MiniSearch indexes (services, offerings).
 *
 * `typoTolerance` is Elasticsearch's `fuzziness: AUTO`: terms of 1–2 characters must match exactly,
 * 3–5 may be one edit away, longer ones two. MiniSearch counts a swap of two letters ("buckte") as
 * two edits, so a fraction of the length (0.2) missed the commonest typo in words of up to nine
 * letters. Two edits over a large index are also what costs most, so `forgivingSearch` widens step by
 * step and stops at the first step that finds something.
 */
import type MiniSearch from 'minisearch';
import type { SearchOptions, SearchResult } from 'minisearch';

export const typoTolerance = (term: string): number => (term.length < 3 ? 0 : term.length <= 5 ? 1 : 2);

/** Every term close (an edit per five letters), then every term with AUTO tolerance, then any term. */
const STEPS: readonly SearchOptions[] = [
  { combineWith: 'AND', fuzzy: 0.2 },
  { combineWith: 'AND', fuzzy: typoTolerance },
  { combineWith: 'OR', fuzzy: typoTolerance },
];

/** Best matches first; `keep` drops results the caller may not see before deciding whether to widen. */
export function forgivingSearch<T>(index: MiniSearch<T>, q: string, keep?: (id: string) => boolean): SearchResult[] {
  const filter = keep ? (result: SearchResult) => keep(String(result.id)) : undefined;
  for (const step of STEPS) {
    const results = index.search(q, { ...step, ...(filter ? { filter } : {}) });
    if (results.length > 0) return results;
  }
  return [];
}
