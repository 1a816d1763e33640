/**
 * Team quotas through the local runtime on the real fulfillment ASL: limits set by an admin (within the
 * organization's caps, audited, the team told, once per Idempotency-Key), a request reserving at submit and refused
 * there with the numbers, the reservation held while it waits, turned into use when it completes, given back when it
 * is rejected, fails, is cancelled or deprovisioned — for counts and for sums read from a form field — and 20
 * concurrent reservations for the last free unit (or GiB) giving exactly one. The request form's check tells the
 * outcome submit would give, reserving nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditList, FormPreviewResult, NotificationList, QuotaUsage, Request, RequestRetryResult } from '#schemas/index.ts';
import { putVersion } from '../../functions/offerings/adapters/dynamo-store.ts';
import type { OfferingDocument } from '../../functions/offerings/shapes.ts';
import { reserveQuota, releaseQuota } from '../../functions/requests/quotas.ts';
import { seedDemoData } from '../seed.ts';
import { startHarness, until, type Harness } from './harness.ts';
import { requestsApi } from './requests-helpers.ts';

let h: Harness;
const { api, reaches, approveAs } = requestsApi(() => h);
let names = 0;
const uniqueName = (): string => `quota-${++names}`;
const source = (id: string) => ({ repo: 'apollo-demo/platform-catalog', path: `catalog/${id}.yaml`, sha: `sha-${id}`, ownerTeam: 'platform' });
const CREATE = { id: 'create_record', name: 'Create the record', type: 'rest', rollback: 'delete_record', config: { method: 'POST', url: '{{env.APOLLO_FAKES_URL}}/dns/records', auth: { type: 'bearer', token: '{{secrets.dns_api_token}}' }, body: { name: '{{fields.name}}', type: 'TXT', value: 'x' } }, outputs: [{ name: 'record_id', from: '/id' }] };
const DELETE = { id: 'delete_record', name: 'Delete the record', type: 'rest', config: { method: 'DELETE', url: '{{env.APOLLO_FAKES_URL}}/dns/records/{{output.create_record.record_id}}', auth: { type: 'bearer', token: '{{secrets.dns_api_token}}' }, successStatus: [204, 404] } };
const FAIL = { id: 'fail', name: 'Always fails', type: 'rest', config: { method: 'POST', url: '{{env.APOLLO_FAKES_URL}}/dns/nowhere/{{fields.name}}', auth: { type: 'bearer', token: '{{secrets.dns_api_token}}' } }, retry: { maxAttempts: 1 } };

/** A quick offering that costs one `test-record` of the team's quota, approved in prod when `approval` says so. */
function offering(id: string, actions: unknown[], extra: Record<string, unknown> = {}): OfferingDocument {
  return {
    schemaVersion: '2.0',
    metadata: { id, name: id, description: 'Quota test.', category: 'networking', owner: 'platform', version: '1.0.0' },
    presentation: { fields: [{ id: 'name', type: 'string', label: 'Name', validation: { required: true } }, { id: 'environment', type: 'string', label: 'Environment', validation: { required: true } }] },
    fulfillment: { type: 'automated', actions, rollbackActions: [DELETE] },
    quota: { resource: 'test-records', amount: 1, unit: 'record' },
    ...extra,
  } as unknown as OfferingDocument;
}
/** A volume: one of the team's `volumes` (a count) and its size_gb GiB of `volume-gib` (a sum); approved always, so it holds its reservation while it waits. */
function volume(id: string, actions: unknown[] = [CREATE]): OfferingDocument {
  const doc = offering(id, actions, {
    approval: { when: 'always', approvers: { roles: ['operator'] }, timeout: '1d' },
    quota: { resource: 'volumes', amount: 1, unit: 'volume', also: [{ resource: 'volume-gib', amount: 1, amountField: 'size_gb', unit: 'GiB' }] },
  });
  return { ...doc, presentation: { fields: [...doc.presentation.fields, { id: 'size_gb', type: 'integer', label: 'Size (GiB)', validation: { required: true, min: 1, max: 2000 } }] } } as OfferingDocument;
}
const usage = async (team = 'payments') => (await api<QuotaUsage>('viewer', 'GET', `/api/v1/quota/usage/${team}`)).body;
const itemOf = (u: QuotaUsage, environment: string | null, resource = 'test-records') => u.items.find((i) => i.resource === resource && i.environment === environment);
const submitAs = (offeringId: string, environment: string) => api<Request & { error?: { message: string; details: Array<{ path: string }> } }>('developer', 'POST', '/api/v1/requests', { offeringId, fields: { name: uniqueName(), environment } });
const submitVolume = (environment: string, sizeGb: number, offeringId = 'quota-volume') => api<Request & { error?: { message: string } }>('developer', 'POST', '/api/v1/requests', { offeringId, fields: { name: uniqueName(), environment, size_gb: sizeGb } });
const gib = (u: QuotaUsage, environment: string | null) => itemOf(u, environment, 'volume-gib');

