/**
 * A LOCAL FAKE JIRA Cloud on loopback, for the JIRA executor's tests and `npm start` (a manual request's
 * ticket is completed on this fake's page). Its own node:http server on a free port; every answer carries
 * `X-Apollo-Fake: LOCAL FAKE`. What it speaks of Jira Cloud REST v3 (PROTOCOLS.md §3), basic auth required:
 *
 * - `POST /rest/api/3/issue` (201 `{id,key,self}`; 400 `{errorMessages, errors}` as JIRA words them: no
 *   summary, a description that is not ADF, a label with a space, an unknown priority or field),
 *   `GET /rest/api/3/issue/{key}?fields=…`;
 * - `GET|POST /rest/api/3/search/jql` (`labels = "x"`, `project = X`, `key = X-1`, `status = "…"`,
 *   `statusCategory = Done`, joined by AND, `ORDER BY created ASC|DESC`; an unbounded query is refused);
 * - `GET|POST /rest/api/3/issue/{key}/comment` (ADF bodies; `orderBy=created|-created`, `startAt`, `maxResults`);
 * - `GET|POST /rest/api/3/issue/{key}/transitions`: To Do → In Progress → Done (resolution Done), and
 *   Won't Do (a done-category status, resolution Won't Do), from any status;
 * - signed webhooks to a configured URL (Apollo's `/api/v1/webhooks/jira`) for `jira:issue_created`,
 *   `jira:issue_updated` (with a changelog) and `comment_created`: `X-Hub-Signature: sha256=<hex
 *   HMAC-SHA256(secret, body)>`, `X-Atlassian-Webhook-Identifier` (the same on a retry),
 *   `X-Atlassian-Webhook-Flow`, `X-Atlassian-Webhook-Retry`; a failed delivery (network, 429, 5xx) is
 *   retried twice.
 *
 * For people and tests, loopback callers only: `GET /` (a page titled "Local fake JIRA": the tickets, a
 * form to comment, buttons to start progress, resolve Done or Won't Do, reopen), `GET /browse/{key}` (one
 * ticket), `POST /_control/issues/{key}/comment` (`text`) and `POST /_control/issues/{key}/transition`
 * (`transition`: an id or a name), as forms (303 back to the page) or JSON, and `GET /_control/state`
 * (tickets, counters, deliveries). Tests may also call the same methods in process.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFakeBody, sendFakeAnswer } from './fake-http.ts';
import { join } from 'node:path';
import { FileIntegrationSecrets, memoryIntegrationSecrets } from '#functions/requests/adapters/local-secrets';
import { EGRESS_ALLOW_ENV } from '#functions/requests/actions/ssrf';
import { JIRA_URL_ENV } from '#functions/requests/actions/jira';

export const FAKE_JIRA_LABEL = 'LOCAL FAKE';
export const FAKE_JIRA_TITLE = 'Local fake JIRA';
export const JIRA_EMAIL_SECRET = 'jira_email';
export const JIRA_TOKEN_SECRET = 'jira_api_token';
export const JIRA_WEBHOOK_SECRET = 'jira_webhook_secret';
/** The account Apollo's calls act as, and the one the page acts as. */
const API_USER = { accountId: '712020:apollo-local-fake', displayName: 'Apollo (local fake account)' };
const PAGE_USER = { accountId: '712020:local-fulfiller', displayName: 'Local Fulfiller' };
const MAX_BODY = 1024 * 1024;
const WEBHOOK_RETRIES = 2;
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

type CategoryKey = 'new' | 'indeterminate' | 'done';

interface FakeStatus {
  readonly id: string;
  readonly name: string;
  readonly category: CategoryKey;
}

const CATEGORIES: Readonly<Record<CategoryKey, { id: number; name: string; colorName: string }>> = {
  new: { id: 2, name: 'To Do', colorName: 'blue-gray' },
  indeterminate: { id: 4, name: 'In Progress', colorName: 'yellow' },
  done: { id: 3, name: 'Done', colorName: 'green' },
};

export const FAKE_STATUSES: readonly FakeStatus[] = [
  { id: '10000', name: 'To Do', category: 'new' },
  { id: '3', name: 'In Progress', category: 'indeterminate' },
  { id: '10001', name: 'Done', category: 'done' },
  { id: '10002', name: "Won't Do", category: 'done' },
];

/** The workflow: every transition is global (available from any other status). */
export const FAKE_TRANSITIONS: readonly { id: string; name: string; to: string; resolution: string | null }[] = [
  { id: '11', name: 'To Do', to: 'To Do', resolution: null },
  { id: '21', name: 'In Progress', to: 'In Progress', resolution: null },
  { id: '31', name: 'Done', to: 'Done', resolution: 'Done' },
  { id: '41', name: "Won't Do", to: "Won't Do", resolution: "Won't Do" },
];

const RESOLUTIONS: Readonly<Record<string, string>> = { Done: '10000', "Won't Do": '10001', Declined: '10002', Duplicate: '10003', 'Cannot Reproduce': '10004', "Won't Fix": '10005' };
const PRIORITIES: Readonly<Record<string, string>> = { Highest: '1', High: '2', Medium: '3', Low: '4', Lowest: '5' };

interface User { readonly accountId: string; readonly displayName: string }

export interface FakeComment {
  readonly id: string;
  readonly author: User;
  /** ADF. */
  readonly body: unknown;
  readonly created: string;
}

