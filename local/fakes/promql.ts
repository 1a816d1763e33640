/**
 * A stated subset of PromQL, parsed and evaluated for real over a series source (the LOCAL DEMO METRICS'
 * made-up series, local/fakes/metrics-server.ts). What it understands — anything else is a parse error
 * naming what it read, answered as Prometheus answers a query it cannot parse (400 `bad_data`):
 *
 * - number literals (`0.99`, `1e3`) and `vector(<scalar>)`;
 * - instant selectors `name{label="v", label!="v", label=~"re", label!~"re"}` (the name or the braces may be
 *   left out, not both; regular expressions are fully anchored, as in Prometheus) and range selectors
 *   `…[5m]` (units ms s m h d w y, combined as `1h30m`);
 * - `rate(<range>)` and `increase(<range>)` (per second / over the range);
 * - `sum`, `avg`, `min`, `max`, `count` with `by (…)` or `without (…)` before or after the argument;
 * - `histogram_quantile(φ, <vector of buckets with le>)` with Prometheus's linear interpolation in a bucket;
 * - arithmetic `+ - * /` between scalars and vectors (vector/vector: one-to-one on the labels but the
 *   metric name) and `or`, with PromQL's precedence (`* /` over `+ -` over `or`) and parentheses.
 *
 * Not understood: offsets, `@`, subqueries, `on`/`ignoring`/`group_left`, comparison operators, `and`,
 * `unless`, other functions.
 */

export type Labels = Readonly<Record<string, string>>;
export type MatchOp = '=' | '!=' | '=~' | '!~';
export interface Matcher {
  readonly name: string;
  readonly op: MatchOp;
  readonly value: string;
}

export type Expr =
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'selector'; readonly matchers: readonly Matcher[]; readonly rangeMs?: number }
  | { readonly kind: 'call'; readonly fn: 'rate' | 'increase' | 'histogram_quantile' | 'vector'; readonly args: readonly Expr[] }
  | { readonly kind: 'aggregate'; readonly op: AggregateOp; readonly grouping: { readonly without: boolean; readonly labels: readonly string[] } | undefined; readonly expr: Expr }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly lhs: Expr; readonly rhs: Expr };

type AggregateOp = 'sum' | 'avg' | 'min' | 'max' | 'count';
type BinaryOp = '+' | '-' | '*' | '/' | 'or';

export class PromQlError extends Error {
  override readonly name = 'PromQlError';
}

// ---------------------------------------------------------------- lexer

type Token = { readonly t: 'num' | 'ident' | 'str' | 'dur' | 'op'; readonly v: string; readonly at: number };

const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };

function lex(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const rest = input.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) { i += space[0].length; continue; }
    const dur = tokens.at(-1)?.v === '[' ? /^(\d+(ms|s|m|h|d|w|y))+/.exec(rest) : null;
    if (dur) { tokens.push({ t: 'dur', v: dur[0], at: i }); i += dur[0].length; continue; }
    const num = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(rest);
    if (num) { tokens.push({ t: 'num', v: num[0], at: i }); i += num[0].length; continue; }
    const ident = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(rest);
    if (ident) { tokens.push({ t: 'ident', v: ident[0], at: i }); i += ident[0].length; continue; }
    if (rest[0] === '"' || rest[0] === '\'') {
      const quote = rest[0];
      let j = 1;
      let value = '';
      while (j < rest.length && rest[j] !== quote) {
        if (rest[j] === '\\' && j + 1 < rest.length) {
          const c = rest[j + 1]!;
          value += c === 'n' ? '\n' : c === 't' ? '\t' : c;
          j += 2;
        } else value += rest[j++];
      }
      if (j >= rest.length) throw new PromQlError(`unterminated string at ${i}`);
      tokens.push({ t: 'str', v: value, at: i });
      i += j + 1;
      continue;
    }
    const op = /^(=~|!~|!=|==|[{}()[\],=+\-*/])/.exec(rest);
    if (op) { tokens.push({ t: 'op', v: op[0], at: i }); i += op[0].length; continue; }
    throw new PromQlError(`unexpected character "${rest[0]}" at ${i}`);
  }
  return tokens;
}

function durationMs(text: string): number {
  let ms = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) ms += Number(n) * DURATION_MS[unit!]!;
  return ms;
}

// ---------------------------------------------------------------- parser

const AGGREGATES = new Set(['sum', 'avg', 'min', 'max', 'count']);
const FUNCTIONS = new Set(['rate', 'increase', 'histogram_quantile', 'vector']);