beforeAll(async () => {
  process.env.APOLLO_QUOTA_CAPS = JSON.stringify({ 'test-records': 50 });
  h = await startHarness();
  await seedDemoData({ baseUrl: h.runtime.url });
  await putVersion(offering('quota-record', [CREATE]), source('quota-record'));
  await putVersion(offering('quota-approved', [CREATE], { approval: { when: 'always', approvers: { roles: ['operator'] }, timeout: '1d' } }), source('quota-approved'));
  await putVersion(offering('quota-failing', [FAIL]), source('quota-failing'));
  // Limits name what an offering counts: these two count the resources the alert and race tests limit.
  await putVersion(offering('quota-alerts', [CREATE], { quota: { resource: 'alert-things', amount: 1, unit: 'thing' } }), source('quota-alerts'));
  await putVersion(offering('quota-race', [CREATE], { quota: { resource: 'race-things', amount: 1, unit: 'thing' } }), source('quota-race'));
  await putVersion(offering('quota-idem', [CREATE], { quota: { resource: 'idem-things', amount: 1, unit: 'thing' } }), source('quota-idem'));
  await putVersion(volume('quota-volume'), source('quota-volume'));
  await putVersion(volume('quota-volume-failing', [FAIL]), source('quota-volume-failing'));
}, 120_000);
afterAll(async () => {
  delete process.env.APOLLO_QUOTA_CAPS;
  await h.close();
});

