/**
 * The logs port on Axiom (APL), where configured (APOLLO_LOGS_BACKEND=axiom). What it relies on of Axiom's API,
 * as documented (https://axiom.co/docs/restapi/endpoints/queryApl, axiomhq/axiom-js `packages/js/src/client.ts`,
 * axiomhq/axiom-go `axiom/error.go`, `axiom/limit.go`, `axiom/query/result.go`):
 * - `POST {apiUrl}/v1/datasets/_apl?format=tabular`, `Authorization: Bearer <token>`, `X-Axiom-Org-Id` when an org
 *   is configured (a personal token needs it, an API token does not), body `{apl, startTime, endTime}` (RFC 3339);
 * - the answer `{status: {rowsMatched, rowsExamined, isPartial, …}, tables: [{fields: [{name, type}], columns}]}`,
 *   `columns` column-major (one array per field); Axiom reports no bytes scanned (bytesScanned stays 0);
 * - errors `{code?, message}` (a query it cannot compile: 400, with `detail: {message, line, column}`); 401 a bad
 *   token, 403 a token without access, 429 or 430 (Axiom's own) a rate or query limit with `X-RateLimit-Reset` /
 *   `X-QueryLimit-Reset` (unix seconds).
 *
 * APL queries are synchronous, Apollo's log queries are 202 → poll → results, and a poll may land on another Lambda
 * instance. So startQuery runs the query there and then, with a deadline below the Lambda's own timeout
 * (APOLLO_AXIOM_QUERY_TIMEOUT_SECONDS, default 8 s for the default 10 s Lambda), and keeps its outcome in the table
 * (`AXIOMRESULT#<id>` / `RESULT`, gzipped rows bounded to MAX_STORED_BYTES, expiring with the query's record);
 * getQueryResults reads it back: Complete, Failed (Axiom's message) or Timeout. Nothing runs after startQuery
 * returns, so stopQuery has nothing to stop and answers false (the API then answers 409: the query has ended). A
 * query Axiom refuses (400) is a 400 at once, as CloudWatch's malformed queries are.
 *
 * Scope: the caller's APL is a pipeline over the service's rows only. It is appended, on lines of its own, to
 * `['<dataset>'] | where _time … | where ['<service field>'] == "<service>" and ['<environment field>'] == "<env>"`
 * and followed by `| take <limit>`. A query naming the dataset anywhere but at its start (a subquery over other
 * services' rows), or using an operator that reads another table (union, join, lookup, let, toscalar, …), is
 * refused. This text check does not see another dataset named inside a subquery: the token must be an API token
 * that may query this one dataset only. That, not the check, is the boundary.
 *
 * filterEvents (a service's lines page by page) asks `… | where ['<message field>'] contains_cs "<term>" | order by
 * _time asc | take <limit + skip + 1>`; its token is the last line's `_time` and how many lines at that instant the
 * pages so far returned. Axiom promises no order among rows of one instant, so a page break inside such a tie may
 * repeat or skip one of them (rare: _time has nanoseconds).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ulid } from 'ulidx';
import { getItem, putNew } from '#lib/table';
import { networkError } from '#lib/network-errors';
import { ServiceUnavailableError, TooManyRequestsError, ValidationError } from '#shared/errors';
import type { AxiomLogsConfig } from '../config.ts';
import type { FilteredEvents, FilterEventsInput, LogField, LogScope, LogsPort, QueryResults, StartQueryInput } from '../ports.ts';

/** A stored result's rows, gzipped, stay under this (a DynamoDB item holds 400 KB). */
export const MAX_STORED_BYTES = 300_000;
/** Operators that read a table other than the piped rows: refused in a caller's query. */
const OTHER_TABLES = ['union', 'join', 'lookup', 'externaldata', 'find', 'let', 'declare', 'materialize', 'toscalar'];
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const NO_STATS = { recordsMatched: 0, recordsScanned: 0, bytesScanned: 0 } as const;

/** Axiom refused Apollo's token (401) or its access (403): Apollo's configuration to fix, not the caller's (a 500). */
export class AxiomConfigurationError extends Error {
  override readonly name = 'AxiomConfigurationError';
}

