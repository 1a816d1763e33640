/**
 * Security sweep, against the local runtime as `npm start` runs it (a child process: load-runtime.ts), its handlers
 * logging at DEBUG:
 * - a workload that touches every kind of secret (a secret created, given a new value and a generated one through
 *   the API; a request with a secret field, approved and fulfilled through Terraform and a REST call with a bearer
 *   secret; a DNS request signing its webhook; an AI turn on the fake model; signed webhooks), then reads of what
 *   could carry them (the secret's pages, the requests, their logs, the audit log, Apollo's own logs, the session);
 *   every response the clients got (headers and body) and every line the runtime wrote are searched for every secret
 *   the runtime holds (its home's files, decrypted, and the tokens of its fakes) and for credential-shaped strings;
 * - webhooks from GitHub, Terraform Cloud, JIRA and PagerDuty: a signed delivery sent twice (and its body under a new
 *   delivery id) is processed once, measured where it acts (discovery jobs, incidents) or by the answer; unsigned,
 *   wrongly signed and tampered deliveries are refused; a signed delivery older than the replay window is refused;
 * - SSRF: request actions whose REST URL, webhook URL or OAuth token URL a requester fills, pointed at the metadata
 *   address, loopback (by address, by name, in IPv6 and odd notations), private ranges, the runtime's own API, and
 *   an allowlisted target that redirects inward: every one refused (a canary on loopback counts what reached it);
 *   health-check targets the same; the local allowance is only the fakes' URL prefixes;
 * - per-principal rate limits: one person over the log-read limit gets 429 with Retry-After, another is unaffected.
 */
import { randomBytes, randomUUID, createHmac } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { ApiClient, type ApiResponse, type Credentials } from '#shared/api-client';
import { parseEgressAllow } from '#functions/requests/actions/ssrf';
import { startChildRuntime, type ChildRuntime } from './load-child.ts';
import { check, type Check, type Scenario, type ScenarioContext } from './scenario.ts';
import { distinct, scan, secretsOfHome, type Finding, type KnownSecret } from './security-scan.ts';

const LOG_RATE_PER_MINUTE = 10;
/** Replays are recognised for a week (functions/webhooks/deliveries.ts): a delivery signed earlier is stale. */
const STALE_MS = 8 * 24 * 3_600_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const token = (bytes = 24) => randomBytes(bytes).toString('base64url');

interface Captured { readonly where: string; readonly text: string }

/** A fetch that keeps every response (status line, headers, body) for the scan, and what it sent (the scan's control). */
function capturingFetch(captured: Captured[], sentBodies?: string[]): typeof fetch {
  return async (input, init) => {
    if (sentBodies && typeof init?.body === 'string') sentBodies.push(init.body);
    const res = await fetch(input, init);
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const text = await res.clone().text();
    captured.push({ where: `${init?.method ?? 'GET'} ${url.pathname} → ${res.status}`, text: `${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${text}` });
    return res;
  };
}

/** A loopback server counting what reaches it; `answer` decides the response. */
async function listen(answer: (path: string) => { status: number; headers?: Record<string, string> }): Promise<{ server: Server; url: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    const { status, headers } = answer(req.url ?? '/');
    res.writeHead(status, headers).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

const closeServer = (server: Server) => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });

/** Runs one part; an exception is a failed check of that part, not the end of the sweep. */
async function part(checks: Check[], what: string, run: () => Promise<Check[]>): Promise<void> {
  try {
    checks.push(...(await run()));
  } catch (error) {
    checks.push(check(`${what}: ran to its end`, false, (error as Error).stack?.split('\n').slice(0, 3).join(' | ') ?? String(error)));
  }
}

interface Sweep {
  readonly ctx: ScenarioContext;
  readonly runtime: ChildRuntime;
  readonly captured: Captured[];
  readonly api: { admin: ApiClient; operator: ApiClient; developer: ApiClient; viewer: ApiClient; dana: ApiClient };
  /** Values this sweep made up and sent (a secret's values, a secret field). */
  readonly sent: KnownSecret[];
  readonly env: Readonly<Record<string, string>>;
  /** What to read at the end: requests, AI sessions. */
  readonly requests: string[];
  readonly sessions: string[];
}

const ok = (res: ApiResponse, ...statuses: number[]) => statuses.includes(res.status);
const brief = (res: ApiResponse) => `${res.status} ${JSON.stringify(res.body).slice(0, 160)}`;

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

interface RequestEnd { status: string; error?: { code?: string; message?: string }; actions?: Array<{ attempts?: Array<{ error?: { code?: string; message?: string } }> }> }

async function requestEnds(api: ApiClient, id: string, timeoutMs = 40_000): Promise<RequestEnd> {
  return until<RequestEnd>(`request ${id} ends`, timeoutMs, async () => {
    const body = (await api.send('GET', `/api/v1/requests/${id}`)).body as RequestEnd;
    return ['completed', 'failed', 'cancelled', 'rejected'].includes(body.status) ? body : undefined;
  });
}

// ------------------------------------------------------------------------------------------------ the workload

