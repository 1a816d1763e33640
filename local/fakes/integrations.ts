/**
 * LOCAL FAKE integrations for the offerings' actions, served by the local runtime under
 * `/fakes/integrations/` (never deployed; every answer carries `X-Apollo-Fake: LOCAL FAKE`):
 *
 * - a DNS API (a REST target): `POST /dns/records` (Bearer token; `{name, type, value, ttl?}`; 201 with
 *   the record; the same Idempotency-Key again answers the first response without creating twice),
 *   `GET /dns/records`, `DELETE /dns/records/{id}` (204: the rollback);
 * - a service registry (Bearer token): `PUT /registry/services/{name}` registers a service (201 the first
 *   time, 200 when it replaces the record), `GET` reads it; `PUT|GET /registry/services/{name}/dependencies`
 *   records and reads what a service depends on;
 * - a webhook receiver: `POST /hooks/{name}`, verifying the signature over `<timestamp>.<body>` and the
 *   timestamp's age as docs/webhook-signatures.md says a receiver should: `X-Apollo-Signature-256` with
 *   `dns_hook_key`, except the receivers with a key (and header) of their own (`RECEIVERS_WITH_OWN_KEYS`:
 *   the feature-environment example's preview controller and chat-ops);
 * - control, loopback callers only: `GET /_received` (every call, with counters), `DELETE /_received`,
 *   `POST /_fail` `{ "path": "/dns/records", "times": 2, "status": 503 }` (the next calls to that path
 *   answer that status), and `GET /` (a page: what it received, how to make it fail).
 *
 * Its tokens and keys are created on the runtime's first start and kept in
 * `$APOLLO_HOME/integration-secrets.json` (`dns_api_token`, `dns_hook_key`, `apollo_api_token`,
 * `preview_hook_key`, `chatops_hook_key`), so the example offerings' `{{secrets.…}}` resolve.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';
import { FileIntegrationSecrets, memoryIntegrationSecrets } from '#functions/requests/adapters/local-secrets';

export const INTEGRATIONS_PATH = '/fakes/integrations/';
export const DNS_TOKEN_SECRET = 'dns_api_token';
export const DNS_HOOK_SECRET = 'dns_hook_key';
/** The service registry's token (the PostgreSQL demo records its database on the service through it). */
export const REGISTRY_TOKEN_SECRET = 'apollo_api_token';

/** A webhook receiver that verifies with a key of its own. */
export interface HookReceiver {
  /** The integration secret holding the key (named in refusals; never the key). */
  readonly secret: string;
  /** The header carrying `sha256=<hex>`. @default X-Apollo-Signature-256 */
  readonly signatureHeader?: string;
}

/**
 * The receivers (by hook name) with a key of their own, as the feature-environment example signs for them;
 * every other hook verifies with dns_hook_key in X-Apollo-Signature-256.
 */
export const RECEIVERS_WITH_OWN_KEYS: Readonly<Record<string, HookReceiver>> = {
  previews: { secret: 'preview_hook_key' },
  chatops: { secret: 'chatops_hook_key', signatureHeader: 'X-Hub-Signature-256' },
};
/** What every answer says it is. */
export const FAKE_LABEL = 'LOCAL FAKE';
/** The zone the fake DNS API creates records in. */
export const FAKE_ZONE = 'apps.local-fake.test';
/** Deliveries older (or newer) than this are refused, as the documented receiver does. */
export const MAX_SIGNATURE_AGE_SECONDS = 300;
const MAX_RECEIVED = 500;

export interface IntegrationFakesOptions {
  /** Accepted as `Authorization: Bearer <token>` by the DNS API. */
  readonly dnsToken: string;
  /** The HMAC key the webhook receiver verifies with (dns_hook_key). */
  readonly hookKey: string;
  /** The keys of the receivers in RECEIVERS_WITH_OWN_KEYS, by hook name (one missing: that hook refuses every delivery). */
  readonly hookKeys?: Readonly<Record<string, string>>;
  /** The service registry's bearer token (default: the DNS token). */
  readonly registryToken?: string;
  /** The clock (records' createdAt, the signature's age). */
  readonly now?: () => number;
}

