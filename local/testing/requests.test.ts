/**
 * Self-service requests end to end through the local runtime: signed HTTP, dynalite, the real
 * state-machines/fulfillment.asl.json on aws-local-stepfunctions, the steps in process, and the local fake
 * DNS API and webhook receiver on loopback. Every path: happy, the offering's retry policy, failure,
 * approval approved / rejected / expired, manual completion, idempotent submit, bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Approval, ApprovalList, Request, RequestList, RequestStatus } from '#schemas/index.ts';
import type { Role } from '#shared/permissions';
import { putVersion } from '../../functions/offerings/adapters/dynamo-store.ts';
import type { OfferingDocument } from '../../functions/offerings/shapes.ts';
import { startHarness, subscribe, until, type Harness } from './harness.ts';

let h: Harness;
const DEV = 'developer@apollo.local';

function dnsOffering(id: string, overrides: Partial<OfferingDocument> = {}, retry = { maxAttempts: 3, backoff: 'fixed', interval: '1s' }): OfferingDocument {
  return {
    schemaVersion: '2.0',
    metadata: { id, name: `Offering ${id}`, description: 'A DNS record.', category: 'networking', owner: 'platform', version: '1.0.0', sla: { fulfillmentTime: '5m' } },
    presentation: {
      fields: [
        { id: 'environment', type: 'select', label: 'Environment', options: [{ value: 'dev', label: 'Dev' }, { value: 'prod', label: 'Prod' }], validation: { required: true } },
        { id: 'name', type: 'string', label: 'Name', validation: { required: true, pattern: '^[a-z0-9-]{1,40}$' } },
        { id: 'token', type: 'secret', label: 'A secret the target never sees' },
      ],
    },
    fulfillment: {
      type: 'automated',
      actions: [
        {
          id: 'create_record', name: 'Create the record', type: 'rest', retry,
          config: {
            method: 'POST', url: '{{env.APOLLO_FAKES_URL}}/dns/records',
            auth: { type: 'bearer', token: '{{secrets.dns_api_token}}' },
            body: { name: '{{fields.name}}.{{fields.environment}}', type: 'CNAME', value: 'lb.example.com' },
          },
          outputs: [{ name: 'fqdn', from: '/fqdn' }, { name: 'record_id', from: '/id', sensitive: true }],
        },
        {
          id: 'announce', name: 'Announce it', type: 'webhook',
          config: { url: '{{env.APOLLO_FAKES_URL}}/hooks/dns-changes', secret: '{{secrets.dns_hook_key}}', payload: { fqdn: '{{output.create_record.fqdn}}', team: '{{team.name}}' } },
          outputs: [{ name: 'delivery' }],
        },
      ],
    },
    approval: { when: { field: 'environment', equals: 'prod' }, approvers: { roles: ['operator'], teams: ['platform'] }, mode: 'any', timeout: '1d', reason: 'Production records are approved.' },
    ...overrides,
  } as unknown as OfferingDocument;
}

const source = (id: string) => ({ repo: 'apollo-demo/platform-catalog', path: `catalog/${id}.yaml`, sha: `sha-${id}`, ownerTeam: 'platform' });

/** Signed, resolving for every status (the body typed as the success answer). */
async function api<T>(role: Role, method: string, path: string, options: { body?: unknown; query?: Record<string, string> } = {}): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await h.client(role).send(method, path, options);
  return { status: res.status, body: res.body as T, headers: res.headers };
}

async function submit(role: Role, offeringId: string, fields: Record<string, unknown>, extra: Record<string, unknown> = {}, idempotencyKey?: string) {
  const res = await h.client(role).send('POST', '/api/v1/requests', { body: { offeringId, fields, ...extra }, ...(idempotencyKey ? { idempotencyKey } : {}) });
  return { status: res.status, body: res.body as Request, headers: res.headers };
}

async function settled(id: string, role: Role = 'developer', statuses = ['completed', 'failed']): Promise<Request> {
  try {
    await until(async () => statuses.includes((await api<RequestStatus>(role, 'GET', `/api/v1/requests/${id}/status`)).body.status), 20_000);
  } catch (error) {
    const { body } = await api<Request>(role, 'GET', `/api/v1/requests/${id}`);
    throw new Error(`request ${id} is ${body.status}, not ${statuses.join(' or ')}: ${body.timeline.map((e) => e.message).join(' | ')}`, { cause: error });
  }
  return (await api<Request>(role, 'GET', `/api/v1/requests/${id}`)).body;
}

let names = 0;
const uniqueName = (): string => `rec-${++names}`;

