/**
 * The Deploy Center (`/deployments`): the deploy form (deploy, promote, roll back, scale, restart; prefilled from the
 * URL: `?deploy=core-service&env=staging&op=promote&source=dev`) with the safeguards' outcomes before Deploy, the
 * environment locks in force, the freezes and deployment windows (managed in place by admins), and the history of
 * every deployment, filtered by the URL's service, environment, status, operation, who and date range, 25 a page, live
 * from `deployments`.
 */
import { Callout, Section, SectionCard, Tag } from '@blueprintjs/core';
import { useMemo } from 'react';
import { LiveBadge } from '../../components/live-badge.tsx';
import { PageHeader } from '../../components/shell.tsx';
import { useMe } from '../../lib/queries.ts';
import { Link, navigate, useSearch } from '../../lib/router.tsx';
import { DeployForm } from './deploy-form.tsx';
import { DeploymentHistoryTable, HistoryFiltersForm } from './deployment-history.tsx';
import { LocksPanel } from './environment-lock.tsx';
import { FreezesPanel } from './freezes-panel.tsx';
import { WindowsPanel } from './windows-panel.tsx';
import type { HistoryFilters } from './deployment-queries.ts';
import { formInitialFromSearch, historyFiltersFromSearch, searchFromHistoryFilters } from './deployment-rules.ts';
import { useLiveHistory } from './use-live-deployments.ts';
import './deployments.css';

export function DeployCenterPage() {
  const search = useSearch();
  const filters = useMemo(() => historyFiltersFromSearch(search), [search]);
  const initial = useMemo(() => formInitialFromSearch(search), [search]);
  const setFilters = (f: HistoryFilters) => navigate(`/deployments${searchFromHistoryFilters(f, search)}`);
  const { live } = useLiveHistory(filters);
  const me = useMe();
  // A role that may deploy nowhere (a viewer) reads the history; unknown yet, the form shows and the API decides.
  const mayDeploy = !me.data || me.data.permissions.some((p) => p === 'deployments:create:non-prod' || p === 'deployments:create:prod');
  const formKey = `${initial.operation ?? ''}|${initial.service ?? ''}|${initial.environment ?? ''}|${initial.from ?? ''}`;

  return (
    <div className="apollo-page apollo-deploy-center" data-testid="deploy-center">
      <PageHeader
        title={<>Deploy Center <LiveBadge live={live} tip={live ? 'Deployments move here as they happen' : 'Not receiving live updates right now; the history is read every 30 s'} /></>}
        description="Deploy a version, promote one environment's version to the next, roll back, scale or restart, through the GitOps repository; and everything deployed so far."
        actions={<Link to="/deployments/stats" data-testid="deploy-center-stats">DORA statistics →</Link>}
      />
      <Section title="Deploy" icon="rocket-slant" className="apollo-section apollo-deploy-section" data-testid="deploy-section">
        <SectionCard>
          {mayDeploy
            ? <DeployForm key={formKey} initial={initial} />
            : (
              <Callout icon="lock" data-testid="deploy-view-only" title="You can follow deployments here, not start them">
                Deploying needs <Tag minimal className="apollo-mono">deployments:create:non-prod</Tag> (developer), production <Tag minimal className="apollo-mono">deployments:create:prod</Tag> (operator);
                your role {me.data?.role ?? ''} has neither. Ask an admin to change your role if you need to deploy.
              </Callout>
            )}
        </SectionCard>
      </Section>
      <LocksPanel />
      <FreezesPanel />
      <WindowsPanel />
      <h2 className="apollo-section-heading">History</h2>
      <HistoryFiltersForm key={searchFromHistoryFilters(filters)} initial={filters} onApply={setFilters} />
      <DeploymentHistoryTable filters={filters} onClear={() => setFilters({})} />
    </div>
  );
}
