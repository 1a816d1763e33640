/**
 * A trace as a waterfall: one row per span (indented under its parent), its duration as a bar on the axis the whole
 * trace shares, errors red. Laid out by waterfall-layout.ts.
 */
import { Classes, Icon, Tooltip } from '@blueprintjs/core';
import { formatDuration, layoutWaterfall, type WaterfallSpan } from './waterfall-layout.ts';

export function TraceWaterfall({ roots }: { roots: readonly WaterfallSpan[] }) {
  const layout = layoutWaterfall(roots);
  return (
    <div className="apollo-waterfall" role="table" aria-label="Trace spans" data-testid="trace-waterfall" data-spans={layout.rows.length}>
      <div className="apollo-waterfall-row apollo-waterfall-head" role="row">
        <span role="columnheader" className={Classes.TEXT_MUTED}>Span</span>
        <span role="columnheader" className="apollo-waterfall-axis" aria-label={`Time axis, ${formatDuration(layout.totalMs)}`}>
          {layout.ticks.map((t) => <span key={t.ms} className="apollo-waterfall-tick" style={{ left: `${t.at * 100}%` }}>{t.ms === 0 ? '0' : formatDuration(t.ms)}</span>)}
        </span>
      </div>
      {layout.rows.map(({ span, depth, offset, width }) => (
        <div key={span.id} className={`apollo-waterfall-row${span.error ? ' apollo-waterfall-error' : ''}`} role="row" data-testid="trace-span" data-error={span.error} data-depth={depth}>
          <span role="cell" className="apollo-waterfall-name" style={{ paddingLeft: depth * 14 }}>
            {span.error && <Icon icon="error" size={12} intent="danger" aria-label="error" />}
            {span.service && <span className={Classes.TEXT_MUTED}>{span.service} · </span>}
            {span.name}
          </span>
          <span role="cell" className="apollo-waterfall-track">
            <Tooltip content={`${span.name}: ${formatDuration(span.durationMs)} (starts at +${formatDuration(span.startMs - layout.startMs)})`} compact
              className="apollo-waterfall-bar-wrap" targetProps={{ style: { left: `${offset * 100}%`, width: `${width * 100}%` } }}>
              <span className="apollo-waterfall-bar" tabIndex={0} aria-label={`${span.name} ${formatDuration(span.durationMs)}${span.error ? ', error' : ''}`} />
            </Tooltip>
            <span className="apollo-waterfall-duration" style={{ left: `calc(${(offset + width) * 100}% + 4px)` }}>{formatDuration(span.durationMs)}</span>
          </span>
        </div>
      ))}
    </div>
  );
}
