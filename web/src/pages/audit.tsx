import {
  Button, Callout, Classes, Code, ControlGroup, Drawer, FormGroup, HTMLSelect, HTMLTable, InputGroup, NonIdealState, Spinner, Tag,
  type Intent,
} from '@blueprintjs/core';
import { useQueryClient, type InfiniteData } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import type { AuditEntry, AuditList } from '../../../schemas/types.gen.ts';
import { ErrorState } from '../components/error-state.tsx';
import { PageHeader } from '../components/shell.tsx';
import { formatAgo, formatTime } from '../lib/format.ts';
import { isRole, roleHas } from '../../../shared/permissions.ts';
import { ROUTES } from '../../../shared/routes.ts';
import { auditKey, useAudit, useMe, type AuditFilters } from '../lib/queries.ts';
import { entryFacts } from './audit-facts.ts';
import { filtersFromSearch, matchesFilters, searchFromFilters, upsert } from './audit-live.ts';
import { Link, navigate, useSearch } from '../lib/router.tsx';
import { useServices } from '../lib/services-context.ts';
import { useRealtimeState } from '../lib/store.ts';
import { LiveBadge } from '../components/live-badge.tsx';

const OUTCOME_INTENT: Record<AuditEntry['outcome'], Intent> = { pending: 'warning', succeeded: 'success', failed: 'danger' };

function useLiveAudit(filters: AuditFilters, onNew: (id: string) => void, enabled: boolean): { live: boolean; error: string | null } {
  const { realtime } = useServices();
  const client = useQueryClient();
  const connection = useRealtimeState((s) => s.state);
  const [error, setError] = useState<string | null>(null);
  // Entries written while the connection was down never arrive as frames: reload the list on reconnect.
  const link = useRef<'never' | 'open' | 'lost'>('never');
  useEffect(() => {
    if (connection === 'open') {
      if (link.current === 'lost' && enabled) void client.invalidateQueries({ queryKey: auditKey(filters) });
      link.current = 'open';
    } else if (connection === 'reconnecting' && link.current === 'open') {
      link.current = 'lost';
    }
  }, [connection, enabled, client, filters]);
  useEffect(() => {
    if (!enabled) return undefined;
    const offError = realtime.onError((e) => { if (e.topic === 'audit') setError(e.message); });
    const off = realtime.subscribe('audit', (frame) => {
      const entry = frame.data as unknown as AuditEntry;
      if (!entry?.id || !matchesFilters(entry, filters)) return;
      let isNew = true;
      client.setQueryData<InfiniteData<AuditList, string | undefined>>(auditKey(filters), (data) => {
        isNew = !data?.pages.some((p) => p.items.some((i) => i.id === entry.id));
        return upsert(data, entry);
      });
      if (isNew) onNew(entry.id);
    });
    return () => { off(); offError(); };
  }, [realtime, client, filters, onNew, enabled]);
  return { live: connection === 'open' && error === null, error };
}

/** What the audit log can hold, from the route table (every audited route names its action and resource type). */
const AUDITED = ROUTES.flatMap((r) => (r.audit ? [r.audit] : []));
const RESOURCE_TYPES = [...new Set(AUDITED.map((a) => a.resourceType))].sort();
const ACTIONS = [...new Set(AUDITED.map((a) => a.action))].sort();

const toIso = (local: string): string | undefined => (local ? new Date(local).toISOString() : undefined);

