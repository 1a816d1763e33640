/**
 * A team's request history over the page's window (GET /api/v1/teams/{id}/requests): the summary, the most frequent
 * failures, and the requests newest first, 25 a page, filtered by status and offering (`?status=&offering=`). The API
 * shows them to the team's members and operators; anyone else reads why not.
 */
import { Button, Classes, FormGroup, HTMLSelect, HTMLTable, NonIdealState, Section, SectionCard, Tag } from '@blueprintjs/core';
import type { TeamRequestHistory as History } from '../../../../schemas/types.gen.ts';
import { ErrorState, isForbidden } from '../../components/error-state.tsx';
import { formatAgo, formatTime, possessive } from '../../lib/format.ts';
import { useOfferingList } from '../../lib/queries.ts';
import { Link, navigate, useSearch } from '../../lib/router.tsx';
import { formatDuration, formatRate, windowWords, withParam } from '../analytics/analytics-format.ts';
import { useTeamRequests } from '../analytics/analytics-queries.ts';
import { RequestStatusTag } from '../requests/request-parts.tsx';
import { REQUEST_STATES, STATUS_LABEL, type RequestState } from '../requests/request-status.ts';
import { historyFiltersFromSearch } from './team-history.ts';

function Summary({ h }: { h: History }) {
  const s = h.summary;
  return (
    <div className="apollo-analytics-summary" data-testid="team-history-summary" data-submitted={s.submitted}>
      <span><strong>{s.submitted}</strong> submitted</span>
      <span><strong>{s.completed}</strong> completed</span>
      <span><strong>{s.failed}</strong> failed</span>
      <span><strong>{s.cancelled}</strong> cancelled</span>
      <span>success rate <strong>{formatRate(s.successRate)}</strong></span>
      <span>completion: average <strong>{formatDuration(s.averageCompletionMs)}</strong>, median <strong>{s.medianCompletionMs === null ? '—' : `≈ ${formatDuration(s.medianCompletionMs)}`}</strong></span>
    </div>
  );
}

