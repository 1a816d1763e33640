import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ActionOutputs, RestAction, RestActionConfig } from '#schemas/index.ts';
import { InMemoryIntegrationSecrets } from '../adapters/local-secrets.ts';
import type { ExecutorDeps } from './attempt.ts';
import { IntegrationBreakers } from './breaker.ts';
import { executeAction } from './index.ts';
import { OAuthTokenCache } from './oauth2.ts';
import type { ActionResult, ActionRun } from './ports.ts';
import { parseEgressAllow } from './ssrf.ts';
import { startTestServer, type TestServer } from './test-server.ts';

const TOKEN = 'tok-SECRET-1234';
const SECRETS = {
  api_token: TOKEN,
  api_user: 'deploy-bot',
  api_password: 'pa55-SECRET-word',
  client_secret: 'cs-SECRET-9876',
  webhook_key: 'whk-SECRET',
};

let server: TestServer;
beforeAll(async () => { server = await startTestServer(); });
afterAll(async () => { await server.close(); });
beforeEach(() => { server.received.length = 0; });
afterEach(() => { vi.useRealTimers(); });

function deps(over: Partial<ExecutorDeps> = {}): ExecutorDeps {
  return {
    secrets: new InMemoryIntegrationSecrets(SECRETS),
    allow: parseEgressAllow(`${server.url}/`),
    breakers: new IntegrationBreakers(),
    tokens: new OAuthTokenCache(),
    ...over,
  };
}

function action(config: Partial<RestActionConfig>, outputs?: ActionOutputs): RestAction {
  return { id: 'create_record', type: 'rest', config: { method: 'POST', url: `${server.url}/records`, ...config }, ...(outputs ? { outputs } : {}) };
}

function run(a: RestAction, over: Partial<ActionRun> = {}): ActionRun {
  return {
    requestId: 'req-1',
    action: a,
    attempt: 1,
    idempotencyKey: 'req-1/create_record/1',
    variables: {
      fields: { name: 'api', replicas: 3, team: 'payments', db_password: 'field-SECRET-pw' },
      secretFields: ['db_password'],
      request: { id: 'req-1', requester: 'ada' },
      user: { email: 'ada@example.com' },
    },
    timeoutMs: 5_000,
    ...over,
  };
}

/** Everything a result says but its duration. */
const shown = (result: ActionResult): Omit<ActionResult, 'durationMs'> => {
  const { durationMs, ...rest } = result;
  expect(durationMs).toBeGreaterThanOrEqual(0);
  return rest;
};

const everything = (result: ActionResult): string => JSON.stringify({ ...result, outputs: undefined });

