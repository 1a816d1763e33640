/**
 * PagerDuty's REST API v2, the part the incidents context uses (PROTOCOLS.md §4): acknowledging and resolving
 * an incident that came from PagerDuty, adding a note to it, reading it.
 *
 * - every call: `Authorization: Token token=<key>`, `Accept: application/vnd.pagerduty+json;version=2`;
 *   writes also `Content-Type: application/json` and `From: <email of the PagerDuty user acting>` (required
 *   with an account API key: 400 code 2016 without it);
 * - `setStatus`: `PUT /incidents/{id}` `{"incident":{"type":"incident_reference","status":"acknowledged"|"resolved"}}`
 *   -> 200 `{incident}` (PagerDuty/API_Ruby_Examples update_incident.rb);
 * - `addNote`: `POST /incidents/{id}/notes` `{"note":{"content":"…"}}` -> 201 `{note:{id,user,content,created_at}}`
 *   (go-pagerduty `CreateIncidentNoteWithContext`);
 * - `getIncident`: `GET /incidents/{id}` -> 200 `{incident}`.
 *
 * Failures are named (shared/errors.ts): 401/403 PagerDutyKeyRejectedError (503: Apollo's key, not the
 * caller, is at fault), 404 PagerDutyNotFoundError, other 4xx PagerDutyRejectedError (422, PagerDuty's
 * words), 429 waited out once (its `Retry-After`, else `ratelimit-reset` seconds: PagerDuty's header) then
 * PagerDutyRateLimitedError (429), 5xx, network errors, timeouts and unreadable answers
 * PagerDutyUnavailableError (503). Nothing else is retried: a write PagerDuty failed on may have happened.
 * A call given a `deadline` ends by it, its 429 wait included: a caller waiting on PagerDuty within a Lambda's
 * timeout (an acknowledge, its note after it) shares one budget between its calls.
 */
import { NotFoundError, ServiceUnavailableError, TooManyRequestsError, UnprocessableError } from '#shared/errors';
import { networkError } from '#lib/network-errors';
import type { PagerDutyIncidentStatus, PagerDutyReference, PagerDutySignalIncident, PagerDutyUrgency } from '../pagerduty-events.ts';

export const PAGERDUTY_API_URL = 'https://api.pagerduty.com';
/** Where the local runtime points Apollo at its fake PagerDuty (local/fakes/pagerduty-server.ts). */
export const PAGERDUTY_API_URL_ENV = 'APOLLO_PAGERDUTY_API_URL';
export const PAGERDUTY_ACCEPT = 'application/vnd.pagerduty+json;version=2';
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RETRY_WAIT_MS = 5_000;
/** The least a try after a 429's wait is given; less left before the deadline: the 429 is the answer. */
const MIN_ATTEMPT_MS = 500;

/** What a failed call carries besides its message: PagerDuty's HTTP status (0: no answer) and error code. */
interface PagerDutyFailure {
  readonly status: number;
  /** PagerDuty's `error.code` (e.g. 2016: no From), when it said one. */
  readonly pagerDutyCode: number | undefined;
}

/** No API key to call with. */
export class PagerDutyNotConfiguredError extends ServiceUnavailableError implements PagerDutyFailure {
  readonly status = 0;
  readonly pagerDutyCode = undefined;
}

/** 401/403: PagerDuty refuses the API key (wrong, revoked, read-only for a write, or lacking the access). */
export class PagerDutyKeyRejectedError extends ServiceUnavailableError implements PagerDutyFailure {
  constructor(message: string, readonly status: number, readonly pagerDutyCode: number | undefined) {
    super(message);
  }
}

export class PagerDutyNotFoundError extends NotFoundError implements PagerDutyFailure {
  constructor(message: string, readonly status: number, readonly pagerDutyCode: number | undefined) {
    super(message);
  }
}

/** Another 4xx: PagerDuty read the request and refused it (no From, an unknown From user, an incident already resolved…). */
export class PagerDutyRejectedError extends UnprocessableError implements PagerDutyFailure {
  constructor(message: string, readonly status: number, readonly pagerDutyCode: number | undefined, readonly errors: readonly string[]) {
    super(message);
  }
}

/** 429 again after waiting once (or a wait longer than the client will). */
export class PagerDutyRateLimitedError extends TooManyRequestsError implements PagerDutyFailure {
  readonly status = 429;
  constructor(message: string, readonly pagerDutyCode: number | undefined, retryAfterSeconds: number | undefined) {
    super(message, retryAfterSeconds === undefined ? {} : { retryAfterSeconds });
  }
}

/** 5xx, no answer (network, timeout) or an answer that is not PagerDuty's JSON. */
export class PagerDutyUnavailableError extends ServiceUnavailableError implements PagerDutyFailure {
  constructor(message: string, readonly status: number, readonly pagerDutyCode: number | undefined, options: { cause?: unknown } = {}) {
    super(message, options);
  }
}

