/**
 * Requests: mine, a team's of mine, or everyone's (operators), newest first, filtered by status and offering (all in
 * the URL). Live: a change on `requests:<team>` for my teams, or a notification that a request of mine moved on,
 * reads the list again; it is read every 15 s anyway in case a frame was missed.
 */
import { Button, Classes, Code, FormGroup, HTMLSelect, HTMLTable, NonIdealState, Spinner, Tab, Tabs, Tag } from '@blueprintjs/core';
import { useMemo } from 'react';
import { ErrorState } from '../../components/error-state.tsx';
import { PageHeader } from '../../components/shell.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { useLiveRequestLists } from '../../lib/live-requests.ts';
import { useMe, useOfferingList, useRequestList } from '../../lib/queries.ts';
import { Link, navigate, useSearch } from '../../lib/router.tsx';
import { useRealtimeState } from '../../lib/store.ts';
import { RequestProgress, RequestStatusTag } from './request-parts.tsx';
import {
  REQUEST_STATES, requestFiltersFromSearch, requestListQuery, scopeFromTabId, scopeTabId, searchFromRequestFilters, STATUS_LABEL,
  type RequestListFilters, type RequestState,
} from './request-status.ts';
import './requests.css';
import { LiveBadge } from '../../components/live-badge.tsx';

function SkeletonRows({ columns }: { columns: number }) {
  return (
    <tbody>
      {Array.from({ length: 5 }, (_, i) => (
        <tr key={i}>{Array.from({ length: columns }, (__, j) => <td key={j}><div className={Classes.SKELETON}>&nbsp;</div></td>)}</tr>
      ))}
    </tbody>
  );
}

