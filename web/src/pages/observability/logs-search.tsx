/**
 * A service's logs in one environment (GET /api/v1/logs/services/{id}): a text filter and a level (in the URL),
 * pages oldest first with "Load more" following the cursor, live tail (newer lines every few seconds, appended),
 * a SIMULATED label where the API says the lines are the local runtime's demo logs. Secrets show as the API masked them.
 */
import { Button, Classes, HTMLSelect, HTMLTable, InputGroup, NonIdealState, Spinner, Switch, Tag, Tooltip } from '@blueprintjs/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { Fragment, useEffect, useMemo, useRef, useState } from 'react';
import { formatTime } from '../../lib/format.ts';
import { Link } from '../../lib/router.tsx';
import { useServices } from '../../lib/services-context.ts';
import { ApiProblem } from './api-problem.tsx';
import { appendLines, lineKey, tailFrom, traceIdOf, type LogLine } from './log-lines.ts';
import type { StateChange } from './observability-pickers.tsx';
import { LEVELS, traceHref, windowKey, windowOf, type Level, type ObservabilityState } from './observability-url.ts';

const TAIL_EVERY_MS = 3000;
const PAGE = 100;

const LEVEL_INTENT: Record<string, 'danger' | 'warning' | 'primary' | 'none'> = { ERROR: 'danger', WARN: 'warning', INFO: 'primary', DEBUG: 'none' };

export function SourceTag({ source }: { source: string | undefined }) {
  if (source === 'local') {
    return (
      <Tooltip content="The lines this local runtime's own handlers wrote (INFO and up), as CloudWatch keeps Apollo's Lambdas' logs in AWS." compact>
        <Tag minimal intent="primary" icon="console" className="apollo-obs-source" data-testid="obs-local">LOCAL RUNTIME</Tag>
      </Tooltip>
    );
  }
  if (source === 'axiom') return <Tag minimal icon="database" className="apollo-obs-source" data-testid="obs-axiom">AXIOM</Tag>;
  if (source !== 'simulated') return null;
  return (
    <Tooltip content="Locally the logs, metrics and traces are the demo services' SIMULATED ones; in AWS Apollo reads CloudWatch, Prometheus and X-Ray." compact>
      <Tag minimal intent="warning" icon="lab-test" className="apollo-obs-source" data-testid="obs-simulated">SIMULATED</Tag>
    </Tooltip>
  );
}

/** `gapAfter`: how many lines precede the live-tailed ones when the window between is not loaded yet. */
function LogRows({ lines, state, gapAfter }: { lines: readonly LogLine[]; state: ObservabilityState; gapAfter?: number | undefined }) {
  const traced = lines.some((l) => traceIdOf(l.message) !== undefined);
  return (
    <HTMLTable compact striped className="apollo-table apollo-obs-log-table" data-testid="log-lines" aria-label="Log lines">
      <thead><tr><th>Time</th><th>Level</th><th>Message</th>{traced && <th>Trace</th>}</tr></thead>
      <tbody>
        {lines.map((line, i) => {
          const trace = traceIdOf(line.message);
          return (
            <Fragment key={lineKey(line)}>
              {i === gapAfter && (
                <tr data-testid="logs-gap"><td colSpan={traced ? 4 : 3} className={Classes.TEXT_MUTED}>… later lines of the search not loaded yet (Load more below); live tail continues from here</td></tr>
              )}
              <tr className={line.level === 'ERROR' ? 'apollo-obs-log-error' : undefined} data-testid="log-line" data-level={line.level ?? ''}>
                <td className="apollo-obs-log-time" title={line.logGroup + (line.logStream ? ` · ${line.logStream}` : '')}>{formatTime(line.timestamp)}</td>
                <td>{line.level ? <Tag minimal intent={LEVEL_INTENT[line.level] ?? 'none'}>{line.level}</Tag> : <span className={Classes.TEXT_MUTED}>—</span>}</td>
                <td className="apollo-obs-log-message" data-testid="log-message">{line.message}</td>
                {traced && <td>{trace && <Link to={traceHref(state, trace)} data-testid="log-trace-link" data-trace={trace} aria-label={`Open trace ${trace}`}>trace</Link>}</td>}
              </tr>
            </Fragment>
          );
        })}
      </tbody>
    </HTMLTable>
  );
}

