/**
 * What a live page's timeline shares, whatever it belongs to (a request, a deployment): the lines the detail read
 * plus those that arrived live, and a list that follows its end while the reader is there.
 */
import { useLayoutEffect, useRef, type RefObject } from 'react';

/**
 * What the detail read plus the lines that arrived live and are not in it (they came after the read, or while it
 * was on its way), oldest first. A stable sort: lines of the same instant keep the order `tieBreak` gives, then the
 * order they were written in (base before live).
 */
export function mergeTimeline<T extends { readonly at: string }>(base: readonly T[], live: readonly T[], keyOf: (line: T) => string, tieBreak: (a: T, b: T) => number = () => 0): T[] {
  const seen = new Set(base.map(keyOf));
  const merged = [...base];
  for (const entry of live) {
    const key = keyOf(entry);
    if (seen.has(key)) continue;
    seen.add(key);
    merged.push(entry);
  }
  return merged
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => a.entry.at.localeCompare(b.entry.at) || tieBreak(a.entry, b.entry) || a.index - b.index)
    .map(({ entry }) => entry);
}

/** A list that follows new lines while the reader is at its end (as a terminal does); one who scrolled up stays put. */
export function useFollowEnd<E extends HTMLElement>(length: number): { readonly ref: RefObject<E | null>; readonly onScroll: () => void } {
  const ref = useRef<E>(null);
  const atEnd = useRef(true);
  useLayoutEffect(() => {
    const el = ref.current;
    if (el && atEnd.current) el.scrollTop = el.scrollHeight;
  }, [length]);
  const onScroll = (): void => {
    const el = ref.current;
    if (el) atEnd.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
  };
  return { ref, onScroll };
}