/** Secrets through the API: created with a value, given a new one, then a generated one; read every way. */
async function secretsWorkload(s: Sweep): Promise<Check[]> {
  const [v1, v2] = [`rel-${token()}`, `rel-${token()}`];
  s.sent.push({ name: 'the value the sweep created its secret with', value: v1 }, { name: 'the value the sweep updated its secret to', value: v2 });
  const path = '/api/v1/secrets/dev/core-service/reliability-key';
  const steps: Array<[string, ApiResponse, number[]]> = [];
  steps.push(['create', await s.api.admin.send('POST', path, { body: { category: 'api-key', value: v1, description: 'reliability sweep' } }), [201]]);
  steps.push(['new value', await s.api.admin.send('PUT', path, { body: { value: v2 } }), [200]]);
  steps.push(['generated value', await s.api.admin.send('PUT', path, { body: { generate: true } }), [200]]);
  steps.push(['read', await s.api.admin.send('GET', path), [200]]);
  steps.push(['history', await s.api.admin.send('GET', `${path}/history`), [200]]);
  steps.push(['list', await s.api.developer.send('GET', '/api/v1/secrets', { query: { service: 'core-service' } }), [200]]);
  steps.push(['expiring', await s.api.developer.send('GET', '/api/v1/secrets/expiring'), [200]]);
  steps.push(['audit', await s.api.admin.send('GET', '/api/v1/secrets/audit'), [200]]);
  const bad = steps.filter(([, res, want]) => !want.includes(res.status));
  return [check('the sweep created a secret, gave it a new value and a generated one, and read it back', bad.length === 0,
    bad.length ? bad.map(([what, res]) => `${what}: ${brief(res)}`).join(' | ') : `${steps.map(([what]) => what).join(', ')}: all answered`)];
}

/** A request with a secret field (approved, then Terraform and a REST call with a bearer secret) and a DNS request (bearer + HMAC). */
async function requestsWorkload(s: Sweep): Promise<Check[]> {
  const password = `pw-${token()}`;
  s.sent.push({ name: 'the secret field admin_password the sweep submitted', value: password });
  const db = `sweep${randomBytes(3).toString('hex')}`;
  const pg = await s.api.developer.send('POST', '/api/v1/requests', { body: { offeringId: 'postgresql-database', fields: { service: 'billing-service', db_name: db, environment: 'prod', instance_class: 'db.t4g.medium', storage_gb: 20, admin_password: password } } });
  const dns = await s.api.developer.send('POST', '/api/v1/requests', { body: { offeringId: 'dns-record', fields: { environment: 'dev', name: db, type: 'TXT', value: 'sweep' } } });
  if (!ok(pg, 201) || !ok(dns, 201)) return [check('requests with secrets ran', false, `postgresql ${brief(pg)}; dns ${brief(dns)}`)];
  const [pgId, dnsId] = [(pg.body as { id: string }).id, (dns.body as { id: string }).id];
  s.requests.push(pgId, dnsId);
  const approval = await until('the PostgreSQL request waits for approval', 20_000, async () => {
    const inbox = (await s.api.admin.send('GET', '/api/v1/approvals/pending')).body as { items: Array<{ id: string; requestId?: string }> };
    return inbox.items.find((a) => a.requestId === pgId);
  });
  const approved = await s.api.admin.send('POST', `/api/v1/approvals/${approval.id}/approve`, { body: {} });
  const [pgEnd, dnsEnd] = await Promise.all([requestEnds(s.api.developer, pgId), requestEnds(s.api.developer, dnsId)]);
  return [check('a request with a secret field (approved; Terraform, REST with a bearer secret) and a DNS request (bearer, HMAC webhook) completed', ok(approved, 200) && pgEnd.status === 'completed' && dnsEnd.status === 'completed',
    `approval ${approved.status}; postgresql-database prod ${pgEnd.status}${pgEnd.error ? ` (${pgEnd.error.message})` : ''}; dns-record dev ${dnsEnd.status}`)];
}

/** An AI turn (a built-in command, then the fake model over the findings), read back. */
async function aiWorkload(s: Sweep): Promise<Check[]> {
  const opened = await s.api.developer.send('POST', '/api/v1/ai/sessions', { body: { target: { service: 'core-service', environment: 'prod' } } });
  if (!ok(opened, 201, 200)) return [check('an AI turn ran', false, `open: ${brief(opened)}`)];
  const id = (opened.body as { id: string }).id;
  s.sessions.push(id);
  const sent = await s.api.developer.send('POST', `/api/v1/ai/sessions/${id}/message`, { body: { text: 'debug' } });
  if (!ok(sent, 202)) return [check('an AI turn ran', false, `message: ${brief(sent)}`)];
  await sleep(500);
  const idle = await until('the AI turn ends', 40_000, async () => {
    const res = await s.api.developer.send('GET', `/api/v1/ai/sessions/${id}`);
    return (res.body as { turn?: { status?: string } }).turn?.status === 'idle' ? res : undefined;
  });
  const transcript = JSON.stringify(idle.body);
  return [check('an AI turn ran on the fake model (the debug command\'s tools, then the model)', transcript.length > 500, `session ${id}: ${transcript.length} characters of transcript`)];
}

