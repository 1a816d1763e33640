import { describe, expect, it } from 'vitest';
import { addDays, contiguous, detectAnomalies, type DailyCost } from './anomaly-detector.ts';

/** A series from 2026-10-01: `f(i)` for day i. */
const series = (days: number, f: (i: number, date: string) => number): DailyCost[] =>
  Array.from({ length: days }, (_, i) => { const date = addDays('2026-10-01', i); return { date, cost: f(i, date) }; });
const weekday = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay();
/** Deterministic noise in [-1, 1]. */
const noise = (i: number) => Math.sin(i * 12.9898) % 1;

describe('detectAnomalies', () => {
  it('finds a step up the day it happens, and ends it once the trailing window has learnt it', () => {
    // Arrange: $10/day with ±3 % noise, then $18/day from day 40.
    const s = series(70, (i) => (i >= 40 ? 18 : 10) * (1 + 0.03 * noise(i)));

    // Act
    const found = detectAnomalies(s, '2026-10-15');

    // Assess
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ startDate: addDays('2026-10-01', 40), expected: expect.closeTo(10, 0) });
    expect(found[0]!.actual).toBeGreaterThan(17);
    expect(found[0]!.score).toBeGreaterThan(3);
    expect(found[0]!.endDate).not.toBeNull();
    expect(found[0]!.endDate! > found[0]!.startDate).toBe(true);
  });

  it('keeps an anomaly open while the last day still stands out', () => {
    const s = series(30, (i) => (i >= 29 ? 30 : 10));
    expect(detectAnomalies(s, '2026-10-20')).toEqual([{ startDate: addDays('2026-10-01', 29), endDate: null, actual: 30, expected: 10, score: 40 }]);
  });

  it('does not flag weekly seasonality, a growth trend or noise', () => {
    // Weekends 30 % lower, +6 % a month, ±4 % noise: 120 days of an ordinary dev environment.
    const s = series(120, (i, date) => 20 * (weekday(date) % 6 === 0 ? 0.7 : 1) * (1 + 0.002 * i) * (1 + 0.04 * noise(i)));
    expect(detectAnomalies(s, '2026-10-15')).toEqual([]);
  });

  it('does not flag a rise under the dollar floor or a new service', () => {
    const cheap = series(40, (i) => (i >= 30 ? 1.5 : 0.5));
    expect(detectAnomalies(cheap, '2026-10-15', { minUsd: 2 })).toEqual([]);
    const fresh = series(40, (i) => (i >= 35 ? 50 : 0));
    expect(detectAnomalies(fresh, '2026-10-01')).toEqual([]);
  });

  it('does not flag a drop', () => {
    const s = series(40, (i) => (i >= 30 ? 2 : 10));
    expect(detectAnomalies(s, '2026-10-15')).toEqual([]);
  });
});

describe('contiguous', () => {
  it('fills the days a series lacks with 0', () => {
    expect(contiguous([{ date: '2026-10-02', cost: 3 }], '2026-10-01', '2026-10-03')).toEqual([
      { date: '2026-10-01', cost: 0 }, { date: '2026-10-02', cost: 3 }, { date: '2026-10-03', cost: 0 },
    ]);
  });
});