describe('limits', () => {
  it('an admin sets them within the caps (audited, the team told); others may only read', async () => {
    const body = { limits: [{ resource: 'test-records', environment: 'prod', limit: 1 }, { resource: 'test-records', environment: null, limit: 3 }], reason: 'one production record until review' };
    expect((await api('operator', 'POST', '/api/v1/quota/limits/payments', body)).status).toBe(403);
    const set = await api<QuotaUsage>('admin', 'POST', '/api/v1/quota/limits/payments', body);
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(itemOf(set.body, 'prod')).toMatchObject({ limit: 1, used: 0, reserved: 0, available: 1, alert: null, updatedBy: 'admin@apollo.local' });
    // The unit is the offerings' though nothing has counted against it yet (once the offerings' snapshot, 10 s, has the test's offerings).
    await until(async () => itemOf(await usage(), 'prod')?.unit === 'record', 20_000);
    expect(itemOf(set.body, null)).toMatchObject({ limit: 3 });
    expect(set.body.caps).toEqual({ 'test-records': 50 });
    // Over the organization's cap, a past date, a limit given twice, an unknown team, an unknown field: each said.
    const over = await api<{ error: { details: Array<{ path: string; message: string }> } }>('admin', 'POST', '/api/v1/quota/limits/payments', { limits: [{ resource: 'test-records', limit: 51 }] });
    expect(over.status).toBe(400);
    expect(over.body.error.details).toEqual([{ path: '/body/limits/0/limit', message: 'must be at most 50 (the organization\'s cap for test-records)' }]);
    expect((await api('admin', 'POST', '/api/v1/quota/limits/payments', { limits: [{ resource: 'test-records', limit: 2, effectiveFrom: '2020-01-01T00:00:00Z' }] })).status).toBe(400);
    expect((await api('admin', 'POST', '/api/v1/quota/limits/payments', { limits: [{ resource: 'test-records', limit: 2 }, { resource: 'test-records', limit: 3 }] })).status).toBe(400);
    expect((await api('admin', 'POST', '/api/v1/quota/limits/nobody', { limits: [{ resource: 'test-records', limit: 2 }] })).status).toBe(404);
    expect((await api('admin', 'POST', '/api/v1/quota/limits/payments', { limits: [{ resource: 'test-records', limit: 2, size: 'xl' }] })).status).toBe(400);
    // What no offering counts, or an environment the offerings' form does not offer ("production", not "prod"): a limit that would never apply.
    const unknown = await api<{ error: { details: Array<{ path: string; message: string }> } }>('admin', 'POST', '/api/v1/quota/limits/payments', { limits: [{ resource: 'totally-made-up', limit: 1 }] });
    expect(unknown.body.error.details[0]).toMatchObject({ path: '/body/limits/0/resource' });
    const production = await api<{ error: { details: Array<{ path: string; message: string }> } }>('admin', 'POST', '/api/v1/quota/limits/payments', { limits: [{ resource: 'postgresql-databases', environment: 'production', limit: 1 }] });
    expect(production.body.error.details).toEqual([{ path: '/body/limits/0/environment', message: 'must be one of dev, prod, staging (the offerings\' environment values), or null for all' }]);
    const audit = await h.client('admin').send('GET', '/api/v1/audit', { query: { action: 'quotas.limits.set' } });
    expect(audit.status).toBe(200);
    // Every attempt is on the audit log, the refused ones too (the 404 for an unknown team is the newest).
    expect((audit.body as AuditList).items.map((e) => e.resourceId)).toEqual(expect.arrayContaining(['payments', 'nobody']));
    const notes = await api<NotificationList>('operator', 'GET', '/api/v1/me/notifications');
    expect(notes.body.items.some((n) => n.kind === 'quota.changed' && n.title.includes('test-records in prod: 1'))).toBe(true);
  });

  it('a later limit waits for its date and shows as pending; one set for now keeps it', async () => {
    const later = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const res = await api<QuotaUsage>('admin', 'POST', '/api/v1/quota/limits/payments', { limits: [{ resource: 'test-records', environment: null, limit: 5, effectiveFrom: later }] });
    expect(itemOf(res.body, null)).toMatchObject({ limit: 3, pending: { limit: 5, effectiveFrom: later } });
    const now = await api<QuotaUsage>('admin', 'POST', '/api/v1/quota/limits/payments', { limits: [{ resource: 'test-records', environment: null, limit: 4 }] });
    expect(itemOf(now.body, null)).toMatchObject({ limit: 4, pending: { limit: 5, effectiveFrom: later }, updatedBy: 'admin@apollo.local' });
    expect((await api<QuotaUsage>('admin', 'POST', '/api/v1/quota/limits/payments', { limits: [{ resource: 'test-records', environment: null, limit: 3 }] })).status).toBe(200);
  });
});

describe('a retried POST /quota/limits', () => {
  it('with the same Idempotency-Key and body answers the first answer again: set, audited and told once; another body is a 422', async () => {
    // Arrange
    const { queryAll } = await import('#lib/table');
    const reason = `idempotency ${Date.now()}`;
    const body = { limits: [{ resource: 'idem-things', environment: null, limit: 2 }], reason };
    const admin = h.client('admin');
    const audited = async () => (await admin.send('GET', '/api/v1/audit', { query: { action: 'quotas.limits.set', resourceType: 'team', resourceId: 'data', limit: 200 } })).body as AuditList;
    // sam is data's only member: what the team was told is in sam's notifications.
    const told = async () => (await queryAll<{ PK: string; SK: string; kind: string; body?: string }>({ partition: 'NOTIF#sam@apollo.local' }, 500)).filter((n) => n.kind === 'quota.changed' && n.body === reason);
    const before = (await audited()).items.length;
    // Act
    const first = await admin.send('POST', '/api/v1/quota/limits/data', { body, idempotencyKey: 'qa-gov-quota-0001' });
    const again = await admin.send('POST', '/api/v1/quota/limits/data', { body, idempotencyKey: 'qa-gov-quota-0001' });
    const other = await admin.send('POST', '/api/v1/quota/limits/data', { body: { ...body, limits: [{ ...body.limits[0], limit: 3 }] }, idempotencyKey: 'qa-gov-quota-0001' });
    // Assert
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(other.status).toBe(422);
    expect((other.body as { error: { message: string } }).error.message).toBe('this Idempotency-Key was already used with a different request body');
    expect(itemOf(await usage('data'), null, 'idem-things')).toMatchObject({ limit: 2 });
    expect((await audited()).items.length).toBe(before + 1);
    expect(await told()).toHaveLength(1);
  });
});

