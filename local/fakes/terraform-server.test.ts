import { createHmac } from 'node:crypto';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hclLiteral } from '#functions/requests/actions/terraform';
import { startTestServer, type TestServer } from '../../functions/requests/actions/test-server.ts';
import { ensureTerraformSecrets, FakeTerraform, parseHclLiteral, startLocalTerraform, stateOutputs, TERRAFORM_FAKE_PORT_ENV } from './terraform-server.ts';

const TOKEN = 'tf-token-for-the-fake';
const NOTIFY_KEY = 'notification-key';

let fake: FakeTerraform;
let receiver: TestServer;
beforeAll(async () => {
  receiver = await startTestServer();
  receiver.route('POST', '/api/v1/webhooks/terraform', () => ({ status: 200, body: { ok: true } }));
  receiver.route('POST', '/refuses', () => ({ status: 503, body: { message: 'not now' } }));
  fake = await FakeTerraform.start({ token: TOKEN, stepMs: 20 });
});
afterAll(async () => {
  await fake.close();
  await receiver.close();
});

/** A JSON:API document as the tests read it (loosely). */
interface Doc {
  data: { id: string; attributes: Record<string, unknown> } & Array<{ id: string; attributes: { name: string; value: unknown; sensitive: boolean } }>;
}

async function api(method: string, path: string, body?: unknown, token = TOKEN): Promise<{ status: number; body: Doc }> {
  const res = await fetch(`${fake.url}/api/v2${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/vnd.api+json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Doc };
}

const hookUrl = () => `${receiver.url}/api/v1/webhooks/terraform`;
const RUN_TRIGGERS = ['run:needs_attention', 'run:applying', 'run:completed', 'run:errored'];

const configurationBody = (attributes: Record<string, unknown>) => ({ data: { type: 'notification-configuration', attributes } });
const generic = (name: string, attributes: Record<string, unknown> = {}) =>
  configurationBody({ 'destination-type': 'generic', enabled: true, name, url: hookUrl(), token: NOTIFY_KEY, triggers: RUN_TRIGGERS, ...attributes });

/** A workspace whose run notifications go to the receiver (unless `notify` is false), as Apollo's executor sets them up. */
async function workspace(name: string, autoApply = true, notify = true): Promise<string> {
  const res = await api('POST', '/organizations/acme/workspaces', { data: { type: 'workspaces', attributes: { name, 'auto-apply': autoApply } } });
  expect(res.status).toBe(201);
  if (notify) expect((await api('POST', `/workspaces/${res.body.data.id}/notification-configurations`, generic('Apollo'))).status).toBe(201);
  return res.body.data.id;
}

/** What the receiver got about a run: the trigger of each delivery, in order. */
const deliveredFor = (runId: string) => receiver.received.filter((r) => r.body && JSON.parse(r.body).run_id === runId);

const runBody = (workspaceId: string, attributes: Record<string, unknown> = {}) => ({ data: { type: 'runs', attributes, relationships: { workspace: { data: { type: 'workspaces', id: workspaceId } } } } });

describe('the local fake Terraform Cloud', () => {
  it('answers the API only with its bearer token', async () => {
    const res = await api('GET', '/organizations/acme/workspaces/nope', undefined, 'wrong');

    expect(res).toEqual({ status: 401, body: { errors: [{ status: '401', title: 'unauthorized', detail: 'LOCAL FAKE Terraform Cloud: send Authorization: Bearer <tf_token>' }] } });
  });

  it('runs pending → planning → planned → applying → applied, leaves outputs computed from the variables, and notifies signed', async () => {
    // Prepare
    const ws = await workspace('pg-orders-dev');
    const variables = [{ key: 'identifier', value: '"orders-dev"' }, { key: 'size', value: '20' }, { key: 'tags', value: '{"team" = "payments"}' }];

    // Act
    const created = await api('POST', '/runs', runBody(ws, { message: 'Apollo r/a/1', variables }));
    const seen = new Set<string>();
    while (!['applied', 'errored'].includes(fake.run(created.body.data.id)!.status)) {
      seen.add(fake.run(created.body.data.id)!.status);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await fake.idle();
    const run = await api('GET', `/runs/${created.body.data.id}`);
    const outputs = await api('GET', `/workspaces/${ws}/current-state-version-outputs`);
    const arn = outputs.body.data.find((o) => o.attributes.name === 'master_password_arn')!;
    const revealed = await api('GET', `/state-version-outputs/${arn.id}`);

    // Assess
    expect(created.status).toBe(201);
    expect([...seen]).toEqual(['pending', 'planning', 'planned', 'applying']);
    expect(run.body.data.attributes).toMatchObject({ status: 'applied', message: 'Apollo r/a/1', 'is-destroy': false, 'auto-apply': true, variables });
    expect(Object.fromEntries(outputs.body.data.map((o) => [o.attributes.name, [o.attributes.value, o.attributes.sensitive]]))).toEqual({
      endpoint: ['orders-dev.rds.local-fake.test', false],
      port: [5432, false],
      master_password_arn: [null, true],
      master_user_secret_arn: [null, true],
      var_identifier: ['orders-dev', false],
      var_size: [20, false],
      var_tags: [{ team: 'payments' }, false],
    });
    expect(revealed.body.data.attributes.value).toMatch(/^arn:aws:secretsmanager:us-east-1:000000000000:secret:rds!orders-dev-[0-9a-f]{6}$/);
    const deliveries = deliveredFor(created.body.data.id);
    expect(deliveries.map((d) => JSON.parse(d.body).notifications[0].trigger)).toEqual(['run:applying', 'run:completed']);
    for (const d of deliveries) expect(d.headers['x-tfe-notification-signature']).toBe(createHmac('sha512', NOTIFY_KEY).update(d.body).digest('hex'));
    expect(JSON.parse(deliveries[1]!.body)).toMatchObject({ payload_version: 1, run_id: created.body.data.id, run_message: 'Apollo r/a/1', workspace_id: ws, workspace_name: 'pg-orders-dev', organization_name: 'acme', notifications: [{ trigger: 'run:completed', run_status: 'applied' }] });
    expect(fake.notifications.filter((n) => n.runId === created.body.data.id).map((n) => n.status)).toEqual([200, 200]);
  });

  it('makes the next run fail on request (POST /_fail) and counts runs by kind and workspace', async () => {
    // Prepare
    const ws = await workspace('doomed');
    const fail = await fetch(`${fake.url}/_fail`, { method: 'POST', body: JSON.stringify({ workspace: 'doomed', times: 1 }) });

    // Act
    const first = await api('POST', '/runs', runBody(ws, { variables: [{ key: 'x', value: '1' }] }));
    const second = await api('POST', '/runs', runBody(ws, { variables: [{ key: 'x', value: '1' }] }));
    const destroy = await api('POST', '/runs', runBody(ws, { 'is-destroy': true }));
    await fake.idle();

    // Assess
    expect(fail.status).toBe(200);
    expect([first, second, destroy].map((r) => fake.run(r.body.data.id)!.status)).toEqual(['errored', 'applied', 'applied']);
    expect(fake.runs('apply', 'doomed')).toBe(2);
    expect(fake.runs('destroy', 'doomed')).toBe(1);
    expect(fake.workspace('doomed')!.outputs).toEqual([]);
    const errored = fake.notifications.find((n) => n.runId === first.body.data.id);
    expect(errored).toMatchObject({ trigger: 'run:errored', runStatus: 'errored', signed: true, status: 200 });
  });

  it('holds a plan for its confirmation when auto-apply is off, applies it on actions/apply, and answers 409 when a run is not in a state for an action', async () => {
    // Prepare
    const ws = await workspace('manual', false);
    const created = await api('POST', '/runs', runBody(ws, { variables: [{ key: 'bucket', value: '"logs"' }] }));
    const id = created.body.data.id;
    while (fake.run(id)!.status !== 'planned') await new Promise((resolve) => setTimeout(resolve, 5));
    const waiting = await api('GET', `/runs/${id}`);

    // Act
    const apply = await api('POST', `/runs/${id}/actions/apply`, { comment: 'ok' });
    await fake.idle();
    const again = await api('POST', `/runs/${id}/actions/apply`, {});
    const unchanged = await api('POST', '/runs', runBody(ws, { variables: [{ key: 'bucket', value: '"logs"' }], 'auto-apply': true }));
    await fake.idle();

    // Assess
    expect(waiting.body.data.attributes).toMatchObject({ status: 'planned', 'auto-apply': false, actions: { 'is-confirmable': true, 'is-discardable': true } });
    expect(apply.status).toBe(202);
    expect(fake.run(id)!.status).toBe('applied');
    expect(again).toEqual({ status: 409, body: { errors: [{ status: '409', title: 'transition not allowed', detail: 'LOCAL FAKE: cannot apply a run that is applied' }] } });
    // The same variables again: nothing to change.
    expect(fake.run(unchanged.body.data.id)!.status).toBe('planned_and_finished');
    expect(fake.notifications.filter((n) => n.runId === id).map((n) => n.trigger)).toEqual(['run:needs_attention', 'run:applying', 'run:completed']);
  });

  it('answers a taken workspace name with 422, an unknown workspace with 404, and outputs before any state with 404', async () => {
    await workspace('taken');
    const id = fake.workspace('taken')!.id;

    expect(await api('POST', '/organizations/acme/workspaces', { data: { type: 'workspaces', attributes: { name: 'taken' } } })).toEqual({
      status: 422,
      body: { errors: [{ status: '422', title: 'invalid attribute', detail: 'Name has already been taken', source: { pointer: '/data/attributes/name' } }] },
    });
    expect((await api('GET', '/organizations/acme/workspaces/absent')).status).toBe(404);
    expect((await api('POST', '/runs', runBody('ws-unknown'))).status).toBe(404);
    expect((await api('GET', `/workspaces/${id}/current-state-version-outputs`)).status).toBe(404);
  });

  it('serves a page saying it is a local fake, with its workspaces, runs and how to make one fail', async () => {
    const res = await fetch(`${fake.url}/`);
    const html = await res.text();

    expect(res.headers.get('x-apollo-fake')).toBe('LOCAL FAKE');
    expect(html).toContain('<title>Local fake Terraform Cloud</title>');
    expect(html).toContain('pg-orders-dev');
    expect(html).toContain('/_fail');
    expect(html).toContain('Apollo r/a/1');
  });

});

describe('its notification configurations', () => {
  it('creates one only after its URL answered a signed verification, reads it back without its token, and pages the list', async () => {
    // Prepare
    const ws = await workspace('notified', true, false);
    const before = receiver.received.length;

    // Act
    const created = await api('POST', `/workspaces/${ws}/notification-configurations`, generic('Apollo (test)'));
    const verification = receiver.received.slice(before);
    for (const name of ['second', 'third']) await api('POST', `/workspaces/${ws}/notification-configurations`, generic(name, { enabled: false }));
    const first = await api('GET', `/workspaces/${ws}/notification-configurations?page%5Bsize%5D=2`);
    const next = (first.body as unknown as { links: { next: string | null } }).links.next!;
    const second = await api('GET', next.slice(`${fake.url}/api/v2`.length));
    const one = await api('GET', `/notification-configurations/${created.body.data.id}`);

    // Assess
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({
      id: expect.stringMatching(/^nc-/),
      type: 'notification-configurations',
      attributes: { 'destination-type': 'generic', enabled: true, name: 'Apollo (test)', url: hookUrl(), token: null, triggers: RUN_TRIGGERS },
      relationships: { subscribable: { data: { id: ws, type: 'workspaces' } } },
    });
    expect(verification).toHaveLength(1);
    const ping = JSON.parse(verification[0]!.body);
    expect(ping).toEqual({
      payload_version: 1, notification_configuration_id: created.body.data.id, run_url: null, run_id: null, run_message: null, run_created_at: null, run_created_by: null,
      workspace_id: null, workspace_name: null, organization_name: null,
      notifications: [{ message: 'Verification of Test Notification', trigger: 'verification', run_status: null, run_updated_at: null, run_updated_by: null }],
    });
    expect(verification[0]!.headers['x-tfe-notification-signature']).toBe(createHmac('sha512', NOTIFY_KEY).update(verification[0]!.body).digest('hex'));
    expect(first.body.data.map((c) => c.attributes.name)).toEqual(['Apollo (test)', 'second']);
    expect(second.body.data.map((c) => c.attributes.name)).toEqual(['third']);
    expect(one.body.data.attributes).toMatchObject({ token: null, 'delivery-responses': [{ url: hookUrl(), code: '200', successful: 'true' }] });
    expect(fake.notificationConfigurations('notified').map((c) => [c.name, c.enabled, c.token])).toEqual([['Apollo (test)', true, NOTIFY_KEY], ['second', false, NOTIFY_KEY], ['third', false, NOTIFY_KEY]]);
  });

  it('refuses to enable one whose URL does not answer 2xx (400, nothing saved or changed), and checks what it is given (422)', async () => {
    // Prepare
    const ws = await workspace('unreachable', true, false);
    const kept = await api('POST', `/workspaces/${ws}/notification-configurations`, generic('Apollo'));

    // Act
    const refused = await api('POST', `/workspaces/${ws}/notification-configurations`, generic('other', { url: `${receiver.url}/refuses` }));
    const moved = await api('PATCH', `/notification-configurations/${kept.body.data.id}`, { data: { id: kept.body.data.id, type: 'notification-configuration', attributes: { url: `${receiver.url}/refuses` } } });
    const disabled = await api('POST', `/workspaces/${ws}/notification-configurations`, generic('later', { url: `${receiver.url}/refuses`, enabled: false }));
    const badTrigger = await api('POST', `/workspaces/${ws}/notification-configurations`, generic('odd', { triggers: ['run:finished'] }));
    const noUrl = await api('POST', `/workspaces/${ws}/notification-configurations`, generic('none', { url: undefined }));

    // Assess
    expect(refused).toEqual({ status: 400, body: { errors: [{ status: '400', title: 'Verification failed', detail: `the verification request to ${receiver.url}/refuses did not succeed (it answered 503)`, source: { pointer: '/data/attributes/url' } }] } });
    expect(moved.status).toBe(400);
    expect(disabled.status).toBe(201);
    expect(badTrigger.status).toBe(422);
    expect(noUrl).toMatchObject({ status: 422, body: { errors: [{ detail: "Url can't be blank" }] } });
    expect(fake.notificationConfigurations('unreachable').map((c) => [c.name, c.url, c.enabled])).toEqual([['Apollo', hookUrl(), true], ['later', `${receiver.url}/refuses`, false]]);
  });

  it('updates one (verifying an enabled one again), verifies one on request, and deletes one', async () => {
    // Prepare
    const ws = await workspace('changing', true, false);
    const created = await api('POST', `/workspaces/${ws}/notification-configurations`, generic('Apollo', { url: `${receiver.url}/refuses`, enabled: false }));
    const id = created.body.data.id;
    const before = receiver.received.length;

    // Act
    const updated = await api('PATCH', `/notification-configurations/${id}`, { data: { id, type: 'notification-configuration', attributes: { url: hookUrl(), enabled: true, triggers: ['run:completed'] } } });
    const verified = await api('POST', `/notification-configurations/${id}/actions/verify`);
    const pings = receiver.received.slice(before);
    const deleted = await api('DELETE', `/notification-configurations/${id}`);
    const gone = await api('GET', `/notification-configurations/${id}`);

    // Assess
    expect(updated.status).toBe(200);
    expect(updated.body.data.attributes).toMatchObject({ url: hookUrl(), enabled: true, triggers: ['run:completed'], name: 'Apollo', token: null });
    expect(verified.status).toBe(200);
    expect(pings.map((p) => [p.path, JSON.parse(p.body).notifications[0].trigger, JSON.parse(p.body).notification_configuration_id])).toEqual([
      ['/api/v1/webhooks/terraform', 'verification', id],
      ['/api/v1/webhooks/terraform', 'verification', id],
    ]);
    expect(deleted.status).toBe(204);
    expect(gone.status).toBe(404);
  });

  it("tells only its workspace's enabled configurations that ask for a run's trigger, each signed with its own token (unsigned without one)", async () => {
    // Prepare
    const quiet = await workspace('quiet', true, false);
    const picky = await workspace('picky', true, false);
    const mine = await api('POST', `/workspaces/${picky}/notification-configurations`, generic('Apollo', { triggers: ['run:completed', 'run:errored'], token: 'picky-key' }));
    await api('POST', `/workspaces/${picky}/notification-configurations`, generic('unsigned', { triggers: ['run:completed'], token: null }));
    await api('POST', `/workspaces/${picky}/notification-configurations`, generic('off', { enabled: false }));

    // Act
    const silent = await api('POST', '/runs', runBody(quiet, { variables: [{ key: 'x', value: '1' }] }));
    const told = await api('POST', '/runs', runBody(picky, { variables: [{ key: 'x', value: '1' }] }));
    await fake.idle();

    // Assess
    expect(deliveredFor(silent.body.data.id)).toEqual([]);
    const deliveries = deliveredFor(told.body.data.id);
    expect(deliveries.map((d) => [JSON.parse(d.body).notification_configuration_id === mine.body.data.id, JSON.parse(d.body).notifications[0].trigger, Boolean(d.headers['x-tfe-notification-signature'])])).toEqual([
      [true, 'run:completed', true],
      [false, 'run:completed', false],
    ]);
    const signed = deliveries[0]!;
    expect(signed.headers['x-tfe-notification-signature']).toBe(createHmac('sha512', 'picky-key').update(signed.body).digest('hex'));
    expect(JSON.parse(signed.body)).toEqual({
      payload_version: 1,
      notification_configuration_id: mine.body.data.id,
      run_url: `${fake.url}/app/acme/workspaces/picky/runs/${told.body.data.id}`,
      run_id: told.body.data.id,
      run_message: 'Queued manually via the Terraform Enterprise API',
      run_created_at: expect.any(String),
      run_created_by: 'apollo-fake',
      workspace_id: picky,
      workspace_name: 'picky',
      organization_name: 'acme',
      notifications: [{ message: 'Applied', trigger: 'run:completed', run_status: 'applied', run_updated_at: expect.any(String), run_updated_by: 'apollo-fake' }],
    });
  });
});

describe('its state and secrets', () => {
  it('reads back what the executor sends as HCL literals', () => {
    for (const value of ['plain', 'say "hi"\\now\n${x} %{y}', 20, -2.5, true, null, ['a', 1, { k: [false] }], { team: 'payments', 'odd key': { n: 1 } }]) {
      expect(parseHclLiteral(hclLiteral(value))).toEqual(value);
    }
    expect(parseHclLiteral('var.other')).toBe('var.other');
    expect(parseHclLiteral('{ a = 1\n b: "two" }')).toEqual({ a: 1, b: 'two' });
  });

  it('computes the same outputs from the same variables', () => {
    const strip = (list: ReturnType<typeof stateOutputs>) => list.map(({ id, ...rest }) => { expect(id).toMatch(/^wsout-/); return rest; });
    expect(strip(stateOutputs([{ key: 'bucket', value: '"logs"' }]))).toEqual([
      { name: 'bucket_arn', value: 'arn:aws:s3:::logs', sensitive: false },
      { name: 'bucket_name', value: 'logs', sensitive: false },
      { name: 'var_bucket', value: 'logs', sensitive: false },
    ]);
  });

  it('keeps its token and notification key in integration-secrets.json (mode 600), the same on the next start', async () => {
    const home = mkdtempSync(join(tmpdir(), 'apollo-tf-'));
    try {
      const first = await ensureTerraformSecrets(home);
      const second = await ensureTerraformSecrets(home);
      const file = JSON.parse(readFileSync(join(home, 'integration-secrets.json'), 'utf8'));

      expect(second).toEqual(first);
      expect(file).toEqual({ tf_token: first.token, terraform_notification_token: first.notificationToken });
      expect(statSync(join(home, 'integration-secrets.json')).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("listens on APOLLO_TERRAFORM_FAKE_PORT when it is set, so a person (or a browser test) knows where its page and controls are", async () => {
    // Prepare
    const saved = { ...process.env };
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    process.env[TERRAFORM_FAKE_PORT_ENV] = String(port);
    delete process.env.APOLLO_TERRAFORM_HOST;
    try {
      // Act
      const local = (await startLocalTerraform(undefined))!;
      const failed = await fetch(`http://127.0.0.1:${port}/_fail`, { method: 'POST', body: JSON.stringify({ times: 1 }) });
      await local.close();
      process.env[TERRAFORM_FAKE_PORT_ENV] = 'not-a-port';

      // Assess
      expect(local.url).toBe(`http://127.0.0.1:${port}`);
      expect(process.env.APOLLO_TERRAFORM_HOST).toBe(local.url);
      expect([failed.status, await failed.json()]).toEqual([200, { fake: 'LOCAL FAKE Terraform Cloud', workspace: null, times: 1, what: 'run' }]);
      await expect(startLocalTerraform(undefined)).rejects.toThrow('APOLLO_TERRAFORM_FAKE_PORT must be a port number (0-65535), not not-a-port');
    } finally {
      process.env = saved;
    }
  });
});
