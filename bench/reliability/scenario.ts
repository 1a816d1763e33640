/**
 * What a reliability scenario is: a named run that answers checks (each passed or not, with what it saw).
 * `npm run reliability` runs every scenario in turn, prints one table and writes bench/reliability.json;
 * `--smoke` (what CI runs) makes each one short: fewer items, seconds instead of minutes.
 */
export type ScenarioGroup = 'crash' | 'faults' | 'load' | 'security';

export interface Check {
  /** What was held, in words: `no DNS record created twice`. */
  readonly check: string;
  readonly ok: boolean;
  /** What was seen: counts, times, the reason of a failure. */
  readonly detail: string;
  /** A number worth keeping in reliability.json (a p99, a heap growth, a count). */
  readonly value?: number;
  readonly unit?: string;
}

export interface ScenarioContext {
  /** CI's short run: each scenario bounds itself to seconds and a handful of items. */
  readonly smoke: boolean;
  /** A progress line (printed as it happens, on stderr). */
  log(line: string): void;
}

export interface Scenario {
  readonly group: ScenarioGroup;
  readonly name: string;
  /** At most this long (the runner stops waiting and fails it after). */
  readonly timeoutMs: number;
  run(ctx: ScenarioContext): Promise<Check[]>;
}

/** A check from a condition, with what was seen. */
export const check = (what: string, ok: boolean, detail: string, value?: { value: number; unit: string }): Check => ({ check: what, ok, detail, ...(value ?? {}) });
