/**
 * Platform analytics (`/analytics`, stats:read: operators and admins) over 30, 90 or 180 days (`?days=`): adoption
 * (weekly active engineers as a share of the directory, against the 80 % target), popular offerings, adoption by team,
 * and fulfilment performance per offering (p50/p90 against the SLA, compliance, the reduction against the manual
 * baseline, where the time goes). Admins (audit:read) also read the request audit trail (`?tab=audit`) and export it.
 */
import { Classes, HTMLTable, NonIdealState, Section, SectionCard, Spinner, Tab, Tabs } from '@blueprintjs/core';
import { useMemo } from 'react';
import type { PerformanceStats, UsageStats } from '../../../../schemas/types.gen.ts';
import { ErrorState, isForbidden } from '../../components/error-state.tsx';
import { PageHeader } from '../../components/shell.tsx';
import { useMe } from '../../lib/queries.ts';
import { Link, navigate, useSearch } from '../../lib/router.tsx';
import { APPROX_NOTE, Approx, ComplianceTag, complianceIntent, Kpi, WindowPicker } from '../teams/team-analytics.tsx';
import { WeeklyActiveChart } from './analytics-charts.tsx';
import { adoptionWords, bottleneckWords, formatDuration, formatRate, formatWeek, reductionWords, windowFromSearch, windowWords, withParam, type WindowDays } from './analytics-format.ts';
import { usePerformanceStats, useUsageStats } from './analytics-queries.ts';
import { RequestAudit } from './request-audit.tsx';
import './analytics.css';

type AnalyticsTab = 'overview' | 'audit';

function Adoption({ u }: { u: UsageStats }) {
  const a = u.adoption;
  const words = adoptionWords(a.share, a.target);
  const rows = u.weeklyActive.map((w) => ({ ...w, label: formatWeek(w.week) }));
  const targetEngineers = a.directoryUsers === null ? null : a.directoryUsers * a.target;
  return (
    <div className="apollo-analytics-adoption">
      <div data-testid="analytics-adoption" data-share={a.share ?? ''} data-active={a.activeEngineers} data-directory={a.directoryUsers ?? ''}>
        <Kpi label={`Active engineers, week of ${formatWeek(a.week)}`} value={a.directoryUsers === null ? String(a.activeEngineers) : `${a.activeEngineers} of ${a.directoryUsers}`}
          testId="analytics-adoption-share" intent={words.met === null ? 'none' : words.met ? 'success' : 'warning'}>
          {formatRate(a.share)} of the directory ({a.directory}) submitted a request
        </Kpi>
        <div className="apollo-analytics-meter" role="meter" aria-valuemin={0} aria-valuemax={1} aria-valuenow={a.share ?? undefined} aria-label="Adoption against its target">
          <span style={{ width: `${Math.min(100, (a.share ?? 0) * 100)}%` }} />
          <i className="apollo-analytics-meter-target" style={{ left: `${a.target * 100}%` }} title={`Target ${formatRate(a.target)}`} />
        </div>
        <div className={`${Classes.TEXT_MUTED} apollo-small`} data-testid="analytics-adoption-target">{words.text}</div>
        <div className="apollo-analytics-summary apollo-analytics-totals" data-testid="analytics-totals">
          <span><strong>{u.totals.requests}</strong> requests</span>
          <span><strong>{u.totals.requesters}</strong> requesters</span>
          <span><strong>{u.totals.teams}</strong> teams</span>
          <span><strong>{u.totals.offerings}</strong> offerings</span>
        </div>
      </div>
      <div>
        <h4 className="apollo-analytics-subhead">Weekly active engineers{targetEngineers !== null ? `, against ${formatRate(a.target)} of the directory` : ''}</h4>
        {rows.length === 0
          ? <NonIdealState icon="people" title={`No requests in ${windowWords(u.window.days)}`} className="apollo-empty" />
          : <WeeklyActiveChart rows={rows} targetEngineers={targetEngineers} />}
      </div>
    </div>
  );
}

