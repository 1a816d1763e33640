/**
 * One environment's month as an allocation tree (GET /api/v1/costs/environments/{env}): cluster → namespace → service
 * with each one's cost and change (each cluster with its idle and unallocated cost by its OpenCost), then the managed datastores tagged to its services, the shared cost (the
 * environment's tag, no service) and the services the catalog does not place on a cluster here. A service opens its
 * Costs tab.
 */
import { Classes, FormGroup, HTMLSelect, HTMLTable, Icon, NonIdealState, Spinner, Tag } from '@blueprintjs/core';
import { useState } from 'react';
import type { CostEnvironment } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { Link } from '../../lib/router.tsx';
import { formatDay, formatMonth, formatUsd, recentMonths, serviceCostsHref } from './cost-format.ts';
import { ChangeTag, Figure } from './cost-parts.tsx';
import { useCostEnvironment } from './cost-queries.ts';

type Placed = CostEnvironment['unplaced'][number];

const resourceText = (byResourceType: Readonly<Record<string, number>>): string =>
  Object.entries(byResourceType).sort((a, b) => b[1] - a[1]).slice(0, 4).map(([k, v]) => `${k} ${formatUsd(v)}`).join(' · ');

function ServiceRow({ s, environment, depth }: { s: Placed; environment: string; depth: number }) {
  return (
    <tr className="apollo-cost-tree-service" data-testid="cost-tree-service" data-service={s.service}>
      <td style={{ paddingLeft: 12 + depth * 22 }}>
        <Icon icon="cube" size={12} />{' '}
        {s.inCatalog
          ? <Link to={serviceCostsHref(s.service, environment)} className="apollo-cell-strong" data-testid="cost-tree-service-link">{s.service}</Link>
          : <span title="Tagged apollo:service, but not in the catalog">{s.service} <Tag minimal>not in catalog</Tag></span>}
        <div className={`${Classes.TEXT_MUTED} apollo-small`}>{resourceText(s.byResourceType)}</div>
      </td>
      <td className="apollo-cost-num">{formatUsd(s.cost)}</td>
      <td className="apollo-cost-num"><ChangeTag percent={s.changePercent} /></td>
    </tr>
  );
}

/** What the cluster's OpenCost saw that no service's tags carry: capacity nobody requested, and pods without a controller. */
function ClusterWaste({ idle, unallocated }: { idle: number | null; unallocated: number | null }) {
  if (idle === null && unallocated === null) {
    return <div className={`${Classes.TEXT_MUTED} apollo-small apollo-cost-cluster-idle`} title="Set APOLLO_COSTS_ALLOCATION_URLS to the cluster's OpenCost or Kubecost">no allocation data for idle capacity</div>;
  }
  return (
    <div className={`${Classes.TEXT_MUTED} apollo-small apollo-cost-cluster-idle`}>
      {idle !== null && <span data-testid="cost-tree-cluster-idle" data-idle={idle}>idle {formatUsd(idle)} (capacity nobody requested, by OpenCost)</span>}
      {idle !== null && unallocated !== null && ' · '}
      {unallocated !== null && <span data-testid="cost-tree-cluster-unallocated" data-unallocated={unallocated}>unallocated {formatUsd(unallocated)} (pods without a controller)</span>}
    </div>
  );
}

function Toggle({ open, onClick, icon, label, testId, ...data }: { open: boolean; onClick(): void; icon: 'cloud' | 'folder-close'; label: string; testId: string } & Record<`data-${string}`, string>) {
  return (
    <button type="button" className="apollo-cost-toggle" onClick={onClick} aria-expanded={open} data-testid={testId} {...data}>
      <Icon icon={open ? 'chevron-down' : 'chevron-right'} size={12} />
      <Icon icon={icon} size={12} />
      <strong>{label}</strong>
    </button>
  );
}

