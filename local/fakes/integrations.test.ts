import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { executeAction, IntegrationBreakers, parseEgressAllow, webhookSignature } from '#functions/requests/actions/index';
import { InMemoryIntegrationSecrets, localIntegrationSecrets } from '#functions/requests/adapters/local-secrets';
import { ensureLocalIntegrationSecrets, FAKE_ZONE, IntegrationFakes } from './integrations.ts';

const TOKEN = 'fake-dns-token-0123456789';
const KEY = 'fake-hook-key-0123456789';
const REGISTRY_TOKEN = 'fake-registry-token-0123456789';
const PREVIEW_KEY = 'fake-preview-key-0123456789';
const CHATOPS_KEY = 'fake-chatops-key-0123456789';
const NOW = Date.parse('2026-11-02T10:00:00Z');

let fakes: IntegrationFakes;
let server: Server;
let base: string;

beforeAll(async () => {
  // Mounted as local/runtime.ts mounts it: the body read first, then handle().
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      if (!fakes.handle(req, res, path, Buffer.concat(chunks))) res.writeHead(418).end('not the fakes');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fakes/integrations`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
});
beforeEach(() => { fakes = new IntegrationFakes({ dnsToken: TOKEN, hookKey: KEY, registryToken: REGISTRY_TOKEN, hookKeys: { previews: PREVIEW_KEY, chatops: CHATOPS_KEY }, now: () => NOW }); });

const json = async (res: Response): Promise<{ status: number; body: unknown; fake: string | null }> => ({
  status: res.status,
  body: res.status === 204 ? undefined : ((res.headers.get('content-type') ?? '').includes('json') ? await res.json() : await res.text()),
  fake: res.headers.get('x-apollo-fake'),
});

const create = (record: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}/dns/records`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(record) }).then(json);

