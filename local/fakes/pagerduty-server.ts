/**
 * A LOCAL FAKE PagerDuty on loopback, for the incidents context's tests and `npm start` (an alert fires
 * here, Apollo opens an incident from its webhook; acknowledging or resolving it in Apollo calls back).
 * Its own node:http server on a free port; every answer carries `X-Apollo-Fake: LOCAL FAKE`. What it speaks
 * of PagerDuty (PROTOCOLS.md §4):
 *
 * - REST API v2, `Authorization: Token token=<key>` (else 401 `{"error":{"message":"Authentication
 *   failed","code":2006}}`) and `Accept: application/vnd.pagerduty+json;version=2` (else 406: stricter than
 *   PagerDuty, which defaults the version, so Apollo's client is held to sending it):
 *   `GET /incidents` (`statuses[]`, `incident_key`, `service_ids[]`, `limit`, `offset`, `total`),
 *   `GET /incidents/{id}`, `PUT /incidents/{id}` (`{"incident":{"type":"incident_reference","status":
 *   "acknowledged"|"resolved"}}`), `GET|POST /incidents/{id}/notes` (`{"note":{"content"}}` -> 201). Writes
 *   want `From: <email>` (400 code 2016 as PagerDuty words it when missing; 1028 `Malformed "From" header`,
 *   go-pagerduty#336); any well-formed address is a user of this fake (made up on first use). Unknown
 *   ids: 404 `Not Found` code 2100. **UNCONFIRMED** wording: `Authentication failed` (2006), and a
 *   resolved incident's update refused as 400 `Invalid Input Provided` (2001) `["Incident Already Resolved"]`.
 * - signed v3 webhooks to a configured URL (Apollo's `/api/v1/webhooks/pagerduty`): `incident.triggered`
 *   (agent: the service), `incident.acknowledged` / `incident.resolved` / `incident.annotated` (agent: the
 *   user who did it, through the API or this page). Headers `X-PagerDuty-Signature: v1=<hex HMAC-SHA256>`
 *   (one per configured secret, comma-separated), `X-Webhook-Id` (the same on a retry),
 *   `X-Webhook-Subscription`, `User-Agent: PagerDuty-Webhook/V3.0`, `Content-Type: application/json`; a
 *   failed delivery (network, 429, 5xx) is retried twice.
 *
 * For people and tests, loopback callers only: `GET /` (a page titled "Local fake PagerDuty": the
 * incidents, a button to trigger HighErrorRate on core-service, acknowledge and resolve buttons, the
 * webhooks sent), `POST /_control/trigger` (`title`, `serviceId`, `serviceSummary`, `urgency`, `incidentKey`;
 * all optional: the demo alert), `POST /_control/incidents/{id}/acknowledge|resolve` (`email`: who; the
 * page's responder by default), as forms (303 back to the page) or JSON, and `GET /_control/state`
 * (incidents, counters, deliveries). Tests may also call the same methods in process.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFakeBody, sendFakeAnswer } from './fake-http.ts';
import { join } from 'node:path';
import { FileIntegrationSecrets, memoryIntegrationSecrets } from '#functions/requests/adapters/local-secrets';
import { EGRESS_ALLOW_ENV } from '#functions/requests/actions/ssrf';
import { PAGERDUTY_ACCEPT, PAGERDUTY_API_URL_ENV } from '#functions/incidents/adapters/pagerduty-rest';
import { pagerDutySecretsOf, pagerDutySignature } from '#functions/incidents/adapters/pagerduty-signature';
import { PAGERDUTY_API_KEY_SECRET, PAGERDUTY_WEBHOOK_SECRET } from '#functions/incidents/deps';

export const FAKE_PAGERDUTY_LABEL = 'LOCAL FAKE';
export const FAKE_PAGERDUTY_TITLE = 'Local fake PagerDuty';
// The integration secrets the incidents context reads: the webhook signing secret(s) and the REST API key.
export { PAGERDUTY_API_KEY_SECRET, PAGERDUTY_WEBHOOK_SECRET };
/** The alert the page's button fires (and `trigger()` with no title). */
export const DEMO_TRIGGER = {
  title: 'HighErrorRate: core-service error rate above 5% in prod',
  serviceId: 'PCORE01',
  serviceSummary: 'core-service (prod)',
  urgency: 'high',
  incidentKey: 'HighErrorRate/core-service/prod',
} as const;
export const FAKE_WEBHOOK_SUBSCRIPTION = 'PFAKE01';
const USER_AGENT = 'PagerDuty-Webhook/V3.0';
const ESCALATION_POLICY = { id: 'PFAKEEP', summary: 'Default (LOCAL FAKE)' };
const MAX_BODY = 1024 * 1024;
const WEBHOOK_RETRIES = 2;
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const EMAIL = /^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;"]+$/;

export interface FakePagerDutyUser {
  readonly id: string;
  readonly name: string;
  readonly email: string;
}

/** The on-call responder: incidents are assigned to them, and the page acts as them. */
export const FAKE_RESPONDER: FakePagerDutyUser = { id: 'PRESP01', name: 'Local Responder', email: 'responder@local-fake-pagerduty.test' };

