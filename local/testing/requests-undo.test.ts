/**
 * Requests part 2 through the local runtime, on the real ASL: a failure rolls back what was done (newest
 * first, once), retry runs only what is not done (the fakes count the calls), cancel before and during the
 * work, deprovision, and a lost run marked interrupted then retried without repeating a completed action.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Request, RequestRetryResult, RequestStatus } from '#schemas/index.ts';
import type { Role } from '#shared/permissions';
import { putVersion } from '../../functions/offerings/adapters/dynamo-store.ts';
import type { OfferingDocument } from '../../functions/offerings/shapes.ts';
import { startHarness, until, type Harness } from './harness.ts';

let h: Harness;
let names = 0;
const uniqueName = (): string => `undo-${++names}`;
const source = (id: string) => ({ repo: 'apollo-demo/platform-catalog', path: `catalog/${id}.yaml`, sha: `sha-${id}`, ownerTeam: 'platform' });

const create = { id: 'create_record', name: 'Create the record', type: 'rest', rollback: 'delete_record', config: { method: 'POST', url: '{{env.APOLLO_FAKES_URL}}/dns/records', auth: { type: 'bearer', token: '{{secrets.dns_api_token}}' }, body: { name: '{{fields.name}}', type: 'TXT', value: 'x' } }, outputs: [{ name: 'record_id', from: '/id' }] };
const announce = { id: 'announce', name: 'Announce it', type: 'webhook', config: { url: '{{env.APOLLO_FAKES_URL}}/hooks/undo', secret: '{{secrets.dns_hook_key}}', payload: { id: '{{output.create_record.record_id}}' } } };
const deleteRecord = { id: 'delete_record', name: 'Delete the record', type: 'rest', config: { method: 'DELETE', url: '{{env.APOLLO_FAKES_URL}}/dns/records/{{output.create_record.record_id}}', auth: { type: 'bearer', token: '{{secrets.dns_api_token}}' }, successStatus: [204, 404] } };
// A Terraform plan nobody confirms (autoApply false, on the local fake): a long action to cancel in the middle of.
const slow = { id: 'slow', name: 'A long outside run', type: 'terraform', timeout: '60s', config: { organization: 'acme', workspace: 'undo-slow-{{fields.name}}', autoApply: false, token: '{{secrets.tf_token}}' } };

function offering(id: string, actions: unknown[], extra: Record<string, unknown> = {}): OfferingDocument {
  return {
    schemaVersion: '2.0',
    metadata: { id, name: id, description: 'Undo test.', category: 'networking', owner: 'platform', version: '1.0.0' },
    presentation: { fields: [{ id: 'name', type: 'string', label: 'Name', validation: { required: true } }, { id: 'environment', type: 'string', label: 'Environment' }] },
    fulfillment: { type: 'automated', actions, rollbackActions: [deleteRecord], ...extra },
  } as unknown as OfferingDocument;
}

async function api<T>(role: Role, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await h.client(role).send(method, path, body === undefined ? {} : { body });
  return { status: res.status, body: res.body as T };
}
const submit = async (offeringId: string, fields: Record<string, unknown>) => {
  const res = await api<Request>('developer', 'POST', '/api/v1/requests', { offeringId, fields });
  expect(res.status).toBe(201);
  return res.body.id;
};
const status = async (id: string) => (await api<RequestStatus>('developer', 'GET', `/api/v1/requests/${id}/status`)).body.status;
async function reaches(id: string, statuses: string[]): Promise<Request> {
  try {
    await until(async () => statuses.includes(await status(id)), 20_000);
  } catch (error) {
    const { body } = await api<Request>('developer', 'GET', `/api/v1/requests/${id}`);
    throw new Error(`request ${id} is ${body.status}, not ${statuses.join('/')}: ${body.timeline.map((e) => e.message).join(' | ')}`, { cause: error });
  }
  return (await api<Request>('developer', 'GET', `/api/v1/requests/${id}`)).body;
}
const fakes = () => h.runtime.integrations;
const deletes = () => fakes().received().filter((c) => c.method === 'DELETE' && c.path.startsWith('/dns/records/')).length;

beforeAll(async () => {
  h = await startHarness();
  await putVersion(offering('undo-on-failure', [create, announce]), source('undo-on-failure'));
  await putVersion(offering('keep-on-failure', [create, announce], { onFailure: 'keep' }), source('keep-on-failure'));
  await putVersion(offering('cancel-midway', [create, slow]), source('cancel-midway'));
  await putVersion({ ...offering('cancel-before', [create]), approval: { when: 'always', approvers: { roles: ['operator'] } } } as unknown as OfferingDocument, source('cancel-before'));
}, 60_000);
afterAll(async () => { await h.close(); });

describe('a failure', () => {
  it('rolls back what was done, newest first and once, and says so; a retry then runs everything again', async () => {
    fakes().reset();
    fakes().failNext('/hooks/undo', 1, 400);
    const id = await submit('undo-on-failure', { name: uniqueName() });
    const failed = await reaches(id, ['failed']);
    expect(failed.error).toMatchObject({ code: 'action-failed', action: 'announce' });
    expect(failed.error!.message).toContain('undone: create_record');
    expect(failed.actions.map((a) => [a.id, a.status, a.rollback?.status])).toEqual([['create_record', 'rolled_back', 'succeeded'], ['announce', 'failed', undefined]]);
    // Its bar: none of its work holds (not the 55% it had reached before the rollback).
    expect(failed.progress).toBe(0);
    expect(failed.timeline.filter((e) => e.kind === 'transition').map((e) => e.status)).toEqual(['submitted', 'validating', 'queued', 'in_progress', 'rolling_back', 'failed']);
    expect(deletes()).toBe(1);
    expect(fakes().dnsRecords()).toHaveLength(0);

    const plan = await api<RequestRetryResult>('developer', 'POST', `/api/v1/requests/${id}/retry`, {});
    expect(plan.status).toBe(200);
    expect(plan.body).toMatchObject({ confirmed: false, plan: { rerun: [{ id: 'create_record', why: 'it was rolled back' }, { id: 'announce', why: 'it failed' }], keep: [], approval: false, retry: 1, retriesLeft: 2 } });
    expect(await status(id)).toBe('failed');
    const confirmed = await api<RequestRetryResult>('developer', 'POST', `/api/v1/requests/${id}/retry`, { confirm: true });
    expect(confirmed.body.confirmed).toBe(true);
    const done = await reaches(id, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    expect(done.retries).toBe(1);
    expect(fakes().count('POST', '/dns/records')).toBe(2);
    expect(fakes().dnsRecords()).toHaveLength(1);
    // Deprovisioning it undoes what the retry made, not the rollback already done.
    expect((await api('developer', 'POST', `/api/v1/requests/${id}/deprovision`, { reason: 'cleaning up' })).status).toBe(200);
    expect((await reaches(id, ['deprovisioned', 'completed'])).status).toBe('deprovisioned');
    expect(deletes()).toBe(2);
    expect(fakes().dnsRecords()).toHaveLength(0);
  }, 40_000);

  it('with onFailure: keep, leaves what was done; a retry runs only the failed action again', async () => {
    fakes().reset();
    fakes().failNext('/hooks/undo', 1, 400);
    const id = await submit('keep-on-failure', { name: uniqueName() });
    const failed = await reaches(id, ['failed']);
    expect(failed.actions.map((a) => a.status)).toEqual(['succeeded', 'failed']);
    // Its bar: half its work is done (and kept).
    expect(failed.progress).toBe(50);
    expect(deletes()).toBe(0);
    const plan = await api<RequestRetryResult>('developer', 'POST', `/api/v1/requests/${id}/retry`, { confirm: true });
    expect(plan.body.plan).toMatchObject({ rerun: [{ id: 'announce' }], keep: [{ id: 'create_record' }] });
    expect((await reaches(id, ['completed', 'failed'])).status).toBe('completed');
    expect(fakes().count('POST', '/dns/records')).toBe(1);
    expect(fakes().count('POST', '/hooks/undo')).toBe(2);
    // Only the requester (or requests:manage) retries, and never a completed request.
    expect((await api('developer', 'POST', `/api/v1/requests/${id}/retry`, {})).status).toBe(409);
  }, 40_000);

  it('a retry with changed fields checks them again and starts a new generation', async () => {
    fakes().reset();
    fakes().failNext('/hooks/undo', 1, 400);
    const id = await submit('keep-on-failure', { name: uniqueName() });
    await reaches(id, ['failed']);
    const bad = await api<{ error: { details: Array<{ path: string }> } }>('developer', 'POST', `/api/v1/requests/${id}/retry`, { fields: { unknown_field: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d) => d.path)).toEqual(['/body/fields/unknown_field']);
    const plan = await api<RequestRetryResult>('developer', 'POST', `/api/v1/requests/${id}/retry`, { fields: { environment: 'staging' }, confirm: true });
    expect(plan.body.plan).toMatchObject({ changedFields: ['environment'], generation: 2 });
    const done = await reaches(id, ['completed', 'failed']);
    expect(done).toMatchObject({ status: 'completed', generation: 2, fields: { environment: 'staging' } });
    // The new generation's key: a receiver sees a new delivery, not a repeat of the failed one.
    const deliveries = fakes().received().filter((c) => c.path === '/hooks/undo').map((c) => c.headers['x-apollo-delivery']);
    expect(deliveries).toEqual([`${id}/announce/1`, `${id}/announce/2`]);
  }, 40_000);
});

describe('cancel', () => {
  it('before its work, it just ends (its approval with it)', async () => {
    const id = await submit('cancel-before', { name: uniqueName() });
    const waiting = await reaches(id, ['awaiting_approval']);
    expect((await api('viewer', 'POST', `/api/v1/requests/${id}/cancel`, { reason: 'not mine' })).status).toBe(403);
    expect((await api('developer', 'POST', `/api/v1/requests/${id}/cancel`, {})).status).toBe(400);
    expect((await api<Request>('developer', 'POST', `/api/v1/requests/${id}/cancel`, { reason: 'not needed' })).status).toBe(200);
    const cancelled = await reaches(id, ['cancelled']);
    expect(cancelled.cancel).toMatchObject({ by: 'developer@apollo.local', reason: 'not needed' });
    expect(cancelled.approval?.status).toBe('cancelled');
    expect((await api('operator', 'POST', `/api/v1/approvals/${waiting.approval!.id}/approve`, {})).status).toBe(409);
  }, 30_000);

  it('asked the moment it is submitted (while it validates, before its approval opens), it still ends cancelled', async () => {
    // The CLI's `submit` then `cancel` found this: the cancel saw no approval to end, the approval opened after it and waited.
    for (let i = 0; i < 5; i++) {
      const id = await submit('cancel-before', { name: uniqueName() });
      expect((await api<Request>('developer', 'POST', `/api/v1/requests/${id}/cancel`, { reason: 'submitted twice' })).status).toBe(200);
      const cancelled = await reaches(id, ['cancelled']);
      expect(cancelled.approval === null || cancelled.approval.status === 'cancelled').toBe(true);
    }
  }, 90_000);

  it('in the middle, stops the running action and rolls back what was done', async () => {
    fakes().reset();
    const id = await submit('cancel-midway', { name: uniqueName() });
    await until(async () => (await api<Request>('developer', 'GET', `/api/v1/requests/${id}`)).body.actions[1]?.status === 'waiting', 20_000);
    expect((await api('developer', 'POST', `/api/v1/requests/${id}/cancel`, { reason: 'changed my mind' })).status).toBe(200);
    const cancelled = await reaches(id, ['cancelled']);
    expect(cancelled.actions.map((a) => [a.id, a.status])).toEqual([['create_record', 'rolled_back'], ['slow', 'failed']]);
    expect(cancelled.progress).toBe(0);
    expect(cancelled.timeline.filter((e) => e.kind === 'transition').map((e) => e.status)).toEqual(['submitted', 'validating', 'queued', 'in_progress', 'rolling_back', 'cancelled']);
    expect(deletes()).toBe(1);
    expect((await api('developer', 'POST', `/api/v1/requests/${id}/cancel`, { reason: 'again' })).status).toBe(200);
  }, 30_000);
});

describe('deprovision', () => {
  it('runs the rollbacks of a completed request, and its resources read as deprovisioned', async () => {
    fakes().reset();
    const name = uniqueName();
    const id = await submit('undo-on-failure', { name });
    expect((await reaches(id, ['completed', 'failed'])).status).toBe('completed');
    const mine = () => fakes().dnsRecords().filter((r) => r.fqdn.startsWith(`${name}.`));
    expect(mine()).toHaveLength(1);
    expect((await api('developer', 'POST', `/api/v1/requests/${id}/retry`, {})).status).toBe(409);
    expect((await api('developer', 'POST', `/api/v1/requests/${id}/cancel`, { reason: 'done already' })).status).toBe(409);
    expect((await api<Request>('developer', 'POST', `/api/v1/requests/${id}/deprovision`, { reason: 'no longer used' })).status).toBe(200);
    const gone = await reaches(id, ['deprovisioned', 'completed']);
    expect(gone.status).toBe('deprovisioned');
    expect(gone.deprovisionedAt).not.toBeNull();
    expect(gone.actions.map((a) => a.status)).toEqual(['rolled_back', 'succeeded']);
    expect(deletes()).toBe(1);
    expect(mine()).toHaveLength(0);
  }, 30_000);
});

describe('a lost run', () => {
  it('in AWS: an execution that ends without its steps (stopped, timed out) is marked interrupted by its EventBridge event; a normal end changes nothing', async () => {
    fakes().reset();
    const id = await submit('cancel-midway', { name: uniqueName() });
    await until(async () => (await api<Request>('developer', 'GET', `/api/v1/requests/${id}`)).body.actions[1]?.status === 'waiting', 20_000);
    const { workflowEngine } = await import('#lib/workflows/index');
    await workflowEngine('fulfillment').stop(id, 'Test.Stopped', 'stopped from the console');
    const { runStep } = await import('../../functions/requests/step-runner.ts');
    expect(await runStep({ step: 'execution-ended', execution: `${id}-r7`, status: 'ABORTED' })).toMatchObject({ marked: false });
    expect(await runStep({ step: 'execution-ended', execution: id, status: 'ABORTED' })).toEqual({ marked: true });
    const interrupted = await reaches(id, ['interrupted']);
    expect(interrupted.timeline.at(-1)!.message).toContain(`its execution ${id} ended aborted`);
    expect(await runStep({ step: 'execution-ended', execution: id, status: 'ABORTED' })).toEqual({ marked: false });
    // Tidy: cancelling rolls back what it did.
    expect((await api('developer', 'POST', `/api/v1/requests/${id}/cancel`, { reason: 'tidy up' })).status).toBe(200);
    await reaches(id, ['cancelled']);
  }, 40_000);

  it('is marked interrupted with its last completed action; a retry resumes there without repeating it', async () => {
    fakes().reset();
    const id = await submit('cancel-midway', { name: uniqueName() });
    await until(async () => (await api<Request>('developer', 'GET', `/api/v1/requests/${id}`)).body.actions[1]?.status === 'waiting', 20_000);
    // What a restart does: the execution is gone, then the runtime's start finds the request.
    const { workflowEngine } = await import('#lib/workflows/index');
    await workflowEngine('fulfillment').stop(id, 'Test.Crash', 'the runtime went away');
    const { markInterrupted } = await import('../../functions/requests/interrupted.ts');
    expect(await markInterrupted()).toBe(1);
    const interrupted = await reaches(id, ['interrupted']);
    expect(interrupted.timeline.at(-1)!.message).toContain('the last action completed was Create the record');
    const plan = await api<RequestRetryResult>('developer', 'POST', `/api/v1/requests/${id}/retry`, {});
    expect(plan.body.plan).toMatchObject({ rerun: [{ id: 'slow' }], keep: [{ id: 'create_record' }] });
    // Cancelling it instead rolls back what it did.
    expect((await api('developer', 'POST', `/api/v1/requests/${id}/cancel`, { reason: 'after the crash' })).status).toBe(200);
    expect((await reaches(id, ['cancelled'])).actions[0]!.status).toBe('rolled_back');
    expect(fakes().count('POST', '/dns/records')).toBe(1);
    expect(deletes()).toBe(1);
  }, 40_000);
});
