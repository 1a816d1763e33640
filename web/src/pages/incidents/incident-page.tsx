/**
 * One incident, live (`/incidents/<id>`): its title, severity, status with who and when, source (PagerDuty's page when
 * it came from there), assignee, team, the environments it locks for deploys, and the actions its status and your
 * role allow. Tabs (`?tab=` in the URL): the timeline with a comment box and the runbook for its alert; the affected
 * services' metrics and logs over [an hour before it began, its resolution or now] (`&target=<service>.<env>`), each
 * with a link to /observability on the same window; and its postmortem. `incident:<id>` moves the page in place.
 */
import { AnchorButton, Button, Callout, Classes, Code, Icon, NonIdealState, Section, SectionCard, Tab, Tabs } from '@blueprintjs/core';
import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import type { Incident } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { Markdown } from '../../components/markdown.tsx';
import { PageHeader } from '../../components/shell.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { useMe } from '../../lib/queries.ts';
import { Link, navigate, useSearch } from '../../lib/router.tsx';
import { IncidentOpenAiButton } from '../ai/open-ai-console.tsx';
import { RunbookCard } from '../catalog/runbook-card.tsx';
import { useServiceChoices } from '../deployments/deployment-queries.ts';
import { DeepLinks } from '../observability/deep-links.tsx';
import { LogsSearch } from '../observability/logs-search.tsx';
import type { StateChange } from '../observability/observability-pickers.tsx';
import type { Level } from '../observability/observability-url.ts';
import { IncidentActions } from './incident-actions.tsx';
import { useLiveIncident } from './incident-live.ts';
import { IncidentStatusTag, SeverityTag, SourceText } from './incident-parts.tsx';
import { useIncident, useIncidentRunbook } from './incident-queries.ts';
import {
  affectedTargets, incidentViewFromSearch, incidentWindow, locksText, mayComment, mayManage, observabilityHref, observabilityStateOf, pickTarget,
  searchFromIncidentView, statusBy, STATUS_LABEL, targetKey, type AffectedTarget, type IncidentTab,
} from './incident-rules.ts';
import { IncidentTimelineSection } from './incident-timeline.tsx';
import { PostmortemSection } from './postmortem-editor.tsx';
import '../../components/catalog.css';
import '../requests/requests.css';
import '../observability/observability.css';
import './incidents.css';

// Recharts loads with the first dashboard opened, not with the app.
const MetricsDashboard = lazy(() => import('../observability/metrics-dashboard.tsx').then((m) => ({ default: m.MetricsDashboard })));

function Facts({ incident }: { incident: Incident }) {
  const { by, at } = statusBy(incident);
  return (
    <dl className="apollo-request-summary-facts" data-testid="incident-facts">
      <div><dt>Status</dt><dd data-testid="incident-status-by">{STATUS_LABEL[incident.status]}{by ? <> by <strong>{by}</strong></> : ''} <span title={formatTime(at)}>{formatAgo(at)}</span></dd></div>
      <div><dt>Source</dt><dd><SourceText source={incident.source} pagerduty={incident.pagerduty} /></dd></div>
      <div><dt>Assignee</dt><dd data-testid="incident-assignee">{incident.assignee ?? <span className={Classes.TEXT_MUTED}>unassigned</span>}</dd></div>
      <div><dt>Team</dt><dd data-testid="incident-team">{incident.team ?? <span className={Classes.TEXT_MUTED}>none</span>}</dd></div>
      <div>
        <dt>Services</dt>
        <dd data-testid="incident-services">
          {incident.affectedServices.map((s) => <Link key={s} to={`/catalog/${encodeURIComponent(s)}`} className="apollo-incident-service">{s}</Link>)}
          <span className={Classes.TEXT_MUTED}>in {incident.affectedEnvironments.join(', ')}</span>
        </dd>
      </div>
      <div><dt>Opened</dt><dd title={formatTime(incident.createdAt)}>{formatAgo(incident.createdAt)} by {incident.createdBy}</dd></div>
      {incident.resolvedAt && <div><dt>Resolved</dt><dd title={formatTime(incident.resolvedAt)}>{formatAgo(incident.resolvedAt)}{incident.resolvedBy ? ` by ${incident.resolvedBy}` : ''}</dd></div>}
      {incident.reopenCount > 0 && <div><dt>Reopened</dt><dd data-testid="incident-reopened">{incident.reopenCount}×{incident.reopenedAt ? `, last ${formatAgo(incident.reopenedAt)}` : ''}</dd></div>}
    </dl>
  );
}