export type FakeIncidentStatus = 'triggered' | 'acknowledged' | 'resolved';

export interface FakePagerDutyNote {
  readonly id: string;
  readonly user: FakePagerDutyUser;
  readonly content: string;
  readonly createdAt: string;
}

export interface FakePagerDutyIncident {
  readonly id: string;
  readonly number: number;
  readonly title: string;
  status: FakeIncidentStatus;
  readonly urgency: 'high' | 'low';
  readonly incidentKey: string;
  readonly serviceId: string;
  readonly serviceSummary: string;
  readonly createdAt: string;
  updatedAt: string;
  lastStatusChangeAt: string;
  /** Null: the service (the trigger). */
  lastStatusChangeBy: FakePagerDutyUser | null;
  assignees: FakePagerDutyUser[];
  acknowledgements: { at: string; by: FakePagerDutyUser }[];
  resolvedAt: string | null;
  readonly notes: FakePagerDutyNote[];
}

export interface FakePagerDutyTrigger {
  readonly title?: string;
  readonly serviceId?: string;
  readonly serviceSummary?: string;
  readonly urgency?: 'high' | 'low';
  readonly incidentKey?: string;
}

export interface FakePagerDutyDelivery {
  /** X-Webhook-Id: the same on every retry. */
  readonly id: string;
  readonly eventType: string;
  readonly incidentId: string;
  readonly body: string;
  attempts: number;
  /** The last answer's status (0: no answer). */
  status: number;
  /** The last answer's body (at most 2,000 characters). */
  response: string;
}

export interface FakePagerDutyCounters {
  incidentsTriggered: number;
  deduplicated: number;
  statusChanges: number;
  notesAdded: number;
  webhooksSent: number;
}

export interface FakePagerDutyOptions {
  /** Accepted as `Authorization: Token token=<apiKey>`. */
  readonly apiKey: string;
  /** Sign the webhooks, one `v1=` each (two while rotating); none: unsigned. */
  readonly webhookSecrets?: readonly string[];
  /** Where webhooks go; none: no webhooks (set later with sendWebhooksTo). */
  readonly webhookUrl?: string;
  /** Where the incidents are kept across restarts (JSON); absent: memory only. */
  readonly stateFile?: string;
  readonly host?: string;
  /** Milliseconds before a failed webhook is sent again (default 200). */
  readonly webhookRetryMs?: number;
}

interface Answer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A failure the fake answers instead of the API (tests of retries and outages). */
interface FailRule {
  readonly method: string | undefined;
  readonly path: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  remaining: number;
}

class FakeInputError extends Error {}

/** PagerDuty's error body: `{"error":{"message","code","errors"?}}`. */
const errorBody = (message: string, code?: number, errors?: string[]) => ({ error: { message, ...(code !== undefined ? { code } : {}), ...(errors ? { errors } : {}) } });
const invalid = (...errors: string[]): Answer => ({ status: 400, body: errorBody('Invalid Input Provided', 2001, errors) });

const esc = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** PagerDuty-like ids: a letter, then upper-case letters and digits. */
function pdId(prefix: string, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return prefix + [...randomBytes(length)].map((b) => alphabet[b % alphabet.length]).join('');
}

export class FakePagerDuty {
  readonly counters: FakePagerDutyCounters = { incidentsTriggered: 0, deduplicated: 0, statusChanges: 0, notesAdded: 0, webhooksSent: 0 };
  /** Every API request's method and path (with query), in order. */
  readonly requests: string[] = [];
  /** Every webhook sent, oldest first. */
  readonly deliveries: FakePagerDutyDelivery[] = [];
  private readonly incidentsById = new Map<string, FakePagerDutyIncident>();
  private readonly usersByEmail = new Map<string, FakePagerDutyUser>([[FAKE_RESPONDER.email, FAKE_RESPONDER]]);
  private readonly failRules: FailRule[] = [];
  private nextNumber = 1;
  private webhookUrl: string | undefined;
  private webhookSecrets: readonly string[];
  /** Webhooks go out one at a time, in order (PagerDuty keeps an incident's webhooks in order). */
  private queue: Promise<void> = Promise.resolve();
  private server!: Server;
  url = '';

  private constructor(private readonly options: FakePagerDutyOptions) {
    if (!options.apiKey) throw new Error('the fake PagerDuty needs an API key');
    this.webhookUrl = options.webhookUrl;
    this.webhookSecrets = (options.webhookSecrets ?? []).filter(Boolean);
    this.load();
  }

