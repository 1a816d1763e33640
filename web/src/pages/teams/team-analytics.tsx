/**
 * A team's request analytics on its page (loaded after the page, with Recharts): over a window of 30, 90 or 180 days
 * (`?days=`), the KPIs, requests and time to fulfil per week, each offering against its SLA, the top failure reasons,
 * what the team's requests provisioned, the adoption of the offerings it owns, and its request history.
 */
import { Classes, HTMLTable, NonIdealState, Section, SectionCard, SegmentedControl, Spinner, Tag, type Intent } from '@blueprintjs/core';
import type { ReactNode } from 'react';
import type { TeamAnalytics as TeamAnalyticsData, TeamCatalog, TeamUsage } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { possessive } from '../../lib/format.ts';
import { Link, navigate, useSearch } from '../../lib/router.tsx';
import { FulfilPerWeekChart, RequestsPerWeekChart, UsageWeeksChart } from '../analytics/analytics-charts.tsx';
import {
  activeByKind, againstSla, formatChange, formatDuration, formatRate, fulfilWeekRows, requestWeekRows, singleSla, usageWeekRows, windowFromSearch, windowWords,
  withParam, WINDOWS, type WindowDays,
} from '../analytics/analytics-format.ts';
import { useTeamAnalytics, useTeamCatalog, useTeamUsage } from '../analytics/analytics-queries.ts';
import { TeamRequestHistory } from './team-requests.tsx';
import '../analytics/analytics.css';

/** The percentiles come from 5 % buckets: said once, where they are. */
export const APPROX_NOTE = 'Medians and p90s are approximate (≈): they are read from 5 % buckets.';

export function Kpi({ label, value, testId, children, intent }: { label: string; value: string; testId: string; children?: ReactNode; intent?: Intent | undefined }) {
  return (
    <div className={`apollo-kpi${intent && intent !== 'none' ? ` apollo-kpi-${intent}` : ''}`} data-testid={testId} data-value={value}>
      <div className={`${Classes.TEXT_MUTED} apollo-small`}>{label}</div>
      <div className="apollo-kpi-value">{value}</div>
      {children && <div className={`${Classes.TEXT_MUTED} apollo-small apollo-kpi-note`}>{children}</div>}
    </div>
  );
}

export const complianceIntent = (rate: number | null | undefined): Intent =>
  rate === null || rate === undefined || !Number.isFinite(rate) ? 'none' : rate >= 0.95 ? 'success' : rate >= 0.8 ? 'warning' : 'danger';

export function ComplianceTag({ rate }: { rate: number | null | undefined }) {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return <span className={Classes.TEXT_MUTED}>—</span>;
  return <Tag minimal intent={complianceIntent(rate)} data-testid="sla-compliance">{formatRate(rate)}</Tag>;
}

/**
 * A duration against its SLA: red when over it. Only for times counted as the SLA is (approval, or submit when none
 * was asked, to completed); submit-to-completed times (the catalog's, the platform's) include the approval wait.
 */
/** A submit-to-completed duration: not comparable with the SLA, which starts at the approval. */
export function Approx({ ms }: { ms: number | null }) {
  return ms === null ? <span className={Classes.TEXT_MUTED}>—</span> : <span>≈ {formatDuration(ms)}</span>;
}

export function Against({ ms, slaMs }: { ms: number | null; slaMs: number | null }) {
  const where = againstSla(ms, slaMs);
  if (ms === null) return <span className={Classes.TEXT_MUTED}>—</span>;
  return <span className={where === 'over' ? 'apollo-analytics-over' : undefined} data-against={where ?? ''} title={where === 'over' ? 'Over the SLA' : undefined}>≈ {formatDuration(ms)}</span>;
}

export function WindowPicker({ days, onChange, testId = 'analytics-window' }: { days: WindowDays; onChange(days: WindowDays): void; testId?: string }) {
  return (
    <SegmentedControl size="small" value={String(days)} onValueChange={(v) => onChange(Number(v) as WindowDays)} data-testid={testId} data-days={days}
      options={WINDOWS.map((d) => ({ value: String(d), label: `${d} days` }))} />
  );
}