export function EnvironmentTree({ environments, environment, onEnvironment }: { environments: readonly string[]; environment: string | undefined; onEnvironment(env: string): void }) {
  // This month or one of the three before it (on the 1st, this month has nothing yet: last month is one click away).
  const [month, setMonth] = useState<string | undefined>(undefined);
  const env = useCostEnvironment(environment, month);
  // Collapsed: clusters and namespaces start closed so a drill-down is the reader's choice.
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const toggle = (key: string) => setOpen((o) => { const next = new Set(o); if (next.has(key)) next.delete(key); else next.add(key); return next; });
  const data = env.data?.environment === environment && (!month || env.data?.month === month) ? env.data : undefined;
  return (
    <div className="apollo-section-gap" data-testid="cost-environments">
      <form className="apollo-filters apollo-cost-env-filters" onSubmit={(e) => e.preventDefault()} aria-label="Environment">
        <FormGroup label="Environment" labelFor="ce-environment">
          <HTMLSelect id="ce-environment" fill value={environment ?? ''} onChange={(e) => e.currentTarget.value && onEnvironment(e.currentTarget.value)} data-testid="cost-environment-select"
            options={[...(environment ? [] : [{ value: '', label: 'Choose an environment' }]), ...environments]} />
        </FormGroup>
        <FormGroup label="Month" labelFor="ce-month">
          <HTMLSelect id="ce-month" fill value={month ?? ''} onChange={(e) => setMonth(e.currentTarget.value || undefined)} data-testid="cost-environment-month"
            options={recentMonths(new Date()).map((m, i) => ({ value: i === 0 ? '' : m, label: `${formatMonth(m)}${i === 0 ? ' (this month)' : ''}` }))} />
        </FormGroup>
      </form>
      {!environment && <NonIdealState icon="diagram-tree" title="Choose an environment" description="Its month as cluster → namespace → service, managed datastores and shared cost." className="apollo-empty" />}
      {environment && env.isError && !data && <ErrorState error={env.error} onRetry={() => void env.refetch()} />}
      {environment && env.isPending && <div className={Classes.SKELETON} style={{ height: 240 }} />}
      {data && (
        <>
          <div className="apollo-cost-figures">
            <Figure label={`${data.environment}, ${formatMonth(data.month)}`} value={formatUsd(data.total)} testId="cost-env-total">
              <ChangeTag percent={data.changePercent} testId="cost-env-change" /> against {formatUsd(data.lastMonthToDate)} last month to the same day{data.dataThrough ? ` (through ${formatDay(data.dataThrough)})` : ''}{env.isFetching && <Spinner size={12} />}
            </Figure>
            <Figure label="Last month" value={formatUsd(data.lastMonth)} testId="cost-env-last-month">in total; {formatUsd(data.lastMonthToDate)} to the same day</Figure>
            <Figure label="Forecast" value={data.forecast === null ? '—' : formatUsd(data.forecast)} testId="cost-env-forecast">month end, trailing average</Figure>
          </div>
          <div className="apollo-table-card">
            <HTMLTable compact className="apollo-table apollo-cost-tree" data-testid="cost-tree" data-environment={data.environment}>
              <thead><tr><th>Cluster → namespace → service</th><th className="apollo-cost-num">This month</th><th className="apollo-cost-num">Change</th></tr></thead>
              <tbody>
                {data.clusters.length === 0 && <tr><td colSpan={3} className={Classes.TEXT_MUTED}>No cluster in {data.environment} carries cost {month ? `in ${formatMonth(data.month)}` : 'this month yet'}.</td></tr>}
                {data.clusters.flatMap((c) => {
                  const ck = c.cluster;
                  const cOpen = open.has(ck);
                  return [
                    <tr key={ck} className="apollo-cost-tree-cluster" data-testid="cost-tree-cluster" data-cluster={c.cluster}>
                      <td>
                        <Toggle open={cOpen} onClick={() => toggle(ck)} icon="cloud" label={c.cluster} testId="cost-tree-cluster-toggle" />
                        <ClusterWaste idle={c.idle} unallocated={c.unallocated} />
                      </td>
                      <td className="apollo-cost-num">{formatUsd(c.cost)}</td><td />
                    </tr>,
                    ...(cOpen ? c.namespaces.flatMap((n) => {
                      const nk = `${ck}/${n.namespace}`;
                      const nOpen = open.has(nk);
                      return [
                        <tr key={nk} className="apollo-cost-tree-namespace" data-testid="cost-tree-namespace" data-namespace={n.namespace}>
                          <td style={{ paddingLeft: 34 }}><Toggle open={nOpen} onClick={() => toggle(nk)} icon="folder-close" label={n.namespace} testId="cost-tree-namespace-toggle" /></td>
                          <td className="apollo-cost-num">{formatUsd(n.cost)}</td><td />
                        </tr>,
                        ...(nOpen ? n.services.map((s) => <ServiceRow key={`${nk}/${s.service}`} s={s} environment={data.environment} depth={3} />) : []),
                      ];
                    }) : []),
                  ];
                })}
              </tbody>
            </HTMLTable>
          </div>
          <div className="apollo-grid">
            <div className="apollo-table-card">
              <HTMLTable compact className="apollo-table" data-testid="cost-managed">
                <thead><tr><th>Managed datastores</th><th>Service</th><th className="apollo-cost-num">This month</th></tr></thead>
                <tbody>
                  {data.managed.length === 0 && <tr><td colSpan={3} className={Classes.TEXT_MUTED}>None tagged to a service here.</td></tr>}
                  {data.managed.map((m) => (
                    <tr key={`${m.resourceType}/${m.name}`}>
                      <td><span className="apollo-mono">{m.name}</span><div className={`${Classes.TEXT_MUTED} apollo-small`}>{m.resourceType} · {m.awsService}</div></td>
                      <td><Link to={serviceCostsHref(m.service, data.environment)}>{m.service}</Link></td>
                      <td className="apollo-cost-num">{formatUsd(m.cost)}</td>
                    </tr>
                  ))}
                </tbody>
              </HTMLTable>
            </div>
            <div className="apollo-table-card">
              <HTMLTable compact className="apollo-table" data-testid="cost-shared">
                <thead><tr><th title="Tagged with the environment, no service: control plane, monitoring">Shared</th><th className="apollo-cost-num">This month</th></tr></thead>
                <tbody>
                  {data.shared.length === 0 && <tr><td colSpan={2} className={Classes.TEXT_MUTED}>No shared cost.</td></tr>}
                  {data.shared.map((s) => <tr key={`${s.resourceType}/${s.awsService}`}><td>{s.resourceType}<div className={`${Classes.TEXT_MUTED} apollo-small`}>{s.awsService}</div></td><td className="apollo-cost-num">{formatUsd(s.cost)}</td></tr>)}
                </tbody>
              </HTMLTable>
            </div>
          </div>
          {data.unplaced.length > 0 && (
            <div className="apollo-table-card">
              <HTMLTable compact className="apollo-table apollo-cost-tree" data-testid="cost-unplaced">
                <thead><tr><th title="Tagged in this environment, but the catalog puts them on no cluster here">Not on a cluster here</th><th className="apollo-cost-num">This month</th><th className="apollo-cost-num">Change</th></tr></thead>
                <tbody>{data.unplaced.map((s) => <ServiceRow key={s.service} s={s} environment={data.environment} depth={0} />)}</tbody>
              </HTMLTable>
            </div>
          )}
        </>
      )}
    </div>
  );
}
