/**
 * Costs (`/costs`, costs:read): the organization's spend as the daily cost-ingest job last saw it. Overview: month to
 * date against last month and the forecast, how much spend is attributed to a service, 90 days stacked by environment
 * with each anomaly on its day, the month against its forecast band, the top services and the anomalies with the
 * deploys and requests that caused them. Environments (`?tab=environments&environment=prod`): the allocation tree.
 * Budgets (`?tab=budgets`): each with its state and burn-down; set, change and delete for costs:manage.
 * Recommendations (`?tab=recommendations&kind=storage`): ways to spend less, the largest saving first.
 */
import { Button, Classes, HTMLTable, NonIdealState, Section, SectionCard, Spinner, Tab, Tabs, Tag } from '@blueprintjs/core';
import { useMemo, useState } from 'react';
import type { CostSummary } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { PageHeader } from '../../components/shell.tsx';
import { formatTime } from '../../lib/format.ts';
import { Link, navigate, useSearch } from '../../lib/router.tsx';
import { BudgetDialog } from './budget-dialog.tsx';
import { DailyStackedChart, MonthForecastChart } from './cost-charts.tsx';
import { costsSearchOf, costsStateFromSearch, coverageLines, environmentSeries, formatDay, formatMonth, formatPercent, formatUsd, serviceCostsHref, sortEnvironmentKeys, UNTAGGED, type CostsTab } from './cost-format.ts';
import { AnomalyTable, BudgetCard, ChangeTag, Figure, SourceBanner, useBudgetPowers } from './cost-parts.tsx';
import { useBudgets, useCostAnomalies, useCostSummary } from './cost-queries.ts';
import { EnvironmentTree } from './environment-tree.tsx';
import { recommendationFiltersFromSearch, recommendationSearchOf } from './recommendation-format.ts';
import { Recommendations } from './recommendations.tsx';
import './costs.css';

function Cards({ s }: { s: CostSummary }) {
  const v = s.visibility;
  return (
    <div className="apollo-cost-cards">
      <Figure label={`Month to date, ${formatMonth(s.month)}`} value={formatUsd(s.monthToDate)} testId="cost-mtd">
        <ChangeTag percent={s.change.percent} testId="cost-mtd-change" /> {s.change.amount >= 0 ? '+' : ''}{formatUsd(s.change.amount)} against last month
      </Figure>
      <Figure label="Last month, to the same day" value={formatUsd(s.lastMonthToDate)} testId="cost-last-month">
        {formatUsd(s.lastMonth)} for the whole month
      </Figure>
      <Figure label="Forecast, month end" value={s.forecast ? formatUsd(s.forecast.monthEnd) : '—'} testId="cost-forecast">
        {s.forecast
          ? <>{formatUsd(s.forecast.lower)} – {formatUsd(s.forecast.upper)} (80 %) · {s.forecast.method === 'cost-explorer' ? "Cost Explorer's forecast" : 'trailing 7-day average'}</>
          : 'Not enough history to forecast yet.'}
      </Figure>
      <Figure label={`Cost visibility, ${formatMonth(v.month)}`} value={formatPercent(v.percent)} testId="cost-visibility">
        {v.servicesWithCost} of {v.services} catalog services have cost · {formatPercent(v.attributedPercent)} of spend attributed
        {v.unattributed > 0 && <> ({formatUsd(v.unattributed)} without a service)</>}
      </Figure>
    </div>
  );
}

function Visibility({ s }: { s: CostSummary }) {
  const v = s.visibility;
  const month = formatMonth(v.month);
  return (
    <Section title={`Not attributed to a service, ${month}`} icon="eye-off" className="apollo-section" collapsible collapseProps={{ defaultIsOpen: v.topUntagged.length > 0 }} data-testid="cost-untagged"
      subtitle={`Resources without an apollo:service tag, and catalog services with no cost in ${month} (are their resources tagged?)`}>
      <SectionCard padded={false}>
        <HTMLTable compact className="apollo-table">
          <thead><tr><th>AWS service</th><th>Resource type</th><th>Environment</th><th className="apollo-cost-num" data-testid="cost-untagged-month">{month}</th></tr></thead>
          <tbody>
            {v.topUntagged.length === 0 && <tr><td colSpan={4} className={Classes.TEXT_MUTED}>All of {month}&apos;s spend carries an apollo:service tag.</td></tr>}
            {v.topUntagged.map((u) => (
              <tr key={`${u.awsService}/${u.resourceType}/${u.environment ?? ''}`} data-testid="cost-untagged-row">
                <td>{u.awsService}</td><td className="apollo-mono">{u.resourceType}</td><td>{u.environment ?? <span className={Classes.TEXT_MUTED}>untagged</span>}</td>
                <td className="apollo-cost-num">{formatUsd(u.monthToDate)}</td>
              </tr>
            ))}
          </tbody>
        </HTMLTable>
      </SectionCard>
      {v.servicesWithoutCost.length > 0 && (
        <SectionCard>
          <span className={Classes.TEXT_MUTED}>No cost in {month}: </span>
          {v.servicesWithoutCost.map((id) => <Link key={id} to={serviceCostsHref(id)} className="apollo-cost-inline-link">{id}</Link>)}
        </SectionCard>
      )}
    </Section>
  );
}

