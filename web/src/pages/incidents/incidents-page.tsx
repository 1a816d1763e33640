/**
 * Incidents (`/incidents`, incidents:read): newest first, filtered by the URL's status (or open), severity, affected
 * service, team and source, 25 a page ("Load more" follows the cursor), live from `incidents`; MTTA and MTTR over the
 * last 90 days (for the filtered service or team); "Declare incident" for incidents:manage.
 */
import { Button, Classes, Code, FormGroup, HTMLSelect, HTMLTable, Icon, NonIdealState, Section, SectionCard, Spinner, Tag } from '@blueprintjs/core';
import { lazy, Suspense, useMemo, useState } from 'react';
import { ErrorState } from '../../components/error-state.tsx';
import { LiveBadge } from '../../components/live-badge.tsx';
import { PageHeader } from '../../components/shell.tsx';
import { LocalPagerDutyControl } from './local-pagerduty-control.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { useMe, useTeams } from '../../lib/queries.ts';
import { Link, navigate, useSearch } from '../../lib/router.tsx';
import { useServiceChoices } from '../deployments/deployment-queries.ts';
import { DeclareIncidentDialog } from './declare-dialog.tsx';
import { useLiveIncidentLists } from './incident-live.ts';
import { SeverityTag, IncidentStatusTag } from './incident-parts.tsx';
import { useIncidentList } from './incident-queries.ts';
import {
  filtersFromSearch, isFiltered, locksText, mayManage, searchFromFilters, SEVERITIES, SOURCE_LABEL, SOURCES, STATUS_LABEL, STATUSES, type IncidentFilters,
} from './incident-rules.ts';
import '../../components/catalog.css';
import './incidents.css';

// Recharts loads with the statistics, not with the app.
const IncidentStatsPanel = lazy(() => import('./incident-stats.tsx').then((m) => ({ default: m.IncidentStatsPanel })));

function FiltersForm({ filters, onChange }: { filters: IncidentFilters; onChange(f: IncidentFilters): void }) {
  const services = useServiceChoices();
  const teams = useTeams();
  const serviceIds = (services.data ?? []).map((s) => s.id);
  if (filters.service && !serviceIds.includes(filters.service)) serviceIds.push(filters.service);
  const teamIds = (teams.data?.pages.flatMap((p) => p.items) ?? []).map((t) => ({ value: t.id, label: t.name }));
  if (filters.team && !teamIds.some((t) => t.value === filters.team)) teamIds.push({ value: filters.team, label: filters.team });
  const set = (key: keyof IncidentFilters, value: string) => {
    const next: Record<string, string | undefined> = { ...filters, [key]: value || undefined };
    onChange(Object.fromEntries(Object.entries(next).filter(([, v]) => v)) as IncidentFilters);
  };
  return (
    <form className="apollo-filters apollo-incident-filters" onSubmit={(e) => e.preventDefault()} aria-label="Incident filters" data-testid="incident-filters">
      <FormGroup label="Status" labelFor="if-status">
        <HTMLSelect id="if-status" fill value={filters.status ?? ''} onChange={(e) => set('status', e.currentTarget.value)} data-testid="incident-filter-status"
          options={[{ value: '', label: 'Any status' }, { value: 'open', label: 'Open (not resolved)' }, ...STATUSES.map((s) => ({ value: s, label: STATUS_LABEL[s] }))]} />
      </FormGroup>
      <FormGroup label="Severity" labelFor="if-severity">
        <HTMLSelect id="if-severity" fill value={filters.severity ?? ''} onChange={(e) => set('severity', e.currentTarget.value)} data-testid="incident-filter-severity"
          options={[{ value: '', label: 'Any severity' }, ...SEVERITIES]} />
      </FormGroup>
      <FormGroup label="Service" labelFor="if-service">
        <HTMLSelect id="if-service" fill value={filters.service ?? ''} onChange={(e) => set('service', e.currentTarget.value)} data-testid="incident-filter-service"
          options={[{ value: '', label: 'Any service' }, ...serviceIds]} />
      </FormGroup>
      <FormGroup label="Team" labelFor="if-team">
        <HTMLSelect id="if-team" fill value={filters.team ?? ''} onChange={(e) => set('team', e.currentTarget.value)} data-testid="incident-filter-team"
          options={[{ value: '', label: 'Any team' }, ...teamIds]} />
      </FormGroup>
      <FormGroup label="Source" labelFor="if-source">
        <HTMLSelect id="if-source" fill value={filters.source ?? ''} onChange={(e) => set('source', e.currentTarget.value)} data-testid="incident-filter-source"
          options={[{ value: '', label: 'Any source' }, ...SOURCES.map((s) => ({ value: s, label: SOURCE_LABEL[s] }))]} />
      </FormGroup>
      <div className="apollo-filter-actions">
        <Button variant="minimal" text="Clear" onClick={() => onChange({})} disabled={!isFiltered(filters)} data-testid="incident-filters-clear" />
      </div>
    </form>
  );
}

function SkeletonRows() {
  return (
    <tbody>
      {Array.from({ length: 4 }, (_, i) => <tr key={i}>{Array.from({ length: 6 }, (__, j) => <td key={j}><div className={Classes.SKELETON}>&nbsp;</div></td>)}</tr>)}
    </tbody>
  );
}

