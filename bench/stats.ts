/** The few statistics the benchmarks report. */

/** Nearest-rank percentile (p in 0..100) of unsorted samples: always a value that was observed. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new Error('percentile of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export const median = (samples: readonly number[]): number => percentile(samples, 50);

/** Guarded division: a ratio against a zero baseline is reported as Infinity, not a crash. */
export const ratio = (value: number, baseline: number): number => (baseline === 0 ? Infinity : value / baseline);

/**
 * Milliseconds per call of each function, over `runs` rounds that call every function once in turn
 * (after `warmup` rounds that are not kept). Interleaving puts a GC pause or a busy moment of the
 * machine on all contenders alike, so their ratio stays steady even when absolute numbers move.
 */
export async function timeInterleaved(fns: ReadonlyArray<() => Promise<unknown>>, runs: number, warmup: number): Promise<number[][]> {
  const samples = fns.map(() => [] as number[]);
  for (let round = 0; round < warmup + runs; round++) {
    for (const [i, fn] of fns.entries()) {
      const started = performance.now();
      await fn();
      if (round >= warmup) samples[i]!.push(performance.now() - started);
    }
  }
  return samples;
}
