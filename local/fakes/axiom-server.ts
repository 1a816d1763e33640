/**
 * A LOCAL FAKE Axiom query API on loopback, for the Axiom logs adapter's tests (never deployed; every answer
 * carries `X-Apollo-Fake: LOCAL FAKE`). Its own node:http server on 127.0.0.1 and a free port. What it speaks
 * of Axiom (https://axiom.co/docs/restapi/endpoints/queryApl and axiomhq/axiom-js `packages/js/src/client.ts`):
 *
 * - `POST /v1/datasets/_apl?format=tabular` with `Authorization: Bearer <token>` (401 otherwise) and, when the
 *   fake is given an org id, `X-Axiom-Org-Id` (403 when it is another), body `{apl, startTime?, endTime?}` (RFC 3339;
 *   a row is in range when startTime <= _time < endTime). Only `format=tabular` is answered (400 for legacy);
 * - the answer: `{format: "tabular", status: {elapsedTime (µs), rowsExamined, rowsMatched, isPartial, minCursor,
 *   maxCursor, …}, tables: [{name: "0", sources: [{name}], fields: [{name, type}], order, groups: [], columns}],
 *   datasetNames}`, `columns` column-major (one array per field, as axiom-js reads them);
 * - errors as Axiom words them: `{code, message}` (400 with `detail: {errorType, message, line, column}` for a
 *   query it cannot read, 404 for an unknown dataset).
 *
 * The APL it reads (an honest subset; anything else is a 400 naming the line and column):
 *
 *     ['dataset'] | where <cond> [and <cond>…] | search "term" | order|sort by _time [asc|desc]
 *                 | take|limit N | project f1, f2…
 *
 * with `<cond>` one of `<field> == "x"`, `<field> != "x"`, `<field> contains|contains_cs|has|has_cs|startswith "x"`,
 * `_time >=|>|<=|< datetime(<RFC 3339>)`, `_time between (datetime(a) .. datetime(b))`; a field is a name or
 * `['name']`; strings in "…" or '…' with backslash escapes. `has` is approximated as a whole-word match. A query
 * without `order by` answers newest first.
 *
 * Tests steer it: `respondNext({status, body, headers})` answers the next query so (429 with X-RateLimit-*, a
 * 500), `delayMs` holds every answer (a timeout), `requests` records what was asked.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAKE_AXIOM_LABEL = 'LOCAL FAKE';
const MAX_BODY = 256 * 1024;

export type FakeAxiomRow = Readonly<Record<string, string | number | boolean | null>> & { readonly _time: string };

export interface FakeAxiomOptions {
  readonly token: string;
  readonly orgId?: string;
  readonly datasets: Readonly<Record<string, readonly FakeAxiomRow[]>>;
}

export interface FakeAxiomRequest {
  readonly apl: string;
  readonly startTime: string | undefined;
  readonly endTime: string | undefined;
  readonly format: string | null;
  readonly orgId: string | undefined;
}

export interface CannedAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A query the subset cannot read: answered 400 with where it stopped. */
export class AplError extends Error {
  constructor(message: string, readonly line: number, readonly column: number) {
    super(message);
  }
}

type Cond = (row: FakeAxiomRow) => boolean;
type Op =
  | { readonly kind: 'where'; readonly test: Cond }
  | { readonly kind: 'order'; readonly desc: boolean }
  | { readonly kind: 'take'; readonly n: number }
  | { readonly kind: 'project'; readonly fields: readonly string[] };
export interface ParsedApl { readonly dataset: string; readonly ops: readonly Op[] }

interface Token { readonly type: 'ident' | 'string' | 'number' | 'punct' | 'bracket'; readonly value: string; readonly at: number }