describe('a request and the quota', () => {
  let first: string;

  it('reserves at submit, and the next one over the limit is refused there with the numbers', async () => {
    const ok = await submitAs('quota-approved', 'prod');
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    first = ok.body.id;
    await reaches(first, ['awaiting_approval']);
    expect(itemOf(await usage(), 'prod')).toMatchObject({ used: 0, reserved: 1, available: 0, percent: 100, alert: 'full', holders: [expect.objectContaining({ requestId: first, amount: 1, offeringId: 'quota-approved', state: 'reserved' })] });
    const refused = await submitAs('quota-approved', 'prod');
    expect(refused.status).toBe(409);
    expect(refused.body.error!.message).toBe('payments\'s quota for test-records in prod is 1 record: 0 in use, 1 reserved; this request needs 1');
    // Staging counts only against the all-environments limit (3).
    expect((await submitAs('quota-record', 'staging')).status).toBe(201);
  }, 60_000);

  it('is given back when the approval is rejected, and taken by the next request', async () => {
    const inbox = await api<{ items: Array<{ id: string; requestId: string }> }>('operator', 'GET', '/api/v1/approvals/pending');
    const approval = inbox.body.items.find((a) => a.requestId === first)!;
    expect((await api('operator', 'POST', `/api/v1/approvals/${approval.id}/reject`, { reason: 'not now' })).status).toBe(200);
    await reaches(first, ['failed']);
    expect(itemOf(await usage(), 'prod')).toMatchObject({ used: 0, reserved: 0, available: 1, alert: null });
    const next = await submitAs('quota-approved', 'prod');
    expect(next.status).toBe(201);
    await reaches(next.body.id, ['awaiting_approval']);
    // Approved and completed: the reservation becomes use.
    expect(await approveAs('operator', next.body.id)).toBe(200);
    await reaches(next.body.id, ['completed']);
    expect(itemOf(await usage(), 'prod')).toMatchObject({ used: 1, reserved: 0, holders: [expect.objectContaining({ requestId: next.body.id, state: 'in-use' })] });
    // Deprovisioned (approved like the request was): given back.
    expect((await api('developer', 'POST', `/api/v1/requests/${next.body.id}/deprovision`, { reason: 'done with it' })).status).toBe(200);
    await reaches(next.body.id, ['deprovisioning']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await approveAs('operator', next.body.id)).toBe(200);
    await reaches(next.body.id, ['deprovisioned']);
    expect(itemOf(await usage(), 'prod')).toMatchObject({ used: 0, reserved: 0, available: 1 });
  }, 90_000);

  it('is given back when the fulfilment fails and when the request is cancelled', async () => {
    const failing = await submitAs('quota-failing', 'dev');
    expect(failing.status).toBe(201);
    await reaches(failing.body.id, ['failed']);
    const waiting = await submitAs('quota-approved', 'dev');
    await reaches(waiting.body.id, ['awaiting_approval']);
    expect((await api('developer', 'POST', `/api/v1/requests/${waiting.body.id}/cancel`, { reason: 'wrong one' })).status).toBe(200);
    await reaches(waiting.body.id, ['cancelled']);
    const all = itemOf(await usage(), null)!;
    expect(all.holders.map((x) => x.requestId)).not.toContain(failing.body.id);
    expect(all.holders.map((x) => x.requestId)).not.toContain(waiting.body.id);
  }, 60_000);
});

