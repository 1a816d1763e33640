import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ActionOutputs, TerraformAction, TerraformActionConfig } from '#schemas/index.ts';
import { MASK } from '#shared/variables/index';
import { FakeTerraform } from '../../../local/fakes/terraform-server.ts';
import { InMemoryIntegrationSecrets } from '../adapters/local-secrets.ts';
import type { ExecutorDeps } from './attempt.ts';
import { IntegrationBreakers } from './breaker.ts';
import type { AsyncRun, CheckResult, ExternalRef, StartResult } from './ports.ts';
import { parseEgressAllow } from './ssrf.ts';
import { startTestServer, type Received, type TestServer } from './test-server.ts';
import { hclLiteral, runVariables, terraformExecutor } from './terraform.ts';
import { forgetNotificationSetups } from './terraform-notifications.ts';

const TOKEN = 'tf-SECRET-token-1234';
const PASSWORD = 'field-SECRET-pw';

let fake: FakeTerraform;
beforeAll(async () => { fake = await FakeTerraform.start({ token: TOKEN, stepMs: 25 }); });
afterAll(async () => { await fake.close(); });

function deps(over: Partial<ExecutorDeps> = {}): ExecutorDeps {
  return {
    secrets: new InMemoryIntegrationSecrets({ tf_token: TOKEN, wrong_token: 'not-the-token' }),
    allow: parseEgressAllow(`${fake.url}/`),
    breakers: new IntegrationBreakers(),
    ...over,
  };
}

const executor = (over: Partial<ExecutorDeps> = {}) => terraformExecutor(deps(over), { outputBackoffMs: 10 });

function action(db: string, config: Partial<TerraformActionConfig> = {}, outputs?: ActionOutputs): TerraformAction {
  return {
    id: 'provision',
    type: 'terraform',
    config: {
      host: fake.url,
      organization: 'acme-platform',
      workspace: `pg-${db}-{{fields.environment}}`,
      repository: 'acme/terraform-modules',
      directory: 'rds-postgresql',
      ref: 'v4.2.0',
      token: '{{secrets.tf_token}}',
      variables: {
        identifier: '{{fields.db_name}}-{{fields.environment}}',
        database_name: '{{fields.db_name}}',
        allocated_storage: '{{fields.storage_gb}}',
        multi_az: '{{fields.multi_az}}',
        master_password: '{{fields.admin_password}}',
        tags: { service: 'orders', apollo_request: '{{request.id}}' },
      },
      ...config,
    },
    ...(outputs ? { outputs } : {}),
  };
}

function run(a: TerraformAction, over: Partial<AsyncRun> = {}): AsyncRun {
  return {
    requestId: 'req-1',
    action: a,
    attempt: 1,
    idempotencyKey: `req-1/${a.id}/1`,
    variables: {
      fields: { db_name: 'orders', environment: 'dev', storage_gb: 20, multi_az: false, admin_password: PASSWORD },
      secretFields: ['admin_password'],
      request: { id: 'req-1', requester: 'ada' },
    },
    timeoutMs: 10_000,
    ...over,
  };
}

