/**
 * Deployments newest first (GET /api/v1/deployments/history): the Deploy Center's, with filters (service, environment,
 * status, operation, who, date range) kept in the URL, or a service page's recent ones. Cursor paging ("Load more");
 * live from `deployments`: a deployment moves in place, a new one appears on top. A row that can be rolled back (its
 * environment's newest succeeded, or failed, deploy, promote or rollback: rollbackRows) has "Roll back".
 */
import { Button, Callout, Classes, Code, FormGroup, HTMLSelect, HTMLTable, InputGroup, NonIdealState, Spinner } from '@blueprintjs/core';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ErrorState } from '../../components/error-state.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { useMe } from '../../lib/queries.ts';
import { useServices } from '../../lib/services-context.ts';
import { Link, navigate } from '../../lib/router.tsx';
import { formatDuration } from '../requests/request-status.ts';
import { deploymentKey, useDeploymentHistory, useServiceChoices, type HistoryFilters } from './deployment-queries.ts';
import { ChangeText, DeploymentStatusTag, OperationTag } from './deployment-parts.tsx';
import { DEPLOYMENT_STATES, isEnded, OPERATION_LABEL, OPERATIONS, rollbackRows, sortEnvironments, STATUS_LABEL } from './deployment-rules.ts';
import { STAGE_LABEL } from './deployment-stages.ts';
import { RollbackButton } from './rollback-button.tsx';

const toIso = (local: string): string | undefined => (local ? new Date(local).toISOString() : undefined);

/** An ISO time as a datetime-local input's value (local time, minutes). */
function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function HistoryFiltersForm({ initial, onApply }: { initial: HistoryFilters; onApply(filters: HistoryFilters): void }) {
  const choices = useServiceChoices();
  const [service, setService] = useState(initial.service ?? '');
  const [environment, setEnvironment] = useState(initial.environment ?? '');
  const [status, setStatus] = useState<string>(initial.status ?? '');
  const [operation, setOperation] = useState<string>(initial.operation ?? '');
  const [who, setWho] = useState(initial.initiatedBy ?? '');
  const [from, setFrom] = useState(toLocalInput(initial.from));
  const [to, setTo] = useState(toLocalInput(initial.to));
  const [problem, setProblem] = useState<string | null>(null);
  const environments = sortEnvironments([...new Set((choices.data ?? []).filter((s) => !service || s.id === service).flatMap((s) => s.environments.map((e) => e.name)))]);
  const serviceOptions = (choices.data ?? []).map((s) => s.id);
  if (service && !serviceOptions.includes(service)) serviceOptions.push(service);
  if (environment && !environments.includes(environment)) environments.push(environment);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (from && to && new Date(from) >= new Date(to)) { setProblem('"From" must be before "to".'); return; }
    setProblem(null);
    const f: Record<string, string | undefined> = {
      service: service || undefined, environment: environment || undefined, status: status || undefined, operation: operation || undefined,
      initiatedBy: who.trim() || undefined, from: toIso(from), to: toIso(to),
    };
    onApply(Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as HistoryFilters);
  };
  const clear = () => {
    setService(''); setEnvironment(''); setStatus(''); setOperation(''); setWho(''); setFrom(''); setTo(''); setProblem(null);
    onApply({});
  };
  return (
    <form className="apollo-filters apollo-deploy-filters" onSubmit={submit} aria-label="Deployment filters" data-testid="history-filters">
      <FormGroup label="Service" labelFor="dh-service">
        <HTMLSelect id="dh-service" fill value={service} onChange={(e) => setService(e.currentTarget.value)} options={[{ value: '', label: 'Any service' }, ...serviceOptions]} data-testid="history-service" />
      </FormGroup>
      <FormGroup label="Environment" labelFor="dh-environment">
        <HTMLSelect id="dh-environment" fill value={environment} onChange={(e) => setEnvironment(e.currentTarget.value)} options={[{ value: '', label: 'Any environment' }, ...environments]} data-testid="history-environment" />
      </FormGroup>
      <FormGroup label="Status" labelFor="dh-status">
        <HTMLSelect id="dh-status" fill value={status} onChange={(e) => setStatus(e.currentTarget.value)} options={[{ value: '', label: 'Any status' }, ...DEPLOYMENT_STATES.map((s) => ({ value: s, label: STATUS_LABEL[s] }))]} data-testid="history-status" />
      </FormGroup>
      <FormGroup label="Operation" labelFor="dh-operation">
        <HTMLSelect id="dh-operation" fill value={operation} onChange={(e) => setOperation(e.currentTarget.value)} options={[{ value: '', label: 'Any operation' }, ...OPERATIONS.map((o) => ({ value: o, label: OPERATION_LABEL[o] }))]} data-testid="history-operation" />
      </FormGroup>
      <FormGroup label="Who" labelFor="dh-who"><InputGroup id="dh-who" placeholder="email" value={who} onValueChange={setWho} leftIcon="person" data-testid="history-who" /></FormGroup>
      <FormGroup label="From" labelFor="dh-from"><InputGroup id="dh-from" type="datetime-local" value={from} onValueChange={setFrom} /></FormGroup>
      <FormGroup label="To" labelFor="dh-to"><InputGroup id="dh-to" type="datetime-local" value={to} onValueChange={setTo} /></FormGroup>
      <div className="apollo-filter-actions">
        <Button type="submit" intent="primary" icon="filter" text="Apply" data-testid="history-apply" />
        <Button variant="minimal" text="Clear" onClick={clear} />
      </div>
      {problem && <Callout intent="warning" compact className="apollo-filter-problem">{problem}</Callout>}
    </form>
  );
}