/** What could carry a secret, read once everything has run: the audit log, Apollo's own logs, the requests, the session. */
async function readEverything(s: Sweep): Promise<Check[]> {
  const reads: Array<[ApiClient, string, Record<string, string>?]> = [
    [s.api.admin, '/api/v1/audit', { limit: '200' }],
    [s.api.admin, '/api/v1/audit/requests', { limit: '100' }],
    [s.api.admin, '/api/v1/logs/services/apollo', { limit: '1000' }],
    [s.api.admin, '/api/v1/me'],
    [s.api.admin, '/api/v1/requests', { scope: 'all', limit: '100' }],
    [s.api.admin, '/api/v1/catalog/items/postgresql-database/source'],
    [s.api.viewer, '/api/v1/incidents', { limit: '50' }],
    ...s.requests.flatMap((id): Array<[ApiClient, string]> => [[s.api.developer, `/api/v1/requests/${id}`], [s.api.developer, `/api/v1/requests/${id}/logs`]]),
    ...s.sessions.map((id): [ApiClient, string] => [s.api.developer, `/api/v1/ai/sessions/${id}`]),
  ];
  const failed: string[] = [];
  for (const [api, path, query] of reads) {
    const res = await api.send('GET', path, query ? { query } : {});
    if (res.status !== 200) failed.push(`${path} ${res.status}`);
  }
  return [check('the audit log, Apollo\'s own logs, the requests, their logs and the AI session were read back', failed.length === 0,
    failed.length ? `not read: ${failed.join(', ')}` : `${reads.length} reads answered 200`)];
}

// ------------------------------------------------------------------------------------------------ webhooks

interface Delivery { readonly status: number; readonly body: Record<string, unknown> }

async function post(s: Sweep, path: string, body: string, headers: Record<string, string>): Promise<Delivery> {
  const res = await capturingFetch(s.captured)(`${s.runtime.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { text };
  }
  return { status: res.status, body: parsed };
}

const integrationSecret = (s: Sweep, name: string): string => {
  const value = (JSON.parse(readFileSync(join(s.runtime.home, 'integration-secrets.json'), 'utf8')) as Record<string, string>)[name];
  if (!value) throw new Error(`no integration secret ${name} in the runtime's home`);
  return value;
};

/** The refusals every sender's route must give: no signature, a wrong one, and a valid one over another body. */
async function refusals(send: (body: string, signature: string | null) => Promise<Delivery>, body: string, sign: (body: string) => string, wrong: (body: string) => string): Promise<string[]> {
  const tampered = body.replace(/}$/, ',"x":1}');
  const answers = [await send(body, null), await send(body, wrong(body)), await send(tampered, sign(body))];
  return answers.map((a, i) => `${['unsigned', 'wrongly signed', 'tampered'][i]} ${a.status}`).filter((line) => !line.endsWith(' 401'));
}

async function githubWebhooks(s: Sweep): Promise<Check[]> {
  const secret = readFileSync(join(s.runtime.home, 'github-webhook-secret'), 'utf8').trim();
  const sign = (body: string, key = secret) => `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
  const send = (body: string, signature: string | null, delivery = randomUUID()) => post(s, '/api/v1/webhooks/github', body, {
    'x-github-event': 'push', 'x-github-delivery': delivery, ...(signature === null ? {} : { 'x-hub-signature-256': signature }),
  });
  const jobs = async () => ((await s.api.admin.send('GET', '/api/v1/discovery/jobs', { query: { limit: '100' } })).body as { items: unknown[] }).items.length;
  const sha = randomBytes(20).toString('hex');
  const body = JSON.stringify({
    ref: 'refs/heads/main', before: '0'.repeat(40), after: sha,
    repository: { name: 'core-service', full_name: 'apollo-demo/core-service', default_branch: 'main', owner: { login: 'apollo-demo' } },
    commits: [{ id: sha, message: 'Update apollo.yaml', added: [], modified: ['apollo.yaml'], removed: [] }], head_commit: { id: sha },
  });
  const before = await jobs();
  const delivery = randomUUID();
  const first = await send(body, sign(body), delivery);
  const again = await send(body, sign(body), delivery);
  const renamed = await send(body, sign(body));
  await sleep(300);
  const after = await jobs();
  const refused = await refusals((b, sig) => send(b, sig), body, sign, (b) => sign(b, 'not-the-secret'));
  return [
    check('GitHub: a signed delivery sent again (same X-GitHub-Delivery, or its body under a new id) is processed once', first.status === 200 && first.body.action === 'sync-started' && again.body.duplicate === true && renamed.body.duplicate === true && after - before === 1,
      `first ${first.status} ${String(first.body.action)}; again ${String(again.body.action)}; same body, new id ${String(renamed.body.action)}; discovery syncs started ${after - before}`),
    check('GitHub: unsigned, wrongly signed and tampered deliveries are refused (401)', refused.length === 0,
      refused.length ? `accepted: ${refused.join(', ')}` : 'all three 401 (GitHub signs no time: a replay is recognised by its id and its body for 7 days, and a push only makes Apollo read GitHub again)'),
  ];
}

async function terraformWebhooks(s: Sweep): Promise<Check[]> {
  const secret = integrationSecret(s, 'terraform_notification_token');
  const sign = (body: string, key = secret) => createHmac('sha512', key).update(body).digest('hex');
  const send = (body: string, signature: string | null) => post(s, '/api/v1/webhooks/terraform', body, signature === null ? {} : { 'x-tfe-notification-signature': signature });
  const notification = (runId: string, at: Date) => JSON.stringify({
    payload_version: 1, notification_configuration_id: 'nc-sweep', run_url: `https://app.terraform.io/app/acme/workspaces/ws/runs/${runId}`, run_id: runId,
    run_message: 'sweep', run_created_at: at.toISOString(), run_created_by: 'apollo', workspace_id: 'ws-sweep', workspace_name: 'ws', organization_name: 'acme',
    notifications: [{ message: 'Applied', trigger: 'run:completed', run_status: 'applied', run_updated_at: at.toISOString(), run_updated_by: 'apollo' }],
  });
  const body = notification(`run-${randomBytes(6).toString('hex')}`, new Date());
  const first = await send(body, sign(body));
  const again = await send(body, sign(body));
  const refused = await refusals(send, body, sign, (b) => sign(b, 'not-the-secret'));
  const staleBody = notification(`run-${randomBytes(6).toString('hex')}`, new Date(Date.now() - STALE_MS));
  const stale = await send(staleBody, sign(staleBody));
  return [
    check('Terraform: a signed notification sent twice is processed once', first.status === 200 && first.body.duplicate === false && again.status === 200 && again.body.duplicate === true,
      `first ${first.status} duplicate=${String(first.body.duplicate)}; again ${again.status} duplicate=${String(again.body.duplicate)}`),
    check('Terraform: unsigned, wrongly signed and tampered notifications are refused (401)', refused.length === 0, refused.length ? `accepted: ${refused.join(', ')}` : 'all three 401'),
    check('Terraform: a signed notification older than the 7-day replay window is refused', stale.status === 401,
      `run_updated_at 8 days ago: ${stale.status} ${JSON.stringify(stale.body).slice(0, 160)}`),
  ];
}

