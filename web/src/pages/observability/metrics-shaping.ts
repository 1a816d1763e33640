/**
 * The metrics dashboard's rules without React: series shaped into chart rows (one row per instant, one column per
 * series, gaps kept as null), and deployments placed as markers on the chart's time axis.
 */

export interface SeriesInput {
  readonly key: string;
  readonly points: readonly { readonly t: number; readonly v: number | null }[];
}

export type ChartRow = { readonly t: number } & Record<string, number | null>;

/** One row per instant any series has, sorted; a series without a point there has null (a gap, not a zero). */
export function shapeSeries(series: readonly SeriesInput[]): ChartRow[] {
  const rows = new Map<number, Record<string, number | null>>();
  for (const s of series) {
    for (const p of s.points) {
      if (!Number.isFinite(p.t)) continue;
      const row = rows.get(p.t) ?? {};
      row[s.key] = p.v !== null && Number.isFinite(p.v) ? p.v : null;
      rows.set(p.t, row);
    }
  }
  return [...rows.entries()].sort(([a], [b]) => a - b).map(([t, values]) => {
    const row: Record<string, number | null> = { t };
    for (const s of series) row[s.key] = values[s.key] ?? null;
    return row as ChartRow;
  });
}

export interface MarkerInput {
  readonly id: string;
  readonly atMs: number;
}

export type PlacedMarker<M extends MarkerInput> = M & {
  /** Where on the axis, as a fraction of the range. */
  readonly position: number;
  /** The newest deployment in the range: the one "the last deploy" means. */
  readonly latest: boolean;
};

/** The deployments inside [fromMs, toMs], oldest first, with their position; the newest is marked latest. */
export function placeMarkers<M extends MarkerInput>(markers: readonly M[], fromMs: number, toMs: number): PlacedMarker<M>[] {
  const span = toMs - fromMs;
  const inside = markers.filter((m) => Number.isFinite(m.atMs) && m.atMs >= fromMs && m.atMs <= toMs).sort((a, b) => a.atMs - b.atMs || a.id.localeCompare(b.id));
  return inside.map((m, i) => ({ ...m, position: span > 0 ? (m.atMs - fromMs) / span : 0, latest: i === inside.length - 1 }));
}

/** The largest value of a series in the rows (null when it has none), for a spike's headline. */
export function peakOf(rows: readonly ChartRow[], key: string): { t: number; v: number } | null {
  let peak: { t: number; v: number } | null = null;
  for (const row of rows) {
    const v = row[key];
    if (typeof v === 'number' && (peak === null || v > peak.v)) peak = { t: row.t, v };
  }
  return peak;
}

/** A value with its unit, short: 2.5 %, 120 req/s, 340 ms, 0.45 vCPU, 512 MiB, 3. */
export function formatValue(value: number | null | undefined, unit: string | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const round = (n: number) => (Math.abs(n) >= 100 ? Math.round(n) : Math.abs(n) >= 10 ? Math.round(n * 10) / 10 : Math.round(n * 100) / 100);
  switch (unit) {
    case 'percent': return `${round(value)} %`;
    case 'ratio': return `${round(value * 100)} %`;
    case 'ms': case 'milliseconds': return `${round(value)} ms`;
    case 'seconds': return value < 1 ? `${round(value * 1000)} ms` : `${round(value)} s`;
    case 'bytes': return value >= 2 ** 30 ? `${round(value / 2 ** 30)} GiB` : `${round(value / 2 ** 20)} MiB`;
    case undefined: case '': case 'count': return String(round(value));
    default: return `${round(value)} ${unit}`;
  }
}

/** The API's series as they arrive (GET /api/v1/metrics/services/{id}): an id, a label, a unit, points at ISO instants. */
export interface ApiSeries {
  readonly id: string;
  readonly label: string;
  readonly unit: string;
  readonly points: readonly { readonly at: string; readonly value: number | null }[];
}

export interface DashboardPanel {
  readonly id: string;
  readonly title: string;
  readonly unit: string | undefined;
  readonly series: readonly { key: string; label: string; color: string }[];
  readonly rows: ChartRow[];
}

const PANELS: readonly { id: string; title: string; series: readonly { id: string; color: string }[] }[] = [
  { id: 'errorRate', title: 'Error rate', series: [{ id: 'errorRate', color: '#cd4246' }] },
  { id: 'requestRate', title: 'Request rate', series: [{ id: 'requestRate', color: '#2d72d2' }] },
  { id: 'latency', title: 'Latency p50 / p99', series: [{ id: 'latencyP50', color: '#2d72d2' }, { id: 'latencyP99', color: '#c87619' }] },
  { id: 'cpu', title: 'CPU', series: [{ id: 'cpu', color: '#7961db' }] },
  { id: 'memory', title: 'Memory', series: [{ id: 'memory', color: '#00a396' }] },
  { id: 'replicas', title: 'Replicas', series: [{ id: 'replicas', color: '#5f6b7c' }] },
];

/** The dashboard's panels in a fixed order (latency's p50 and p99 share one), each with the series the API sent; a panel with none is left out. */
export function dashboardPanels(series: readonly ApiSeries[]): DashboardPanel[] {
  const byId = new Map(series.map((s) => [s.id, s]));
  const panels: DashboardPanel[] = [];
  for (const panel of PANELS) {
    const present = panel.series.map((p) => ({ ...p, api: byId.get(p.id) })).filter((p) => p.api !== undefined);
    if (present.length === 0) continue;
    panels.push({
      id: panel.id,
      title: panel.title,
      unit: present[0]!.api!.unit,
      series: present.map((p) => ({ key: p.id, label: p.api!.label, color: p.color })),
      rows: shapeSeries(present.map((p) => ({ key: p.id, points: p.api!.points.map((pt) => ({ t: Date.parse(pt.at), v: pt.value })) }))),
    });
  }
  return panels;
}