describe('a sum read from a form field', () => {
  it('reserves the size asked for, refuses over the limit with the numbers, and counts the database besides', async () => {
    // Arrange
    expect((await api('admin', 'POST', '/api/v1/quota/limits/payments', { limits: [{ resource: 'volume-gib', environment: 'prod', limit: 500 }] })).status).toBe(200);
    await until(async () => gib(await usage(), 'prod')?.unit === 'GiB', 20_000);
    // Act
    const big = await submitVolume('prod', 300);
    const small = await submitVolume('prod', 150);
    await reaches(big.body.id, ['awaiting_approval']);
    await reaches(small.body.id, ['awaiting_approval']);
    expect(await approveAs('operator', big.body.id)).toBe(200);
    await reaches(big.body.id, ['completed']);
    const refused = await submitVolume('prod', 100);
    // Assert
    expect(refused.status).toBe(409);
    expect(refused.body.error!.message).toBe("payments's quota for volume-gib in prod is 500 GiB: 300 in use, 150 reserved; this request needs 100");
    const after = await usage();
    expect(gib(after, 'prod')).toMatchObject({ unit: 'GiB', limit: 500, used: 300, reserved: 150, available: 50, percent: 90, alert: 'warning' });
    expect(gib(after, 'prod')!.holders.map(({ requestId, amount, state }) => ({ requestId, amount, state })).sort((a, b) => b.amount - a.amount)).toEqual([
      { requestId: big.body.id, amount: 300, state: 'in-use' },
      { requestId: small.body.id, amount: 150, state: 'reserved' },
    ]);
    // The count: one volume each, the refused request's given back when its size did not fit.
    expect(itemOf(after, 'prod', 'volumes')).toMatchObject({ unit: 'volume', limit: null, used: 1, reserved: 1 });
  }, 90_000);

  it('is given back when cancelled and when deprovisioned, and the next request takes it', async () => {
    // Arrange
    const held = gib(await usage(), 'prod')!.holders;
    const big = held.find((x) => x.amount === 300)!.requestId;
    const small = held.find((x) => x.amount === 150)!.requestId;
    // Act
    expect((await api('developer', 'POST', `/api/v1/requests/${small}/cancel`, { reason: 'too small after all' })).status).toBe(200);
    await reaches(small, ['cancelled']);
    const cancelled = gib(await usage(), 'prod');
    expect((await api('developer', 'POST', `/api/v1/requests/${big}/deprovision`, { reason: 'done with it' })).status).toBe(200);
    await reaches(big, ['deprovisioning']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await approveAs('operator', big)).toBe(200);
    await reaches(big, ['deprovisioned']);
    const next = await submitVolume('prod', 500);
    // Assert
    expect(cancelled).toMatchObject({ used: 300, reserved: 0, available: 200 });
    expect(next.status, JSON.stringify(next.body)).toBe(201);
    expect(gib(await usage(), 'prod')).toMatchObject({ used: 0, reserved: 500, available: 0, alert: 'full' });
    expect(itemOf(await usage(), 'prod', 'volumes')).toMatchObject({ used: 0, reserved: 1 });
  }, 90_000);

  it('is given back when the fulfilment fails; a retry with a bigger size claims the new size, over the limit with the numbers', async () => {
    // Arrange
    expect((await api('admin', 'POST', '/api/v1/quota/limits/payments', { limits: [{ resource: 'volume-gib', environment: 'dev', limit: 300 }] })).status).toBe(200);
    const failing = await submitVolume('dev', 100, 'quota-volume-failing');
    expect(failing.status, JSON.stringify(failing.body)).toBe(201);
    await reaches(failing.body.id, ['awaiting_approval']);
    expect(await approveAs('operator', failing.body.id)).toBe(200);
    await reaches(failing.body.id, ['failed']);
    expect(gib(await usage(), 'dev')).toMatchObject({ used: 0, reserved: 0 });
    // Act
    const retry = await api<RequestRetryResult>('developer', 'POST', `/api/v1/requests/${failing.body.id}/retry`, { fields: { size_gb: 400 }, confirm: true });
    const ended = await reaches(failing.body.id, ['failed']);
    // Assert
    expect(retry.status, JSON.stringify(retry.body)).toBe(200);
    expect(ended.error).toMatchObject({ code: 'quota', message: "over the team's quota: payments's quota for volume-gib in dev is 300 GiB: 0 in use, 0 reserved; this request needs 400" });
    expect(gib(await usage(), 'dev')).toMatchObject({ used: 0, reserved: 0, holders: [] });
    // No volume held in dev either (an item with nothing held and no limit is not listed).
    expect(itemOf(await usage(), 'dev', 'volumes')?.reserved ?? 0).toBe(0);
  }, 90_000);

  it('20 concurrent requests for the last 100 GiB: exactly one is accepted, the others are refused with the numbers', async () => {
    // Arrange
    expect((await api('admin', 'POST', '/api/v1/quota/limits/payments', { limits: [{ resource: 'volume-gib', environment: 'staging', limit: 250 }] })).status).toBe(200);
    const first = await submitVolume('staging', 150);
    expect(first.status).toBe(201);
    const volumesBefore = itemOf(await usage(), null, 'volumes')!.reserved;
    // Act
    const racers = await Promise.all(Array.from({ length: 20 }, () => submitVolume('staging', 100)));
    // Assert
    const accepted = racers.filter((r) => r.status === 201);
    expect(accepted).toHaveLength(1);
    expect(racers.filter((r) => r.status === 409).map((r) => r.body.error!.message)).toEqual(
      Array.from({ length: 19 }, () => "payments's quota for volume-gib in staging is 250 GiB: 0 in use, 250 reserved; this request needs 100"));
    const after = await usage();
    expect(gib(after, 'staging')).toMatchObject({ used: 0, reserved: 250, available: 0 });
    expect(gib(after, 'staging')!.holders.map((x) => x.requestId).sort()).toEqual([first.body.id, accepted[0]!.body.id].sort());
    // The count each refused request took before its size was refused is given back.
    expect(itemOf(after, null, 'volumes')!.reserved).toBe(volumesBefore + 1);
    expect(itemOf(after, 'staging', 'volumes')!.holders.map((x) => x.requestId).sort()).toEqual([first.body.id, accepted[0]!.body.id].sort());
  }, 90_000);
});

