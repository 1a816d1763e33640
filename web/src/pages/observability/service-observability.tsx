/**
 * The service page's Logs and Metrics tabs: the tab strip (Overview, Logs, Metrics; `?tab=` in the URL), and for
 * Logs and Metrics the hub's own views with the environment and range pickers, state in the service page's URL.
 */
import { Tab, Tabs } from '@blueprintjs/core';
import { useMemo } from 'react';
import type { Service } from '../../../../schemas/types.gen.ts';
import { navigate, useSearch } from '../../lib/router.tsx';
import { ObservabilityPickers, type StateChange } from './observability-pickers.tsx';
import { changeState, defaultEnvironment, serviceSearchOf, serviceTabFromSearch, stateFromSearch, type ServiceTab } from './observability-url.ts';
import { ObservabilityViews } from './observability-views.tsx';
import './observability.css';

/** The tab the service page shows. */
export function useServiceTab(): ServiceTab {
  const search = useSearch();
  return serviceTabFromSearch(search);
}

export function ServiceTabs({ service, tab }: { service: Service; tab: ServiceTab }) {
  const search = useSearch();
  const go = (next: string) => {
    const state = stateFromSearch(search);
    navigate(`/catalog/${encodeURIComponent(service.id)}${serviceSearchOf(next as ServiceTab, state)}`);
  };
  return (
    <Tabs id="service-tabs" selectedTabId={tab} onChange={(id) => go(String(id))} className="apollo-tabs" data-testid="service-tabs">
      <Tab id="overview" title="Overview" data-testid="service-tab-overview" />
      <Tab id="logs" title="Logs" data-testid="service-tab-logs" />
      <Tab id="metrics" title="Metrics" data-testid="service-tab-metrics" />
    </Tabs>
  );
}

export function ServiceObservability({ service, tab }: { service: Service; tab: Exclude<ServiceTab, 'overview'> }) {
  const search = useSearch();
  const state = useMemo(() => ({ ...stateFromSearch(search), service: service.id }), [search, service.id]);
  const environments = service.environments.map((e) => e.name);
  const environment = state.environment ?? defaultEnvironment(environments);
  const set = (change: StateChange) => {
    const next = changeState(state, change);
    navigate(`/catalog/${encodeURIComponent(service.id)}${serviceSearchOf(tab, next)}`, { replace: 'q' in change });
  };
  return (
    <div className="apollo-section-gap" data-testid={`service-${tab}`}>
      <ObservabilityPickers idPrefix={`svc-${tab}`} state={state} environment={environment} environments={environments} onChange={set} />
      <ObservabilityViews view={tab} service={service.id} environment={environment} state={state} onChange={set} />
    </div>
  );
}
