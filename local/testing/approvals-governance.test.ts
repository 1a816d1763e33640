/**
 * Approvals governance through the local runtime: a delegate deciding for an approver for a period (never their own
 * request), batch decisions audited one by one, escalation of an approval waiting past its deadline (the rule's
 * approvers, then the offering's owner team), and requesters rating completed requests into the owner's catalog.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Approval, ApprovalBatchResult, ApprovalDelegation, ApprovalDelegations, ApprovalList, AuditList, NotificationList, Request, RequestRating, TeamCatalog } from '#schemas/index.ts';
import type { Role } from '#shared/permissions';
import { putVersion } from '../../functions/offerings/adapters/dynamo-store.ts';
import type { OfferingDocument } from '../../functions/offerings/shapes.ts';
import { runEscalations } from '../../functions/requests/escalation.ts';
import { seedDemoData } from '../seed.ts';
import { startHarness, until, type Harness } from './harness.ts';
import { requestsApi } from './requests-helpers.ts';

let h: Harness;
const { api, submit, reaches } = requestsApi(() => h);
const HOUR = 3_600_000;
let names = 0;
const name = (): string => `gov-${++names}`;
const CREATE = { id: 'create_record', name: 'Create the record', type: 'rest', config: { method: 'POST', url: '{{env.APOLLO_FAKES_URL}}/dns/records', auth: { type: 'bearer', token: '{{secrets.dns_api_token}}' }, body: { name: '{{fields.name}}', type: 'TXT', value: 'x' } }, outputs: [{ name: 'record_id', from: '/id' }] };
function offering(id: string, approvers: Record<string, unknown> | null): OfferingDocument {
  return {
    schemaVersion: '2.0',
    metadata: { id, name: id, description: 'Governance test.', category: 'networking', owner: 'data', version: '1.0.0', sla: { fulfillmentTime: '5m' } },
    presentation: { fields: [{ id: 'name', type: 'string', label: 'Name', validation: { required: true } }] },
    fulfillment: { type: 'automated', actions: [CREATE] },
    ...(approvers ? { approval: { when: 'always', approvers, timeout: '1d' } } : {}),
  } as unknown as OfferingDocument;
}
const source = (id: string) => ({ repo: 'apollo-demo/platform-catalog', path: `catalog/${id}.yaml`, sha: `sha-${id}`, ownerTeam: 'data' });
const pendingOf = async (role: Role, requestId: string): Promise<Approval | undefined> =>
  (await api<ApprovalList>(role, 'GET', '/api/v1/approvals/pending')).body.items.find((a) => a.requestId === requestId);

beforeAll(async () => {
  h = await startHarness();
  await seedDemoData({ baseUrl: h.runtime.url });
  await putVersion(offering('gov-named', { principals: ['admin@apollo.local'] }), source('gov-named'));
  await putVersion(offering('gov-operators', { roles: ['operator'] }), source('gov-operators'));
  await putVersion(offering('gov-open', null), source('gov-open'));
}, 180_000);
afterAll(async () => { await h.close(); });

describe('delegation', () => {
  it("a delegate decides for the approver while it holds, on the approver's behalf, never their own request", async () => {
    const until = new Date(Date.now() + 24 * HOUR).toISOString();
    const bad = await api<{ error: { details: Array<{ path: string }> } }>('admin', 'PUT', '/api/v1/approvals/delegation', { delegate: 'admin@apollo.local', until: '2020-01-01T00:00:00Z' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d) => d.path)).toEqual(['/body/delegate', '/body/until']);
    expect((await api('admin', 'PUT', '/api/v1/approvals/delegation', { delegate: 'operator@apollo.local', until: new Date(Date.now() + 100 * 24 * HOUR).toISOString() })).status).toBe(400);
    expect((await api('admin', 'PUT', '/api/v1/approvals/delegation', { delegate: 'operator@apollo.local', until, colour: 'red' })).status).toBe(400);
    // Someone who can decide: in the directory, with a role that may (sam is a viewer).
    const nobody = await api<{ error: { details: Array<{ path: string; message: string }> } }>('admin', 'PUT', '/api/v1/approvals/delegation', { delegate: 'nobody@apollo.local', until });
    expect(nobody.body.error.details).toEqual([{ path: '/body/delegate', message: 'nobody@apollo.local is not in the directory' }]);
    const viewer = await api<{ error: { details: Array<{ path: string; message: string }> } }>('admin', 'PUT', '/api/v1/approvals/delegation', { delegate: 'sam@apollo.local', until });
    expect(viewer.body.error.details[0]!.message).toBe('sam@apollo.local cannot decide approvals (their role is viewer)');

    const id = await submit('gov-named', { name: name() });
    await reaches(id, ['awaiting_approval']);
    expect((await pendingOf('operator', id))?.canDecide).toBe(false);

    const set = await api<ApprovalDelegation>('admin', 'PUT', '/api/v1/approvals/delegation', { delegate: 'Operator@apollo.local', until, reason: 'On leave' });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body).toMatchObject({ principal: 'admin@apollo.local', delegate: 'operator@apollo.local', active: true, reason: 'On leave' });
    const theirs = await api<ApprovalDelegations>('operator', 'GET', '/api/v1/approvals/delegation');
    expect(theirs.body).toMatchObject({ mine: null, toMe: [expect.objectContaining({ principal: 'admin@apollo.local' })] });

    const pending = await pendingOf('operator', id);
    expect(pending).toMatchObject({ canDecide: true });
    expect(pending!.why).toContain('for admin@apollo.local');
    const approved = await api<Approval>('operator', 'POST', `/api/v1/approvals/${pending!.id}/approve`, { comment: 'covering for admin' });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body.decisions).toEqual([expect.objectContaining({ principal: 'operator@apollo.local', onBehalfOf: 'admin@apollo.local', decision: 'approved' })]);
    const done = await reaches(id, ['completed']);
    expect(done.timeline.some((e) => e.message.includes('approved by operator@apollo.local for admin@apollo.local'))).toBe(true);

    // The delegate's own request: not theirs to approve, as themselves or as the delegate.
    const own = await submit('gov-named', { name: name() }, 'operator');
    await reaches(own, ['awaiting_approval']);
    const mine = await pendingOf('operator', own);
    expect(mine).toMatchObject({ canDecide: false });
    expect((await api('operator', 'POST', `/api/v1/approvals/${mine!.id}/approve`, {})).status).toBe(403);

    // Ended: the delegate may no longer decide.
    expect((await api('admin', 'DELETE', '/api/v1/approvals/delegation')).status).toBe(204);
    expect((await api('admin', 'DELETE', '/api/v1/approvals/delegation')).status).toBe(404);
    const after = await submit('gov-named', { name: name() });
    await reaches(after, ['awaiting_approval']);
    expect((await pendingOf('operator', after))?.canDecide).toBe(false);
  });
});

describe('the request audit trail', () => {
  it("one request's trail holds its approvals' decisions (its run's and its deprovision's), a delegate's saying for whom; delegation changes are in the trail", async () => {
    // Arrange: operator decides for admin, on a request's approval and then on its deprovision's
    const ends = new Date(Date.now() + 24 * HOUR).toISOString();
    expect((await api('admin', 'PUT', '/api/v1/approvals/delegation', { delegate: 'operator@apollo.local', until: ends })).status).toBe(200);
    const id = await submit('gov-named', { name: name() });
    await reaches(id, ['awaiting_approval']);
    const first = (await pendingOf('operator', id))!;
    expect((await api('operator', 'POST', `/api/v1/approvals/${first.id}/approve`, { comment: 'for admin' })).status).toBe(200);
    await reaches(id, ['completed']);
    expect((await api('developer', 'POST', `/api/v1/requests/${id}/deprovision`, { reason: 'no longer used' })).status).toBe(200);
    await until(async () => (await pendingOf('operator', id)) !== undefined);
    const second = (await pendingOf('operator', id))!;
    const decided = await api<ApprovalBatchResult>('operator', 'POST', '/api/v1/approvals/decide', { decisions: [{ id: second.id, decision: 'approved' }] });
    expect(decided.body.results[0]).toMatchObject({ status: 200 });
    await reaches(id, ['deprovisioned']);
    expect((await api('admin', 'DELETE', '/api/v1/approvals/delegation')).status).toBe(204);

    // Act
    const trail = await h.client('admin').send('GET', '/api/v1/audit/requests', { query: { requestId: id } });
    const pages: AuditList['items'][] = [];
    let cursor: string | undefined;
    do {
      const page = (await h.client('admin').send('GET', '/api/v1/audit/requests', { query: { requestId: id, limit: 2, ...(cursor ? { cursor } : {}) } })).body as AuditList;
      pages.push(page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor && pages.length < 10);
    const delegations = await h.client('admin').send('GET', '/api/v1/audit/requests', { query: { action: 'approvals.delegation', limit: 200 } });

    // Assert: the request's entries and both approvals', newest first, each approval naming its request and for whom
    expect(trail.status, JSON.stringify(trail.body)).toBe(200);
    const items = (trail.body as AuditList).items;
    expect(items.map((e) => [e.action, e.resourceId])).toEqual([
      ['approvals.approve', second.id], ['requests.deprovision', id], ['approvals.approve', first.id], ['requests.submit', id],
    ]);
    expect(items.filter((e) => e.resourceType === 'approval').map((e) => e.details)).toEqual([
      expect.objectContaining({ batch: true, request: id, onBehalfOf: 'admin@apollo.local' }),
      expect.objectContaining({ id: first.id, request: id, onBehalfOf: 'admin@apollo.local', body: { comment: 'for admin' } }),
    ]);
    expect(pages.flat().map((e) => e.id)).toEqual(items.map((e) => e.id));
    expect(pages.every((p) => p.length <= 2)).toBe(true);
    const changes = (delegations.body as AuditList).items.filter((e) => e.actor === 'admin@apollo.local').map((e) => e.action);
    expect(changes.slice(0, 2)).toEqual(['approvals.delegation.end', 'approvals.delegation.set']);
  });
});

describe('batch decisions', () => {
  it('decides each on its own, in order, each audited; one refused does not stop the others', async () => {
    const a = await submit('gov-operators', { name: name() });
    const b = await submit('gov-operators', { name: name() });
    await reaches(a, ['awaiting_approval']);
    await reaches(b, ['awaiting_approval']);
    const [pa, pb] = [(await pendingOf('operator', a))!, (await pendingOf('operator', b))!];
    const missing = '01JF3Z8Q9W7ZK2D4M1V6N8P0RA';
    const res = await api<ApprovalBatchResult>('operator', 'POST', '/api/v1/approvals/decide', { decisions: [
      { id: pa.id, decision: 'approved' }, { id: missing, decision: 'approved' }, { id: pb.id, decision: 'rejected', comment: 'not this week' },
    ] });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.results.map((r) => [r.id, r.status])).toEqual([[pa.id, 200], [missing, 404], [pb.id, 200]]);
    expect(res.body).toMatchObject({ approved: 1, rejected: 1, failed: 1 });
    await reaches(a, ['completed']);
    await reaches(b, ['failed']);
    const audit = await h.client('admin').send('GET', '/api/v1/audit', { query: { actor: 'operator@apollo.local', limit: 20 } });
    const entries = (audit.body as AuditList).items;
    expect(entries.find((e) => e.action === 'approvals.approve' && e.resourceId === pa.id)).toMatchObject({ outcome: 'succeeded', statusCode: 200 });
    expect(entries.find((e) => e.action === 'approvals.reject' && e.resourceId === pb.id)).toMatchObject({ outcome: 'succeeded' });
    expect(entries.find((e) => e.action === 'approvals.approve' && e.resourceId === missing)).toMatchObject({ outcome: 'failed', statusCode: 404 });
    expect(entries.some((e) => e.action === 'approvals.batch')).toBe(true);
    // A rejection without a reason, and an empty batch: refused with the field.
    const blank = await api<ApprovalBatchResult>('operator', 'POST', '/api/v1/approvals/decide', { decisions: [{ id: pa.id, decision: 'rejected' }] });
    expect(blank.body.results[0]).toMatchObject({ status: 400 });
    expect((await api('operator', 'POST', '/api/v1/approvals/decide', { decisions: [] })).status).toBe(400);
    const c = await submit('gov-operators', { name: name() });
    await reaches(c, ['awaiting_approval']);
    const pc = (await pendingOf('operator', c))!;
    const short = await api<ApprovalBatchResult>('operator', 'POST', '/api/v1/approvals/decide', { decisions: [{ id: pc.id, decision: 'rejected', comment: 'no' }] });
    expect(short.body.results[0]).toMatchObject({ status: 400, error: { code: 'ValidationError' } });
    expect((await pendingOf('operator', c))?.status).toBe('pending');
  });
});

describe('escalation', () => {
  it("past its deadline: the rule's approvers who have not decided, then the owner team; then nothing more", async () => {
    const id = await submit('gov-named', { name: name() });
    await reaches(id, ['awaiting_approval']);
    const approval = (await pendingOf('admin', id))!;
    expect(Date.parse(approval.escalatesAt!) - Date.parse(approval.createdAt)).toBe(4 * HOUR);
    const start = Date.parse(approval.createdAt);
    // Other tests' approvals wait too: each run is judged by this approval's escalations.
    const levels = async (): Promise<number[]> => ((await pendingOf('admin', id))!.escalations ?? []).map((e) => e.level);
    await runEscalations(new Date(start + 3 * HOUR));
    expect(await levels()).toEqual([]);
    await runEscalations(new Date(start + 4 * HOUR + 1000));
    let now = (await pendingOf('admin', id))!;
    expect(now.escalations).toEqual([expect.objectContaining({ level: 1, notified: ['admin@apollo.local'] })]);
    // The next one as long after this one (the job's run, not the deadline, is when it happened).
    expect(Date.parse(now.escalatesAt!) - start).toBe(8 * HOUR + 1000);
    await until(async () => (await api<NotificationList>('admin', 'GET', '/api/v1/me/notifications')).body.items.some((n) => n.kind === 'approval.escalated' && n.resource?.id === approval.id), 10_000);
    // Run again at once: nothing twice.
    await runEscalations(new Date(start + 4 * HOUR + 2000));
    expect(await levels()).toEqual([1]);
    await runEscalations(new Date(start + 8 * HOUR + 1000));
    now = (await pendingOf('admin', id))!;
    expect(now.escalations!.map((e) => [e.level, e.notified])).toEqual([[1, ['admin@apollo.local']], [2, ['team:data']]]);
    expect(now.escalatesAt).toBeUndefined();
    // Past the last level: nothing more.
    await runEscalations(new Date(start + 20 * HOUR));
    expect(await levels()).toEqual([1, 2]);
    const request = (await api<Request>('developer', 'GET', `/api/v1/requests/${id}`)).body;
    expect(request.timeline.filter((e) => e.message.startsWith('approval escalated')).map((e) => e.message.slice(0, 38))).toEqual(['approval escalated (level 1) to the ru', 'approval escalated (level 2) to data, ']);
  });
});

describe('an approval whose request was interrupted', () => {
  it('reads cancelled, saying the request was interrupted while it waited: nobody let it expire', async () => {
    // Arrange: a request waiting for approval
    const id = await submit('gov-named', { name: name() });
    await reaches(id, ['awaiting_approval']);

    // Act: its execution is lost (its end is told as EventBridge tells it; a restart's recovery marks it the same way)
    const { workflowEngine } = await import('#lib/workflows/index');
    await workflowEngine('fulfillment').stop(id, 'Test.Crash', 'the runtime went away');

    // Assert
    const request = await reaches(id, ['interrupted']);
    expect(request.approval).toMatchObject({ status: 'cancelled', endReason: `the request was interrupted while it waited (its execution ${id} ended aborted)` });
    expect(await pendingOf('admin', id)).toBeUndefined();
  });
});

describe('ratings', () => {
  it('the requester rates a completed request; the owner team sees the ratings in its catalog', async () => {
    const id = await submit('gov-open', { name: name() });
    const running = await submit('gov-named', { name: name() });
    await reaches(id, ['completed']);
    expect((await api('operator', 'PUT', `/api/v1/requests/${id}/rating`, { score: 5 })).status).toBe(403);
    expect((await api('developer', 'PUT', `/api/v1/requests/${id}/rating`, { score: 6 })).status).toBe(400);
    expect((await api('developer', 'PUT', `/api/v1/requests/${running}/rating`, { score: 4 })).status).toBe(409);
    const first = await api<RequestRating>('developer', 'PUT', `/api/v1/requests/${id}/rating`, { score: 5, comment: 'Done in a minute' });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const again = await api<RequestRating>('developer', 'PUT', `/api/v1/requests/${id}/rating`, { score: 3, comment: 'Slower the second time' });
    expect(again.body).toMatchObject({ score: 3, by: 'developer@apollo.local' });
    expect((await api<Request>('developer', 'GET', `/api/v1/requests/${id}`)).body.rating).toMatchObject({ score: 3 });
    const catalog = await h.client('viewer').send('GET', '/api/v1/teams/data/catalog', { query: { days: 7 } });
    const item = (catalog.body as TeamCatalog).items.find((i) => i.offering.id === 'gov-open')!;
    expect(item.rating).toEqual({ average: 3, count: 1 });
    expect(item.recentComments).toEqual([expect.objectContaining({ requestId: id, score: 3, comment: 'Slower the second time' })]);
  });
});