function FailurePatterns({ h }: { h: History }) {
  if (h.failurePatterns.length === 0) return null;
  return (
    <div className="apollo-analytics-patterns">
      <h4 className="apollo-analytics-subhead">Failure patterns</h4>
      <ul data-testid="team-failure-patterns">
        {h.failurePatterns.map((p) => (
          <li key={`${p.offering.id}/${p.reason}/${p.action ?? ''}`} data-testid="team-failure-pattern" data-offering={p.offering.id} data-reason={p.reason} data-count={p.count}>
            <Tag minimal intent="danger" round>{p.count}×</Tag> {p.offering.name}: {p.label}{p.action && <> in <span className="apollo-mono">{p.action}</span></>}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** How long a request took, submit to its end (while it runs, nothing). */
function took(createdAt: string, completedAt: string | null): string {
  if (!completedAt) return '—';
  return formatDuration(Date.parse(completedAt) - Date.parse(createdAt));
}

export function TeamRequestHistory({ teamId, teamName, days }: { teamId: string; teamName: string; days: number }) {
  const search = useSearch();
  const filters = historyFiltersFromSearch(search);
  const history = useTeamRequests(teamId, days, filters);
  const offerings = useOfferingList({});
  const setFilter = (key: 'status' | 'offering', value: string) =>
    navigate(`/teams/${encodeURIComponent(teamId)}${withParam(search, key, value || undefined)}`, { replace: true });
  const pages = history.data?.pages ?? [];
  const first = pages[0];
  const items = pages.flatMap((p) => p.items);
  const filtered = filters.status !== undefined || filters.offering !== undefined;
  // The catalog's offerings, and those the history names (one retired, or the catalog unreadable, still filters).
  const offeringOptions = (offerings.data?.pages.flatMap((p) => p.items) ?? []).map((o) => ({ value: o.id, label: o.name }));
  for (const o of [...(first?.failurePatterns ?? []).map((p) => p.offering), ...items.map((r) => r.offering)]) {
    if (!offeringOptions.some((x) => x.value === o.id)) offeringOptions.push({ value: o.id, label: o.name });
  }
  if (filters.offering && !offeringOptions.some((o) => o.value === filters.offering)) offeringOptions.push({ value: filters.offering, label: filters.offering });
  const forbidden = history.isError && isForbidden(history.error);
  return (
    <Section id="requests" title="Request history" icon="inbox" className="apollo-section apollo-grid-full" data-testid="team-history"
      data-state={history.isError && !first ? (forbidden ? 'forbidden' : 'error') : !first ? 'loading' : items.length === 0 ? 'empty' : 'ready'}
      subtitle={`${possessive(teamName)} requests in ${windowWords(days)}, newest first`}>
      {history.isError && !first ? (
        <SectionCard><div data-testid="team-history-error"><ErrorState error={history.error} onRetry={forbidden ? undefined : () => void history.refetch()} /></div></SectionCard>
      ) : (
        <>
          <SectionCard>
            {first ? <><Summary h={first} /><FailurePatterns h={first} /></> : <div className={Classes.SKELETON}>&nbsp;</div>}
            <div className="apollo-analytics-history-filters">
              <FormGroup label="Status" labelFor="team-history-status" inline>
                <HTMLSelect id="team-history-status" value={filters.status ?? ''} onChange={(e) => setFilter('status', e.currentTarget.value)} data-testid="team-history-status"
                  options={[{ value: '', label: 'Any status' }, ...REQUEST_STATES.map((s) => ({ value: s, label: STATUS_LABEL[s] }))]} />
              </FormGroup>
              <FormGroup label="Offering" labelFor="team-history-offering" inline>
                <HTMLSelect id="team-history-offering" value={filters.offering ?? ''} onChange={(e) => setFilter('offering', e.currentTarget.value)} data-testid="team-history-offering"
                  options={[{ value: '', label: 'Any offering' }, ...offeringOptions]} />
              </FormGroup>
              {history.isError && first && <ErrorState compact error={history.error} onRetry={() => void history.refetch()} />}
            </div>
          </SectionCard>
          <SectionCard padded={false} className="apollo-analytics-scroll">
            {first && items.length === 0 ? (
              <div data-testid="team-history-empty">
                <NonIdealState icon="inbox" className="apollo-empty"
                  title={filtered ? 'No request matches these filters' : `No requests in ${windowWords(days)}`}
                  action={filtered ? <Button text="Clear filters" onClick={() => navigate(`/teams/${encodeURIComponent(teamId)}${withParam(withParam(search, 'status', undefined), 'offering', undefined)}`, { replace: true })} /> : undefined} />
              </div>
            ) : (
              <HTMLTable compact interactive className="apollo-table apollo-analytics-table" data-testid="team-history-table">
                <thead><tr><th>Request</th><th>Offering</th><th>Requester</th><th>Status</th><th>Submitted</th><th className="apollo-num">Took</th><th>Error</th></tr></thead>
                <tbody>
                  {!first && [0, 1, 2].map((i) => <tr key={i}><td colSpan={7}><div className={Classes.SKELETON}>&nbsp;</div></td></tr>)}
                  {items.map((r) => (
                    <tr key={r.id} data-testid="team-history-row" data-request={r.id} data-status={r.status} onClick={() => navigate(`/requests/${encodeURIComponent(r.id)}`)}>
                      <td><Link to={`/requests/${encodeURIComponent(r.id)}`} onClick={(e) => e.stopPropagation()} className="apollo-mono">{r.id.slice(-8)}</Link></td>
                      <td>{r.offering.name}</td>
                      <td>{r.requester}</td>
                      <td><RequestStatusTag status={r.status as RequestState} /></td>
                      <td><span title={formatTime(r.createdAt)}>{formatAgo(r.createdAt)}</span></td>
                      <td className="apollo-num">{took(r.createdAt, r.completedAt)}</td>
                      <td className="apollo-analytics-error">{r.error ? <span title={r.error.message}>{r.error.action ? <span className="apollo-mono">{r.error.action}</span> : null}{r.error.action ? ': ' : ''}{r.error.message}</span> : <span className={Classes.TEXT_MUTED}>—</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </HTMLTable>
            )}
            {history.hasNextPage && (
              <div className="apollo-analytics-more">
                <Button text="More" icon="more" loading={history.isFetchingNextPage} onClick={() => void history.fetchNextPage()} data-testid="team-history-more" />
              </div>
            )}
          </SectionCard>
        </>
      )}
    </Section>
  );
}
