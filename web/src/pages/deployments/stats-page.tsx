/**
 * DORA statistics (`/deployments/stats`, GET /api/v1/deployments/stats): the four keys as tiles with their DORA band,
 * the design doc's failed-deployment rate against its 5 % target, trends over the range's days or weeks (small SVG
 * charts), and a table per service, team or environment. The filters (range, service, team, environment, grouping,
 * buckets) live in the URL; each change reads again.
 */
import { Callout, Card, Classes, FormGroup, HTMLSelect, HTMLTable, NonIdealState, Spinner, Tag, Tooltip } from '@blueprintjs/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo, type ReactNode } from 'react';
import type { DeploymentStats, DeploymentStatsBucket, DeploymentStatsMetrics } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { PageHeader } from '../../components/shell.tsx';
import { useTeams } from '../../lib/queries.ts';
import { Link, navigate, useSearch } from '../../lib/router.tsx';
import { useServices } from '../../lib/services-context.ts';
import { useServiceChoices } from './deployment-queries.ts';
import { sortEnvironments } from './deployment-rules.ts';
import {
  BAND_INTENT, BAND_LABEL, BAND_MEANING, BUCKETS, formatFrequency, formatRate, formatSeconds, GROUP_BYS, RANGES,
  searchFromStatsFilters, statsFiltersFromSearch, statsQueryOf, type Band, type StatsFilters,
} from './stats-rules.ts';
import './deployments.css';
import './stats.css';

function useDeploymentStats(filters: StatsFilters) {
  const { api } = useServices();
  // The range ends "now" when the filters were chosen (to the minute), so the key stays put while they do.
  const key = searchFromStatsFilters(filters);
  const query = useMemo(() => statsQueryOf(statsFiltersFromSearch(key), Math.floor(Date.now() / 60_000) * 60_000), [key]);
  return useQuery({
    queryKey: ['deployments', 'stats', query],
    queryFn: () => api.read('GET /api/v1/deployments/stats', { query }),
    placeholderData: keepPreviousData,
  });
}

function BandTag({ band, meaning }: { band: Band; meaning?: string }) {
  if (!band) return <Tag minimal data-testid="band" data-band="">no band</Tag>;
  const tag = <Tag intent={BAND_INTENT[band]} data-testid="band" data-band={band}>{BAND_LABEL[band]}</Tag>;
  return meaning ? <Tooltip content={meaning} placement="bottom">{tag}</Tooltip> : tag;
}

function Tile({ id, title, value, band, meaning, children }: { id: string; title: string; value: string; band?: Band; meaning?: string; children: ReactNode }) {
  return (
    <Card className="apollo-dora-tile" data-testid="dora-tile" data-key={id} data-band={band ?? ''}>
      <div className="apollo-dora-tile-head">
        <span className="apollo-dora-tile-title">{title}</span>
        {band !== undefined && <BandTag band={band} meaning={meaning} />}
      </div>
      <div className="apollo-dora-tile-value" data-testid="dora-value">{value}</div>
      <div className={`${Classes.TEXT_MUTED} apollo-small`}>{children}</div>
    </Card>
  );
}