export interface PagerDutyNote {
  readonly id: string;
  readonly content: string;
  readonly createdAt: string | null;
  /** The PagerDuty user the note is by (the `From` user). */
  readonly user: PagerDutyReference | null;
}

export interface PagerDutyClientOptions {
  /** @default https://api.pagerduty.com */
  readonly baseUrl?: string;
  /** A REST API key, or a function reading it on each call (a rotated integration secret is picked up). */
  readonly apiKey: string | (() => Promise<string | undefined>);
  /** Where the key comes from, for messages (never the value). @default `the PagerDuty API key` */
  readonly apiKeySource?: string;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Per attempt. @default 10 s */
  readonly timeoutMs?: number;
  /** The longest a 429's Retry-After is waited out (longer: PagerDutyRateLimitedError at once). @default 5 s */
  readonly maxRetryWaitMs?: number;
}

/** What one call may take in all. */
export interface PagerDutyCallOptions {
  /** When (epoch ms) the call ends at the latest, its retry after a 429 included. @default - each attempt its timeoutMs */
  readonly deadline?: number;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => !!value && typeof value === 'object' && !Array.isArray(value);
const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

function referenceOf(value: unknown): PagerDutyReference | null {
  if (!isObject(value)) return null;
  const id = text(value.id);
  return id === null ? null : { id, summary: text(value.summary) ?? text(value.name) };
}

/** An incident as the REST API answers it, in the shape the webhooks' signals carry (pagerduty-events.ts). */
export function incidentFromRest(incident: Json): PagerDutySignalIncident {
  const id = text(incident.id);
  if (id === null) throw new PagerDutyUnavailableError('PagerDuty answered an incident without an id', 200, undefined);
  const service = isObject(incident.service) ? incident.service : {};
  const status = text(incident.status);
  const urgency = text(incident.urgency);
  const assignments = Array.isArray(incident.assignments) ? incident.assignments : [];
  return {
    id,
    number: typeof incident.incident_number === 'number' ? incident.incident_number : null,
    title: text(incident.title) ?? text(incident.summary) ?? id,
    status: status === 'triggered' || status === 'acknowledged' || status === 'resolved' ? (status as PagerDutyIncidentStatus) : null,
    urgency: urgency === 'high' || urgency === 'low' ? (urgency as PagerDutyUrgency) : null,
    priority: isObject(incident.priority) ? text(incident.priority.summary) ?? text(incident.priority.name) : null,
    htmlUrl: text(incident.html_url),
    incidentKey: text(incident.incident_key),
    serviceId: text(service.id),
    serviceSummary: text(service.summary),
    assignees: assignments.map((a) => referenceOf(isObject(a) ? a.assignee : undefined)).filter((r): r is PagerDutyReference => r !== null),
    partial: false,
  };
}

/** Seconds to wait from a 429's headers: `Retry-After` (seconds or a date), else PagerDuty's `ratelimit-reset` (seconds). */
function waitSeconds(headers: Headers): number | undefined {
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+$/.test(retryAfter)) return Number(retryAfter);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, Math.ceil((at - Date.now()) / 1000));
  }
  const reset = headers.get('ratelimit-reset')?.trim();
  return reset && /^\d+$/.test(reset) ? Number(reset) : undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class PagerDutyClient {
  readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;
  private readonly maxRetryWaitMs: number;
  private readonly apiKeySource: string;

  constructor(private readonly options: PagerDutyClientOptions) {
    this.baseUrl = (options.baseUrl ?? PAGERDUTY_API_URL).replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxRetryWaitMs = options.maxRetryWaitMs ?? DEFAULT_MAX_RETRY_WAIT_MS;
    this.apiKeySource = options.apiKeySource ?? 'the PagerDuty API key';
    if (!/^https?:\/\//.test(this.baseUrl)) throw new Error(`the PagerDuty API URL must be http(s): ${this.baseUrl}`);
  }

  /** Acknowledges or resolves the incident as the PagerDuty user whose email is `fromEmail`; the incident after. */
  async setStatus(incidentId: string, status: 'acknowledged' | 'resolved', fromEmail: string, options: PagerDutyCallOptions = {}): Promise<PagerDutySignalIncident> {
    const body = await this.call('PUT', `/incidents/${this.idPath(incidentId)}`, options, { incident: { type: 'incident_reference', status } }, fromEmail);
    if (!isObject(body.incident)) throw new PagerDutyUnavailableError('PagerDuty answered the incident update without the incident', 200, undefined);
    return incidentFromRest(body.incident);
  }

  /** Adds a note to the incident, by the PagerDuty user whose email is `fromEmail`. */
  async addNote(incidentId: string, content: string, fromEmail: string, options: PagerDutyCallOptions = {}): Promise<PagerDutyNote> {
    const body = await this.call('POST', `/incidents/${this.idPath(incidentId)}/notes`, options, { note: { content } }, fromEmail);
    const note = isObject(body.note) ? body.note : undefined;
    const id = note ? text(note.id) : null;
    if (!note || id === null) throw new PagerDutyUnavailableError('PagerDuty answered the new note without it', 201, undefined);
    return { id, content: typeof note.content === 'string' ? note.content : content, createdAt: text(note.created_at), user: referenceOf(note.user) };
  }

  async getIncident(incidentId: string, options: PagerDutyCallOptions = {}): Promise<PagerDutySignalIncident> {
    const body = await this.call('GET', `/incidents/${this.idPath(incidentId)}`, options);
    if (!isObject(body.incident)) throw new PagerDutyUnavailableError('PagerDuty answered without the incident', 200, undefined);
    return incidentFromRest(body.incident);
  }

  private idPath(incidentId: string): string {
    if (!incidentId.trim()) throw new PagerDutyNotFoundError('no PagerDuty incident id given', 0, undefined);
    return encodeURIComponent(incidentId.trim());
  }

  private async apiKey(): Promise<string> {
    const key = typeof this.options.apiKey === 'string' ? this.options.apiKey : await this.options.apiKey();
    if (!key) throw new PagerDutyNotConfiguredError(`PagerDuty is not configured: no API key (${this.apiKeySource})`);
    return key;
  }

  private async call(method: 'GET' | 'PUT' | 'POST', path: string, { deadline = Number.POSITIVE_INFINITY }: PagerDutyCallOptions, body?: unknown, fromEmail?: string): Promise<Json> {
    const headers: Record<string, string> = { authorization: `Token token=${await this.apiKey()}`, accept: PAGERDUTY_ACCEPT };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (fromEmail !== undefined) headers.from = fromEmail;
    const what = `${method} ${path}`;
    for (let attempt = 1; ; attempt++) {
      const timeoutMs = Math.min(this.timeoutMs, deadline - Date.now());
      if (timeoutMs <= 0) throw new PagerDutyUnavailableError(`PagerDuty was not asked ${what}: the time Apollo waits for PagerDuty ran out before it`, 0, undefined);
      let response: Response;
      try {
        response = await this.fetchFn(`${this.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
      } catch (error) {
        const timedOut = (error as { name?: string }).name === 'TimeoutError';
        throw new PagerDutyUnavailableError(timedOut ? `PagerDuty did not answer ${what} within ${Number((timeoutMs / 1000).toFixed(1))} s` : `PagerDuty could not be reached (${what}): ${networkError(error)}`, 0, undefined, { cause: error });
      }
      const raw = await response.text().catch(() => '');
      let parsed: unknown;
      try {
        parsed = raw ? JSON.parse(raw) : {};
      } catch {
        parsed = undefined;
      }
      if (response.ok) {
        if (!isObject(parsed)) throw new PagerDutyUnavailableError(`PagerDuty answered ${what} with something that is not JSON (${response.status})`, response.status, undefined);
        return parsed;
      }
      const error = isObject(parsed) && isObject(parsed.error) ? parsed.error : {};
      const code = typeof error.code === 'number' ? error.code : undefined;
      const errors = Array.isArray(error.errors) ? error.errors.filter((e): e is string => typeof e === 'string') : [];
      const said = [text(error.message) ?? (raw.slice(0, 200) || response.statusText), ...errors].filter(Boolean).join(': ');
      const status = response.status;
      if (status === 429) {
        const wait = waitSeconds(response.headers);
        // Waited out only when the wait leaves the next try some time before the deadline.
        if (attempt === 1 && (wait ?? 0) * 1000 <= this.maxRetryWaitMs && Date.now() + (wait ?? 1) * 1000 < deadline - MIN_ATTEMPT_MS) {
          await sleep((wait ?? 1) * 1000);
          continue;
        }
        throw new PagerDutyRateLimitedError(`PagerDuty is rate limiting Apollo (${what})${wait !== undefined ? `: try again in ${wait} s` : ''}`, code, wait);
      }
      if (status === 401 || status === 403) throw new PagerDutyKeyRejectedError(`PagerDuty rejected the API key (${this.apiKeySource}) for ${what}: ${status} ${said}`, status, code);
      if (status === 404) throw new PagerDutyNotFoundError(`PagerDuty has no ${path.startsWith('/incidents/') ? `incident ${decodeURIComponent(path.split('/')[2] ?? '')}` : path} (${said})`, status, code);
      if (status >= 500) throw new PagerDutyUnavailableError(`PagerDuty failed ${what}: ${status} ${said}`, status, code);
      throw new PagerDutyRejectedError(`PagerDuty refused ${what}: ${status} ${said}`, status, code, errors);
    }
  }
}