function TopServices({ s }: { s: CostSummary }) {
  return (
    <HTMLTable compact interactive={s.topServices.length > 0} className="apollo-table apollo-cost-top" data-testid="cost-top-services">
      <thead><tr><th>Service</th><th>Team</th><th className="apollo-cost-num">Month to date</th><th className="apollo-cost-num">Last month, same day</th><th className="apollo-cost-num">Change</th></tr></thead>
      <tbody>
        {s.topServices.length === 0 && <tr><td colSpan={5} className={Classes.TEXT_MUTED}>No service has cost this month yet.</td></tr>}
        {s.topServices.map((t) => {
          const href = t.inCatalog ? serviceCostsHref(t.service) : undefined;
          const go = () => { if (href) navigate(href); };
          return (
            <tr key={t.service} data-testid="cost-top-service" data-service={t.service} onClick={go} onKeyDown={(e) => { if (e.key === 'Enter') go(); }} tabIndex={href ? 0 : undefined}>
              <td>{href ? <Link to={href} onClick={(e) => e.stopPropagation()} className="apollo-cell-strong">{t.service}</Link> : <>{t.service} <Tag minimal title="Tagged apollo:service, but not in the catalog">not in catalog</Tag></>}</td>
              <td>{t.team ?? <span className={Classes.TEXT_MUTED}>—</span>}</td>
              <td className="apollo-cost-num">{formatUsd(t.monthToDate)}</td>
              <td className="apollo-cost-num">{formatUsd(t.lastMonthToDate)}</td>
              <td className="apollo-cost-num"><ChangeTag percent={t.changePercent} /></td>
            </tr>
          );
        })}
      </tbody>
    </HTMLTable>
  );
}

function ByEnvironment({ s, onOpen }: { s: CostSummary; onOpen(env: string): void }) {
  return (
    <HTMLTable compact className="apollo-table apollo-cost-by-env" data-testid="cost-by-environment">
      <thead><tr><th>Environment</th><th className="apollo-cost-num">To date</th><th className="apollo-cost-num" title="Against last month to the same day">Change</th><th className="apollo-cost-num" data-testid="cost-by-environment-forecast">Forecast</th></tr></thead>
      <tbody>
        {s.byEnvironment.map((e) => (
          <tr key={e.environment ?? UNTAGGED} data-testid="cost-environment-row" data-environment={e.environment ?? UNTAGGED}>
            <td>{e.environment ? <a href={`/costs${costsSearchOf({ tab: 'environments', environment: e.environment })}`} onClick={(ev) => { ev.preventDefault(); onOpen(e.environment!); }}>{e.environment}</a> : <span className={Classes.TEXT_MUTED} title="Cost without the apollo:environment tag">untagged</span>}</td>
            <td className="apollo-cost-num">{formatUsd(e.monthToDate)}</td>
            <td className="apollo-cost-num"><ChangeTag percent={e.changePercent} /></td>
            <td className="apollo-cost-num">{formatUsd(e.forecast)}</td>
          </tr>
        ))}
      </tbody>
    </HTMLTable>
  );
}

/** Reserved Instances and Savings Plans over the last 30 days, as Cost Explorer reports them. */
function Coverage({ s }: { s: CostSummary }) {
  const lines = coverageLines(s.coverage ?? []);
  const first = lines[0];
  return (
    <Section title="Commitments" icon="shield" className="apollo-section" data-testid="cost-coverage"
      subtitle={first ? `Reserved Instances and Savings Plans, ${formatDay(first.start)} – ${formatDay(first.end)} (Cost Explorer)` : 'Reserved Instances and Savings Plans (Cost Explorer)'}>
      <SectionCard>
        {lines.length === 0 && <span className={Classes.TEXT_MUTED}>No coverage figures from Cost Explorer yet.</span>}
        {lines.map((l) => (
          <div key={l.kind} className="apollo-cost-coverage" data-testid="cost-coverage-line" data-kind={l.kind}>
            {l.text}
            <div className={`${Classes.TEXT_MUTED} apollo-small`}>{l.onDemand}</div>
          </div>
        ))}
      </SectionCard>
    </Section>
  );
}