describe('the local fake DNS API', () => {
  it('refuses a call without the bearer token, or with another one', async () => {
    const none = await fetch(`${base}/dns/records`).then(json);
    const wrong = await fetch(`${base}/dns/records`, { method: 'POST', headers: { authorization: 'Bearer nope' }, body: '{}' }).then(json);
    expect(none).toEqual({ status: 401, fake: 'LOCAL FAKE', body: { error: 'unauthorized', message: 'LOCAL FAKE DNS API: send Authorization: Bearer <token>' } });
    expect(wrong).toEqual({ status: 401, fake: 'LOCAL FAKE', body: { error: 'unauthorized', message: 'LOCAL FAKE DNS API: the bearer token is not the one in integration-secrets.json (dns_api_token)' } });
    expect(fakes.dnsRecords()).toEqual([]);
    expect(fakes.received().map((c) => [c.method, c.path, c.status, c.headers.authorization])).toEqual([['GET', '/dns/records', 401, undefined], ['POST', '/dns/records', 401, 'Bearer ••••']]);
  });

  it('creates a record once per Idempotency-Key, lists it and deletes it', async () => {
    // Act
    const first = await create({ name: 'api.payments', type: 'A', value: '10.0.0.5' }, { 'idempotency-key': 'req-1/dns/1' });
    const again = await create({ name: 'api.payments', type: 'A', value: '10.0.0.5' }, { 'idempotency-key': 'req-1/dns/1' });
    const list = await fetch(`${base}/dns/records`, { headers: { authorization: `Bearer ${TOKEN}` } }).then(json);
    const id = (first.body as { id: string }).id;
    const deleted = await fetch(`${base}/dns/records/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } }).then(json);
    const deletedAgain = await fetch(`${base}/dns/records/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } }).then(json);

    // Assess
    const record = { id: expect.stringMatching(/^rec_[0-9a-f]{12}$/), fqdn: `api.payments.${FAKE_ZONE}`, type: 'A', value: '10.0.0.5', ttl: 300, status: 'active', createdAt: '2026-11-02T10:00:00.000Z' };
    expect(first).toEqual({ status: 201, fake: 'LOCAL FAKE', body: record });
    expect(again).toEqual(first);
    expect(list).toEqual({ status: 200, fake: 'LOCAL FAKE', body: { fake: 'LOCAL FAKE DNS API', records: [first.body] } });
    expect([deleted.status, deletedAgain.status]).toEqual([204, 404]);
    expect(fakes.dnsRecords()).toEqual([]);
    expect(fakes.count('POST', '/dns/records')).toBe(2);
  });

  it('validates the record and refuses a duplicate name and type', async () => {
    const invalid = await create({ name: 'API!', type: 'MX', ttl: 5, extra: 1 });
    const badValue = await create({ name: 'api', type: 'A', value: 'not-an-ip' });
    await create({ name: 'web', type: 'CNAME', value: 'lb.example.com' });
    const duplicate = await create({ name: 'web', type: 'CNAME', value: 'other.example.com' });
    expect(invalid).toEqual({ status: 422, fake: 'LOCAL FAKE', body: { error: 'invalid-record', message: 'LOCAL FAKE DNS API: the record is not valid', errors: [
      { field: 'name', message: 'a lower-case DNS name, e.g. "api" or "api.payments"' },
      { field: 'type', message: 'one of A, AAAA, CNAME, TXT' },
      { field: 'ttl', message: 'whole seconds from 60 to 86400 (default 300)' },
      { field: 'extra', message: 'not a field of a record' },
    ] } });
    expect((badValue.body as { errors: unknown }).errors).toEqual([{ field: 'value', message: 'an IPv4 address' }]);
    expect(duplicate).toEqual({ status: 409, fake: 'LOCAL FAKE', body: { error: 'conflict', message: `LOCAL FAKE DNS API: web.${FAKE_ZONE} already has a CNAME record` } });
  });

  it('answers injected failures for the next N calls to a path, and counts every call', async () => {
    // Prepare
    const injected = await fetch(`${base}/_fail`, { method: 'POST', body: JSON.stringify({ path: '/dns/records', times: 2, status: 503 }) }).then(json);

    // Act
    const answers = [];
    for (const name of ['a', 'b', 'c']) answers.push((await create({ name, type: 'TXT', value: 'v' })).status);
    const received = await fetch(`${base}/_received`).then(json);

    // Assess
    expect(injected.body).toEqual({ fake: 'LOCAL FAKE integrations', path: '/dns/records', times: 2, status: 503 });
    expect(answers).toEqual([503, 503, 201]);
    expect(fakes.count('POST', '/dns/records')).toBe(3);
    expect(fakes.dnsRecords().map((r) => r.fqdn)).toEqual([`c.${FAKE_ZONE}`]);
    const body = received.body as { counts: unknown; calls: Array<{ status: number; body: unknown }> };
    expect(body.counts).toEqual({ 'POST /dns/records': 3 });
    expect(body.calls.map((c) => [c.status, c.body])).toEqual([[503, { name: 'a', type: 'TXT', value: 'v' }], [503, { name: 'b', type: 'TXT', value: 'v' }], [201, { name: 'c', type: 'TXT', value: 'v' }]]);

    const reset = await fetch(`${base}/_received`, { method: 'DELETE' });
    expect([reset.status, fakes.count('POST', '/dns/records'), fakes.received()]).toEqual([204, 0, []]);
  });

  it('shows a page labelled as a fake with what it received', async () => {
    await create({ name: 'shown', type: 'A', value: '10.1.1.1' });
    const res = await fetch(`${base}/`);
    const html = await res.text();
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    expect(html).toContain('<title>Local fake integrations</title>');
    expect(html).toContain('LOCAL FAKE: not a real DNS provider');
    expect(html).toContain(`shown.${FAKE_ZONE}`);
    expect(html).toContain('"times": 2, "status": 503');
    expect(html).not.toMatch(/<(script|link|img)\b/);
    expect(html).not.toContain(TOKEN);
  });

  it('keeps its controls to loopback callers', () => {
    let status = 0;
    const req = { method: 'GET', headers: {}, socket: { remoteAddress: '10.0.0.9' } } as unknown as IncomingMessage;
    const res = { writeHead: (s: number) => { status = s; }, end: () => undefined } as unknown as ServerResponse;
    expect(fakes.handle(req, res, '/fakes/integrations/_received', Buffer.alloc(0))).toBe(true);
    expect(status).toBe(403);
    expect(fakes.handle(req, res, '/api/v1/teams', Buffer.alloc(0))).toBe(false);
  });
});