function Tiles({ m }: { m: DeploymentStatsMetrics }) {
  const fdr = m.failedDeploymentRate;
  return (
    <div className="apollo-dora-tiles" data-testid="dora-tiles">
      <Tile id="deploymentFrequency" title="Deployment frequency" value={formatFrequency(m.deploymentFrequency.perDay)} band={m.deploymentFrequency.band} meaning={BAND_MEANING.deploymentFrequency}>
        {m.deploymentFrequency.succeeded} succeeded in {Math.round(m.deploymentFrequency.days)} days
      </Tile>
      <Tile id="leadTime" title="Lead time for changes" value={formatSeconds(m.leadTime.medianSeconds)} band={m.leadTime.band} meaning={BAND_MEANING.leadTime}>
        median, commit → running; p90 {formatSeconds(m.leadTime.p90Seconds)} · {m.leadTime.withCommitTime} of {m.leadTime.changes} with a commit time
      </Tile>
      <Tile id="changeFailureRate" title="Change failure rate" value={formatRate(m.changeFailureRate.rate)} band={m.changeFailureRate.band} meaning={BAND_MEANING.changeFailureRate}>
        {m.changeFailureRate.failures} of {m.changeFailureRate.changes} deploys and promotes failed or were rolled back
      </Tile>
      <Tile id="timeToRestore" title="Time to restore" value={formatSeconds(m.timeToRestore.medianSeconds)} band={m.timeToRestore.band} meaning={BAND_MEANING.timeToRestore}>
        median of {m.timeToRestore.restored} restored{m.timeToRestore.unrestored ? ` · ${m.timeToRestore.unrestored} not restored yet` : ''}
      </Tile>
      <Card className="apollo-dora-tile" data-testid="dora-tile" data-key="failedDeploymentRate" data-meets-target={String(fdr.meetsTarget)}>
        <div className="apollo-dora-tile-head">
          <span className="apollo-dora-tile-title">Failed deployment rate</span>
          {fdr.meetsTarget === null ? <Tag minimal>no deployments</Tag> : <Tag intent={fdr.meetsTarget ? 'success' : 'danger'} data-testid="target-tag" title={fdr.meetsTarget ? 'meets the target' : 'above the target'}>{fdr.meetsTarget ? '< 5 %' : '≥ 5 %'}</Tag>}
        </div>
        <div className="apollo-dora-tile-value" data-testid="dora-value">{formatRate(fdr.rate)}</div>
        <div className={`${Classes.TEXT_MUTED} apollo-small`}>
          target &lt; {formatRate(fdr.target)} · {fdr.failed} of {fdr.deployments} failed or rolled back
        </div>
        <RateBar rate={fdr.rate} target={fdr.target} />
      </Card>
    </div>
  );
}

/** The rate against its target on one bar (scaled so the target sits at a quarter). */
function RateBar({ rate, target }: { rate: number | null; target: number }) {
  const scale = target * 4;
  const width = rate === null ? 0 : Math.min(1, rate / scale) * 100;
  return (
    <svg className="apollo-dora-ratebar" viewBox="0 0 100 8" preserveAspectRatio="none" role="img" aria-label={`${formatRate(rate)} against a target of ${formatRate(target)}`}>
      <rect x={0} y={1} width={100} height={6} rx={3} className="apollo-dora-ratebar-bg" />
      <rect x={0} y={1} width={width} height={6} rx={3} className={rate !== null && rate < target ? 'apollo-dora-ok' : 'apollo-dora-bad'} />
      <line x1={25} x2={25} y1={0} y2={8} className="apollo-dora-target" vectorEffect="non-scaling-stroke" />
    </svg>
  );
}

const W = 600;
const H = 120;
const PAD = 4;

function bucketLabel(b: DeploymentStatsBucket, bucket: DeploymentStats['bucket']): string {
  const d = new Date(b.start);
  const day = d.toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
  return bucket === 'week' ? `week of ${day}` : day;
}

/** Deployments per bucket: succeeded stacked under failed or rolled back. */
function DeploymentsChart({ stats }: { stats: DeploymentStats }) {
  const { trend } = stats;
  const max = Math.max(1, ...trend.map((b) => b.reached));
  const step = (W - PAD * 2) / Math.max(1, trend.length);
  const barW = Math.max(1, step * 0.7);
  const y = (n: number) => (n / max) * (H - PAD * 2);
  return (
    <figure className="apollo-dora-chart" data-testid="trend-deployments" data-buckets={trend.length}>
      <figcaption>Deployments per {stats.bucket} <span className={Classes.TEXT_MUTED}>(peak {max}; red: failed or rolled back)</span></figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" height={H} preserveAspectRatio="none" role="img" aria-label={`Deployments per ${stats.bucket}`}>
        {trend.map((b, i) => {
          const x = PAD + i * step + (step - barW) / 2;
          const ok = y(b.succeeded);
          const bad = y(b.reached - b.succeeded);
          return (
            <g key={b.start}>
              <title>{`${bucketLabel(b, stats.bucket)}: ${b.reached} deployments, ${b.reached - b.succeeded} failed or rolled back`}</title>
              <rect x={x} y={H - PAD - ok} width={barW} height={ok} className="apollo-dora-ok" />
              <rect x={x} y={H - PAD - ok - bad} width={barW} height={bad} className="apollo-dora-bad" />
            </g>
          );
        })}
      </svg>
      <Axis trend={trend} bucket={stats.bucket} />
    </figure>
  );
}

