/** What the hub shows for a service in one environment: the Observability page's views, and the service page's Logs and Metrics tabs. */
import { DeepLinks } from './deep-links.tsx';
import { LogsInsights } from './logs-insights.tsx';
import { LogsSearch } from './logs-search.tsx';
import { MetricsDashboard } from './metrics-dashboard.tsx';
import type { StateChange } from './observability-pickers.tsx';
import type { ObservabilityState, View } from './observability-url.ts';
import { TraceView } from './trace-view.tsx';

export function ObservabilityViews({ view, service, environment, state, onChange }: {
  view: View; service: string; environment: string | undefined; state: ObservabilityState; onChange(change: StateChange): void;
}) {
  return (
    <>
      <DeepLinks service={service} environment={environment} state={{ ...state, view }} />
      {view === 'logs' && (
        <>
          <LogsSearch service={service} environment={environment} state={state} onChange={onChange} />
          <LogsInsights service={service} environment={environment} state={state} />
        </>
      )}
      {view === 'metrics' && <MetricsDashboard service={service} environment={environment} state={state} />}
      {view === 'traces' && <TraceView state={state} onChange={onChange} />}
    </>
  );
}