function Kpis({ a }: { a: TeamAnalyticsData }) {
  const k = a.kpis;
  const days = a.window.days;
  return (
    <div className="apollo-kpis" data-testid="team-kpis">
      <Kpi label="Requests" value={String(k.submitted)} testId="team-kpi-requests">{k.completed} completed · {k.failed} failed · {k.cancelled} cancelled</Kpi>
      <Kpi label="Success rate" value={formatRate(k.successRate)} testId="team-kpi-success" intent={complianceIntent(k.successRate)}>completed of those that ended</Kpi>
      <Kpi label="Time to fulfil, median" value={k.medianFulfilMs === null ? '—' : `≈ ${formatDuration(k.medianFulfilMs)}`} testId="team-kpi-median">p90 ≈ {formatDuration(k.p90FulfilMs)} · from approval (or submit)</Kpi>
      <Kpi label="SLA compliance" value={formatRate(k.slaCompliance)} testId="team-kpi-sla" intent={complianceIntent(k.slaCompliance)}>completed within their offering&apos;s SLA</Kpi>
      <Kpi label="Approval wait, median" value={k.medianApprovalWaitMs === null ? '—' : `≈ ${formatDuration(k.medianApprovalWaitMs)}`} testId="team-kpi-approval">p90 ≈ {formatDuration(k.p90ApprovalWaitMs)} · requests that asked one</Kpi>
      <Kpi label="Change in requests" value={formatChange(k.submittedChange)} testId="team-kpi-change">
        {k.submittedChange === null ? `none in the ${days} days before` : `against the ${days} days before`}
      </Kpi>
    </div>
  );
}

function ByOffering({ a }: { a: TeamAnalyticsData }) {
  return (
    <HTMLTable compact className="apollo-table apollo-analytics-table" data-testid="team-by-offering">
      <thead><tr><th>Offering</th><th className="apollo-num">Completed</th><th className="apollo-num">Median</th><th className="apollo-num">p90</th><th className="apollo-num">SLA</th><th className="apollo-num">Within SLA</th></tr></thead>
      <tbody>
        {a.byOffering.length === 0 && <tr><td colSpan={6} className={Classes.TEXT_MUTED}>No request completed in {windowWords(a.window.days)}.</td></tr>}
        {a.byOffering.map((o) => (
          <tr key={o.offering.id} data-testid="team-offering-row" data-offering={o.offering.id}>
            <td><Link to={`/self-service/${encodeURIComponent(o.offering.id)}`}>{o.offering.name}</Link></td>
            <td className="apollo-num">{o.completed}</td>
            <td className="apollo-num"><Against ms={o.medianFulfilMs} slaMs={o.slaMs} /></td>
            <td className="apollo-num"><Against ms={o.p90FulfilMs} slaMs={o.slaMs} /></td>
            <td className="apollo-num">{formatDuration(o.slaMs)}</td>
            <td className="apollo-num"><ComplianceTag rate={o.slaCompliance} /></td>
          </tr>
        ))}
      </tbody>
    </HTMLTable>
  );
}

function FailureReasons({ a }: { a: TeamAnalyticsData }) {
  const most = Math.max(1, ...a.topFailureReasons.map((r) => r.count));
  if (a.topFailureReasons.length === 0) return <div className={Classes.TEXT_MUTED} data-testid="team-failure-reasons-empty">No request failed in {windowWords(a.window.days)}.</div>;
  return (
    <ul className="apollo-analytics-bars" data-testid="team-failure-reasons">
      {a.topFailureReasons.map((r) => (
        <li key={r.reason} data-testid="team-failure-reason" data-reason={r.reason} data-count={r.count}>
          <span title={r.reason}>{r.label}</span>
          <span className="apollo-analytics-bar"><span style={{ width: `${(r.count / most) * 100}%` }} /></span>
          <span className="apollo-num">{r.count}</span>
        </li>
      ))}
    </ul>
  );
}