describe('"Check request" (POST /api/v1/preview/form)', () => {
  const check = (values: Record<string, unknown>) => api<FormPreviewResult>('developer', 'POST', '/api/v1/preview/form', { document: volume('quota-volume'), values, team: 'payments' });

  it('tells the outcome submit would give, with the numbers, and reserves nothing', async () => {
    // Arrange
    expect((await api('admin', 'POST', '/api/v1/quota/limits/payments', { limits: [{ resource: 'volume-gib', environment: 'perf', limit: 200 }, { resource: 'volumes', environment: null, limit: 50 }] })).status).toBe(200);
    expect((await submitVolume('perf', 120)).status).toBe(201);
    const before = await usage();
    // Act
    const over = await check({ name: 'big-one', environment: 'perf', size_gb: 100 });
    const submitted = await submitVolume('perf', 100);
    const fits = await check({ name: 'small-one', environment: 'perf', size_gb: 80 });
    // Assert
    expect(over.status, JSON.stringify(over.body)).toBe(200);
    expect(over.body.valueIssues).toEqual([]);
    expect(submitted.status).toBe(409);
    expect(over.body.quota).toEqual({
      team: 'payments', decision: 'over', message: submitted.body.error!.message,
      claims: [
        { resource: 'volumes', amount: 1, unit: 'volume', amountField: null, environment: 'perf', fits: true, scopes: [
          { environment: 'perf', limit: null, used: 0, reserved: 1, left: null },
          { environment: null, limit: 50, used: itemOf(before, null, 'volumes')!.used, reserved: itemOf(before, null, 'volumes')!.reserved, left: 50 - itemOf(before, null, 'volumes')!.used - itemOf(before, null, 'volumes')!.reserved },
        ] },
        { resource: 'volume-gib', amount: 100, unit: 'GiB', amountField: 'size_gb', environment: 'perf', fits: false, scopes: [
          { environment: 'perf', limit: 200, used: 0, reserved: 120, left: 80 },
          { environment: null, limit: null, used: gib(before, null)!.used, reserved: gib(before, null)!.reserved, left: null },
        ] },
      ],
    });
    expect(submitted.body.error!.message).toBe("payments's quota for volume-gib in perf is 200 GiB: 0 in use, 120 reserved; this request needs 100");
    expect(fits.body.quota).toMatchObject({ decision: 'fits', message: expect.stringContaining('80 GiB of volume-gib (80 of 200 GiB left in perf)') });
    // Checking reserved nothing: the team's quotas are as they were.
    expect((await usage()).items.map(({ resource, environment, used, reserved }) => ({ resource, environment, used, reserved })))
      .toEqual(before.items.map(({ resource, environment, used, reserved }) => ({ resource, environment, used, reserved })));
  }, 60_000);

  it('says when there is no quota to count against', async () => {
    // Act
    const noTeam = await api<FormPreviewResult>('developer', 'POST', '/api/v1/preview/form', { document: volume('quota-volume'), values: { name: 'x', environment: 'perf', size_gb: 1 }, team: 'nope-team' });
    const noQuota = await api<FormPreviewResult>('developer', 'POST', '/api/v1/preview/form', { document: { ...volume('quota-volume'), quota: undefined }, values: { name: 'x', environment: 'perf', size_gb: 1 } });
    const noValues = await api<FormPreviewResult>('developer', 'POST', '/api/v1/preview/form', { document: volume('quota-volume') });
    // Assert
    expect(noTeam.body.quota).toEqual({ team: 'nope-team', decision: 'not-applicable', message: 'there is no team nope-team', claims: [] });
    expect(noQuota.body.quota).toEqual({ team: 'payments', decision: 'not-applicable', message: 'the offering declares no quota', claims: [] });
    expect(noValues.body.quota).toBeUndefined();
  });
});

