/**
 * The example offerings (examples/catalog) as `npm start` seeds them, each requested by the local developer
 * and followed to its end through the local runtime on the real ASL, against the local fakes: what each
 * example's actions did is read back from the fake that received it (Terraform Cloud's runs, GitHub's
 * dispatches, JIRA's tickets, the service registry and webhook receiver under /fakes/integrations/).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoData } from '#local/seed';
import { startHarness, type Harness } from './harness.ts';
import { requestsApi } from './requests-helpers.ts';

let h: Harness;

const { submit, status, reaches, approveAs } = requestsApi(() => h);
/** A date `days` from today (UTC), as a date field takes it. */
const inDays = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  h = await startHarness();
  await seedDemoData({ baseUrl: h.runtime.url });
}, 90_000);
afterAll(async () => { await h.close(); });

describe('s3-bucket.yaml', () => {
  it('a public production bucket waits for the platform team and an admin, opens its change record, then Terraform makes it', async () => {
    const jira = h.runtime.jira!;
    const tf = h.runtime.terraform!;
    const applies = tf.runs('apply');
    const id = await submit('s3-bucket', { bucket_name: 'invoice-exports', service: 'billing-service', environment: 'prod', data_classification: 'internal', public_read: true, monthly_budget_usd: 40 });
    const waiting = await reaches(id, ['awaiting_approval']);
    expect(waiting.approval?.rule).toMatchObject({ mode: 'all', approvers: { teams: ['platform'], roles: ['admin'] } });
    // mode all: one approval each, from two people (the operator is in platform, the admin holds admin).
    expect(await approveAs('operator', id)).toBe(200);
    expect(await status(id)).toBe('awaiting_approval');
    expect(await approveAs('admin', id)).toBe(200);
    const done = await reaches(id, ['completed', 'failed'], 60_000);
    expect(done.status, done.error?.message).toBe('completed');
    const key = (done.outputs.change_record as { key: string }).key;
    expect(key).toMatch(/^CHG-\d+$/);
    expect(jira.issue(key)).toMatchObject({ project: 'CHG', issueType: 'Change', summary: 'S3 bucket prod-invoice-exports for billing-service' });
    expect(done.outputs.bucket).toEqual({ arn: 'arn:aws:s3:::prod-invoice-exports', name: 'prod-invoice-exports' });
    expect(tf.runs('apply')).toBe(applies + 1);
  }, 90_000);

  it('a private dev bucket needs no approval and no change record', async () => {
    const tickets = h.runtime.jira!.issues().length;
    const id = await submit('s3-bucket', { bucket_name: 'scratch-data', service: 'billing-service', environment: 'dev', data_classification: 'internal' });
    const done = await reaches(id, ['completed', 'failed'], 60_000);
    expect(done.status, done.error?.message).toBe('completed');
    expect(done.approval).toBeFalsy();
    expect(done.actions.find((a) => a.id === 'change_record')!.status).toBe('skipped');
    expect(done.outputs.bucket).toEqual({ arn: 'arn:aws:s3:::dev-scratch-data', name: 'dev-scratch-data' });
    expect(h.runtime.jira!.issues()).toHaveLength(tickets);
  }, 90_000);
});

describe('access-request.yaml', () => {
  it('is approved by an operator, then waits for its SEC ticket and completes when it is resolved Done', async () => {
    const jira = h.runtime.jira!;
    const endsOn = inDays(7);
    const id = await submit('access-request', { team: 'payments', access_level: 'read-only', permissions: ['rds', 'cloudwatch'], justification: 'Investigating INC-1234: checkout latency in eu-west-1.', expires_on: endsOn });
    await reaches(id, ['awaiting_approval']);
    expect(await approveAs('operator', id)).toBe(200);
    const waiting = await reaches(id, ['in_progress']);
    const key = waiting.manual!.ticket!.key;
    expect(key).toMatch(/^SEC-\d+$/);
    expect(jira.issue(key)).toMatchObject({ project: 'SEC', issueType: 'Access Request', priority: 'High', summary: `READ-ONLY access to payments for developer@apollo.local until ${endsOn}` });
    // The ticket's creation event has woken the wait once; resolving it while that check still runs is seen by the next
    // check (JIRA_POLL_SECONDS later), not by its event: hence the wait for the fake's deliveries and the long timeout.
    await jira.settled();
    jira.transition(key, 'Done');
    const done = await reaches(id, ['completed', 'failed'], 75_000);
    expect(done.status).toBe('completed');
    expect(done.manual).toMatchObject({ completedBy: `JIRA ${key}` });
  }, 120_000);
});