async function jiraWebhooks(s: Sweep): Promise<Check[]> {
  const secret = integrationSecret(s, 'jira_webhook_secret');
  const sign = (body: string, key = secret) => `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
  const send = (body: string, signature: string | null, identifier = randomUUID()) => post(s, '/api/v1/webhooks/jira', body, {
    'x-atlassian-webhook-identifier': identifier, ...(signature === null ? {} : { 'x-hub-signature': signature }),
  });
  const event = (key: string, at: number) => JSON.stringify({ timestamp: at, webhookEvent: 'jira:issue_updated', issue_event_type_name: 'issue_generic', issue: { id: '10001', key, fields: { status: { name: 'Done' } } } });
  const body = event(`OPS-${9000 + Math.floor(Math.random() * 999)}`, Date.now());
  const identifier = randomUUID();
  const first = await send(body, sign(body), identifier);
  const again = await send(body, sign(body), identifier);
  const renamed = await send(body, sign(body));
  const refused = await refusals((b, sig) => send(b, sig), body, sign, (b) => sign(b, 'not-the-secret'));
  const staleBody = event('OPS-1', Date.now() - STALE_MS);
  const stale = await send(staleBody, sign(staleBody));
  return [
    check('JIRA: a signed event sent again (same identifier, or its body under a new one) is processed once', first.status === 200 && first.body.duplicate === false && again.body.duplicate === true && renamed.body.duplicate === true,
      `first ${first.status} duplicate=${String(first.body.duplicate)}; again duplicate=${String(again.body.duplicate)}; same body, new identifier duplicate=${String(renamed.body.duplicate)}`),
    check('JIRA: unsigned, wrongly signed and tampered events are refused (401)', refused.length === 0, refused.length ? `accepted: ${refused.join(', ')}` : 'all three 401'),
    check('JIRA: a signed event older than the 7-day replay window is refused', stale.status === 401, `timestamp 8 days ago: ${stale.status} ${JSON.stringify(stale.body).slice(0, 160)}`),
  ];
}

async function pagerDutyWebhooks(s: Sweep): Promise<Check[]> {
  const secret = integrationSecret(s, 'pagerduty_webhook_secret').split(/[,\n]/)[0]!.trim();
  const sign = (body: string, key = secret) => `v1=${createHmac('sha256', key).update(body).digest('hex')}`;
  const send = (body: string, signature: string | null, id = randomUUID()) => post(s, '/api/v1/webhooks/pagerduty', body, { 'x-webhook-id': id, ...(signature === null ? {} : { 'x-pagerduty-signature': signature }) });
  const triggered = (incident: string, at: Date) => JSON.stringify({
    event: {
      id: `01${randomBytes(11).toString('hex').toUpperCase()}`, event_type: 'incident.triggered', resource_type: 'incident', occurred_at: at.toISOString(), agent: null, client: null,
      data: { id: incident, type: 'incident', number: 9000 + Math.floor(Math.random() * 999), title: 'Reliability sweep: error rate', status: 'triggered', urgency: 'high', incident_key: `sweep-${incident}`, html_url: `https://apollo-demo.pagerduty.com/incidents/${incident}`, service: { id: 'PCORE01', type: 'service_reference', summary: 'core-service' }, assignees: [] },
    },
  });
  const incidentsOf = async (id: string) => ((await s.api.viewer.send('GET', '/api/v1/incidents', { query: { source: 'pagerduty', limit: '100' } })).body as { items: Array<{ pagerduty?: { incidentId?: string } }> }).items.filter((i) => i.pagerduty?.incidentId === id).length;
  const incident = `QSW${randomBytes(5).toString('hex').toUpperCase()}`;
  const body = triggered(incident, new Date());
  const id = randomUUID();
  const first = await send(body, sign(body), id);
  const again = await send(body, sign(body), id);
  const renamed = await send(body, sign(body));
  const refused = await refusals((b, sig) => send(b, sig), body, sign, (b) => sign(b, 'not-the-secret'));
  const staleIncident = `QST${randomBytes(5).toString('hex').toUpperCase()}`;
  const staleBody = triggered(staleIncident, new Date(Date.now() - STALE_MS));
  const stale = await send(staleBody, sign(staleBody));
  await sleep(300);
  const [opened, openedStale] = [await incidentsOf(incident), await incidentsOf(staleIncident)];
  return [
    check('PagerDuty: a signed delivery sent again (same X-Webhook-Id, or its body under a new id) is processed once', first.status === 200 && again.body.duplicate === true && renamed.body.duplicate === true && opened === 1,
      `first ${first.status} ${String(first.body.outcome)}; again duplicate=${String(again.body.duplicate)}; same body, new id duplicate=${String(renamed.body.duplicate)}; Apollo incidents of PagerDuty's ${incident}: ${opened}`),
    check('PagerDuty: unsigned, wrongly signed and tampered deliveries are refused (401)', refused.length === 0, refused.length ? `accepted: ${refused.join(', ')}` : 'all three 401'),
    check('PagerDuty: a signed delivery older than the 7-day replay window is refused', stale.status === 401 && openedStale === 0,
      `occurred_at 8 days ago: ${stale.status} ${JSON.stringify(stale.body).slice(0, 120)}; Apollo incidents of it: ${openedStale}`),
  ];
}