interface Series { readonly name: string; readonly className: string; readonly values: ReadonlyArray<number | null> }

/** Lines over the buckets (a gap where a bucket has no value), with an optional dashed target. */
function LineChart({ id, title, series, format, target, stats }: { id: string; title: string; series: readonly Series[]; format(v: number): string; target?: number; stats: DeploymentStats }) {
  const { trend } = stats;
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const max = Math.max(target ?? 0, ...all, Number.MIN_VALUE) * 1.1;
  const step = (W - PAD * 2) / Math.max(1, trend.length);
  const x = (i: number) => PAD + i * step + step / 2;
  const y = (v: number) => H - PAD - (v / max) * (H - PAD * 2);
  const path = (values: ReadonlyArray<number | null>) => values.map((v, i) => (v === null ? '' : `${i && values[i - 1] !== null ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`)).join(' ');
  return (
    <figure className="apollo-dora-chart" data-testid={id}>
      <figcaption>
        {title}{' '}
        {series.map((s) => <span key={s.name} className={`apollo-dora-legend ${s.className}`}>{s.name}</span>)}
        {target !== undefined && <span className="apollo-dora-legend apollo-dora-target-legend">target {format(target)}</span>}
        {all.length > 0 && <span className={Classes.TEXT_MUTED}> peak {format(Math.max(...all))}</span>}
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" height={H} preserveAspectRatio="none" role="img" aria-label={title}>
        {target !== undefined && <line x1={PAD} x2={W - PAD} y1={y(target)} y2={y(target)} className="apollo-dora-target" vectorEffect="non-scaling-stroke" />}
        {series.map((s) => (
          <g key={s.name} className={s.className}>
            <path d={path(s.values)} fill="none" strokeWidth={2} vectorEffect="non-scaling-stroke" />
            {s.values.map((v, i) => (v === null ? null : (
              <circle key={i} cx={x(i)} cy={y(v)} r={2.5}><title>{`${bucketLabel(trend[i]!, stats.bucket)}: ${s.name} ${format(v)}`}</title></circle>
            )))}
          </g>
        ))}
      </svg>
      <Axis trend={trend} bucket={stats.bucket} />
    </figure>
  );
}

function Axis({ trend, bucket }: { trend: readonly DeploymentStatsBucket[]; bucket: DeploymentStats['bucket'] }) {
  if (!trend.length) return null;
  return (
    <div className={`${Classes.TEXT_MUTED} apollo-dora-axis`}>
      <span>{bucketLabel(trend[0]!, bucket)}</span>
      <span>{bucketLabel(trend[trend.length - 1]!, bucket)}</span>
    </div>
  );
}

function Trends({ stats }: { stats: DeploymentStats }) {
  const { trend } = stats;
  return (
    <div className="apollo-dora-trends" data-testid="dora-trends">
      <DeploymentsChart stats={stats} />
      <LineChart
        id="trend-rates" title="Failure rates" stats={stats} format={formatRate} target={0.05}
        series={[
          { name: 'failed deployments', className: 'apollo-dora-series-a', values: trend.map((b) => b.failedDeploymentRate) },
          { name: 'change failures', className: 'apollo-dora-series-b', values: trend.map((b) => b.changeFailureRate) },
        ]}
      />
      <LineChart
        id="trend-times" title="Lead time and time to restore (medians)" stats={stats} format={formatSeconds}
        series={[
          { name: 'lead time', className: 'apollo-dora-series-a', values: trend.map((b) => b.leadTimeMedianSeconds) },
          { name: 'time to restore', className: 'apollo-dora-series-b', values: trend.map((b) => b.timeToRestoreMedianSeconds) },
        ]}
      />
    </div>
  );
}

