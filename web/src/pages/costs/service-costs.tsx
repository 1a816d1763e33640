/**
 * A service's Costs tab (`/catalog/<id>?tab=costs&environment=prod`, GET /api/v1/costs/services/{id}?days=90): this
 * month against last month and the forecast, by environment, 90 days stacked by resource type with its anomalies on
 * their days and their causes, its recommendations with their saving, and its budget with its burn-down ("Set budget" for costs:manage).
 */
import { Button, Classes, FormGroup, HTMLSelect, NonIdealState, Section, SectionCard, Spinner, Tag } from '@blueprintjs/core';
import { useMemo, useState } from 'react';
import { ErrorState } from '../../components/error-state.tsx';
import { BudgetDialog } from './budget-dialog.tsx';
import { DailyStackedChart } from './cost-charts.tsx';
import { byAmount, dailySeries, formatMonth, formatUsd, sortEnvironmentKeys } from './cost-format.ts';
import { AnomalyTable, BudgetCard, ChangeTag, Figure, SourceBanner, useBudgetPowers } from './cost-parts.tsx';
import { useCostService } from './cost-queries.ts';
import { RecommendationsCard } from './recommendations.tsx';
import './costs.css';

export function ServiceCosts({ service, environments, environment, onEnvironment }: {
  service: string; environments: readonly string[]; environment: string | undefined; onEnvironment(environment: string | undefined): void;
}) {
  const costs = useCostService(service, environment);
  // A service's budget covers every environment: without one yet, the panel shows what it would (the same read the
  // "Every environment" choice makes, so usually cached).
  const everywhere = useCostService(service, undefined, 90, environment !== undefined && costs.data !== undefined && costs.data.budget === null);
  const whole = environment === undefined ? costs.data : everywhere.data;
  const powers = useBudgetPowers();
  const [setting, setSetting] = useState(false);
  const data = costs.data;
  const series = useMemo(() => (data ? dailySeries(data.daily, (d) => d.byResourceType, data.anomalies, byAmount(data.byResourceType)) : { keys: [], rows: [] }), [data]);
  const envs = sortEnvironmentKeys([...environments, ...Object.keys(data?.byEnvironment ?? {}), ...(environment ? [environment] : [])]);
  const hasCost = data ? data.daily.some((d) => d.total > 0) || data.monthToDate > 0 || data.lastMonth > 0 : false;
  return (
    <div className="apollo-section-gap apollo-costs" data-testid="service-costs" data-service={service}>
      <form className="apollo-filters apollo-cost-env-filters" onSubmit={(e) => e.preventDefault()} aria-label="Cost filters">
        <FormGroup label="Environment" labelFor="sc-environment">
          <HTMLSelect id="sc-environment" fill value={environment ?? ''} onChange={(e) => onEnvironment(e.currentTarget.value || undefined)} data-testid="service-costs-environment"
            options={[{ value: '', label: 'Every environment' }, ...envs]} />
        </FormGroup>
        {costs.isFetching && !costs.isPending && <Spinner size={14} />}
      </form>
      {costs.isError && !data && <ErrorState error={costs.error} onRetry={() => void costs.refetch()} />}
      {costs.isPending && <div className={Classes.SKELETON} style={{ height: 320 }} />}
      {data && <SourceBanner simulated={data.simulated} dataThrough={data.dataThrough} />}
      {data && !hasCost && (
        <div data-testid="service-costs-empty">
          <NonIdealState icon="dollar" title={`No cost for ${service}${environment ? ` in ${environment}` : ''}`} className="apollo-empty"
            description={data.dataThrough === null
              ? 'No cost data yet: the cost-ingest job runs daily at 06:30 UTC.'
              : <>Cost Explorer attributes spend to a service by the <span className="apollo-mono">apollo:service</span> cost allocation tag: none of the last 90 days&apos; spend carries <span className="apollo-mono">apollo:service={service}</span>{environment ? <> with <span className="apollo-mono">apollo:environment={environment}</span></> : ''}. Tag its resources (and activate the tag in the Billing console) to see it here.</>} />
        </div>
      )}
      {data && hasCost && (
        <>
          <div className="apollo-cost-cards">
            <Figure label={`Month to date, ${environment ?? 'every environment'}`} value={formatUsd(data.monthToDate)} testId="service-cost-mtd">
              <ChangeTag percent={data.changePercent} testId="service-cost-change" /> against {formatUsd(data.lastMonthToDate)} last month to the same day
            </Figure>
            <Figure label="Last month" value={formatUsd(data.lastMonth)} testId="service-cost-last-month">in total</Figure>
            <Figure label="Forecast, month end" value={formatUsd(data.forecast)} testId="service-cost-forecast">trailing 7-day average</Figure>
            <Figure label="By environment" value={`${Object.keys(data.byEnvironment).length}`} testId="service-cost-environments">
              {sortEnvironmentKeys(Object.keys(data.byEnvironment)).map((e) => <div key={e}>{e} {formatUsd(data.byEnvironment[e] ?? 0)}</div>)}
            </Figure>
          </div>
          <Section title={`Daily cost by resource type, the last ${series.rows.length} days`} icon="timeline-area-chart" className="apollo-section" data-testid="service-costs-daily"
            subtitle={`This month: ${Object.entries(data.byResourceType).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${formatUsd(v)}`).join(' · ')}`}>
            <SectionCard>
              <DailyStackedChart keys={series.keys} rows={series.rows} testId="service-costs-chart" height={260} />
            </SectionCard>
          </Section>
          <Section title={`Anomalies (${data.anomalies.length})`} icon="warning-sign" className="apollo-section" data-testid="service-costs-anomalies">
            <SectionCard padded={false}><AnomalyTable items={data.anomalies} showService={false} /></SectionCard>
          </Section>
        </>
      )}
      {data && data.dataThrough !== null && <RecommendationsCard service={service} environment={environment} />}
      {data && (
        <div data-testid="service-costs-budget">
          {data.budget
            ? <BudgetCard budget={data.budget} showScope={false} />
            : (
              <Section title="Budget" icon="dollar" className="apollo-section" subtitle={`No budget for ${service} in ${formatMonth(new Date().toISOString().slice(0, 7))}`}>
                <SectionCard>
                  <Button intent="primary" icon="plus" text="Set budget" disabled={!powers.manage} title={powers.manage ? undefined : powers.why} onClick={() => setSetting(true)} data-testid="service-costs-set-budget" />
                  {!powers.manage && <Tag minimal icon="lock" className="apollo-cost-inline-link">{powers.why}</Tag>}
                  {whole && (whole.monthToDate > 0 || whole.forecast > 0) && (
                    <div className={`${Classes.TEXT_MUTED} apollo-cost-hint`} data-testid="service-costs-budget-hint">
                      All environments (what a budget covers): this month so far <span data-testid="service-costs-budget-hint-mtd">{formatUsd(whole.monthToDate)}</span>, forecast <span data-testid="service-costs-budget-hint-forecast">{formatUsd(whole.forecast)}</span>
                    </div>
                  )}
                </SectionCard>
              </Section>
            )}
        </div>
      )}
      {setting && <BudgetDialog budget={null} scope={{ type: 'service', id: service }} onClose={() => setSetting(false)} />}
    </div>
  );
}