// ------------------------------------------------------------------------------------------------ SSRF

const OFFERINGS: Record<string, string> = {
  'ssrf-rest': `    - id: call
      name: Call the address
      type: rest
      timeout: 5s
      retry: { maxAttempts: 1 }
      config:
        method: GET
        url: "{{fields.url}}"`,
  'ssrf-webhook': `    - id: notify
      name: Notify the address
      type: webhook
      timeout: 5s
      retry: { maxAttempts: 1 }
      config:
        url: "{{fields.url}}"
        secret: "{{secrets.dns_hook_key}}"
        payload: { probe: true }`,
  'ssrf-oauth': `    - id: call
      name: Call the DNS API with a token from the address
      type: rest
      timeout: 5s
      retry: { maxAttempts: 1 }
      config:
        method: GET
        url: "{{env.APOLLO_FAKES_URL}}/dns/records"
        auth:
          type: oauth2-client-credentials
          tokenUrl: "{{fields.url}}"
          clientId: sweep
          clientSecret: "{{secrets.dns_api_token}}"`,
};

const offeringYaml = (id: string, actions: string) => `schemaVersion: "2.0"
metadata:
  id: ${id}
  name: Reliability sweep ${id}
  description: An action to an address the requester gives (the security sweep of npm run reliability).
  category: networking
  owner: platform
  version: 1.0.0
presentation:
  fields:
    - id: url
      type: string
      label: Address
      validation:
        required: true
fulfillment:
  type: automated
  actions:
${actions}
`;

/** The offerings, committed to the catalog repository on the fake GitHub (its push refreshes Apollo's catalog). */
async function publishOfferings(s: Sweep): Promise<void> {
  for (const [id, actions] of Object.entries(OFFERINGS)) {
    const res = await fetch(`${s.env.APOLLO_GITHUB_API_URL}/repos/apollo-demo/platform-catalog/contents/catalog/${id}.yaml`, {
      method: 'PUT',
      headers: { authorization: `token ${s.env.APOLLO_GITHUB_TOKEN}`, accept: 'application/vnd.github+json', 'content-type': 'application/json' },
      body: JSON.stringify({ message: `Add ${id} (reliability sweep)`, content: Buffer.from(offeringYaml(id, actions)).toString('base64') }),
    });
    if (res.status !== 201 && res.status !== 200) throw new Error(`the fake GitHub refused ${id}: ${res.status} ${await res.text()}`);
  }
  for (const id of Object.keys(OFFERINGS)) {
    await until(`offering ${id} in the catalog`, 20_000, async () => ((await s.api.developer.send('GET', `/api/v1/catalog/items/${id}`)).status === 200 ? true : undefined));
  }
}

interface Target { readonly what: string; readonly url: string; readonly redirect?: boolean }