beforeAll(async () => {
  h = await startHarness();
  const admin = h.client('admin');
  expect((await admin.send('POST', '/api/v1/teams', { body: { id: 'platform', name: 'Platform' } })).status).toBe(201);
  expect((await admin.send('POST', '/api/v1/teams', { body: { id: 'growth', name: 'Growth' } })).status).toBe(201);
  expect((await admin.send('PUT', `/api/v1/teams/growth/members/${DEV}`, { body: {} })).status).toBe(201);
  expect((await admin.send('PUT', '/api/v1/teams/platform/members/admin@apollo.local', { body: {} })).status).toBe(201);
  await putVersion(dnsOffering('dns-record'), source('dns-record'));
  await putVersion(dnsOffering('dns-once', {}, { maxAttempts: 1, backoff: 'fixed', interval: '1s' }), source('dns-once'));
  await putVersion(dnsOffering('dns-quick-approval', { approval: { when: 'always', approvers: { roles: ['operator'] }, timeout: '1s' } } as Partial<OfferingDocument>), source('dns-quick-approval'));
  await putVersion(dnsOffering('dns-retired', { lifecycle: { status: 'retired', replacement: 'dns-record' } } as Partial<OfferingDocument>), source('dns-retired'));
  await putVersion({
    ...dnsOffering('manual-access'),
    fulfillment: { type: 'manual', jira: { project: 'OPS', issueType: 'Task', summary: 'Access for {{request.requester}}' }, instructions: 'Grant the access in the console.' },
    approval: undefined,
  } as unknown as OfferingDocument, source('manual-access'));
}, 60_000);
afterAll(async () => { await h.close(); });