function SkeletonRows({ columns }: { columns: number }) {
  return (
    <tbody>
      {Array.from({ length: 4 }, (_, i) => (
        <tr key={i}>{Array.from({ length: columns }, (__, j) => <td key={j}><div className={Classes.SKELETON}>&nbsp;</div></td>)}</tr>
      ))}
    </tbody>
  );
}

/**
 * Why a cancelled deployment was cancelled: its detail's cancel (a summary does not carry it), read once per row; an
 * ended deployment does not change, so it is not read again.
 */
function CancelNote({ id }: { id: string }) {
  const { api } = useServices();
  const detail = useQuery({ queryKey: deploymentKey(id), queryFn: () => api.read('GET /api/v1/deployments/{id}', { params: { id } }), staleTime: Infinity });
  const cancel = detail.data?.cancel;
  if (!cancel) return null;
  const text = `by ${cancel.by}${cancel.reason ? `: ${cancel.reason}` : ''}`;
  return <div className={`${Classes.TEXT_MUTED} apollo-small apollo-deploy-row-note`} title={text} data-testid="deployment-row-cancel">{text}</div>;
}

const isFiltered = (f: HistoryFilters): boolean => Object.values(f).some((v) => v !== undefined && v !== '');

/** Filters that leave out newer deployments of an environment: which row is its newest cannot be told. */
const hidesNewer = (f: HistoryFilters): boolean => Boolean(f.status || f.operation || f.initiatedBy || f.to);