export function parsePromQl(input: string): Expr {
  const tokens = lex(input);
  let pos = 0;
  const peek = () => tokens[pos];
  const next = () => tokens[pos++];
  const where = () => (peek() ? `"${peek()!.v}" at ${peek()!.at}` : 'the end');
  const expect = (v: string) => {
    const token = next();
    if (token?.v !== v || token.t === 'str') throw new PromQlError(`expected "${v}" but found ${token ? `"${token.v}" at ${token.at}` : 'the end'}`);
  };
  const isOp = (v: string) => peek()?.t === 'op' && peek()!.v === v;

  const labelList = (): string[] => {
    expect('(');
    const labels: string[] = [];
    while (!isOp(')')) {
      const token = next();
      if (token?.t !== 'ident') throw new PromQlError(`expected a label name in the grouping, found ${token ? `"${token.v}"` : 'the end'}`);
      labels.push(token.v);
      if (!isOp(')')) expect(',');
    }
    expect(')');
    return labels;
  };

  const matchers = (): Matcher[] => {
    expect('{');
    const list: Matcher[] = [];
    while (!isOp('}')) {
      const name = next();
      if (name?.t !== 'ident') throw new PromQlError(`expected a label name in the selector, found ${name ? `"${name.v}" at ${name.at}` : 'the end'}`);
      const op = next();
      if (op?.t !== 'op' || !['=', '!=', '=~', '!~'].includes(op.v)) throw new PromQlError(`expected = != =~ or !~ after ${name.v}`);
      const value = next();
      if (value?.t !== 'str') throw new PromQlError(`expected a string after ${name.v}${op.v}`);
      if (op.v === '=~' || op.v === '!~') anchored(value.v);
      list.push({ name: name.v, op: op.v as MatchOp, value: value.v });
      if (!isOp('}')) expect(',');
    }
    expect('}');
    return list;
  };

  const selector = (name: string | undefined): Expr => {
    const list = [...(name ? [{ name: '__name__', op: '=' as const, value: name }] : []), ...(isOp('{') ? matchers() : [])];
    if (!list.some((m) => (m.op === '=' && m.value !== '') || (m.op === '=~' && !anchored(m.value).test('')))) throw new PromQlError('a selector must name a metric or a label matcher that does not match the empty string');
    if (isOp('[')) {
      next();
      const dur = next();
      if (dur?.t !== 'dur') throw new PromQlError(`expected a duration like 5m in [], found ${dur ? `"${dur.v}"` : 'the end'}`);
      expect(']');
      return { kind: 'selector', matchers: list, rangeMs: durationMs(dur.v) };
    }
    return { kind: 'selector', matchers: list };
  };

  const primary = (): Expr => {
    const token = peek();
    if (!token) throw new PromQlError('unexpected end of the query');
    if (token.t === 'num') { next(); return { kind: 'number', value: Number(token.v) }; }
    if (token.t === 'op' && (token.v === '-' || token.v === '+')) {
      next();
      const operand = primary();
      return token.v === '-' ? { kind: 'binary', op: '*', lhs: { kind: 'number', value: -1 }, rhs: operand } : operand;
    }
    if (token.t === 'op' && token.v === '(') {
      next();
      const inner = orExpr();
      expect(')');
      return inner;
    }
    if (token.t === 'op' && token.v === '{') return selector(undefined);
    if (token.t === 'ident') {
      next();
      if (AGGREGATES.has(token.v)) {
        let grouping: { without: boolean; labels: string[] } | undefined;
        if (peek()?.t === 'ident' && (peek()!.v === 'by' || peek()!.v === 'without')) grouping = { without: next()!.v === 'without', labels: labelList() };
        expect('(');
        const expr = orExpr();
        expect(')');
        if (!grouping && peek()?.t === 'ident' && (peek()!.v === 'by' || peek()!.v === 'without')) grouping = { without: next()!.v === 'without', labels: labelList() };
        return { kind: 'aggregate', op: token.v as AggregateOp, grouping, expr };
      }
      if (isOp('(')) {
        if (!FUNCTIONS.has(token.v)) throw new PromQlError(`function ${token.v}() is not in the subset (rate, increase, histogram_quantile, vector and the aggregations sum, avg, min, max, count)`);
        next();
        const args: Expr[] = [];
        while (!isOp(')')) {
          args.push(orExpr());
          if (!isOp(')')) expect(',');
        }
        expect(')');
        const fn = token.v as 'rate' | 'increase' | 'histogram_quantile' | 'vector';
        const arity = fn === 'histogram_quantile' ? 2 : 1;
        if (args.length !== arity) throw new PromQlError(`${fn}() takes ${arity} argument${arity > 1 ? 's' : ''}, not ${args.length}`);
        if ((fn === 'rate' || fn === 'increase') && (args[0]!.kind !== 'selector' || args[0]!.rangeMs === undefined)) throw new PromQlError(`${fn}() takes a range selector like metric{…}[5m]`);
        return { kind: 'call', fn, args };
      }
      if (['by', 'without', 'or', 'and', 'unless', 'offset', 'on', 'ignoring'].includes(token.v)) throw new PromQlError(`"${token.v}" at ${token.at} is not understood here (the subset has no offset, on/ignoring, and/unless)`);
      return selector(token.v);
    }
    throw new PromQlError(`unexpected ${where()}`);
  };

  const binaryLevel = (ops: readonly string[], operand: () => Expr) => (): Expr => {
    let lhs = operand();
    while (peek() && ((peek()!.t === 'op' && ops.includes(peek()!.v)) || (peek()!.t === 'ident' && ops.includes(peek()!.v)))) {
      const op = next()!.v as BinaryOp;
      lhs = { kind: 'binary', op, lhs, rhs: operand() };
    }
    return lhs;
  };
  const mulExpr = binaryLevel(['*', '/'], primary);
  const addExpr = binaryLevel(['+', '-'], mulExpr);
  const orExpr = binaryLevel(['or'], addExpr);

  const expr = orExpr();
  if (pos < tokens.length) throw new PromQlError(`unexpected ${where()} (the subset has no offset, @, subqueries, comparisons, and/unless)`);
  return expr;
}