function Usage({ usage, teamName }: { usage: TeamUsage; teamName: string }) {
  const kinds = activeByKind(usage.active);
  const rows = usageWeekRows(usage);
  const moved = usage.weeks.some((w) => Object.values(w.provisioned).some((n) => n > 0) || Object.values(w.deprovisioned).some((n) => n > 0));
  if (kinds.length === 0 && !moved) {
    return <div data-testid="team-usage-empty"><NonIdealState icon="box" title={`Nothing provisioned by ${possessive(teamName)} requests in ${windowWords(usage.window.days)}`} className="apollo-empty" /></div>;
  }
  return (
    <div className="apollo-analytics-usage">
      <div>
        <h4 className="apollo-analytics-subhead">In place now</h4>
        {kinds.length === 0
          ? <div className={Classes.TEXT_MUTED} data-testid="team-active-empty">Nothing {possessive(teamName)} requests provisioned is in place.</div>
          : (
            <ul className="apollo-analytics-kinds" data-testid="team-active">
              {kinds.map((k) => (
                <li key={k.kind} data-testid="team-active-kind" data-kind={k.kind} data-active={k.active}>
                  <span className="apollo-analytics-kind-count">{k.active}</span>
                  <span><span className="apollo-cell-strong">{k.kind}</span>
                    <span className={`${Classes.TEXT_MUTED} apollo-small`}> · {k.offerings.map((o) => `${o.name} ${o.active}`).join(', ')}</span></span>
                </li>
              ))}
            </ul>
          )}
      </div>
      <div className="apollo-analytics-usage-chart">
        <h4 className="apollo-analytics-subhead">Provisioned (above) and deprovisioned (below) per week</h4>
        {moved
          ? <UsageWeeksChart rows={rows} kinds={usage.kinds} />
          : <NonIdealState icon="box" title={`Nothing provisioned or deprovisioned in ${windowWords(usage.window.days)}`} className="apollo-empty" />}
      </div>
    </div>
  );
}

/** Requesters' ratings, as the catalog adoption carries them once ratings exist (read defensively until then). */
interface Rated {
  readonly rating?: { average: number; count: number } | null;
  readonly recentComments?: ReadonlyArray<{ requestId: string; score: number; comment: string | null; by: string; at: string }>;
}

function Rating({ item }: { item: Rated }) {
  const r = item.rating;
  if (!r) return <span className={Classes.TEXT_MUTED}>—</span>;
  const comments = (item.recentComments ?? []).filter((c) => c.comment);
  const title = comments.map((c) => `${c.score}/5 ${c.by}: ${c.comment ?? ''}`).join('\n') || undefined;
  return <span title={title} data-testid="team-catalog-rating" data-average={r.average}>{r.average.toFixed(1)} / 5 <span className={`${Classes.TEXT_MUTED} apollo-small`}>({r.count})</span></span>;
}

function CatalogAdoption({ catalog }: { catalog: TeamCatalog }) {
  const rated = catalog.items.some((o) => (o as Rated).rating !== undefined);
  return (
    <HTMLTable compact className="apollo-table apollo-analytics-table" data-testid="team-catalog">
      <thead>
        <tr>
          <th>Offering</th><th className="apollo-num">Requests</th><th className="apollo-num">Requesters</th><th className="apollo-num">Teams</th><th className="apollo-num">Success</th>
          <th className="apollo-num">Median</th><th className="apollo-num">p90</th><th className="apollo-num">SLA</th>
          <th className="apollo-num" title="From the approval (or the submit) to completed: what the SLA counts">p90 vs SLA</th><th className="apollo-num">Within SLA</th>
          {rated && <th className="apollo-num">Rating</th>}
        </tr>
      </thead>
      <tbody>
        {catalog.items.map((o) => (
          <tr key={o.offering.id} data-testid="team-catalog-row" data-offering={o.offering.id} data-requests={o.requests}>
            <td><Link to={`/self-service/${encodeURIComponent(o.offering.id)}`}>{o.offering.name}</Link>{o.version && <span className={`${Classes.TEXT_MUTED} apollo-small`}> v{o.version}</span>}</td>
            <td className="apollo-num">{o.requests}</td>
            <td className="apollo-num">{o.requesters}</td>
            <td className="apollo-num">{o.teams}</td>
            <td className="apollo-num">{formatRate(o.successRate)}</td>
            <td className="apollo-num"><Approx ms={o.medianMs} /></td>
            <td className="apollo-num"><Approx ms={o.p90Ms} /></td>
            <td className="apollo-num">{formatDuration(o.slaMs)}</td>
            <td className="apollo-num"><Approx ms={o.p90FulfilMs} /></td>
            <td className="apollo-num"><ComplianceTag rate={o.slaCompliance} /></td>
            {rated && <td className="apollo-num"><Rating item={o as Rated} /></td>}
          </tr>
        ))}
      </tbody>
    </HTMLTable>
  );
}

const Loading = ({ height = 200 }: { height?: number }) => <div className={Classes.SKELETON} style={{ height }} />;