export interface DnsRecord {
  readonly id: string;
  readonly fqdn: string;
  readonly type: 'A' | 'AAAA' | 'CNAME' | 'TXT';
  readonly value: string;
  readonly ttl: number;
  readonly status: 'active';
  readonly createdAt: string;
}

/** A service as the registry holds it: what was registered, with its name and when. */
export interface RegisteredService {
  readonly name: string;
  readonly registeredAt: string;
  readonly [property: string]: unknown;
}

export interface ReceivedCall {
  readonly method: string;
  /** Under /fakes/integrations, e.g. `/dns/records`. */
  readonly path: string;
  /** Selected headers, credentials masked. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly status: number;
  readonly at: string;
}

interface FailRule {
  readonly path: string;
  remaining: number;
  readonly status: number;
}

interface Answer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const SIGNATURE_HEADERS = ['x-apollo-signature-256', ...new Set(Object.values(RECEIVERS_WITH_OWN_KEYS).flatMap((r) => (r.signatureHeader ? [r.signatureHeader.toLowerCase()] : [])))];
const RECORDED_HEADERS = ['authorization', 'content-type', 'idempotency-key', 'x-apollo-timestamp', ...SIGNATURE_HEADERS, 'x-apollo-delivery', 'user-agent'];
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'TXT'] as const;

export class IntegrationFakes {
  private readonly records = new Map<string, DnsRecord>();
  private readonly idempotent = new Map<string, { fingerprint: string; answer: Answer }>();
  private readonly dependencies = new Map<string, unknown[]>();
  private readonly services = new Map<string, RegisteredService>();
  private readonly deliveries = new Set<string>();
  private readonly calls: ReceivedCall[] = [];
  private readonly counters = new Map<string, number>();
  private readonly failRules: FailRule[] = [];
  private readonly now: () => number;

  constructor(private readonly options: IntegrationFakesOptions) {
    if (!options.dnsToken || !options.hookKey) throw new Error('the local fake integrations need a DNS token and a webhook key');
    this.now = options.now ?? Date.now;
  }

  /** Answers a request under /fakes/integrations/; false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse, path: string, body: Buffer): boolean {
    if (path !== INTEGRATIONS_PATH.slice(0, -1) && !path.startsWith(INTEGRATIONS_PATH)) return false;
    const sub = path.slice(INTEGRATIONS_PATH.length - 1) || '/';
    const method = req.method ?? 'GET';
    const loopback = LOOPBACK.has(req.socket.remoteAddress ?? '');

    if (sub === '/' || sub.startsWith('/_')) {
      if (!loopback) return send(res, { status: 403, body: { message: `${FAKE_LABEL}: the fake integrations' controls answer loopback callers only` } });
      return send(res, this.control(method, sub, body));
    }

    const answer = this.injected(sub) ?? this.integration(method, sub, req, body);
    this.record(method, sub, req, body, answer.status);
    return send(res, answer);
  }

  /** Every call the fake integrations received, oldest first (at most the last 500). */
  received(): readonly ReceivedCall[] {
    return [...this.calls];
  }

  /** How many calls `METHOD /path` received since the last reset. */
  count(method: string, path: string): number {
    return this.counters.get(`${method.toUpperCase()} ${path}`) ?? 0;
  }

  /** Forgets the calls received and the counters, and any failure still to answer. */
  reset(): void {
    this.calls.length = 0;
    this.counters.clear();
    this.failRules.length = 0;
  }

  /** The next `times` calls to `path` (under /fakes/integrations) answer `status`. */
  failNext(path: string, times: number, status: number): void {
    this.failRules.push({ path: normalisePath(path), remaining: times, status });
  }

  /** The DNS records the fake holds now. */
  dnsRecords(): DnsRecord[] {
    return [...this.records.values()];
  }

  /** The services registered in the fake service registry now. */
  registeredServices(): RegisteredService[] {
    return [...this.services.values()];
  }

  // -------------------------------------------------------------------------------- the integrations