function IncidentTable({ filters, onClear, canDeclare, onDeclare }: { filters: IncidentFilters; onClear(): void; canDeclare: boolean; onDeclare(): void }) {
  const list = useIncidentList(filters);
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  if (list.isError && !list.data) return <div data-testid="incidents-error"><ErrorState error={list.error} onRetry={() => void list.refetch()} /></div>;
  return (
    <div className="apollo-table-card">
      <HTMLTable className="apollo-table" interactive={items.length > 0} data-testid="incident-list">
        <thead><tr><th>Severity</th><th>Incident</th><th>Status</th><th>Services</th><th>Assignee</th><th>Opened</th></tr></thead>
        {list.isPending ? <SkeletonRows /> : (
          <tbody>
            {items.map((i) => {
              const href = `/incidents/${encodeURIComponent(i.id)}`;
              const open = () => navigate(href);
              return (
                <tr key={i.id} onClick={open} onKeyDown={(e) => { if (e.key === 'Enter') open(); }} tabIndex={0}
                  data-testid="incident-row" data-id={i.id} data-status={i.status} data-severity={i.severity} data-source={i.source.type}>
                  <td><SeverityTag severity={i.severity} /></td>
                  <td>
                    <Link to={href} onClick={(e) => e.stopPropagation()} className="apollo-cell-strong" data-testid="incident-row-title">{i.title}</Link>
                    <div className={`${Classes.TEXT_MUTED} apollo-small`}>
                      {SOURCE_LABEL[i.source.type]}{i.source.alertName ? ` · ${i.source.alertName}` : ''} · <Code className="apollo-small">{i.id.slice(-8)}</Code>
                    </div>
                    {i.locks.length > 0 && <div className="apollo-small apollo-incident-lock-line" data-testid="incident-row-locks"><Icon icon="lock" size={12} /> {locksText(i.locks).join('; ')}</div>}
                  </td>
                  <td><IncidentStatusTag status={i.status} /></td>
                  <td>
                    {i.affectedServices.map((s) => (
                      <Link key={s} to={`/catalog/${encodeURIComponent(s)}`} onClick={(e) => e.stopPropagation()} className="apollo-incident-service">{s}</Link>
                    ))}
                    <div className={`${Classes.TEXT_MUTED} apollo-small`}>{i.affectedEnvironments.join(', ')}</div>
                  </td>
                  <td>{i.assignee ?? <span className={Classes.TEXT_MUTED}>unassigned</span>}{i.team && <div className={`${Classes.TEXT_MUTED} apollo-small`}>team {i.team}</div>}</td>
                  <td className="apollo-nowrap" title={formatTime(i.createdAt)}>{formatAgo(i.createdAt)}{i.resolvedAt && <div className={`${Classes.TEXT_MUTED} apollo-small`}>resolved {formatAgo(i.resolvedAt)}</div>}</td>
                </tr>
              );
            })}
          </tbody>
        )}
      </HTMLTable>
      {!list.isPending && items.length === 0 && (
        <div data-testid="incidents-empty" data-filtered={isFiltered(filters)}>
          {isFiltered(filters)
            ? <NonIdealState icon="search" title="No incidents match" description="None has those filters." action={<Button text="Clear filters" onClick={onClear} />} className="apollo-empty" />
            : <NonIdealState icon="tick-circle" title="No incidents" description="PagerDuty, CloudWatch alarms and people declaring one open them here, live."
              action={canDeclare ? <Button icon="warning-sign" text="Declare incident" onClick={onDeclare} /> : undefined} className="apollo-empty" />}
        </div>
      )}
      {list.isError && list.data && <ErrorState compact error={list.error} onRetry={() => void list.refetch()} />}
      {list.hasNextPage && (
        <div className="apollo-load-more">
          <Button text="Load more" icon="more" loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()} data-testid="incidents-load-more" />
        </div>
      )}
      {list.isFetching && !list.isPending && !list.isFetchingNextPage && <Spinner size={16} className="apollo-refreshing" />}
    </div>
  );
}

export function IncidentsPage() {
  const search = useSearch();
  const filters = useMemo(() => filtersFromSearch(search), [search]);
  const setFilters = (f: IncidentFilters) => navigate(`/incidents${searchFromFilters(f, search)}`);
  const { live } = useLiveIncidentLists();
  const me = useMe();
  const canDeclare = mayManage(me.data?.permissions ?? []);
  const [declaring, setDeclaring] = useState(false);
  return (
    <div className="apollo-page apollo-incidents" data-testid="incidents-page">
      <PageHeader
        title={<>Incidents <LiveBadge live={live} tip={live ? 'Incidents open and move here as they happen' : 'Not receiving live updates right now; the list is read every 30 s'} /></>}
        description="What is on fire: from PagerDuty, CloudWatch alarms and people, with their timelines, runbooks and postmortems."
        actions={canDeclare
          ? <Button intent="danger" icon="warning-sign" text="Declare incident" onClick={() => setDeclaring(true)} data-testid="declare-incident" />
          : me.data && <Tag minimal icon="lock" title="Declaring needs incidents:manage (operators and admins)" data-testid="declare-incident-locked">Declaring needs incidents:manage</Tag>}
      />
      <LocalPagerDutyControl />
      <FiltersForm filters={filters} onChange={setFilters} />
      <IncidentTable filters={filters} onClear={() => setFilters({})} canDeclare={canDeclare} onDeclare={() => setDeclaring(true)} />
      <div className="apollo-section-gap" />
      <Section title="Response times" icon="stopwatch" collapsible className="apollo-section" data-testid="incident-stats-section"
        subtitle={filters.service || filters.team ? `for ${filters.service ?? `team ${filters.team}`}, the last 90 days` : 'the last 90 days'}>
        <SectionCard>
          <Suspense fallback={<div className={Classes.SKELETON} style={{ height: 260 }} data-testid="incident-stats-loading" />}>
            <IncidentStatsPanel service={filters.service} team={filters.team} />
          </Suspense>
        </SectionCard>
      </Section>
      <DeclareIncidentDialog key={filters.service ?? ''} isOpen={declaring} onClose={() => setDeclaring(false)} service={filters.service} />
    </div>
  );
}
