/**
 * The log views' rules without React: a line's trace id (log lines carry one in their text: `traceId=…`,
 * `trace_id: …`, `"traceId":"…"`, or an X-Ray id anywhere: `Root=1-…`), live tail's next window and how its lines join the ones shown.
 */

export interface LogLine {
  readonly timestamp: string;
  readonly message: string;
  readonly level?: string | undefined;
  readonly logGroup: string;
  readonly logStream?: string | undefined;
  readonly eventId?: string | undefined;
}

const TRACE_PATTERNS = [
  // An X-Ray id anywhere (`Root=1-…`, `[1-…]`, `traceId=1-…`).
  /\b(1-[0-9a-f]{8}-[0-9a-f]{24})\b/i,
  /["']?\btrace[_.-]?id["']?\s*[=:]\s*["']?([A-Za-z0-9][A-Za-z0-9-]{7,63})\b/i,
];

/** The trace a line names, or undefined. */
export function traceIdOf(message: string): string | undefined {
  for (const pattern of TRACE_PATTERNS) {
    const match = pattern.exec(message);
    if (match) return match[1];
  }
  return undefined;
}

/** One line's identity: its event id where the backend gives one, else its place and words. */
export const lineKey = (line: LogLine): string => line.eventId ?? `${line.logGroup}|${line.logStream ?? ''}|${line.timestamp}|${line.message}`;

/** Live tail's lines join the ones shown: those already there are not repeated, the result stays oldest first, at most `max` (the newest kept). */
export function appendLines(shown: readonly LogLine[], newer: readonly LogLine[], max = 2000): LogLine[] {
  const seen = new Set(shown.map(lineKey));
  const added = newer.filter((l) => { const key = lineKey(l); if (seen.has(key)) return false; seen.add(key); return true; });
  if (added.length === 0 && shown.length <= max) return shown as LogLine[];
  const all = [...shown, ...added].sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
  return all.length > max ? all.slice(all.length - max) : all;
}

/**
 * Where live tail's next read starts: at the newest line shown when that is after `since` (the same instant again, as
 * more lines may share it), else at `since`, the end of the search's window: tail shows what comes after it.
 */
export function tailFrom(shown: readonly LogLine[], since: string): string {
  let newest = Date.parse(since);
  for (const line of shown) newest = Math.max(newest, Date.parse(line.timestamp));
  return new Date(newest).toISOString();
}

/** A Logs Insights query that has not ended yet, so its results are asked for again. */
export const isRunning = (status: string): boolean => status === 'Scheduled' || status === 'Running';

/** A starting query for a service: its latest errors. */
export const defaultInsightsQuery = 'fields @timestamp, @message\n| filter @message like /ERROR/\n| sort @timestamp desc\n| limit 50';

/** The columns of an Insights result: every field some row has, in first-seen order, `@ptr` left out. */
export function resultColumns(rows: readonly (readonly { field: string; value: string }[])[]): string[] {
  const columns: string[] = [];
  for (const row of rows) for (const { field } of row) if (field !== '@ptr' && !columns.includes(field)) columns.push(field);
  return columns;
}