/** An ISO time as a datetime-local input's value (local time, minutes). */
function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function Filters({ initial, onApply }: { initial: AuditFilters; onApply(filters: AuditFilters): void }) {
  const [actor, setActor] = useState(initial.actor ?? '');
  const [action, setAction] = useState(initial.action ?? '');
  const [resourceType, setResourceType] = useState(initial.resourceType ?? '');
  const [resourceId, setResourceId] = useState(initial.resourceId ?? '');
  const [from, setFrom] = useState(toLocalInput(initial.from));
  const [to, setTo] = useState(toLocalInput(initial.to));
  const [problem, setProblem] = useState<string | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (resourceId && !resourceType) return setProblem('A resource id needs its resource type.');
    if (from && to && new Date(from) >= new Date(to)) return setProblem('"From" must be before "to".');
    setProblem(null);
    const f: AuditFilters = {};
    if (actor.trim()) f.actor = actor.trim();
    if (action.trim()) f.action = action.trim();
    if (resourceType) f.resourceType = resourceType;
    if (resourceId.trim()) f.resourceId = resourceId.trim();
    if (from) f.from = toIso(from);
    if (to) f.to = toIso(to);
    onApply(f);
  };
  const clear = () => {
    setActor(''); setAction(''); setResourceType(''); setResourceId(''); setFrom(''); setTo(''); setProblem(null);
    onApply({});
  };
  return (
    <form className="apollo-filters" onSubmit={submit} aria-label="Audit filters">
      <FormGroup label="Actor" labelFor="f-actor"><InputGroup id="f-actor" placeholder="alice@corp.com" value={actor} onValueChange={setActor} leftIcon="person" /></FormGroup>
      <FormGroup label="Action" labelFor="f-action"><InputGroup id="f-action" placeholder="teams. (prefix)" value={action} onValueChange={setAction} leftIcon="lightning" list="audit-actions" />
        <datalist id="audit-actions">{ACTIONS.map((a) => <option key={a} value={a} />)}</datalist></FormGroup>
      <FormGroup label="Resource" labelFor="f-rtype">
        <ControlGroup>
          <HTMLSelect id="f-rtype" value={resourceType} onChange={(e) => setResourceType(e.currentTarget.value)} options={[{ value: '', label: 'Any type' }, ...RESOURCE_TYPES]} />
          <InputGroup placeholder="id" value={resourceId} onValueChange={setResourceId} aria-label="Resource id" />
        </ControlGroup>
      </FormGroup>
      <FormGroup label="From" labelFor="f-from"><InputGroup id="f-from" type="datetime-local" value={from} onValueChange={setFrom} /></FormGroup>
      <FormGroup label="To" labelFor="f-to"><InputGroup id="f-to" type="datetime-local" value={to} onValueChange={setTo} /></FormGroup>
      <div className="apollo-filter-actions">
        <Button type="submit" intent="primary" icon="filter" text="Apply" />
        <Button variant="minimal" text="Clear" onClick={clear} />
      </div>
      {problem && <Callout intent="warning" compact className="apollo-filter-problem">{problem}</Callout>}
    </form>
  );
}

export function AuditEntryDrawer({ entry, onClose }: { entry: AuditEntry | null; onClose(): void }) {
  const facts = entry ? entryFacts(entry) : {};
  return (
    <Drawer isOpen={entry !== null} onClose={onClose} size="560px" title={entry ? entry.action : ''} icon="history" className="apollo-drawer">
      {entry && (
        <div className={`${Classes.DRAWER_BODY} apollo-drawer-body`} data-testid="audit-drawer">
          <div className="apollo-drawer-summary">
            <Tag intent={OUTCOME_INTENT[entry.outcome]} size="large" round>{entry.outcome}</Tag>
            {entry.statusCode !== undefined && <Tag minimal size="large" round>HTTP {entry.statusCode}</Tag>}
            {entry.errorCode && <Tag minimal size="large" round intent="danger">{entry.errorCode}</Tag>}
          </div>
          <dl className="apollo-facts">
            <dt>When</dt><dd>{formatTime(entry.at)}</dd>
            {entry.completedAt && <><dt>Completed</dt><dd>{formatTime(entry.completedAt)}</dd></>}
            <dt>Actor</dt><dd>{entry.actor} <span className={Classes.TEXT_MUTED}>({entry.actorType}{entry.actorRole ? `, ${entry.actorRole}` : ''})</span></dd>
            <dt>Action</dt><dd><Code>{entry.action}</Code></dd>
            <dt>Resource</dt><dd>{entry.resourceType}{entry.resourceId && <> / <Code>{entry.resourceId}</Code></>}</dd>
            {facts.request && (
              <><dt>For request</dt><dd data-testid="audit-drawer-request"><Link to={`/requests/${encodeURIComponent(facts.request)}`} className="apollo-mono">{facts.request}</Link></dd></>
            )}
            {facts.deployment && (
              <><dt>For deployment</dt><dd data-testid="audit-drawer-deployment"><Link to={`/deployments/${encodeURIComponent(facts.deployment)}`} className="apollo-mono">{facts.deployment}</Link></dd></>
            )}
            {facts.onBehalfOf && <><dt>On behalf of</dt><dd data-testid="audit-drawer-on-behalf-of">{facts.onBehalfOf} <span className={Classes.TEXT_MUTED}>(decided by their delegate)</span></dd></>}
            <dt>Request id</dt><dd><Code>{entry.requestId}</Code></dd>
            <dt>Entry id</dt><dd><Code>{entry.id}</Code></dd>
            {entry.sourceIp && <><dt>Source IP</dt><dd>{entry.sourceIp}</dd></>}
            {entry.userAgent && <><dt>User agent</dt><dd className="apollo-break">{entry.userAgent}</dd></>}
            {entry.aiSessionId && <><dt>AI session</dt><dd><Code>{entry.aiSessionId}</Code></dd></>}
          </dl>
          <h4 className="apollo-subheading">Details</h4>
          {entry.details ? <pre className="apollo-json">{JSON.stringify(entry.details, null, 2)}</pre> : <p className={Classes.TEXT_MUTED}>No details recorded.</p>}
          {entry.outcome === 'pending' && (
            <Callout intent="warning" icon="time">The intent was recorded and the outcome has not been (yet): the change may or may not have happened.</Callout>
          )}
        </div>
      )}
    </Drawer>
  );
}