describe('the local fake service registry', () => {
  const registry = (method: string, path: string, body?: unknown, token = REGISTRY_TOKEN) =>
    fetch(`${base}/registry/services/${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }).then(json);

  it('registers a service (201), replaces it (200) and reads it back, with its token only', async () => {
    // Act
    const first = await registry('PUT', 'invoice-service', { team: 'payments', tier: 'standard', repository: 'https://github.com/apollo-demo/invoice-service' });
    const again = await registry('PUT', 'invoice-service', { name: 'invoice-service', team: 'payments', tier: 'critical' });
    const read = await registry('GET', 'invoice-service');
    const missing = await registry('GET', 'no-such-service');
    const otherToken = await registry('PUT', 'invoice-service', { team: 'data' }, TOKEN);
    const wrongName = await registry('PUT', 'invoice-service', { name: 'other-service' });
    const notAnObject = await registry('PUT', 'invoice-service', ['team']);

    // Assess
    const registered = { name: 'invoice-service', team: 'payments', tier: 'critical', registeredAt: '2026-11-02T10:00:00.000Z' };
    expect(first).toEqual({ status: 201, fake: 'LOCAL FAKE', body: { name: 'invoice-service', team: 'payments', tier: 'standard', repository: 'https://github.com/apollo-demo/invoice-service', registeredAt: '2026-11-02T10:00:00.000Z' } });
    expect(again).toEqual({ status: 200, fake: 'LOCAL FAKE', body: registered });
    expect(read).toEqual({ status: 200, fake: 'LOCAL FAKE', body: registered });
    expect(missing).toEqual({ status: 404, fake: 'LOCAL FAKE', body: { error: 'not-found', message: 'LOCAL FAKE service registry: no service no-such-service' } });
    expect(otherToken).toEqual({ status: 401, fake: 'LOCAL FAKE', body: { error: 'unauthorized', message: 'LOCAL FAKE service registry: send Authorization: Bearer <apollo_api_token from integration-secrets.json>' } });
    expect([wrongName.status, (wrongName.body as { message: string }).message]).toEqual([422, 'LOCAL FAKE service registry: the body names "other-service", the address invoice-service']);
    expect(notAnObject.status).toBe(422);
    expect(fakes.registeredServices()).toEqual([registered]);
  });

  it("keeps a service's dependencies apart from its record", async () => {
    const put = await registry('PUT', 'billing-service/dependencies', { dependencies: [{ service: 'postgres', type: 'runtime' }] });
    const read = await registry('GET', 'billing-service/dependencies');
    expect([put.status, read.body]).toEqual([200, { service: 'billing-service', dependencies: [{ service: 'postgres', type: 'runtime' }] }]);
    expect(fakes.registeredServices()).toEqual([]);
  });
});

describe('the local fake webhook receiver', () => {
  const deliver = (body: string, headers: Record<string, string>, hook = 'dns-changes') => fetch(`${base}/hooks/${hook}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }).then(json);
  const ts = String(NOW / 1000);

  it('accepts a delivery signed as documented, and refuses a bad signature or an old one', async () => {
    const body = '{"event":"record.created"}';
    const good = await deliver(body, { 'x-apollo-timestamp': ts, 'x-apollo-signature-256': webhookSignature(KEY, ts, body), 'x-apollo-delivery': 'req-1/notify/1' });
    const tampered = await deliver('{"event":"record.deleted"}', { 'x-apollo-timestamp': ts, 'x-apollo-signature-256': webhookSignature(KEY, ts, body) });
    const otherKey = await deliver(body, { 'x-apollo-timestamp': ts, 'x-apollo-signature-256': webhookSignature('another', ts, body) });
    const old = String(NOW / 1000 - 301);
    const stale = await deliver(body, { 'x-apollo-timestamp': old, 'x-apollo-signature-256': webhookSignature(KEY, old, body) });
    const unsigned = await deliver(body, { 'x-apollo-timestamp': ts });

    expect(good).toEqual({ status: 200, fake: 'LOCAL FAKE', body: { received: true, delivery: 'req-1/notify/1' } });
    const refusal = (reason: string) => ({ status: 401, fake: 'LOCAL FAKE', body: { received: false, reason, fake: "LOCAL FAKE webhook receiver 'dns-changes'" } });
    expect(tampered).toEqual(refusal('bad signature (HMAC-SHA256 of "<timestamp>.<body>" with dns_hook_key)'));
    expect(otherKey).toEqual(refusal('bad signature (HMAC-SHA256 of "<timestamp>.<body>" with dns_hook_key)'));
    expect(stale).toEqual(refusal('timestamp more than 300 s old (or in the future)'));
    expect(unsigned).toEqual(refusal('missing X-Apollo-Signature-256'));
    expect(fakes.received()[0]!.headers['x-apollo-signature-256']).toBe('sha256=••••');
  });

  it("verifies the preview controller's and chat-ops' deliveries with their own keys (chat-ops in X-Hub-Signature-256)", async () => {
    const body = '{"action":"create"}';
    const signed = (key: string, header = 'x-apollo-signature-256') => ({ 'x-apollo-timestamp': ts, [header]: webhookSignature(key, ts, body), 'x-apollo-delivery': `d-${key}-${header}` });
    const preview = await deliver(body, signed(PREVIEW_KEY), 'previews');
    const previewWithDnsKey = await deliver(body, signed(KEY), 'previews');
    const chatops = await deliver(body, signed(CHATOPS_KEY, 'x-hub-signature-256'), 'chatops');
    const chatopsInApolloHeader = await deliver(body, signed(CHATOPS_KEY), 'chatops');
    const dnsWithPreviewKey = await deliver(body, signed(PREVIEW_KEY));

    expect([preview.status, chatops.status]).toEqual([200, 200]);
    expect(previewWithDnsKey.body).toEqual({ received: false, reason: 'bad signature (HMAC-SHA256 of "<timestamp>.<body>" with preview_hook_key)', fake: "LOCAL FAKE webhook receiver 'previews'" });
    expect(chatopsInApolloHeader.body).toEqual({ received: false, reason: 'missing X-Hub-Signature-256', fake: "LOCAL FAKE webhook receiver 'chatops'" });
    expect((dnsWithPreviewKey.body as { reason: string }).reason).toBe('bad signature (HMAC-SHA256 of "<timestamp>.<body>" with dns_hook_key)');
    expect(fakes.received()[2]!.headers['x-hub-signature-256']).toBe('sha256=••••');
  });

  it('refuses every delivery to a receiver whose key it was not given', async () => {
    fakes = new IntegrationFakes({ dnsToken: TOKEN, hookKey: KEY, now: () => NOW });
    const body = '{}';
    const refused = await deliver(body, { 'x-apollo-timestamp': ts, 'x-apollo-signature-256': webhookSignature(KEY, ts, body) }, 'previews');
    expect(refused).toEqual({ status: 401, fake: 'LOCAL FAKE', body: { received: false, reason: 'no preview_hook_key configured for this receiver', fake: "LOCAL FAKE webhook receiver 'previews'" } });
  });
});

