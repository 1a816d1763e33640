/**
 * Terraform run notifications through the local runtime: the LOCAL FAKE Terraform Cloud it starts sends them
 * where a workspace's notification configuration says (Apollo's Terraform executor makes one to
 * POST /api/v1/webhooks/terraform, signed with the integration secret terraform_notification_token; nothing is
 * preset); and the Terraform executor reaches that fake with the runtime's own configuration
 * (APOLLO_TERRAFORM_HOST, the egress allowlist, the tf_token integration secret, APOLLO_PUBLIC_URL).
 */
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { CatalogItemV2, TerraformAction } from '#schemas/index.ts';
import { memoryIntegrationSecrets } from '#functions/requests/adapters/local-secrets';
import { IntegrationBreakers } from '#functions/requests/actions/breaker';
import type { AsyncRun, CheckResult, ExternalRef } from '#functions/requests/actions/ports';
import { terraformExecutor } from '#functions/requests/actions/terraform';
import { fetchChecked, startHarness, type Harness } from './harness.ts';

let h: Harness;
let key: string;
beforeAll(async () => {
  h = await startHarness();
  key = (await memoryIntegrationSecrets.get('terraform_notification_token'))!;
});
afterAll(async () => { await h.close(); });

const hookUrl = () => `${h.runtime.url}/api/v1/webhooks/terraform`;

function notification(runId: string | null, trigger: string, runStatus: string | null, updatedAt = new Date().toISOString()): string {
  return JSON.stringify({
    payload_version: 1,
    notification_configuration_id: 'nc-test',
    run_url: runId ? `https://app.terraform.io/app/acme/workspaces/ws/runs/${runId}` : null,
    run_id: runId,
    run_message: runId ? 'Apollo req-x/provision/1' : null,
    run_created_at: runId ? '2026-11-02T10:00:00.000Z' : null,
    run_created_by: runId ? 'apollo' : null,
    workspace_id: runId ? 'ws-test' : null,
    workspace_name: runId ? 'ws' : null,
    organization_name: runId ? 'acme' : null,
    notifications: [{ message: 'Applied', trigger, run_status: runStatus, run_updated_at: updatedAt, run_updated_by: 'apollo' }],
  });
}

function deliver(body: string, signature: string | null = createHmac('sha512', key).update(body).digest('hex')): Promise<Response> {
  return fetchChecked(hookUrl(), { method: 'POST', headers: { 'content-type': 'application/json', ...(signature === null ? {} : { 'x-tfe-notification-signature': signature }) }, body });
}

const deliveryId = (body: string): string => createHash('sha256').update(body).digest('hex').slice(0, 32);