/** The analytics sections of `/teams/<id>`, each reading its own route. */
export function TeamAnalytics({ teamId, teamName }: { teamId: string; teamName: string }) {
  const search = useSearch();
  const days = windowFromSearch(search);
  const setDays = (d: WindowDays) => navigate(`/teams/${encodeURIComponent(teamId)}${withParam(search, 'days', d, 90)}`, { replace: true });
  const analytics = useTeamAnalytics(teamId, days);
  const usage = useTeamUsage(teamId, days);
  const catalog = useTeamCatalog(teamId, days);
  const a = analytics.data;
  const empty = a !== undefined && a.kpis.submitted === 0 && a.weeks.every((w) => w.completed === 0 && w.failed === 0);
  const sla = a ? singleSla(a.byOffering) : null;
  const picker = (
    <span className="apollo-analytics-picker">
      {(analytics.isFetching || usage.isFetching) && !analytics.isPending && <Spinner size={14} />}
      <WindowPicker days={days} onChange={setDays} />
    </span>
  );
  return (
    <>
      <Section id="analytics" title="Requests and fulfilment" icon="timeline-bar-chart" className="apollo-section apollo-grid-full" data-testid="team-analytics"
        data-days={days} data-state={analytics.isError ? 'error' : !a ? 'loading' : empty ? 'empty' : 'ready'} rightElement={picker}
        subtitle={a ? `${a.window.from} – ${a.window.to} (UTC) · ${APPROX_NOTE}` : undefined}>
        <SectionCard>
          {analytics.isError && !a ? <ErrorState compact error={analytics.error} onRetry={() => void analytics.refetch()} />
            : !a ? <Loading height={96} />
            : empty ? <div data-testid="team-analytics-empty"><NonIdealState icon="timeline-bar-chart" title={`No requests in ${windowWords(days)}`} className="apollo-empty"
              description={`Requests by ${possessive(teamName)} members show here: how many, how fast they were fulfilled against their SLAs, and why some failed.`} /></div>
            : <Kpis a={a} />}
        </SectionCard>
        {a && !empty && (
          <SectionCard>
            <div className="apollo-analytics-pair">
              <div>
                <h4 className="apollo-analytics-subhead">Requests per week</h4>
                <RequestsPerWeekChart rows={requestWeekRows(a.weeks)} />
              </div>
              <div>
                <h4 className="apollo-analytics-subhead">Time to fulfil per week{sla ? ', against the SLA' : ''}</h4>
                {a.weeks.some((w) => w.medianFulfilMs !== null)
                  ? <FulfilPerWeekChart rows={fulfilWeekRows(a.weeks)} sla={sla} />
                  : <NonIdealState icon="time" title={`No request completed in ${windowWords(days)}`} className="apollo-empty" />}
              </div>
            </div>
          </SectionCard>
        )}
      </Section>
      {a && !empty && (
        <div className="apollo-analytics-split apollo-grid-full">
          <Section title="By offering, against its SLA" icon="shop" className="apollo-section" data-testid="team-by-offering-section" subtitle="Completed requests: approval (or submit) to completed">
            <SectionCard padded={false} className="apollo-analytics-scroll"><ByOffering a={a} /></SectionCard>
          </Section>
          <Section title="Top failure reasons" icon="error" className="apollo-section" data-testid="team-failures-section">
            <SectionCard><FailureReasons a={a} /></SectionCard>
          </Section>
        </div>
      )}
      <Section title="Usage" icon="box" className="apollo-section apollo-grid-full" data-testid="team-usage" subtitle={`What ${possessive(teamName)} requests provisioned, by kind`}>
        <SectionCard>
          {usage.isError && !usage.data ? <ErrorState compact error={usage.error} onRetry={() => void usage.refetch()} />
            : !usage.data ? <Loading />
            : <Usage usage={usage.data} teamName={teamName} />}
        </SectionCard>
      </Section>
      {catalog.isError && !catalog.data && (
        <Section title="Offerings this team owns" icon="shop" className="apollo-section apollo-grid-full">
          <SectionCard><ErrorState compact error={catalog.error} onRetry={() => void catalog.refetch()} /></SectionCard>
        </Section>
      )}
      {catalog.data && catalog.data.items.length > 0 && (
        <Section title="Offerings this team owns" icon="shop" className="apollo-section apollo-grid-full" data-testid="team-catalog-section"
          subtitle={`Their adoption across teams in ${windowWords(catalog.data.window.days)} · median and p90 from submit (approval wait included); the SLA counts from approval`}>
          <SectionCard padded={false} className="apollo-analytics-scroll"><CatalogAdoption catalog={catalog.data} /></SectionCard>
        </Section>
      )}
      <TeamRequestHistory teamId={teamId} teamName={teamName} days={days} />
    </>
  );
}