describe('the executors against the local fakes', () => {
  it('a REST action creates a DNS record once however often it is retried with its key, and a webhook action is accepted', async () => {
    // Prepare
    const deps = { secrets: new InMemoryIntegrationSecrets({ dns_api_token: TOKEN, dns_hook_key: KEY }), allow: parseEgressAllow(`${base}/`), breakers: new IntegrationBreakers(), now: () => NOW };
    const rest = {
      requestId: 'req-7', attempt: 1, idempotencyKey: 'req-7/create_dns/1', timeoutMs: 5_000,
      variables: { fields: { name: 'checkout', ip: '10.0.3.4' } },
      action: {
        id: 'create_dns', type: 'rest' as const,
        config: { method: 'POST' as const, url: `${base}/dns/records`, auth: { type: 'bearer' as const, token: '{{secrets.dns_api_token}}' }, body: { name: '{{fields.name}}', type: 'A', value: '{{fields.ip}}' } },
        outputs: [{ name: 'record_id', from: '/id' }, { name: 'fqdn' }],
      },
    };
    const hook = { ...rest, idempotencyKey: 'req-7/notify/1', action: { id: 'notify', type: 'webhook' as const, config: { url: `${base}/hooks/dns-changes`, secret: '{{secrets.dns_hook_key}}', payload: { fqdn: '{{fields.name}}' } } } };

    // Act
    const first = await executeAction(rest, deps);
    const retried = await executeAction({ ...rest, attempt: 2 }, deps);
    const notified = await executeAction(hook, deps);

    // Assess
    expect([first.outcome, first.status, first.outputs]).toEqual(['succeeded', 201, { record_id: expect.stringMatching(/^rec_/), fqdn: `checkout.${FAKE_ZONE}` }]);
    expect(retried.outputs).toEqual(first.outputs);
    expect(fakes.dnsRecords()).toHaveLength(1);
    expect([notified.outcome, notified.status]).toEqual(['succeeded', 200]);
    expect(fakes.received().map((c) => [c.method, c.path, c.status, c.headers['idempotency-key']])).toEqual([
      ['POST', '/dns/records', 201, 'req-7/create_dns/1'],
      ['POST', '/dns/records', 201, 'req-7/create_dns/1'],
      ['POST', '/hooks/dns-changes', 200, 'req-7/notify/1'],
    ]);
  });
});