  static async start(options: FakePagerDutyOptions): Promise<FakePagerDuty> {
    const fake = new FakePagerDuty(options);
    fake.server = createServer((req, res) => {
      void fake.serve(req, res).catch((error: unknown) => {
        console.error('[fake-pagerduty] request failed:', error);
        if (!res.headersSent) send(res, { status: 500, body: errorBody('Internal Server Error') });
      });
    });
    const host = options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(0, host, () => resolve());
    });
    fake.url = `http://${host}:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  /** Webhooks from now on go to `url`, signed with `secrets` (when given; else those configured). */
  sendWebhooksTo(url: string | undefined, secrets?: readonly string[]): void {
    this.webhookUrl = url;
    if (secrets !== undefined) this.webhookSecrets = secrets.filter(Boolean);
  }

  incident(id: string): FakePagerDutyIncident | undefined {
    return this.incidentsById.get(id);
  }

  /** Every incident, oldest first. */
  incidents(): FakePagerDutyIncident[] {
    return [...this.incidentsById.values()];
  }

  /**
   * The next `times` API requests to paths starting with `path` (and `method`, when given) answer `status`
   * (with `headers`, e.g. `{ 'retry-after': '1' }` on a 429).
   */
  failNext(path: string, status: number, times = 1, method?: string, headers: Readonly<Record<string, string>> = {}): void {
    this.failRules.push({ path, status, remaining: times, method: method?.toUpperCase(), headers });
  }

  /** Resolves once every webhook queued so far is delivered (or given up). */
  settled(): Promise<void> {
    return this.queue;
  }

  /** Sends a delivery again with the same X-Webhook-Id (as PagerDuty's retries do); the updated delivery. */
  async redeliver(id: string): Promise<FakePagerDutyDelivery> {
    const delivery = this.deliveries.find((d) => d.id === id);
    if (!delivery) throw new Error(`no delivery ${id}`);
    await this.settled();
    await this.deliver(delivery);
    return delivery;
  }

  async close(): Promise<void> {
    // Deliveries under way finish first (their receiver may close right after).
    await Promise.race([this.queue, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ---------------------------------------------------------------- what people (and tests) do

  /**
   * An alert fires: a new incident (triggered, assigned to the responder) and its `incident.triggered`
   * webhook. An alert whose incident key is that of an open incident is folded into it, as PagerDuty's
   * de-duplication does: no new incident, no webhook. No key given: the demo's (no title) or the title's hash.
   */
  trigger(input: FakePagerDutyTrigger = {}): { incident: FakePagerDutyIncident; deduplicated: boolean } {
    const title = input.title?.trim() || DEMO_TRIGGER.title;
    const demo = !input.title?.trim();
    const incidentKey = input.incidentKey?.trim() || (demo ? DEMO_TRIGGER.incidentKey : createHash('sha256').update(title).digest('hex').slice(0, 32));
    const open = this.incidents().find((i) => i.incidentKey === incidentKey && i.status !== 'resolved');
    if (open) {
      this.counters.deduplicated++;
      return { incident: open, deduplicated: true };
    }
    const urgency = input.urgency ?? DEMO_TRIGGER.urgency;
    if (urgency !== 'high' && urgency !== 'low') throw new FakeInputError(`urgency must be high or low, not ${String(urgency)}`);
    if (title.length > 1024) throw new FakeInputError('the title is longer than 1,024 characters');
    const now = new Date().toISOString();
    const incident: FakePagerDutyIncident = {
      id: this.freshIncidentId(),
      number: this.nextNumber++,
      title,
      status: 'triggered',
      urgency,
      incidentKey,
      serviceId: input.serviceId?.trim() || DEMO_TRIGGER.serviceId,
      serviceSummary: input.serviceSummary?.trim() || (input.serviceId?.trim() ? input.serviceId.trim() : DEMO_TRIGGER.serviceSummary),
      createdAt: now,
      updatedAt: now,
      lastStatusChangeAt: now,
      lastStatusChangeBy: null,
      assignees: [FAKE_RESPONDER],
      acknowledgements: [],
      resolvedAt: null,
      notes: [],
    };
    this.incidentsById.set(incident.id, incident);
    this.counters.incidentsTriggered++;
    this.save();
    this.emit('incident.triggered', incident, this.serviceRef(incident), this.incidentWebhookData(incident));
    return { incident, deduplicated: false };
  }

  /** Acknowledges the incident as `by` (the responder by default): its `incident.acknowledged` webhook. */
  acknowledge(id: string, by: FakePagerDutyUser = FAKE_RESPONDER): FakePagerDutyIncident {
    return this.setStatus(this.mustIncident(id), 'acknowledged', by);
  }

  /** Resolves the incident as `by` (the responder by default): its `incident.resolved` webhook. */
  resolve(id: string, by: FakePagerDutyUser = FAKE_RESPONDER): FakePagerDutyIncident {
    return this.setStatus(this.mustIncident(id), 'resolved', by);
  }

  /** The fake's user with that email (made up on first use). */
  user(email: string): FakePagerDutyUser {
    const key = email.trim().toLowerCase();
    let user = this.usersByEmail.get(key);
    if (!user) {
      const id = `PU${createHash('sha256').update(key).digest('hex').slice(0, 5).toUpperCase()}`;
      user = { id, name: key.split('@')[0]!, email: key };
      this.usersByEmail.set(key, user);
    }
    return user;
  }

  private mustIncident(id: string): FakePagerDutyIncident {
    const incident = this.incident(id);
    if (!incident) throw new FakeInputError(`no fake incident ${id}`);
    return incident;
  }

  private freshIncidentId(): string {
    for (;;) {
      const id = pdId('Q', 12);
      if (!this.incidentsById.has(id)) return id;
    }
  }

  // ---------------------------------------------------------------- the model

  /** Changes the status (an unchanged acknowledgement is accepted and sends nothing); throws a FakeInputError PagerDuty would answer 400 to. */
  private setStatus(incident: FakePagerDutyIncident, status: 'acknowledged' | 'resolved', by: FakePagerDutyUser): FakePagerDutyIncident {
    if (incident.status === 'resolved') throw new FakeInputError('Incident Already Resolved');
    if (incident.status === status) return incident;
    const now = new Date().toISOString();
    incident.status = status;
    incident.updatedAt = now;
    incident.lastStatusChangeAt = now;
    incident.lastStatusChangeBy = by;
    if (status === 'acknowledged') {
      incident.acknowledgements = [...incident.acknowledgements.filter((a) => a.by.id !== by.id), { at: now, by }];
    } else {
      // A resolved incident has no one assigned and no acknowledgements left.
      incident.resolvedAt = now;
      incident.assignees = [];
      incident.acknowledgements = [];
    }
    this.counters.statusChanges++;
    this.save();
    this.emit(`incident.${status}`, incident, this.userRef(by), this.incidentWebhookData(incident));
    return incident;
  }

  private addNote(incident: FakePagerDutyIncident, content: string, by: FakePagerDutyUser): FakePagerDutyNote {
    const note: FakePagerDutyNote = { id: pdId('P', 6), user: by, content, createdAt: new Date().toISOString() };
    incident.notes.push(note);
    incident.updatedAt = note.createdAt;
    this.counters.notesAdded++;
    this.save();
    this.emit('incident.annotated', incident, this.userRef(by), { incident: this.incidentRef(incident), id: note.id, content: note.content, trimmed: false, type: 'incident_note' });
    return note;
  }

  // ---------------------------------------------------------------- PagerDuty's shapes

  private userRef(user: FakePagerDutyUser) {
    return { id: user.id, type: 'user_reference', summary: user.name, self: `${this.url}/users/${user.id}`, html_url: `${this.url}/#user-${user.id}` };
  }

  private serviceRef(incident: FakePagerDutyIncident) {
    return { id: incident.serviceId, type: 'service_reference', summary: incident.serviceSummary, self: `${this.url}/services/${incident.serviceId}`, html_url: `${this.url}/#service-${incident.serviceId}` };
  }

  private incidentRef(incident: FakePagerDutyIncident) {
    return { id: incident.id, type: 'incident_reference', summary: `[#${incident.number}] ${incident.title}`, self: `${this.url}/incidents/${incident.id}`, html_url: this.htmlUrl(incident) };
  }

  private htmlUrl(incident: FakePagerDutyIncident): string {
    return `${this.url}/#${incident.id}`;
  }

  private escalationPolicyRef() {
    return { id: ESCALATION_POLICY.id, type: 'escalation_policy_reference', summary: ESCALATION_POLICY.summary, self: `${this.url}/escalation_policies/${ESCALATION_POLICY.id}`, html_url: `${this.url}/#escalation-policy` };
  }

  /** The incident as v3 webhooks carry it in `event.data`. */
  private incidentWebhookData(incident: FakePagerDutyIncident) {
    return {
      id: incident.id,
      type: 'incident',
      self: `${this.url}/incidents/${incident.id}`,
      html_url: this.htmlUrl(incident),
      number: incident.number,
      status: incident.status,
      incident_key: incident.incidentKey,
      created_at: incident.createdAt,
      title: incident.title,
      service: this.serviceRef(incident),
      assignees: incident.assignees.map((u) => this.userRef(u)),
      escalation_policy: this.escalationPolicyRef(),
      teams: [],
      priority: null,
      urgency: incident.urgency,
      conference_bridge: null,
      resolve_reason: null,
    };
  }

  /** The incident as the REST API answers it. */
  private incidentJson(incident: FakePagerDutyIncident) {
    const open = incident.status === 'resolved' ? 0 : 1;
    return {
      id: incident.id,
      type: 'incident',
      summary: `[#${incident.number}] ${incident.title}`,
      self: `${this.url}/incidents/${incident.id}`,
      html_url: this.htmlUrl(incident),
      incident_number: incident.number,
      title: incident.title,
      description: incident.title,
      created_at: incident.createdAt,
      updated_at: incident.updatedAt,
      status: incident.status,
      incident_key: incident.incidentKey,
      service: this.serviceRef(incident),
      assignments: incident.assignees.map((u) => ({ at: incident.createdAt, assignee: this.userRef(u) })),
      assigned_via: 'escalation_policy',
      acknowledgements: incident.acknowledgements.map((a) => ({ at: a.at, acknowledger: this.userRef(a.by) })),
      last_status_change_at: incident.lastStatusChangeAt,
      last_status_change_by: incident.lastStatusChangeBy ? this.userRef(incident.lastStatusChangeBy) : this.serviceRef(incident),
      escalation_policy: this.escalationPolicyRef(),
      teams: [],
      priority: null,
      urgency: incident.urgency,
      resolve_reason: null,
      resolved_at: incident.resolvedAt,
      alert_counts: { all: 1, triggered: open, resolved: 1 - open },
      is_mergeable: true,
      pending_actions: [],
      conference_bridge: null,
    };
  }

  private noteJson(note: FakePagerDutyNote) {
    return { id: note.id, user: this.userRef(note.user), channel: { summary: 'The PagerDuty website or APIs' }, content: note.content, created_at: note.createdAt };
  }

  // ---------------------------------------------------------------- webhooks

  private emit(eventType: string, incident: FakePagerDutyIncident, agent: unknown, data: unknown): void {
    if (!this.webhookUrl) return;
    const body = JSON.stringify({
      event: { id: pdId('01', 24), event_type: eventType, resource_type: 'incident', occurred_at: new Date().toISOString(), agent, client: null, data },
    });
    const delivery: FakePagerDutyDelivery = { id: randomUUID(), eventType, incidentId: incident.id, body, attempts: 0, status: 0, response: '' };
    this.deliveries.push(delivery);
    if (this.deliveries.length > 500) this.deliveries.shift();
    this.queue = this.queue.then(() => this.deliver(delivery));
  }

  private async deliver(delivery: FakePagerDutyDelivery): Promise<void> {
    const url = this.webhookUrl;
    if (!url) return;
    for (let retry = 0; retry <= WEBHOOK_RETRIES; retry++) {
      if (retry > 0) await new Promise((resolve) => setTimeout(resolve, this.options.webhookRetryMs ?? 200));
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        'x-webhook-id': delivery.id,
        'x-webhook-subscription': FAKE_WEBHOOK_SUBSCRIPTION,
      };
      if (this.webhookSecrets.length) headers['x-pagerduty-signature'] = this.webhookSecrets.map((secret) => pagerDutySignature(secret, delivery.body)).join(',');
      delivery.attempts++;
      this.counters.webhooksSent++;
      try {
        // PagerDuty waits 5 s for a 2xx.
        const response = await fetch(url, { method: 'POST', headers, body: delivery.body, signal: AbortSignal.timeout(5_000) });
        delivery.status = response.status;
        delivery.response = (await response.text()).slice(0, 2_000);
        if (response.status !== 429 && response.status < 500) return;
      } catch (error) {
        delivery.status = 0;
        delivery.response = (error as Error).message;
      }
    }
  }

  // ---------------------------------------------------------------- HTTP

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (body === null) return void send(res, { status: 413, body: errorBody('Request Entity Too Large') });
    const url = new URL(req.url ?? '/', 'http://fake-pagerduty');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === '/incidents' || path.startsWith('/incidents/')) {
      this.requests.push(`${method} ${path}${url.search}`);
      return void send(res, this.injected(method, path) ?? this.api(method, path, url.searchParams, req, body));
    }
    if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) return void send(res, { status: 403, body: `${FAKE_PAGERDUTY_LABEL} PagerDuty: its page and controls answer loopback callers only` });
    if (method === 'GET' && path === '/') return void send(res, { status: 200, body: this.page() });
    if (path.startsWith('/_control/')) return void send(res, this.control(method, path, req, body));
    send(res, { status: 404, body: errorBody(`${FAKE_PAGERDUTY_LABEL} PagerDuty: nothing at ${path}; the page is at /`, 2100) });
  }

  private injected(method: string, path: string): Answer | undefined {
    const rule = this.failRules.find((r) => r.remaining > 0 && path.startsWith(r.path) && (!r.method || r.method === method));
    if (!rule) return undefined;
    rule.remaining--;
    return { status: rule.status, headers: rule.headers, body: errorBody(`${FAKE_PAGERDUTY_LABEL} PagerDuty: an injected ${rule.status}`) };
  }

  private authorized(req: IncomingMessage): boolean {
    const presented = /^Token token=(\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    return !!presented && safeEqual(presented, this.options.apiKey);
  }

  /** The `From` user of a write, or PagerDuty's 400. */
  private fromUser(req: IncomingMessage): FakePagerDutyUser | Answer {
    const from = req.headers.from;
    if (from === undefined) return { status: 400, body: errorBody('You must specify a user\'s email address in the "From" header to perform this action', 2016) };
    if (!EMAIL.test(from.trim())) return { status: 400, body: errorBody('Malformed "From" header', 1028) };
    return this.user(from);
  }

  private api(method: string, path: string, query: URLSearchParams, req: IncomingMessage, body: Buffer): Answer {
    if (!this.authorized(req)) return { status: 401, body: errorBody('Authentication failed', 2006) };
    const accept = (req.headers.accept ?? '').replace(/\s+/g, '');
    if (!accept.includes(PAGERDUTY_ACCEPT)) return { status: 406, body: errorBody(`${FAKE_PAGERDUTY_LABEL} PagerDuty wants Accept: ${PAGERDUTY_ACCEPT} (stricter than PagerDuty)`) };
    let input: Record<string, unknown> = {};
    if (method === 'POST' || method === 'PUT') {
      if (!(req.headers['content-type'] ?? '').includes('application/json')) return { status: 415, body: errorBody('Unsupported Media Type: send application/json') };
      try {
        const parsed: unknown = body.length ? JSON.parse(body.toString('utf8')) : {};
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return invalid('The request body must be a JSON object.');
        input = parsed as Record<string, unknown>;
      } catch {
        return invalid('The request body is not valid JSON.');
      }
    }
    if (path === '/incidents') {
      if (method !== 'GET') return { status: 405, body: errorBody('Method Not Allowed: GET /incidents here (LOCAL FAKE)') };
      return this.list(query);
    }
    const match = /^\/incidents\/([^/]+)(\/notes)?$/.exec(path);
    if (!match) return { status: 404, body: errorBody('Not Found', 2100) };
    const incident = this.incident(decodeURIComponent(match[1]!));
    if (!incident) return { status: 404, body: errorBody('Not Found', 2100) };
    if (match[2]) {
      if (method === 'GET') return { status: 200, body: { notes: incident.notes.map((n) => this.noteJson(n)) } };
      if (method !== 'POST') return { status: 405, body: errorBody('Method Not Allowed') };
      const from = this.fromUser(req);
      if ('status' in from) return from;
      const content = (input.note as { content?: unknown } | undefined)?.content;
      if (typeof content !== 'string' || !content.trim()) return invalid('Note content cannot be empty.');
      if (content.length > 25_000) return invalid('Note content is too long (at most 25,000 characters).');
      return { status: 201, body: { note: this.noteJson(this.addNote(incident, content, from)) } };
    }
    if (method === 'GET') return { status: 200, body: { incident: this.incidentJson(incident) } };
    if (method !== 'PUT') return { status: 405, body: errorBody('Method Not Allowed') };
    const from = this.fromUser(req);
    if ('status' in from) return from;
    const update = input.incident as { type?: unknown; status?: unknown } | undefined;
    if (!update || typeof update !== 'object') return invalid('Incident is required. Send {"incident": {"type": "incident_reference", "status": "…"}}.');
    if (update.type !== 'incident_reference' && update.type !== 'incident') return invalid('Incident type must be incident_reference.');
    if (update.status !== 'acknowledged' && update.status !== 'resolved') return invalid(`Incident status must be acknowledged or resolved (LOCAL FAKE: the only updates it makes), not ${JSON.stringify(update.status ?? null)}.`);
    try {
      return { status: 200, body: { incident: this.incidentJson(this.setStatus(incident, update.status, from)) } };
    } catch (error) {
      if (error instanceof FakeInputError) return invalid(error.message);
      throw error;
    }
  }

  private list(query: URLSearchParams): Answer {
    const statuses = query.getAll('statuses[]');
    const services = query.getAll('service_ids[]');
    const key = query.get('incident_key');
    const limit = Math.min(100, Math.max(1, Number(query.get('limit') ?? 25) || 25));
    const offset = Math.max(0, Number(query.get('offset') ?? 0) || 0);
    const matching = this.incidents().filter((i) => (!statuses.length || statuses.includes(i.status)) && (!services.length || services.includes(i.serviceId)) && (!key || i.incidentKey === key));
    const page = matching.slice(offset, offset + limit);
    return {
      status: 200,
      body: { incidents: page.map((i) => this.incidentJson(i)), limit, offset, total: query.get('total') === 'true' ? matching.length : null, more: offset + limit < matching.length },
    };
  }

  // ---------------------------------------------------------------- the page and its controls

  private control(method: string, path: string, req: IncomingMessage, body: Buffer): Answer {
    if (path === '/_control/state' && method === 'GET') {
      return {
        status: 200,
        body: { fake: `${FAKE_PAGERDUTY_LABEL} PagerDuty`, webhookUrl: this.webhookUrl ?? null, counters: this.counters, incidents: this.incidents().map((i) => this.incidentJson(i)), deliveries: this.deliveries.map(({ body: _body, ...d }) => d) },
      };
    }
    if (method !== 'POST') return { status: 405, body: errorBody('POST') };
    // A page elsewhere in the browser must not drive this one.
    const origin = req.headers.origin;
    if (origin && origin !== 'null' && origin !== `http://${req.headers.host ?? ''}`) return { status: 403, body: errorBody(`${FAKE_PAGERDUTY_LABEL} PagerDuty: controls answer this page only`) };
    const json = (req.headers['content-type'] ?? '').includes('application/json');
    let form: Record<string, unknown>;
    try {
      form = json ? (JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(body.toString('utf8')));
      if (!form || typeof form !== 'object' || Array.isArray(form)) throw new Error('not an object');
    } catch {
      return invalid('the body is not a JSON object');
    }
    const field = (name: string): string | undefined => (typeof form[name] === 'string' ? (form[name] as string) : undefined);
    try {
      if (path === '/_control/trigger') {
        const urgency = field('urgency');
        const { incident, deduplicated } = this.trigger({ title: field('title'), serviceId: field('serviceId'), serviceSummary: field('serviceSummary'), incidentKey: field('incidentKey'), ...(urgency ? { urgency: urgency as 'high' | 'low' } : {}) });
        if (json) return { status: deduplicated ? 200 : 201, body: { incident: this.incidentJson(incident), deduplicated } };
        return { status: 303, headers: { location: `/#${incident.id}` }, body: '' };
      }
      const m = /^\/_control\/incidents\/([^/]+)\/(acknowledge|resolve)$/.exec(path);
      if (!m) return { status: 404, body: errorBody(`${FAKE_PAGERDUTY_LABEL} PagerDuty: no control ${path}`) };
      const id = decodeURIComponent(m[1]!);
      if (!this.incident(id)) return { status: 404, body: errorBody('Not Found', 2100) };
      const email = field('email')?.trim();
      if (email && !EMAIL.test(email)) return invalid(`${email} is not an email address`);
      const by = email ? this.user(email) : FAKE_RESPONDER;
      const incident = m[2] === 'acknowledge' ? this.acknowledge(id, by) : this.resolve(id, by);
      if (json) return { status: 200, body: { incident: this.incidentJson(incident) } };
      return { status: 303, headers: { location: `/#${incident.id}` }, body: '' };
    } catch (error) {
      if (error instanceof FakeInputError) return invalid(error.message);
      throw error;
    }
  }

  private page(): string {
    const card = (incident: FakePagerDutyIncident): string => {
      const button = (action: string, label: string) => `<form method="post" action="/_control/incidents/${esc(incident.id)}/${action}"><button>${esc(label)}</button></form>`;
      const buttons = [incident.status === 'triggered' ? button('acknowledge', 'Acknowledge') : '', incident.status !== 'resolved' ? button('resolve', 'Resolve') : ''].join('');
      const who = incident.lastStatusChangeBy ? ` by ${esc(incident.lastStatusChangeBy.name)} &lt;${esc(incident.lastStatusChangeBy.email)}&gt;` : '';
      const notes = incident.notes.map((n) => `<li><b>${esc(n.user.name)}</b> <small>${esc(n.createdAt)}</small><div class="text">${esc(n.content)}</div></li>`).join('');
      return `<section id="${esc(incident.id)}"><h2>#${incident.number} ${esc(incident.title)} <span class="status ${incident.status}">${incident.status}</span></h2>
<p class="meta">${esc(incident.id)} · service ${esc(incident.serviceSummary)} (${esc(incident.serviceId)}) · urgency ${incident.urgency} · key <code>${esc(incident.incidentKey)}</code> · assigned to ${esc(incident.assignees.map((u) => u.name).join(', ') || 'no one')} · created ${esc(incident.createdAt)} · ${incident.status} since ${esc(incident.lastStatusChangeAt)}${who}</p>
<ul class="notes">${notes}</ul><div class="actions">${buttons}</div></section>`;
    };
    const incidents = this.incidents().reverse();
    const deliveries = this.deliveries.slice(-15).reverse().map((d) => `<tr><td><code>${esc(d.id)}</code></td><td>${esc(d.eventType)}</td><td>${esc(d.incidentId)}</td><td>${d.status || 'no answer'}</td><td>${d.attempts}</td><td><code>${esc(d.response.slice(0, 160))}</code></td></tr>`).join('');
    return `<!doctype html><meta charset="utf-8"><title>${FAKE_PAGERDUTY_TITLE}</title>
<style>body{font:14px system-ui;margin:2rem;color:#1b1b1b;max-width:70rem}.banner{background:#fff4e5;border:1px solid #f5a623;padding:.5rem 1rem}section{border:1px solid #ddd;border-radius:4px;padding:.5rem 1rem;margin:1rem 0}.status{font-size:12px;padding:2px 6px;border-radius:3px}.status.triggered{background:#fde2e1}.status.acknowledged{background:#fff3c4}.status.resolved{background:#e3fcef}.meta{color:#555}.text{white-space:pre-wrap}.actions form,.trigger form{display:inline;margin-right:.5rem}td,th{padding:2px 8px;text-align:left;border-bottom:1px solid #eee}</style>
<h1>${FAKE_PAGERDUTY_TITLE}</h1>
<p class="banner"><b>${FAKE_PAGERDUTY_LABEL}</b>: not PagerDuty. Fire an alert here and Apollo opens an incident from its webhook; acknowledge or resolve it here or in Apollo (Apollo calls this fake's REST API back). Webhooks go to <code>${esc(this.webhookUrl ?? 'nowhere (none configured)')}</code>${this.webhookSecrets.length ? `, signed with ${this.webhookSecrets.length} secret${this.webhookSecrets.length > 1 ? 's' : ''}` : ', unsigned'}.</p>
<div class="trigger"><form method="post" action="/_control/trigger"><button>Trigger HighErrorRate on core-service</button></form>
<form method="post" action="/_control/trigger"><input name="title" size="50" placeholder="Another alert's title" required> <select name="urgency"><option>high</option><option>low</option></select> <button>Trigger</button></form></div>
${incidents.length ? incidents.map(card).join('\n') : '<p>No incidents yet.</p>'}
<h2>Webhooks sent</h2><table><tr><th>X-Webhook-Id</th><th>event</th><th>incident</th><th>answer</th><th>attempts</th><th>body</th></tr>${deliveries}</table>`;
  }

  // ---------------------------------------------------------------- keeping the incidents

  private load(): void {
    if (!this.options.stateFile) return;
    let text: string;
    try {
      text = readFileSync(this.options.stateFile, 'utf8');
    } catch {
      return;
    }
    const state = JSON.parse(text) as { incidents?: FakePagerDutyIncident[]; nextNumber?: number };
    for (const incident of state.incidents ?? []) this.incidentsById.set(incident.id, incident);
    this.nextNumber = state.nextNumber ?? this.nextNumber;
  }

  private save(): void {
    const file = this.options.stateFile;
    if (!file) return;
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify({ incidents: this.incidents(), nextNumber: this.nextNumber }), { mode: 0o600 });
    renameSync(temp, file);
  }
}

