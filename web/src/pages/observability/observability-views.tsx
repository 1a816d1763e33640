/** What the hub shows for a service in one environment: the Observability page's views, and the service page's Logs and Metrics tabs. */
import { Classes } from '@blueprintjs/core';
import { lazy, Suspense } from 'react';
import { DeepLinks } from './deep-links.tsx';
import { LogsInsights } from './logs-insights.tsx';
import { LogsSearch } from './logs-search.tsx';
import type { StateChange } from './observability-pickers.tsx';
import type { ObservabilityState, View } from './observability-url.ts';
import { TraceView } from './trace-view.tsx';

// Recharts loads with the first dashboard opened, not with the app (as the studio's editor does).
const MetricsDashboard = lazy(() => import('./metrics-dashboard.tsx').then((m) => ({ default: m.MetricsDashboard })));

export function ObservabilityViews({ view, service, environment, state, onChange }: {
  view: View; service: string; environment: string | undefined; state: ObservabilityState; onChange(change: StateChange): void;
}) {
  return (
    <>
      <DeepLinks service={service} environment={environment} state={{ ...state, view }} />
      {view === 'logs' && (
        <>
          {/* The advanced query first: collapsed it is one line, and the search's lines can run long below it. */}
          <LogsInsights service={service} environment={environment} state={state} />
          <LogsSearch service={service} environment={environment} state={state} onChange={onChange} />
        </>
      )}
      {view === 'metrics' && (
        <Suspense fallback={<div className={Classes.SKELETON} style={{ height: 200 }} data-testid="metrics-loading" />}>
          <MetricsDashboard service={service} environment={environment} state={state} />
        </Suspense>
      )}
      {view === 'traces' && <TraceView service={service} environment={environment} state={state} onChange={onChange} />}
    </>
  );
}