/** Checks every 20 ms until the run is no longer running; answers every check. */
async function settle(ex: ReturnType<typeof terraformExecutor>, r: AsyncRun, started: ExternalRef): Promise<CheckResult[]> {
  const checks: CheckResult[] = [];
  let ref = started;
  const deadline = Date.now() + 8_000;
  for (;;) {
    const result = await ex.check(r, ref);
    checks.push(result);
    ref = result.ref ?? ref;
    if (result.state !== 'running') return checks;
    if (Date.now() > deadline) throw new Error(`still running: ${result.message}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const started = (result: StartResult): ExternalRef => {
  expect(result.error).toBeUndefined();
  expect(result.outcome).toBe('started');
  return result.ref!;
};

describe('Terraform executor', () => {
  it('creates the missing workspace, starts a run with the variables as HCL literals, follows it to applied and reads the outputs (sensitive ones masked)', async () => {
    // Prepare
    const ex = executor();
    const a = action('orders', {}, [
      { name: 'endpoint' },
      { name: 'port', from: '/port' },
      { name: 'secret_arn', from: '/master_user_secret_arn' },
      { name: 'service', from: '/var_tags/service' },
    ]);
    const r = run(a);

    // Act
    const start = await ex.start(r);
    const ref = started(start);
    const checks = await settle(ex, r, ref);
    const collected = await ex.collect(r, ref);

    // Assess
    const ws = fake.workspace('pg-orders-dev', 'acme-platform')!;
    expect(ws).toMatchObject({ autoApply: true, workingDirectory: 'rds-postgresql', vcsRepo: null });
    expect(ref).toEqual({
      system: 'terraform',
      id: expect.stringMatching(/^run-/),
      url: `${fake.url}/app/acme-platform/workspaces/pg-orders-dev/runs/${ref.id}`,
      details: { host: fake.url, workspaceId: ws.id, organization: 'acme-platform', workspace: 'pg-orders-dev', status: 'pending' },
    });
    expect(start).toMatchObject({ retryable: false, pollSeconds: 15 });
    expect(start.input).toEqual({
      host: fake.url,
      organization: 'acme-platform',
      workspace: 'pg-orders-dev',
      operation: 'apply',
      autoApply: true,
      message: 'Apollo req-1/provision/1',
      variables: {
        identifier: 'orders-dev',
        database_name: 'orders',
        allocated_storage: 20,
        multi_az: false,
        master_password: '‹secret field:admin_password›',
        tags: { service: 'orders', apollo_request: 'req-1' },
      },
      auth: 'bearer',
    });
    expect(start.logs.map((l) => l.message)).toEqual([
      `workspace acme-platform/pg-orders-dev did not exist: created it (${ws.id})`,
      'workspace pg-orders-dev was created without its repository acme/terraform-modules: connecting a VCS repository needs the organization\'s OAuth token id (APOLLO_TERRAFORM_OAUTH_TOKEN_ID); connect it in Terraform',
      `started a run ${ref.id} in acme-platform/pg-orders-dev`,
    ]);
    expect(fake.run(ref.id)!.variables).toEqual([
      { key: 'identifier', value: '"orders-dev"' },
      { key: 'database_name', value: '"orders"' },
      { key: 'allocated_storage', value: '20' },
      { key: 'multi_az', value: 'false' },
      { key: 'master_password', value: `"${PASSWORD}"` },
      { key: 'tags', value: '{"service" = "orders", "apollo_request" = "req-1"}' },
    ]);
    expect(fake.run(ref.id)!.message).toBe('Apollo req-1/provision/1');
    expect(checks.at(-1)).toMatchObject({ state: 'succeeded', message: 'applied' });
    // Each status is said once, when it changes.
    const said = checks.flatMap((c) => c.logs ?? []).map((l) => l.message);
    expect(said.at(-1)).toMatch(new RegExp(`^Terraform run ${ref.id}: (planned|applying) → applied$`));
    expect(new Set(said).size).toBe(said.length);
    const arn = fake.workspace('pg-orders-dev')!.outputs!.find((o) => o.name === 'master_user_secret_arn')!.value as string;
    expect(collected).toEqual({
      outputs: { endpoint: 'orders-dev.rds.local-fake.test', port: 5432, secret_arn: arn, service: 'orders' },
      sensitive: ['secret_arn'],
      logs: [{ severity: 'info', message: `outputs: endpoint=orders-dev.rds.local-fake.test, port=5432, secret_arn=${MASK}, service=orders` }],
    });
    const everything = JSON.stringify([start, checks, collected.logs]);
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(PASSWORD);
  });

  it('finds the run it started before by the idempotency key instead of starting a second one; a failed one is not reused', async () => {
    // Prepare
    const ex = executor();
    const a = action('idem', {}, [{ name: 'endpoint' }]);
    const r = run(a);

    // Act
    const first = started(await ex.start(r));
    const again = await ex.start(r);
    await settle(ex, r, first);
    const other = started(await ex.start(run(a, { idempotencyKey: 'req-1/provision/10' })));
    await settle(ex, r, other);

    // Assess
    expect(started(again).id).toBe(first.id);
    expect(again.logs.map((l) => l.message)).toEqual([expect.stringMatching(new RegExp(`^reusing run ${first.id} \\((pending|planning)\\), started earlier for this action \\(Apollo req-1/provision/1\\)$`))]);
    // req-1/provision/1 is a prefix of req-1/provision/10, not its key.
    expect(other.id).not.toBe(first.id);
    expect(fake.runs('apply', 'pg-idem-dev')).toBe(2);

    // Prepare: the run of a third key errors
    fake.failNext(1, { workspace: 'pg-idem-dev' });
    const third = run(a, { idempotencyKey: 'req-1/provision/3' });
    const failed = started(await ex.start(third));
    expect((await settle(ex, third, failed)).at(-1)!.state).toBe('failed');

    // Act: the retry with the same key
    const retried = started(await ex.start(third));

    // Assess
    expect(retried.id).not.toBe(failed.id);
    expect(fake.runs('apply', 'pg-idem-dev')).toBe(4);
    expect((await settle(ex, third, retried)).at(-1)!.state).toBe('succeeded');
  });

  it('destroys: a destroy run empties the state, and a destroy needs no outputs', async () => {
    // Prepare
    const ex = executor();
    const apply = run(action('gone', {}, [{ name: 'endpoint' }]));
    const applied = started(await ex.start(apply));
    await settle(ex, apply, applied);
    const destroy = run(action('gone', { operation: 'destroy', variables: undefined }, [{ name: 'endpoint' }]), { idempotencyKey: 'req-1/destroy/1' });

    // Act
    const start = await ex.start(destroy);
    const ref = started(start);
    const checks = await settle(ex, destroy, ref);
    const collected = await ex.collect(destroy, ref);

    // Assess
    expect(start.input).toMatchObject({ operation: 'destroy', variables: {} });
    expect(fake.run(ref.id)).toMatchObject({ isDestroy: true, variables: [], status: 'applied' });
    expect(checks.at(-1)).toMatchObject({ state: 'succeeded', message: 'applied' });
    expect(collected).toEqual({ outputs: {}, sensitive: [], logs: [] });
    expect(fake.workspace('pg-gone-dev')!.outputs).toEqual([]);
    expect(fake.runs('destroy', 'pg-gone-dev')).toBe(1);
    expect(fake.runs('apply', 'pg-gone-dev')).toBe(1);
  });

  it('says a run that errored failed, not retryable, with its status and address', async () => {
    // Prepare
    const ex = executor();
    fake.failNext(1, { workspace: 'pg-broken-dev' });
    const r = run(action('broken'));

    // Act
    const ref = started(await ex.start(r));
    const last = (await settle(ex, r, ref)).at(-1)!;

    // Assess
    const message = `the Terraform run ended errored: ${ref.url}`;
    expect(last).toEqual({
      state: 'failed',
      retryable: false,
      message: 'errored',
      error: { code: 'terraform-run', message },
      logs: [{ severity: 'info', message: expect.stringMatching(new RegExp(`^Terraform run ${ref.id}: (pending|planning) → errored$`)) }, { severity: 'error', message }],
      ref: { ...ref, details: { ...ref.details, status: 'errored' } },
    });
  });

  it('waits while a plan needs a confirmation (auto-apply off), and a cancel discards it', async () => {
    // Prepare
    const ex = executor();
    const r = run(action('manual', { autoApply: false }));
    const ref = started(await ex.start(r));
    let check: CheckResult;
    do {
      await new Promise((resolve) => setTimeout(resolve, 20));
      check = await ex.check(r, ref);
    } while (check.message === 'pending' || check.message === 'planning');

    // Act
    await ex.cancel(r, ref);
    const after = await ex.check(r, ref);

    // Assess
    expect(check).toMatchObject({ state: 'running', message: `planned: waiting for a confirmation in Terraform (auto-apply is off) at ${ref.url}` });
    expect(fake.run(ref.id)!.status).toBe('discarded');
    expect(after).toMatchObject({ state: 'failed', retryable: false, error: { code: 'terraform-run', message: `the Terraform run ended discarded: ${ref.url}` } });
  });

  it('cancels a run that is planning or applying; cancelling a finished run changes nothing', async () => {
    // Prepare: slow steps, so the run is caught planning
    const ex = executor();
    const r = run(action('stopme'));
    fake.stepMs = 400;
    const ref = started(await ex.start(r));
    while (fake.run(ref.id)!.status !== 'planning') await new Promise((resolve) => setTimeout(resolve, 10));

    // Act
    await ex.cancel(r, ref);
    await ex.cancel(r, ref);
    fake.stepMs = 25;

    // Assess
    expect(fake.run(ref.id)!.status).toBe('canceled');
    expect((await ex.check(r, ref))).toMatchObject({ state: 'failed', error: { message: `the Terraform run ended canceled: ${ref.url}` } });
  });

  it('refuses with a clear message and does not retry: a wrong token (401), a run Terraform refuses (422), a run that is gone (404)', async () => {
    // Prepare
    const ex = executor();

    // Act
    const unauthorized = await ex.start(run(action('denied', { token: '{{secrets.wrong_token}}' })));
    const refused = await ex.start(run(action('refused', { variables: { 'bad key': 1 } })));
    const gone = await ex.check(run(action('orders')), { system: 'terraform', id: 'run-doesnotexist', details: { host: fake.url } });

    // Assess
    expect(unauthorized).toMatchObject({
      outcome: 'failed',
      retryable: false,
      error: { code: 'http-status', message: 'Terraform refused the token (401) when reading workspace acme-platform/pg-denied-dev: unauthorized: LOCAL FAKE Terraform Cloud: send Authorization: Bearer <tf_token>; check the action\'s token (default {{secrets.tf_token}})' },
    });
    expect(JSON.stringify(unauthorized)).not.toContain('not-the-token');
    expect(refused).toMatchObject({
      outcome: 'failed',
      retryable: false,
      error: { code: 'http-status', message: 'Terraform refused the request (422) when creating the run: invalid attribute: variable key \'bad key\' is not a Terraform identifier' },
    });
    expect(fake.runs(undefined, 'pg-refused-dev')).toBe(0);
    expect(gone).toEqual({
      state: 'failed',
      retryable: false,
      error: { code: 'http-status', message: 'Terraform has no run run-doesnotexist (404): it was deleted, or the token can no longer see its workspace' },
      logs: [{ severity: 'error', message: 'Terraform has no run run-doesnotexist (404): it was deleted, or the token can no longer see its workspace' }],
    });
  });

  it('says a 503 from Terraform is retryable, and a second start then runs once', async () => {
    // Prepare
    const ex = executor();
    const r = run(action('flaky'));
    fake.failNext(1, { what: 'api' });

    // Act
    const first = await ex.start(r);
    const second = await ex.start(r);

    // Assess
    expect(first).toMatchObject({ outcome: 'failed', retryable: true, error: { code: 'http-status' } });
    expect(first.error!.message).toMatch(/^Terraform \(reading workspace acme-platform\/pg-flaky-dev\) answered 503: .*; retry after 1 s \(Retry-After\)$/);
    started(second);
    expect(fake.runs('apply', 'pg-flaky-dev')).toBe(1);
  });

  it("says how long Terraform asked to wait (429 with Retry-After), so the next attempt is not sooner", async () => {
    // Prepare
    const server = await startTestServer();
    server.route('GET', '/api/v2/organizations/acme-platform/workspaces/pg-busy-dev', () => ({ status: 429, headers: { 'retry-after': '20' }, body: { errors: [{ status: '429', title: 'Too many requests' }] } }));

    try {
      // Act
      const result = await terraformExecutor(deps({ allow: parseEgressAllow(`${server.url}/`) })).start(run(action('busy', { host: server.url })));

      // Assess
      expect(result).toMatchObject({ outcome: 'failed', retryable: true, retryAfterMs: 20_000, error: { code: 'http-status' } });
      expect(result.error!.message).toMatch(/answered 429: .*; retry after 20 s \(Retry-After\)$/);
    } finally {
      await server.close();
    }
  });

  it('says an answer that is not JSON is not, and starts no run when the list of runs cannot be read (a second one could start)', async () => {
    // Prepare: a gateway's error page where JSON:API was expected
    const server = await startTestServer();
    const page = { status: 200, headers: { 'content-type': 'text/html' }, body: '<html><body>502 Bad Gateway</body></html>' };
    server.route('GET', '/api/v2/organizations/acme-platform/workspaces/pg-paged-dev', () => page);
    server.route('GET', '/api/v2/organizations/acme-platform/workspaces/pg-listless-dev', () => ({ status: 200, body: { data: { id: 'ws-2', type: 'workspaces', attributes: { name: 'pg-listless-dev' } } } }));
    server.route('GET', '/api/v2/workspaces/ws-2/runs', () => page);
    const ex = terraformExecutor(deps({ allow: parseEgressAllow(`${server.url}/`) }), { publicUrl: null });

    try {
      // Act
      const workspace = await ex.start(run(action('paged', { host: server.url })));
      const runs = await ex.start(run(action('listless', { host: server.url })));

      // Assess
      expect(workspace).toMatchObject({ outcome: 'failed', retryable: false, error: { code: 'invalid-response', message: 'Terraform answered 200 with a body that is not JSON (expected: a workspace)' } });
      expect(runs).toMatchObject({ outcome: 'failed', retryable: false, error: { code: 'invalid-response', message: "Terraform answered 200 with a body that is not JSON (expected: the workspace's runs)" } });
      expect(server.count('POST', '/api/v2/runs')).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('keeps following a run whose status answer is not JSON (the run goes on in Terraform; the timeout bounds the wait)', async () => {
    // Prepare
    const server = await startTestServer();
    server.route('GET', '/api/v2/runs/run-unreadable', () => ({ status: 200, headers: { 'content-type': 'text/html' }, body: '<html><body>502 Bad Gateway</body></html>' }));
    const ex = terraformExecutor(deps({ allow: parseEgressAllow(`${server.url}/`) }), { publicUrl: null });

    try {
      // Act
      const result = await ex.check(run(action('unreadable', { host: server.url })), { system: 'terraform', id: 'run-unreadable', details: { host: server.url, status: 'applying' } });

      // Assess
      expect(result).toMatchObject({ state: 'running', message: 'could not ask Terraform: Terraform answered 200 with a body that is not JSON (expected: a run)' });
      expect(result.logs).toEqual([{ severity: 'warn', message: 'could not read run run-unreadable: Terraform answered 200 with a body that is not JSON (expected: a run)' }]);
    } finally {
      await server.close();
    }
  });

  it('reads the outputs again while Terraform still processes the state (503), and says when it never finished', async () => {
    // Prepare
    const ex = terraformExecutor(deps(), { outputBackoffMs: 5, outputAttempts: 3 });
    const r = run(action('slowstate', {}, [{ name: 'endpoint' }]));
    const ref = started(await ex.start(r));
    await settle(ex, r, ref);

    // Act
    fake.failNext(2, { workspace: 'pg-slowstate-dev', what: 'outputs' });
    const eventually = await ex.collect(r, ref);
    fake.failNext(3, { workspace: 'pg-slowstate-dev', what: 'outputs' });
    const never = await ex.collect(r, ref);

    // Assess
    expect(eventually).toMatchObject({ outputs: { endpoint: 'orders-dev.rds.local-fake.test' }, sensitive: [] });
    expect(eventually.logs.filter((l) => l.message.includes('still processing'))).toHaveLength(2);
    expect(never).toMatchObject({ outputs: {}, sensitive: [], error: { code: 'http-status', message: 'Terraform was still processing the state\'s outputs after 3 reads (503)' } });
  });

  it('fails a declared output the state lacks (not retryable), naming what the state has', async () => {
    // Prepare
    const ex = executor();
    const r = run(action('lacking', { variables: { bucket: 'logs' } }, [{ name: 'bucket_arn' }, { name: 'endpoint' }]));
    const ref = started(await ex.start(r));
    await settle(ex, r, ref);

    // Act
    const collected = await ex.collect(r, ref);

    // Assess
    expect(collected).toEqual({
      outputs: {},
      sensitive: [],
      error: { code: 'missing-output', message: 'the Terraform state lacks the declared output \'endpoint\' (nothing at /endpoint); the state has bucket_arn, bucket_name, var_bucket' },
      logs: [{ severity: 'error', message: 'the Terraform state lacks the declared output \'endpoint\' (nothing at /endpoint); the state has bucket_arn, bucket_name, var_bucket' }],
    });
  });

  it('finds its run among the workspace\'s newest when Terraform\'s search does not match within messages', async () => {
    // Prepare: a Terraform whose search finds nothing
    const server = await startTestServer();
    try {
      server.route('GET', '/api/v2/organizations/acme-platform/workspaces/pg-searchless-dev', () => ({ status: 200, body: { data: { id: 'ws-1', type: 'workspaces', attributes: { name: 'pg-searchless-dev' } } } }));
      server.route('GET', '/api/v2/workspaces/ws-1/runs', (req) => ({
        status: 200,
        body: { data: req.url.includes('search') ? [] : [{ id: 'run-mine', type: 'runs', attributes: { status: 'applying', message: 'Apollo req-1/provision/1' } }] },
      }));
      const ex = terraformExecutor(deps({ allow: parseEgressAllow(`${server.url}/`) }));

      // Act
      const result = await ex.start(run(action('searchless', { host: server.url })));

      // Assess
      expect(result.ref).toMatchObject({ id: 'run-mine', details: { workspaceId: 'ws-1', status: 'applying' } });
      expect(server.received.map((r) => `${r.method} ${decodeURIComponent(r.url)}`)).toEqual([
        'GET /api/v2/organizations/acme-platform/workspaces/pg-searchless-dev',
        'GET /api/v2/workspaces/ws-1/runs?search[basic]=req-1/provision/1&page[size]=20',
        'GET /api/v2/workspaces/ws-1/runs?page[size]=20',
      ]);
      expect(server.received[0]!.headers).toMatchObject({ authorization: `Bearer ${TOKEN}`, 'content-type': 'application/vnd.api+json', accept: 'application/vnd.api+json' });
    } finally {
      await server.close();
    }
  });

  it('refuses a host the egress guard does not allow, and says a host that does not answer is retryable', async () => {
    // Prepare
    const ex = executor({ allow: parseEgressAllow('') });
    const closed = await FakeTerraform.start({ token: TOKEN });
    const url = closed.url;
    await closed.close();

    // Act
    const refused = await ex.start(run(action('guarded')));
    const down = await executor({ allow: parseEgressAllow(`${url}/`) }).start(run(action('down', { host: url })));

    // Assess
    expect(refused).toMatchObject({ outcome: 'failed', retryable: false, error: { code: 'egress-refused' } });
    expect(down).toMatchObject({ outcome: 'failed', retryable: true, error: { code: 'network', message: 'connection refused' } });
  });
});

describe("the workspace's notifications to Apollo", () => {
  const HOOK_KEY = 'hook-SECRET-key-5678';
  const HOOK = '/api/v1/webhooks/terraform';
  let apollo: TestServer;
  beforeAll(async () => {
    // Apollo's webhook, as far as Terraform can tell: 200 under /, 503 under /down (a verification that fails).
    apollo = await startTestServer();
    // It checks the signature as Apollo's webhook does.
    const verified = (r: Received) => (r.headers['x-tfe-notification-signature'] === createHmac('sha512', HOOK_KEY).update(r.body).digest('hex') ? { status: 200, body: { matched: false } } : { status: 401, body: { message: 'invalid signature' } });
    apollo.route('POST', HOOK, verified);
    apollo.route('POST', `/moved${HOOK}`, verified);
    apollo.route('POST', `/down${HOOK}`, () => ({ status: 503, body: { message: 'unavailable' } }));
  });
  afterAll(async () => { await apollo.close(); });
  beforeEach(() => { forgetNotificationSetups(); });

  const secrets = (over: Record<string, string> = {}) => new InMemoryIntegrationSecrets({ tf_token: TOKEN, terraform_notification_token: HOOK_KEY, ...over });
  const notifying = (publicUrl: string | null = apollo.url, over: Partial<ExecutorDeps> = {}) =>
    terraformExecutor(deps({ secrets: secrets(), ...over }), { outputBackoffMs: 10, publicUrl, stage: 'test' });
  const configurationCalls = () => fake.requests.filter((r) => r.includes('notification-configurations'));
  const keyed = (a: TerraformAction, n: number) => run(a, { idempotencyKey: `req-1/provision/n${n}` });

  it('creates the notification configuration before the first run, once, and the run then notifies Apollo signed with the key its webhook checks', async () => {
    // Prepare
    const ex = notifying();
    const a = action('notify');
    const calls = configurationCalls().length;

    // Act
    const first = await ex.start(keyed(a, 1));
    const second = await ex.start(keyed(a, 2));
    await settle(ex, keyed(a, 2), started(second));
    await fake.idle();

    // Assess
    const ws = fake.workspace('pg-notify-dev')!;
    const [nc, ...others] = fake.notificationConfigurations('pg-notify-dev');
    expect(others).toEqual([]);
    expect(nc).toMatchObject({ name: 'Apollo (test)', destinationType: 'generic', url: `${apollo.url}${HOOK}`, token: HOOK_KEY, enabled: true, triggers: ['run:completed', 'run:errored', 'run:needs_attention'] });
    expect(configurationCalls().slice(calls)).toEqual([`GET /api/v2/workspaces/${ws.id}/notification-configurations?page%5Bsize%5D=100`, `POST /api/v2/workspaces/${ws.id}/notification-configurations`]);
    expect(first.logs.map((l) => [l.severity, l.message])).toEqual([
      ['info', `workspace acme-platform/pg-notify-dev did not exist: created it (${ws.id})`],
      ['warn', expect.stringContaining('was created without its repository')],
      ['info', `Terraform notifies Apollo of acme-platform/pg-notify-dev's runs from now on: created the notification configuration 'Apollo (test)' (${nc!.id}) to ${apollo.url}${HOOK}`],
      ['info', `started a run ${first.ref!.id} in acme-platform/pg-notify-dev`],
    ]);
    expect(second.logs.map((l) => l.message)).toEqual([`started a run ${second.ref!.id} in acme-platform/pg-notify-dev`]);
    const told = apollo.received.filter((r) => r.path === HOOK && JSON.parse(r.body).run_id === second.ref!.id);
    expect(told.map((r) => JSON.parse(r.body).notifications[0].trigger)).toEqual(['run:completed']);
    expect(told[0]!.headers['x-tfe-notification-signature']).toBe(createHmac('sha512', HOOK_KEY).update(told[0]!.body).digest('hex'));
    expect(JSON.stringify([first, second])).not.toContain(HOOK_KEY);
  });

  it('finds it again in a new container instead of making a second, and sets up a workspace once when two starts race', async () => {
    // Prepare
    const a = action('again');
    await notifying().start(keyed(a, 1));
    forgetNotificationSetups();
    const b = action('raced');

    // Act
    const found = await notifying().start(keyed(a, 2));
    const raced = await Promise.all([notifying().start(keyed(b, 1)), notifying().start(keyed(b, 2))]);

    // Assess
    expect(fake.notificationConfigurations('pg-again-dev')).toHaveLength(1);
    const id = fake.notificationConfigurations('pg-again-dev')[0]!.id;
    expect(found.logs.map((l) => [l.severity, l.message])).toEqual([
      ['debug', `Terraform notifies Apollo of acme-platform/pg-again-dev's runs (notification configuration 'Apollo (test)', ${id})`],
      ['info', `started a run ${found.ref!.id} in acme-platform/pg-again-dev`],
    ]);
    expect(raced.map((r) => r.outcome)).toEqual(['started', 'started']);
    expect(fake.notificationConfigurations('pg-raced-dev')).toHaveLength(1);
  });

  it("updates it when its URL (or its triggers, or its state) is not Apollo's", async () => {
    // Prepare: the workspace has Apollo's configuration with an old URL, disabled, for other triggers
    const a = action('moved');
    await notifying().start(keyed(a, 1));
    const nc = fake.notificationConfigurations('pg-moved-dev')[0]!;
    Object.assign(nc, { enabled: false, triggers: ['run:created'] });
    forgetNotificationSetups();

    // Act
    const moved = await notifying(`${apollo.url}/moved/`).start(keyed(a, 2));

    // Assess
    expect(fake.notificationConfigurations('pg-moved-dev')).toEqual([expect.objectContaining({ id: nc.id, url: `${apollo.url}/moved${HOOK}`, enabled: true, token: HOOK_KEY, triggers: ['run:completed', 'run:errored', 'run:needs_attention'] })]);
    expect(moved.logs[0]).toEqual({
      severity: 'info',
      message: `Terraform notifies Apollo of acme-platform/pg-moved-dev's runs from now on: updated the notification configuration 'Apollo (test)' (${nc.id}) to ${apollo.url}/moved${HOOK} (its URL was ${apollo.url}${HOOK}; it was disabled; its triggers were run:created)`,
    });
    expect(fake.requests.filter((r) => r.startsWith('PATCH '))).toContain(`PATCH /api/v2/notification-configurations/${nc.id}`);
  });

  it('gives it the key again when Apollo refused its last delivery (401: the secret was rotated; Terraform never shows the token)', async () => {
    // Prepare: the configuration still signs with an old key, and a run's notification was refused
    const a = action('rotated');
    await notifying().start(keyed(a, 1));
    const nc = fake.notificationConfigurations('pg-rotated-dev')[0]!;
    nc.token = 'the-old-key';
    const refused = started(await notifying().start(keyed(a, 2)));
    await fake.idle();
    forgetNotificationSetups();

    // Act
    const renewed = await notifying().start(keyed(a, 3));
    await fake.idle();

    // Assess
    expect(fake.notifications.filter((n) => n.runId === refused.id).map((n) => n.status)).toEqual([401]);
    expect(renewed.logs[0]!.message).toMatch(/updated the notification configuration 'Apollo \(test\)' \(nc-\w+\) to .* \(Apollo refused its last delivery \(401: signed with a key it no longer holds\)\)$/);
    expect(nc.token).toBe(HOOK_KEY);
    expect(fake.notifications.filter((n) => n.runId === renewed.ref!.id).map((n) => n.status)).toEqual([200]);
  });

  it('starts the run all the same when they cannot be set up, saying why in its log (it is then polled every 15 s); tries again only later', async () => {
    // Prepare
    const a = action('unverified');
    const down = `${apollo.url}/down${HOOK}`;

    // Act: Terraform's verification POST to Apollo gets a 503, so Terraform refuses the configuration (400)
    const first = await notifying(`${apollo.url}/down`).start(keyed(a, 1));
    const calls = configurationCalls().length;
    const second = await notifying(`${apollo.url}/down`).start(keyed(a, 2));
    const keyless = await terraformExecutor(deps(), { publicUrl: apollo.url, stage: 'test' }).start(run(action('keyless')));
    const urlless = await notifying(null).start(run(action('urlless')));

    // Assess
    expect(first).toMatchObject({ outcome: 'started', pollSeconds: 15 });
    expect(first.logs.filter((l) => l.severity === 'warn').map((l) => l.message)).toEqual([
      expect.stringContaining('was created without its repository'),
      `Terraform's run notifications could not be set up in acme-platform/pg-unverified-dev: Terraform could not verify Apollo's webhook at ${down} (400: Verification failed: the verification request to ${down} did not succeed (it answered 503)); Terraform must reach that URL, and Apollo must hold the same terraform_notification_token; Apollo checks the run every 15 s instead`,
    ]);
    expect(fake.notificationConfigurations('pg-unverified-dev')).toEqual([]);
    expect(second).toMatchObject({ outcome: 'started' });
    expect(configurationCalls()).toHaveLength(calls);
    expect(second.logs[0]!.message).toMatch(/^Terraform's run notifications could not be set up in acme-platform\/pg-unverified-dev \(\d+ s ago, tried again after 5 min\): Terraform could not verify/);
    expect(keyless).toMatchObject({ outcome: 'started' });
    expect(keyless.logs).toContainEqual({ severity: 'warn', message: "Terraform's run notifications are not set up: there is no integration secret terraform_notification_token (the key Apollo's Terraform webhook verifies with); Apollo checks the run every 15 s instead" });
    expect(fake.notificationConfigurations('pg-keyless-dev')).toEqual([]);
    expect(urlless).toMatchObject({ outcome: 'started' });
    expect(urlless.logs.map((l) => l.message).join('\n')).not.toContain('notification');
    expect(fake.notificationConfigurations('pg-urlless-dev')).toEqual([]);
  });

  it('says a token that may not manage notifications (403) and starts the run', async () => {
    // Prepare: a Terraform that refuses the list
    const server = await startTestServer();
    try {
      server.route('GET', '/api/v2/organizations/acme-platform/workspaces/pg-limited-dev', () => ({ status: 200, body: { data: { id: 'ws-2', type: 'workspaces', attributes: { name: 'pg-limited-dev' } } } }));
      server.route('GET', '/api/v2/workspaces/ws-2/notification-configurations', () => ({ status: 403, body: { errors: [{ status: '403', title: 'forbidden' }] } }));
      server.route('GET', '/api/v2/workspaces/ws-2/runs', () => ({ status: 200, body: { data: [] } }));
      server.route('POST', '/api/v2/runs', () => ({ status: 201, body: { data: { id: 'run-2', type: 'runs', attributes: { status: 'pending' } } } }));
      const ex = notifying(apollo.url, { allow: parseEgressAllow(`${server.url}/`) });

      // Act
      const result = await ex.start(run(action('limited', { host: server.url })));

      // Assess
      expect(result).toMatchObject({ outcome: 'started', ref: { id: 'run-2' } });
      expect(result.logs[0]).toEqual({ severity: 'warn', message: "Terraform's run notifications could not be set up in acme-platform/pg-limited-dev: the token may not do this (403) when listing the workspace's notification configurations: forbidden; it needs the team permission for it; Apollo checks the run every 15 s instead" });
    } finally {
      await server.close();
    }
  });
});