function PopularOfferings({ u }: { u: UsageStats }) {
  const most = Math.max(1, ...u.popularOfferings.map((o) => o.requests));
  return (
    <HTMLTable compact className="apollo-table apollo-analytics-table" data-testid="analytics-popular">
      <thead><tr><th>Offering</th><th className="apollo-num">Requests</th><th /><th className="apollo-num">Requesters</th><th className="apollo-num">Teams</th></tr></thead>
      <tbody>
        {u.popularOfferings.length === 0 && <tr><td colSpan={5} className={Classes.TEXT_MUTED}>No requests in {windowWords(u.window.days)}.</td></tr>}
        {u.popularOfferings.map((o) => (
          <tr key={o.offering.id} data-testid="analytics-popular-row" data-offering={o.offering.id} data-requests={o.requests}>
            <td><Link to={`/self-service/${encodeURIComponent(o.offering.id)}`}>{o.offering.name}</Link>{o.offering.owner && <span className={`${Classes.TEXT_MUTED} apollo-small`}> · {o.offering.owner}</span>}</td>
            <td className="apollo-num">{o.requests}</td>
            <td style={{ width: '22%' }}><span className="apollo-analytics-bar apollo-analytics-bar-blue"><span style={{ width: `${(o.requests / most) * 100}%` }} /></span></td>
            <td className="apollo-num">{o.requesters}</td>
            <td className="apollo-num">{o.teams}</td>
          </tr>
        ))}
      </tbody>
    </HTMLTable>
  );
}

function AdoptionByTeam({ u }: { u: UsageStats }) {
  return (
    <HTMLTable compact className="apollo-table apollo-analytics-table" data-testid="analytics-teams">
      <thead><tr><th>Team</th><th className="apollo-num">Requests</th><th className="apollo-num">Requesters</th><th className="apollo-num">Offerings</th></tr></thead>
      <tbody>
        {u.adoptionByTeam.length === 0 && <tr><td colSpan={4} className={Classes.TEXT_MUTED}>No team made a request in {windowWords(u.window.days)}.</td></tr>}
        {u.adoptionByTeam.map((t) => (
          <tr key={t.team} data-testid="analytics-team-row" data-team={t.team} data-requests={t.requests}>
            <td><Link to={`/teams/${encodeURIComponent(t.team)}${withParam('', 'days', u.window.days, 90)}`} data-testid="analytics-team-link">{t.team}</Link></td>
            <td className="apollo-num">{t.requests}</td>
            <td className="apollo-num">{t.requesters}</td>
            <td className="apollo-num">{t.offerings}</td>
          </tr>
        ))}
      </tbody>
    </HTMLTable>
  );
}

function Phases({ phases }: { phases: PerformanceStats['items'][number]['phases'] }) {
  const total = phases.approvalMs + phases.queueMs + phases.actionsMs;
  if (total <= 0) return <span className={Classes.TEXT_MUTED}>—</span>;
  const title = `approval ${formatDuration(phases.approvalMs)} · queue ${formatDuration(phases.queueMs)} · actions ${formatDuration(phases.actionsMs)} (averages)`;
  return (
    <span className="apollo-analytics-phases" title={title} aria-label={title}>
      <span className="apollo-analytics-phase-approval" style={{ width: `${(phases.approvalMs / total) * 100}%` }} />
      <span className="apollo-analytics-phase-queue" style={{ width: `${(phases.queueMs / total) * 100}%` }} />
      <span className="apollo-analytics-phase-actions" style={{ width: `${(phases.actionsMs / total) * 100}%` }} />
    </span>
  );
}

