import { describe, expect, it } from 'vitest';
import { dashboardPanels, formatValue, peakOf, placeMarkers, shapeSeries } from './metrics-shaping.ts';

describe('metrics series shaping', () => {
  it('one row per instant, sorted, a missing point a null gap rather than a zero', () => {
    const rows = shapeSeries([
      { key: 'p50', points: [{ t: 2000, v: 12 }, { t: 1000, v: 10 }] },
      { key: 'p99', points: [{ t: 1000, v: 80 }, { t: 3000, v: Number.NaN }] },
    ]);
    expect(rows).toEqual([
      { t: 1000, p50: 10, p99: 80 },
      { t: 2000, p50: 12, p99: null },
      { t: 3000, p50: null, p99: null },
    ]);
    expect(shapeSeries([])).toEqual([]);
    expect(peakOf(rows, 'p50')).toEqual({ t: 2000, v: 12 });
    expect(peakOf(rows, 'none')).toBeNull();
  });

  it('places the deployments inside the range, oldest first, the newest marked the latest', () => {
    const placed = placeMarkers([
      { id: 'd3', atMs: 1900, tag: 'v3' },
      { id: 'd0', atMs: 500, tag: 'v0' },
      { id: 'd1', atMs: 1000, tag: 'v1' },
      { id: 'd4', atMs: 2100, tag: 'v4' },
    ], 1000, 2000);
    expect(placed).toEqual([
      { id: 'd1', atMs: 1000, tag: 'v1', position: 0, latest: false },
      { id: 'd3', atMs: 1900, tag: 'v3', position: 0.9, latest: true },
    ]);
    expect(placeMarkers([], 0, 1)).toEqual([]);
  });

  it('reads values with their units', () => {
    expect(formatValue(0.0523, 'ratio')).toBe('5.23 %');
    expect(formatValue(12.345, 'percent')).toBe('12.3 %');
    expect(formatValue(0.34, 'seconds')).toBe('340 ms');
    expect(formatValue(512 * 2 ** 20, 'bytes')).toBe('512 MiB');
    expect(formatValue(3, 'count')).toBe('3');
    expect(formatValue(null, 'ms')).toBe('—');
    expect(formatValue(120, 'req/s')).toBe('120 req/s');
  });
});

describe('the dashboard\'s panels', () => {
  it('come in a fixed order, latency\'s p50 and p99 on one, each with the series the API sent and its unit', () => {
    const at = (m: number) => `2026-12-05T06:0${m}:00.000Z`;
    const panels = dashboardPanels([
      { id: 'replicas', label: 'Replicas', unit: 'count', points: [{ at: at(0), value: 3 }] },
      { id: 'latencyP99', label: 'p99', unit: 'ms', points: [{ at: at(1), value: 900 }] },
      { id: 'errorRate', label: 'Error rate', unit: 'ratio', points: [{ at: at(0), value: 0.01 }, { at: at(1), value: null }] },
      { id: 'latencyP50', label: 'p50', unit: 'ms', points: [{ at: at(0), value: 40 }, { at: at(1), value: 45 }] },
    ]);
    expect(panels.map((p) => [p.id, p.unit, p.series.map((s) => s.key)])).toEqual([
      ['errorRate', 'ratio', ['errorRate']],
      ['latency', 'ms', ['latencyP50', 'latencyP99']],
      ['replicas', 'count', ['replicas']],
    ]);
    const t0 = Date.parse(at(0));
    const t1 = Date.parse(at(1));
    expect(panels[1]!.rows).toEqual([{ t: t0, latencyP50: 40, latencyP99: null }, { t: t1, latencyP50: 45, latencyP99: 900 }]);
    expect(panels[0]!.rows).toEqual([{ t: t0, errorRate: 0.01 }, { t: t1, errorRate: null }]);
    expect(dashboardPanels([])).toEqual([]);
  });
});
