/**
 * The request analytics' charts (Recharts, loaded with the team page's analytics and the platform page, not with the
 * app): requests per week (completed and failed stacked, submitted as a line), time to fulfil per week (median and
 * p90, the SLA when one applies), what a team provisioned and deprovisioned per week by kind, and the platform's
 * weekly active engineers against its adoption target.
 */
import { Bar, BarChart, CartesianGrid, ComposedChart, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { deprovisionedKey, durationTicks, formatDuration, provisionedKey, seriesColor, type FulfilWeekRow, type RequestWeekRow, type UsageWeekRow } from './analytics-format.ts';

const GRID = 'rgba(143, 153, 168, 0.3)';
const COMPLETED = '#29a634';
const FAILED = '#cd4246';
const SUBMITTED = '#2d72d2';
const MEDIAN = '#2d72d2';
const P90 = '#c87619';
const SLA = '#8f99a8';

const count = (value: unknown): string => String(Math.abs(Number(value)));

export function RequestsPerWeekChart({ rows, height = 240 }: { rows: readonly RequestWeekRow[]; height?: number }) {
  return (
    <figure className="apollo-analytics-chart" data-testid="team-requests-chart" data-points={rows.length} data-submitted={rows.reduce((n, r) => n + r.submitted, 0)}>
      <ResponsiveContainer width="100%" height={height}>
        <ComposedChart data={rows as RequestWeekRow[]} margin={{ top: 12, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke={GRID} />
          <XAxis dataKey="label" fontSize={11} tickLine={false} minTickGap={8} />
          <YAxis allowDecimals={false} fontSize={11} width={32} />
          <Tooltip labelFormatter={(label) => `Week of ${String(label)}`} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Bar dataKey="completed" name="Completed" stackId="ended" fill={COMPLETED} isAnimationActive={false} />
          <Bar dataKey="failed" name="Failed" stackId="ended" fill={FAILED} radius={[2, 2, 0, 0]} isAnimationActive={false} />
          <Line dataKey="submitted" name="Submitted" stroke={SUBMITTED} strokeWidth={2} dot={{ r: 2 }} isAnimationActive={false} />
        </ComposedChart>
      </ResponsiveContainer>
    </figure>
  );
}

export function FulfilPerWeekChart({ rows, sla, height = 240 }: { rows: readonly FulfilWeekRow[]; sla: { ms: number; offering: string | null } | null; height?: number }) {
  const ticks = durationTicks(Math.max(sla?.ms ?? 0, ...rows.map((r) => r.p90 ?? 0)));
  return (
    <figure className="apollo-analytics-chart" data-testid="team-fulfil-chart" data-points={rows.filter((r) => r.median !== null).length} data-sla={sla?.ms ?? ''}>
      <ResponsiveContainer width="100%" height={height}>
        <LineChart data={rows as FulfilWeekRow[]} margin={{ top: 12, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke={GRID} />
          <XAxis dataKey="label" fontSize={11} tickLine={false} minTickGap={8} />
          <YAxis fontSize={11} width={52} tickFormatter={(v: number) => (v === 0 ? '0' : formatDuration(v))} ticks={ticks} domain={[0, ticks[ticks.length - 1]!]} />
          <Tooltip formatter={(value, name) => [`≈ ${formatDuration(Number(value))}`, String(name)]} labelFormatter={(label) => `Week of ${String(label)}`} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {sla && (
            <ReferenceLine y={sla.ms} stroke={SLA} strokeDasharray="6 4" ifOverflow="extendDomain" className="apollo-analytics-sla-line"
              label={{ value: `SLA ${formatDuration(sla.ms)}${sla.offering ? ` (${sla.offering})` : ''}`, position: 'insideTopLeft', fontSize: 11, fill: SLA }} />
          )}
          <Line dataKey="median" name="Median" stroke={MEDIAN} strokeWidth={2} dot={{ r: 2 }} connectNulls isAnimationActive={false} />
          <Line dataKey="p90" name="p90" stroke={P90} strokeWidth={2} strokeDasharray="5 3" dot={{ r: 2 }} connectNulls isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}

type TooltipEntry = { readonly name?: unknown; readonly value?: unknown; readonly color?: string };

/** A week's tooltip without the kinds that did not move that week. */
function UsageTooltip({ active, payload, label }: { active?: boolean; payload?: readonly TooltipEntry[]; label?: unknown }) {
  const moved = (payload ?? []).filter((p) => Number(p.value) !== 0);
  if (!active || moved.length === 0) return null;
  return (
    <div className="apollo-analytics-tooltip" data-testid="team-usage-tooltip">
      <strong>Week of {String(label)}</strong>
      {moved.map((p) => <div key={String(p.name)} style={{ color: p.color }}>{String(p.name)}: {count(p.value)}</div>)}
    </div>
  );
}

/** Provisioned above the axis, deprovisioned below it (lighter), stacked by kind. */
export function UsageWeeksChart({ rows, kinds, height = 220 }: { rows: readonly UsageWeekRow[]; kinds: readonly string[]; height?: number }) {
  return (
    <figure className="apollo-analytics-chart" data-testid="team-usage-chart" data-points={rows.length} data-kinds={kinds.join(',')}>
      <ResponsiveContainer width="100%" height={height}>
        <BarChart data={rows as UsageWeekRow[]} stackOffset="sign" margin={{ top: 12, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke={GRID} />
          <XAxis dataKey="label" fontSize={11} tickLine={false} minTickGap={8} />
          <YAxis allowDecimals={false} fontSize={11} width={32} tickFormatter={count} />
          <Tooltip content={<UsageTooltip />} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <ReferenceLine y={0} stroke={SLA} />
          {kinds.map((k, i) => (
            <Bar key={`+${k}`} dataKey={provisionedKey(k)} name={k} stackId="usage" fill={seriesColor(i)} isAnimationActive={false} />
          ))}
          {kinds.map((k, i) => (
            <Bar key={`-${k}`} dataKey={deprovisionedKey(k)} name={`${k} deprovisioned`} stackId="usage" fill={seriesColor(i)} fillOpacity={0.4} legendType="none" isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}

/** Distinct requesters per week, with the line the adoption target asks for (its share of the directory). */
export function WeeklyActiveChart({ rows, targetEngineers, height = 220 }: { rows: ReadonlyArray<{ week: string; label: string; engineers: number }>; targetEngineers: number | null; height?: number }) {
  const top = Math.max(targetEngineers ?? 0, ...rows.map((r) => r.engineers));
  return (
    <figure className="apollo-analytics-chart" data-testid="analytics-weekly-active-chart" data-points={rows.length}>
      <ResponsiveContainer width="100%" height={height}>
        <BarChart data={rows as Array<{ week: string; label: string; engineers: number }>} margin={{ top: 12, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke={GRID} />
          <XAxis dataKey="label" fontSize={11} tickLine={false} minTickGap={8} />
          <YAxis allowDecimals={false} fontSize={11} width={32} domain={[0, Math.ceil(top * 1.1) || 'auto']} />
          <Tooltip labelFormatter={(label) => `Week of ${String(label)}`} />
          {targetEngineers !== null && (
            <ReferenceLine y={targetEngineers} stroke={SLA} strokeDasharray="6 4" ifOverflow="extendDomain"
              label={{ value: `target ${Math.ceil(targetEngineers)}`, position: 'insideTopLeft', fontSize: 11, fill: SLA }} />
          )}
          <Bar dataKey="engineers" name="Active engineers" fill={SUBMITTED} radius={[2, 2, 0, 0]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
