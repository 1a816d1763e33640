/**
 * The Observability hub (/observability): pick a service, an environment and a time range (all in the URL), then its
 * logs (search, live tail, a Logs Insights query), its metrics dashboard and a trace's waterfall.
 */
import { NonIdealState, Spinner, Tab, Tabs } from '@blueprintjs/core';
import { useMemo } from 'react';
import { PageHeader } from '../../components/shell.tsx';
import { navigate, useSearch } from '../../lib/router.tsx';
import { useServiceChoices } from '../deployments/deployment-queries.ts';
import { ApiProblem } from './api-problem.tsx';
import { ObservabilityViews } from './observability-views.tsx';
import { ObservabilityPickers, type StateChange } from './observability-pickers.tsx';
import { changeState, defaultEnvironment, searchFromState, stateFromSearch, type View } from './observability-url.ts';
import './observability.css';

const VIEW_TITLES: Record<View, string> = { logs: 'Logs', metrics: 'Metrics', traces: 'Traces' };

export function ObservabilityPage() {
  const search = useSearch();
  const state = useMemo(() => stateFromSearch(search), [search]);
  const choices = useServiceChoices();
  const set = (change: StateChange) => navigate(`/observability${searchFromState(changeState(state, change))}`, { replace: 'q' in change });
  const service = choices.data?.find((s) => s.id === state.service);
  const environments = service?.environments.map((e) => e.name) ?? [];
  const environment = state.environment ?? defaultEnvironment(environments);
  return (
    <div className="apollo-page apollo-obs-page" data-testid="observability-page">
      <PageHeader title={<>Observability {choices.isFetching && !choices.data && <Spinner size={16} className="apollo-inline-spinner" />}</>}
        description="A service's logs, metrics and traces in one place, with links to the tools that hold them." />
      {choices.isError && <ApiProblem error={choices.error} onRetry={() => void choices.refetch()} />}
      <ObservabilityPickers idPrefix="obs" state={state} environment={environment} environments={environments} services={choices.data ?? []} onChange={set} />
      {!state.service ? (
        <div data-testid="obs-pick-service"><NonIdealState icon="timeline-line-chart" title="Pick a service" description="Its logs, metrics and traces show here for the environment and range you choose." className="apollo-empty" /></div>
      ) : (
        <>
          <Tabs id="obs-view" selectedTabId={state.view} onChange={(id) => set({ view: String(id) })} className="apollo-tabs">
            {(Object.keys(VIEW_TITLES) as View[]).map((v) => <Tab key={v} id={v} title={VIEW_TITLES[v]} data-testid={`obs-tab-${v}`} />)}
          </Tabs>
          <ObservabilityViews view={state.view} service={state.service} environment={environment} state={state} onChange={set} />
        </>
      )}
    </div>
  );
}