/** An answer of Axiom that is not a result: its status and message. */
class AxiomAnswerError extends Error {
  constructor(message: string, readonly status: number, readonly detail: string) {
    super(message);
  }
}

interface TabularAnswer {
  status?: { rowsMatched?: number; rowsExamined?: number; isPartial?: boolean };
  tables?: Array<{ fields?: Array<{ name?: string }>; columns?: unknown[][] }>;
}

interface StoredResult {
  PK: string;
  SK: 'RESULT';
  status: 'Complete' | 'Failed' | 'Timeout';
  rows?: Uint8Array;
  statistics: { recordsMatched: number; recordsScanned: number; bytesScanned: number };
  error?: string;
  expiresAt: number;
  [key: string]: unknown;
}

const keyOf = (id: string) => ({ PK: `AXIOMRESULT#${id}`, SK: 'RESULT' as const });
/** An APL string literal. */
const str = (value: string): string => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`;
/** An APL field reference (config.ts keeps quotes and backslashes out of field names). */
const field = (name: string): string => `['${name}']`;
const iso = (ms: number): string => new Date(ms).toISOString();
const text = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** The Axiom API token: from Secrets Manager (the token, or JSON `{"token"}`), read once and kept; the env token locally. */
export class AxiomToken {
  private cached: Promise<string> | undefined;

  constructor(private readonly config: Pick<AxiomLogsConfig, 'tokenSecretArn' | 'token'>, private readonly client?: SecretsManagerClient) {}

  get(options: { refresh?: boolean } = {}): Promise<string> {
    if (options.refresh || !this.cached) {
      const reading = this.read();
      this.cached = reading;
      // A failed read is asked again next time.
      reading.catch(() => { if (this.cached === reading) this.cached = undefined; });
    }
    return this.cached;
  }

  private async read(): Promise<string> {
    const arn = this.config.tokenSecretArn;
    if (!arn) {
      if (!this.config.token) throw new AxiomConfigurationError('no Axiom token: set APOLLO_AXIOM_TOKEN_SECRET_ARN or APOLLO_AXIOM_TOKEN');
      return this.config.token;
    }
    let raw: string | undefined;
    try {
      const out = await (this.client ?? new SecretsManagerClient({})).send(new GetSecretValueCommand({ SecretId: arn }));
      raw = out.SecretString?.trim();
    } catch (error) {
      throw new AxiomConfigurationError(`reading the Axiom token secret ${arn} failed (${(error as { name?: string }).name ?? 'error'})`, { cause: error });
    }
    let token = raw;
    if (raw?.startsWith('{')) {
      try {
        const parsed = JSON.parse(raw) as { token?: unknown };
        token = typeof parsed.token === 'string' ? parsed.token : undefined;
      } catch {
        token = undefined;
      }
    }
    if (!token) throw new AxiomConfigurationError(`the secret ${arn} holds no Axiom token (the token itself, or JSON {"token"})`);
    return token;
  }
}

export interface AxiomLogsAdapterOptions {
  readonly config: AxiomLogsConfig;
  /** How long a query's stored result is kept, hours (the query's record's own TTL). */
  readonly ttlHours: number;
  readonly token?: AxiomToken;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
}

export class AxiomLogsAdapter implements LogsPort {
  readonly source = 'axiom' as const;
  private readonly config: AxiomLogsConfig;
  private readonly token: AxiomToken;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;

  constructor(private readonly options: AxiomLogsAdapterOptions) {
    this.config = options.config;
    this.token = options.token ?? new AxiomToken(options.config);
    this.fetch = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
  }

  async startQuery(input: StartQueryInput): Promise<string> {
    const apl = this.scopedQuery(input);
    const id = ulid();
    let outcome: Omit<StoredResult, 'PK' | 'SK' | 'expiresAt'>;
    try {
      const answer = await this.query(apl, input.start, input.end, this.config.queryTimeoutSeconds * 1000);
      outcome = this.completed(answer, input.limit);
    } catch (error) {
      if (error instanceof AxiomAnswerError && error.status === 400) {
        throw new ValidationError(`Axiom refused the query: ${error.detail}`, { cause: error, details: [{ path: '/body/query', message: error.detail }] });
      }
      if (isTimeout(error)) {
        outcome = { status: 'Timeout', statistics: { ...NO_STATS }, error: `Axiom did not answer within ${this.config.queryTimeoutSeconds} s: narrow the time range or the query` };
      } else if (error instanceof AxiomAnswerError && error.status >= 400 && error.status < 500) {
        // 404 (the dataset), 413, 422…: the query ran into something neither retry nor rewording fixes at once.
        outcome = { status: 'Failed', statistics: { ...NO_STATS }, error: `Axiom answered ${error.status}: ${error.detail}` };
      } else {
        throw error;
      }
    }
    const expiresAt = Math.floor(this.now() / 1000) + this.options.ttlHours * 3600;
    await putNew({ ...keyOf(id), ...outcome, expiresAt }, `Axiom result ${id} exists`);
    return id;
  }

  async getQueryResults(queryId: string): Promise<QueryResults> {
    const item = ULID.test(queryId) ? await getItem<StoredResult>(keyOf(queryId), { consistent: true }) : undefined;
    if (!item) return { status: 'Unknown', results: [], statistics: { ...NO_STATS }, error: 'the query\'s result is no longer kept' };
    const rows = item.rows ? JSON.parse(gunzipSync(item.rows).toString('utf8')) as LogField[][] : [];
    return { status: item.status, results: rows, statistics: { ...item.statistics }, ...(item.error ? { error: item.error } : {}) };
  }

  /** False: an Axiom query has ended by the time startQuery returns (it ran there, synchronously). */
  stopQuery(_queryId: string): Promise<boolean> {
    return Promise.resolve(false);
  }

  async filterEvents(input: FilterEventsInput): Promise<FilteredEvents> {
    const scope = requireScope(input.scope);
    const { from, skip } = decodeToken(input.nextToken);
    const m = this.config.messageField;
    const apl = [
      `['${this.config.dataset}']`,
      `| where _time >= datetime(${from ?? iso(input.start)}) and _time <= datetime(${iso(input.end)})`,
      `| where ${this.scopeFilter(scope)}`,
      ...input.terms.map((term) => `| where ${field(m)} contains_cs ${str(term)}`),
      '| order by _time asc',
      `| take ${input.limit + skip + 1}`,
    ].join('\n');
    let answer: TabularAnswer;
    try {
      answer = await this.query(apl, input.start, input.end, this.config.queryTimeoutSeconds * 1000);
    } catch (error) {
      if (isTimeout(error)) throw new ServiceUnavailableError(`Axiom did not answer within ${this.config.queryTimeoutSeconds} s`, { cause: error, retryAfterSeconds: 5 });
      if (error instanceof AxiomAnswerError && error.status >= 400 && error.status < 500) {
        // The query is Apollo's own here: Axiom refusing it is a setting to fix (a field name, the dataset).
        throw new AxiomConfigurationError(`Axiom refused the service log query (${error.status}): ${error.detail}; check APOLLO_AXIOM_DATASET and the APOLLO_AXIOM_*_FIELD settings`, { cause: error });
      }
      throw error;
    }
    const rows = records(answer);
    // The first `skip` rows at the cursor's instant were on earlier pages.
    let skipped = 0;
    const fresh = rows.filter((row) => !(from !== undefined && row._time === from && skipped++ < skip));
    const page = fresh.slice(0, input.limit);
    const events = page.map((row) => ({
      timestamp: Date.parse(String(row._time)),
      message: row[m] === undefined || row[m] === null ? JSON.stringify(row) : text(row[m]),
      logGroup: this.config.dataset,
    }));
    if (fresh.length <= input.limit) return { events };
    const last = String(page[page.length - 1]!._time);
    // Lines at the last instant returned so far: on this page, plus those skipped when it starts at that instant too.
    const atLast = page.filter((row) => row._time === last).length + (last === from ? skip : 0);
    return { events, nextToken: JSON.stringify({ t: last, n: atLast }) };
  }

  /** The caller's pipeline over the scoped rows of its service, its range and its limit. */
  private scopedQuery(input: StartQueryInput): string {
    const scope = requireScope(input.scope);
    const pipeline = callerPipeline(input.query, this.config.dataset);
    return [
      `['${this.config.dataset}']`,
      `| where _time >= datetime(${iso(input.start)}) and _time <= datetime(${iso(input.end)})`,
      `| where ${this.scopeFilter(scope)}`,
      ...(pipeline ? [`| ${pipeline}`] : []),
      `| take ${input.limit}`,
    ].join('\n');
  }

  private scopeFilter(scope: LogScope): string {
    return `${field(this.config.serviceField)} == ${str(scope.service)} and ${field(this.config.environmentField)} == ${str(scope.environment)}`;
  }

  private completed(answer: TabularAnswer, limit: number): Omit<StoredResult, 'PK' | 'SK' | 'expiresAt'> {
    const rows = records(answer).slice(0, limit).map((row) => Object.entries(row)
      .filter(([, value]) => value !== null && value !== undefined)
      .map(([name, value]) => ({ field: name, value: text(value) })));
    const statistics = { recordsMatched: answer.status?.rowsMatched ?? rows.length, recordsScanned: answer.status?.rowsExamined ?? 0, bytesScanned: 0 };
    let kept = rows.length;
    let packed = gzipSync(JSON.stringify(rows));
    while (packed.length > MAX_STORED_BYTES && kept > 0) {
      kept = Math.floor(kept * (MAX_STORED_BYTES / packed.length) * 0.9);
      packed = gzipSync(JSON.stringify(rows.slice(0, kept)));
    }
    const notes = [
      ...(kept < rows.length ? [`Axiom answered ${rows.length} rows; the first ${kept} are kept (a stored result holds at most ${MAX_STORED_BYTES / 1000} KB compressed): narrow the query or lower its limit`] : []),
      ...(answer.status?.isPartial ? ['Axiom answered a partial result'] : []),
    ];
    return { status: 'Complete', rows: packed, statistics, ...(notes.length ? { error: notes.join('; ') } : {}) };
  }

  private async query(apl: string, start: number, end: number, timeoutMs: number): Promise<TabularAnswer> {
    let response = await this.post(apl, start, end, timeoutMs, await this.token.get());
    // A rotated token: read the secret again, once.
    if (response.status === 401 && this.config.tokenSecretArn) response = await this.post(apl, start, end, timeoutMs, await this.token.get({ refresh: true }));
    const body = await response.text();
    if (response.ok) {
      try {
        return JSON.parse(body) as TabularAnswer;
      } catch (error) {
        throw new ServiceUnavailableError('Axiom answered something other than JSON', { cause: error, retryAfterSeconds: 5 });
      }
    }
    const detail = axiomMessage(body);
    const status = response.status;
    if (status === 401) throw new AxiomConfigurationError(`Axiom refused Apollo's token (401: ${detail}): check the secret APOLLO_AXIOM_TOKEN_SECRET_ARN names`);
    if (status === 403) throw new AxiomConfigurationError(`Axiom denied Apollo's token access (403: ${detail}): it needs query access to the dataset ${this.config.dataset}${this.config.orgId ? ` in the org ${this.config.orgId}` : ''}`);
    if (status === 429 || status === 430) {
      throw new TooManyRequestsError(`Axiom's ${status === 430 ? 'query' : 'rate'} limit is reached (${detail}); try again shortly`, { retryAfterSeconds: retryAfter(response, this.now()) });
    }
    if (status >= 500) throw new ServiceUnavailableError(`Axiom is unavailable (${status}: ${detail}); try again shortly`, { retryAfterSeconds: 5 });
    throw new AxiomAnswerError(`Axiom answered ${status}: ${detail}`, status, detail);
  }

  private async post(apl: string, start: number, end: number, timeoutMs: number, token: string): Promise<Response> {
    try {
      return await this.fetch(`${this.config.apiUrl}/v1/datasets/_apl?format=tabular`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json',
          ...(this.config.orgId ? { 'x-axiom-org-id': this.config.orgId } : {}),
        },
        body: JSON.stringify({ apl, startTime: iso(start), endTime: iso(end) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      if (isTimeout(error)) throw error;
      throw new ServiceUnavailableError(`could not reach Axiom at ${this.config.apiUrl}: ${networkError(error)}`, { cause: error, retryAfterSeconds: 5 });
    }
  }
}

function requireScope(scope: LogScope | undefined): LogScope {
  // A programming error, not the caller's: every read names its service and environment.
  if (!scope) throw new Error('the Axiom logs backend reads a service\'s rows only: the read names no scope (service and environment)');
  return scope;
}

const isTimeout = (error: unknown): boolean => (error as { name?: string }).name === 'TimeoutError';

/** Axiom's `message` (and its detail's position), else the body's start. */
function axiomMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; detail?: { message?: unknown } };
    if (typeof parsed.message === 'string' && parsed.message) return parsed.message.slice(0, 1000);
    if (typeof parsed.detail?.message === 'string') return parsed.detail.message.slice(0, 1000);
  } catch { /* answered below */ }
  return body.slice(0, 200) || 'no message';
}