  private integration(method: string, sub: string, req: IncomingMessage, body: Buffer): Answer {
    if (sub === '/dns/records' || sub.startsWith('/dns/records/')) return this.dns(method, sub, req, body);
    const registry = /^\/registry\/services\/([a-z0-9][a-z0-9-]{0,62})(\/dependencies)?$/.exec(sub);
    if (registry) return this.registry(method, registry[1]!, registry[2] !== undefined, req, body);
    const hook = /^\/hooks\/([A-Za-z0-9_.-]{1,100})$/.exec(sub);
    if (hook) return method === 'POST' ? this.hook(hook[1]!, req, body) : { status: 405, headers: { allow: 'POST' }, body: { message: `${FAKE_LABEL} webhook receiver: POST only` } };
    return { status: 404, body: { message: `${FAKE_LABEL}: nothing at ${INTEGRATIONS_PATH.slice(0, -1)}${sub}; see ${INTEGRATIONS_PATH}` } };
  }

  /**
   * A service registry: a service's record, as the new-microservice example registers it, and what a service
   * depends on, as the PostgreSQL demo records it (PUT replaces, GET reads).
   */
  private registry(method: string, service: string, dependenciesOf: boolean, req: IncomingMessage, body: Buffer): Answer {
    const presented = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!presented || !safeEqual(presented, this.options.registryToken ?? this.options.dnsToken)) {
      return { status: 401, body: { error: 'unauthorized', message: `${FAKE_LABEL} service registry: send Authorization: Bearer <${REGISTRY_TOKEN_SECRET} from integration-secrets.json>` } };
    }
    if (method === 'GET') {
      if (dependenciesOf) return { status: 200, body: { service, dependencies: this.dependencies.get(service) ?? [] } };
      const found = this.services.get(service);
      return found ? { status: 200, body: found } : { status: 404, body: { error: 'not-found', message: `${FAKE_LABEL} service registry: no service ${service}` } };
    }
    if (method !== 'PUT') return { status: 405, headers: { allow: 'GET, PUT' }, body: { message: `${FAKE_LABEL} service registry: GET or PUT` } };
    let input: unknown;
    try {
      input = JSON.parse(body.toString('utf8'));
    } catch {
      return { status: 400, body: { error: 'invalid-json', message: `${FAKE_LABEL} service registry: the body is not JSON` } };
    }
    if (!dependenciesOf) return this.register(service, input);
    const dependencies = (input as { dependencies?: unknown } | null)?.dependencies;
    if (!Array.isArray(dependencies)) return { status: 422, body: { error: 'invalid-body', message: `${FAKE_LABEL} service registry: the body is {"dependencies": [...]}` } };
    this.dependencies.set(service, dependencies);
    return { status: 200, body: { service, dependencies, recordedAt: new Date(this.now()).toISOString() } };
  }

  /** Registers (or replaces) a service: a JSON object of its properties, whose name (if given) is the path's. */
  private register(service: string, input: unknown): Answer {
    if (!input || typeof input !== 'object' || Array.isArray(input)) return { status: 422, body: { error: 'invalid-body', message: `${FAKE_LABEL} service registry: the body is the service as a JSON object, e.g. {"team": "payments", "repository": "https://…"}` } };
    const { name, registeredAt: _ignored, ...properties } = input as Record<string, unknown>;
    if (name !== undefined && name !== service) return { status: 422, body: { error: 'invalid-body', message: `${FAKE_LABEL} service registry: the body names ${JSON.stringify(name)}, the address ${service}` } };
    const replaced = this.services.has(service);
    const record: RegisteredService = { ...properties, name: service, registeredAt: new Date(this.now()).toISOString() };
    this.services.set(service, record);
    return { status: replaced ? 200 : 201, headers: replaced ? {} : { location: `${INTEGRATIONS_PATH}registry/services/${service}` }, body: record };
  }

  private dns(method: string, sub: string, req: IncomingMessage, body: Buffer): Answer {
    const auth = req.headers.authorization ?? '';
    const presented = /^Bearer (.+)$/i.exec(auth)?.[1];
    if (!presented || !safeEqual(presented, this.options.dnsToken)) {
      return { status: 401, headers: { 'www-authenticate': 'Bearer realm="local-fake-dns"' }, body: { error: 'unauthorized', message: `${FAKE_LABEL} DNS API: ${presented ? 'the bearer token is not the one in integration-secrets.json (dns_api_token)' : 'send Authorization: Bearer <token>'}` } };
    }
    if (sub === '/dns/records') {
      if (method === 'GET') return { status: 200, body: { fake: `${FAKE_LABEL} DNS API`, records: this.dnsRecords() } };
      if (method === 'POST') return this.createRecord(req, body);
      return { status: 405, headers: { allow: 'GET, POST' }, body: { message: `${FAKE_LABEL} DNS API: GET or POST` } };
    }
    const id = decodeURIComponent(sub.slice('/dns/records/'.length));
    const record = this.records.get(id);
    if (method === 'GET') return record ? { status: 200, body: record } : notFound(id);
    if (method !== 'DELETE') return { status: 405, headers: { allow: 'GET, DELETE' }, body: { message: `${FAKE_LABEL} DNS API: GET or DELETE` } };
    if (!record) return notFound(id);
    this.records.delete(id);
    return { status: 204 };
  }

  private createRecord(req: IncomingMessage, body: Buffer): Answer {
    const key = header(req, 'idempotency-key');
    const fingerprint = body.toString('utf8');
    if (key) {
      const earlier = this.idempotent.get(key);
      if (earlier) {
        if (earlier.fingerprint !== fingerprint) return { status: 422, body: { error: 'idempotency-key-reused', message: `${FAKE_LABEL} DNS API: Idempotency-Key ${key} was used with a different body` } };
        return { ...earlier.answer, headers: { ...earlier.answer.headers, 'idempotent-replayed': 'true' } };
      }
    }
    const answer = this.validateAndCreate(fingerprint);
    // Only a created record is replayed: a refused body can be corrected and sent again with the same key.
    if (key && answer.status === 201) this.idempotent.set(key, { fingerprint, answer });
    return answer;
  }

  private validateAndCreate(text: string): Answer {
    let input: unknown;
    try {
      input = JSON.parse(text);
    } catch {
      return { status: 400, body: { error: 'invalid-json', message: `${FAKE_LABEL} DNS API: the body is not JSON` } };
    }
    if (!input || typeof input !== 'object' || Array.isArray(input)) return { status: 400, body: { error: 'invalid-body', message: `${FAKE_LABEL} DNS API: the body must be an object {name, type, value, ttl?}` } };
    const { name, type, value, ttl } = input as Record<string, unknown>;
    const errors: Array<{ field: string; message: string }> = [];
    if (typeof name !== 'string' || !HOSTNAME.test(name)) errors.push({ field: 'name', message: 'a lower-case DNS name, e.g. "api" or "api.payments"' });
    if (typeof type !== 'string' || !(RECORD_TYPES as readonly string[]).includes(type)) errors.push({ field: 'type', message: `one of ${RECORD_TYPES.join(', ')}` });
    else if (typeof value !== 'string' || !validValue(type as DnsRecord['type'], value)) errors.push({ field: 'value', message: valueHint(type as DnsRecord['type']) });
    if (ttl !== undefined && (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 60 || ttl > 86_400)) errors.push({ field: 'ttl', message: 'whole seconds from 60 to 86400 (default 300)' });
    for (const key of Object.keys(input)) if (!['name', 'type', 'value', 'ttl'].includes(key)) errors.push({ field: key, message: 'not a field of a record' });
    if (errors.length > 0) return { status: 422, body: { error: 'invalid-record', message: `${FAKE_LABEL} DNS API: the record is not valid`, errors } };
    const fqdn = `${name as string}.${FAKE_ZONE}`;
    if ([...this.records.values()].some((r) => r.fqdn === fqdn && r.type === type)) {
      return { status: 409, body: { error: 'conflict', message: `${FAKE_LABEL} DNS API: ${fqdn} already has ${/^[AEIOU]/.test(type as string) ? 'an' : 'a'} ${type as string} record` } };
    }
    const record: DnsRecord = {
      id: `rec_${randomBytes(6).toString('hex')}`,
      fqdn,
      type: type as DnsRecord['type'],
      value: value as string,
      ttl: (ttl as number | undefined) ?? 300,
      status: 'active',
      createdAt: new Date(this.now()).toISOString(),
    };
    this.records.set(record.id, record);
    return { status: 201, headers: { location: `${INTEGRATIONS_PATH}dns/records/${record.id}` }, body: record };
  }

  private hook(name: string, req: IncomingMessage, body: Buffer): Answer {
    const own = Object.prototype.hasOwnProperty.call(RECEIVERS_WITH_OWN_KEYS, name) ? RECEIVERS_WITH_OWN_KEYS[name] : undefined;
    const secret = own?.secret ?? DNS_HOOK_SECRET;
    const signatureHeader = own?.signatureHeader ?? 'X-Apollo-Signature-256';
    const key = own ? this.options.hookKeys?.[name] : this.options.hookKey;
    const timestamp = header(req, 'x-apollo-timestamp') ?? '';
    const signature = header(req, signatureHeader.toLowerCase());
    const delivery = header(req, 'x-apollo-delivery');
    const refuse = (reason: string): Answer => ({ status: 401, body: { received: false, reason, fake: `${FAKE_LABEL} webhook receiver '${name}'` } });
    if (!key) return refuse(`no ${secret} configured for this receiver`);
    if (!/^\d{1,12}$/.test(timestamp)) return refuse('missing or malformed X-Apollo-Timestamp');
    if (Math.abs(this.now() / 1000 - Number(timestamp)) > MAX_SIGNATURE_AGE_SECONDS) return refuse(`timestamp more than ${MAX_SIGNATURE_AGE_SECONDS} s old (or in the future)`);
    if (!signature) return refuse(`missing ${signatureHeader}`);
    const expected = `sha256=${createHmac('sha256', key).update(`${timestamp}.`).update(body).digest('hex')}`;
    if (!safeEqual(signature, expected)) return refuse(`bad signature (HMAC-SHA256 of "<timestamp>.<body>" with ${secret})`);
    const duplicate = delivery !== undefined && this.deliveries.has(delivery);
    if (delivery) this.deliveries.add(delivery);
    return { status: 200, body: { received: true, delivery: delivery ?? null, ...(duplicate ? { duplicate: true } : {}) } };
  }

  // -------------------------------------------------------------------------------- control

  private injected(sub: string): Answer | undefined {
    const rule = this.failRules.find((r) => r.path === sub && r.remaining > 0);
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining === 0) this.failRules.splice(this.failRules.indexOf(rule), 1);
    return { status: rule.status, body: { error: 'injected-failure', message: `${FAKE_LABEL}: failure injected with POST ${INTEGRATIONS_PATH}_fail (${rule.remaining} more to come)` } };
  }

  private control(method: string, sub: string, body: Buffer): Answer {
    if (sub === '/' && method === 'GET') return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: this.page() };
    if (sub === '/_received' && method === 'GET') return { status: 200, body: { fake: `${FAKE_LABEL} integrations`, counts: Object.fromEntries(this.counters), calls: this.received(), records: this.dnsRecords() } };
    if (sub === '/_received' && method === 'DELETE') {
      this.reset();
      return { status: 204 };
    }
    if (sub === '/_fail' && method === 'POST') {
      let input: { path?: unknown; times?: unknown; status?: unknown };
      try {
        input = JSON.parse(body.toString('utf8')) as typeof input;
      } catch {
        input = {};
      }
      const { path, times = 1, status = 503 } = input ?? {};
      if (typeof path !== 'string' || !path.startsWith('/') || typeof times !== 'number' || !Number.isInteger(times) || times < 1 || times > 1000 || typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 599) {
        return { status: 400, body: { message: `${FAKE_LABEL}: send {"path": "/dns/records", "times": 2, "status": 503} (times 1-1000, status 400-599)` } };
      }
      this.failNext(path, times, status);
      return { status: 200, body: { fake: `${FAKE_LABEL} integrations`, path: normalisePath(path), times, status } };
    }
    return { status: sub.startsWith('/_') ? 405 : 404, body: { message: `${FAKE_LABEL}: the controls are GET|DELETE ${INTEGRATIONS_PATH}_received and POST ${INTEGRATIONS_PATH}_fail` } };
  }

  private record(method: string, sub: string, req: IncomingMessage, body: Buffer, status: number): void {
    const key = `${method} ${sub}`;
    this.counters.set(key, (this.counters.get(key) ?? 0) + 1);
    const headers: Record<string, string> = {};
    for (const name of RECORDED_HEADERS) {
      const value = header(req, name);
      if (value === undefined) continue;
      headers[name] = name === 'authorization' ? value.replace(/^(\S+)\s.*$/, '$1 ••••') : SIGNATURE_HEADERS.includes(name) ? value.replace(/=.*$/, '=••••') : value;
    }
    let parsed: unknown = undefined;
    if (body.length > 0) {
      const text = body.toString('utf8');
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
      }
    }
    this.calls.push({ method, path: sub, headers, body: parsed, status, at: new Date(this.now()).toISOString() });
    if (this.calls.length > MAX_RECEIVED) this.calls.splice(0, this.calls.length - MAX_RECEIVED);
  }

  private page(): string {
    const base = INTEGRATIONS_PATH;
    const rows = this.received().slice().reverse().map((c) => `<tr><td>${esc(c.at)}</td><td>${esc(c.method)}</td><td><code>${esc(c.path)}</code></td><td>${c.status}</td><td><code>${esc(JSON.stringify(c.headers))}</code></td><td><code>${esc(c.body === undefined ? '' : JSON.stringify(c.body))}</code></td></tr>`).join('');
    const records = this.dnsRecords().map((r) => `<tr><td><code>${esc(r.id)}</code></td><td>${esc(r.fqdn)}</td><td>${esc(r.type)}</td><td>${esc(r.value)}</td><td>${r.ttl}</td><td>${esc(r.createdAt)}</td></tr>`).join('');
    const counts = [...this.counters].map(([k, n]) => `<li><code>${esc(k)}</code>: ${n}</li>`).join('');
    return `<!doctype html><html lang="en"><meta charset="utf-8"><title>Local fake integrations</title>
<style>body{font:14px system-ui;margin:2rem;color:#1c2127;max-width:72rem}.fake{background:#fbd065;padding:6px 12px;font-weight:600;border-radius:3px;display:inline-block}td,th{padding:4px 8px;text-align:left;border-bottom:1px solid #ddd;vertical-align:top}code{font-size:12px;word-break:break-all}pre{background:#f6f7f9;padding:8px}</style>
<p class="fake">${FAKE_LABEL}: not a real DNS provider or webhook receiver. Nothing here leaves this machine.</p>
<h1>Local fake integrations</h1>
<p>Served by the local runtime (<code>npm start</code>) for the offerings' REST and webhook actions. The tokens and keys are <code>dns_api_token</code>, <code>apollo_api_token</code>, <code>dns_hook_key</code>${Object.values(RECEIVERS_WITH_OWN_KEYS).map((r) => `, <code>${esc(r.secret)}</code>`).join('')} in <code>$APOLLO_HOME/integration-secrets.json</code>.</p>
<h2>Endpoints</h2>
<ul>
<li><code>POST ${base}dns/records</code> (Bearer <code>dns_api_token</code>): <code>{"name":"api","type":"A","value":"10.0.0.5","ttl":300}</code> → 201; the same <code>Idempotency-Key</code> again answers the first response</li>
<li><code>GET ${base}dns/records</code>, <code>DELETE ${base}dns/records/{id}</code> → 204</li>
<li><code>PUT ${base}registry/services/{name}</code> (Bearer <code>apollo_api_token</code>): registers a service (201; 200 when it replaces it), <code>GET</code> reads it; <code>PUT|GET ${base}registry/services/{name}/dependencies</code>: <code>{"dependencies": [...]}</code></li>
<li><code>POST ${base}hooks/{name}</code>: verifies <code>X-Apollo-Signature-256</code> over <code>&lt;timestamp&gt;.&lt;body&gt;</code> with <code>dns_hook_key</code> (docs/webhook-signatures.md)${Object.entries(RECEIVERS_WITH_OWN_KEYS).map(([name, r]) => `; <code>hooks/${esc(name)}</code> with <code>${esc(r.secret)}</code>${r.signatureHeader ? ` in <code>${esc(r.signatureHeader)}</code>` : ''}`).join('')}</li>
</ul>
<h2>Make it fail</h2>
<pre>curl -X POST ${base}_fail -H 'content-type: application/json' \\
  -d '{"path": "/dns/records", "times": 2, "status": 503}'</pre>
<p>The next 2 calls to that path answer 503. <code>GET ${base}_received</code> lists every call as JSON; <code>DELETE ${base}_received</code> forgets them.</p>
<h2>Calls per endpoint</h2><ul>${counts || '<li>none yet</li>'}</ul>
<h2>DNS records (${this.records.size})</h2>
<table><tr><th>id</th><th>FQDN</th><th>type</th><th>value</th><th>TTL</th><th>created</th></tr>${records}</table>
<h2>Received (newest first)</h2>
<table><tr><th>at</th><th>method</th><th>path</th><th>answered</th><th>headers</th><th>body</th></tr>${rows}</table>
</html>`;
  }
}

