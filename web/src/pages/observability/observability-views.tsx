/** What the hub shows for a service in one environment: the Observability page's views, and the service page's Logs and Metrics tabs. */
import type { StateChange } from './observability-pickers.tsx';
import type { ObservabilityState, View } from './observability-url.ts';
import { LogsSearch } from './logs-search.tsx';

export function ObservabilityViews({ view, service, environment, state, onChange }: {
  view: View; service: string; environment: string | undefined; state: ObservabilityState; onChange(change: StateChange): void;
}) {
  switch (view) {
    case 'logs':
      return <LogsSearch service={service} environment={environment} state={state} onChange={onChange} />;
    default:
      return null;
  }
}
