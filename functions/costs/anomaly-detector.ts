/**
 * Apollo's own cost anomaly detector: a day is anomalous when its cost stands out from the trailing 14 days
 * before it by `sigma` standard deviations, by a fifth of their mean, and by at least `minUsd` — all three,
 * so a flat series' tiny wobble (σ ≈ 0) and a cheap service's cents are not alarms. Consecutive anomalous
 * days are one anomaly (a step up keeps standing out until the trailing window has learnt it). A service
 * without enough history (fewer than `minBaselineDays` days with cost) is new, not anomalous.
 */

export interface DailyCost {
  readonly date: string;
  readonly cost: number;
}

export interface DetectorOptions {
  /** @default 14 */
  readonly baselineDays?: number;
  /** @default 7 */
  readonly minBaselineDays?: number;
  /** @default 3 */
  readonly sigma?: number;
  /** The rise over the mean, at least, as a fraction. @default 0.2 */
  readonly minRise?: number;
  /** @default 2 */
  readonly minUsd?: number;
}

export interface DetectedAnomaly {
  readonly startDate: string;
  /** The last anomalous day; null while the series' last day still is one. */
  readonly endDate: string | null;
  /** The first day's cost, and what the trailing window expected of it. */
  readonly actual: number;
  readonly expected: number;
  /** Standard deviations above the mean on the first day (σ floored at 5 % of the mean). */
  readonly score: number;
}

const DAY = 86_400_000;
export const addDays = (date: string, days: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);

/** The series as one value per day from `from` to `to` inclusive, missing days 0. */
export function contiguous(series: readonly DailyCost[], from: string, to: string): DailyCost[] {
  const byDate = new Map(series.map((d) => [d.date, d.cost]));
  const out: DailyCost[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push({ date: d, cost: byDate.get(d) ?? 0 });
  return out;
}

/** The anomalies starting on or after `from` in a contiguous daily series (the days before are the first baseline). */
export function detectAnomalies(series: readonly DailyCost[], from: string, options: DetectorOptions = {}): DetectedAnomaly[] {
  const baselineDays = options.baselineDays ?? 14;
  const minBaselineDays = options.minBaselineDays ?? 7;
  const sigma = options.sigma ?? 3;
  const minRise = options.minRise ?? 0.2;
  const minUsd = options.minUsd ?? 2;
  const found: Array<{ startDate: string; endDate: string | null; actual: number; expected: number; score: number }> = [];
  let open: (typeof found)[number] | undefined;
  for (let i = 0; i < series.length; i++) {
    const day = series[i]!;
    if (day.date < from) continue;
    const window = series.slice(Math.max(0, i - baselineDays), i).map((d) => d.cost);
    const priced = window.filter((c) => c > 0);
    let anomalous = false;
    let mean = 0;
    let score = 0;
    if (priced.length >= minBaselineDays) {
      mean = window.reduce((a, b) => a + b, 0) / window.length;
      const sd = Math.sqrt(window.reduce((a, b) => a + (b - mean) ** 2, 0) / window.length);
      const floor = Math.max(sd, 0.05 * mean);
      score = floor > 0 ? (day.cost - mean) / floor : 0;
      anomalous = mean > 0 && day.cost - mean > sigma * sd && day.cost > mean * (1 + minRise) && day.cost - mean >= minUsd;
    }
    if (anomalous && !open) {
      open = { startDate: day.date, endDate: null, actual: round(day.cost), expected: round(mean), score: Math.round(score * 10) / 10 };
      found.push(open);
    } else if (!anomalous && open) {
      open.endDate = series[i - 1]!.date;
      open = undefined;
    }
  }
  return found;
}

const round = (n: number): number => Math.round(n * 100) / 100;