export interface FakeIssue {
  readonly id: string;
  readonly key: string;
  readonly project: string;
  readonly issueType: string;
  summary: string;
  /** ADF, or null. */
  description: unknown;
  priority: string;
  labels: string[];
  components: string[];
  assignee: string | null;
  customFields: Record<string, unknown>;
  status: string;
  resolution: string | null;
  readonly created: string;
  updated: string;
  resolutionDate: string | null;
  readonly comments: FakeComment[];
}

export interface FakeJiraDelivery {
  /** X-Atlassian-Webhook-Identifier: the same on every retry. */
  readonly identifier: string;
  readonly event: string;
  readonly key: string;
  readonly body: string;
  attempts: number;
  /** The last answer's status (0: no answer). */
  status: number;
  /** The last answer's body (at most 2,000 characters). */
  response: string;
}

export interface FakeJiraCounters {
  issuesCreated: number;
  commentsAdded: number;
  transitions: number;
  searches: number;
  webhooksSent: number;
}

export interface FakeJiraOptions {
  /** Accepted as basic auth `email:apiToken`. */
  readonly email: string;
  readonly apiToken: string;
  /** Signs the webhooks (X-Hub-Signature); none: unsigned. */
  readonly webhookSecret?: string;
  /** Where webhooks go; none: no webhooks (set later with sendWebhooksTo). */
  readonly webhookUrl?: string;
  /** Project keys that exist; absent: any key a create names. */
  readonly projects?: readonly string[];
  /** Where the tickets are kept across restarts (JSON); absent: memory only. */
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
  remaining: number;
}

class JqlError extends Error {}

const errorsBody = (errorMessages: string[], errors: Record<string, string> = {}) => ({ errorMessages, errors });
const badRequest = (errors: Record<string, string>, messages: string[] = []): Answer => ({ status: 400, body: errorsBody(messages, errors) });

const isAdf = (value: unknown): boolean => !!value && typeof value === 'object' && (value as { type?: unknown }).type === 'doc' && (value as { version?: unknown }).version === 1 && Array.isArray((value as { content?: unknown }).content);

/** Plain text as ADF (the page's comments). */
function textAdf(text: string) {
  const paragraphs = text.replace(/\r\n?/g, '\n').split(/\n\s*\n/).filter((p) => p.trim());
  return {
    type: 'doc',
    version: 1,
    content: paragraphs.map((p) => ({ type: 'paragraph', content: p.split('\n').flatMap((line, i) => [...(i ? [{ type: 'hardBreak' }] : []), ...(line ? [{ type: 'text', text: line }] : [])]) })),
  };
}

/** ADF as plain text, for the page. */
function adfText(node: unknown): string {
  if (typeof node === 'string') return node;
  if (!node || typeof node !== 'object') return '';
  const n = node as { type?: string; text?: string; content?: unknown[] };
  if (n.type === 'text') return n.text ?? '';
  if (n.type === 'hardBreak') return '\n';
  const inner = (n.content ?? []).map(adfText).join('');
  return n.type === 'paragraph' || n.type === 'heading' || n.type === 'listItem' ? `${inner}\n\n` : inner;
}

