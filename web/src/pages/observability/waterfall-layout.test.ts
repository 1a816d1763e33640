import { describe, expect, it } from 'vitest';
import { formatDuration, layoutWaterfall, MIN_WIDTH, tickStep, waterfallSpans, type WaterfallSpan } from './waterfall-layout.ts';

const span = (id: string, startMs: number, durationMs: number, children: WaterfallSpan[] = [], error = false): WaterfallSpan =>
  ({ id, name: id, startMs, durationMs, error, children });

describe('trace waterfall layout', () => {
  it('lays spans out depth-first, children by start, on one axis from the first start to the last end', () => {
    const tree = [span('root', 1000, 200, [span('db', 1150, 100, [], true), span('auth', 1010, 20, [span('cache', 1012, 0)])])];
    const layout = layoutWaterfall(tree);
    expect(layout.startMs).toBe(1000);
    expect(layout.totalMs).toBe(250);
    expect(layout.rows.map((r) => [r.span.id, r.depth, r.offset, r.width])).toEqual([
      ['root', 0, 0, 0.8],
      ['auth', 1, 0.04, 0.08],
      ['cache', 2, 0.048, MIN_WIDTH],
      ['db', 1, 0.6, 0.4],
    ]);
    expect(layout.rows.find((r) => r.span.id === 'db')!.span.error).toBe(true);
    expect(layout.ticks.map((t) => t.ms)).toEqual([0, 50, 100, 150, 200, 250]);
    expect(layout.ticks.at(-1)!.at).toBe(1);
  });

  it('several roots, and a trace of one instant', () => {
    expect(layoutWaterfall([span('b', 5, 1), span('a', 0, 1)]).rows.map((r) => r.span.id)).toEqual(['a', 'b']);
    const instant = layoutWaterfall([span('only', 7, 0)]);
    expect(instant.rows.map((r) => [r.offset, r.width])).toEqual([[0, 1]]);
    expect(instant.ticks).toEqual([]);
    expect(layoutWaterfall([])).toEqual({ rows: [], startMs: 0, totalMs: 0, ticks: [] });
  });

  it('a bar never runs past the axis', () => {
    const layout = layoutWaterfall([span('root', 0, 1000, [span('late', 999.9, 0)])]);
    const late = layout.rows[1]!;
    expect(late.offset + late.width).toBeLessThanOrEqual(1 + 1e-12);
  });

  it('ticks step by 1, 2 or 5 × 10^n', () => {
    expect(tickStep(1000)).toBe(200);
    expect(tickStep(37)).toBe(10);
    expect(tickStep(3)).toBe(1);
  });

  it('reads durations', () => {
    expect(formatDuration(0.85)).toBe('850 µs');
    expect(formatDuration(12.34)).toBe('12.3 ms');
    expect(formatDuration(1250)).toBe('1.25 s');
  });
});

describe('the API\'s trace as the waterfall\'s', () => {
  it('keeps the tree and shows a fault or an error red', () => {
    const api = [{ id: 'a', name: 'core-service', service: 'core-service', startMs: 0, durationMs: 30, error: false, fault: true, children: [
      { id: 'b', name: 'SELECT', service: 'core-service', startMs: 2, durationMs: 28, error: false, fault: false, children: [] },
    ] }];
    expect(waterfallSpans(api)).toEqual([{ id: 'a', name: 'core-service', service: 'core-service', startMs: 0, durationMs: 30, error: true, children: [
      { id: 'b', name: 'SELECT', service: 'core-service', startMs: 2, durationMs: 28, error: false, children: [] },
    ] }]);
  });
});