function GroupsTable({ stats, filters }: { stats: DeploymentStats; filters: StatsFilters }) {
  const label = { service: 'Service', team: 'Team', environment: 'Environment' }[filters.groupBy];
  // A row narrows the page to it, then tells it apart per environment (a service) or per service (a team, an environment).
  const narrow = (key: string) => `/deployments/stats${searchFromStatsFilters({ ...filters, [filters.groupBy]: key, groupBy: filters.groupBy === 'service' ? 'environment' : 'service' })}`;
  return (
    <HTMLTable compact striped className="apollo-table apollo-dora-table" data-testid="stats-table" data-group-by={filters.groupBy}>
      <thead>
        <tr>
          <th>{label}</th><th>Deployments</th><th>Frequency</th><th>Lead time</th><th>Change failure rate</th><th>Time to restore</th><th>Failed deployment rate</th>
        </tr>
      </thead>
      <tbody>
        {stats.groups.map(({ key, metrics: m }) => (
          <tr key={key} data-testid="stats-row" data-key={key}>
            <td>{key === 'unknown' ? <span className={Classes.TEXT_MUTED}>unknown</span> : <Link to={narrow(key)}>{key}</Link>}</td>
            <td>{m.deployments.reached}</td>
            <td>{formatFrequency(m.deploymentFrequency.perDay)} <BandTag band={m.deploymentFrequency.band} /></td>
            <td>{formatSeconds(m.leadTime.medianSeconds)} <BandTag band={m.leadTime.band} /></td>
            <td>{formatRate(m.changeFailureRate.rate)} <BandTag band={m.changeFailureRate.band} /></td>
            <td>{formatSeconds(m.timeToRestore.medianSeconds)} <BandTag band={m.timeToRestore.band} /></td>
            <td>
              {formatRate(m.failedDeploymentRate.rate)}{' '}
              {m.failedDeploymentRate.meetsTarget !== null && <Tag minimal intent={m.failedDeploymentRate.meetsTarget ? 'success' : 'danger'}>{m.failedDeploymentRate.meetsTarget ? '< 5 %' : '≥ 5 %'}</Tag>}
            </td>
          </tr>
        ))}
      </tbody>
    </HTMLTable>
  );
}

function Filters({ filters }: { filters: StatsFilters }) {
  const choices = useServiceChoices();
  const teams = useTeams();
  const set = (change: Partial<StatsFilters>) => {
    const next = { ...filters, ...change } as Record<string, unknown>;
    for (const key of Object.keys(next)) if (next[key] === '') delete next[key];
    navigate(`/deployments/stats${searchFromStatsFilters(next as unknown as StatsFilters)}`);
  };
  const services = (choices.data ?? []).map((s) => s.id);
  if (filters.service && !services.includes(filters.service)) services.push(filters.service);
  const teamIds = (teams.data?.pages ?? []).flatMap((p) => p.items.map((t) => t.id));
  if (filters.team && !teamIds.includes(filters.team)) teamIds.push(filters.team);
  const environments = sortEnvironments([...new Set((choices.data ?? []).filter((s) => !filters.service || s.id === filters.service).flatMap((s) => s.environments.map((e) => e.name)))]);
  if (filters.environment && !environments.includes(filters.environment)) environments.push(filters.environment);
  return (
    <form className="apollo-filters apollo-dora-filters" aria-label="Statistics filters" data-testid="stats-filters" onSubmit={(e) => e.preventDefault()}>
      <FormGroup label="Range" labelFor="ds-range">
        <HTMLSelect id="ds-range" fill value={filters.range} onChange={(e) => set({ range: e.currentTarget.value as StatsFilters['range'] })} options={RANGES.map((r) => ({ value: r.value, label: r.label }))} data-testid="stats-range" />
      </FormGroup>
      <FormGroup label="Service" labelFor="ds-service">
        <HTMLSelect id="ds-service" fill value={filters.service ?? ''} onChange={(e) => set({ service: e.currentTarget.value })} options={[{ value: '', label: 'Any service' }, ...services]} data-testid="stats-service" />
      </FormGroup>
      <FormGroup label="Team" labelFor="ds-team">
        <HTMLSelect id="ds-team" fill value={filters.team ?? ''} onChange={(e) => set({ team: e.currentTarget.value })} options={[{ value: '', label: 'Any team' }, ...teamIds]} data-testid="stats-team" />
      </FormGroup>
      <FormGroup label="Environment" labelFor="ds-environment">
        <HTMLSelect id="ds-environment" fill value={filters.environment ?? ''} onChange={(e) => set({ environment: e.currentTarget.value })} options={[{ value: '', label: 'Any environment' }, ...environments]} data-testid="stats-environment" />
      </FormGroup>
      <FormGroup label="Table per" labelFor="ds-group">
        <HTMLSelect id="ds-group" fill value={filters.groupBy} onChange={(e) => set({ groupBy: e.currentTarget.value as StatsFilters['groupBy'] })} options={GROUP_BYS.map((g) => ({ value: g, label: g }))} data-testid="stats-group-by" />
      </FormGroup>
      <FormGroup label="Trend per" labelFor="ds-bucket">
        <HTMLSelect id="ds-bucket" fill value={filters.bucket ?? ''} onChange={(e) => set({ bucket: (e.currentTarget.value || undefined) as StatsFilters['bucket'] })} options={[{ value: '', label: 'Automatic' }, ...BUCKETS]} data-testid="stats-bucket" />
      </FormGroup>
    </form>
  );
}