function retryAfter(response: Response, now: number): number {
  const after = Number(response.headers.get('retry-after'));
  if (Number.isInteger(after) && after > 0) return after;
  const reset = Number(response.headers.get('x-ratelimit-reset') ?? response.headers.get('x-querylimit-reset'));
  if (Number.isFinite(reset) && reset > 0) return Math.max(1, Math.ceil(reset - now / 1000));
  return 10;
}

/** The first table's rows as records (its columns are column-major). */
function records(answer: TabularAnswer): Array<Record<string, unknown>> {
  const table = answer.tables?.[0];
  if (!table) return [];
  const names = (table.fields ?? []).map((f) => f.name ?? '');
  const columns = table.columns ?? [];
  const count = columns[0]?.length ?? 0;
  return Array.from({ length: count }, (_v, i) => Object.fromEntries(names.map((name, c) => [name, columns[c]?.[i] ?? null])));
}

/** Strips comments and string literals, so a word inside one is not taken for an operator. */
function code(apl: string): string {
  return apl.replace(/"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|\/\/[^\n]*/g, (m) => (m.startsWith('//') ? ' ' : '""'));
}

/** The caller's query as a pipeline over the scoped rows: a leading `['<dataset>'] |` and `|` are dropped. */
export function callerPipeline(query: string, dataset: string): string {
  const refuse = (message: string): never => { throw new ValidationError(message, { details: [{ path: '/body/query', message }] }); };
  const escaped = dataset.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  let pipeline = query.trim().replace(new RegExp(`^(\\[\\s*(['"])${escaped}\\2\\s*\\]|${escaped}(?![A-Za-z0-9_.-]))\\s*`), '').replace(/^\|\s*/, '').trim();
  const body = code(pipeline);
  if (/;/.test(body)) refuse('a log query is one APL pipeline: no ";" between statements');
  const other = new RegExp(`\\b(${OTHER_TABLES.join('|')})\\b`, 'i').exec(body);
  if (other) refuse(`a log query reads the service's own rows only: "${other[1]}" reads another table`);
  for (const [, , name] of pipeline.matchAll(/\[\s*(['"])((?:\\.|(?!\1).)*)\1\s*\]/g)) {
    if (name === dataset) refuse(`a log query is a pipeline over the service's rows: ['${dataset}'] may only lead it`);
  }
  if (new RegExp(`(^|[^A-Za-z0-9_.'"-])${escaped}([^A-Za-z0-9_.'"-]|$)`).test(body)) refuse(`a log query is a pipeline over the service's rows: ${dataset} may only lead it`);
  // The caller's last line may be a comment: the limit goes on a line of its own anyway.
  pipeline = pipeline.replace(/\s+$/, '');
  return pipeline;
}

function decodeToken(token: string | undefined): { from: string | undefined; skip: number } {
  if (token === undefined) return { from: undefined, skip: 0 };
  try {
    const parsed = JSON.parse(token) as { t?: unknown; n?: unknown };
    if (typeof parsed.t === 'string' && RFC3339.test(parsed.t) && Number.isInteger(parsed.n) && (parsed.n as number) >= 0 && (parsed.n as number) <= 10_000) {
      return { from: parsed.t, skip: parsed.n as number };
    }
  } catch { /* answered below */ }
  throw new ValidationError('cursor is not one this API gave', { details: [{ path: '/query/cursor', message: 'not a cursor from a previous page' }] });
}
