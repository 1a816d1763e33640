/**
 * MTTA and MTTR (GET /api/v1/incidents/stats, the last 90 days, the list's service or team when it has one): the
 * headline figures, incidents per week as bars with the week's MTTR as a line (Recharts), and a table by severity.
 * Loaded with the page's first view of it (Recharts is not in the app's first load).
 */
import { Classes, HTMLTable, NonIdealState, Spinner } from '@blueprintjs/core';
import { Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ErrorState } from '../../components/error-state.tsx';
import { useIncidentStats } from './incident-queries.ts';
import { SeverityTag } from './incident-parts.tsx';
import { formatSeconds, severityRows, weekRows, type Severity } from './incident-rules.ts';

const day = (iso: string): string => new Date(iso).toLocaleDateString(undefined, { dateStyle: 'medium' });

export function IncidentStatsPanel({ service, team }: { service?: string | undefined; team?: string | undefined }) {
  const stats = useIncidentStats({ service, team });
  if (stats.isError && !stats.data) return <ErrorState compact error={stats.error} onRetry={() => void stats.refetch()} />;
  if (!stats.data) return <div className={Classes.SKELETON} style={{ height: 260 }} data-testid="incident-stats-loading" />;
  const s = stats.data;
  const weeks = weekRows(s.perWeek);
  const bySeverity = severityRows(s.bySeverity);
  return (
    <div className="apollo-incident-stats" data-testid="incident-stats" data-count={s.count} data-open={s.open}>
      <div className="apollo-incident-figures">
        <div><span className="apollo-incident-figure" data-testid="incident-stats-count">{s.count}</span><span className={Classes.TEXT_MUTED}>incidents</span></div>
        <div><span className="apollo-incident-figure" data-testid="incident-stats-open">{s.open}</span><span className={Classes.TEXT_MUTED}>open</span></div>
        <div><span className="apollo-incident-figure" data-testid="incident-stats-mtta">{formatSeconds(s.mttaSeconds)}</span><span className={Classes.TEXT_MUTED}>MTTA (to acknowledged)</span></div>
        <div><span className="apollo-incident-figure" data-testid="incident-stats-mttr">{formatSeconds(s.mttrSeconds)}</span><span className={Classes.TEXT_MUTED}>MTTR (to resolved)</span></div>
        <span className={`${Classes.TEXT_MUTED} apollo-small`} data-testid="incident-stats-range">{day(s.from)} – {day(s.to)}{service ? ` · ${service}` : ''}{team ? ` · team ${team}` : ''}</span>
        {stats.isFetching && <Spinner size={14} />}
      </div>
      <div className="apollo-incident-stats-body">
        <figure className="apollo-incident-chart" data-testid="incident-stats-chart" data-weeks={weeks.length}>
          <figcaption className={Classes.TEXT_SMALL}>Incidents per week, and the week&apos;s MTTR</figcaption>
          {weeks.length === 0
            ? <NonIdealState icon="timeline-bar-chart" title="No incidents in this range" className="apollo-empty" />
            : (
              <ResponsiveContainer width="100%" height={200}>
                <ComposedChart data={weeks} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
                  <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="rgba(143, 153, 168, 0.3)" />
                  <XAxis dataKey="label" fontSize={11} tickLine={false} />
                  <YAxis yAxisId="count" allowDecimals={false} fontSize={11} width={32} />
                  <YAxis yAxisId="mttr" orientation="right" fontSize={11} width={48} tickFormatter={(v: number) => `${v} min`} />
                  <Tooltip formatter={(value, name) => (name === 'MTTR' ? formatSeconds(Number(value) * 60) : value)} />
                  <Legend wrapperStyle={{ fontSize: 11 }} />
                  <Bar yAxisId="count" dataKey="count" name="Incidents" fill="#cd4246" radius={[2, 2, 0, 0]} isAnimationActive={false} />
                  <Line yAxisId="mttr" dataKey="mttrMinutes" name="MTTR" stroke="#2d72d2" strokeWidth={2} dot={{ r: 2 }} connectNulls isAnimationActive={false} />
                </ComposedChart>
              </ResponsiveContainer>
            )}
        </figure>
        <HTMLTable compact className="apollo-table apollo-incident-severity-table" data-testid="incident-stats-by-severity">
          <thead><tr><th>Severity</th><th>Incidents</th><th>MTTA</th><th>MTTR</th></tr></thead>
          <tbody>
            {bySeverity.map((r) => (
              <tr key={r.key} data-testid="incident-stats-severity-row" data-severity={r.key} data-count={r.count}>
                <td>{(['critical', 'high', 'medium', 'low'] as const).includes(r.key as Severity) ? <SeverityTag severity={r.key as Severity} /> : r.key}</td>
                <td>{r.count}</td>
                <td>{formatSeconds(r.mttaSeconds)}</td>
                <td>{formatSeconds(r.mttrSeconds)}</td>
              </tr>
            ))}
          </tbody>
        </HTMLTable>
      </div>
    </div>
  );
}