function LoadingTiles() {
  return (
    <div className="apollo-dora-tiles" data-testid="stats-loading">
      {Array.from({ length: 5 }, (_, i) => <Card key={i} className={`apollo-dora-tile ${Classes.SKELETON}`}>&nbsp;</Card>)}
    </div>
  );
}

export function DeploymentStatsPage() {
  const search = useSearch();
  const filters = useMemo(() => statsFiltersFromSearch(search), [search]);
  const stats = useDeploymentStats(filters);
  const data = stats.data;
  return (
    <div className="apollo-page apollo-dora-page" data-testid="deployment-stats">
      <PageHeader
        title={<>Deployment statistics {stats.isFetching && data && <Spinner size={16} className="apollo-inline-spinner" />}</>}
        description={<>DORA&apos;s four keys and the failed-deployment rate of the deployments asked for in the range. DORA&apos;s bands (2023 report) are meant for production: filter to <Link to={`/deployments/stats${searchFromStatsFilters({ ...filters, environment: 'prod' })}`}>prod</Link> to compare.</>}
        actions={<Link to="/deployments" data-testid="back-to-deploy-center">← Deploy Center</Link>}
      />
      <Filters filters={filters} />
      {stats.isError && !data ? (
        <ErrorState error={stats.error} onRetry={() => void stats.refetch()} />
      ) : !data ? (
        <LoadingTiles />
      ) : data.summary.deployments.reached === 0 ? (
        <div data-testid="stats-empty">
          <NonIdealState
            icon="timeline-bar-chart" title="No deployments in this range"
            description="Nothing that reached an environment was asked for in this range with these filters (refused, cancelled and running ones do not count). Try a longer range or fewer filters."
          />
        </div>
      ) : (
        <>
          {stats.isError && <ErrorState compact error={stats.error} onRetry={() => void stats.refetch()} />}
          {data.coverage.truncated && (
            <Callout intent="warning" icon="warning-sign" className="apollo-dora-coverage" data-testid="stats-truncated">
              The range holds more than {data.coverage.limit.toLocaleString()} deployments: these numbers cover the newest ones, from {new Date(data.coverage.coveredFrom).toLocaleString()}. Narrow the range or filter to see all of it.
            </Callout>
          )}
          <Tiles m={data.summary} />
          <Trends stats={data} />
          <h2 className="apollo-section-heading">Per {filters.groupBy}</h2>
          <GroupsTable stats={data} filters={filters} />
          <p className={`${Classes.TEXT_MUTED} apollo-small apollo-dora-definitions`}>
            Deployments are deploys, promotes and rollbacks that reached the environment (succeeded, failed after changing Git, or rolled back by their canary).
            Lead time runs from the source commit to the deployment&apos;s end; a change failure is a deploy or promote that failed, was rolled back by its canary, or was rolled back later;
            time to restore runs from the failure to the next succeeded deployment there. Times are UTC.
          </p>
        </>
      )}
    </div>
  );
}
