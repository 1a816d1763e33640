/**
 * The advanced "Logs Insights query" box: POST /api/v1/logs/query answers 202 with the query (Insights queries can
 * outrun API Gateway's 29 s), then GET /api/v1/logs/query/{id} is asked every second until it ends, showing its
 * status, statistics and rows so far; Stop asks DELETE /api/v1/logs/query/{id}. Rows show as the API masked them.
 */
import { Button, Classes, Collapse, FormGroup, HTMLTable, NonIdealState, Tag, TextArea } from '@blueprintjs/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useServices } from '../../lib/services-context.ts';
import { ApiProblem } from './api-problem.tsx';
import { defaultInsightsQuery, isRunning, resultColumns } from './log-lines.ts';
import { SourceTag } from './logs-search.tsx';
import { windowOf, type ObservabilityState } from './observability-url.ts';

const STATUS_INTENT: Record<string, 'primary' | 'success' | 'danger' | 'warning' | 'none'> = {
  Scheduled: 'none', Running: 'primary', Complete: 'success', Failed: 'danger', Timeout: 'danger', Cancelled: 'warning', Unknown: 'none',
};

export function LogsInsights({ service, environment, state }: { service: string; environment: string | undefined; state: ObservabilityState }) {
  const { api } = useServices();
  const [open, setOpen] = useState(false);
  const [text, setText] = useState(defaultInsightsQuery);
  const [id, setId] = useState<string | null>(null);
  const start = useMutation({
    mutationFn: () => {
      const range = windowOf(state, Date.now());
      return api.read('POST /api/v1/logs/query', { body: { query: text, service, ...(environment ? { environment } : {}), start: range.from, end: range.to } });
    },
    onSuccess: (q) => setId(q.id),
  });
  const query = useQuery({
    queryKey: ['logs', 'query', id],
    queryFn: () => api.read('GET /api/v1/logs/query/{id}', { params: { id: id! } }),
    enabled: id !== null,
    refetchInterval: (q) => (q.state.data && !isRunning(q.state.data.status) ? false : 1000),
  });
  const stop = useMutation({
    mutationFn: () => api.read('DELETE /api/v1/logs/query/{id}', { params: { id: id! } }),
    onSettled: () => void query.refetch(),
  });
  const current = query.data ?? (start.data?.id === id ? start.data : undefined);
  const running = current ? isRunning(current.status) : false;
  const columns = resultColumns(current?.results ?? []);
  return (
    <section className="apollo-obs-insights" aria-label="Logs Insights query" data-testid="logs-insights">
      <Button variant="minimal" icon={open ? 'chevron-down' : 'chevron-right'} text="Logs Insights query" onClick={() => setOpen((o) => !o)} aria-expanded={open} data-testid="insights-toggle" />
      <Collapse isOpen={open}>
        <form onSubmit={(e) => { e.preventDefault(); start.mutate(); }} className="apollo-obs-query">
          <FormGroup label="Query" labelFor="obs-insights-query" helperText="CloudWatch Logs Insights language (locally its subset: fields, filter with like / regex / comparisons, stats count(*) by, sort, limit), over this environment's log groups and time range.">
            <TextArea id="obs-insights-query" fill rows={4} value={text} onChange={(e) => setText(e.currentTarget.value)} data-testid="insights-query"
              onKeyDown={(e) => { if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) { e.preventDefault(); start.mutate(); } }} />
          </FormGroup>
          <div className="apollo-obs-toolbar">
            <Button type="submit" intent="primary" icon="play" text="Run" loading={start.isPending} disabled={running || !text.trim()} data-testid="insights-run" />
            {running && <Button icon="stop" text="Stop" intent="danger" variant="outlined" loading={stop.isPending} onClick={() => stop.mutate()} data-testid="insights-stop" />}
            {current && <Tag minimal intent={STATUS_INTENT[current.status] ?? 'none'} data-testid="insights-status" data-status={current.status}>{current.status}</Tag>}
            <SourceTag source={current?.source} />
            <span className={Classes.TEXT_MUTED}>⌘/Ctrl + Enter runs it</span>
          </div>
        </form>
        {start.isError && <ApiProblem error={start.error} />}
        {stop.isError && <ApiProblem error={stop.error} />}
        {query.isError && <ApiProblem error={query.error} onRetry={() => void query.refetch()} />}
        {current && (
          <>
            <div className="apollo-obs-stats" data-testid="insights-statistics">
              <span>{current.results.length} row{current.results.length === 1 ? '' : 's'}</span>
              <span>{current.statistics.recordsMatched.toLocaleString()} matched</span>
              <span>{current.statistics.recordsScanned.toLocaleString()} scanned</span>
              <span>{(current.statistics.bytesScanned / 1024).toLocaleString(undefined, { maximumFractionDigits: 1 })} KiB scanned</span>
              <span>log groups: {current.logGroups.join(', ')}</span>
            </div>
            {current.error && <ApiProblem error={new Error(current.error)} />}
            {current.results.length === 0
              ? (!running && <NonIdealState icon="search-text" title="No rows" description="The query matched nothing in this range." className="apollo-empty" />)
              : (
                <div className="apollo-obs-results">
                  <HTMLTable compact striped className="apollo-table apollo-obs-log-table" data-testid="insights-results">
                    <thead><tr>{columns.map((c) => <th key={c}>{c}</th>)}</tr></thead>
                    <tbody>
                      {current.results.map((row, i) => {
                        const values = new Map(row.map((f) => [f.field, f.value]));
                        return <tr key={i} data-testid="insights-row">{columns.map((c) => <td key={c} className={c === '@message' ? 'apollo-obs-log-message' : undefined}>{values.get(c) ?? ''}</td>)}</tr>;
                      })}
                    </tbody>
                  </HTMLTable>
                </div>
              )}
          </>
        )}
      </Collapse>
    </section>
  );
}