describe('alerts and misconfiguration', () => {
  it('a raised limit is crossed anew: full is told again', async () => {
    const claim = { team: 'data', resource: 'alert-things', amount: 1, unit: 'thing', environment: null, offeringId: 'alerts' };
    // sam is data's member: what the team was told is in sam's notifications.
    const { queryAll } = await import('#lib/table');
    const fullTold = async () => (await queryAll<{ PK: string; SK: string; kind: string; title: string }>({ partition: 'NOTIF#sam@apollo.local' }, 500))
      .filter((n) => n.kind === 'quota.alert' && n.title.includes('alert-things') && n.title.endsWith('the quota is full')).length;
    expect((await api('admin', 'POST', '/api/v1/quota/limits/data', { limits: [{ resource: 'alert-things', environment: null, limit: 1 }] })).status).toBe(200);
    await reserveQuota('alert-1', claim);
    expect((await api('admin', 'POST', '/api/v1/quota/limits/data', { limits: [{ resource: 'alert-things', environment: null, limit: 2 }] })).status).toBe(200);
    await reserveQuota('alert-2', claim);
    const usage2 = itemOf(await usage('data'), null, 'alert-things')!;
    expect(usage2).toMatchObject({ alert: 'full', reserved: 2 });
    // Each crossing of 100 % was told: at 1 of 1, and at 2 of 2 after the limit was raised.
    expect(await fullTold()).toBe(2);
  });

  it('a malformed organization cap is a 503 that says so, not a bare 500', async () => {
    process.env.APOLLO_QUOTA_CAPS = '{"test-records": 50';
    try {
      const res = await api<{ error: { message: string } }>('viewer', 'GET', '/api/v1/quota/usage/payments');
      expect(res.status).toBe(503);
      expect(res.body.error.message).toMatch(/^Apollo is misconfigured: APOLLO_QUOTA_CAPS must be JSON/);
    } finally {
      process.env.APOLLO_QUOTA_CAPS = JSON.stringify({ 'test-records': 50 });
    }
  });
});

describe('an interrupted request', () => {
  it('gives its reservation back (nothing runs for it); its retry takes it again', async () => {
    const { readRequest } = await import('../../functions/requests/records.ts');
    const { markInterruptedRecord } = await import('../../functions/requests/interrupted.ts');
    const res = await submitAs('quota-approved', 'prod');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    await reaches(res.body.id, ['awaiting_approval']);
    expect(itemOf(await usage(), 'prod')!.holders.map((x) => x.requestId)).toContain(res.body.id);
    expect(await markInterruptedRecord((await readRequest(res.body.id, true))!, 'the test lost its run')).toBe(true);
    expect(itemOf(await usage(), 'prod')!.holders.map((x) => x.requestId)).not.toContain(res.body.id);
    expect(itemOf(await usage(), 'prod')).toMatchObject({ reserved: 0 });
  }, 60_000);
});

describe('concurrent reservations', () => {
  it('20 at once for the last free unit: exactly one succeeds', async () => {
    expect((await api('admin', 'POST', '/api/v1/quota/limits/data', { limits: [{ resource: 'race-things', environment: null, limit: 5 }] })).status).toBe(200);
    const claim = { team: 'data', resource: 'race-things', amount: 1, unit: 'thing', environment: null, offeringId: 'race' };
    for (let i = 0; i < 4; i++) await reserveQuota(`held-${i}`, claim);
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => reserveQuota(`racer-${i}`, claim)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason.name === 'ConflictError')).toBe(true);
    const item = itemOf(await usage('data'), null, 'race-things')!;
    expect(item).toMatchObject({ reserved: 5, available: 0 });
    // Reserving or releasing twice changes nothing.
    const winner = item.holders.find((x) => x.requestId.startsWith('racer-'))!.requestId;
    await reserveQuota(winner, claim);
    await releaseQuota(winner, claim);
    await releaseQuota(winner, claim);
    expect(itemOf(await usage('data'), null, 'race-things')).toMatchObject({ reserved: 4, available: 1 });
  });
});
