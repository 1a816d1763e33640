/**
 * A trace by id (GET /api/v1/logs/trace/{traceId}): its spans as a waterfall, the services it passed through, a
 * SIMULATED label when the API says so. The id comes from the URL (a log line's trace link), the box, or the
 * service's recent slow traces (GET /api/v1/logs/traces/services/{id}, at most 6 hours back).
 */
import { Button, Classes, HTMLTable, InputGroup, NonIdealState, Tag } from '@blueprintjs/core';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useServices } from '../../lib/services-context.ts';
import { ApiProblem } from './api-problem.tsx';
import { formatTime } from '../../lib/format.ts';
import { Link } from '../../lib/router.tsx';
import type { StateChange } from './observability-pickers.tsx';
import { traceHref, windowKey, windowOf, type ObservabilityState } from './observability-url.ts';
import { TraceWaterfall } from './trace-waterfall.tsx';
import { formatDuration, waterfallSpans } from './waterfall-layout.ts';

const SIX_HOURS = 6 * 3600_000;

/** The service's recent slow traces in the environment (the range's last 6 hours at most), newest first. */
function RecentTraces({ service, environment, state }: { service: string; environment: string; state: ObservabilityState }) {
  const { api } = useServices();
  const recent = useQuery({
    queryKey: ['traces', 'recent', service, environment, windowKey(state)],
    queryFn: () => {
      const range = windowOf(state, Date.now());
      const from = new Date(Math.max(range.fromMs, range.toMs - SIX_HOURS)).toISOString();
      return api.read('GET /api/v1/logs/traces/services/{id}', { params: { id: service }, query: { environment, from, to: range.to, limit: 10 } });
    },
  });
  if (recent.isError) return <ApiProblem error={recent.error} onRetry={() => void recent.refetch()} />;
  if (!recent.data) return <div className={Classes.SKELETON} style={{ height: 80 }} data-testid="traces-loading" />;
  if (recent.data.items.length === 0) return <p className={Classes.TEXT_MUTED} data-testid="traces-empty">No traces of a second or more in this range.</p>;
  return (
    <HTMLTable compact className="apollo-table apollo-obs-log-table apollo-obs-trace-list" aria-label="Recent slow traces" data-testid="recent-traces">
      <thead><tr><th>Recent slow traces</th><th>Started</th><th>Duration</th><th>Answer</th></tr></thead>
      <tbody>
        {recent.data.items.map((t) => (
          <tr key={t.traceId} data-testid="trace-row" className={t.fault || t.error ? 'apollo-obs-log-error' : undefined}>
            <td><Link to={traceHref(state, t.traceId)} className="apollo-mono" data-testid="trace-row-link" aria-current={t.traceId === state.trace ? 'true' : undefined}>{t.traceId}</Link></td>
            <td className="apollo-obs-log-time">{formatTime(t.startedAt)}</td>
            <td>{formatDuration(t.durationMs)}</td>
            <td>{t.http?.status !== undefined ? <Tag minimal intent={t.http.status >= 500 ? 'danger' : t.http.status >= 400 ? 'warning' : 'success'}>{t.http.status}</Tag> : t.fault ? <Tag minimal intent="danger">fault</Tag> : '—'}</td>
          </tr>
        ))}
      </tbody>
    </HTMLTable>
  );
}

export function TraceView({ service, environment, state, onChange }: { service: string; environment: string | undefined; state: ObservabilityState; onChange(change: StateChange): void }) {
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
      {environment && <RecentTraces service={service} environment={environment} state={state} />}
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
