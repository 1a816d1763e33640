/**
 * A health history strip (24 h by default): one band per sample coloured by status, held until the next
 * sample, with the health endpoint's latency drawn over it where it was measured. Gaps (no samples) stay empty.
 * Markers (a service page's deployments) stand over it as thin stems, each with its tooltip and link.
 */
import { Classes, Tooltip } from '@blueprintjs/core';
import type { ReactElement } from 'react';
import { Link } from '../lib/router.tsx';
import { HEALTH_COLOR, type HealthStatus } from './health.tsx';
import './sparkline.css';

export interface HealthSample {
  readonly at: string;
  readonly status: HealthStatus;
  readonly latencyMs?: number | undefined;
}

/** Something that happened at a moment of the strip's window (a deployment): where, its look, its tooltip, its page. */
export interface SparklineMarker {
  readonly key: string;
  /** 0 (the window's start) to 1 (now). */
  readonly position: number;
  /** A class for its colour (`apollo-marker-<kind>`); also its data-kind. */
  readonly kind: string;
  /** In words, for screen readers. */
  readonly label: string;
  readonly tip: ReactElement | string;
  readonly href?: string;
}

const DAY = 24 * 3600_000;

export function HealthSparkline({ samples, now = Date.now(), windowMs = DAY, width = 280, height = 36, label, markers = [] }: {
  samples: readonly HealthSample[]; now?: number; windowMs?: number; width?: number; height?: number; label: string; markers?: readonly SparklineMarker[];
}) {
  const start = now - windowMs;
  const sorted = samples.filter((s) => Date.parse(s.at) >= start).sort((a, b) => a.at.localeCompare(b.at));
  const x = (t: number) => ((t - start) / windowMs) * width;
  // A sample stands for the time until the next one, but no longer than 10 minutes (then it is a gap).
  const hold = 10 * 60_000;
  const bands = sorted.map((s, i) => {
    const t = Date.parse(s.at);
    const next = sorted[i + 1] ? Date.parse(sorted[i + 1]!.at) : now;
    const end = Math.min(next, t + hold, now);
    // At least 3 units wide, so a lone check (the first minute after start) still shows.
    return { s, x: Math.min(x(t), width - 3), w: Math.max(3, x(end) - x(t)) };
  });
  const timed = sorted.filter((s) => typeof s.latencyMs === 'number');
  const maxLatency = Math.max(250, ...timed.map((s) => s.latencyMs!));
  const line = timed.map((s, i) => `${i ? 'L' : 'M'}${x(Date.parse(s.at)).toFixed(1)},${(height - 4 - ((s.latencyMs! / maxLatency) * (height - 10))).toFixed(1)}`).join(' ');
  const counts = sorted.reduce<Record<string, number>>((c, s) => ({ ...c, [s.status]: (c[s.status] ?? 0) + 1 }), {});
  const summary = sorted.length
    ? `${label}: ${sorted.length} checks in the last ${Math.round(windowMs / 3600_000)} h — ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}`
    : `${label}: no health checks in the last ${Math.round(windowMs / 3600_000)} h`;
  return (
    <figure className="apollo-sparkline" data-testid="health-sparkline" data-samples={sorted.length} data-markers={markers.length}>
      <div className="apollo-sparkline-frame">
      {sorted.length === 0 ? (
        <div className={`apollo-sparkline-empty ${Classes.TEXT_MUTED}`} style={{ height }}>No checks in the last {Math.round(windowMs / 3600_000)} h</div>
      ) : (
      <svg viewBox={`0 0 ${width} ${height}`} width="100%" height={height} preserveAspectRatio="none" role="img" aria-label={summary}>
        <title>{summary}</title>
        <rect x={0} y={0} width={width} height={height} rx={4} className="apollo-sparkline-bg" />
        {bands.map(({ s, x: bx, w }) => (
          <rect key={s.at} x={bx} y={height - 6} width={w + 0.6} height={6} fill={HEALTH_COLOR[s.status]} shapeRendering="crispEdges">
            <title>{`${new Date(s.at).toLocaleTimeString()}: ${s.status}${s.latencyMs !== undefined ? `, ${s.latencyMs} ms` : ''}`}</title>
          </rect>
        ))}
        {line && timed.length > 1 && <path d={line} fill="none" className="apollo-sparkline-line" strokeWidth={1.5} vectorEffect="non-scaling-stroke" />}
      </svg>
      )}
      {markers.length > 0 && (
        <div className="apollo-sparkline-markers">
          {markers.map((m) => {
            const stem = <span className="apollo-sparkline-marker-stem" />;
            return (
              <span key={m.key} className={`apollo-sparkline-marker apollo-marker-${m.kind}`} style={{ left: `${(Math.min(1, Math.max(0, m.position)) * 100).toFixed(2)}%` }}
                data-testid="sparkline-marker" data-kind={m.kind}>
                <Tooltip content={m.tip} placement="top" compact>
                  {m.href ? <Link to={m.href} aria-label={m.label}>{stem}</Link> : <span role="img" aria-label={m.label}>{stem}</span>}
                </Tooltip>
              </span>
            );
          })}
        </div>
      )}
      </div>
      <figcaption className={`${Classes.TEXT_MUTED} apollo-sparkline-caption`}>
        <span>24 h ago</span>
        {timed.length > 1 && <span>latency, peak {Math.round(Math.max(...timed.map((s) => s.latencyMs!)))} ms</span>}
        {timed.length === 1 && <span>1 check, {Math.round(timed[0]!.latencyMs!)} ms</span>}
        {markers.length > 0 && <span data-testid="sparkline-marker-count">{markers.length === 1 ? '1 deployment' : `${markers.length} deployments`}</span>}
        <span>now</span>
      </figcaption>
    </figure>
  );
}
