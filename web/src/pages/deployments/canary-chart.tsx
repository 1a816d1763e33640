/**
 * A canary's checks as two small inline charts (no chart library): error rate and p99 latency of the new version at
 * each check over the analysis, the pre-deploy baseline dashed, the limit a check is held to as a red threshold line,
 * and each check a marker (filled green: passed; red with a cross: failed). Hover a marker for its numbers and reasons.
 */
import { Classes } from '@blueprintjs/core';
import { canaryChart, CHART_SIZE, formatMetric, METRIC_LABEL, type Canary, type CanaryMetric } from './canary-rules.ts';
import './canary.css';

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

export function CanaryMetricChart({ canary, metric }: { canary: Pick<Canary, 'checks' | 'config' | 'baseline' | 'startedAt'>; metric: CanaryMetric }) {
  const size = CHART_SIZE;
  const layout = canaryChart(canary, metric, size);
  const label = METRIC_LABEL[metric];
  const summary = `${label}: ${layout.points.length} checks, limit ${formatMetric(metric, layout.limit)}${layout.baseline !== null ? `, baseline ${formatMetric(metric, layout.baseline)}` : ''}`;
  const right = size.width - size.right;
  return (
    <figure className="apollo-canary-chart" data-testid="canary-chart" data-metric={metric} data-checks={layout.points.length}
      data-limit={layout.limit} data-baseline={layout.baseline ?? ''}>
      <figcaption className="apollo-canary-chart-title">
        <strong>{label}</strong>
        <span className="apollo-canary-legend">
          <span className="apollo-canary-key apollo-canary-key-line" aria-hidden /> new version
          <span className="apollo-canary-key apollo-canary-key-baseline" aria-hidden /> baseline{layout.baseline !== null ? ` ${formatMetric(metric, layout.baseline)}` : ': none'}
          <span className="apollo-canary-key apollo-canary-key-limit" aria-hidden /> limit {formatMetric(metric, layout.limit)}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${size.width} ${size.height}`} width="100%" role="img" aria-label={summary} className="apollo-canary-svg">
        <title>{summary}</title>
        <rect x={size.left} y={size.top} width={right - size.left} height={size.height - size.top - size.bottom} className="apollo-canary-plot" />
        {layout.ticks.map((t) => (
          <g key={t.label}>
            <line x1={size.left} x2={right} y1={t.y} y2={t.y} className="apollo-canary-grid" />
            <text x={size.left - 6} y={t.y + 3.5} textAnchor="end" className="apollo-canary-axis">{t.label}</text>
          </g>
        ))}
        <line x1={size.left} x2={right} y1={layout.limitY} y2={layout.limitY} className="apollo-canary-limit" data-testid="canary-limit-line">
          <title>{`Limit: ${formatMetric(metric, layout.limit)} (a check above it fails)`}</title>
        </line>
        {layout.baselineY !== null && (
          <line x1={size.left} x2={right} y1={layout.baselineY} y2={layout.baselineY} className="apollo-canary-baseline" data-testid="canary-baseline-line">
            <title>{`Baseline (the version before): ${formatMetric(metric, layout.baseline)}`}</title>
          </line>
        )}
        {layout.path && <path d={layout.path} className="apollo-canary-line" fill="none" />}
        {layout.points.map((p) => (
          <g key={p.at} data-testid="canary-check-marker" data-passed={p.passed} className={p.passed ? 'apollo-canary-pass' : 'apollo-canary-fail'}>
            <title>{`Check ${p.index + 1} at ${clock.format(new Date(p.at))}: ${formatMetric(metric, p.value)} — ${p.passed ? 'passed' : `failed${p.reasons.length ? ` (${p.reasons.join('; ')})` : ''}`}`}</title>
            <circle cx={p.x} cy={p.y} r={p.passed ? 4 : 5} />
            {!p.passed && <path d={`M${p.x - 2.5},${p.y - 2.5} L${p.x + 2.5},${p.y + 2.5} M${p.x + 2.5},${p.y - 2.5} L${p.x - 2.5},${p.y + 2.5}`} className="apollo-canary-cross" />}
          </g>
        ))}
        <text x={size.left} y={size.height - 5} className="apollo-canary-axis">{layout.from ? clock.format(new Date(layout.from)) : ''}</text>
        <text x={right} y={size.height - 5} textAnchor="end" className="apollo-canary-axis">{layout.to ? clock.format(new Date(layout.to)) : ''}</text>
      </svg>
      {layout.points.length === 0 && <p className={`${Classes.TEXT_MUTED} apollo-small apollo-canary-empty`}>No check yet: the first comes {canary.config.intervalSeconds} s after the rollout.</p>}
    </figure>
  );
}
