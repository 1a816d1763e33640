/**
 * Runs a parsed query of the subset over log records, the way Logs Insights does: `filter` keeps
 * the records its expression holds for (a field a record lacks holds for nothing), `stats` groups
 * and counts, `sort` orders (numbers as numbers), `limit` cuts, `fields` chooses what each row
 * shows (default @timestamp and @message). Records stream through: only what `sort` or `stats`
 * must hold is held.
 */
import type { Command, Expr, Operand } from './parser.ts';

/** A log record: its fields by name (@timestamp, @message, @log, @logStream, and any discovered). */
export type LogRecord = Readonly<Record<string, string | undefined>>;

export interface ExecutionResult {
  readonly rows: ReadonlyArray<ReadonlyArray<{ readonly field: string; readonly value: string }>>;
  readonly recordsMatched: number;
  readonly recordsScanned: number;
  readonly bytesScanned: number;
}

const DEFAULT_FIELDS = ['@timestamp', '@message'];

function value(record: LogRecord, operand: Operand): string | number | RegExp | undefined {
  switch (operand.kind) {
    case 'field': return record[operand.name];
    case 'string': return operand.value;
    case 'number': return operand.value;
    case 'regex': return operand.regex;
  }
}

const asNumber = (v: string | number): number | undefined => {
  if (typeof v === 'number') return v;
  if (v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
};

function compare(a: string | number, b: string | number): number {
  const x = asNumber(a);
  const y = asNumber(b);
  if (x !== undefined && y !== undefined) return x - y;
  const s = String(a);
  const t = String(b);
  return s < t ? -1 : s > t ? 1 : 0;
}

export function holds(expr: Expr, record: LogRecord): boolean {
  switch (expr.kind) {
    case 'or': return holds(expr.left, record) || holds(expr.right, record);
    case 'and': return holds(expr.left, record) && holds(expr.right, record);
    case 'not': return !holds(expr.operand, record);
    case 'truthy': {
      const v = value(record, expr.operand);
      return v !== undefined && v !== '' && v !== '0' && v !== 'false';
    }
    case 'like': {
      const subject = value(record, expr.subject);
      if (subject === undefined || subject instanceof RegExp) return false;
      const text = String(subject);
      if (expr.pattern.kind === 'regex') {
        expr.pattern.regex.lastIndex = 0;
        return expr.pattern.regex.test(text);
      }
      return expr.pattern.kind === 'string' && text.includes(expr.pattern.value);
    }
    case 'compare': {
      const left = value(record, expr.left);
      const right = value(record, expr.right);
      if (left === undefined || right === undefined || left instanceof RegExp || right instanceof RegExp) return false;
      const order = compare(left, right);
      switch (expr.op) {
        case '=': return order === 0;
        case '!=': return order !== 0;
        case '<': return order < 0;
        case '<=': return order <= 0;
        case '>': return order > 0;
        case '>=': return order >= 0;
      }
    }
  }
}

/** A stage of the pipeline: takes records one at a time, hands on what it lets through, and flushes what it held at the end. */
interface Stage { push(record: LogRecord): boolean; end(): void }

/**
 * A run of a query, fed one record at a time (so a caller can read in slices and stop mid-way).
 * `limit` caps the rows (the StartQuery limit), after the query's own `limit`. recordsMatched counts
 * the records past the last `filter` (until a `limit` closes the pipeline); recordsScanned and
 * bytesScanned every record read.
 */
export class Execution {
  private readonly rows: LogRecord[] = [];
  private readonly display: readonly string[];
  private readonly first: Stage;
  private matched = 0;
  private scanned = 0;
  private bytes = 0;
  private open = true;

  constructor(commands: readonly Command[], private readonly limit: number) {
    let display: readonly string[] | undefined;
    for (const command of commands) {
      if (command.kind === 'fields') display = command.fields;
      if (command.kind === 'stats') display = [...command.by, ...command.aggregates.map((a) => a.as)];
    }
    this.display = display ?? DEFAULT_FIELDS;
    const lastFilter = commands.map((c) => c.kind).lastIndexOf('filter');
    // Built from the last command back, so each stage hands on to the next.
    let first: Stage = { push: (r) => { this.rows.push(r); return this.rows.length < limit; }, end: () => {} };
    for (let i = commands.length - 1; i >= -1; i--) {
      if (i === lastFilter) {
        const next = first;
        first = { push: (r) => { this.matched++; return next.push(r); }, end: () => next.end() };
      }
      if (i >= 0) first = stageOf(commands[i]!, first);
    }
    this.first = first;
  }

  push(record: LogRecord): void {
    this.scanned++;
    this.bytes += Buffer.byteLength(record['@message'] ?? '') + 40;
    if (this.open) this.open = this.first.push(record);
  }

  get statistics(): { recordsMatched: number; recordsScanned: number; bytesScanned: number } {
    return { recordsMatched: this.matched, recordsScanned: this.scanned, bytesScanned: this.bytes };
  }

  /** The rows so far: a query without `sort` or `stats` has some before it ends, as Logs Insights shows them. */
  rowsSoFar(): ExecutionResult['rows'] {
    return this.rows.slice(0, this.limit).map((r) => this.display.filter((f) => r[f] !== undefined).map((f) => ({ field: f, value: r[f]! })));
  }

  finish(): ExecutionResult {
    this.first.end();
    return { rows: this.rowsSoFar(), ...this.statistics };
  }
}

export function execute(commands: readonly Command[], records: Iterable<LogRecord>, limit: number): ExecutionResult {
  const run = new Execution(commands, limit);
  for (const record of records) run.push(record);
  return run.finish();
}

function stageOf(command: Command, next: Stage): Stage {
  switch (command.kind) {
    case 'fields': return next;
    case 'filter': return { push: (r) => (holds(command.expr, r) ? next.push(r) : true), end: () => next.end() };
    case 'limit': {
      let left = command.count;
      return {
        push: (r) => {
          if (left <= 0) return false;
          left--;
          return next.push(r) && left > 0;
        },
        end: () => next.end(),
      };
    }
    case 'sort': {
      const held: LogRecord[] = [];
      return {
        push: (r) => { held.push(r); return true; },
        end: () => {
          held.sort((a, b) => {
            for (const key of command.keys) {
              const x = a[key.field];
              const y = b[key.field];
              // Records without the field go last, either way.
              if (x === undefined || y === undefined) { if (x !== y) return x === undefined ? 1 : -1; continue; }
              const order = compare(x, y);
              if (order !== 0) return key.descending ? -order : order;
            }
            return 0;
          });
          for (const r of held) if (!next.push(r)) break;
          next.end();
        },
      };
    }
    case 'stats': {
      const groups = new Map<string, { key: LogRecord; counts: number[] }>();
      return {
        push: (r) => {
          const keyValues = command.by.map((f) => r[f]);
          const id = JSON.stringify(keyValues);
          let group = groups.get(id);
          if (!group) {
            group = { key: Object.fromEntries(command.by.map((f, i) => [f, keyValues[i]])), counts: command.aggregates.map(() => 0) };
            groups.set(id, group);
          }
          command.aggregates.forEach((a, i) => {
            if (a.field === undefined || r[a.field] !== undefined) group.counts[i]! += 1;
          });
          return true;
        },
        end: () => {
          for (const { key, counts } of groups.values()) {
            const row: Record<string, string | undefined> = { ...key };
            command.aggregates.forEach((a, i) => { row[a.as] = String(counts[i]); });
            if (!next.push(row)) break;
          }
          next.end();
        },
      };
    }
  }
}