describe('ensureLocalIntegrationSecrets', () => {
  it('creates the token and key once in <home>/integration-secrets.json (mode 600), keeping other secrets', async () => {
    const home = mkdtempSync(join(tmpdir(), 'apollo-fakes-'));
    try {
      const first = await ensureLocalIntegrationSecrets(home);
      const again = await ensureLocalIntegrationSecrets(home);
      const file = join(home, 'integration-secrets.json');
      expect(again).toEqual(first);
      expect(first.dnsToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(first.hookKey).not.toBe(first.dnsToken);
      expect(new Set([first.dnsToken, first.hookKey, first.registryToken, first.hookKeys.previews, first.hookKeys.chatops]).size).toBe(5);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
        dns_api_token: first.dnsToken, dns_hook_key: first.hookKey, apollo_api_token: first.registryToken,
        preview_hook_key: first.hookKeys.previews, chatops_hook_key: first.hookKeys.chatops,
      });
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(await localIntegrationSecrets(home).get('dns_hook_key')).toBe(first.hookKey);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('keeps them in memory without a home, where the local secrets adapter finds them', async () => {
    const values = await ensureLocalIntegrationSecrets(undefined);
    expect(await ensureLocalIntegrationSecrets(undefined)).toEqual(values);
    expect(await localIntegrationSecrets(undefined).get('dns_api_token')).toBe(values.dnsToken);
    expect(await localIntegrationSecrets(undefined).get('chatops_hook_key')).toBe(values.hookKeys.chatops);
  });
});