describe('REST executor', () => {
  it('sends the rendered call with a bearer token and the idempotency key, and reads the outputs by pointer', async () => {
    // Prepare
    server.route('POST', '/records', () => ({ status: 201, body: { record: { id: 'rec-1', fqdn: 'api.payments.example' }, status: 'active' } }));
    const a = action({
      query: { team: '{{fields.team}}' },
      headers: { 'X-Requested-By': '{{request.requester}}' },
      body: { name: '{{fields.name}}', replicas: '{{fields.replicas}}', labels: { owner: '{{user.email}}' }, note: 'for {{fields.team}}' },
      auth: { type: 'bearer', token: '{{secrets.api_token}}' },
    }, [{ name: 'record_id', from: '/record/id' }, { name: 'status' }]);

    // Act
    const result = await executeAction(run(a), deps());

    // Assess
    expect(shown(result)).toEqual({
      outcome: 'succeeded',
      retryable: false,
      status: 201,
      outputs: { record_id: 'rec-1', status: 'active' },
      sensitive: [],
      input: {
        method: 'POST',
        url: `${server.url}/records?team=payments`,
        headers: { 'X-Requested-By': 'ada', 'Content-Type': 'application/json', Accept: 'application/json', 'Idempotency-Key': 'req-1/create_record/1', Authorization: '••••' },
        body: { name: 'api', replicas: 3, labels: { owner: 'ada@example.com' }, note: 'for payments' },
        auth: 'bearer',
      },
      logs: [
        { severity: 'info', message: `POST ${server.url}/records answered 201` },
        { severity: 'info', message: 'outputs: record_id=rec-1, status=active' },
      ],
    });
    expect(server.received).toHaveLength(1);
    const [sent] = server.received;
    expect(sent!.url).toBe('/records?team=payments');
    expect(sent!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(sent!.headers['idempotency-key']).toBe('req-1/create_record/1');
    expect(sent!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(sent!.body)).toEqual({ name: 'api', replicas: 3, labels: { owner: 'ada@example.com' }, note: 'for payments' });
  });

  it('authenticates with basic credentials', async () => {
    server.route('GET', '/basic', (r) => (r.headers.authorization === `Basic ${Buffer.from('deploy-bot:pa55-SECRET-word').toString('base64')}` ? { status: 200, body: {} } : { status: 401, body: { message: 'bad credentials' } }));
    const result = await executeAction(run(action({ method: 'GET', url: `${server.url}/basic`, auth: { type: 'basic', username: '{{secrets.api_user}}', password: '{{secrets.api_password}}' } })), deps());
    expect([result.outcome, result.status, (result.input.headers as Record<string, string>).Authorization]).toEqual(['succeeded', 200, '••••']);
    expect(everything(result)).not.toContain('pa55-SECRET-word');
    expect(everything(result)).not.toContain(Buffer.from('deploy-bot:pa55-SECRET-word').toString('base64'));
  });

  it('sends an API key in X-API-Key by default, or in the header the action names', async () => {
    server.route('GET', '/keyed', (r) => ({ status: 200, body: { xApiKey: r.headers['x-api-key'] ?? null, custom: r.headers['x-dns-key'] ?? null } }));
    const byDefault = await executeAction(run(action({ method: 'GET', url: `${server.url}/keyed`, auth: { type: 'api-key', token: '{{secrets.api_token}}' } }, [{ name: 'xApiKey', sensitive: true }])), deps());
    const named = await executeAction(run(action({ method: 'GET', url: `${server.url}/keyed`, auth: { type: 'api-key', header: 'X-DNS-Key', token: '{{secrets.api_token}}' } }, [{ name: 'custom', sensitive: true }])), deps());
    expect(byDefault.outputs).toEqual({ xApiKey: TOKEN });
    expect(named.outputs).toEqual({ custom: TOKEN });
    expect(byDefault.input.headers).toEqual({ Accept: 'application/json', 'Idempotency-Key': 'req-1/create_record/1', 'X-API-Key': '••••' });
    expect(named.input.headers).toEqual({ Accept: 'application/json', 'Idempotency-Key': 'req-1/create_record/1', 'X-DNS-Key': '••••' });
  });

  it('sends no credentials with auth none', async () => {
    server.route('DELETE', '/records/rec-1', () => ({ status: 204 }));
    const result = await executeAction(run(action({ method: 'DELETE', url: `${server.url}/records/rec-1` })), deps());
    expect([result.outcome, result.status, result.input]).toEqual(['succeeded', 204, { method: 'DELETE', url: `${server.url}/records/rec-1`, headers: { Accept: 'application/json', 'Idempotency-Key': 'req-1/create_record/1' } }]);
    expect(server.received[0]!.headers.authorization).toBeUndefined();
  });

  describe('OAuth 2.0 client credentials', () => {
    const oauth = (): RestAction => action({
      method: 'GET',
      url: `${server.url}/protected`,
      auth: { type: 'oauth2-client-credentials', tokenUrl: `${server.url}/oauth/token`, clientId: 'apollo client', clientSecret: '{{secrets.client_secret}}', scope: 'dns.write dns.read' },
    });
    let issued = 0;
    let accepted: Set<string>;
    beforeEach(() => {
      issued = 0;
      accepted = new Set();
      server.route('POST', '/oauth/token', (r) => {
        // RFC 6749 §2.3.1: each half form-urlencoded, then Basic.
        const expected = `Basic ${Buffer.from('apollo+client:cs-SECRET-9876').toString('base64')}`;
        const form = new URLSearchParams(r.body);
        if (r.headers.authorization !== expected || r.headers['content-type'] !== 'application/x-www-form-urlencoded') return { status: 401, body: { error: 'invalid_client' } };
        if (form.get('grant_type') !== 'client_credentials' || form.get('scope') !== 'dns.write dns.read') return { status: 400, body: { error: 'invalid_request' } };
        issued += 1;
        const token = `at-SECRET-${issued}`;
        accepted.add(token);
        return { status: 200, body: { access_token: token, token_type: 'Bearer', expires_in: 3600 } };
      });
      server.route('GET', '/protected', (r) => (accepted.has((r.headers.authorization ?? '').replace('Bearer ', '')) ? { status: 200, body: { ok: true } } : { status: 401, body: { error: 'invalid_token' } }));
    });

    it('fetches a token once and reuses it until shortly before it expires', async () => {
      let now = Date.parse('2026-11-02T10:00:00Z');
      const d = deps({ now: () => now });
      const first = await executeAction(run(oauth()), d);
      now += 3_000_000; // 50 min: still valid
      const second = await executeAction(run(oauth()), d);
      now += 560_000; // 59 min 20 s: within the last minute, refreshed
      const third = await executeAction(run(oauth()), d);
      expect([first.outcome, second.outcome, third.outcome]).toEqual(['succeeded', 'succeeded', 'succeeded']);
      expect(server.count('POST', '/oauth/token')).toBe(2);
      expect(server.received.filter((r) => r.path === '/protected').map((r) => r.headers.authorization)).toEqual(['Bearer at-SECRET-1', 'Bearer at-SECRET-1', 'Bearer at-SECRET-2']);
      expect(first.logs).toEqual([
        { severity: 'info', message: `obtained an access token from the token endpoint ${server.url}/oauth/token (valid 3600 s)` },
        { severity: 'info', message: `GET ${server.url}/protected answered 200` },
      ]);
      expect(everything(first)).not.toMatch(/at-SECRET|cs-SECRET/);
    });

    it('fetches a new token once when the target answers 401', async () => {
      const d = deps();
      await executeAction(run(oauth()), d);
      accepted.clear(); // the provider revoked it
      const result = await executeAction(run(oauth()), d);
      expect([result.outcome, result.status]).toEqual(['succeeded', 200]);
      expect(server.count('POST', '/oauth/token')).toBe(2);
      expect(result.logs[0]).toEqual({ severity: 'warn', message: `GET ${server.url}/protected answered 401: fetching a new access token and trying once more` });
    });

    it('fails, not retryable, when a fresh token is refused too (one retry only)', async () => {
      server.route('GET', '/protected', () => ({ status: 401, body: { error: 'invalid_token' } }));
      const result = await executeAction(run(oauth()), deps());
      expect([result.outcome, result.retryable, result.status, result.error]).toEqual(['failed', false, 401, { code: 'http-status', message: `GET ${server.url}/protected answered 401: {"error":"invalid_token"}` }]);
      expect(server.count('GET', '/protected')).toBe(2);
    });

    it('says the token endpoint refused the client', async () => {
      const result = await executeAction(run(action({ method: 'GET', url: `${server.url}/protected`, auth: { type: 'oauth2-client-credentials', tokenUrl: `${server.url}/oauth/token`, clientId: 'apollo client', clientSecret: 'wrong-secret', scope: 'dns.write dns.read' } })), deps());
      expect([result.outcome, result.retryable, result.error]).toEqual(['failed', false, { code: 'oauth-token', message: `the token endpoint ${server.url}/oauth/token answered 401: {"error":"invalid_client"}` }]);
      expect(server.count('GET', '/protected')).toBe(0);
    });
  });

  it('succeeds on the statuses the action lists, and only those', async () => {
    server.route('GET', '/maybe', () => ({ status: 404, body: { message: 'not there' } }));
    server.route('POST', '/created', () => ({ status: 201, body: {} }));
    const listed = await executeAction(run(action({ method: 'GET', url: `${server.url}/maybe`, successStatus: [200, 404] })), deps());
    const unlisted = await executeAction(run(action({ url: `${server.url}/created`, successStatus: [200] })), deps());
    expect([listed.outcome, listed.status]).toEqual(['succeeded', 404]);
    expect([unlisted.outcome, unlisted.retryable, unlisted.status, unlisted.error]).toEqual(['failed', false, 201, { code: 'http-status', message: `POST ${server.url}/created answered 201: {}` }]);
  });

  it('does not follow a redirect: a 3xx is the answer', async () => {
    server.route('GET', '/moved', () => ({ status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/' } }));
    const result = await executeAction(run(action({ method: 'GET', url: `${server.url}/moved` })), deps());
    expect([result.outcome, result.retryable, result.status, result.error?.code]).toEqual(['failed', false, 302, 'http-status']);
    expect(server.received.map((r) => r.path)).toEqual(['/moved']);
  });

  it('fails, not retryable, when a declared output is missing or the answer is not JSON', async () => {
    server.route('POST', '/records', () => ({ status: 201, body: { id: 'rec-1' } }));
    server.route('POST', '/html', () => ({ status: 200, headers: { 'content-type': 'text/html' }, body: '<p>ok</p>' }));
    const missing = await executeAction(run(action({}, [{ name: 'id' }, { name: 'fqdn', from: '/record/fqdn' }])), deps());
    const html = await executeAction(run(action({ url: `${server.url}/html` }, [{ name: 'id' }])), deps());
    expect([missing.outcome, missing.retryable, missing.status, missing.outputs, missing.error]).toEqual(['failed', false, 201, {}, { code: 'missing-output', message: "the response lacks the declared output 'fqdn' (nothing at /record/fqdn)" }]);
    expect([html.outcome, html.retryable, html.error]).toEqual(['failed', false, { code: 'invalid-response', message: "the response (text/html) is not JSON, so the output 'id' cannot be read" }]);
  });

  it('lists sensitive outputs and never shows their values in the logs', async () => {
    server.route('POST', '/records', () => ({ status: 201, body: { id: 'rec-1', credentials: { password: 'db-SECRET-pw' } } }));
    const result = await executeAction(run(action({}, [{ name: 'id' }, { name: 'password', from: '/credentials/password', sensitive: true }])), deps());
    expect([result.outcome, result.outputs, result.sensitive]).toEqual(['succeeded', { id: 'rec-1', password: 'db-SECRET-pw' }, ['password']]);
    expect(result.logs[1]).toEqual({ severity: 'info', message: 'outputs: id=rec-1, password=••••' });
    expect(everything(result)).not.toContain('db-SECRET-pw');
  });

  it('masks secrets and secret fields in the recorded input, and any secret value an error message would echo', async () => {
    server.route('POST', '/echo', (r) => ({ status: 400, body: { message: `bad request: ${r.headers.authorization} ${r.body}` } }));
    const result = await executeAction(run(action({
      url: `${server.url}/echo`,
      query: { key: '{{secrets.webhook_key}}' },
      body: { password: '{{fields.db_password}}', token: 'x-{{secrets.api_token}}' },
      auth: { type: 'bearer', token: '{{secrets.api_token}}' },
    })), deps());
    expect(result.input).toEqual({
      method: 'POST',
      url: `${server.url}/echo?key=%E2%80%B9secret%3Awebhook_key%E2%80%BA`,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Idempotency-Key': 'req-1/create_record/1', Authorization: '••••' },
      body: { password: '‹secret field:db_password›', token: 'x-‹secret:api_token›' },
      auth: 'bearer',
    });
    expect([result.outcome, result.retryable, result.status]).toEqual(['failed', false, 400]);
    expect(result.error!.message).toBe(`POST ${server.url}/echo answered 400: {"message":"bad request: Bearer •••• {\\"password\\":\\"••••\\",\\"token\\":\\"x-••••\\"}"}`);
    expect(everything(result)).not.toMatch(/SECRET/);
  });

  it('fails a template that names a missing variable or secret, without calling, not retryable', async () => {
    const result = await executeAction(run(action({ url: `${server.url}/records/{{fields.zone}}`, auth: { type: 'bearer', token: '{{secrets.nope}}' } })), deps());
    expect([result.outcome, result.retryable, result.error]).toEqual(['failed', false, {
      code: 'template',
      message: "the action's templates could not be rendered: unknown variable fields.zone: the form has no value for it (at /url); secrets.nope: no secret named 'nope' could be resolved (at /auth/token)",
    }]);
    expect(result.input.url).toBe(`${server.url}/records/{{fields.zone}}`);
    expect(server.received).toHaveLength(0);
  });

  it('says a secret store that fails is retryable', async () => {
    const result = await executeAction(run(action({ auth: { type: 'bearer', token: '{{secrets.api_token}}' } })), deps({ secrets: { kind: 'Secrets Manager', get: () => Promise.reject(new Error('throttled')) } }));
    expect([result.outcome, result.retryable, result.error]).toEqual(['failed', true, { code: 'secrets-unavailable', message: 'the integration secrets could not be read from Secrets Manager: throttled' }]);
  });

  describe('retryable failures', () => {
    it.each([
      [503, true], [500, true], [502, true], [408, true], [425, true], [429, true],
      [400, false], [403, false], [404, false], [409, false], [422, false],
    ])('a %i answer is retryable: %s', async (status, retryable) => {
      server.route('POST', '/status', () => ({ status, body: { message: 'no' } }));
      const result = await executeAction(run(action({ url: `${server.url}/status` })), deps());
      expect([result.outcome, result.retryable, result.status, result.error?.code]).toEqual(['failed', retryable, status, 'http-status']);
    });

    it('passes on Retry-After', async () => {
      server.route('POST', '/busy', () => ({ status: 429, headers: { 'retry-after': '7' }, body: { message: 'slow down' } }));
      const result = await executeAction(run(action({ url: `${server.url}/busy` })), deps());
      expect([result.retryable, result.retryAfterMs, result.error]).toEqual([true, 7000, { code: 'http-status', message: `POST ${server.url}/busy answered 429: {"message":"slow down"}; retry after 7 s (Retry-After)` }]);
    });

    it('times out at the run\'s limit (retryable)', async () => {
      server.route('POST', '/slow', () => ({ status: 200, body: {}, delayMs: 1_000 }));
      const result = await executeAction(run(action({ url: `${server.url}/slow` }), { timeoutMs: 100 }), deps());
      expect([result.outcome, result.retryable, result.error]).toEqual(['failed', true, { code: 'timeout', message: "no answer within 100 ms (the action's timeout)" }]);
      expect(result.durationMs).toBeLessThan(1_000);
    });

    it('says a refused connection is a network error (retryable)', async () => {
      const closed = await startTestServer();
      const url = closed.url;
      await closed.close();
      const result = await executeAction(run(action({ url: `${url}/records` })), deps({ allow: parseEgressAllow(`${url}/`) }));
      expect([result.outcome, result.retryable, result.error]).toEqual(['failed', true, { code: 'network', message: 'connection refused' }]);
    });
  });

  it('refuses an answer over the size cap (not retryable)', async () => {
    server.route('GET', '/big', () => ({ status: 200, body: Buffer.alloc(1024 * 1024 + 10, 'a') }));
    const result = await executeAction(run(action({ method: 'GET', url: `${server.url}/big` })), deps());
    expect([result.outcome, result.retryable, result.error?.code]).toEqual(['failed', false, 'response-too-large']);
  });

  it('refuses a URL into the private network unless allowlisted, without calling it', async () => {
    server.route('POST', '/records', () => ({ status: 201, body: {} }));
    const refused = await executeAction(run(action({})), deps({ allow: parseEgressAllow('') }));
    const metadata = await executeAction(run(action({ url: 'https://metadata.internal.test/latest/meta-data/' })), deps({ resolve: () => Promise.resolve([{ address: '169.254.169.254', family: 4 }]) }));
    const token = await executeAction(run(action({ auth: { type: 'oauth2-client-credentials', tokenUrl: 'https://[fd00:ec2::254]/token', clientId: 'c', clientSecret: 's' } })), deps());
    expect([refused.outcome, refused.retryable, refused.error]).toEqual(['failed', false, { code: 'egress-refused', message: '127.0.0.1 is loopback: refused unless allowlisted in APOLLO_EGRESS_ALLOW' }]);
    expect([metadata.retryable, metadata.error]).toEqual([false, { code: 'egress-refused', message: '169.254.169.254 is link-local (the cloud metadata endpoint lives here) (metadata.internal.test resolves to it): refused unless allowlisted in APOLLO_EGRESS_ALLOW' }]);
    expect([token.retryable, token.error?.code]).toEqual([false, 'egress-refused']);
    expect(server.received).toHaveLength(0);
  });

  it('connects to the address it checked, not to a second DNS answer', async () => {
    // The system resolver knows no `integration.test`: only the vetted address can be reached.
    server.route('GET', '/pinned', (r) => ({ status: 200, body: { host: r.headers.host } }));
    const port = new URL(server.url).port;
    const result = await executeAction(run(action({ method: 'GET', url: `http://integration.test:${port}/pinned` }, [{ name: 'host' }])), deps({
      allow: parseEgressAllow('127.0.0.0/8'),
      resolve: () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]),
    }));
    expect([result.outcome, result.outputs]).toEqual(['succeeded', { host: `integration.test:${port}` }]);
  });

  it('opens the circuit after five retryable failures in a row, and tries again once it half-opens', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-11-02T10:00:00Z'));
    let status = 503;
    server.route('POST', '/flaky', () => ({ status, body: { message: 'down' } }));
    const d = deps();
    const call = () => executeAction(run(action({ url: `${server.url}/flaky` })), d);

    // Act
    const failures = [];
    for (let i = 0; i < 5; i += 1) failures.push(await call());
    const open = await call();
    vi.setSystemTime(Date.parse('2026-11-02T10:00:29Z'));
    const stillOpen = await call();
    vi.setSystemTime(Date.parse('2026-11-02T10:00:31Z'));
    status = 200;
    const trial = await call();

    // Assess
    expect(failures.map((r) => [r.retryable, r.status])).toEqual(Array(5).fill([true, 503]));
    expect([open.outcome, open.retryable, open.retryAfterMs, open.error]).toEqual(['failed', true, 30_000, {
      code: 'circuit-open',
      message: `the circuit for ${server.url} is open after repeated failures; it half-opens at 2026-11-02T10:00:30.000Z`,
    }]);
    expect([stillOpen.error?.code, stillOpen.retryAfterMs]).toEqual(['circuit-open', 1_000]);
    expect([trial.outcome, trial.status]).toEqual(['succeeded', 200]);
    expect(server.count('POST', '/flaky')).toBe(6);
  });

  it('does not count a 4xx toward the circuit', async () => {
    server.route('POST', '/bad', () => ({ status: 400, body: {} }));
    const d = deps();
    for (let i = 0; i < 7; i += 1) await executeAction(run(action({ url: `${server.url}/bad` })), d);
    expect(server.count('POST', '/bad')).toBe(7);
  });
});
