/**
 * Actions that run elsewhere, end to end through the local runtime on the real ASL, against the local fakes
 * that speak Terraform Cloud's, GitHub's and JIRA's protocols: the PostgreSQL demo (approval for prod, a
 * Terraform run, a REST registration, outputs), a Terraform failure rolled back with one destroy and retried
 * (only the failed action runs again), a GitHub workflow run's success and failure (woken by its workflow_run
 * webhook), and a manual request completed by its JIRA ticket's webhook.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalList, Request, RequestRetryResult } from '#schemas/index.ts';
import { seedDemoData } from '#local/seed';
import { putVersion } from '../../functions/offerings/adapters/dynamo-store.ts';
import type { OfferingDocument } from '../../functions/offerings/shapes.ts';
import { startHarness, type Harness } from './harness.ts';
import { requestsApi } from './requests-helpers.ts';

let h: Harness;

const { api, submit, reaches } = requestsApi(() => h);

const source = (id: string) => ({ repo: 'apollo-demo/platform-catalog', path: `catalog/${id}.yaml`, sha: `sha-${id}`, ownerTeam: 'platform' });

beforeAll(async () => {
  h = await startHarness();
  await seedDemoData({ baseUrl: h.runtime.url });
  await putVersion({
    schemaVersion: '2.0',
    metadata: { id: 'gh-service', name: 'A service from the template', description: 'GitHub test.', category: 'repositories', owner: 'platform', version: '1.0.0' },
    presentation: { fields: [{ id: 'name', type: 'string', label: 'Name', validation: { required: true } }] },
    fulfillment: {
      type: 'automated',
      actions: [{ id: 'create', name: 'Run create-service', type: 'github-workflow', timeout: '2m', config: { repository: 'apollo-demo/platform-catalog', workflow: 'create-service.yml', inputs: { name: '{{fields.name}}' } }, outputs: [{ name: 'run_url', from: '/html_url' }, { name: 'conclusion', from: '/conclusion' }] }],
    },
  } as unknown as OfferingDocument, source('gh-service'));
  await putVersion({
    schemaVersion: '2.0',
    metadata: { id: 'jira-manual', name: 'Access by hand', description: 'JIRA test.', category: 'access', owner: 'platform', version: '1.0.0' },
    presentation: { fields: [{ id: 'system', type: 'string', label: 'System', validation: { required: true } }] },
    fulfillment: { type: 'manual', jira: { project: 'OPS', issueType: 'Task', summary: 'Access to {{fields.system}} for {{request.requester}}' }, instructions: 'Grant it.' },
  } as unknown as OfferingDocument, source('jira-manual'));
}, 90_000);
afterAll(async () => { await h.close(); });

describe('the PostgreSQL demo on the local fake Terraform Cloud', () => {
  const fields = (env: string, db: string) => ({ service: 'billing-service', db_name: db, environment: env, instance_class: 'db.t4g.medium', storage_gb: 20 });

  it('waits for the platform team in production, then runs Terraform and the registration, with the outputs on the request', async () => {
    const tf = h.runtime.terraform!;
    const applies = tf.runs('apply');
    const id = await submit('postgresql-database', { ...fields('prod', 'orders'), admin_password: 'a-long-enough-password-1' });
    const waiting = await reaches(id, ['awaiting_approval']);
    expect(waiting.approval?.rule.approvers.teams).toEqual(['platform']);
    const inbox = await api<ApprovalList>('operator', 'GET', '/api/v1/approvals/pending');
    const approval = inbox.body.items.find((a) => a.requestId === id)!;
    expect(approval.canDecide).toBe(true);
    expect((await api('operator', 'POST', `/api/v1/approvals/${approval.id}/approve`, {})).status).toBe(200);
    const done = await reaches(id, ['completed', 'failed']);
    expect(done.status, done.error?.message).toBe('completed');
    expect(done.outputs.provision).toEqual({ endpoint: 'orders-prod.rds.local-fake.test', port: 5432, secret_arn: '••••' });
    const provision = done.actions.find((a) => a.id === 'provision')!;
    expect(provision.attempts[0]!.external).toMatchObject({ system: 'terraform', id: expect.stringMatching(/^run-/) });
    expect(JSON.stringify(done)).not.toContain('a-long-enough-password-1');
    expect(tf.runs('apply')).toBe(applies + 1);
    const registry = await fetch(`${h.runtime.url}/fakes/integrations/_received`).then((r) => r.json() as Promise<{ calls: Array<{ method: string; path: string }> }>);
    expect(registry.calls.filter((c) => c.method === 'PUT' && c.path === '/registry/services/billing-service/dependencies')).toHaveLength(1);
  }, 60_000);

  it("is woken by the run's notification, well before the 15 s poll: Apollo configured the workspace's notifications to itself", async () => {
    const tf = h.runtime.terraform!;
    const id = await submit('postgresql-database', fields('dev', 'events'));
    const done = await reaches(id, ['completed', 'failed']);
    expect(done.status, done.error?.message).toBe('completed');
    const provision = done.actions.find((a) => a.id === 'provision')!.attempts[0]!;
    const runId = provision.external!.id;
    // Terraform's run takes about 1.2 s here; a wait left to its poll would end after 15 s.
    expect(Date.parse(provision.endedAt!) - Date.parse(provision.startedAt)).toBeLessThan(10_000);
    expect(done.timeline.some((e) => e.message.includes(`terraform says run ${runId} is applied`))).toBe(true);
    expect(tf.notificationConfigurations('pg-events-dev')).toEqual([expect.objectContaining({ name: 'Apollo (local)', url: `${h.runtime.url}/api/v1/webhooks/terraform`, enabled: true })]);
    expect(tf.notifications.filter((n) => n.runId === runId).map((n) => [n.trigger, n.status, n.response])).toEqual([
      ['run:completed', 200, expect.objectContaining({ matched: true })],
    ]);
  }, 60_000);

  it('a failing Terraform run is destroyed once and the request fails; a retry runs only what is not done', async () => {
    const tf = h.runtime.terraform!;
    const [applies, destroys] = [tf.runs('apply'), tf.runs('destroy')];
    // An errored run is not retried (Terraform says what is wrong): the request fails and its partial apply is destroyed.
    tf.failNext(1);
    const id = await submit('postgresql-database', fields('dev', 'ledger'));
    const failed = await reaches(id, ['failed'], 60_000);
    expect(failed.error).toMatchObject({ code: 'action-failed', action: 'provision' });
    expect(failed.error!.message).toContain('undone: provision');
    expect(failed.actions.find((a) => a.id === 'provision')!.rollback).toMatchObject({ id: 'destroy', status: 'succeeded' });
    expect(tf.runs('destroy'), JSON.stringify(tf.listRuns().map((r) => [r.id, r.isDestroy, r.status, r.message]))).toBe(destroys + 1);
    const plan = await api<RequestRetryResult>('developer', 'POST', `/api/v1/requests/${id}/retry`, { confirm: true });
    expect(plan.body.plan).toMatchObject({ rerun: [{ id: 'provision' }, { id: 'register' }], keep: [] });
    expect((await reaches(id, ['completed', 'failed'], 60_000)).status).toBe('completed');
    expect(tf.runs('apply')).toBe(applies + 2);
    expect(tf.runs('destroy')).toBe(destroys + 1);
    // Deprovisioning it destroys what the retry made: a new destroy run, not the earlier one replayed.
    expect((await api('developer', 'POST', `/api/v1/requests/${id}/deprovision`, { reason: 'not needed' })).status).toBe(200);
    const gone = await reaches(id, ['deprovisioned', 'completed'], 60_000);
    expect(gone.status).toBe('deprovisioned');
    expect(tf.runs('destroy')).toBe(destroys + 2);
    expect(gone.outputs.provision).toBeUndefined();
  }, 120_000);
});

describe('a GitHub workflow run on the local fake GitHub', () => {
  it('succeeds with the run as its output, woken by the workflow_run webhook', async () => {
    const id = await submit('gh-service', { name: 'billing' });
    const done = await reaches(id, ['completed', 'failed']);
    expect(done.status, done.error?.message).toBe('completed');
    expect(done.outputs.create).toMatchObject({ conclusion: 'success', run_url: expect.stringContaining('/actions/runs/') });
    expect(done.timeline.some((e) => e.message.includes('github says'))).toBe(true);
  }, 40_000);

  it('fails when the run fails', async () => {
    h.runtime.github!.fake.failRuns({ workflow: 'create-service.yml', times: 1 });
    const id = await submit('gh-service', { name: 'broken' });
    const failed = await reaches(id, ['failed']);
    expect(failed.error).toMatchObject({ code: 'action-failed', action: 'create' });
  }, 40_000);
});

describe('a manual request on the local fake JIRA', () => {
  it('completes when its ticket is done (the JIRA webhook wakes it); a redelivery changes nothing', async () => {
    const jira = h.runtime.jira!;
    const id = await submit('jira-manual', { system: 'billing-db' });
    const waiting = await reaches(id, ['in_progress']);
    const key = waiting.manual!.ticket!.key;
    expect(jira.issue(key)!.summary).toBe('Access to billing-db for developer@apollo.local');
    jira.transition(key, 'Done');
    const done = await reaches(id, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    expect(done.manual).toMatchObject({ completedBy: `JIRA ${key}`, ticket: { key } });
    const completions = done.timeline.filter((e) => e.status === 'completed').length;
    await jira.settled();
    const last = jira.deliveries.at(-1)!;
    await jira.redeliver(last.identifier);
    await jira.settled();
    expect((await api<Request>('developer', 'GET', `/api/v1/requests/${id}`)).body.timeline.filter((e) => e.status === 'completed')).toHaveLength(completions);
  }, 40_000);
});
