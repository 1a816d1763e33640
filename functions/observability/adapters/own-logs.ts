/**
 * Apollo's own log lines as the local runtime's handlers really wrote them (not simulated): the
 * runtime hands every Powertools JSON line a handler prints to `capture` (local/own-logs.ts tees the
 * process's output), and the logs port reads them back as the service `apollo`, in the log groups
 * Lambda would have written them to (`<own prefix><function>`, e.g. `/aws/lambda/apollo-local-requests`).
 * A bounded ring: the oldest lines are forgotten first, as a laptop has no retention to speak of.
 */
import type { LogRecord } from '../insights/execute.ts';
import { insightsTimestamp } from './demo-logs.ts';

export interface OwnLogLine {
  /** Epoch milliseconds (the line's own `timestamp`). */
  readonly t: number;
  readonly logGroup: string;
  readonly message: string;
  /** The line's top-level fields, as Logs Insights discovers them in a JSON line. */
  readonly fields: Readonly<Record<string, string>>;
}

export interface OwnLogStoreOptions {
  /** Apollo's own log groups' prefix, the function name follows. */
  readonly prefix: string;
  /** The functions whose groups the API names (`APOLLO_FUNCTIONS`): a step function's lines land in its context's group. */
  readonly functions: readonly string[];
  /** Lines kept. @default 50000 */
  readonly capacity?: number;
  /** A longer line is cut to this many characters, as CloudWatch cuts events at 256 KB. @default 8192 */
  readonly maxLineLength?: number;
}

const SERVICE_PREFIX = 'apollo-';

export class OwnLogStore {
  private readonly lines: OwnLogLine[] = [];
  /** Where the ring's oldest line is once it is full. */
  private head = 0;
  readonly capacity: number;
  /** The functions, longest first, so `requests-fulfillment-steps` lands in `requests` and not in a shorter name. */
  private readonly functions: readonly string[];

  constructor(private readonly options: OwnLogStoreOptions) {
    this.capacity = options.capacity ?? 50_000;
    this.functions = [...options.functions].sort((a, b) => b.length - a.length);
  }

  /** Whether a log group is one of Apollo's own (this store answers for it). */
  owns(logGroup: string): boolean {
    return logGroup.startsWith(this.options.prefix);
  }

  /**
   * Keeps one printed line when it is a handler's Powertools JSON line (its `service` is `apollo-<function>`);
   * anything else is not Apollo's handler output and is left alone. Answers whether it was kept.
   */
  capture(text: string): boolean {
    const line = text.trim();
    if (!line.startsWith('{') || !line.includes(`"service":"${SERVICE_PREFIX}`)) return false;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return false;
    }
    const service = typeof parsed.service === 'string' ? parsed.service : '';
    if (!service.startsWith(SERVICE_PREFIX)) return false;
    const name = service.slice(SERVICE_PREFIX.length);
    const fn = this.functions.find((f) => name === f || name.startsWith(`${f}-`)) ?? name;
    const t = typeof parsed.timestamp === 'string' && !Number.isNaN(Date.parse(parsed.timestamp)) ? Date.parse(parsed.timestamp) : Date.now();
    const max = this.options.maxLineLength ?? 8192;
    const fields: Record<string, string> = {};
    for (const [key, value] of Object.entries(parsed)) fields[key] = typeof value === 'string' ? value : JSON.stringify(value);
    this.push({ t, logGroup: `${this.options.prefix}${fn}`, message: line.length > max ? `${line.slice(0, max)}…` : line, fields });
    return true;
  }

  get size(): number {
    return this.lines.length;
  }

  private push(line: OwnLogLine): void {
    if (this.lines.length < this.capacity) {
      this.lines.push(line);
      return;
    }
    this.lines[this.head] = line;
    this.head = (this.head + 1) % this.capacity;
  }

  /** The lines of `logGroups` in [start, end), oldest first, as Logs Insights records. */
  *records(logGroups: readonly string[], start: number, end: number): Generator<LogRecord & { '@timestamp': string; '@message': string }> {
    const wanted = new Set(logGroups);
    // Lines arrive in time order, give or take a concurrent invocation's millisecond: sort the match.
    const matched: OwnLogLine[] = [];
    for (let i = 0; i < this.lines.length; i++) {
      const line = this.lines[(this.head + i) % this.lines.length]!;
      if (line.t >= start && line.t < end && wanted.has(line.logGroup)) matched.push(line);
    }
    matched.sort((a, b) => a.t - b.t);
    for (const line of matched) {
      yield {
        ...line.fields,
        '@timestamp': insightsTimestamp(line.t),
        '@message': line.message,
        '@log': line.logGroup,
        '@logStream': 'local',
        '@ingestionTime': insightsTimestamp(line.t),
      };
    }
  }
}

/** Two streams of records, each oldest first, as one oldest first. */
export function* mergeByTime<R extends { '@timestamp': string }>(a: Iterator<R>, b: Iterator<R>): Generator<R> {
  let x = a.next();
  let y = b.next();
  while (!x.done || !y.done) {
    // '@timestamp' is `YYYY-MM-DD HH:MM:SS.mmm`: text order is time order.
    if (y.done || (!x.done && x.value['@timestamp'] <= y.value['@timestamp'])) {
      yield x.value as R;
      x = a.next();
    } else {
      yield y.value;
      y = b.next();
    }
  }
}