function RunbookPanel({ incident }: { incident: Incident }) {
  const runbook = useIncidentRunbook(incident.id);
  const data = runbook.data;
  return (
    <div data-testid="incident-runbook" data-state={data ? (data.runbook ? 'found' : 'none') : runbook.isError ? 'error' : 'loading'}>
      <h2 className="apollo-section-heading">Runbook {data?.alertName && <Code>{data.alertName}</Code>}</h2>
      {runbook.isError ? <ErrorState compact error={runbook.error} onRetry={() => void runbook.refetch()} />
        : !data ? <div className={Classes.SKELETON} style={{ height: 120 }} />
          : data.runbook ? <RunbookCard runbook={data.runbook} />
            : <Callout icon="manual" data-testid="incident-runbook-none">{data.reason ?? (data.alertName ? `No affected service has a runbook for ${data.alertName}.` : 'The incident names no alert, so no runbook is matched.')}</Callout>}
      {data && data.others.length > 0 && (
        <>
          <h3 className="apollo-subheading">Other services&apos; runbooks for this alert</h3>
          <div className="apollo-runbooks" data-testid="incident-runbook-others">{data.others.map((r) => (
            <div key={`${r.serviceId}/${r.id}`} data-testid="incident-runbook-other" data-service={r.serviceId}>
              <Link to={`/catalog/${encodeURIComponent(r.serviceId)}`} className="apollo-small">{r.serviceId}</Link>
              <RunbookCard runbook={r} collapsed />
            </div>
          ))}</div>
        </>
      )}
    </div>
  );
}

function TargetPicker({ targets, current, onPick }: { targets: readonly AffectedTarget[]; current: AffectedTarget; onPick(t: AffectedTarget): void }) {
  if (targets.length < 2) return null;
  return (
    <div className="apollo-incident-targets" role="group" aria-label="Service and environment" data-testid="incident-targets">
      {targets.map((t) => (
        <Button key={targetKey(t)} size="small" variant={targetKey(t) === targetKey(current) ? 'solid' : 'outlined'} intent={targetKey(t) === targetKey(current) ? 'primary' : 'none'}
          text={`${t.service} · ${t.environment}`} onClick={() => onPick(t)} data-testid="incident-target" data-target={targetKey(t)} />
      ))}
    </div>
  );
}

/** The affected services' metrics or logs over the incident's window, the observability hub's own views. */
function ObservabilityTab({ incident, view, targetParam, onTarget }: { incident: Incident; view: 'metrics' | 'logs'; targetParam: string | undefined; onTarget(key: string): void }) {
  const choices = useServiceChoices();
  const targets = useMemo(() => affectedTargets(incident, (service) => choices.data?.find((s) => s.id === service)?.environments.map((e) => e.name)), [incident, choices.data]);
  const target = pickTarget(targets, targetParam);
  const window = incidentWindow(incident);
  const [logFilters, setLogFilters] = useState<{ level?: Level; q?: string }>({});
  if (!target) {
    return <NonIdealState icon="cloud" title="Nothing to show" description="None of the affected services has the affected environments in the catalog." className="apollo-empty" />;
  }
  const state = { ...observabilityStateOf(target, window, view), ...logFilters };
  const setLogs = (change: StateChange) => setLogFilters((f) => {
    const next: Record<string, string | undefined> = { ...f, ...(change.level !== undefined ? { level: change.level } : {}), ...(change.q !== undefined ? { q: change.q } : {}) };
    return Object.fromEntries(Object.entries(next).filter(([, v]) => v)) as { level?: Level; q?: string };
  });
  const href = observabilityHref(target, window, view);
  return (
    <div data-testid={`incident-${view}`} data-target={targetKey(target)} data-from={window.from} data-to={window.to ?? ''}>
      <TargetPicker targets={targets} current={target} onPick={(t) => onTarget(targetKey(t))} />
      <div className="apollo-obs-toolbar">
        <span className={Classes.TEXT_MUTED} data-testid="incident-window">
          {target.service} in {target.environment}, {formatTime(window.from)} – {window.to ? formatTime(window.to) : 'now'} (from an hour before it began{window.to ? ' to its resolution' : ''})
        </span>
        <AnchorButton variant="minimal" icon="timeline-line-chart" rightIcon="arrow-right" text="Open in Observability" href={href} data-testid="incident-observability-link"
          onClick={(e) => { if (!e.metaKey && !e.ctrlKey && !e.shiftKey) { e.preventDefault(); navigate(href); } }} />
      </div>
      <DeepLinks service={target.service} environment={target.environment} state={state} />
      {view === 'metrics'
        ? (
          <Suspense fallback={<div className={Classes.SKELETON} style={{ height: 200 }} data-testid="metrics-loading" />}>
            <MetricsDashboard key={targetKey(target)} service={target.service} environment={target.environment} state={state} />
          </Suspense>
        )
        : <LogsSearch key={targetKey(target)} service={target.service} environment={target.environment} state={state} onChange={setLogs} />}
    </div>
  );
}

