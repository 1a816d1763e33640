/**
 * The request audit trail (GET /api/v1/audit/requests, audit:read): submits, cancels, retries, approvals' decisions
 * (each naming its request; one request's filter takes in its approvals'), delegations and quota limits, newest
 * first, filtered by day range, actor, request, action prefix and outcome (in the URL); an entry opens in the audit
 * drawer. Export CSV / JSON downloads the same filters as a file through the signed client (oldest first, at most
 * 10,000 entries).
 */
import { Button, Callout, Classes, FormGroup, HTMLSelect, HTMLTable, InputGroup, NonIdealState, Tag, type Intent } from '@blueprintjs/core';
import { useState, type FormEvent } from 'react';
import type { AuditEntry } from '../../../../schemas/types.gen.ts';
import { ROUTES } from '../../../../shared/routes.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { Link, navigate, useSearch } from '../../lib/router.tsx';
import { useServices } from '../../lib/services-context.ts';
import { toast } from '../../lib/toaster.ts';
import { AuditEntryDrawer } from '../audit.tsx';
import { entryFacts } from '../audit-facts.ts';
import { auditQueryOf, auditRangeProblem, auditSearchFromUrl, auditUrlOf, fileNameOf, type AuditSearch } from './analytics-format.ts';
import { useRequestAudit } from './analytics-queries.ts';

const OUTCOME_INTENT: Record<AuditEntry['outcome'], Intent> = { pending: 'warning', succeeded: 'success', failed: 'danger' };

/** The request trail's actions, from the route table, and the prefixes worth filtering by. */
const ACTIONS = [...new Set(ROUTES.flatMap((r) => (r.audit && /^(requests|approvals|quotas)\./.test(r.audit.action) ? [r.audit.action] : [])))].sort();
const PREFIXES = ['requests.', 'approvals.', 'quotas.'];

