/**
 * A trace's waterfall without React: spans as a tree laid out as rows (depth-first, children by start), each with
 * its offset and width on one time axis shared by the whole trace, and the axis' ticks.
 */

export interface WaterfallSpan {
  readonly id: string;
  readonly name: string;
  readonly service?: string | undefined;
  readonly startMs: number;
  readonly durationMs: number;
  readonly error: boolean;
  readonly children: readonly WaterfallSpan[];
}

export interface WaterfallRow {
  readonly span: WaterfallSpan;
  readonly depth: number;
  /** Where the bar starts, as a fraction of the trace's duration. */
  readonly offset: number;
  /** How long it lasts, as a fraction (at least MIN_WIDTH, so a 0 ms span still shows). */
  readonly width: number;
}

export interface WaterfallLayout {
  readonly rows: readonly WaterfallRow[];
  readonly startMs: number;
  readonly totalMs: number;
  /** Tick marks on the shared axis: ms since the trace's start and their fraction. */
  readonly ticks: readonly { readonly ms: number; readonly at: number }[];
}

export const MIN_WIDTH = 0.002;

/** A step of 1, 2 or 5 × 10^n giving at most `count` ticks over `total`. */
export function tickStep(total: number, count = 5): number {
  if (total <= 0) return 1;
  const raw = total / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}

export function layoutWaterfall(roots: readonly WaterfallSpan[]): WaterfallLayout {
  const all: WaterfallSpan[] = [];
  const collect = (s: WaterfallSpan) => { all.push(s); s.children.forEach(collect); };
  roots.forEach(collect);
  if (all.length === 0) return { rows: [], startMs: 0, totalMs: 0, ticks: [] };
  const startMs = Math.min(...all.map((s) => s.startMs));
  const endMs = Math.max(...all.map((s) => s.startMs + Math.max(0, s.durationMs)));
  const totalMs = endMs - startMs;
  const rows: WaterfallRow[] = [];
  const byStart = (a: WaterfallSpan, b: WaterfallSpan) => a.startMs - b.startMs || a.name.localeCompare(b.name);
  const visit = (span: WaterfallSpan, depth: number) => {
    // A span that starts at the very end still gets its sliver, inside the axis.
    const offset = totalMs > 0 ? Math.min((span.startMs - startMs) / totalMs, 1 - MIN_WIDTH) : 0;
    const width = totalMs > 0 ? Math.max(MIN_WIDTH, Math.max(0, span.durationMs) / totalMs) : 1;
    rows.push({ span, depth, offset, width: Math.min(width, 1 - offset) });
    [...span.children].sort(byStart).forEach((c) => visit(c, depth + 1));
  };
  [...roots].sort(byStart).forEach((r) => visit(r, 0));
  const step = tickStep(totalMs);
  const ticks = [];
  for (let ms = 0; totalMs > 0 && ms <= totalMs + 1e-9; ms += step) ticks.push({ ms, at: ms / totalMs });
  return { rows, startMs, totalMs, ticks };
}

/** A duration as people read it: 850 µs, 12 ms, 1.25 s. */
export function formatDuration(ms: number): string {
  if (ms < 1) return `${Math.round(ms * 1000)} µs`;
  if (ms < 1000) return `${Math.round(ms * 10) / 10} ms`;
  return `${Math.round(ms / 10) / 100} s`;
}

/** A span as GET /api/v1/logs/trace/{traceId} sends it (the fields the waterfall reads). */
export interface ApiSpan {
  readonly id: string;
  readonly name: string;
  readonly service: string;
  readonly startMs: number;
  readonly durationMs: number;
  readonly error: boolean;
  readonly fault: boolean;
  readonly children: readonly ApiSpan[];
}

/** The API's tree as the waterfall's: a 4xx (error) or a 5xx/exception (fault) both show red. */
export const waterfallSpans = (spans: readonly ApiSpan[]): WaterfallSpan[] =>
  spans.map((s) => ({ id: s.id, name: s.name, service: s.service, startMs: s.startMs, durationMs: s.durationMs, error: s.error || s.fault, children: waterfallSpans(s.children) }));