export function IncidentPage({ id }: { id: string }) {
  const query = useIncident(id);
  const { entries, live } = useLiveIncident(id);
  const me = useMe();
  const search = useSearch();
  const view = useMemo(() => incidentViewFromSearch(search), [search]);
  const go = (next: { tab: IncidentTab; target?: string | undefined }) => navigate(`/incidents/${encodeURIComponent(id)}${searchFromIncidentView(next)}`, { replace: next.tab === view.tab });
  const incident = query.data;
  useEffect(() => { if (incident) document.title = `${incident.title} · Incidents · Apollo`; }, [incident?.title]);

  if (query.isPending) {
    return <div className="apollo-page"><div className={Classes.SKELETON} style={{ height: 32, width: 320, marginBottom: 24 }} /><div className={Classes.SKELETON} style={{ height: 240 }} /></div>;
  }
  if (query.isError || !incident) {
    const notFound = (query.error as { status?: number } | null)?.status === 404;
    return (
      <div className="apollo-page" data-testid="incident-error">
        {notFound
          ? <NonIdealState icon="search" title="No such incident" description={<>No incident has the id <Code>{id}</Code>.</>} action={<Link to="/incidents">Back to Incidents</Link>} />
          : <ErrorState error={query.error} onRetry={() => void query.refetch()} />}
      </div>
    );
  }
  const i = incident;
  const permissions = me.data?.permissions ?? [];
  const locks = locksText(i.locks);
  return (
    <div className="apollo-page apollo-request apollo-incident" data-testid="incident-page" data-id={i.id} data-status={i.status} data-severity={i.severity} data-version={i.version}>
      <div className="apollo-breadcrumb">
        <Link to="/incidents">Incidents</Link> <Icon icon="chevron-right" size={12} /> <span className="apollo-mono">{i.id}</span>
      </div>
      <PageHeader
        title={<><SeverityTag severity={i.severity} large /> <span data-testid="incident-title">{i.title}</span> <IncidentStatusTag status={i.status} large /></>}
        description={i.description ? <Markdown source={i.description} /> : undefined}
        actions={me.data ? <><IncidentOpenAiButton incidentId={i.id} /><IncidentActions incident={i} permissions={permissions} /></> : undefined}
      />
      <div className="apollo-request-summary" data-testid="incident-summary"><Facts incident={i} /></div>
      {locks.length > 0 && (
        <Callout intent="warning" icon="lock" className="apollo-incident-locks" data-testid="incident-locks" title="Locked while this critical incident is open">
          {locks.map((l) => <div key={l} data-testid="incident-lock">{l}</div>)}
          <span className={Classes.TEXT_MUTED}>Rollback, scale and restart still run; resolving it lifts the locks.</span>
        </Callout>
      )}
      {i.pagerduty?.syncError && (
        <Callout intent="danger" icon="error" className="apollo-request-callout" data-testid="incident-pagerduty-error" title="PagerDuty was not told">
          {i.pagerduty.syncError}
        </Callout>
      )}
      <Tabs id="incident-tabs" selectedTabId={view.tab} onChange={(tab) => go({ tab: tab as IncidentTab, target: view.target })} className="apollo-tabs" data-testid="incident-tabs">
        <Tab id="timeline" title="Timeline" data-testid="incident-tab-timeline" />
        <Tab id="metrics" title="Metrics" data-testid="incident-tab-metrics" />
        <Tab id="logs" title="Logs" data-testid="incident-tab-logs" />
        <Tab id="postmortem" title="Postmortem" data-testid="incident-tab-postmortem" data-has-postmortem={i.hasPostmortem} />
      </Tabs>
      {view.tab === 'timeline' && (
        <div className="apollo-grid">
          <IncidentTimelineSection incidentId={i.id} live={live} liveEntries={entries} canComment={mayComment(permissions)} />
          <RunbookPanel incident={i} />
        </div>
      )}
      {(view.tab === 'metrics' || view.tab === 'logs') && (
        <Section className="apollo-section" title={view.tab === 'metrics' ? 'Metrics' : 'Logs'} icon={view.tab === 'metrics' ? 'timeline-line-chart' : 'align-left'}>
          <SectionCard>
            <ObservabilityTab incident={i} view={view.tab} targetParam={view.target} onTarget={(target) => go({ tab: view.tab, target })} />
          </SectionCard>
        </Section>
      )}
      {view.tab === 'postmortem' && <PostmortemSection incident={i} canManage={mayManage(permissions)} />}
    </div>
  );
}
