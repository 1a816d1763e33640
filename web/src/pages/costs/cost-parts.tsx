/** Pieces the Costs page and a service's Costs tab share: where the figures come from, change, anomalies with their causes, a budget. */
import { Button, Callout, Classes, HTMLTable, Icon, NonIdealState, Section, SectionCard, Tag } from '@blueprintjs/core';
import { useState, type ReactNode } from 'react';
import type { CostAnomaly, CostBudget } from '../../../../schemas/types.gen.ts';
import { explainForbidden } from '../../lib/forbidden.ts';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { useMe } from '../../lib/queries.ts';
import { Link } from '../../lib/router.tsx';
import { BudgetDialog, DeleteBudgetAlert } from './budget-dialog.tsx';
import { BurnDownChart } from './cost-charts.tsx';
import { budgetStateText, causeHref, changeIntent, formatChange, formatDay, formatMonth, formatPercent, formatUsd, serviceCostsHref } from './cost-format.ts';

/** Where the figures come from: the LOCAL demo source says so on every page that shows them. */
export function SourceBanner({ simulated, dataThrough, asOf }: { simulated: boolean; dataThrough: string | null; asOf?: string | null | undefined }) {
  const through = <>data through {dataThrough ? formatDay(dataThrough) : '—'}{asOf !== undefined && <>, ingested {asOf ? <span title={formatTime(asOf)}>{formatAgo(asOf)}</span> : 'never'}</>}</>;
  if (!simulated) return <div className={`${Classes.TEXT_MUTED} apollo-small apollo-cost-through`} data-testid="cost-through">AWS Cost Explorer · {through}</div>;
  return (
    <Callout intent="primary" icon="lab-test" className="apollo-cost-banner" data-testid="cost-demo-banner" compact>
      <strong>LOCAL demo Cost Explorer: generated spend for the demo services, not AWS</strong> · {through}
    </Callout>
  );
}

export function ChangeTag({ percent, testId }: { percent: number | null | undefined; testId?: string }) {
  return <Tag minimal intent={changeIntent(percent)} className="apollo-cost-change" data-testid={testId} title="Against the month before, to the same day">{formatChange(percent)}</Tag>;
}

/** A figure with its label and a line under it. */
export function Figure({ label, value, children, testId }: { label: string; value: string; children?: ReactNode; testId: string }) {
  return (
    <div className="apollo-cost-figure" data-testid={testId}>
      <div className={`${Classes.TEXT_MUTED} apollo-small`}>{label}</div>
      <div className="apollo-cost-figure-value" data-testid={`${testId}-value`}>{value}</div>
      {children && <div className="apollo-small apollo-cost-figure-note">{children}</div>}
    </div>
  );
}

/** Anomalies newest first: the day, where, what happened and the deploys and requests of the day before, each linked. */
export function AnomalyTable({ items, showService = true }: { items: readonly CostAnomaly[]; showService?: boolean }) {
  if (items.length === 0) return <NonIdealState icon="tick-circle" title="No anomalies" description="No day rose beyond its trailing 14 days, and Cost Anomaly Detection flagged nothing." className="apollo-empty apollo-cost-empty-small" />;
  return (
    <HTMLTable compact className="apollo-table apollo-cost-anomalies" data-testid="cost-anomalies" data-count={items.length}>
      <thead><tr><th>Day</th>{showService && <th>Service</th>}<th>What happened</th><th className="apollo-cost-num">Impact</th><th>Caused by</th></tr></thead>
      <tbody>
        {items.map((a) => (
          <tr key={a.id} data-testid="cost-anomaly" data-service={a.service ?? ''} data-environment={a.environment ?? ''} data-date={a.date} data-source={a.source}>
            <td className="apollo-nowrap">{formatDay(a.date)}{a.endDate && a.endDate !== a.date && <> – {formatDay(a.endDate)}</>}
              <div className={`${Classes.TEXT_MUTED} apollo-small`}>{a.source === 'apollo' ? 'Apollo' : 'Cost Explorer'}</div>
            </td>
            {showService && (
              <td className="apollo-nowrap">
                {a.service ? <Link to={serviceCostsHref(a.service, a.environment ?? undefined)} className="apollo-cell-strong">{a.service}</Link> : <span className={Classes.TEXT_MUTED}>{a.awsService ?? 'untagged'}</span>}
                {a.environment && <div className="apollo-small">{a.environment}</div>}
              </td>
            )}
            <td>
              {a.summary}
              <div className={`${Classes.TEXT_MUTED} apollo-small`}>{formatUsd(a.actual)} against {formatUsd(a.expected)} expected · score {a.score.toFixed(1)}</div>
            </td>
            <td className="apollo-cost-num apollo-nowrap"><Tag minimal intent="danger">+{formatUsd(a.impactPerDay)}/day</Tag></td>
            <td>
              {a.causes.length === 0 && <span className={`${Classes.TEXT_MUTED} apollo-small`}>{a.rootCauses.length ? a.rootCauses.map((r) => [r.service, r.usageType, r.region].filter(Boolean).join(' · ')).join('; ') : 'nothing Apollo did the day before'}</span>}
              {a.causes.map((c) => (
                <div key={`${c.kind}/${c.id}`} className="apollo-cost-cause">
                  <Link to={causeHref(c)} data-testid="cost-anomaly-cause" data-kind={c.kind} data-id={c.id}>
                    <Icon icon={c.kind === 'deployment' ? 'rocket-slant' : 'inbox'} size={12} /> {c.summary}
                  </Link>
                  <div className={`${Classes.TEXT_MUTED} apollo-small`}>{c.kind}{c.environment ? ` in ${c.environment}` : ''}{c.by ? ` by ${c.by}` : ''} · <span title={formatTime(c.at)}>{formatAgo(c.at)}</span></div>
                </div>
              ))}
            </td>
          </tr>
        ))}
      </tbody>
    </HTMLTable>
  );
}

