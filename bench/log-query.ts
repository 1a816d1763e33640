/**
 * Section 11: the local runtime's log query (the Logs Insights subset over the SIMULATED demo logs)
 * at 10,000 vs 1,000,000 lines: generating, parsing each line's fields, filtering, counting by a
 * field and sorting. The hour of core-service prod's incident is read with lines packed closer
 * together (one every 360 ms, then every 3.6 ms), so the same query sees 100× the lines; the ratio
 * says whether the cost grows with the lines (≈ 100×) and no faster.
 */
import { demoRecords } from '#functions/observability/adapters/demo-logs';
import { execute } from '#functions/observability/insights/execute';
import { parseQuery } from '#functions/observability/insights/parser';
import { formatMs, formatRatio, type Table } from './format.ts';
import { median, ratio } from './stats.ts';

export const LOG_QUERY = 'filter @message like /HikariPool-1|SocketTimeoutException|too many connections/ | stats count(*) as errors by @logStream | sort errors desc | limit 10';
const SIZES = [10_000, 1_000_000] as const;
const HOUR_MS = 3_600_000;

export interface LogQueryScale {
  readonly query: string;
  readonly rows: ReadonlyArray<{ readonly lines: number; readonly runs: number; readonly medianMs: number; readonly usPerLine: number; readonly matched: number }>;
  readonly ratio: number;
}

export async function measureLogQuery(): Promise<LogQueryScale> {
  const commands = parseQuery(LOG_QUERY);
  const start = Date.UTC(2026, 11, 5, 5, 0, 0);
  const rows = [];
  for (const lines of SIZES) {
    const runs = lines >= 1_000_000 ? 3 : 15;
    const samples: number[] = [];
    let matched = 0;
    for (let i = 0; i < runs + 1; i++) {
      const began = performance.now();
      const result = execute(commands, demoRecords(['/apollo/prod/core-service'], start, start + HOUR_MS, HOUR_MS / lines), 10_000);
      const ms = performance.now() - began;
      matched = result.recordsMatched;
      if (i > 0) samples.push(ms); // the first run warms up
      await new Promise((resolve) => setImmediate(resolve));
    }
    const medianMs = median(samples);
    rows.push({ lines, runs, medianMs, usPerLine: (medianMs * 1000) / lines, matched });
  }
  return { query: LOG_QUERY, rows, ratio: ratio(rows[1]!.medianMs, rows[0]!.medianMs) };
}

export function logQueryTable(result: LogQueryScale): Table {
  return {
    title: `11. Local log query at ${SIZES[0].toLocaleString('en-US')} vs ${SIZES[1].toLocaleString('en-US')} demo lines (median; SIMULATED logs, Logs Insights subset)`,
    columns: ['lines', 'runs', 'median', 'µs per line', 'matched'],
    rows: result.rows.map((r) => [r.lines.toLocaleString('en-US'), r.runs, formatMs(r.medianMs), r.usPerLine.toFixed(2), r.matched.toLocaleString('en-US')]),
    notes: [
      `query: ${result.query}`,
      `${SIZES[1].toLocaleString('en-US')} vs ${SIZES[0].toLocaleString('en-US')} lines: ${formatRatio(result.ratio)} the time (100× the lines: linear is ≈ 100×)`,
    ],
  };
}