describe('new-microservice-repository.yaml', () => {
  const fields = (name: string) => ({ name, description: 'Issues invoices and credit notes for the payments team.', owner_team: 'payments', language: 'typescript', features: ['postgres', 'kafka'], tier: 'standard' });

  it("dispatches the template's create-service workflow, then registers the service with the run that made it", async () => {
    const github = h.runtime.github!.fake;
    const id = await submit('new-microservice-repository', fields('invoice-service'));
    const done = await reaches(id, ['completed', 'failed'], 60_000);
    expect(done.status, done.error?.message).toBe('completed');
    const runUrl = (done.outputs.create_repo as { run_url: string }).run_url;
    // The run's page on the local fake GitHub (what the request's page links to, tagged local fake).
    expect(runUrl.replace(/\d+$/, 'ID')).toBe(`${github.url}/apollo-demo/platform-catalog/actions/runs/ID`);
    expect(done.outputs.register_service).toEqual({ service_id: 'invoice-service' });
    // Slack only when asked (npm start has none).
    expect(done.actions.find((a) => a.id === 'announce')!.status).toBe('skipped');
    const dispatch = github.dispatches.filter((d) => d.inputs.name === 'invoice-service');
    expect(dispatch).toEqual([expect.objectContaining({ repo: 'platform-catalog', workflow: 'create-service.yml', ref: 'main' })]);
    expect(dispatch[0]!.inputs).toEqual({
      name: 'invoice-service', description: 'Issues invoices and credit notes for the payments team.', team: 'payments', language: 'typescript',
      features: '["postgres","kafka"]', tier: 'standard', apollo_request: expect.stringContaining(id),
    });
    expect(github.workflowRun(dispatch[0]!.runId)).toMatchObject({ status: 'completed', conclusion: 'success', html_url: runUrl });
    expect(h.runtime.integrations.registeredServices().find((s) => s.name === 'invoice-service')).toEqual({
      name: 'invoice-service', description: 'Issues invoices and credit notes for the payments team.', team: 'payments', tier: 'standard', language: 'typescript',
      repository: 'https://github.com/apollo-demo/invoice-service', designDoc: '', createdBy: runUrl, registeredAt: expect.any(String),
    });
  }, 90_000);

  it('archives the repository through the archive-service workflow when the registry refuses the service', async () => {
    // ~20 s: a rollback's run is not woken by its workflow_run webhook (functions/requests/external.ts reads forward attempts only), so the next poll sees it.
    const github = h.runtime.github!.fake;
    h.runtime.integrations.failNext('/registry/services/refused-service', 1, 400);
    const id = await submit('new-microservice-repository', fields('refused-service'));
    const failed = await reaches(id, ['failed'], 60_000);
    expect(failed.error).toMatchObject({ code: 'action-failed', action: 'register_service' });
    expect(failed.actions.find((a) => a.id === 'create_repo')!.rollback).toMatchObject({ id: 'archive_repo', status: 'succeeded' });
    expect(github.dispatches.filter((d) => d.inputs.name === 'refused-service').map((d) => [d.workflow, d.inputs.reason])).toEqual([
      ['create-service.yml', undefined],
      ['archive-service.yml', `Apollo request ${id} did not complete`],
    ]);
    expect(h.runtime.integrations.registeredServices().map((s) => s.name)).not.toContain('refused-service');
  }, 90_000);
});

describe('feature-environment.yaml', () => {
  const fields = (branch: string) => ({ service: 'billing-service', base_environment: 'staging', branch, replicas: 2, seed_data: true, expires_on: inDays(5) });
  const calls = (hook: string) => h.runtime.integrations.received().filter((c) => c.method === 'POST' && c.path === `/hooks/${hook}`);

  it('asks the preview controller for the environment, then tells the requester through chat-ops, each hook signed with its own key', async () => {
    const [previews, chatops] = [calls('previews').length, calls('chatops').length];
    const id = await submit('feature-environment', fields('feature/checkout-v2'));
    const done = await reaches(id, ['completed', 'failed']);
    expect(done.status, done.error?.message).toBe('completed');
    expect(done.outputs.create).toEqual({ delivery: expect.stringContaining(`${id}/create/`) });
    const created = calls('previews').slice(previews);
    expect(created.map((c) => [c.status, c.headers['x-apollo-signature-256']])).toEqual([[200, 'sha256=••••']]);
    expect(created[0]!.body).toEqual({
      action: 'create', requestId: id, requester: 'developer@apollo.local', service: 'billing-service', from: 'staging', branch: 'feature/checkout-v2',
      slug: 'feature-checkout-v2', replicas: 2, seedData: true, expiresOn: fields('x').expires_on,
    });
    const told = calls('chatops').slice(chatops);
    expect(told.map((c) => [c.status, c.headers['x-hub-signature-256']])).toEqual([[200, 'sha256=••••']]);
    expect(told[0]!.body).toEqual({ to: 'developer@apollo.local', text: `Your preview of billing-service (feature/checkout-v2) is up at https://feature-checkout-v2.billing-service.preview.acme.dev until ${fields('x').expires_on}.` });
  }, 60_000);

  it('deletes the environment when chat-ops refuses the notice', async () => {
    h.runtime.integrations.failNext('/hooks/chatops', 1, 400);
    const previews = calls('previews').length;
    const id = await submit('feature-environment', fields('fix/refused-notice'));
    const failed = await reaches(id, ['failed']);
    expect(failed.error).toMatchObject({ code: 'action-failed', action: 'notify' });
    expect(failed.actions.find((a) => a.id === 'create')!.rollback).toMatchObject({ id: 'delete', status: 'succeeded' });
    expect(calls('previews').slice(previews).map((c) => [c.status, (c.body as { action: string }).action])).toEqual([[200, 'create'], [200, 'delete']]);
  }, 60_000);
});
