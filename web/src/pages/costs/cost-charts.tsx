/**
 * The Costs charts (Recharts, loaded with the Costs page and the service's Costs tab, not with the app): daily spend
 * stacked by environment or resource type with each anomaly marked on its day, the month to date against the
 * forecast's band, and a budget's burn-down.
 */
import { Classes } from '@blueprintjs/core';
import { Area, AreaChart, CartesianGrid, ComposedChart, Legend, Line, LineChart, ReferenceDot, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { CostBudget } from '../../../../schemas/types.gen.ts';
import { anomalyMark, burnDownRows, formatDay, formatUsd, formatUsdShort, monthRows, seriesColor, type DailyRow } from './cost-format.ts';

const GRID = 'rgba(143, 153, 168, 0.3)';
const ANOMALY = '#cd4246';

function DailyTooltip({ active, payload, keys }: { active?: boolean; payload?: ReadonlyArray<{ payload?: DailyRow }>; keys: readonly string[] }) {
  const row = payload?.[0]?.payload;
  if (!active || !row) return null;
  return (
    <div className="apollo-cost-tooltip" data-testid="cost-chart-tooltip">
      <strong>{formatDay(row.date)}</strong>{row.estimated && <span className={Classes.TEXT_MUTED}> · estimated</span>}
      <table>
        <tbody>
          {[...keys].reverse().filter((k) => Number(row[k]) > 0).map((k) => (
            <tr key={k}><td><span className="apollo-cost-swatch" style={{ background: seriesColor(k, keys.indexOf(k)) }} />{k}</td><td>{formatUsd(Number(row[k]))}</td></tr>
          ))}
          <tr className="apollo-cost-tooltip-total"><td>Total</td><td>{formatUsd(row.total)}</td></tr>
        </tbody>
      </table>
      {anomalyMark(row.anomalies)?.lines.map((line) => (
        <div key={line.id} className="apollo-cost-tooltip-anomaly" data-testid="cost-chart-tooltip-anomaly">
          <strong>{line.text}</strong>
          <div className={Classes.TEXT_MUTED}>{line.summary}</div>
        </div>
      ))}
    </div>
  );
}

/** Daily spend stacked by `keys` (90 days by default), each anomaly a red line and dot on its day. */
export function DailyStackedChart({ keys, rows, height = 300, testId }: { keys: readonly string[]; rows: readonly DailyRow[]; height?: number; testId: string }) {
  const marked = rows.filter((r) => r.anomalies.length > 0);
  return (
    <figure className="apollo-cost-chart" data-testid={testId} data-points={rows.length} data-series={keys.join(',')} data-anomalies={marked.reduce((n, r) => n + r.anomalies.length, 0)}>
      <ResponsiveContainer width="100%" height={height}>
        <AreaChart data={rows as DailyRow[]} margin={{ top: 16, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke={GRID} />
          <XAxis dataKey="date" fontSize={11} tickLine={false} minTickGap={24} tickFormatter={(d: string) => formatDay(d)} />
          <YAxis fontSize={11} width={56} tickFormatter={formatUsdShort} />
          <Tooltip content={<DailyTooltip keys={keys} />} />
          <Legend iconType="square" wrapperStyle={{ fontSize: 12 }} />
          {keys.map((k, i) => (
            <Area key={k} dataKey={k} name={k} stackId="cost" type="monotone" stroke={seriesColor(k, i)} fill={seriesColor(k, i)} fillOpacity={0.55} strokeWidth={1} isAnimationActive={false} />
          ))}
          {marked.map((r) => (
            <ReferenceLine key={`line-${r.date}`} x={r.date} stroke={ANOMALY} strokeDasharray="4 3" ifOverflow="extendDomain" className="apollo-cost-anomaly-line"
              label={{ value: anomalyMark(r.anomalies)?.label ?? '', position: 'insideTopLeft', fontSize: 11, fill: ANOMALY }} />
          ))}
          {marked.map((r) => (
            <ReferenceDot key={`dot-${r.date}`} x={r.date} y={r.total} r={5} fill={ANOMALY} stroke="#fff" className="apollo-cost-anomaly-dot" />
          ))}
        </AreaChart>
      </ResponsiveContainer>
    </figure>
  );
}

/** This month: cumulative spend so far, then the forecast to month end with its 80 % band; last month's total for scale. */
export function MonthForecastChart({ daily, month, forecast, lastMonth, height = 220 }: {
  daily: ReadonlyArray<{ date: string; total: number }>; month: string; forecast: { monthEnd: number; lower: number; upper: number } | null; lastMonth: number; height?: number;
}) {
  const rows = monthRows(daily, month, forecast);
  return (
    <figure className="apollo-cost-chart" data-testid="cost-month-chart" data-points={rows.length}>
      <ResponsiveContainer width="100%" height={height}>
        <ComposedChart data={rows} margin={{ top: 12, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke={GRID} />
          <XAxis dataKey="label" fontSize={11} tickLine={false} minTickGap={12} />
          <YAxis fontSize={11} width={56} tickFormatter={formatUsdShort} />
          <Tooltip formatter={(value, name) => [Array.isArray(value) ? `${formatUsd(Number(value[0]))} – ${formatUsd(Number(value[1]))}` : formatUsd(Number(value)), String(name)]}
            labelFormatter={(label) => `Day ${String(label)}`} />
          <Legend iconType="plainline" wrapperStyle={{ fontSize: 12 }} />
          {lastMonth > 0 && <ReferenceLine y={lastMonth} stroke="#8f99a8" strokeDasharray="6 4" label={{ value: `last month ${formatUsdShort(lastMonth)}`, position: 'insideTopLeft', fontSize: 11, fill: '#8f99a8' }} />}
          {forecast && <Area dataKey="band" name="Forecast range (80 %)" stroke="none" fill="#2d72d2" fillOpacity={0.15} isAnimationActive={false} connectNulls />}
          <Line dataKey="actual" name="Month to date" stroke="#2d72d2" strokeWidth={2} dot={false} isAnimationActive={false} />
          {forecast && <Line dataKey="forecast" name="Forecast" stroke="#2d72d2" strokeWidth={2} strokeDasharray="6 4" dot={false} isAnimationActive={false} connectNulls />}
        </ComposedChart>
      </ResponsiveContainer>
    </figure>
  );
}

/** What is left of a budget each day against an even spend, and where the forecast takes it (below 0: breached). */
export function BurnDownChart({ budget, height = 140 }: { budget: Pick<CostBudget, 'month' | 'monthlyAmount' | 'forecast' | 'burnDown'>; height?: number }) {
  const rows = burnDownRows(budget);
  const low = Math.min(0, ...rows.map((r) => r.projected ?? 0), ...rows.map((r) => r.remaining ?? 0));
  return (
    <figure className="apollo-cost-chart apollo-cost-burndown" data-testid="cost-burndown" data-points={rows.length}>
      <ResponsiveContainer width="100%" height={height}>
        <LineChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke={GRID} />
          <XAxis dataKey="label" fontSize={10} tickLine={false} minTickGap={16} />
          <YAxis fontSize={10} width={48} tickFormatter={formatUsdShort} domain={[low, 'auto']} />
          <Tooltip formatter={(value, name) => [formatUsd(Number(value)), String(name)]} labelFormatter={(label) => `Day ${String(label)}`} />
          <ReferenceLine y={0} stroke={ANOMALY} />
          <Line dataKey="ideal" name="Even spend" stroke="#8f99a8" strokeDasharray="4 3" dot={false} isAnimationActive={false} />
          <Line dataKey="remaining" name="Remaining" stroke="#2d72d2" strokeWidth={2} dot={false} isAnimationActive={false} />
          <Line dataKey="projected" name="By forecast" stroke="#c87619" strokeDasharray="6 4" dot={false} isAnimationActive={false} connectNulls />
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}
