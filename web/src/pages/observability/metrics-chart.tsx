/**
 * One panel of the metrics dashboard in Recharts: its series as lines over the range, and the service's deployments
 * as vertical markers (a line in the chart, a focusable link over it with a tooltip: tag, who, status; click opens
 * the deployment). The markers are HTML over the plot so a keyboard reaches them and Blueprint's tooltip explains them.
 */
import { Classes, Tooltip } from '@blueprintjs/core';
import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip as ChartTooltip, XAxis, YAxis } from 'recharts';
import { formatTime } from '../../lib/format.ts';
import { Link } from '../../lib/router.tsx';
import { formatValue, type ChartRow, type PlacedMarker } from './metrics-shaping.ts';

export interface ChartSeries {
  readonly key: string;
  readonly label: string;
  readonly color: string;
}

export interface DeploymentMarker {
  readonly id: string;
  readonly atMs: number;
  readonly tag?: string | undefined;
  readonly by?: string | undefined;
  readonly status?: string | undefined;
}

const MARGIN = { top: 8, right: 12, bottom: 0, left: 0 };
const Y_WIDTH = 56;
const X_HEIGHT = 24;
const HEIGHT = 180;
/** Units short enough for the axis' ticks; the others (requests/s, cores) are in the tooltip and the headline. */
const AXIS_UNITS = new Set(['ratio', 'percent', 'ms', 'seconds', 'bytes']);

const tickTime = (fromMs: number, toMs: number) => (t: number) => {
  const d = new Date(t);
  return toMs - fromMs > 36 * 3600_000
    ? d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })
    : d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
};

const markerColor = (status: string | undefined) =>
  status === 'succeeded' ? '#238551' : status === 'failed' || status === 'rolled_back' ? '#cd4246' : '#2d72d2';

function MarkerTip({ marker }: { marker: DeploymentMarker }) {
  return (
    <span data-testid="metrics-marker-tip">
      <strong>{marker.tag ?? 'deployment'}</strong>{marker.status && <> · {marker.status}</>}
      {marker.by && <span style={{ display: 'block' }}>by {marker.by}</span>}
      <span className={`${Classes.TEXT_MUTED} apollo-small`} style={{ display: 'block' }}>{formatTime(new Date(marker.atMs).toISOString())}</span>
    </span>
  );
}

export function MetricsChart({ id, title, unit, rows, series, markers, fromMs, toMs, headline }: {
  id: string; title: string; unit?: string | undefined; rows: readonly ChartRow[]; series: readonly ChartSeries[];
  markers: readonly PlacedMarker<DeploymentMarker>[]; fromMs: number; toMs: number; headline?: string | undefined;
}) {
  const hasData = rows.some((r) => series.some((s) => typeof r[s.key] === 'number'));
  return (
    <figure className="apollo-obs-chart" data-testid="metrics-chart" data-metric={id} data-points={rows.length}>
      <figcaption className="apollo-obs-chart-title">
        <strong>{title}</strong>
        {headline && <span className={Classes.TEXT_MUTED} data-testid="metrics-headline">{headline}</span>}
        {series.length > 1 && (
          <span className="apollo-obs-legend">{series.map((s) => <span key={s.key}><span className="apollo-obs-key" style={{ borderColor: s.color }} />{s.label}</span>)}</span>
        )}
      </figcaption>
      {!hasData ? (
        <div className={`apollo-obs-chart-empty ${Classes.TEXT_MUTED}`} style={{ height: HEIGHT }} data-testid="metrics-chart-empty">No data in this range</div>
      ) : (
        <div className="apollo-obs-plot" style={{ height: HEIGHT }}>
          <ResponsiveContainer width="100%" height={HEIGHT}>
            <LineChart data={rows as ChartRow[]} margin={MARGIN} accessibilityLayer>
              <CartesianGrid strokeDasharray="3 3" stroke="rgba(143, 153, 168, 0.25)" />
              <XAxis dataKey="t" type="number" scale="time" domain={[fromMs, toMs]} height={X_HEIGHT} tickFormatter={tickTime(fromMs, toMs)} fontSize={10} allowDataOverflow />
              <YAxis width={Y_WIDTH} fontSize={10} tickFormatter={(v: number) => formatValue(v, AXIS_UNITS.has(unit ?? '') ? unit : 'count')} />
              <ChartTooltip labelFormatter={(t) => formatTime(new Date(Number(t)).toISOString())} formatter={(v) => formatValue(typeof v === 'number' ? v : null, unit)} />
              {series.map((s) => <Line key={s.key} dataKey={s.key} name={s.label} stroke={s.color} dot={false} strokeWidth={1.75} isAnimationActive={false} connectNulls={false} />)}
              {markers.map((m) => <ReferenceLine key={m.id} x={m.atMs} stroke={markerColor(m.status)} strokeDasharray={m.latest ? undefined : '4 3'} strokeWidth={m.latest ? 2 : 1} />)}
            </LineChart>
          </ResponsiveContainer>
          {/* Over the plot area (inside the axes): one focusable link per deployment, where its line is. */}
          <div className="apollo-obs-markers" style={{ left: MARGIN.left + Y_WIDTH, right: MARGIN.right, top: MARGIN.top, bottom: X_HEIGHT + MARGIN.bottom }}>
            {markers.map((m) => (
              <Tooltip key={m.id} content={<MarkerTip marker={m} />} compact placement="top" className="apollo-obs-marker-wrap" targetProps={{ style: { left: `${m.position * 100}%` } }}>
                <Link to={`/deployments/${encodeURIComponent(m.id)}`} className="apollo-obs-marker" data-testid="metrics-marker" data-id={m.id} data-latest={m.latest} data-status={m.status}
                  aria-label={`Deployment ${m.tag ?? m.id}${m.status ? `, ${m.status}` : ''}${m.by ? `, by ${m.by}` : ''}`} />
              </Tooltip>
            ))}
          </div>
        </div>
      )}
    </figure>
  );
}