function Performance({ p }: { p: PerformanceStats }) {
  const o = p.overall;
  return (
    <>
      <SectionCard>
        <div className="apollo-kpis apollo-kpis-4" data-testid="analytics-performance-overall">
          <Kpi label="Completed" value={String(o.completed)} testId="analytics-kpi-completed">requests fulfilled in {windowWords(p.window.days)}</Kpi>
          <Kpi label="Time to fulfil, median" value={o.p50Ms === null ? '—' : `≈ ${formatDuration(o.p50Ms)}`} testId="analytics-kpi-p50">p90 ≈ {formatDuration(o.p90Ms)} · submit to completed</Kpi>
          <Kpi label="SLA compliance" value={formatRate(o.slaCompliance)} testId="analytics-kpi-sla" intent={complianceIntent(o.slaCompliance)}>completed within their offering&apos;s SLA</Kpi>
          <Kpi label="Against the manual baseline" value={reductionWords(o.reduction)} testId="analytics-kpi-reduction"
            intent={o.reduction === null ? 'none' : o.reduction >= 0.9 ? 'success' : 'warning'}>time to fulfil, goal 90 % less</Kpi>
        </div>
      </SectionCard>
      <SectionCard padded={false} className="apollo-analytics-scroll">
        <HTMLTable compact className="apollo-table apollo-analytics-table" data-testid="analytics-performance">
          <thead>
            <tr>
              <th>Offering</th><th className="apollo-num">Completed</th><th className="apollo-num">p50</th><th className="apollo-num">p90</th><th className="apollo-num">SLA</th>
              <th className="apollo-num" title="From the approval (or the submit) to completed: what the SLA counts">p90 vs SLA</th><th className="apollo-num">Within SLA</th><th className="apollo-num">By hand</th><th className="apollo-num">Reduction</th><th>Where the time goes</th>
            </tr>
          </thead>
          <tbody>
            {p.items.length === 0 && <tr><td colSpan={10} className={Classes.TEXT_MUTED}>No request completed in {windowWords(p.window.days)}.</td></tr>}
            {p.items.map((i) => (
              <tr key={i.offering.id} data-testid="analytics-performance-row" data-offering={i.offering.id} data-bottleneck={i.bottleneck?.phase ?? ''}>
                <td><Link to={`/self-service/${encodeURIComponent(i.offering.id)}`}>{i.offering.name}</Link></td>
                <td className="apollo-num">{i.completed}</td>
                <td className="apollo-num"><Approx ms={i.p50Ms} /></td>
                <td className="apollo-num"><Approx ms={i.p90Ms} /></td>
                <td className="apollo-num">{formatDuration(i.slaMs)}</td>
                <td className="apollo-num"><Approx ms={i.p90FulfilMs} /></td>
                <td className="apollo-num"><ComplianceTag rate={i.slaCompliance} /></td>
                <td className="apollo-num">{formatDuration(i.manualBaselineMs)}</td>
                <td className="apollo-num" data-testid="analytics-reduction">{reductionWords(i.reduction)}</td>
                <td className="apollo-analytics-where">
                  <Phases phases={i.phases} />
                  <span data-testid="analytics-bottleneck" className={i.bottleneck?.phase === 'approval' ? 'apollo-analytics-approval-bound' : undefined}>{bottleneckWords(i.bottleneck)}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </HTMLTable>
      </SectionCard>
      <SectionCard className={`${Classes.TEXT_MUTED} apollo-small`}>
        Where the time goes: the average time in <span className="apollo-analytics-swatch apollo-analytics-phase-approval" />approval,{' '}
        <span className="apollo-analytics-swatch apollo-analytics-phase-queue" />the queue and{' '}
        <span className="apollo-analytics-swatch apollo-analytics-phase-actions" />actions; the bottleneck is the phase (for actions, the slowest action) and its share of the time.
        p50 and p90 run from submit to completed (the approval wait included); the SLA, and so p90 vs SLA and Within SLA, count from the approval.
        By hand: the offering&apos;s manual baseline (metadata.sla.manualBaseline). {APPROX_NOTE}
      </SectionCard>
    </>
  );
}

function Overview({ days }: { days: WindowDays }) {
  const usage = useUsageStats(days);
  const performance = usePerformanceStats(days);
  const u = usage.data;
  const p = performance.data;
  // Both need stats:read: one explanation is enough.
  if (usage.isError && isForbidden(usage.error)) return <div data-testid="analytics-forbidden"><ErrorState error={usage.error} /></div>;
  return (
    <div className="apollo-analytics-stack" data-testid="analytics-overview" data-state={u && p ? 'ready' : usage.isError || performance.isError ? 'error' : 'loading'}>
      <Section title="Adoption" icon="people" className="apollo-section" data-testid="analytics-adoption-section"
        subtitle={u ? `${u.window.from} – ${u.window.to} (UTC) · the design's goal: more than 80 % of engineers use the platform` : undefined}
        rightElement={usage.isFetching && !usage.isPending ? <Spinner size={14} /> : undefined}>
        <SectionCard>
          {usage.isError && !u ? <ErrorState compact error={usage.error} onRetry={() => void usage.refetch()} />
            : !u ? <div className={Classes.SKELETON} style={{ height: 220 }} />
            : <Adoption u={u} />}
        </SectionCard>
      </Section>
      {u && (
        <div className="apollo-analytics-split">
          <Section title="Popular offerings" icon="shop" className="apollo-section" data-testid="analytics-popular-section" subtitle={`By requests in ${windowWords(u.window.days)}`}>
            <SectionCard padded={false}><PopularOfferings u={u} /></SectionCard>
          </Section>
          <Section title="Adoption by team" icon="people" className="apollo-section" data-testid="analytics-teams-section" subtitle="A team opens its page and analytics">
            <SectionCard padded={false} className="apollo-analytics-scroll"><AdoptionByTeam u={u} /></SectionCard>
          </Section>
        </div>
      )}
      <Section title="Fulfilment performance" icon="dashboard" className="apollo-section" data-testid="analytics-performance-section"
        subtitle="Per offering: time to fulfil against its SLA and against doing it by hand, and where the time goes"
        rightElement={performance.isFetching && !performance.isPending ? <Spinner size={14} /> : undefined}>
        {performance.isError && !p ? <SectionCard><ErrorState compact error={performance.error} onRetry={() => void performance.refetch()} /></SectionCard>
          : !p ? <SectionCard><div className={Classes.SKELETON} style={{ height: 220 }} /></SectionCard>
          : <Performance p={p} />}
      </Section>
    </div>
  );
}

export function AnalyticsPage() {
  const search = useSearch();
  const days = windowFromSearch(search);
  const tab: AnalyticsTab = new URLSearchParams(search).get('tab') === 'audit' ? 'audit' : 'overview';
  const me = useMe();
  const mayAudit = me.data?.permissions.includes('audit:read') ?? false;
  const go = (next: string) => navigate(`/analytics${next}`, { replace: true });
  const tabs = useMemo(() => (mayAudit || tab === 'audit' ? ['overview', 'audit'] : ['overview']) as AnalyticsTab[], [mayAudit, tab]);
  return (
    <div className="apollo-page apollo-analytics" data-testid="analytics-page" data-tab={tab}>
      <PageHeader title="Platform analytics"
        description="How the platform is used and how fast it fulfils requests, from the counters kept as requests move (not a scan of every request)."
        actions={tab === 'overview' ? <WindowPicker days={days} onChange={(d) => go(withParam(search, 'days', d, 90))} /> : undefined} />
      {tabs.length > 1 && (
        <Tabs id="analytics-tabs" selectedTabId={tab} onChange={(id) => go(id === 'audit' ? '?tab=audit' : withParam('', 'days', days, 90))} className="apollo-tabs" large={false}>
          <Tab id="overview" title="Overview" data-testid="analytics-tab-overview" />
          <Tab id="audit" title="Request audit" icon="history" data-testid="analytics-tab-audit" />
        </Tabs>
      )}
      {tab === 'overview' ? <Overview days={days} /> : <RequestAudit />}
    </div>
  );
}