function Filters({ initial, onApply }: { initial: AuditSearch; onApply(f: AuditSearch): void }) {
  const [f, setF] = useState<AuditSearch>(initial);
  const [problem, setProblem] = useState<string | null>(null);
  const set = (key: keyof AuditSearch) => (value: string) => setF((old) => ({ ...old, [key]: value || undefined }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const p = auditRangeProblem(f);
    setProblem(p);
    if (!p) onApply(f);
  };
  return (
    <form className="apollo-filters apollo-analytics-audit-filters" onSubmit={submit} aria-label="Request audit filters" data-testid="request-audit-filters">
      <FormGroup label="From (UTC day)" labelFor="ra-from"><InputGroup id="ra-from" type="date" value={f.from ?? ''} onValueChange={set('from')} /></FormGroup>
      <FormGroup label="To (UTC day, included)" labelFor="ra-to"><InputGroup id="ra-to" type="date" value={f.to ?? ''} onValueChange={set('to')} /></FormGroup>
      <FormGroup label="Actor" labelFor="ra-actor"><InputGroup id="ra-actor" placeholder="dana@apollo.local" value={f.actor ?? ''} onValueChange={set('actor')} leftIcon="person" /></FormGroup>
      <FormGroup label="Request" labelFor="ra-request"><InputGroup id="ra-request" placeholder="request id" value={f.requestId ?? ''} onValueChange={set('requestId')} className="apollo-mono" /></FormGroup>
      <FormGroup label="Action" labelFor="ra-action">
        <InputGroup id="ra-action" placeholder="requests. (prefix)" value={f.action ?? ''} onValueChange={set('action')} leftIcon="lightning" list="ra-actions" />
        <datalist id="ra-actions">{[...PREFIXES, ...ACTIONS].map((a) => <option key={a} value={a} />)}</datalist>
      </FormGroup>
      <FormGroup label="Outcome" labelFor="ra-outcome">
        <HTMLSelect id="ra-outcome" fill value={f.outcome ?? ''} onChange={(e) => set('outcome')(e.currentTarget.value)}
          options={[{ value: '', label: 'Any outcome' }, 'succeeded', 'failed', 'pending']} />
      </FormGroup>
      <div className="apollo-filter-actions">
        <Button type="submit" intent="primary" icon="filter" text="Apply" data-testid="request-audit-apply" />
        <Button variant="minimal" text="Clear" onClick={() => { setF({}); setProblem(null); onApply({}); }} />
      </div>
      {problem && <Callout intent="warning" compact className="apollo-filter-problem">{problem}</Callout>}
    </form>
  );
}

/** Saves text as a file through a Blob's object URL (released once the click has started the download). */
function save(text: string, type: string, name: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

function ExportButtons({ filters }: { filters: AuditSearch }) {
  const { api } = useServices();
  const [busy, setBusy] = useState<'csv' | 'json' | null>(null);
  const [error, setError] = useState<unknown>(null);
  const run = async (format: 'csv' | 'json') => {
    setBusy(format);
    setError(null);
    try {
      const { body, headers } = await api.request('GET /api/v1/audit/requests/export', { query: { ...auditQueryOf(filters), format } });
      // The client parses a JSON answer; the file is the text either way.
      const text = typeof body === 'string' ? body : JSON.stringify(body, null, 2);
      const name = fileNameOf(headers.get('content-disposition'), `apollo-request-audit.${format}`);
      save(text, format === 'csv' ? 'text/csv;charset=utf-8' : 'application/json', name);
      toast({ intent: 'success', icon: 'download', message: `Request audit saved as ${name}` });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className="apollo-analytics-export">
      <Button icon="download" text="Export CSV" loading={busy === 'csv'} disabled={busy !== null} onClick={() => void run('csv')} data-testid="request-audit-export-csv" />
      <Button icon="download" text="Export JSON" loading={busy === 'json'} disabled={busy !== null} onClick={() => void run('json')} data-testid="request-audit-export-json" />
      <span className={`${Classes.TEXT_MUTED} apollo-small`}>The filters below, oldest first, at most 10,000 entries{filters.from ? '' : '; without a "from", the last 30 days'}.</span>
      {error !== null && <ErrorState compact error={error} />}
    </div>
  );
}

function Resource({ entry }: { entry: AuditEntry }) {
  if (entry.resourceType === 'request' && entry.resourceId) {
    return <Link to={`/requests/${encodeURIComponent(entry.resourceId)}`} onClick={(e) => e.stopPropagation()} className="apollo-mono">request {entry.resourceId.slice(-8)}</Link>;
  }
  const { request } = entryFacts(entry);
  if (entry.resourceType === 'approval' && entry.resourceId && request) {
    return (
      <span>approval <span className="apollo-mono">{entry.resourceId.slice(-8)}</span> of{' '}
        <Link to={`/requests/${encodeURIComponent(request)}`} onClick={(e) => e.stopPropagation()} className="apollo-mono" data-testid="request-audit-approval-request">request {request.slice(-8)}</Link>
      </span>
    );
  }
  if (entry.resourceType === 'team' && entry.resourceId) {
    return <Link to={`/teams/${encodeURIComponent(entry.resourceId)}`} onClick={(e) => e.stopPropagation()}>team {entry.resourceId}</Link>;
  }
  return <span>{entry.resourceType}{entry.resourceId && <> <span className="apollo-mono">{entry.resourceId.length > 20 ? entry.resourceId.slice(-8) : entry.resourceId}</span></>}</span>;
}

export function RequestAudit() {
  const search = useSearch();
  const filters = auditSearchFromUrl(search);
  const audit = useRequestAudit(auditQueryOf(filters), true);
  const [open, setOpen] = useState<AuditEntry | null>(null);
  const items = audit.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = Object.keys(filters).length > 0;
  if (audit.isError && !audit.data) return <div data-testid="request-audit-error"><ErrorState error={audit.error} onRetry={() => void audit.refetch()} /></div>;
  return (
    <div data-testid="request-audit" data-count={items.length} data-state={!audit.data ? 'loading' : items.length === 0 ? 'empty' : 'ready'}>
      <Filters key={search} initial={filters} onApply={(f) => navigate(`/analytics${auditUrlOf(f)}`, { replace: true })} />
      <ExportButtons filters={filters} />
      <div className="apollo-table-card">
        <HTMLTable compact interactive={items.length > 0} className="apollo-table apollo-analytics-table" data-testid="request-audit-table">
          <thead><tr><th>When</th><th>Actor</th><th>Action</th><th>Resource</th><th>Outcome</th><th>Detail</th></tr></thead>
          <tbody>
            {!audit.data && [0, 1, 2].map((i) => <tr key={i}><td colSpan={6}><div className={Classes.SKELETON}>&nbsp;</div></td></tr>)}
            {items.map((e) => (
              <tr key={e.id} data-testid="request-audit-row" data-action={e.action} data-outcome={e.outcome} onClick={() => setOpen(e)}>
                <td><span title={formatTime(e.at)}>{formatAgo(e.at)}</span></td>
                <td>{e.actor}{e.actorRole && <span className={`${Classes.TEXT_MUTED} apollo-small`}> · {e.actorRole}</span>}</td>
                <td className="apollo-mono">{e.action}</td>
                <td><Resource entry={e} /></td>
                <td><Tag minimal round intent={OUTCOME_INTENT[e.outcome]}>{e.outcome}</Tag>{e.errorCode && <span className={`${Classes.TEXT_MUTED} apollo-small`}> {e.errorCode}</span>}</td>
                <td className={`${Classes.TEXT_MUTED} apollo-small apollo-analytics-error`}>{detailWords(e)}</td>
              </tr>
            ))}
          </tbody>
        </HTMLTable>
        {audit.data && items.length === 0 && (
          <div data-testid="request-audit-empty">
            <NonIdealState icon="history" className="apollo-empty" title={filtered ? 'No entry matches these filters' : 'No request activity in the last 30 days'}
              description="Submits, cancels, retries, approvals' decisions, delegations and quota limits are recorded here." />
          </div>
        )}
      </div>
      {audit.hasNextPage && (
        <div className="apollo-analytics-more">
          <Button text="More" icon="more" loading={audit.isFetchingNextPage} onClick={() => void audit.fetchNextPage()} data-testid="request-audit-more" />
        </div>
      )}
      <AuditEntryDrawer entry={open} onClose={() => setOpen(null)} />
    </div>
  );
}

/** A line of an entry's details: its reason, offering or team when it has one. */
function detailWords(e: AuditEntry): string {
  // A route's entry keeps its body under details.body; others keep their facts at the top.
  const top = e.details ?? {};
  const d: Record<string, unknown> = { ...(typeof top.body === 'object' && top.body !== null ? top.body as Record<string, unknown> : {}), ...top };
  const parts = ['offering', 'offeringId', 'reason', 'comment', 'team'].flatMap((k) => (typeof d[k] === 'string' && d[k] ? [`${k === 'offeringId' ? 'offering' : k}: ${String(d[k])}`] : []));
  return parts.join(' · ') || '—';
}