export function RequestsPage() {
  const search = useSearch();
  const filters = useMemo(() => requestFiltersFromSearch(search), [search]);
  const setFilters = (f: RequestListFilters) => navigate(`/requests${searchFromRequestFilters(f)}`);
  const me = useMe();
  const teams = (me.data?.teams ?? []).map((t) => t.id);
  const mayManage = me.data?.permissions.includes('requests:manage') ?? false;
  const params = useMemo(() => requestListQuery(filters), [filters]);
  const list = useRequestList(params);
  const offerings = useOfferingList({});
  const connection = useRealtimeState((s) => s.state);
  useLiveRequestLists(teams, me.data?.principal, mayManage && filters.scope.kind === 'all');

  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const others = filters.scope.kind !== 'mine';
  const filtered = filters.status !== undefined || filters.offering !== undefined;
  const offeringOptions = (offerings.data?.pages.flatMap((p) => p.items) ?? []).map((o) => ({ value: o.id, label: o.name }));
  if (filters.offering && !offeringOptions.some((o) => o.value === filters.offering)) offeringOptions.push({ value: filters.offering, label: filters.offering });
  // A team named in the URL that is not mine (an operator's link) still gets its tab.
  const teamTabs = filters.scope.kind === 'team' && !teams.includes(filters.scope.team) ? [...teams, filters.scope.team] : teams;
  const live = connection === 'open';
  const columns = others ? 7 : 6;

  return (
    <div className="apollo-page apollo-requests" data-testid="requests-page">
      <PageHeader
        title={(
          <>
            Requests{' '}
            <LiveBadge live={live} tip={live ? 'Changes to your and your teams\u2019 requests show as they happen' : 'Not receiving live updates right now; the list is read every 15 s'} />
          </>
        )}
        description="Self-service requests: where each one is, what it waits for, and how it ended."
        actions={<Link to="/self-service" className="bp6-button bp6-intent-primary" data-testid="new-request"><span className="bp6-button-text">New request</span></Link>}
      />
      <Tabs id="request-scope" selectedTabId={scopeTabId(filters.scope)} onChange={(id) => setFilters({ ...filters, scope: scopeFromTabId(String(id)) })} className="apollo-tabs">
        <Tab id="mine" title="Mine" icon="person" />
        {teamTabs.map((t) => <Tab key={t} id={`team:${t}`} title={`Team ${t}`} icon="people" />)}
        {mayManage && <Tab id="all" title="All" icon="globe" />}
      </Tabs>
      <div className="apollo-filters apollo-request-filters" role="group" aria-label="Request filters">
        <FormGroup label="Status" labelFor="rq-status">
          <HTMLSelect id="rq-status" fill value={filters.status ?? ''} onChange={(e) => setFilters({ ...filters, status: (e.currentTarget.value || undefined) as RequestState | undefined })}
            options={[{ value: '', label: 'Any status' }, ...REQUEST_STATES.map((s) => ({ value: s, label: STATUS_LABEL[s] }))]} />
        </FormGroup>
        <FormGroup label="Offering" labelFor="rq-offering">
          <HTMLSelect id="rq-offering" fill value={filters.offering ?? ''} onChange={(e) => setFilters({ ...filters, offering: e.currentTarget.value || undefined })}
            options={[{ value: '', label: 'Any offering' }, ...offeringOptions]} />
        </FormGroup>
        <div className="apollo-filter-actions">
          <Button variant="minimal" text="Clear" disabled={!filtered} onClick={() => setFilters({ scope: filters.scope })} />
        </div>
      </div>
      {list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : (
        <div className="apollo-table-card">
          <HTMLTable className="apollo-table" interactive={items.length > 0} data-testid="requests-table">
            <thead>
              <tr><th>Offering</th><th>Status</th><th>Progress</th>{others && <th>Requester</th>}<th>Team</th><th>Created</th><th>Updated</th></tr>
            </thead>
            {list.isPending ? <SkeletonRows columns={columns + 1} /> : (
              <tbody>
                {items.map((r) => {
                  const open = () => navigate(`/requests/${encodeURIComponent(r.id)}`);
                  return (
                    <tr key={r.id} onClick={open} onKeyDown={(e) => { if (e.key === 'Enter') open(); }} tabIndex={0} data-testid="request-row" data-id={r.id} data-status={r.status}>
                      <td>
                        <Link to={`/requests/${encodeURIComponent(r.id)}`} className="apollo-cell-strong" onClick={(e) => e.stopPropagation()}>{r.offering.name}</Link>
                        <div className={`${Classes.TEXT_MUTED} apollo-small`}>
                          <Code className="apollo-small">{r.id.slice(-8)}</Code>
                          {r.priority !== 'normal' && <Tag minimal intent={r.priority === 'high' ? 'warning' : 'none'} className="apollo-inline-tag">{r.priority}</Tag>}
                        </div>
                      </td>
                      <td>
                        <RequestStatusTag status={r.status} />
                        {r.error && <div className="apollo-small apollo-request-row-error" title={r.error.message}>{r.error.message}</div>}
                      </td>
                      <td className="apollo-request-progress-cell"><RequestProgress request={r} /></td>
                      {others && <td>{r.requester}</td>}
                      <td>{r.team ?? <span className={Classes.TEXT_MUTED}>—</span>}</td>
                      <td className="apollo-nowrap" title={formatTime(r.createdAt)}>{formatAgo(r.createdAt)}</td>
                      <td className="apollo-nowrap" title={formatTime(r.updatedAt)}>{formatAgo(r.updatedAt)}</td>
                    </tr>
                  );
                })}
              </tbody>
            )}
          </HTMLTable>
          {!list.isPending && items.length === 0 && (
            filtered
              ? <NonIdealState icon="search" title="No requests match" description="Nothing in this scope has that status or offering." action={<Button text="Clear filters" onClick={() => setFilters({ scope: filters.scope })} />} className="apollo-empty" />
              : <NonIdealState icon="inbox" title={filters.scope.kind === 'mine' ? 'No requests yet' : 'No requests here yet'}
                  description={filters.scope.kind === 'mine' ? 'Request something from the self-service catalog: it shows here, live, until it is done.' : 'Requests made for this scope show here.'}
                  action={<Link to="/self-service">Browse self-service</Link>} className="apollo-empty" data-testid="requests-empty" />
          )}
          {list.hasNextPage && (
            <div className="apollo-load-more">
              <Button text="Load more" icon="more" loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()} data-testid="load-more" />
            </div>
          )}
          {list.isFetching && !list.isPending && !list.isFetchingNextPage && <Spinner size={16} className="apollo-refreshing" />}
        </div>
      )}
    </div>
  );
}
