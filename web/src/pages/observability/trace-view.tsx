/**
 * A trace by id (GET /api/v1/logs/trace/{traceId}): its spans as a waterfall, the services it passed through, a
 * SIMULATED label when the API says so. The id comes from the URL (a log line's trace link) or the box.
 */
import { Button, Classes, InputGroup, NonIdealState, Tag } from '@blueprintjs/core';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useServices } from '../../lib/services-context.ts';
import { ApiProblem } from './api-problem.tsx';
import type { StateChange } from './observability-pickers.tsx';
import type { ObservabilityState } from './observability-url.ts';
import { TraceWaterfall } from './trace-waterfall.tsx';
import { formatDuration, waterfallSpans } from './waterfall-layout.ts';

export function TraceView({ state, onChange }: { state: ObservabilityState; onChange(change: StateChange): void }) {
  const { api } = useServices();
  const [text, setText] = useState(state.trace ?? '');
  useEffect(() => setText(state.trace ?? ''), [state.trace]);
  const trace = useQuery({
    queryKey: ['traces', state.trace],
    queryFn: () => api.read('GET /api/v1/logs/trace/{traceId}', { params: { traceId: state.trace! } }),
    enabled: state.trace !== undefined,
  });
  const data = trace.data;
  return (
    <section aria-label="Trace" data-testid="trace-view">
      <form className="apollo-obs-toolbar" role="search" onSubmit={(e) => { e.preventDefault(); onChange({ trace: text.trim() }); }}>
        <InputGroup leftIcon="graph" placeholder="Trace id (1-5759e988-bd862e3fe1be46a994272793)" value={text} onChange={(e) => setText(e.currentTarget.value)} aria-label="Trace id" data-testid="trace-id" />
        <Button type="submit" text="Open" icon="arrow-right" data-testid="trace-open" />
      </form>
      {!state.trace ? (
        <div data-testid="trace-none"><NonIdealState icon="graph" title="No trace open" description="Open one from a log line's trace link, or paste its id." className="apollo-empty" /></div>
      ) : trace.isError ? (
        <ApiProblem error={trace.error} onRetry={() => void trace.refetch()} />
      ) : !data ? (
        <div className={Classes.SKELETON} style={{ height: 200 }} data-testid="trace-loading" />
      ) : (
        <>
          <div className="apollo-obs-toolbar" data-testid="trace-summary">
            <strong className="apollo-mono">{data.traceId}</strong>
            <span>{formatDuration(data.durationMs)}</span>
            <span className={Classes.TEXT_MUTED}>{data.services.join(' → ')}</span>
            {data.simulated && <Tag minimal intent="warning" icon="lab-test" data-testid="obs-simulated">SIMULATED</Tag>}
            <span className={`${Classes.TEXT_MUTED} ${Classes.TEXT_SMALL}`}>{data.source}</span>
          </div>
          {data.spans.length === 0
            ? <NonIdealState icon="graph" title="No spans" description="The trace has no spans." className="apollo-empty" />
            : <TraceWaterfall roots={waterfallSpans(data.spans)} />}
        </>
      )}
    </section>
  );
}