const send = (res: ServerResponse, answer: Answer): void => sendFakeAnswer(res, answer, FAKE_PAGERDUTY_LABEL);
const readBody = (req: IncomingMessage): Promise<Buffer | null> => readFakeBody(req, MAX_BODY);

// ---------------------------------------------------------------- the local runtime's PagerDuty

/** Fake PagerDutys this process started: their URL in APOLLO_PAGERDUTY_API_URL is ours, not PagerDuty's. */
const startedHere = new Set<string>();

/**
 * The local runtime's PagerDuty: the integration secrets `pagerduty_api_key` and `pagerduty_webhook_secret`
 * (created once, beside the others), a fake on loopback accepting them (its incidents kept in
 * `$APOLLO_HOME/fake-pagerduty.json`), `APOLLO_PAGERDUTY_API_URL` pointing at it and allowlisted past the
 * egress guard. Webhooks go nowhere until `sendWebhooksTo(<Apollo>/api/v1/webhooks/pagerduty)`. Undefined
 * when APOLLO_PAGERDUTY_API_URL already names another PagerDuty.
 */
export async function startLocalPagerDuty(home: string | undefined): Promise<FakePagerDuty | undefined> {
  const configured = process.env[PAGERDUTY_API_URL_ENV];
  if (configured && !startedHere.has(configured)) return undefined;
  const { apiKey, webhookSecrets } = await ensurePagerDutySecrets(home);
  const fake = await FakePagerDuty.start({ apiKey, webhookSecrets, ...(home ? { stateFile: join(home, 'fake-pagerduty.json') } : {}) });
  startedHere.add(fake.url);
  process.env[PAGERDUTY_API_URL_ENV] = fake.url;
  const allow = (process.env[EGRESS_ALLOW_ENV] ?? '').split(',').map((v) => v.trim()).filter(Boolean);
  if (!allow.includes(`${fake.url}/`)) process.env[EGRESS_ALLOW_ENV] = [...allow, `${fake.url}/`].join(',');
  return fake;
}

