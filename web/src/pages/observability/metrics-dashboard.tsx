/**
 * A service's metrics dashboard (GET /api/v1/metrics/services/{id}): error rate, request rate, latency p50/p99, CPU,
 * memory and replicas over the range, the service's deployments in that environment marked on every panel (the
 * newest solid), a SIMULATED label when the API says the figures are made up. Re-read every minute.
 */
import { Classes, NonIdealState, Spinner, Tag, Tooltip } from '@blueprintjs/core';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useServices } from '../../lib/services-context.ts';
import { ApiProblem } from './api-problem.tsx';
import { MetricsChart, type DeploymentMarker } from './metrics-chart.tsx';
import { dashboardPanels, formatValue, peakOf, placeMarkers } from './metrics-shaping.ts';
import { windowKey, windowOf, type ObservabilityState } from './observability-url.ts';

export function MetricsDashboard({ service, environment, state }: { service: string; environment: string | undefined; state: ObservabilityState }) {
  const { api } = useServices();
  const [asked] = useState(() => Date.now());
  const metrics = useQuery({
    queryKey: ['metrics', 'service', service, environment, windowKey(state)],
    queryFn: () => {
      const range = windowOf(state, Date.now());
      return api.read('GET /api/v1/metrics/services/{id}', { params: { id: service }, query: { environment: environment!, from: range.from, to: range.to } });
    },
    enabled: environment !== undefined,
    refetchInterval: 60_000,
  });
  const data = metrics.data;
  const fromMs = data ? Date.parse(data.from) : windowOf(state, asked).fromMs;
  const toMs = data ? Date.parse(data.to) : asked;
  const panels = useMemo(() => dashboardPanels(data?.series ?? []), [data]);
  const markers = useMemo(() => placeMarkers<DeploymentMarker>((data?.deployments ?? []).map((d) => ({
    id: d.id, atMs: Date.parse(d.startedAt), tag: d.imageTag ?? d.operation, by: d.initiatedBy, status: d.status,
  })), fromMs, toMs), [data, fromMs, toMs]);
  if (!environment) return <NonIdealState icon="cloud" title="No environment" description="The service has no environment to read metrics for." className="apollo-empty" />;
  if (metrics.isError && !data) return <ApiProblem error={metrics.error} onRetry={() => void metrics.refetch()} />;
  if (!data) return <div className="apollo-obs-charts" data-testid="metrics-loading">{Array.from({ length: 6 }, (_, i) => <div key={i} className={Classes.SKELETON} style={{ height: 200 }} />)}</div>;
  const latest = markers.find((m) => m.latest);
  return (
    <section aria-label="Metrics" data-testid="metrics-dashboard" data-deployments={markers.length}>
      <div className="apollo-obs-toolbar">
        {data.simulated && (
          <Tooltip content="Locally the figures are the demo services' made-up ones; in AWS Apollo reads CloudWatch (or Prometheus)." compact>
            <Tag minimal intent="warning" icon="lab-test" data-testid="obs-simulated">SIMULATED</Tag>
          </Tooltip>
        )}
        <span className={`${Classes.TEXT_MUTED} ${Classes.TEXT_SMALL}`} data-testid="metrics-source">{data.source} · a point every {data.stepSeconds >= 3600 ? `${data.stepSeconds / 3600} h` : `${Math.round(data.stepSeconds / 60)} min`}</span>
        {latest && <span className={Classes.TEXT_SMALL} data-testid="metrics-last-deploy">Last deploy: {latest.tag ?? latest.id} ({latest.status}{latest.by ? `, ${latest.by}` : ''})</span>}
        {metrics.isFetching && <Spinner size={14} aria-label="Loading" />}
      </div>
      {metrics.isError && <ApiProblem error={metrics.error} />}
      {panels.length === 0 ? (
        <div data-testid="metrics-empty"><NonIdealState icon="timeline-line-chart" title="No metrics" description="The source has no series for this service in this environment." className="apollo-empty" /></div>
      ) : (
        <div className="apollo-obs-charts">
          {panels.map((p) => {
            const peak = peakOf(p.rows, p.series[p.series.length - 1]!.key);
            return <MetricsChart key={p.id} id={p.id} title={p.title} unit={p.unit} rows={p.rows} series={p.series} markers={markers} fromMs={fromMs} toMs={toMs}
              headline={peak ? `peak ${formatValue(peak.v, p.unit)}` : undefined} />;
          })}
        </div>
      )}
    </section>
  );
}