function Overview({ s, onEnvironment }: { s: CostSummary; onEnvironment(env: string): void }) {
  const anomalies = useCostAnomalies();
  const items = anomalies.data?.items ?? [];
  const series = useMemo(() => environmentSeries(s, items), [s, items]);
  return (
    <>
      <Cards s={s} />
      <Section title={`Daily spend by environment, the last ${series.rows.length} days`} icon="timeline-area-chart" className="apollo-section" data-testid="cost-daily"
        subtitle={<>Red marks: anomalies ({s.anomalies.last30Days} in the last 30 days{s.anomalies.latest ? `, latest ${formatDay(s.anomalies.latest)}` : ''}) · the latest days are estimates Cost Explorer may revise</>}>
        <SectionCard>
          {series.rows.length === 0
            ? <NonIdealState icon="timeline-area-chart" title="No daily history yet" className="apollo-empty" />
            : <DailyStackedChart keys={series.keys} rows={series.rows} testId="cost-daily-chart" />}
        </SectionCard>
      </Section>
      <div className="apollo-grid apollo-cost-month-grid">
        <Section title={`${formatMonth(s.month)}: month to date and forecast`} icon="chart" className="apollo-section" data-testid="cost-month">
          <SectionCard><MonthForecastChart daily={s.daily} month={s.month} forecast={s.forecast} lastMonth={s.lastMonth} /></SectionCard>
        </Section>
        <div className="apollo-cost-side">
          <Section title="By environment" icon="layers" className="apollo-section" data-testid="cost-by-environment-section" subtitle={formatMonth(s.month)}>
            <SectionCard padded={false} className="apollo-cost-scroll"><ByEnvironment s={s} onOpen={onEnvironment} /></SectionCard>
          </Section>
          <Coverage s={s} />
        </div>
      </div>
      <Section title="Top services" icon="cube" className="apollo-section" subtitle="This month so far; a service opens its Costs tab">
        <SectionCard padded={false}><TopServices s={s} /></SectionCard>
      </Section>
      <Section title={`Anomalies${anomalies.data ? ` (${items.length})` : ''}`} icon="warning-sign" className="apollo-section" data-testid="cost-anomalies-section"
        subtitle={anomalies.data ? `${formatDay(anomalies.data.from)} – ${formatDay(anomalies.data.to)}: each with the deploys and requests of that service the day before` : undefined}>
        <SectionCard padded={false}>
          {anomalies.isError && <ErrorState compact error={anomalies.error} onRetry={() => void anomalies.refetch()} />}
          {anomalies.isPending && <div className={Classes.SKELETON} style={{ height: 80 }} />}
          {anomalies.data && <AnomalyTable items={items} />}
        </SectionCard>
      </Section>
      <Visibility s={s} />
    </>
  );
}

function Budgets({ environments }: { environments: readonly string[] }) {
  const budgets = useBudgets();
  const powers = useBudgetPowers();
  const [creating, setCreating] = useState(false);
  if (budgets.isError && !budgets.data) return <ErrorState error={budgets.error} onRetry={() => void budgets.refetch()} />;
  const items = budgets.data?.items ?? [];
  return (
    <div className="apollo-section-gap" data-testid="cost-budgets" data-count={items.length}>
      <div className="apollo-cost-budgets-head">
        <Button intent="primary" icon="plus" text="New budget" disabled={!powers.manage} onClick={() => setCreating(true)} data-testid="cost-budget-new" />
        {!powers.manage && <Tag minimal icon="lock" data-testid="cost-budget-locked">{powers.why}</Tag>}
        {budgets.isFetching && !budgets.isPending && <Spinner size={14} />}
      </div>
      {budgets.isPending && <div className={Classes.SKELETON} style={{ height: 160 }} />}
      {budgets.data && items.length === 0 && (
        <NonIdealState icon="dollar" title="No budgets yet" className="apollo-empty"
          description="A monthly amount per service, team or environment: its owners hear when month to date or the forecast crosses a share of it." />
      )}
      <div className="apollo-cost-budget-grid">{items.map((b) => <BudgetCard key={b.id} budget={b} />)}</div>
      {creating && <BudgetDialog budget={null} environments={environments} onClose={() => setCreating(false)} />}
    </div>
  );
}