function SkeletonRows() {
  return (
    <tbody>
      {Array.from({ length: 6 }, (_, i) => (
        <tr key={i}>{Array.from({ length: 5 }, (__, j) => <td key={j}><div className={Classes.SKELETON}>&nbsp;</div></td>)}</tr>
      ))}
    </tbody>
  );
}

export function AuditPage() {
  const search = useSearch();
  const filters = useMemo(() => filtersFromSearch(search), [search]);
  const setFilters = (f: AuditFilters) => navigate(`/audit${searchFromFilters(f)}`);
  const [selected, setSelected] = useState<AuditEntry | null>(null);
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());
  const audit = useAudit(filters);
  const markNew = useState(() => (id: string) => {
    setFresh((s) => new Set(s).add(id));
    setTimeout(() => setFresh((s) => { const next = new Set(s); next.delete(id); return next; }), 4000);
  })[0];
  const me = useMe();
  // The audit topic needs audit:read too; a role without it is not subscribed (the page explains the 403).
  const mayRead = me.data !== undefined && isRole(me.data.role) && roleHas(me.data.role, 'audit:read');
  const { live, error: liveError } = useLiveAudit(filters, markNew, mayRead);
  const entries = audit.data?.pages.flatMap((p) => p.items) ?? [];
  const current = selected && (entries.find((e) => e.id === selected.id) ?? selected);
  const forbidden = audit.isError && (audit.error as { status?: number }).status === 403;

  return (
    <div className="apollo-page">
      <PageHeader
        title={
          <>
            Audit log{' '}
            {!forbidden && (
              <LiveBadge live={live} tip={live ? 'New entries appear at the top as they happen' : liveError ?? 'Not receiving live updates right now'} />
            )}
          </>
        }
        description="Every change anyone made through Apollo: who, what, on which resource, and how it ended."
      />
      {forbidden ? (
        <ErrorState error={audit.error} />
      ) : (
        <>
          <Filters key={search} initial={filters} onApply={setFilters} />
          {audit.isError ? (
            <ErrorState error={audit.error} onRetry={() => void audit.refetch()} />
          ) : (
            <div className="apollo-table-card">
              <HTMLTable className="apollo-table" interactive={entries.length > 0} data-testid="audit-table">
                <thead>
                  <tr><th>When</th><th>Actor</th><th>Action</th><th>Resource</th><th>Outcome</th></tr>
                </thead>
                {audit.isPending ? <SkeletonRows /> : (
                  <tbody>
                    {entries.map((e) => (
                      <tr key={e.id} onClick={() => setSelected(e)} className={fresh.has(e.id) ? 'apollo-row-new' : undefined} data-testid="audit-row" data-id={e.id} tabIndex={0}
                        onKeyDown={(ev) => { if (ev.key === 'Enter') setSelected(e); }}>
                        <td title={formatTime(e.at)} className="apollo-nowrap">{formatAgo(e.at)}</td>
                        <td>{e.actor}{e.actorType !== 'user' && <Tag minimal className="apollo-inline-tag">{e.actorType}</Tag>}</td>
                        <td><Code>{e.action}</Code></td>
                        <td>{e.resourceType}{e.resourceId && <span className={Classes.TEXT_MUTED}> / {e.resourceId}</span>}</td>
                        <td><Tag minimal round intent={OUTCOME_INTENT[e.outcome]} data-testid="outcome">{e.outcome}</Tag></td>
                      </tr>
                    ))}
                  </tbody>
                )}
              </HTMLTable>
              {!audit.isPending && entries.length === 0 && (
                <NonIdealState icon="search" title="No audit entries" description="Nothing matches these filters in this time range (the default is the last 30 days)." className="apollo-empty" />
              )}
              {audit.hasNextPage && (
                <div className="apollo-load-more">
                  <Button text="Load more" icon="more" loading={audit.isFetchingNextPage} onClick={() => void audit.fetchNextPage()} />
                </div>
              )}
              {audit.isFetching && !audit.isPending && !audit.isFetchingNextPage && <Spinner size={16} className="apollo-refreshing" />}
            </div>
          )}
        </>
      )}
      <AuditEntryDrawer entry={current} onClose={() => setSelected(null)} />
    </div>
  );
}
