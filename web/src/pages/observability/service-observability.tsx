/**
 * The service page's Logs, Metrics and Costs tabs: the tab strip (Overview, Logs, Metrics, Costs; `?tab=` in the URL),
 * for Logs and Metrics the hub's own views with the environment and range pickers, state in the service page's URL;
 * Costs is the Costs page's view of the service (loaded when opened: it draws with Recharts).
 */
import { Classes, Tab, Tabs } from '@blueprintjs/core';
import { lazy, Suspense, useMemo } from 'react';
import type { Service } from '../../../../schemas/types.gen.ts';
import { navigate, useSearch } from '../../lib/router.tsx';
import { ObservabilityPickers, type StateChange } from './observability-pickers.tsx';
import { changeState, defaultEnvironment, serviceSearchOf, serviceTabFromSearch, stateFromSearch, type ServiceTab } from './observability-url.ts';
import { ObservabilityViews } from './observability-views.tsx';
import './observability.css';

const ServiceCosts = lazy(() => import('../costs/service-costs.tsx').then((m) => ({ default: m.ServiceCosts })));

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
      <Tab id="costs" title="Costs" data-testid="service-tab-costs" />
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
  if (tab === 'costs') {
    // Costs: every environment unless the URL names one.
    return (
      <Suspense fallback={<div className={Classes.SKELETON} style={{ height: 320 }} />}>
        <ServiceCosts service={service.id} environments={environments} environment={state.environment} onEnvironment={(e) => set({ environment: e ?? '' })} />
      </Suspense>
    );
  }
  return (
    <div className="apollo-section-gap" data-testid={`service-${tab}`}>
      <ObservabilityPickers idPrefix={`svc-${tab}`} state={state} environment={environment} environments={environments} onChange={set} />
      <ObservabilityViews view={tab} service={service.id} environment={environment} state={state} onChange={set} />
    </div>
  );
}
