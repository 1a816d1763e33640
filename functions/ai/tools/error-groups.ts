/**
 * Log lines grouped by what they say: the message with its log prefix (time, level, thread, logger) taken off and
 * whatever varies from one occurrence to the next (numbers, ids, hex, durations, quoted values) replaced by a
 * placeholder, so `HikariPool-1 - Connection is not available, request timed out after 30000ms` ×47 is one group
 * whatever the thread, the trace id or the wait. Pure: the tool reads the lines (tools/logs.ts).
 */

export interface LogLine {
  /** ISO 8601. */
  readonly timestamp: string;
  readonly message: string;
  readonly level?: string;
}

export interface ErrorGroup {
  /** The normalized message: the group's identity. */
  readonly key: string;
  readonly level: string;
  readonly count: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
  /** The first occurrence's message (prefix taken off), as it was written. */
  readonly message: string;
  /** The first occurrence's whole line. */
  readonly example: string;
}

const LEVEL_WORD = /^(?:FATAL|ERROR|WARN|WARNING|INFO|DEBUG|TRACE)\b/;
/** `2026-12-05T10:45:12.345Z ` / `2026-12-05 10:45:12,345 ` at the start of a line. */
const LEADING_TIME = /^\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?\]?\s+/;
/** Trace and request ids a line carries at its end: not part of what it says. */
const TRAILING_IDS = /(?:\s+(?:traceId|trace_id|spanId|span_id|requestId|request_id|correlationId)=\S+)+\s*$/i;

/** What a line says, without its prefix: `LEVEL [thread] logger : message` (Logback/Spring), JSON `message`/`msg`, or the line. */
export function messageOf(line: string): string {
  const text = line.trim();
  if (text.startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      const message = [parsed.message, parsed.msg, parsed.error, parsed.err].find((v): v is string => typeof v === 'string' && v.length > 0);
      if (message) return message.replace(TRAILING_IDS, '').trim();
    } catch { /* not JSON: read as text */ }
  }
  let rest = text.replace(LEADING_TIME, '');
  const level = LEVEL_WORD.exec(rest);
  if (level) {
    rest = rest.slice(level[0].length).trimStart();
    // `[thread] logger : message`: the thread and the logger say where, not what.
    const spring = /^(?:\[[^\]]*\]\s+)?(?:[\w.$]+\s+)?:\s+(.*)$/s.exec(rest);
    if (spring) rest = spring[1]!;
    else rest = rest.replace(/^\[[^\]]*\]\s+/, '');
  }
  return rest.replace(TRAILING_IDS, '').trim();
}

/** The group key of a message: what varies between occurrences replaced by placeholders. */
export function normalizeMessage(message: string): string {
  return messageOf(message)
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<id>')
    .replace(/\b[0-9A-HJKMNP-TV-Z]{26}\b/g, '<id>')
    .replace(/\b(?:0x[0-9a-f]+|(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,})\b/gi, '<hex>')
    .replace(/"[^"]{0,200}"|'[^']{0,200}'/g, (quoted) => (/\d/.test(quoted) ? '"<v>"' : quoted))
    .replace(/\b\d+(?:\.\d+)?\s?(?:ms|µs|us|ns|s|sec|secs|seconds|m|min|mins|minutes|h|hours)\b/gi, '<duration>')
    .replace(/\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?Z?/g, '<time>')
    .replace(/\b\d+(?:\.\d+)?\b/g, '<n>')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The lines' groups, the most frequent first (ties: the most recent first). */
export function groupLines(lines: readonly LogLine[]): ErrorGroup[] {
  const groups = new Map<string, { key: string; level: string; count: number; firstSeen: string; lastSeen: string; message: string; example: string }>();
  for (const line of lines) {
    const level = line.level ?? 'UNKNOWN';
    const key = normalizeMessage(line.message);
    const id = `${level}\u0000${key}`;
    const group = groups.get(id);
    if (!group) {
      groups.set(id, { key, level, count: 1, firstSeen: line.timestamp, lastSeen: line.timestamp, message: messageOf(line.message), example: line.message });
      continue;
    }
    group.count += 1;
    if (line.timestamp < group.firstSeen) group.firstSeen = line.timestamp;
    if (line.timestamp > group.lastSeen) group.lastSeen = line.timestamp;
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || b.lastSeen.localeCompare(a.lastSeen) || a.key.localeCompare(b.key));
}
