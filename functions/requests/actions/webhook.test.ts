import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WebhookAction, WebhookActionConfig } from '#schemas/index.ts';
import { InMemoryIntegrationSecrets } from '../adapters/local-secrets.ts';
import type { ExecutorDeps } from './attempt.ts';
import { IntegrationBreakers } from './breaker.ts';
import { executeAction } from './index.ts';
import type { ActionRun } from './ports.ts';
import { parseEgressAllow } from './ssrf.ts';
import { startTestServer, type TestServer } from './test-server.ts';

const HOOK_KEY = 'whk-SECRET-0123456789';
const NOW = Date.parse('2026-11-02T10:00:00Z');

type Verify = (headers: IncomingHttpHeaders, rawBody: Buffer, nowSeconds?: number) => string | undefined;

/** The receiver's `verify` exactly as docs/webhook-signatures.md prints it for Node. */
function documentedVerify(secret: string): Verify {
  const doc = readFileSync(new URL('../../../docs/webhook-signatures.md', import.meta.url), 'utf8');
  const node = /```js\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
  const verify = /function verify\([\s\S]*?\n}\n/.exec(node)?.[0];
  if (!verify) throw new Error('docs/webhook-signatures.md has no Node verify function');
  return new Function('createHmac', 'timingSafeEqual', 'SECRET', 'MAX_AGE_SECONDS', `${verify}\nreturn verify;`)(createHmac, timingSafeEqual, secret, 300) as Verify;
}

let server: TestServer;
beforeAll(async () => { server = await startTestServer(); });
afterAll(async () => { await server.close(); });
beforeEach(() => { server.received.length = 0; });

const deps = (over: Partial<ExecutorDeps> = {}): ExecutorDeps => ({
  secrets: new InMemoryIntegrationSecrets({ dns_hook_key: HOOK_KEY }),
  allow: parseEgressAllow(`${server.url}/`),
  breakers: new IntegrationBreakers(),
  now: () => NOW,
  ...over,
});

const hook = (config: Partial<WebhookActionConfig> = {}): WebhookAction => ({
  id: 'notify_dns',
  type: 'webhook',
  config: {
    url: `${server.url}/hooks/dns`,
    secret: '{{secrets.dns_hook_key}}',
    payload: { event: 'record.requested', name: '{{fields.name}}', replicas: '{{fields.replicas}}', requestedBy: '{{request.requester}}' },
    ...config,
  },
});

const run = (action: WebhookAction): ActionRun => ({
  requestId: 'req-9',
  action,
  attempt: 1,
  idempotencyKey: 'req-9/notify_dns/1',
  variables: { fields: { name: 'api', replicas: 2 }, request: { id: 'req-9', requester: 'ada' } },
  timeoutMs: 5_000,
});

describe('webhook executor', () => {
  it('sends a delivery the documented receiver accepts', async () => {
    // Prepare
    server.route('POST', '/hooks/dns', (r) => ({ status: 200, body: { received: true, delivery: r.headers['x-apollo-delivery'] } }));

    // Act
    const result = await executeAction(run(hook()), deps());

    // Assess
    const { durationMs, ...rest } = result;
    expect(durationMs).toBeGreaterThanOrEqual(0);
    expect(rest).toEqual({
      outcome: 'succeeded',
      retryable: false,
      status: 200,
      outputs: {},
      sensitive: [],
      input: {
        method: 'POST',
        url: `${server.url}/hooks/dns`,
        headers: {
          'Content-Type': 'application/json',
          'X-Apollo-Timestamp': String(NOW / 1000),
          'X-Apollo-Signature-256': '••••',
          'X-Apollo-Delivery': 'req-9/notify_dns/1',
          'Idempotency-Key': 'req-9/notify_dns/1',
        },
        body: { event: 'record.requested', name: 'api', replicas: 2, requestedBy: 'ada' },
      },
      logs: [{ severity: 'info', message: `POST ${server.url}/hooks/dns answered 200 (delivery req-9/notify_dns/1)` }],
    });
    const [sent] = server.received;
    const verify = documentedVerify(HOOK_KEY);
    expect(verify(sent!.headers, Buffer.from(sent!.body), NOW / 1000 + 60)).toBeUndefined();
    expect(sent!.headers['x-apollo-signature-256']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(sent!.headers['idempotency-key']).toBe('req-9/notify_dns/1');
    expect(JSON.parse(sent!.body)).toEqual({ event: 'record.requested', name: 'api', replicas: 2, requestedBy: 'ada' });
  });

  it('is refused by the documented receiver when the body, the key or the age is wrong', async () => {
    server.route('POST', '/hooks/dns', () => ({ status: 200, body: {} }));
    await executeAction(run(hook()), deps());
    const [sent] = server.received;
    const body = Buffer.from(sent!.body);
    expect(documentedVerify(HOOK_KEY)(sent!.headers, Buffer.from(sent!.body.replace('api', 'apx')), NOW / 1000)).toBe('bad signature');
    expect(documentedVerify('another-key')(sent!.headers, body, NOW / 1000)).toBe('bad signature');
    expect(documentedVerify(HOOK_KEY)(sent!.headers, body, NOW / 1000 + 301)).toBe('timestamp too old (or in the future)');
  });

  it('signs in the header the action names, with PUT and extra headers, which cannot override the signature', async () => {
    server.route('PUT', '/hooks/dns', () => ({ status: 202, body: { queued: 'q-1' } }));
    const result = await executeAction(run({ ...hook({ method: 'PUT', signatureHeader: 'X-Hub-Sig', headers: { 'X-Env': 'dev', 'x-hub-sig': 'forged' } }), outputs: [{ name: 'queued' }] }), deps());
    const [sent] = server.received;
    const expected = `sha256=${createHmac('sha256', HOOK_KEY).update(`${NOW / 1000}.${sent!.body}`).digest('hex')}`;
    expect([result.outcome, result.status, result.outputs]).toEqual(['succeeded', 202, { queued: 'q-1' }]);
    expect([sent!.method, sent!.headers['x-hub-sig'], sent!.headers['x-env'], sent!.headers['x-apollo-signature-256']]).toEqual(['PUT', expected, 'dev', undefined]);
    expect((result.input.headers as Record<string, string>)['X-Hub-Sig']).toBe('••••');
  });

  it('fails on an answer that is not 2xx: retryable for a 5xx, not for a 4xx', async () => {
    server.route('POST', '/hooks/down', () => ({ status: 503, body: { message: 'maintenance' } }));
    server.route('POST', '/hooks/refuses', () => ({ status: 401, body: { message: 'bad signature' } }));
    const down = await executeAction(run(hook({ url: `${server.url}/hooks/down` })), deps());
    const refused = await executeAction(run(hook({ url: `${server.url}/hooks/refuses` })), deps());
    expect([down.outcome, down.retryable, down.status]).toEqual(['failed', true, 503]);
    expect([refused.outcome, refused.retryable, refused.error]).toEqual(['failed', false, { code: 'http-status', message: `POST ${server.url}/hooks/refuses answered 401: {"message":"bad signature"}` }]);
  });

  it('fails without a key, naming the missing secret, and sends nothing', async () => {
    const result = await executeAction(run(hook({ secret: '{{secrets.missing_key}}' })), deps());
    expect([result.outcome, result.retryable, result.error]).toEqual(['failed', false, { code: 'template', message: "the action's templates could not be rendered: secrets.missing_key: no secret named 'missing_key' could be resolved (at /secret)" }]);
    expect(server.received).toHaveLength(0);
  });

  it('refuses a private address unless allowlisted', async () => {
    const result = await executeAction(run(hook({ url: 'https://10.0.0.8/hooks' })), deps());
    expect([result.retryable, result.error]).toEqual([false, { code: 'egress-refused', message: '10.0.0.8 is private: refused unless allowlisted in APOLLO_EGRESS_ALLOW' }]);
  });
});