const regexCache = new Map<string, RegExp>();
function anchored(source: string): RegExp {
  let re = regexCache.get(source);
  if (!re) {
    try {
      re = new RegExp(`^(?:${source})$`, 's');
    } catch (error) {
      throw new PromQlError(`invalid regular expression "${source}": ${(error as Error).message}`);
    }
    regexCache.set(source, re);
  }
  return re;
}

export function matches(labels: Labels, matchers: readonly Matcher[]): boolean {
  return matchers.every((m) => {
    const value = labels[m.name] ?? '';
    switch (m.op) {
      case '=': return value === m.value;
      case '!=': return value !== m.value;
      case '=~': return anchored(m.value).test(value);
      case '!~': return !anchored(m.value).test(value);
    }
  });
}

// ---------------------------------------------------------------- evaluator

/** Where the series come from: the evaluator asks for the series a selector names and their figures. */
export interface SeriesSource {
  /** The series (labels with `__name__`) that exist at `atMs` and match the matchers. */
  select(matchers: readonly Matcher[], atMs: number): readonly Labels[];
  /** The sample of a series at `atMs` (a counter's running total, a gauge's value); undefined: none. */
  valueAt(series: Labels, atMs: number): number | undefined;
  /** The increase of a counter over (fromMs, toMs]; undefined: no samples there. */
  increase(series: Labels, fromMs: number, toMs: number): number | undefined;
  /** The raw samples of a series in (fromMs, toMs], for a range selector asked for by itself. */
  samples(series: Labels, fromMs: number, toMs: number): ReadonlyArray<readonly [number, number]>;
}

export interface Sample { readonly labels: Labels; readonly value: number }
export type Value =
  | { readonly type: 'scalar'; readonly value: number }
  | { readonly type: 'vector'; readonly samples: readonly Sample[] }
  | { readonly type: 'matrix'; readonly series: ReadonlyArray<{ readonly labels: Labels; readonly points: ReadonlyArray<readonly [number, number]> }> };

const key = (labels: Labels): string => JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
const dropName = (labels: Labels): Labels => {
  const { __name__: _name, ...rest } = labels;
  return rest;
};

/** Evaluates `expr` at `atMs`: what `/api/v1/query` answers. */
export function evaluate(expr: Expr, atMs: number, source: SeriesSource): Value {
  switch (expr.kind) {
    case 'number':
      return { type: 'scalar', value: expr.value };
    case 'selector': {
      const series = source.select(expr.matchers, atMs);
      if (expr.rangeMs !== undefined) {
        return { type: 'matrix', series: series.map((labels) => ({ labels, points: source.samples(labels, atMs - expr.rangeMs!, atMs) })).filter((s) => s.points.length > 0) };
      }
      return { type: 'vector', samples: series.flatMap((labels) => {
        const value = source.valueAt(labels, atMs);
        return value === undefined ? [] : [{ labels, value }];
      }) };
    }
    case 'call':
      return call(expr, atMs, source);
    case 'aggregate':
      return aggregate(expr.op, expr.grouping, vectorOf(evaluate(expr.expr, atMs, source), expr.op));
    case 'binary':
      return binary(expr.op, evaluate(expr.lhs, atMs, source), evaluate(expr.rhs, atMs, source));
  }
}

