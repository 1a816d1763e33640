/**
 * Typo tolerance for the catalogs' MiniSearch indexes, as Elasticsearch's `fuzziness: AUTO`: terms of
 * 1–2 characters must match exactly, 3–5 may be one edit away, longer ones two. MiniSearch counts a
 * swap of two letters ("buckte") as two edits, so a fraction of the length (0.2) missed the commonest
 * typo in words of up to nine letters.
 */
export const typoTolerance = (term: string): number => (term.length < 3 ? 0 : term.length <= 5 ? 1 : 2);