/** A call to the local fake Terraform's API, as its tf_token. */
async function tfApi(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const token = (await memoryIntegrationSecrets.get('tf_token'))!;
  const res = await fetch(`${h.runtime.terraform!.url}/api/v2${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/vnd.api+json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function workspace(name: string): Promise<string> {
  const res = await tfApi('POST', '/organizations/acme/workspaces', { data: { type: 'workspaces', attributes: { name } } });
  return (res.body as { data: { id: string } }).data.id;
}

async function startRun(workspaceId: string): Promise<string> {
  const res = await tfApi('POST', '/runs', { data: { type: 'runs', attributes: { 'auto-apply': true, message: 'not from Apollo' }, relationships: { workspace: { data: { type: 'workspaces', id: workspaceId } } } } });
  return (res.body as { data: { id: string } }).data.id;
}

describe('Terraform notifications', () => {
  it('reach Apollo from the local fake Terraform Cloud once a workspace is configured to send them, signed; a run no request waits for is answered 200, not matched', async () => {
    // Prepare: one workspace configured as Apollo's executor configures it, one not
    const fake = h.runtime.terraform!;
    const hooked = await workspace('hooked');
    const silent = await workspace('silent');
    const configured = await tfApi('POST', `/workspaces/${hooked}/notification-configurations`, {
      data: { type: 'notification-configuration', attributes: { 'destination-type': 'generic', enabled: true, name: 'Apollo (local)', url: hookUrl(), token: key, triggers: ['run:applying', 'run:completed'] } },
    });

    // Act
    const runId = await startRun(hooked);
    const quietRunId = await startRun(silent);
    await fake.idle();

    // Assess
    expect(configured.status).toBe(201);
    expect(h.runtime.banner).toContain(`Terraform: a LOCAL FAKE Terraform Cloud at ${fake.url}/ (APOLLO_TERRAFORM_HOST; token tf_token; run notifications where Apollo's Terraform action configures them, signed with terraform_notification_token; its page lists runs and how to make one fail)`);
    expect(process.env.APOLLO_TERRAFORM_HOST).toBe(fake.url);
    expect(process.env.APOLLO_EGRESS_ALLOW?.split(',')).toContain(`${fake.url}/`);
    expect(process.env.APOLLO_PUBLIC_URL).toBe(h.runtime.url);
    const sent = fake.notifications.filter((n) => n.runId === runId);
    expect(sent.map((n) => [n.trigger, n.runStatus, n.signed, n.status])).toEqual([['run:applying', 'applying', true, 200], ['run:completed', 'applied', true, 200]]);
    for (const n of sent) expect(n.response).toEqual({ delivery: expect.stringMatching(/^[0-9a-f]{32}$/), matched: false, woken: false, duplicate: false, reason: `no request waits for run ${runId}` });
    expect(fake.notifications.filter((n) => n.runId === quietRunId)).toEqual([]);
  });

  it('refuses a notification with a bad or missing signature (401)', async () => {
    const body = notification('run-badsig', 'run:completed', 'applied');

    const bad = await deliver(body, createHmac('sha512', 'not-the-key').update(body).digest('hex'));
    const missing = await deliver(body, null);

    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ error: { code: 'Unauthorized', message: 'invalid signature', details: [] }, requestId: expect.any(String) });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ error: { code: 'Unauthorized', message: 'invalid signature' } });
  });

  it('answers the same delivery twice once: the second is a duplicate', async () => {
    const body = notification('run-twice', 'run:errored', 'errored');

    const first = await deliver(body);
    const second = await deliver(body);

    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ delivery: deliveryId(body), matched: false, woken: false, duplicate: false, reason: 'no request waits for run run-twice' });
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual({ delivery: deliveryId(body), matched: false, woken: false, duplicate: true, reason: 'this delivery was received before' });
  });

  it('refuses a signed notification dated past the 7 days replays are recognised for (401): its replay could not be told apart', async () => {
    const body = notification('run-stale', 'run:completed', 'applied', new Date(Date.now() - 8 * 86_400_000).toISOString());

    const stale = await deliver(body);

    expect(stale.status).toBe(401);
    expect(await stale.json()).toMatchObject({ error: { code: 'Unauthorized', message: expect.stringMatching(/^stale delivery: it happened at .*, more than 7 days ago/) } });
  });

  it('answers Terraform\'s verification ping 200 every time (as enabling a notification configuration needs), and refuses an unsigned one', async () => {
    // Prepare
    const fake = h.runtime.terraform!;
    const ws = await workspace('verified');
    const created = await tfApi('POST', `/workspaces/${ws}/notification-configurations`, {
      data: { type: 'notification-configuration', attributes: { 'destination-type': 'generic', enabled: true, name: 'Apollo (local)', url: hookUrl(), token: key, triggers: ['run:completed'] } },
    });
    const id = (created.body as { data: { id: string } }).data.id;

    // Act
    const again = await tfApi('POST', `/notification-configurations/${id}/actions/verify`);
    const manual = await deliver(notification(null, 'verification', null));
    const unsigned = await deliver(notification(null, 'verification', null), null);

    // Assess
    expect(created.status).toBe(201);
    expect(again.status).toBe(200);
    const pings = fake.notifications.filter((n) => n.configurationId === id);
    const answer = { delivery: expect.stringMatching(/^[0-9a-f]{32}$/), matched: false, woken: false, duplicate: false, reason: 'a verification (or run-less) notification' };
    expect(pings.map((p) => [p.trigger, p.signed, p.status, p.response])).toEqual([['verification', true, 200, answer], ['verification', true, 200, answer]]);
    expect(manual.status).toBe(200);
    expect(await manual.json()).toEqual(answer);
    expect(unsigned.status).toBe(401);
  });
});