export function LogsSearch({ service, environment, state, onChange }: {
  service: string; environment: string | undefined; state: ObservabilityState; onChange(change: StateChange): void;
}) {
  const { api } = useServices();
  const [text, setText] = useState(state.q ?? '');
  useEffect(() => setText(state.q ?? ''), [state.q]);
  const [tail, setTail] = useState(false);
  const [refreshed, setRefreshed] = useState(0);
  // The range is fixed when the search is asked (a new search, a new "now"), so pages follow one window.
  const shown = windowKey(state);
  const range = useMemo(() => windowOf(state, Date.now()), [shown, service, environment, state.level, state.q, refreshed]);
  const filters = { ...(environment ? { environment } : {}), ...(state.level ? { level: state.level } : {}), ...(state.q ? { q: state.q } : {}) };
  const search = useInfiniteQuery({
    queryKey: ['logs', 'service', service, filters, range.from, range.to],
    queryFn: ({ pageParam }) => api.read('GET /api/v1/logs/services/{id}', { params: { id: service }, query: { ...filters, from: range.from, to: range.to, limit: PAGE, ...(pageParam ? { cursor: pageParam } : {}) } }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const paged = useMemo(() => (search.data?.pages ?? []).flatMap((p) => p.items), [search.data]);
  const [tailed, setTailed] = useState<LogLine[]>([]);
  useEffect(() => setTailed([]), [search.data?.pages[0]]);
  const lines = useMemo(() => appendLines(paged, tailed), [paged, tailed]);
  const linesRef = useRef(lines);
  linesRef.current = lines;
  const [tailError, setTailError] = useState<unknown>(null);

  // Live tail: every few seconds the lines after the search's window (or the newest tailed), up to now, appended.
  useEffect(() => {
    if (!tail) return undefined;
    let stopped = false;
    const timer = setInterval(() => {
      void (async () => {
        try {
          const from = tailFrom(linesRef.current, range.to);
          const to = new Date().toISOString();
          let cursor: string | undefined;
          const got: LogLine[] = [];
          for (let i = 0; i < 3; i++) {
            const page = await api.read('GET /api/v1/logs/services/{id}', { params: { id: service }, query: { ...filters, from, to, limit: PAGE, ...(cursor ? { cursor } : {}) } });
            got.push(...page.items);
            if (!page.nextCursor) break;
            cursor = page.nextCursor;
          }
          if (!stopped) { setTailed((t) => appendLines(t, got)); setTailError(null); }
        } catch (error) {
          if (!stopped) setTailError(error);
        }
      })();
    }, TAIL_EVERY_MS);
    return () => { stopped = true; clearInterval(timer); };
  }, [tail, api, service, range.to, JSON.stringify(filters)]);

  const first = search.data?.pages[0];
  return (
    <section className="apollo-obs-logs" aria-label="Log search" data-testid="logs-search">
      <form className="apollo-obs-toolbar" role="search" onSubmit={(e) => { e.preventDefault(); onChange({ q: text.trim() }); }}>
        <InputGroup leftIcon="search" placeholder="Filter: every word must appear (HikariCP timeout)" value={text} onChange={(e) => setText(e.currentTarget.value)}
          aria-label="Text filter" data-testid="logs-q" rightElement={<Button type="submit" variant="minimal" icon="arrow-right" aria-label="Search" data-testid="logs-search-submit" />} />
        <HTMLSelect value={state.level ?? ''} aria-label="Level" onChange={(e) => onChange({ level: e.currentTarget.value as Level | '' })} data-testid="logs-level"
          options={[{ value: '', label: 'Any level' }, ...LEVELS.map((l) => ({ value: l, label: l }))]} />
        <Switch checked={tail} onChange={(e) => setTail(e.currentTarget.checked)} label="Live tail" data-testid="logs-tail" inline />
        <Button icon="refresh" variant="minimal" text="Refresh" onClick={() => { setRefreshed((n) => n + 1); }} data-testid="logs-refresh" />
        {(search.isFetching || tail) && <Spinner size={14} aria-label={tail ? 'Tailing' : 'Loading'} />}
        <SourceTag source={first?.source} />
        {first && <span className={`${Classes.TEXT_MUTED} ${Classes.TEXT_SMALL}`} data-testid="logs-groups">{first.logGroups.join(', ') || 'no log groups'}</span>}
      </form>
      {search.isError && !search.data ? <ApiProblem error={search.error} onRetry={() => void search.refetch()} />
        : search.isPending ? <div className={Classes.SKELETON} style={{ height: 160 }} data-testid="logs-loading" />
          : lines.length === 0 ? <div data-testid="logs-empty"><NonIdealState icon="search-text" title="No log lines" className="apollo-empty"
            description={state.q || state.level ? 'Nothing matches these filters in this range. Widen the range or clear a filter.' : 'The service logged nothing in this environment and range.'} /></div>
            : (
              <>
                <LogRows lines={lines} state={state} gapAfter={search.hasNextPage && lines.length > paged.length ? paged.length : undefined} />
                <div className="apollo-obs-toolbar">
                  <span className={Classes.TEXT_MUTED} data-testid="logs-count">{lines.length} line{lines.length === 1 ? '' : 's'}</span>
                  {search.hasNextPage && <Button text="Load more" icon="more" loading={search.isFetchingNextPage} onClick={() => void search.fetchNextPage()} data-testid="logs-more" />}
                </div>
              </>
            )}
      {search.isError && search.data && <ApiProblem error={search.error} />}
      {tailError != null && <ApiProblem error={tailError} />}
    </section>
  );
}