async function targetsOf(s: Sweep, canary: string, redirector: string): Promise<Target[]> {
  const port = new URL(canary).port;
  const own = hostname();
  const ownAddress = await lookup(own).then((a) => a.address, () => undefined);
  const all: Target[] = [
    { what: 'the metadata address', url: 'http://169.254.169.254/latest/meta-data/iam/security-credentials/' },
    { what: 'the metadata address over https', url: 'https://169.254.169.254/latest/api/token' },
    { what: 'the IPv6 metadata address', url: 'http://[fd00:ec2::254]/latest/meta-data/' },
    { what: 'loopback', url: `${canary}/probe` },
    { what: 'localhost (a name for loopback)', url: `http://localhost:${port}/probe` },
    ...(ownAddress ? [{ what: `this machine's name ${own} (${ownAddress})`, url: `http://${own}:${port}/probe` }] : []),
    { what: 'IPv6 loopback', url: `http://[::1]:${port}/probe` },
    { what: 'loopback as IPv4-mapped IPv6', url: `http://[::ffff:127.0.0.1]:${port}/probe` },
    { what: 'loopback as one decimal number', url: `http://2130706433:${port}/probe` },
    { what: 'loopback in hex', url: `http://0x7f.1:${port}/probe` },
    { what: '0.0.0.0', url: `http://0.0.0.0:${port}/probe` },
    { what: '10.0.0.0/8', url: 'http://10.0.0.1/admin' },
    { what: '172.16.0.0/12', url: 'http://172.16.0.1/admin' },
    { what: '192.168.0.0/16', url: 'http://192.168.0.1/admin' },
    { what: 'carrier-grade NAT', url: 'http://100.64.0.1/admin' },
    { what: 'credentials in the URL before the metadata host', url: `http://127.0.0.1:${port}@169.254.169.254/latest/meta-data/` },
    { what: "the runtime's own API (loopback, outside the fakes' allowed prefix)", url: `${s.runtime.url}/api/v1/me` },
    { what: "dot segments out of the fakes' allowed prefix", url: `${s.runtime.url}/fakes/integrations/../../api/v1/me` },
    { what: 'an allowlisted target redirecting to loopback', url: `${redirector}/redirect/canary`, redirect: true },
    { what: 'an allowlisted target redirecting to the metadata address', url: `${redirector}/redirect/metadata`, redirect: true },
  ];
  if (!s.ctx.smoke) return all;
  return all.filter((t) => ['the metadata address', 'loopback', 'localhost (a name for loopback)', '10.0.0.0/8', "the runtime's own API (loopback, outside the fakes' allowed prefix)", 'an allowlisted target redirecting to loopback'].includes(t.what));
}

async function ssrf(s: Sweep, canary: { url: string; hits: string[] }, redirector: { url: string; hits: string[] }): Promise<Check[]> {
  await publishOfferings(s);
  const targets = await targetsOf(s, canary.url, redirector.url);
  const submitted: Array<{ offering: string; target: Target; id?: string; answer?: string }> = [];
  for (const target of targets) {
    for (const offering of Object.keys(OFFERINGS)) {
      const res = await s.api.developer.send('POST', '/api/v1/requests', { body: { offeringId: offering, fields: { url: target.url } } });
      submitted.push({ offering, target, ...(res.status === 201 ? { id: (res.body as { id: string }).id } : { answer: brief(res) }) });
    }
  }
  const outcomes = await Promise.all(submitted.map(async (r) => ({ ...r, end: r.id ? await requestEnds(s.api.developer, r.id) : undefined })));
  const codeOf = (o: (typeof outcomes)[number]) => o.end?.actions?.flatMap((a) => a.attempts ?? []).map((a) => a.error?.code).find(Boolean);
  // Refused at submission (the form's check) or by the egress guard when the action ran: either way nothing was called.
  const direct = outcomes.filter((o) => !o.target.redirect);
  const notRefused = direct.filter((o) => !(o.answer?.startsWith('400') || (o.end?.status === 'failed' && codeOf(o) === 'egress-refused')));
  const redirected = outcomes.filter((o) => o.target.redirect);
  const followed = redirected.filter((o) => o.end?.status !== 'failed');
  const checks = [
    check("request actions refuse internal addresses in every templated URL (REST, webhook, OAuth token URL)", notRefused.length === 0 && canary.hits.length === 0,
      notRefused.length || canary.hits.length
        ? `not refused: ${notRefused.slice(0, 4).map((o) => `${o.offering} → ${o.target.what}: ${o.end?.status ?? o.answer} ${codeOf(o) ?? ''}`).join(' | ')}; the loopback canary was reached ${canary.hits.length} times`
        : `${direct.length} requests (${targets.filter((t) => !t.redirect).length} targets × ${Object.keys(OFFERINGS).length} offerings) failed with egress-refused; the loopback canary was never reached`,
      { value: notRefused.length, unit: 'not refused' }),
    check('a redirect from an allowlisted target to an internal address is not followed', redirected.length > 0 && followed.length === 0 && canary.hits.length === 0 && redirector.hits.length > 0,
      `${redirected.length} requests to an allowlisted target answering 302 inward: ${redirected.map((o) => o.end?.status ?? o.answer).join(', ')}; the target was called ${redirector.hits.length} times, the canary behind the redirect ${canary.hits.length}`),
  ];
  return checks;
}

