import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionOutputs, TerraformAction, TerraformActionConfig } from '#schemas/index.ts';
import { MASK } from '#shared/variables/index';
import { FakeTerraform } from '../../../local/fakes/terraform-server.ts';
import { InMemoryIntegrationSecrets } from '../adapters/local-secrets.ts';
import type { ExecutorDeps } from './attempt.ts';
import { IntegrationBreakers } from './breaker.ts';
import type { AsyncRun, CheckResult, ExternalRef, StartResult } from './ports.ts';
import { parseEgressAllow } from './ssrf.ts';
import { startTestServer } from './test-server.ts';
import { hclLiteral, runVariables, terraformExecutor } from './terraform.ts';

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