export function CostsPage() {
  const search = useSearch();
  const state = useMemo(() => costsStateFromSearch(search), [search]);
  const filters = useMemo(() => recommendationFiltersFromSearch(search), [search]);
  const go = (tab: CostsTab, environment?: string) => navigate(`/costs${costsSearchOf({ tab, environment })}`, { replace: tab === state.tab });
  const summary = useCostSummary(90);
  const s = summary.data;
  const environments = sortEnvironmentKeys((s?.byEnvironment ?? []).flatMap((e) => (e.environment ? [e.environment] : [])));
  return (
    <div className="apollo-page apollo-costs" data-testid="costs-page" data-tab={state.tab}>
      <PageHeader
        title="Costs"
        description={<>AWS spend by the <span className="apollo-mono">apollo:service</span> and <span className="apollo-mono">apollo:environment</span> cost allocation tags, read from Cost Explorer once a day by the cost-ingest job (never on your request: each call is billed).</>}
        actions={summary.isFetching && !summary.isPending ? <Spinner size={16} /> : undefined}
      />
      {summary.isError && !s && <div data-testid="costs-error"><ErrorState error={summary.error} onRetry={() => void summary.refetch()} /></div>}
      {summary.isPending && <div className={Classes.SKELETON} style={{ height: 420 }} data-testid="costs-loading" />}
      {/* The Recommendations tab says where its figures come from in its own banner: one is enough. */}
      {s && !(state.tab === 'recommendations' && s.lastIngest !== null) && <SourceBanner simulated={s.simulated} dataThrough={s.dataThrough} asOf={s.asOf} />}
      {s && (
        <>
          {s.lastIngest && s.lastIngest.status !== 'succeeded' && (
            <div className="apollo-cost-banner" data-testid="costs-ingest-problem">
              <ErrorState compact error={new Error(`The last cost-ingest run (${formatTime(s.lastIngest.at)}) ${s.lastIngest.status === 'failed' ? 'failed' : 'was partial'}${s.lastIngest.error ? `: ${s.lastIngest.error}` : ''}. Figures may be behind.`)} />
            </div>
          )}
          <Tabs id="costs-tabs" selectedTabId={state.tab} onChange={(t) => go(t as CostsTab, t === 'environments' ? state.environment ?? environments[0] : undefined)} className="apollo-tabs" data-testid="costs-tabs">
            <Tab id="overview" title="Overview" icon="dashboard" data-testid="costs-tab-overview" />
            <Tab id="environments" title="Environments" icon="diagram-tree" data-testid="costs-tab-environments" />
            <Tab id="budgets" title="Budgets" icon="dollar" data-testid="costs-tab-budgets" />
            <Tab id="recommendations" title="Recommendations" icon="lightbulb" data-testid="costs-tab-recommendations" />
          </Tabs>
          {state.tab !== 'budgets' && s.lastIngest === null && (
            <div data-testid="costs-empty">
              <NonIdealState icon="time" title="No cost data yet: the cost-ingest job runs daily at 06:30 UTC" className="apollo-empty"
                description="Its first run reads the last 90 days from Cost Explorer; this page fills in after it." />
            </div>
          )}
          {state.tab === 'overview' && s.lastIngest !== null && <Overview s={s} onEnvironment={(env) => go('environments', env)} />}
          {state.tab === 'environments' && s.lastIngest !== null && <EnvironmentTree environments={environments} environment={state.environment} onEnvironment={(env) => go('environments', env)} />}
          {state.tab === 'budgets' && <Budgets environments={environments} />}
          {state.tab === 'recommendations' && s.lastIngest !== null && <Recommendations filters={filters} environments={environments} onFilters={(f) => navigate(`/costs${recommendationSearchOf(f)}`, { replace: true })} />}
          {s.lastIngest && (
            <div className={`${Classes.TEXT_MUTED} apollo-small apollo-cost-footnote`}>
              Last ingest {formatTime(s.lastIngest.at)}: {s.lastIngest.days} days, {s.lastIngest.records} records, {s.lastIngest.requests} Cost Explorer request{s.lastIngest.requests === 1 ? '' : 's'} ({formatUsd(s.lastIngest.requests * 0.01)})
            </div>
          )}
        </>
      )}
    </div>
  );
}