/** The table. `service` hides the service column (a service page's). */
export function DeploymentHistoryTable({ filters, limit = 25, serviceColumn = true, onClear, empty }: {
  filters: HistoryFilters;
  limit?: number;
  serviceColumn?: boolean;
  onClear?(): void;
  /** What to say when there are none (and no filters). */
  empty?: { title: string; description: string };
}) {
  const history = useDeploymentHistory(filters, limit);
  const items = history.data?.pages.flatMap((p) => p.items) ?? [];
  const me = useMe();
  // A role that may deploy nowhere (a viewer) has no actions; one that may not in production sees why on the button.
  const acts = (me.data?.permissions ?? []).some((p) => p === 'deployments:create:non-prod' || p === 'deployments:create:prod');
  const rollbackable = acts && !hidesNewer(filters) ? rollbackRows(items) : new Set<string>();
  const columns = (serviceColumn ? 8 : 7) + (acts ? 1 : 0);
  if (history.isError) return <ErrorState error={history.error} onRetry={() => void history.refetch()} />;
  return (
    <div className="apollo-table-card">
      <HTMLTable className="apollo-table" interactive={items.length > 0} data-testid="deployment-history">
        <thead>
          <tr><th>Operation</th>{serviceColumn && <th>Service</th>}<th>Environment</th><th>Change</th><th>Status</th><th>Who</th><th>Started</th><th>Took</th>{acts && <th aria-label="Actions" />}</tr>
        </thead>
        {history.isPending ? <SkeletonRows columns={columns} /> : (
          <tbody>
            {items.map((d) => {
              const href = `/deployments/${encodeURIComponent(d.id)}`;
              const open = () => navigate(href);
              return (
                <tr key={d.id} onClick={open} onKeyDown={(e) => { if (e.key === 'Enter') open(); }} tabIndex={0}
                  data-testid="deployment-row" data-id={d.id} data-status={d.status} data-operation={d.operation} data-environment={d.environment} data-service={d.service}>
                  <td>
                    <Link to={href} onClick={(e) => e.stopPropagation()} className="apollo-deploy-row-link"><OperationTag operation={d.operation} /></Link>
                    <div className={`${Classes.TEXT_MUTED} apollo-small`}><Code className="apollo-small">{d.id.slice(-8)}</Code></div>
                  </td>
                  {serviceColumn && <td className="apollo-nowrap"><Link to={`/catalog/${encodeURIComponent(d.service)}`} onClick={(e) => e.stopPropagation()} className="apollo-cell-strong">{d.service}</Link></td>}
                  <td>{d.environment}</td>
                  <td><ChangeText deployment={d} /></td>
                  <td>
                    <DeploymentStatusTag status={d.status} />
                    {!isEnded(d.status) && d.stage !== 'done' && <div className={`${Classes.TEXT_MUTED} apollo-small`} data-testid="deployment-row-stage">{STAGE_LABEL[d.stage]}</div>}
                    {d.error && <div className="apollo-small apollo-request-row-error" title={d.error} data-testid="deployment-row-error">{d.status === 'refused' ? `Refused by a safeguard: ${d.error}` : d.error}</div>}
                    {d.status === 'cancelled' && !d.error && <CancelNote id={d.id} />}
                  </td>
                  <td>{d.initiatedBy}<div className={`${Classes.TEXT_MUTED} apollo-small`}>via {d.initiatedVia}</div></td>
                  <td className="apollo-nowrap" title={formatTime(d.createdAt)}>{formatAgo(d.createdAt)}</td>
                  <td className="apollo-nowrap">{d.durationMs !== null && d.durationMs !== undefined ? formatDuration(d.durationMs) : <span className={Classes.TEXT_MUTED}>—</span>}</td>
                  {acts && (
                    // The button and its confirmation (in a portal, whose events still bubble here) do not open the row.
                    <td className="apollo-nowrap" onClick={(e) => e.stopPropagation()} onKeyDown={(e) => e.stopPropagation()}>
                      {rollbackable.has(d.id) && <RollbackButton deployment={d} small />}
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        )}
      </HTMLTable>
      {!history.isPending && items.length === 0 && (
        // NonIdealState keeps no data attributes: the wrapper names it for tests.
        <div data-testid="history-empty" data-filtered={isFiltered(filters)}>
          {isFiltered(filters) && onClear
            ? <NonIdealState icon="search" title="No deployments match" description="Nothing in the history has those filters." action={<Button text="Clear filters" onClick={onClear} />} className="apollo-empty" />
            : <NonIdealState icon="rocket-slant" title={empty?.title ?? 'No deployments yet'} description={empty?.description ?? 'Deploy a version above: it shows here, live, until it is done.'} className="apollo-empty" />}
        </div>
      )}
      {history.hasNextPage && (
        <div className="apollo-load-more">
          <Button text="Load more" icon="more" loading={history.isFetchingNextPage} onClick={() => void history.fetchNextPage()} data-testid="history-load-more" />
        </div>
      )}
      {history.isFetching && !history.isPending && !history.isFetchingNextPage && <Spinner size={16} className="apollo-refreshing" />}
    </div>
  );
}