/** Whether the caller may set budgets, and if not, the route table's words for why. */
export function useBudgetPowers(): { manage: boolean; why: string } {
  const me = useMe();
  const why = explainForbidden('POST', '/api/v1/costs/budgets', me.data);
  return {
    manage: why.roleAllows,
    why: `Setting budgets needs ${why.needs}${why.rolesWith.length ? ` (${why.rolesWith.join(', ')})` : ''}; your role ${why.role ?? ''} has costs:read.`,
  };
}

export function BudgetStateTag({ budget }: { budget: Pick<CostBudget, 'state' | 'breachedBy'> }) {
  const s = budgetStateText(budget);
  return <Tag intent={s.intent} title={s.title} data-testid="cost-budget-state" data-state={budget.state}>{s.label}</Tag>;
}

/** One budget: its scope, amount, the month against it, its state and burn-down; edit and delete for costs:manage. */
export function BudgetCard({ budget, showScope = true }: { budget: CostBudget; showScope?: boolean }) {
  const powers = useBudgetPowers();
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const scopeHref = budget.scope.type === 'service' ? serviceCostsHref(budget.scope.id) : budget.scope.type === 'environment' ? `/costs?tab=environments&environment=${encodeURIComponent(budget.scope.id)}` : undefined;
  return (
    <Section
      className="apollo-section apollo-cost-budget" data-testid="cost-budget" data-id={budget.id} data-state={budget.state}
      title={showScope ? <>{budget.scope.type} {scopeHref ? <Link to={scopeHref}>{budget.scope.id}</Link> : budget.scope.id}</> : 'Budget'}
      subtitle={`${formatUsd(budget.monthlyAmount)} a month · ${formatMonth(budget.month)}`}
      rightElement={
        <span className="apollo-cost-budget-actions">
          <BudgetStateTag budget={budget} />
          <Button size="small" variant="minimal" icon="edit" text="Edit" disabled={!powers.manage} title={powers.manage ? undefined : powers.why} onClick={() => setEditing(true)} data-testid="cost-budget-edit" />
          <Button size="small" variant="minimal" icon="trash" intent="danger" aria-label={`Delete the budget of ${budget.scope.id}`} disabled={!powers.manage} title={powers.manage ? undefined : powers.why} onClick={() => setDeleting(true)} data-testid="cost-budget-delete" />
        </span>
      }
    >
      <SectionCard>
        <div className="apollo-cost-budget-body">
          <div className="apollo-cost-budget-figures">
            <div><span className={Classes.TEXT_MUTED}>Month to date</span> <strong data-testid="cost-budget-mtd">{formatUsd(budget.monthToDate)}</strong> ({formatPercent(budget.percentUsed)})</div>
            <div><span className={Classes.TEXT_MUTED}>Forecast</span> <strong data-testid="cost-budget-forecast">{formatUsd(budget.forecast)}</strong> ({formatPercent(budget.forecastPercent)})</div>
            <div className={`${Classes.TEXT_MUTED} apollo-small`}>
              Alerts at {budget.alerts.map((a) => `${a.percent} % ${a.basis}`).join(', ')}{budget.owners.length ? ` · tells ${budget.owners.join(', ')}` : ''}
            </div>
            {budget.alertsSent.length > 0 && (
              <div className="apollo-small" data-testid="cost-budget-alerts-sent">
                <Icon icon="notifications" size={12} /> Sent: {budget.alertsSent.map((a) => `${a.percent} % ${a.basis} ${formatAgo(a.at)}`).join(', ')}
              </div>
            )}
            {budget.description && <div className="apollo-small">{budget.description}</div>}
          </div>
          <BurnDownChart budget={budget} />
        </div>
      </SectionCard>
      {editing && <BudgetDialog budget={budget} onClose={() => setEditing(false)} />}
      <DeleteBudgetAlert budget={budget} isOpen={deleting} onClose={() => setDeleting(false)} />
    </Section>
  );
}