/** Health checks: an environment's health endpoint set to the canary and the metadata address, then the health job. */
async function healthChecks(s: Sweep, canary: { url: string; hits: string[] }): Promise<Check[]> {
  const service = 'api-gateway';
  const envs = (await s.api.admin.send('GET', `/api/v1/services/${service}/environments`)).body as Array<Record<string, unknown> & { name: string }> | { items: Array<Record<string, unknown> & { name: string }> };
  const list = Array.isArray(envs) ? envs : envs.items;
  const targets: Array<[string, string]> = [['dev', `${canary.url}/health`], ['staging', 'http://169.254.169.254/latest/meta-data/']];
  for (const [name, url] of targets) {
    const env = list.find((e) => e.name === name);
    if (!env) throw new Error(`${service} has no ${name} environment`);
    const body = Object.fromEntries(['cluster', 'namespace', 'deployment', 'resources', 'secrets'].filter((k) => env[k] !== undefined).map((k) => [k, env[k]]));
    const put = await s.api.admin.send('PUT', `/api/v1/services/${service}/environments/${name}`, { body: { ...body, deployment: pick(env.deployment, ['imageTag', 'replicas', 'lastDeployedAt', 'lastDeployedBy', 'gitCommit']), endpoints: { ...(env.endpoints as object), healthCheck: url } } });
    if (put.status !== 200 && put.status !== 201) throw new Error(`PUT ${service} ${name}: ${brief(put)}`);
  }
  const hitsBefore = canary.hits.length;
  await s.runtime.job('health-poll');
  const after = (await s.api.admin.send('GET', `/api/v1/services/${service}/environments`)).body as Array<{ name: string; health?: { status?: string; reason?: string } }> | { items: Array<{ name: string; health?: { status?: string; reason?: string } }> };
  const health = (Array.isArray(after) ? after : after.items).filter((e) => targets.some(([n]) => n === e.name)).map((e) => `${e.name}: ${e.health?.status} (${e.health?.reason ?? ''})`);
  const reached = canary.hits.length - hitsBefore;
  const refusedBoth = (Array.isArray(after) ? after : after.items).filter((e) => targets.some(([n]) => n === e.name)).every((e) => /refused/i.test(e.health?.reason ?? ''));
  return [check('health checks refuse internal addresses (loopback, the metadata address)', reached === 0 && refusedBoth,
    `the loopback canary was reached ${reached} times by the health job; ${health.join('; ')}`, { value: reached, unit: 'requests reached' })];
}

function pick(value: unknown, keys: readonly string[]): Record<string, unknown> | undefined {
  if (!value || typeof value !== 'object') return undefined;
  return Object.fromEntries(keys.filter((k) => (value as Record<string, unknown>)[k] !== undefined).map((k) => [k, (value as Record<string, unknown>)[k]]));
}

/** The runtime's own allowance: URL prefixes of its fakes (and the one target the sweep allowlisted), no address range. */
function localAllowance(s: Sweep, redirector: string): Check[] {
  const text = s.env.APOLLO_EGRESS_ALLOW ?? '';
  const list = parseEgressAllow(text);
  const broad = [...list.cidrs.map(() => 'a CIDR'), ...[...list.hosts].map((h) => `host ${h}`), ...list.suffixes.map((x) => `*${x}`), ...list.prefixes.filter((p) => new URL(p).pathname === '/' && !p.startsWith(redirector) && p.startsWith(s.runtime.url))];
  return [check("the local runtime's egress allowance is only its fakes' URL prefixes (the guard stays on for everything else)", broad.length === 0 && list.prefixes.length > 0,
    `APOLLO_EGRESS_ALLOW as the runtime set it: ${list.prefixes.join(', ')}${broad.length ? `; too broad: ${broad.join(', ')}` : ''}`)];
}

// ------------------------------------------------------------------------------------------------ rate limits

async function rateLimits(s: Sweep): Promise<Check[]> {
  // The limit counts per minute of the clock: start early in a minute so the burst stays in one.
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 45_000) await sleep(60_000 - intoMinute + 200);
  const read = (api: ApiClient) => api.send('GET', '/api/v1/logs/services/core-service', { query: { environment: 'dev', limit: '5' } });
  const answers: ApiResponse[] = [];
  for (let i = 0; i < LOG_RATE_PER_MINUTE + 1; i++) answers.push(await read(s.api.developer));
  const other = await read(s.api.dana);
  const still = await read(s.api.developer);
  const over = answers.at(-1)!;
  const retryAfter = Number(over.headers.get('retry-after'));
  const within = answers.slice(0, -1).filter((a) => a.status === 200).length;
  return [
    check(`a principal over the limit (${LOG_RATE_PER_MINUTE} log reads a minute) gets 429 with Retry-After`, within === LOG_RATE_PER_MINUTE && over.status === 429 && retryAfter >= 1 && retryAfter <= 60 && still.status === 429,
      `developer: ${within} of ${LOG_RATE_PER_MINUTE} answered 200, then ${over.status} Retry-After ${over.headers.get('retry-after')} (${(over.body as { error?: { message?: string } }).error?.message ?? ''}); again after another's read: ${still.status}`),
    check('another principal (same role) is unaffected meanwhile', other.status === 200, `dana@apollo.local (developer, signed-in session): ${other.status}`),
  ];
}

// ------------------------------------------------------------------------------------------------ the sweep

