import { useEffect, useRef } from 'react';

/**
 * Calls `apply` a moment after `value` stops changing, not on the first render: a text filter
 * updates the URL once typing stops (the list follows the URL). `apply` may change every render.
 */
export function useDebounced(value: string, apply: (v: string) => void, ms = 250): void {
  const latest = useRef(apply);
  latest.current = apply;
  const first = useRef(true);
  useEffect(() => {
    if (first.current) { first.current = false; return undefined; }
    const timer = setTimeout(() => latest.current(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
}