function tokenize(apl: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < apl.length) {
    const c = apl[i]!;
    if (/\s/.test(c)) { i++; continue; }
    const at = i;
    if (c === '[') {
      // ['name'] or ["name"]: a field or dataset name.
      const m = /^\[\s*(['"])((?:\\.|(?!\1).)*)\1\s*\]/.exec(apl.slice(i));
      if (!m) throw errorAt(apl, at, 'expected [\'name\']');
      tokens.push({ type: 'bracket', value: unescape(m[2]!), at });
      i += m[0].length;
    } else if (c === '"' || c === "'") {
      const m = /^(['"])((?:\\.|(?!\1)[^\\\n])*)\1/.exec(apl.slice(i));
      if (!m) throw errorAt(apl, at, 'unterminated string literal');
      tokens.push({ type: 'string', value: unescape(m[2]!), at });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(apl.slice(i))!;
      tokens.push({ type: 'ident', value: m[0], at });
      i += m[0].length;
      // datetime(2026-12-05T05:45:02.123Z): its argument is raw text up to ')', read as one literal.
      const literal = m[0] === 'datetime' ? /^(\s*\()([^)\n]*)\)/.exec(apl.slice(i)) : null;
      if (literal) {
        tokens.push({ type: 'punct', value: '(', at: i + literal[1]!.length - 1 });
        tokens.push({ type: 'string', value: literal[2]!.trim().replace(/^["']|["']$/g, ''), at: i + literal[1]!.length });
        tokens.push({ type: 'punct', value: ')', at: i + literal[0].length - 1 });
        i += literal[0].length;
      }
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+/.exec(apl.slice(i))!;
      tokens.push({ type: 'number', value: m[0], at });
      i += m[0].length;
    } else {
      const m = /^(==|!=|>=|<=|\.\.|[|,()<>])/.exec(apl.slice(i));
      if (!m) throw errorAt(apl, at, `unexpected character '${c}'`);
      tokens.push({ type: 'punct', value: m[0], at });
      i += m[0].length;
    }
  }
  return tokens;
}

const unescape = (s: string): string => s.replace(/\\(.)/g, (_m, ch: string) => (ch === 'n' ? '\n' : ch === 't' ? '\t' : ch));

function errorAt(apl: string, at: number, message: string): AplError {
  const before = apl.slice(0, at).split('\n');
  return new AplError(message, before.length, before[before.length - 1]!.length + 1);
}

/** Parses the subset; throws AplError naming the line and column of what it cannot read. */
export function parseApl(apl: string): ParsedApl {
  const tokens = tokenize(apl);
  let p = 0;
  const peek = () => tokens[p];
  const fail = (message: string): never => { throw errorAt(apl, peek()?.at ?? apl.length, message); };
  const next = (): Token => tokens[p++] ?? fail('unexpected end of query');
  const keyword = (word: string) => { const t = next(); if (t.type !== 'ident' || t.value.toLowerCase() !== word) { p--; fail(`expected '${word}'`); } };
  const punct = (value: string) => { const t = next(); if (t.type !== 'punct' || t.value !== value) { p--; fail(`expected '${value}'`); } };
  const str = (): string => { const t = next(); if (t.type !== 'string') { p--; fail('expected a string literal'); } return t.value; };
  const field = (): string => { const t = next(); if (t.type !== 'ident' && t.type !== 'bracket') { p--; fail('expected a field name'); } return t.value; };
  const datetime = (): number => {
    keyword('datetime');
    punct('(');
    const raw = str();
    const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(raw) ? Date.parse(raw) : NaN;
    if (!Number.isFinite(ms)) { p--; fail(`datetime(${raw}) is not an RFC 3339 instant`); }
    punct(')');
    return ms;
  };

  const first = next();
  if (first.type !== 'bracket' && first.type !== 'ident') { p--; fail('a query starts with its dataset, e.g. [\'logs\']'); }
  const dataset = first.value;
  const ops: Op[] = [];
  const cond = (): Cond => {
    const name = field();
    const op = next();
    if (name === '_time' && op.type === 'punct' && ['>=', '>', '<=', '<'].includes(op.value)) {
      const ms = datetime();
      const cmp = { '>=': (a: number) => a >= ms, '>': (a: number) => a > ms, '<=': (a: number) => a <= ms, '<': (a: number) => a < ms }[op.value as '>=']!;
      return (row) => cmp(Date.parse(row._time));
    }
    if (name === '_time' && op.type === 'ident' && op.value === 'between') {
      punct('(');
      const a = datetime();
      punct('..');
      const b = datetime();
      punct(')');
      return (row) => { const t = Date.parse(row._time); return t >= a && t <= b; };
    }
    const text = (row: FakeAxiomRow) => { const v = row[name]; return v === undefined || v === null ? undefined : String(v); };
    if (op.type === 'punct' && (op.value === '==' || op.value === '!=')) {
      const value = str();
      return op.value === '==' ? (row) => text(row) === value : (row) => text(row) !== value;
    }
    if (op.type === 'ident') {
      const value = str();
      switch (op.value) {
        case 'contains': return (row) => text(row)?.toLowerCase().includes(value.toLowerCase()) ?? false;
        case 'contains_cs': return (row) => text(row)?.includes(value) ?? false;
        case 'startswith': return (row) => text(row)?.toLowerCase().startsWith(value.toLowerCase()) ?? false;
        case 'has': return (row) => wordIn(text(row), value, 'i');
        case 'has_cs': return (row) => wordIn(text(row), value, '');
        default: break;
      }
    }
    p -= op.type === 'ident' ? 2 : 1;
    return fail(`this fake reads ==, !=, contains, contains_cs, has, has_cs, startswith, and _time compared with datetime(); not '${op.value}'`);
  };

  while (p < tokens.length) {
    punct('|');
    const op = next();
    const word = op.type === 'ident' ? op.value.toLowerCase() : '';
    if (word === 'where') {
      const conds = [cond()];
      while (peek()?.type === 'ident' && peek()!.value === 'and') { p++; conds.push(cond()); }
      ops.push({ kind: 'where', test: (row) => conds.every((c) => c(row)) });
    } else if (word === 'search') {
      const term = str().toLowerCase();
      ops.push({ kind: 'where', test: (row) => Object.values(row).some((v) => v !== null && String(v).toLowerCase().includes(term)) });
    } else if (word === 'order' || word === 'sort') {
      keyword('by');
      const name = field();
      if (name !== '_time') { p--; fail('this fake orders by _time only'); }
      let desc = true;
      if (peek()?.type === 'ident' && ['asc', 'desc'].includes(peek()!.value)) desc = next().value === 'desc';
      ops.push({ kind: 'order', desc });
    } else if (word === 'take' || word === 'limit') {
      const n = next();
      if (n.type !== 'number') { p--; fail('expected a number of rows'); }
      ops.push({ kind: 'take', n: Number(n.value) });
    } else if (word === 'project') {
      const fields = [field()];
      while (peek()?.type === 'punct' && peek()!.value === ',') { p++; fields.push(field()); }
      ops.push({ kind: 'project', fields });
    } else {
      p--;
      fail(`this fake reads where, search, order by, sort by, take, limit and project; not '${op.value}'`);
    }
  }
  return { dataset, ops };
}

function wordIn(text: string | undefined, word: string, flags: string): boolean {
  if (text === undefined) return false;
  return new RegExp(`(^|[^A-Za-z0-9_])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z0-9_])`, flags).test(text);
}

const typeOf = (name: string, values: readonly unknown[]): string => {
  if (name === '_time') return 'datetime';
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length && present.every((v) => typeof v === 'boolean')) return 'boolean';
  if (present.length && present.every((v) => Number.isInteger(v))) return 'integer';
  if (present.length && present.every((v) => typeof v === 'number')) return 'float';
  return 'string';
};

export class FakeAxiomServer {
  /** Every query asked, in order. */
  readonly requests: FakeAxiomRequest[] = [];
  /** Holds every answer this long (a slow query). */
  delayMs = 0;
  private readonly canned: CannedAnswer[] = [];

  private readonly server: Server = createServer((req, res) => { void this.handle(req, res); });
  private port = 0;

  private constructor(private readonly options: FakeAxiomOptions) {}

  static async start(options: FakeAxiomOptions): Promise<FakeAxiomServer> {
    const fake = new FakeAxiomServer(options);
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(0, '127.0.0.1', () => resolve());
    });
    fake.port = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  /** Its base URL, e.g. http://127.0.0.1:41234 (APOLLO_AXIOM_API_URL). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Answers the next query (after its token is checked) with this instead. */
  respondNext(answer: CannedAnswer): void {
    this.canned.push(answer);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown, headers: Readonly<Record<string, string>> = {}) => {
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json', 'x-apollo-fake': FAKE_AXIOM_LABEL, ...headers });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', 'http://fake');
    if (req.method !== 'POST' || url.pathname !== '/v1/datasets/_apl') return send(404, { code: 404, message: 'not found' });
    if (req.headers.authorization !== `Bearer ${this.options.token}`) return send(401, { code: 401, message: 'invalid token' });
    const orgId = typeof req.headers['x-axiom-org-id'] === 'string' ? req.headers['x-axiom-org-id'] : undefined;
    if (this.options.orgId && orgId !== undefined && orgId !== this.options.orgId) return send(403, { code: 403, message: 'forbidden' });
    let body: { apl?: unknown; startTime?: unknown; endTime?: unknown };
    try {
      body = JSON.parse(await readBody(req)) as typeof body;
    } catch {
      return send(400, { code: 400, message: 'invalid request body: not JSON' });
    }
    if (typeof body.apl !== 'string' || !body.apl) return send(400, { code: 400, message: 'apl is required' });
    const startTime = typeof body.startTime === 'string' ? body.startTime : undefined;
    const endTime = typeof body.endTime === 'string' ? body.endTime : undefined;
    this.requests.push({ apl: body.apl, startTime, endTime, format: url.searchParams.get('format'), orgId });
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    const canned = this.canned.shift();
    if (canned) return send(canned.status, canned.body, canned.headers);
    if (url.searchParams.get('format') !== 'tabular') return send(400, { code: 400, message: 'this fake answers format=tabular only' });
    let parsed: ParsedApl;
    try {
      parsed = parseApl(body.apl);
    } catch (error) {
      if (!(error instanceof AplError)) throw error;
      const message = `${error.message} (line ${error.line}, column ${error.column})`;
      return send(400, { code: 400, message, detail: { errorType: 1, message: error.message, line: error.line, column: error.column } });
    }
    const rows = this.options.datasets[parsed.dataset];
    if (!rows) return send(404, { code: 404, message: `dataset '${parsed.dataset}' not found` });
    return send(200, this.run(parsed, rows, startTime, endTime));
  }

  private run(query: ParsedApl, all: readonly FakeAxiomRow[], startTime: string | undefined, endTime: string | undefined): unknown {
    const from = startTime ? Date.parse(startTime) : -Infinity;
    const to = endTime ? Date.parse(endTime) : Infinity;
    const examined = all.filter((row) => { const t = Date.parse(row._time); return t >= from && t < to; });
    let rows: Record<string, unknown>[] = [...examined].sort((a, b) => Date.parse(b._time) - Date.parse(a._time));
    let matched: number | undefined;
    let order: { name: string; desc: boolean }[] = [{ name: '_time', desc: true }];
    let fields: string[] | undefined;
    for (const op of query.ops) {
      if (op.kind === 'where') rows = rows.filter((row) => op.test(row as FakeAxiomRow));
      else if (op.kind === 'order') {
        rows.sort((a, b) => (Date.parse(String(a._time)) - Date.parse(String(b._time))) * (op.desc ? -1 : 1));
        order = [{ name: '_time', desc: op.desc }];
      } else if (op.kind === 'take') {
        matched ??= rows.length;
        rows = rows.slice(0, op.n);
      } else {
        fields = [...op.fields];
        rows = rows.map((row) => Object.fromEntries(op.fields.map((f) => [f, row[f] ?? null])));
      }
    }
    fields ??= [...new Set(rows.flatMap((row) => Object.keys(row)))].sort((a, b) => (a === '_time' ? -1 : b === '_time' ? 1 : a.localeCompare(b)));
    const times = rows.map((row) => String(row._time ?? '')).filter(Boolean).sort();
    return {
      format: 'tabular',
      status: {
        elapsedTime: 1200,
        blocksExamined: 1,
        blocksCached: 0,
        blocksMatched: 1,
        rowsExamined: examined.length,
        rowsMatched: matched ?? rows.length,
        numGroups: 0,
        isPartial: false,
        cacheStatus: 1,
        minCursor: '0d8q6stroluyo-07c3957e7400015c-0000c875',
        maxCursor: '0d8q6stroluyo-07c3957e7400015c-0000c877',
        ...(times.length ? { minBlockTime: times[0], maxBlockTime: times[times.length - 1] } : {}),
      },
      tables: [{
        name: '0',
        sources: [{ name: query.dataset }],
        fields: fields.map((name) => ({ name, type: typeOf(name, rows.map((row) => row[name])) })),
        order,
        groups: [],
        columns: fields.map((name) => rows.map((row) => row[name] ?? null)),
      }],
      datasetNames: [query.dataset],
      fieldsMetaMap: {},
    };
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