describe('HCL literals for run variables', () => {
  it('quotes strings (escaping quotes, line breaks and template sequences) and keeps numbers, booleans, null, lists and objects', () => {
    expect(hclLiteral('plain')).toBe('"plain"');
    expect(hclLiteral('say "hi"\\now\nnext\ttab')).toBe('"say \\"hi\\"\\\\now\\nnext\\ttab"');
    expect(hclLiteral('${var.x} and %{ if } and $5 {x}')).toBe('"$${var.x} and %%{ if } and $5 {x}"');
    expect(hclLiteral('\u0001')).toBe('"\\u0001"');
    expect(hclLiteral(20)).toBe('20');
    expect(hclLiteral(2.5)).toBe('2.5');
    expect(hclLiteral(false)).toBe('false');
    expect(hclLiteral(null)).toBe('null');
    expect(hclLiteral(['a', 1, [true]])).toBe('["a", 1, [true]]');
    expect(hclLiteral({ team: 'payments', 'odd key': { n: 1 } })).toBe('{"team" = "payments", "odd key" = {"n" = 1}}');
    expect(() => hclLiteral(Number.NaN, 'size')).toThrow('the Terraform variable size is not a finite number');
    expect(runVariables({ a: 'x', skipped: undefined, n: 3 })).toEqual([{ key: 'a', value: '"x"' }, { key: 'n', value: '3' }]);
  });
});