/**
 * The fakes' tokens and webhook keys (the receivers' own ones by hook name): read from `<home>/integration-secrets.json` (created there,
 * random, on first start; mode 600), or kept in the process's in-memory integration secrets when
 * there is no home, where the requests context's local adapter reads them too.
 */
export async function ensureLocalIntegrationSecrets(home: string | undefined): Promise<{ dnsToken: string; hookKey: string; registryToken: string; hookKeys: Record<string, string> }> {
  const fresh = (): string => randomBytes(24).toString('base64url');
  const names = [DNS_TOKEN_SECRET, DNS_HOOK_SECRET, REGISTRY_TOKEN_SECRET, ...Object.values(RECEIVERS_WITH_OWN_KEYS).map((r) => r.secret)];
  const values: Record<string, string> = {};
  if (home) {
    const file = new FileIntegrationSecrets(home);
    const current = file.read();
    for (const name of names) values[name] = typeof current[name] === 'string' && current[name] ? current[name] : fresh();
    if (names.some((name) => current[name] !== values[name])) file.write(values);
  } else {
    for (const name of names) {
      values[name] = (await memoryIntegrationSecrets.get(name)) ?? fresh();
      memoryIntegrationSecrets.set(name, values[name]);
    }
  }
  const hookKeys = Object.fromEntries(Object.entries(RECEIVERS_WITH_OWN_KEYS).map(([hook, r]) => [hook, values[r.secret]!]));
  return { dnsToken: values[DNS_TOKEN_SECRET]!, hookKey: values[DNS_HOOK_SECRET]!, registryToken: values[REGISTRY_TOKEN_SECRET]!, hookKeys };
}