async function sweep(ctx: ScenarioContext): Promise<Check[]> {
  const began = Date.now();
  const log = (line: string) => ctx.log(`${((Date.now() - began) / 1000).toFixed(1).padStart(5)} s  ${line}`);
  const checks: Check[] = [];
  const canary = await listen(() => ({ status: 200 }));
  const redirector = await listen((path) => ({ status: 302, headers: { location: path.endsWith('/metadata') ? 'http://169.254.169.254/latest/meta-data/' : `${canary.url}/from-redirect` } }));
  let runtime: ChildRuntime | undefined;
  try {
    runtime = await startChildRuntime({
      LOG_LEVEL: 'DEBUG', APOLLO_TERMINAL_LOG_LEVEL: 'DEBUG', APOLLO_AI_FAKE_MODEL: '1',
      APOLLO_LOGS_RATE_PER_MINUTE: String(LOG_RATE_PER_MINUTE),
      // An operator's allowlist entry for one internal target (it redirects inward): the local runtime adds its fakes' to it.
      APOLLO_EGRESS_ALLOW: `${redirector.url}/redirect/`,
    });
    log(`runtime pid ${runtime.pid} at ${runtime.url}, logging at DEBUG`);
    await runtime.startJobsSettled(30_000);
    const captured: Captured[] = [];
    const sentBodies: string[] = [];
    const fetchFn = capturingFetch(captured, sentBodies);
    const clientOf = (credentials: Credentials) => new ApiClient({ baseUrl: runtime!.url, region: runtime!.region, credentials, fetch: fetchFn });
    const s: Sweep = {
      ctx, runtime, captured, sent: [], requests: [], sessions: [], env: await runtime.env(),
      api: {
        admin: clientOf(runtime.roles.admin), operator: clientOf(runtime.roles.operator), developer: clientOf(runtime.roles.developer), viewer: clientOf(runtime.roles.viewer),
        dana: clientOf(await runtime.session('developer', 'dana@apollo.local')),
      },
    };
    await part(checks, 'secrets', () => secretsWorkload(s));
    await part(checks, 'requests with secrets', () => requestsWorkload(s));
    await part(checks, 'AI', () => aiWorkload(s));
    log('workload done: secrets, requests, AI');
    await part(checks, 'GitHub webhooks', () => githubWebhooks(s));
    await part(checks, 'Terraform webhooks', () => terraformWebhooks(s));
    await part(checks, 'JIRA webhooks', () => jiraWebhooks(s));
    await part(checks, 'PagerDuty webhooks', () => pagerDutyWebhooks(s));
    log('webhooks done');
    await part(checks, 'SSRF in request actions', () => ssrf(s, canary, redirector));
    await part(checks, 'SSRF in health checks', () => healthChecks(s, canary));
    checks.push(...localAllowance(s, redirector.url));
    log('SSRF done');
    await part(checks, 'rate limits', () => rateLimits(s));
    await part(checks, 'read back', () => readEverything(s));
    log('rate limits and reads done');

    // The scan: every secret the runtime holds now (its home, its fakes' tokens) and what the sweep sent.
    const known = distinct([
      ...secretsOfHome(runtime.home),
      ...['APOLLO_GITHUB_TOKEN', 'ANTHROPIC_API_KEY'].filter((n) => s.env[n]).map((n) => ({ name: `the fakes' ${n}`, value: s.env[n]! })),
      ...s.sent,
    ]);
    const inResponses: Finding[] = captured.flatMap((c) => scan(c.text, c.where, known));
    const lines = runtime.lines();
    const inLogs: Finding[] = lines.flatMap((line, i) => scan(line, `log line ${i + 1}: ${line.slice(0, 100)}`, known));
    const bytes = captured.reduce((n, c) => n + c.text.length, 0);
    // The control: what the sweep itself sent carries the values it made up, and the scan must see them there.
    const control = new Set(sentBodies.flatMap((body) => scan(body, 'sent', s.sent)).map((f) => f.what));
    checks.push(check('the scan finds what it looks for (control: the values the sweep sent, in its own request bodies)', s.sent.length > 0 && control.size === s.sent.length,
      `${control.size} of ${s.sent.length} made-up values found in the ${sentBodies.length} bodies the clients sent`));
    const levels = Object.entries(lines.reduce<Record<string, number>>((t, l) => { const level = /"level":"([A-Z]+)"/.exec(l)?.[1] ?? 'other'; t[level] = (t[level] ?? 0) + 1; return t; }, {})).map(([k, v]) => `${v} ${k}`).join(', ');
    const show = (findings: Finding[]) => findings.slice(0, 4).map((f) => `${f.what} in ${f.where}`).join(' | ');
    checks.push(check('no secret value, key or token in any response (headers and body)', inResponses.length === 0 && captured.length > 0,
      inResponses.length ? `${inResponses.length} found: ${show(inResponses)}` : `${captured.length} responses (${(bytes / 1024).toFixed(0)} KB) searched for ${known.length} secret values and credential patterns`,
      { value: inResponses.length, unit: 'findings' }));
    checks.push(check('no secret value, key or token in any log line (DEBUG)', inLogs.length === 0 && lines.length > 0,
      inLogs.length ? `${inLogs.length} found: ${show(inLogs)}` : `${lines.length} lines (${levels}) searched for ${known.length} secret values and credential patterns`,
      { value: inLogs.length, unit: 'findings' }));
    log(`scanned ${captured.length} responses and ${lines.length} log lines for ${known.length} values`);
    return checks;
  } finally {
    await runtime?.stop();
    await closeServer(canary.server);
    await closeServer(redirector.server);
  }
}

export const scenarios: Scenario[] = [
  { group: 'security', name: 'sweep: secrets, webhooks, SSRF, rate limits', timeoutMs: 150_000, run: sweep },
];