/** Evaluates `expr` at every step from start to end: what `/api/v1/query_range` answers (a matrix). */
export function evaluateRange(expr: Expr, startMs: number, endMs: number, stepMs: number, source: SeriesSource): Value & { type: 'matrix' } {
  if (expr.kind === 'selector' && expr.rangeMs !== undefined) throw new PromQlError('a range query takes an instant vector or a scalar, not a range selector');
  const bySeries = new Map<string, { labels: Labels; points: Array<readonly [number, number]> }>();
  for (let t = startMs; t <= endMs; t += stepMs) {
    const value = evaluate(expr, t, source);
    const samples = value.type === 'scalar' ? [{ labels: {}, value: value.value }] : value.type === 'vector' ? value.samples : [];
    for (const s of samples) {
      const k = key(s.labels);
      let entry = bySeries.get(k);
      if (!entry) bySeries.set(k, entry = { labels: s.labels, points: [] });
      entry.points.push([t, s.value]);
    }
  }
  return { type: 'matrix', series: [...bySeries.values()] };
}

function vectorOf(value: Value, what: string): readonly Sample[] {
  if (value.type !== 'vector') throw new PromQlError(`${what} takes an instant vector, not a ${value.type}`);
  return value.samples;
}

function call(expr: Expr & { kind: 'call' }, atMs: number, source: SeriesSource): Value {
  if (expr.fn === 'vector') {
    const arg = evaluate(expr.args[0]!, atMs, source);
    if (arg.type !== 'scalar') throw new PromQlError('vector() takes a scalar');
    return { type: 'vector', samples: [{ labels: {}, value: arg.value }] };
  }
  if (expr.fn === 'rate' || expr.fn === 'increase') {
    const selector = expr.args[0] as Expr & { kind: 'selector' };
    const rangeMs = selector.rangeMs!;
    const samples: Sample[] = [];
    for (const labels of source.select(selector.matchers, atMs)) {
      const increase = source.increase(labels, atMs - rangeMs, atMs);
      if (increase === undefined) continue;
      samples.push({ labels: dropName(labels), value: expr.fn === 'rate' ? increase / (rangeMs / 1000) : increase });
    }
    return { type: 'vector', samples };
  }
  const phi = evaluate(expr.args[0]!, atMs, source);
  if (phi.type !== 'scalar') throw new PromQlError('histogram_quantile() takes a scalar quantile first');
  return { type: 'vector', samples: histogramQuantile(phi.value, vectorOf(evaluate(expr.args[1]!, atMs, source), 'histogram_quantile()')) };
}

/** Prometheus's histogram_quantile over classic buckets (promql/quantile.go), per label set without `le`. */
function histogramQuantile(q: number, samples: readonly Sample[]): Sample[] {
  const groups = new Map<string, { labels: Labels; buckets: Array<{ le: number; count: number }> }>();
  for (const s of samples) {
    const le = s.labels.le;
    if (le === undefined) continue;
    const { le: _le, ...rest } = dropName(s.labels);
    const k = key(rest);
    let group = groups.get(k);
    if (!group) groups.set(k, group = { labels: rest, buckets: [] });
    group.buckets.push({ le: le === '+Inf' ? Infinity : Number(le), count: s.value });
  }
  const out: Sample[] = [];
  for (const { labels, buckets } of groups.values()) out.push({ labels, value: bucketQuantile(q, buckets) });
  return out;
}

function bucketQuantile(q: number, unsorted: ReadonlyArray<{ le: number; count: number }>): number {
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const buckets = [...unsorted].sort((a, b) => a.le - b.le);
  if (buckets.length < 2 || buckets.at(-1)!.le !== Infinity) return Number.NaN;
  // Counts are monotonic in a real histogram; rates of them may not be exactly: make them so.
  for (let i = 1; i < buckets.length; i++) if (buckets[i]!.count < buckets[i - 1]!.count) buckets[i] = { le: buckets[i]!.le, count: buckets[i - 1]!.count };
  const total = buckets.at(-1)!.count;
  if (!(total > 0)) return Number.NaN;
  const rank = q * total;
  const b = buckets.findIndex((bucket) => bucket.count >= rank);
  if (b === buckets.length - 1) return buckets[buckets.length - 2]!.le;
  if (b === 0 && buckets[0]!.le <= 0) return buckets[0]!.le;
  const end = buckets[b]!.le;
  // Exactly at a bucket's upper bound: the bound itself (the interpolation below could round off it).
  if (buckets[b]!.count === rank) return end;
  const start = b === 0 ? 0 : buckets[b - 1]!.le;
  const below = b === 0 ? 0 : buckets[b - 1]!.count;
  return start + (end - start) * ((rank - below) / (buckets[b]!.count - below));
}