describe('a request that needs no approval', () => {
  it('runs its actions in order and completes with their outputs, live on request:<id>', async () => {
    h.runtime.integrations.reset();
    const name = uniqueName();
    const res = await submit('developer', 'dns-record', { environment: 'dev', name, token: 's3cret-value' }, { priority: 'high', note: 'for the launch' });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/api/v1/requests/${res.body.id}`);
    expect(res.body).toMatchObject({ status: 'submitted', priority: 'high', requester: DEV, team: 'growth', offering: { id: 'dns-record', version: '1.0.0' }, fields: { token: '••••', name } });
    expect(Date.parse(res.body.eta!) - Date.parse(res.body.createdAt)).toBe(5 * 60_000);
    const live = await subscribe(h, 'developer', `request:${res.body.id}`);
    const done = await settled(res.body.id);
    const statusOf = (f: (typeof live.frames)[number]) => (f as unknown as { data?: RequestStatus }).data?.status;
    // The frame follows the record by a moment.
    await until(() => live.frames.some((f) => statusOf(f) === 'completed'));
    live.ws.close();
    expect(done.status).toBe('completed');
    expect(done.progress).toBe(100);
    expect(done.outputs).toEqual({ create_record: { fqdn: `${name}.dev.apps.local-fake.test`, record_id: '••••' }, announce: { delivery: `${res.body.id}/announce/1` } });
    expect(done.actions.map((a) => [a.id, a.status, a.attempts.length])).toEqual([['create_record', 'succeeded', 1], ['announce', 'succeeded', 1]]);
    const call = done.actions[0]!.attempts[0]!;
    expect(call).toMatchObject({ httpStatus: 201, status: 'succeeded' });
    expect(JSON.stringify(call.input)).not.toContain(h.runtime.integrations.received()[0]?.headers.authorization ?? 'never');
    expect(JSON.stringify(done)).not.toContain('s3cret-value');
    expect(done.timeline.filter((e) => e.kind === 'transition').map((e) => e.status)).toEqual(['submitted', 'validating', 'queued', 'in_progress', 'completed']);
    expect(h.runtime.integrations.count('POST', '/dns/records')).toBe(1);
    expect(h.runtime.integrations.count('POST', '/hooks/dns-changes')).toBe(1);
    // {{team.x}} reads the requesting team as Apollo knows it.
    expect(h.runtime.integrations.received().find((c) => c.path === '/hooks/dns-changes')?.body).toMatchObject({ team: 'Growth' });
    const statuses = live.frames.filter((f) => f.type === 'event').map(statusOf);
    expect(statuses).toContain('in_progress');
    expect(statuses.at(-1)).toBe('completed');
    // The requester is told (the notification follows the record by a moment).
    type Notes = { items: Array<{ kind: string; link?: string }> };
    let notes: Notes = { items: [] };
    await until(async () => {
      notes = (await api<Notes>('developer', 'GET', '/api/v1/me/notifications')).body;
      return notes.items.some((n) => n.link === `/requests/${res.body.id}`);
    });
    expect(notes.items.find((n) => n.link === `/requests/${res.body.id}`)).toMatchObject({ kind: 'request.completed' });
  }, 30_000);

  it('retries a failing action by the offering\'s policy: fails twice, then succeeds on the third call', async () => {
    h.runtime.integrations.reset();
    h.runtime.integrations.failNext('/dns/records', 2, 503);
    const res = await submit('developer', 'dns-record', { environment: 'dev', name: uniqueName() });
    const done = await settled(res.body.id);
    expect(done.status).toBe('completed');
    expect(done.actions[0]!.attempts.map((a) => [a.attempt, a.status, a.httpStatus])).toEqual([[1, 'failed', 503], [2, 'failed', 503], [3, 'succeeded', 201]]);
    expect(h.runtime.integrations.count('POST', '/dns/records')).toBe(3);
  }, 30_000);

  it('fails as a whole when an action fails for good, and says which and why', async () => {
    h.runtime.integrations.reset();
    h.runtime.integrations.failNext('/dns/records', 1, 400);
    const res = await submit('developer', 'dns-record', { environment: 'dev', name: uniqueName() });
    const done = await settled(res.body.id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'action-failed', action: 'create_record' });
    expect(done.actions.map((a) => a.status)).toEqual(['failed', 'pending']);
    expect(h.runtime.integrations.count('POST', '/dns/records')).toBe(1);
    expect(h.runtime.integrations.count('POST', '/hooks/dns-changes')).toBe(0);
  }, 30_000);
});

describe('approvals', () => {
  it('waits for an operator; the requester may not approve; approval resumes it to completion', async () => {
    const res = await submit('developer', 'dns-record', { environment: 'prod', name: uniqueName() });
    const waiting = await settled(res.body.id, 'developer', ['awaiting_approval']);
    expect(waiting.approval).toMatchObject({ status: 'pending', canDecide: false, rule: { approvers: { roles: ['operator'], teams: ['platform'] }, mode: 'any' } });
    const inbox = await api<ApprovalList>('operator', 'GET', '/api/v1/approvals/pending');
    const mine = inbox.body.items.find((a) => a.requestId === res.body.id)!;
    expect(mine).toMatchObject({ canDecide: true, requester: DEV });
    expect((await api('viewer', 'GET', '/api/v1/approvals/pending')).status).toBe(403);
    expect((await api('developer', 'POST', `/api/v1/approvals/${mine.id}/approve`, { body: {} })).status).toBe(403);
    const approved = await api<Approval>('operator', 'POST', `/api/v1/approvals/${mine.id}/approve`, { body: { comment: 'looks right' } });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', decisions: [{ principal: 'operator@apollo.local', decision: 'approved', via: ['role:operator'] }] });
    expect((await settled(res.body.id)).status).toBe('completed');
    // Decided once: a second decision is a conflict.
    expect((await api('admin', 'POST', `/api/v1/approvals/${mine.id}/reject`, { body: { reason: 'too late' } })).status).toBe(409);
  }, 30_000);

  it('a rejection needs a reason and fails the request with it', async () => {
    const res = await submit('developer', 'dns-record', { environment: 'prod', name: uniqueName() });
    const waiting = await settled(res.body.id, 'developer', ['awaiting_approval']);
    const id = waiting.approval!.id;
    expect((await api('operator', 'POST', `/api/v1/approvals/${id}/reject`, { body: {} })).status).toBe(400);
    expect((await api<Approval>('admin', 'POST', `/api/v1/approvals/${id}/reject`, { body: { reason: 'use the staging zone' } })).body.status).toBe('rejected');
    const done = await settled(res.body.id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'approval-rejected', message: 'the approval was rejected: use the staging zone' });
  }, 30_000);

  it('an approval nobody decides in time expires, and the request fails; a late approval is refused', async () => {
    const res = await submit('developer', 'dns-quick-approval', { environment: 'dev', name: uniqueName() });
    const done = await settled(res.body.id);
    expect(done.error).toMatchObject({ code: 'approval-expired' });
    expect(done.approval).toMatchObject({ status: 'expired', endReason: expect.stringMatching(/^nobody decided by \d{4}-\d\d-\d\dT/) });
    expect((await api('operator', 'POST', `/api/v1/approvals/${done.approval!.id}/approve`, { body: {} })).status).toBe(409);
  }, 30_000);
});

describe('following requests live', () => {
  it('only those who may read a request may follow it; a notifications topic is its principal\'s alone', async () => {
    const res = await submit('developer', 'dns-once', { environment: 'dev', name: uniqueName() });
    // The answer to the subscription (subscribed, or refused): the running request's own events may come first.
    const frames = async (role: Role, topic: string) => {
      const live = await subscribe(h, role, topic);
      const answer = () => live.frames.find((f) => (f as { type?: string }).type !== 'event');
      await until(() => answer() !== undefined);
      live.ws.close();
      return answer();
    };
    expect(await frames('developer', `request:${res.body.id}`)).toEqual({ type: 'subscribed', topic: `request:${res.body.id}` });
    expect(await frames('operator', `request:${res.body.id}`)).toEqual({ type: 'subscribed', topic: `request:${res.body.id}` });
    expect(await frames('viewer', `request:${res.body.id}`)).toMatchObject({ type: 'error', code: 'UnknownTopic' });
    expect(await frames('viewer', 'requests:growth')).toMatchObject({ type: 'error', code: 'UnknownTopic' });
    expect(await frames('developer', 'requests:growth')).toEqual({ type: 'subscribed', topic: 'requests:growth' });
    expect(await frames('developer', `notifications:${DEV}`)).toEqual({ type: 'subscribed', topic: `notifications:${DEV}` });
    expect(await frames('operator', `notifications:${DEV}`)).toMatchObject({ type: 'error', code: 'UnknownTopic' });
    expect(await frames('operator', 'requests-all')).toEqual({ type: 'subscribed', topic: 'requests-all' });
    expect(await frames('developer', 'requests-all')).toMatchObject({ type: 'error', code: 'Forbidden' });
    await settled(res.body.id);
  }, 30_000);
});

describe('manual fulfilment', () => {
  it('waits for the owning team, who end it from the request page', async () => {
    const res = await submit('developer', 'manual-access', { environment: 'dev', name: 'x' });
    const waiting = await settled(res.body.id, 'developer', ['in_progress']);
    // The owning team works from a JIRA ticket (the local fake JIRA here).
    expect(waiting.manual).toMatchObject({ instructions: 'Grant the access in the console.', ticket: { key: expect.stringMatching(/^OPS-\d+$/) } });
    expect((await api('developer', 'POST', `/api/v1/requests/${res.body.id}/complete`, { body: { outcome: 'completed' } })).status).toBe(403);
    const ended = await api<Request>('admin', 'POST', `/api/v1/requests/${res.body.id}/complete`, { body: { outcome: 'completed', note: 'granted' } });
    expect(ended.status, JSON.stringify(ended.body)).toBe(200);
    expect((await settled(res.body.id)).status).toBe('completed');
  }, 30_000);
});

describe('submitting', () => {
  it('one Idempotency-Key makes one request', async () => {
    const key = `submit-${Date.now()}`;
    const body = { environment: 'dev', name: uniqueName() };
    const [a, b] = [await submit('developer', 'dns-once', body, {}, key), await submit('developer', 'dns-once', body, {}, key)];
    expect(a.status).toBe(201);
    expect(b.body.id).toBe(a.body.id);
    const mine = await api<RequestList>('developer', 'GET', '/api/v1/requests', { query: { offering: 'dns-once' } });
    expect(mine.body.items.filter((r) => r.id === a.body.id)).toHaveLength(1);
    await settled(a.body.id);
  }, 30_000);

  it('refuses bad fields with their paths, an unknown or retired offering, and another team', async () => {
    const bad = await submit('developer', 'dns-record', { environment: 'moon', name: 'Not A Label', extra: 1 });
    expect(bad.status).toBe(400);
    expect((bad.body as unknown as { error: { details: Array<{ path: string }> } }).error.details.map((d) => d.path).sort())
      .toEqual(['/body/fields/environment', '/body/fields/extra', '/body/fields/name']);
    expect((await submit('developer', 'no-such-thing', { name: 'x' })).status).toBe(404);
    expect((await submit('developer', 'dns-retired', { environment: 'dev', name: 'x' })).status).toBe(409);
    expect((await submit('developer', 'dns-record', { environment: 'dev', name: 'x' }, { team: 'platform' })).status).toBe(400);
    expect((await submit('viewer', 'dns-record', { environment: 'dev', name: 'x' })).status).toBe(403);
  });

  it('lists are scoped: mine, my team\'s, everyone\'s for operators; others\' requests are not found', async () => {
    const mine = await api<RequestList>('developer', 'GET', '/api/v1/requests');
    expect(mine.body.items.length).toBeGreaterThan(3);
    expect(mine.body.items.every((r) => r.requester === DEV)).toBe(true);
    expect((await api('developer', 'GET', '/api/v1/requests', { query: { scope: 'all' } })).status).toBe(403);
    const all = await api<RequestList>('operator', 'GET', '/api/v1/requests', { query: { scope: 'all', status: 'completed', limit: '2' } });
    expect(all.body.items).toHaveLength(2);
    expect(all.body.nextCursor).not.toBeNull();
    const team = await api<RequestList>('developer', 'GET', '/api/v1/requests', { query: { scope: 'team', team: 'growth' } });
    expect(team.body.items.length).toBe(mine.body.items.length);
    expect((await api('viewer', 'GET', `/api/v1/requests/${mine.body.items[0]!.id}`)).status).toBe(404);
    expect((await api('operator', 'GET', `/api/v1/requests/${mine.body.items[0]!.id}/logs`, { query: { severity: 'warn' } })).status).toBe(200);
  });
});