describe('the Terraform executor in the local runtime', () => {
  it('runs the PostgreSQL example offering\'s provision action on the fake with the runtime\'s configuration, then its rollback destroys it', async () => {
    // Prepare
    const offering = parse(readFileSync(new URL('../../examples/catalog/postgresql-database.yaml', import.meta.url), 'utf8')) as CatalogItemV2;
    const fulfillment = offering.fulfillment as { actions: TerraformAction[]; rollbackActions: TerraformAction[] };
    const provision = fulfillment.actions.find((a) => a.id === 'provision')!;
    const destroy = fulfillment.rollbackActions.find((a) => a.id === 'destroy')!;
    const executor = terraformExecutor({ secrets: memoryIntegrationSecrets, breakers: new IntegrationBreakers() });
    const run = (action: TerraformAction): AsyncRun => ({
      requestId: 'req-pg1',
      action,
      attempt: 1,
      idempotencyKey: `req-pg1/${action.id}/1`,
      variables: {
        fields: { service: 'orders-api', db_name: 'orders_main', environment: 'dev', instance_class: 'db.t4g.medium', storage_gb: 20, engine_version: '16' },
        secretFields: ['admin_password'],
        request: { id: 'req-pg1', team: 'payments' },
      },
      timeoutMs: 45 * 60_000,
    });
    const follow = async (r: AsyncRun, ref: ExternalRef): Promise<CheckResult> => {
      for (;;) {
        const check = await executor.check(r, ref);
        if (check.state !== 'running') return check;
        ref = check.ref ?? ref;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };

    // Act
    const started = await executor.start(run(provision));
    const done = await follow(run(provision), started.ref!);
    const outputs = await executor.collect(run(provision), started.ref!);
    const undo = await executor.start(run(destroy));
    const undone = await follow(run(destroy), undo.ref!);
    await h.runtime.terraform!.idle();

    // Assess
    const fake = h.runtime.terraform!;
    expect(started).toMatchObject({ outcome: 'started', ref: { system: 'terraform', url: `${fake.url}/app/acme-platform/workspaces/pg-orders-main-dev/runs/${started.ref!.id}` } });
    expect(done.state).toBe('succeeded');
    expect(outputs).toMatchObject({
      outputs: { endpoint: 'orders-main-dev.rds.local-fake.test', port: 5432, secret_arn: expect.stringMatching(/^arn:aws:secretsmanager:/) },
      sensitive: ['secret_arn'],
    });
    expect(fake.run(started.ref!.id)!.variables).toContainEqual({ key: 'tags', value: '{"service" = "orders-api", "team" = "payments", "apollo_request" = "req-pg1"}' });
    expect(undone.state).toBe('succeeded');
    expect(fake.workspace('pg-orders-main-dev')!.outputs).toEqual([]);
    // The executor configured the workspace's notifications to this runtime; they reached Apollo, signed (no
    // request waits for these runs: the executor ran alone).
    expect(started.logs).toContainEqual({ severity: 'info', message: expect.stringMatching(/^Terraform notifies Apollo of acme-platform\/pg-orders-main-dev's runs from now on: created the notification configuration 'Apollo \(local\)' \(nc-\w+\) to http:\/\/127\.0\.0\.1:\d+\/api\/v1\/webhooks\/terraform$/) });
    expect(fake.notificationConfigurations('pg-orders-main-dev')).toEqual([expect.objectContaining({ url: hookUrl(), enabled: true, triggers: ['run:completed', 'run:errored', 'run:needs_attention'] })]);
    const sent = fake.notifications.filter((n) => n.runId === started.ref!.id || n.runId === undo.ref!.id);
    expect(sent.map((n) => [n.trigger, n.signed, n.status])).toEqual([['run:completed', true, 200], ['run:completed', true, 200]]);
  });
});