function send(res: ServerResponse, answer: Answer): true {
  const html = typeof answer.body === 'string';
  const text = answer.body === undefined ? '' : html ? (answer.body as string) : JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    ...(answer.body === undefined ? {} : { 'content-type': html ? 'text/html; charset=utf-8' : 'application/json' }),
    'cache-control': 'no-store',
    'x-apollo-fake': FAKE_LABEL,
    ...answer.headers,
    ...(answer.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(text)) }),
  });
  res.end(text);
  return true;
}

const notFound = (id: string): Answer => ({ status: 404, body: { error: 'not-found', message: `${FAKE_LABEL} DNS API: no record ${id}` } });

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function validValue(type: DnsRecord['type'], value: string): boolean {
  switch (type) {
    case 'A': return isIPv4(value);
    case 'AAAA': return isIPv6(value);
    case 'CNAME': return HOSTNAME.test(value.replace(/\.$/, ''));
    case 'TXT': return value.length > 0 && value.length <= 255;
  }
}

function valueHint(type: DnsRecord['type']): string {
  switch (type) {
    case 'A': return 'an IPv4 address';
    case 'AAAA': return 'an IPv6 address';
    case 'CNAME': return 'a host name';
    case 'TXT': return '1 to 255 characters';
  }
}

/** A control path as the fake sees it: `/dns/records` whether given with /fakes/integrations or not. */
function normalisePath(path: string): string {
  const prefix = INTEGRATIONS_PATH.slice(0, -1);
  return path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : path;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
