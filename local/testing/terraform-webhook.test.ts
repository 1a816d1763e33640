/**
 * Terraform run notifications through the local runtime: the LOCAL FAKE Terraform Cloud it starts sends
 * them, signed with the integration secret terraform_notification_token, to POST /api/v1/webhooks/terraform;
 * and the Terraform executor reaches that fake with the runtime's own configuration (APOLLO_TERRAFORM_HOST,
 * the egress allowlist, the tf_token integration secret).
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

function notification(runId: string | null, trigger: string, runStatus: string | null): string {
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
    notifications: [{ message: 'Applied', trigger, run_status: runStatus, run_updated_at: '2026-11-02T10:01:00.000Z', run_updated_by: 'apollo' }],
  });
}

function deliver(body: string, signature: string | null = createHmac('sha512', key).update(body).digest('hex')): Promise<Response> {
  return fetchChecked(hookUrl(), { method: 'POST', headers: { 'content-type': 'application/json', ...(signature === null ? {} : { 'x-tfe-notification-signature': signature }) }, body });
}

const deliveryId = (body: string): string => createHash('sha256').update(body).digest('hex').slice(0, 32);

describe('Terraform notifications', () => {
  it('reach Apollo from the local fake Terraform Cloud, signed; a run no request waits for is answered 200, not matched', async () => {
    // Prepare
    const fake = h.runtime.terraform!;
    const token = (await memoryIntegrationSecrets.get('tf_token'))!;
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/vnd.api+json' };
    const ws = await (await fetch(`${fake.url}/api/v2/organizations/acme/workspaces`, { method: 'POST', headers, body: JSON.stringify({ data: { type: 'workspaces', attributes: { name: 'hooked' } } }) })).json() as { data: { id: string } };

    // Act
    const created = await (await fetch(`${fake.url}/api/v2/runs`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ data: { type: 'runs', attributes: { 'auto-apply': true, message: 'not from Apollo' }, relationships: { workspace: { data: { type: 'workspaces', id: ws.data.id } } } } }),
    })).json() as { data: { id: string } };
    await fake.idle();

    // Assess
    expect(h.runtime.banner).toContain(`Terraform: a LOCAL FAKE Terraform Cloud at ${fake.url}/ (APOLLO_TERRAFORM_HOST; token tf_token; run notifications to Apollo signed with terraform_notification_token; its page lists runs and how to make one fail)`);
    expect(process.env.APOLLO_TERRAFORM_HOST).toBe(fake.url);
    expect(process.env.APOLLO_EGRESS_ALLOW?.split(',')).toContain(`${fake.url}/`);
    const runId = created.data.id;
    const sent = fake.notifications.filter((n) => n.runId === runId);
    expect(sent.map((n) => [n.trigger, n.runStatus, n.signed, n.status])).toEqual([['run:applying', 'applying', true, 200], ['run:completed', 'applied', true, 200]]);
    for (const n of sent) expect(n.response).toEqual({ delivery: expect.stringMatching(/^[0-9a-f]{32}$/), matched: false, woken: false, duplicate: false, reason: `no request waits for run ${runId}` });
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

  it('answers Terraform\'s verification ping 200 (as enabling a notification configuration needs)', async () => {
    const ping = await h.runtime.terraform!.sendVerification();
    const manual = await deliver(notification(null, 'verification', null));

    expect(ping).toMatchObject({ trigger: 'verification', signed: true, status: 200, response: { matched: false, woken: false, duplicate: false, reason: 'a verification (or run-less) notification' } });
    expect(manual.status).toBe(200);
    expect(await manual.json()).toMatchObject({ matched: false, duplicate: false, reason: 'a verification (or run-less) notification' });
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
    // Its notifications reached Apollo, signed; no request waits for these runs (the executor ran alone).
    const sent = fake.notifications.filter((n) => n.runId === started.ref!.id || n.runId === undo.ref!.id);
    expect(sent.map((n) => [n.trigger, n.status])).toEqual([['run:applying', 200], ['run:completed', 200], ['run:applying', 200], ['run:completed', 200]]);
  });
});