/**
 * The fake's API key and webhook secret(s) in the local integration secrets (created on first use). The
 * webhook secret's value may hold several, comma-separated (a rotation): the fake signs with each.
 */
export async function ensurePagerDutySecrets(home: string | undefined): Promise<{ apiKey: string; webhookSecrets: string[] }> {
  const fresh = (): string => randomBytes(24).toString('base64url');
  const defaults = { [PAGERDUTY_API_KEY_SECRET]: `u+${fresh()}`, [PAGERDUTY_WEBHOOK_SECRET]: fresh() };
  const values: Record<string, string> = {};
  if (home) {
    const file = new FileIntegrationSecrets(home);
    const current = file.read();
    for (const [name, value] of Object.entries(defaults)) values[name] = typeof current[name] === 'string' && current[name] ? current[name] : value;
    if (Object.keys(values).some((name) => current[name] !== values[name])) file.write(values);
  } else {
    for (const [name, value] of Object.entries(defaults)) {
      values[name] = (await memoryIntegrationSecrets.get(name)) ?? value;
      memoryIntegrationSecrets.set(name, values[name]);
    }
  }
  return { apiKey: values[PAGERDUTY_API_KEY_SECRET]!, webhookSecrets: pagerDutySecretsOf(values[PAGERDUTY_WEBHOOK_SECRET]) };
}

/** The terminal's line about it. */
export function localPagerDutyBanner(fake: FakePagerDuty): string {
  return `PagerDuty: a LOCAL FAKE PagerDuty at ${fake.url}/ (its page: trigger HighErrorRate on core-service to open an incident in Apollo, acknowledge or resolve it there); ${PAGERDUTY_API_URL_ENV} points at it, REST API key ${PAGERDUTY_API_KEY_SECRET}, its webhooks go to Apollo signed with ${PAGERDUTY_WEBHOOK_SECRET}`;
}