const esc = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class FakeJira {
  readonly counters: FakeJiraCounters = { issuesCreated: 0, commentsAdded: 0, transitions: 0, searches: 0, webhooksSent: 0 };
  /** Every API request's method and path (with query), in order. */
  readonly requests: string[] = [];
  /** Every webhook sent, oldest first. */
  readonly deliveries: FakeJiraDelivery[] = [];
  private readonly issuesByKey = new Map<string, FakeIssue>();
  private readonly projectCounters = new Map<string, number>();
  private readonly failRules: FailRule[] = [];
  private nextIssueId = 10_000;
  private nextCommentId = 10_000;
  private nextDelivery = 1;
  private nextChangelogId = 10_000;
  private webhookUrl: string | undefined;
  private webhookSecret: string | undefined;
  /** Webhooks go out one at a time, in order. */
  private queue: Promise<void> = Promise.resolve();
  private server!: Server;
  url = '';

  private constructor(private readonly options: FakeJiraOptions) {
    if (!options.email || !options.apiToken) throw new Error('the fake JIRA needs an email and an API token');
    this.webhookUrl = options.webhookUrl;
    this.webhookSecret = options.webhookSecret;
    this.load();
  }

  static async start(options: FakeJiraOptions): Promise<FakeJira> {
    const fake = new FakeJira(options);
    fake.server = createServer((req, res) => {
      void fake.serve(req, res).catch((error: unknown) => {
        console.error('[fake-jira] request failed:', error);
        if (!res.headersSent) send(res, { status: 500, body: errorsBody(['Internal server error']) });
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

  /** Webhooks from now on go to `url`, signed with `secret` (when given; else the one configured). */
  sendWebhooksTo(url: string | undefined, secret?: string): void {
    this.webhookUrl = url;
    if (secret !== undefined) this.webhookSecret = secret;
  }

  issue(key: string): FakeIssue | undefined {
    return this.issuesByKey.get(key.toUpperCase());
  }

  /** Every ticket, oldest first. */
  issues(): FakeIssue[] {
    return [...this.issuesByKey.values()];
  }

  /** The next `times` requests to paths starting with `path` (and `method`, when given) answer `status`. */
  failNext(path: string, status: number, times = 1, method?: string): void {
    this.failRules.push({ path, status, remaining: times, method: method?.toUpperCase() });
  }

  /** Resolves once every webhook queued so far is delivered (or given up). */
  settled(): Promise<void> {
    return this.queue;
  }

  /** Sends a delivery again with the same identifier (as JIRA's retries do); the updated delivery. */
  async redeliver(identifier: string): Promise<FakeJiraDelivery> {
    const delivery = this.deliveries.find((d) => d.identifier === identifier);
    if (!delivery) throw new Error(`no delivery ${identifier}`);
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

  /** Adds a comment as `author` (the page's user by default). */
  addComment(key: string, text: string, author: User = PAGE_USER): FakeComment {
    const issue = this.mustIssue(key);
    return this.comment(issue, textAdf(text), author);
  }

  /** Moves the ticket by a transition's id or name (or its target status's name), as `by`; `resolution` overrides the transition's. */
  transition(key: string, idOrName: string, by: User = PAGE_USER, resolution?: string): FakeIssue {
    const issue = this.mustIssue(key);
    const wanted = idOrName.trim().toLowerCase();
    const transition = FAKE_TRANSITIONS.find((t) => t.id === wanted || t.name.toLowerCase() === wanted || t.to.toLowerCase() === wanted);
    if (!transition) throw new Error(`no transition ${idOrName} (${FAKE_TRANSITIONS.map((t) => t.name).join(', ')})`);
    if (resolution !== undefined && !RESOLUTIONS[resolution]) throw new Error(`no resolution ${resolution} (${Object.keys(RESOLUTIONS).join(', ')})`);
    this.move(issue, transition, by, resolution);
    return issue;
  }

  private mustIssue(key: string): FakeIssue {
    const issue = this.issue(key);
    if (!issue) throw new Error(`no fake issue ${key}`);
    return issue;
  }

  // ---------------------------------------------------------------- the model

  private now(): string {
    return new Date().toISOString().replace('Z', '+0000');
  }

  private statusOf(name: string): FakeStatus {
    return FAKE_STATUSES.find((s) => s.name === name) ?? FAKE_STATUSES[0]!;
  }

  private comment(issue: FakeIssue, body: unknown, author: User): FakeComment {
    const comment: FakeComment = { id: String(this.nextCommentId++), author, body, created: this.now() };
    issue.comments.push(comment);
    issue.updated = comment.created;
    this.counters.commentsAdded++;
    this.save();
    this.emit('comment_created', 'issue_commented', issue, author, { comment: this.commentJson(issue, comment) });
    return comment;
  }

  private move(issue: FakeIssue, transition: (typeof FAKE_TRANSITIONS)[number], by: User, resolution?: string): void {
    const from = this.statusOf(issue.status);
    const to = this.statusOf(transition.to);
    const fromResolution = issue.resolution;
    issue.status = to.name;
    issue.resolution = resolution ?? transition.resolution;
    issue.resolutionDate = issue.resolution ? this.now() : null;
    issue.updated = this.now();
    this.counters.transitions++;
    this.save();
    const items: Record<string, unknown>[] = [{ field: 'status', fieldtype: 'jira', fieldId: 'status', from: from.id, fromString: from.name, to: to.id, toString: to.name }];
    if (fromResolution !== issue.resolution) {
      items.push({ field: 'resolution', fieldtype: 'jira', fieldId: 'resolution', from: fromResolution ? RESOLUTIONS[fromResolution] ?? null : null, fromString: fromResolution, to: issue.resolution ? RESOLUTIONS[issue.resolution] ?? null : null, toString: issue.resolution });
    }
    this.emit('jira:issue_updated', 'issue_generic', issue, by, { changelog: { id: String(this.nextChangelogId++), items } });
  }

  private userJson(user: User) {
    return { self: `${this.url}/rest/api/3/user?accountId=${encodeURIComponent(user.accountId)}`, accountId: user.accountId, displayName: user.displayName, active: true, accountType: 'atlassian' };
  }

  private statusJson(name: string) {
    const status = this.statusOf(name);
    const category = CATEGORIES[status.category];
    return {
      self: `${this.url}/rest/api/3/status/${status.id}`,
      id: status.id,
      name: status.name,
      statusCategory: { self: `${this.url}/rest/api/3/statuscategory/${category.id}`, id: category.id, key: status.category, colorName: category.colorName, name: category.name },
    };
  }

  private commentJson(issue: FakeIssue, comment: FakeComment) {
    const author = this.userJson(comment.author);
    return { self: `${this.url}/rest/api/3/issue/${issue.id}/comment/${comment.id}`, id: comment.id, author, body: comment.body, updateAuthor: author, created: comment.created, updated: comment.created, jsdPublic: true };
  }

  /** The issue's fields as JIRA answers them (all, or those named). */
  private fieldsJson(issue: FakeIssue, only?: readonly string[]): Record<string, unknown> {
    const all: Record<string, unknown> = {
      summary: issue.summary,
      description: issue.description,
      issuetype: { id: '10001', name: issue.issueType, subtask: false },
      project: { self: `${this.url}/rest/api/3/project/${issue.project}`, id: String(10_000 + [...this.projectCounters.keys()].indexOf(issue.project)), key: issue.project, name: issue.project },
      status: this.statusJson(issue.status),
      resolution: issue.resolution ? { self: `${this.url}/rest/api/3/resolution/${RESOLUTIONS[issue.resolution] ?? '1'}`, id: RESOLUTIONS[issue.resolution] ?? '1', name: issue.resolution, description: '' } : null,
      resolutiondate: issue.resolutionDate,
      priority: { id: PRIORITIES[issue.priority] ?? '3', name: issue.priority },
      labels: [...issue.labels],
      components: issue.components.map((name, i) => ({ id: String(10_000 + i), name })),
      assignee: issue.assignee ? this.userJson({ accountId: issue.assignee, displayName: issue.assignee }) : null,
      reporter: this.userJson(API_USER),
      created: issue.created,
      updated: issue.updated,
      comment: { comments: issue.comments.map((c) => this.commentJson(issue, c)), maxResults: issue.comments.length, total: issue.comments.length, startAt: 0 },
      ...issue.customFields,
    };
    if (!only || only.includes('*all') || only.includes('*navigable')) return all;
    return Object.fromEntries(Object.entries(all).filter(([name]) => only.includes(name)));
  }

  private issueJson(issue: FakeIssue, only?: readonly string[]) {
    return { expand: 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations', id: issue.id, self: `${this.url}/rest/api/3/issue/${issue.id}`, key: issue.key, fields: this.fieldsJson(issue, only) };
  }

  // ---------------------------------------------------------------- webhooks

  private emit(event: string, typeName: string, issue: FakeIssue, user: User, extra: Record<string, unknown>): void {
    if (!this.webhookUrl) return;
    const body = JSON.stringify({ timestamp: Date.now(), webhookEvent: event, issue_event_type_name: typeName, user: this.userJson(user), issue: this.issueJson(issue), ...extra });
    const delivery: FakeJiraDelivery = { identifier: `fake-${Date.now()}-${this.nextDelivery++}`, event, key: issue.key, body, attempts: 0, status: 0, response: '' };
    this.deliveries.push(delivery);
    if (this.deliveries.length > 500) this.deliveries.shift();
    this.queue = this.queue.then(() => this.deliver(delivery));
  }

  private async deliver(delivery: FakeJiraDelivery): Promise<void> {
    const url = this.webhookUrl;
    if (!url) return;
    for (let retry = 0; retry <= WEBHOOK_RETRIES; retry++) {
      if (retry > 0) await new Promise((resolve) => setTimeout(resolve, this.options.webhookRetryMs ?? 200));
      const headers: Record<string, string> = {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'Atlassian Webhook HTTP Client (LOCAL FAKE)',
        'x-atlassian-webhook-identifier': delivery.identifier,
        'x-atlassian-webhook-flow': 'Primary',
      };
      if (delivery.attempts > 0) headers['x-atlassian-webhook-retry'] = String(delivery.attempts);
      if (this.webhookSecret) headers['x-hub-signature'] = `sha256=${createHmac('sha256', this.webhookSecret).update(delivery.body).digest('hex')}`;
      delivery.attempts++;
      this.counters.webhooksSent++;
      try {
        const response = await fetch(url, { method: 'POST', headers, body: delivery.body, signal: AbortSignal.timeout(10_000) });
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
    if (body === null) return void send(res, { status: 413, body: errorsBody(['The request is too large.']) });
    const url = new URL(req.url ?? '/', 'http://fake-jira');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path.startsWith('/rest/')) {
      this.requests.push(`${method} ${path}${url.search}`);
      return void send(res, this.injected(method, path) ?? this.api(method, path, url.searchParams, req, body));
    }
    if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) return void send(res, { status: 403, body: `${FAKE_JIRA_LABEL} JIRA: its page and controls answer loopback callers only` });
    if (method === 'GET' && (path === '/' || path === '/browse' || path === '/browse/')) return void send(res, { status: 200, body: this.page() });
    const browse = /^\/browse\/([A-Za-z][A-Za-z0-9_]*-\d+)$/.exec(path);
    if (method === 'GET' && browse) {
      const issue = this.issue(browse[1]!);
      return void send(res, issue ? { status: 200, body: this.page(issue) } : { status: 404, body: `${FAKE_JIRA_LABEL} JIRA: no issue ${browse[1]}` });
    }
    if (path.startsWith('/_control/')) return void send(res, this.control(method, path, req, body));
    send(res, { status: 404, body: errorsBody([`${FAKE_JIRA_LABEL} JIRA: nothing at ${path}; the page is at /`]) });
  }

  private injected(method: string, path: string): Answer | undefined {
    const rule = this.failRules.find((r) => r.remaining > 0 && path.startsWith(r.path) && (!r.method || r.method === method));
    if (!rule) return undefined;
    rule.remaining--;
    return { status: rule.status, body: errorsBody([`${FAKE_JIRA_LABEL} JIRA: an injected ${rule.status}`]) };
  }

  private authorized(req: IncomingMessage): boolean {
    const presented = /^Basic ([A-Za-z0-9+/=]+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!presented) return false;
    return safeEqual(Buffer.from(presented, 'base64').toString('utf8'), `${this.options.email}:${this.options.apiToken}`);
  }

  private api(method: string, path: string, query: URLSearchParams, req: IncomingMessage, body: Buffer): Answer {
    if (!this.authorized(req)) return { status: 401, headers: { 'www-authenticate': 'Basic realm="protected-area"' }, body: errorsBody(['Client must be authenticated to access this resource.']) };
    let input: Record<string, unknown> = {};
    if (method === 'POST' || method === 'PUT') {
      try {
        const parsed: unknown = body.length ? JSON.parse(body.toString('utf8')) : {};
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return badRequest({}, ['The request body must be a JSON object.']);
        input = parsed as Record<string, unknown>;
      } catch {
        return badRequest({}, ['Unexpected character: the request body is not valid JSON.']);
      }
    }
    if (path === '/rest/api/3/issue' && method === 'POST') return this.create(input);
    if (path === '/rest/api/3/search/jql') {
      if (method === 'GET') return this.search({ jql: query.get('jql') ?? '', fields: (query.get('fields') ?? '').split(',').filter(Boolean), maxResults: Number(query.get('maxResults') ?? 50), nextPageToken: query.get('nextPageToken') ?? undefined });
      if (method === 'POST') return this.search(input);
      return { status: 405, body: errorsBody(['GET or POST']) };
    }
    if (path === '/rest/api/3/search' || path === '/rest/api/2/search') return { status: 410, body: errorsBody(['The requested API has been removed. Please migrate to the /rest/api/3/search/jql API.']) };
    const match = /^\/rest\/api\/3\/issue\/([^/]+)(\/comment|\/transitions)?$/.exec(path);
    if (!match) return { status: 404, body: errorsBody([`${FAKE_JIRA_LABEL} JIRA does not serve ${method} ${path}`]) };
    const idOrKey = decodeURIComponent(match[1]!);
    const issue = this.issue(idOrKey) ?? this.issues().find((i) => i.id === idOrKey);
    if (!issue) return { status: 404, body: errorsBody(['Issue does not exist or you do not have permission to see it.']) };
    if (!match[2]) {
      if (method !== 'GET') return { status: 405, body: errorsBody(['GET only here']) };
      const fields = query.get('fields');
      return { status: 200, body: this.issueJson(issue, fields ? fields.split(',').map((f) => f.trim()).filter(Boolean) : undefined) };
    }
    if (match[2] === '/comment') {
      if (method === 'GET') return this.comments(issue, query);
      if (method !== 'POST') return { status: 405, body: errorsBody(['GET or POST']) };
      if (!isAdf(input.body)) return badRequest({ comment: 'Comment body is not valid! Operation value must be an Atlassian Document (see the Atlassian Document Format).' });
      return { status: 201, body: this.commentJson(issue, this.comment(issue, input.body, API_USER)) };
    }
    if (method === 'GET') return { status: 200, body: { expand: 'transitions', transitions: this.transitionsJson(issue) } };
    if (method !== 'POST') return { status: 405, body: errorsBody(['GET or POST']) };
    const id = String((input.transition as { id?: unknown } | undefined)?.id ?? '');
    const transition = FAKE_TRANSITIONS.find((t) => t.id === id && t.to !== issue.status);
    if (!transition) return badRequest({}, [`Transition id '${id}' is not valid for this issue.`]);
    const resolution = (input.fields as { resolution?: { name?: unknown } } | undefined)?.resolution?.name;
    if (resolution !== undefined && (typeof resolution !== 'string' || !RESOLUTIONS[resolution])) return badRequest({ resolution: `Resolution '${String(resolution)}' is not valid.` });
    this.move(issue, transition, API_USER, resolution as string | undefined);
    return { status: 204 };
  }

  private transitionsJson(issue: FakeIssue) {
    return FAKE_TRANSITIONS.filter((t) => t.to !== issue.status).map((t) => ({
      id: t.id, name: t.name, to: this.statusJson(t.to), hasScreen: false, isGlobal: true, isInitial: false, isAvailable: true, isConditional: false, isLooped: false,
    }));
  }

  private comments(issue: FakeIssue, query: URLSearchParams): Answer {
    const startAt = Math.max(0, Number(query.get('startAt') ?? 0) || 0);
    const maxResults = Math.min(5_000, Math.max(1, Number(query.get('maxResults') ?? 5_000) || 5_000));
    const order = query.get('orderBy') ?? 'created';
    if (!['created', '+created', '-created'].includes(order)) return badRequest({}, [`The value '${order}' is not valid for orderBy.`]);
    const sorted = order === '-created' ? [...issue.comments].reverse() : issue.comments;
    return { status: 200, body: { startAt, maxResults, total: issue.comments.length, comments: sorted.slice(startAt, startAt + maxResults).map((c) => this.commentJson(issue, c)) } };
  }

  private create(input: Record<string, unknown>): Answer {
    const fields = input.fields as Record<string, unknown> | undefined;
    if (!fields || typeof fields !== 'object') return badRequest({}, ['No fields were given: send {"fields": {…}}.']);
    const errors: Record<string, string> = {};
    const project = String((fields.project as { key?: unknown } | undefined)?.key ?? '');
    if (!/^[A-Z][A-Z0-9_]{1,19}$/.test(project) || (this.options.projects && !this.options.projects.includes(project))) errors.project = 'Specify a valid project ID or key';
    const issueType = (fields.issuetype as { name?: unknown } | undefined)?.name;
    if (typeof issueType !== 'string' || !issueType.trim()) errors.issuetype = 'Specify an issue type';
    const summary = fields.summary;
    if (typeof summary !== 'string' || !summary.trim()) errors.summary = 'You must specify a summary of the issue.';
    else if (/[\r\n]/.test(summary)) errors.summary = 'The summary is invalid because it contains newline characters.';
    else if (summary.length > 255) errors.summary = 'Summary must be less than 255 characters.';
    if (fields.description !== undefined && fields.description !== null && !isAdf(fields.description)) errors.description = 'Operation value must be an Atlassian Document (see the Atlassian Document Format)';
    const priority = fields.priority === undefined ? 'Medium' : (fields.priority as { name?: unknown } | null)?.name;
    if (typeof priority !== 'string' || !PRIORITIES[priority]) errors.priority = `Specify the Priority (name) in the string format: one of ${Object.keys(PRIORITIES).join(', ')}`;
    const labels = fields.labels ?? [];
    if (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string')) errors.labels = 'Specify the labels as an array of strings';
    else {
      const spaced = labels.find((l: string) => /\s/.test(l) || !l);
      if (spaced !== undefined) errors.labels = `The label '${spaced}' contains spaces which is invalid.`;
    }
    const components = fields.components ?? [];
    if (!Array.isArray(components) || components.some((c) => typeof (c as { name?: unknown })?.name !== 'string')) errors.components = 'Specify the components as [{"name": "…"}]';
    let assignee: string | null = null;
    if (fields.assignee !== undefined && fields.assignee !== null) {
      const accountId = (fields.assignee as { accountId?: unknown }).accountId;
      if (typeof accountId !== 'string' || !accountId) errors.assignee = 'Specify the assignee as {"accountId": "…"}';
      else assignee = accountId;
    }
    const known = new Set(['project', 'issuetype', 'summary', 'description', 'priority', 'labels', 'components', 'assignee']);
    const customFields: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(fields)) {
      if (known.has(name)) continue;
      if (/^customfield_\d+$/.test(name)) customFields[name] = value;
      else errors[name] = `Field '${name}' cannot be set. It is not on the appropriate screen, or unknown.`;
    }
    if (Object.keys(errors).length > 0) return badRequest(errors);
    const number = (this.projectCounters.get(project) ?? 0) + 1;
    this.projectCounters.set(project, number);
    const now = this.now();
    const issue: FakeIssue = {
      id: String(this.nextIssueId++),
      key: `${project}-${number}`,
      project,
      issueType: (issueType as string).trim(),
      summary: summary as string,
      description: fields.description ?? null,
      priority: priority as string,
      labels: [...(labels as string[])],
      components: (components as { name: string }[]).map((c) => c.name),
      assignee,
      customFields,
      status: 'To Do',
      resolution: null,
      created: now,
      updated: now,
      resolutionDate: null,
      comments: [],
    };
    this.issuesByKey.set(issue.key, issue);
    this.counters.issuesCreated++;
    this.save();
    this.emit('jira:issue_created', 'issue_created', issue, API_USER, {});
    return { status: 201, body: { id: issue.id, key: issue.key, self: `${this.url}/rest/api/3/issue/${issue.id}` } };
  }

  private search(input: Record<string, unknown>): Answer {
    this.counters.searches++;
    const jql = typeof input.jql === 'string' ? input.jql : '';
    let matches: FakeIssue[];
    try {
      matches = this.runJql(jql);
    } catch (error) {
      if (error instanceof JqlError) return badRequest({}, [error.message]);
      throw error;
    }
    const maxResults = Math.min(5_000, Math.max(1, Number(input.maxResults ?? 50) || 50));
    const offset = typeof input.nextPageToken === 'string' ? Number(Buffer.from(input.nextPageToken, 'base64url').toString('utf8')) || 0 : 0;
    const fields = Array.isArray(input.fields) ? input.fields.map(String) : ['id'];
    const page = matches.slice(offset, offset + maxResults);
    const isLast = offset + maxResults >= matches.length;
    return {
      status: 200,
      body: {
        issues: page.map((issue) => {
          const all = this.issueJson(issue, fields.filter((f) => f !== 'key' && f !== 'id'));
          return { expand: all.expand, id: issue.id, self: all.self, key: issue.key, fields: all.fields };
        }),
        ...(isLast ? {} : { nextPageToken: Buffer.from(String(offset + maxResults)).toString('base64url') }),
        isLast,
      },
    };
  }

  /** The JQL this fake understands: `field = value` (or `in (…)`, `!=`) joined by AND, then ORDER BY. */
  private runJql(jql: string): FakeIssue[] {
    const [where = '', order] = jql.split(/(?:^|\s+)ORDER\s+BY\s+/i);
    if (!where.trim()) throw new JqlError('Unbounded JQL queries are not allowed here. Please add a search restriction to your query.');
    const clauses = where.split(/\s+AND\s+/i).map((clause) => {
      const m = /^\s*([A-Za-z_]+)\s*(=|!=|\s+in\s+|\s+not\s+in\s+)\s*(.+?)\s*$/i.exec(clause);
      if (!m) throw new JqlError(`Error in the JQL Query: '${clause.trim()}' is not something this fake JIRA reads (field = "value", joined by AND).`);
      const field = m[1]!.toLowerCase();
      const op = m[2]!.trim().toLowerCase();
      const raw = m[3]!;
      const values = (op.endsWith('in') ? raw.replace(/^\(|\)$/g, '').split(',') : [raw]).map((v) => v.trim().replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1'));
      if (!['labels', 'project', 'key', 'issuekey', 'status', 'statuscategory', 'issuetype', 'assignee'].includes(field)) {
        throw new JqlError(`Field '${m[1]}' does not exist or you do not have permission to view it.`);
      }
      return { field, negate: op === '!=' || op.startsWith('not'), values: values.map((v) => v.toLowerCase()) };
    });
    const valuesOf = (issue: FakeIssue, field: string): string[] => {
      switch (field) {
        case 'labels': return issue.labels;
        case 'project': return [issue.project];
        case 'key':
        case 'issuekey': return [issue.key];
        case 'status': return [issue.status];
        case 'statuscategory': return [CATEGORIES[this.statusOf(issue.status).category].name];
        case 'issuetype': return [issue.issueType];
        default: return issue.assignee ? [issue.assignee] : [];
      }
    };
    const found = this.issues().filter((issue) => clauses.every((c) => {
      const has = valuesOf(issue, c.field).some((v) => c.values.includes(v.toLowerCase()));
      return c.negate ? !has : has;
    }));
    const descending = order ? /\bDESC\b/i.test(order) : true;
    return descending ? found.reverse() : found;
  }

  // ---------------------------------------------------------------- the page and its controls

  private control(method: string, path: string, req: IncomingMessage, body: Buffer): Answer {
    if (path === '/_control/state' && method === 'GET') {
      return { status: 200, body: { fake: `${FAKE_JIRA_LABEL} JIRA`, counters: this.counters, issues: this.issues().map((i) => this.issueJson(i)), deliveries: this.deliveries.map(({ body: _body, ...d }) => d) } };
    }
    if (method !== 'POST') return { status: 405, body: errorsBody(['POST']) };
    // A page elsewhere in the browser must not drive this one.
    const origin = req.headers.origin;
    if (origin && origin !== 'null' && origin !== `http://${req.headers.host ?? ''}`) return { status: 403, body: errorsBody([`${FAKE_JIRA_LABEL} JIRA: controls answer this page only`]) };
    const json = (req.headers['content-type'] ?? '').includes('application/json');
    let form: Record<string, string>;
    try {
      form = json ? (JSON.parse(body.toString('utf8') || '{}') as Record<string, string>) : Object.fromEntries(new URLSearchParams(body.toString('utf8')));
    } catch {
      return badRequest({}, ['the body is not JSON']);
    }
    const m = /^\/_control\/issues\/([^/]+)\/(comment|transition)$/.exec(path);
    if (!m) return { status: 404, body: errorsBody([`${FAKE_JIRA_LABEL} JIRA: no control ${path}`]) };
    const key = decodeURIComponent(m[1]!);
    const issue = this.issue(key);
    if (!issue) return { status: 404, body: errorsBody([`no issue ${key}`]) };
    try {
      if (m[2] === 'comment') {
        const text = String(form.text ?? '').trim();
        if (!text) return badRequest({ text: 'write a comment' });
        this.addComment(key, text);
      } else {
        this.transition(key, String(form.transition ?? ''));
      }
    } catch (error) {
      return badRequest({}, [(error as Error).message]);
    }
    if (json) return { status: 200, body: this.issueJson(issue) };
    const back = form.back === 'browse' ? `/browse/${issue.key}` : `/#${issue.key}`;
    return { status: 303, headers: { location: back }, body: '' };
  }

  private page(only?: FakeIssue): string {
    const issues = only ? [only] : this.issues().reverse();
    const back = only ? 'browse' : 'list';
    const card = (issue: FakeIssue): string => {
      const status = this.statusOf(issue.status);
      const button = (transition: string, label: string) => `<form method="post" action="/_control/issues/${esc(issue.key)}/transition"><input type="hidden" name="transition" value="${esc(transition)}"><input type="hidden" name="back" value="${back}"><button>${esc(label)}</button></form>`;
      const buttons = status.category === 'done'
        ? button('11', 'Reopen (To Do)')
        : [status.name !== 'In Progress' ? button('21', 'Start progress') : '', button('31', 'Resolve: Done'), button('41', "Resolve: Won't Do")].join('');
      const comments = issue.comments.map((c) => `<li><b>${esc(c.author.displayName)}</b> <small>${esc(c.created)}</small><div class="text">${esc(adfText(c.body).trim())}</div></li>`).join('');
      const custom = Object.entries(issue.customFields).map(([k, v]) => `${esc(k)}=${esc(typeof v === 'string' ? v : JSON.stringify(v))}`).join(', ');
      return `<section id="${esc(issue.key)}"><h2><a href="/browse/${esc(issue.key)}">${esc(issue.key)}</a> ${esc(issue.summary)} <span class="status ${status.category}">${esc(issue.status)}</span>${issue.resolution ? ` <small>resolution: ${esc(issue.resolution)}</small>` : ''}</h2>
<p class="meta">${esc(issue.issueType)} in ${esc(issue.project)} · priority ${esc(issue.priority)} · labels ${esc(issue.labels.join(', ') || 'none')}${issue.components.length ? ` · components ${esc(issue.components.join(', '))}` : ''} · assignee ${esc(issue.assignee ?? 'unassigned')}${custom ? ` · ${custom}` : ''} · created ${esc(issue.created)}</p>
<div class="text">${esc(adfText(issue.description).trim() || '(no description)')}</div>
<ul class="comments">${comments}</ul>
<div class="actions">${buttons}</div>
<form method="post" action="/_control/issues/${esc(issue.key)}/comment" class="comment"><input type="hidden" name="back" value="${back}"><textarea name="text" rows="2" cols="70" placeholder="Comment as ${esc(PAGE_USER.displayName)}" required></textarea><button>Comment</button></form></section>`;
    };
    const deliveries = this.deliveries.slice(-15).reverse().map((d) => `<tr><td>${esc(d.identifier)}</td><td>${esc(d.event)}</td><td>${esc(d.key)}</td><td>${d.status || 'no answer'}</td><td>${d.attempts}</td><td><code>${esc(d.response.slice(0, 160))}</code></td></tr>`).join('');
    return `<!doctype html><meta charset="utf-8"><title>${FAKE_JIRA_TITLE}${only ? ` — ${esc(only.key)}` : ''}</title>
<style>body{font:14px system-ui;margin:2rem;color:#172b4d;max-width:70rem}.banner{background:#fff4e5;border:1px solid #f5a623;padding:.5rem 1rem}section{border:1px solid #dfe1e6;border-radius:4px;padding:.5rem 1rem;margin:1rem 0}.status{font-size:12px;padding:2px 6px;border-radius:3px;background:#dfe1e6}.status.indeterminate{background:#deebff}.status.done{background:#e3fcef}.meta{color:#5e6c84}.text{white-space:pre-wrap}.actions form{display:inline;margin-right:.5rem}td,th{padding:2px 8px;text-align:left;border-bottom:1px solid #eee}</style>
<h1>${FAKE_JIRA_TITLE}</h1>
<p class="banner"><b>${FAKE_JIRA_LABEL}</b>: not Atlassian. Apollo's local runtime opens tickets here (a manual request, a <code>jira</code> action); resolve one <b>Done</b> to complete its request, or <b>Won't Do</b> to fail it. Webhooks go to <code>${esc(this.webhookUrl ?? 'nowhere (none configured)')}</code>.${only ? ' <a href="/">All tickets</a>' : ''}</p>
${issues.length ? issues.map(card).join('\n') : '<p>No tickets yet.</p>'}
${only ? '' : `<h2>Webhooks sent</h2><table><tr><th>identifier</th><th>event</th><th>issue</th><th>answer</th><th>attempts</th><th>body</th></tr>${deliveries}</table>`}`;
  }

  // ---------------------------------------------------------------- keeping the tickets

  private load(): void {
    if (!this.options.stateFile) return;
    let text: string;
    try {
      text = readFileSync(this.options.stateFile, 'utf8');
    } catch {
      return;
    }
    const state = JSON.parse(text) as { issues?: FakeIssue[]; nextIssueId?: number; nextCommentId?: number; projects?: Record<string, number> };
    for (const issue of state.issues ?? []) this.issuesByKey.set(issue.key, issue);
    for (const [project, n] of Object.entries(state.projects ?? {})) this.projectCounters.set(project, n);
    this.nextIssueId = state.nextIssueId ?? this.nextIssueId;
    this.nextCommentId = state.nextCommentId ?? this.nextCommentId;
  }

  private save(): void {
    const file = this.options.stateFile;
    if (!file) return;
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify({ issues: this.issues(), nextIssueId: this.nextIssueId, nextCommentId: this.nextCommentId, projects: Object.fromEntries(this.projectCounters) }), { mode: 0o600 });
    renameSync(temp, file);
  }
}

const send = (res: ServerResponse, answer: Answer): void => sendFakeAnswer(res, answer, FAKE_JIRA_LABEL, 'application/json;charset=UTF-8');
const readBody = (req: IncomingMessage): Promise<Buffer | null> => readFakeBody(req, MAX_BODY);

// ---------------------------------------------------------------- the local runtime's JIRA

/** Fake JIRAs this process started: their URL in APOLLO_JIRA_URL is ours, not a real site's. */
const startedHere = new Set<string>();

/**
 * The local runtime's JIRA: the integration secrets `jira_email`, `jira_api_token` and
 * `jira_webhook_secret` (created once, beside the others), a fake on loopback accepting them (its
 * tickets kept in `$APOLLO_HOME/fake-jira.json`), `APOLLO_JIRA_URL` pointing at it and allowlisted past
 * the egress guard. Undefined when APOLLO_JIRA_URL already names a real site.
 */
export async function startLocalJira(home: string | undefined): Promise<FakeJira | undefined> {
  const configured = process.env[JIRA_URL_ENV];
  if (configured && !startedHere.has(configured)) return undefined;
  const { email, apiToken, webhookSecret } = await ensureJiraSecrets(home);
  const fake = await FakeJira.start({ email, apiToken, webhookSecret, ...(home ? { stateFile: join(home, 'fake-jira.json') } : {}) });
  startedHere.add(fake.url);
  process.env[JIRA_URL_ENV] = fake.url;
  const allow = (process.env[EGRESS_ALLOW_ENV] ?? '').split(',').map((v) => v.trim()).filter(Boolean);
  if (!allow.includes(`${fake.url}/`)) process.env[EGRESS_ALLOW_ENV] = [...allow, `${fake.url}/`].join(',');
  return fake;
}

/** The fake's credentials and webhook secret in the local integration secrets (created on first use). */
export async function ensureJiraSecrets(home: string | undefined): Promise<{ email: string; apiToken: string; webhookSecret: string }> {
  const fresh = (): string => randomBytes(24).toString('base64url');
  const defaults = { [JIRA_EMAIL_SECRET]: 'apollo@local-fake-jira.test', [JIRA_TOKEN_SECRET]: fresh(), [JIRA_WEBHOOK_SECRET]: fresh() };
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
  return { email: values[JIRA_EMAIL_SECRET]!, apiToken: values[JIRA_TOKEN_SECRET]!, webhookSecret: values[JIRA_WEBHOOK_SECRET]! };
}

/** The terminal's line about it. */
export function localJiraBanner(fake: FakeJira): string {
  return `JIRA: a LOCAL FAKE JIRA Cloud at ${fake.url}/ (its page: the tickets requests open; comment, start, resolve Done or Won't Do there to finish a manual request); ${JIRA_URL_ENV} points at it, basic auth ${JIRA_EMAIL_SECRET}/${JIRA_TOKEN_SECRET}, its webhooks go to Apollo signed with ${JIRA_WEBHOOK_SECRET}`;
}