function aggregate(op: AggregateOp, grouping: { without: boolean; labels: readonly string[] } | undefined, samples: readonly Sample[]): Value {
  const groups = new Map<string, { labels: Labels; values: number[] }>();
  for (const s of samples) {
    const labels: Record<string, string> = {};
    if (grouping?.without) {
      for (const [k, v] of Object.entries(dropName(s.labels))) if (!grouping.labels.includes(k)) labels[k] = v;
    } else if (grouping) {
      for (const name of grouping.labels) if (s.labels[name] !== undefined && name !== '__name__') labels[name] = s.labels[name];
    }
    const k = key(labels);
    let group = groups.get(k);
    if (!group) groups.set(k, group = { labels, values: [] });
    group.values.push(s.value);
  }
  return { type: 'vector', samples: [...groups.values()].map(({ labels, values }) => ({ labels, value: reduce(op, values) })) };
}

function reduce(op: AggregateOp, values: readonly number[]): number {
  switch (op) {
    case 'sum': return values.reduce((a, b) => a + b, 0);
    case 'avg': return values.reduce((a, b) => a + b, 0) / values.length;
    case 'min': return Math.min(...values);
    case 'max': return Math.max(...values);
    case 'count': return values.length;
  }
}

const arithmetic = (op: BinaryOp, a: number, b: number): number => (op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : a / b);

function binary(op: BinaryOp, lhs: Value, rhs: Value): Value {
  if (lhs.type === 'matrix' || rhs.type === 'matrix') throw new PromQlError(`"${op}" takes scalars or instant vectors, not a range vector`);
  if (op === 'or') {
    if (lhs.type !== 'vector' || rhs.type !== 'vector') throw new PromQlError('"or" takes two instant vectors');
    const seen = new Set(lhs.samples.map((s) => key(dropName(s.labels))));
    return { type: 'vector', samples: [...lhs.samples, ...rhs.samples.filter((s) => !seen.has(key(dropName(s.labels))))] };
  }
  if (lhs.type === 'scalar' && rhs.type === 'scalar') return { type: 'scalar', value: arithmetic(op, lhs.value, rhs.value) };
  if (lhs.type === 'scalar') return { type: 'vector', samples: (rhs as Value & { type: 'vector' }).samples.map((s) => ({ labels: dropName(s.labels), value: arithmetic(op, lhs.value, s.value) })) };
  if (rhs.type === 'scalar') return { type: 'vector', samples: lhs.samples.map((s) => ({ labels: dropName(s.labels), value: arithmetic(op, s.value, rhs.value) })) };
  // One-to-one matching on every label but the metric name.
  const right = new Map<string, number>();
  for (const s of rhs.samples) {
    const k = key(dropName(s.labels));
    if (right.has(k)) throw new PromQlError('many-to-many matching: the right side has two series with the same labels (aggregate it first)');
    right.set(k, s.value);
  }
  const samples: Sample[] = [];
  for (const s of lhs.samples) {
    const labels = dropName(s.labels);
    const other = right.get(key(labels));
    if (other !== undefined) samples.push({ labels, value: arithmetic(op, s.value, other) });
  }
  return { type: 'vector', samples };
}

/**
 * Prometheus's sample value: a string, `NaN` and `+Inf`/`-Inf` as Go writes them; with `digits`, rounded to
 * that many significant digits first (made-up figures carry no more: float noise stays out of the answer).
 */
export function promFloatOf(value: number, digits?: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  return String(digits ? Number(value.toPrecision(digits)) : value);
}

/** A value as the Prometheus HTTP API writes `data` (times in unix seconds). */
export function toApiData(value: Value, atMs: number, digits?: number): { resultType: string; result: unknown } {
  const promFloat = (v: number) => promFloatOf(v, digits);
  switch (value.type) {
    case 'scalar': return { resultType: 'scalar', result: [atMs / 1000, promFloat(value.value)] };
    case 'vector': return { resultType: 'vector', result: value.samples.map((s) => ({ metric: s.labels, value: [atMs / 1000, promFloat(s.value)] })) };
    case 'matrix': return { resultType: 'matrix', result: value.series.map((s) => ({ metric: s.labels, values: s.points.map(([t, v]) => [t / 1000, promFloat(v)]) })) };
  }
}
