/**
 * Team and platform analytics through the local runtime: numbers from a history written with hand-chosen times
 * checked against hand-computed expectations, a real request counted as it is submitted and completes, who may
 * read what, the platform's usage and performance stats over the demo history, and the request audit trail with
 * its CSV and JSON export.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditList, PerformanceStats, TeamAnalytics, TeamCatalog, TeamRequestHistory, TeamUsage, UsageStats } from '#schemas/index.ts';
import { putVersion } from '../../functions/offerings/adapters/dynamo-store.ts';
import type { OfferingDocument } from '../../functions/offerings/shapes.ts';
import { applyWrites, bucketUpper, bucketOf, endedWrites, submittedWrites } from '../../functions/requests/stats.ts';
import type { Role } from '#shared/permissions';
import { seedDemoData } from '../seed.ts';
import { startHarness, until, type Harness } from './harness.ts';
import { requestsApi } from './requests-helpers.ts';

let h: Harness;
const { api, submit, reaches } = requestsApi(() => h);
/** A signed GET with its query string (the client signs `query`, not a path's own `?…`). */
async function get<T>(role: Role, path: string, query: Record<string, string | number> = {}): Promise<{ status: number; body: T }> {
  const res = await h.client(role).send('GET', path, { query });
  return { status: res.status, body: res.body as T };
}
const MIN = 60_000;
const TEAM = 'ledger';
const daysAgo = (n: number, hour = 10): string => new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() - n, hour)).toISOString();
/** What a percentile reads as: its bucket's upper bound (at most 5 % above the exact value). */
const asRead = (ms: number): number => bucketUpper(bucketOf(ms));

const CREATE = { id: 'create_record', name: 'Create the record', type: 'rest', config: { method: 'POST', url: '{{env.APOLLO_FAKES_URL}}/dns/records', auth: { type: 'bearer', token: '{{secrets.dns_api_token}}' }, body: { name: '{{fields.name}}', type: 'TXT', value: 'x' } }, outputs: [{ name: 'record_id', from: '/id' }] };
const OFFERING = {
  schemaVersion: '2.0',
  metadata: { id: 'ledger-record', name: 'Ledger record', description: 'Analytics test.', category: 'networking', owner: TEAM, version: '1.0.0', sla: { fulfillmentTime: '5m', manualBaseline: '2d' } },
  presentation: { fields: [{ id: 'name', type: 'string', label: 'Name', validation: { required: true } }] },
  fulfillment: { type: 'automated', actions: [CREATE] },
} as unknown as OfferingDocument;

/** The hand-written history of team ledger: four requests over two days. */
async function writeHistory(): Promise<void> {
  const request = (offering: string, requester: string, createdAt: string) => ({ team: TEAM, offering: { id: offering }, requester, createdAt });
  const a = request('ledger-record', 'ana@apollo.local', daysAgo(1));
  const b = request('ledger-record', 'ben@apollo.local', daysAgo(1, 11));
  const c = request('ledger-record', 'ana@apollo.local', daysAgo(1, 12));
  const d = request('s3-bucket', 'ben@apollo.local', daysAgo(8));
  const writes = [
    ...submittedWrites(a), ...submittedWrites(b), ...submittedWrites(c), ...submittedWrites(d),
    // a: 1 minute, b: 3 (both within the 5m SLA); c failed in create_record; d: 40 minutes, 9 of them waiting for
    // approval, so 31 from the decision: over s3-bucket's 30m SLA.
    ...endedWrites(a, { outcome: 'completed', at: daysAgo(1), slaMs: 5 * MIN, phases: { totalMs: 1 * MIN, fulfilMs: 1 * MIN, approvalMs: null, actionsMs: { create_record: 40_000 } } }),
    ...endedWrites(b, { outcome: 'completed', at: daysAgo(1, 11), slaMs: 5 * MIN, phases: { totalMs: 3 * MIN, fulfilMs: 3 * MIN, approvalMs: null, actionsMs: { create_record: 150_000 } } }),
    ...endedWrites(c, { outcome: 'failed', at: daysAgo(1, 12), reason: 'action-failed', action: 'create_record' }),
    ...endedWrites(d, { outcome: 'completed', at: daysAgo(8), slaMs: 30 * MIN, phases: { totalMs: 40 * MIN, fulfilMs: 31 * MIN, approvalMs: 9 * MIN, actionsMs: { create_bucket: 28 * MIN } } }),
  ];
  await applyWrites(writes);
}

beforeAll(async () => {
  h = await startHarness();
  await seedDemoData({ baseUrl: h.runtime.url });
  expect((await api('admin', 'POST', '/api/v1/teams', { id: TEAM, name: 'Ledger', description: 'Analytics test team.' })).status).toBe(201);
  await putVersion(OFFERING, { repo: 'apollo-demo/platform-catalog', path: 'catalog/ledger-record.yaml', sha: 'sha-ledger', ownerTeam: TEAM });
  await writeHistory();
}, 180_000);
afterAll(async () => { await h.close(); });

describe("a team's analytics from a hand-written history", () => {
  it('KPIs, weeks, offerings against their SLA and failure reasons are the hand-computed ones', async () => {
    const res = await get<TeamAnalytics>('viewer', `/api/v1/teams/${TEAM}/analytics`, { days: 30 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const { kpis } = res.body;
    expect(kpis).toMatchObject({ submitted: 4, completed: 3, failed: 1, cancelled: 0, successRate: 0.75 });
    // Fulfil times 1, 3 and 31 minutes: the median is 3 minutes, the 90th percentile 31 (nearest rank).
    expect(kpis.medianFulfilMs).toBe(asRead(3 * MIN));
    expect(kpis.medianFulfilMs! / (3 * MIN)).toBeLessThanOrEqual(1.05);
    expect(kpis.p90FulfilMs).toBe(asRead(31 * MIN));
    // Within SLA: a and b (5m), not d (31 > 30 minutes): 2 of 3.
    expect(kpis.slaCompliance).toBe(0.6667);
    expect(kpis.medianApprovalWaitMs).toBe(asRead(9 * MIN));
    expect(res.body.topFailureReasons).toEqual([{ reason: 'action-failed', label: 'An action failed', count: 1 }]);
    const ledger = res.body.byOffering.find((o) => o.offering.id === 'ledger-record');
    expect(ledger).toMatchObject({ completed: 2, slaMs: 5 * MIN, slaCompliance: 1, offering: { name: 'Ledger record', owner: TEAM } });
    expect(res.body.weeks.reduce((s, w) => s + w.submitted, 0)).toBe(4);
    expect(res.body.weeks.every((w) => new Date(`${w.week}T00:00:00Z`).getUTCDay() === 1)).toBe(true);
  });

  it("the history's summary and failure patterns; the list is for members and operators", async () => {
    const mine = await get<TeamRequestHistory>('operator', `/api/v1/teams/${TEAM}/requests`, { days: 30 });
    expect(mine.status).toBe(200);
    // Submit to completed: 1, 3 and 40 minutes → 44 / 3 on average.
    expect(mine.body.summary).toMatchObject({ submitted: 4, completed: 3, failed: 1, successRate: 0.75, averageCompletionMs: Math.round(44 * MIN / 3), medianCompletionMs: asRead(3 * MIN) });
    expect(mine.body.failurePatterns).toEqual([{ offering: expect.objectContaining({ id: 'ledger-record' }), reason: 'action-failed', label: 'An action failed', action: 'create_record', count: 1 }]);
    const one = await get<TeamRequestHistory>('operator', `/api/v1/teams/${TEAM}/requests`, { days: 30, offering: 's3-bucket' });
    expect(one.body.summary).toMatchObject({ submitted: 1, completed: 1, failed: 0 });
    const refused = await api<{ error: { message: string } }>('developer', 'GET', `/api/v1/teams/${TEAM}/requests`);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain('members');
    expect((await api('viewer', 'GET', '/api/v1/teams/nobody/analytics')).status).toBe(404);
    expect((await get('viewer', `/api/v1/teams/${TEAM}/analytics`, { days: 3 })).status).toBe(400);
    expect((await get('viewer', `/api/v1/teams/${TEAM}/analytics`, { window: 3 })).status).toBe(400);
  });

  it('usage and the catalog the team owns', async () => {
    const usage = await get<TeamUsage>('viewer', `/api/v1/teams/${TEAM}/usage`, { days: 30 });
    expect(usage.status).toBe(200);
    expect(usage.body.active).toEqual([
      { kind: 'networking', offering: expect.objectContaining({ id: 'ledger-record' }), active: 2 },
      { kind: 'storage', offering: expect.objectContaining({ id: 's3-bucket' }), active: 1 },
    ]);
    expect(usage.body.weeks.reduce((s, w) => s + (w.provisioned.networking ?? 0), 0)).toBe(2);
    const catalog = await get<TeamCatalog>('viewer', `/api/v1/teams/${TEAM}/catalog`, { days: 30 });
    expect(catalog.body.items).toEqual([expect.objectContaining({
      offering: expect.objectContaining({ id: 'ledger-record' }), requests: 3, requesters: 2, teams: 1, completed: 2, failed: 1, successRate: 0.6667, slaMs: 5 * MIN, slaCompliance: 1,
      medianMs: asRead(1 * MIN), p90Ms: asRead(3 * MIN),
    })]);
  });
});

describe('counted on write', () => {
  it('a real request is counted when submitted and when it completes', async () => {
    const before = (await get<TeamAnalytics>('operator', `/api/v1/teams/payments/analytics`, { days: 7 })).body.kpis;
    const id = await submit('ledger-record', { name: 'counted' });
    await reaches(id, ['completed']);
    // The completion is counted right after the status says completed: wait for it.
    const kpis = async () => (await get<TeamAnalytics>('operator', `/api/v1/teams/payments/analytics`, { days: 7 })).body.kpis;
    await until(async () => (await kpis()).completed === before.completed + 1, 10_000);
    const after = await kpis();
    expect(after.submitted).toBe(before.submitted + 1);
    expect(after.completed).toBe(before.completed + 1);
    const history = await get<TeamRequestHistory>('developer', `/api/v1/teams/payments/requests`, { limit: 5 });
    expect(history.body.items[0]!.id).toBe(id);
  });
});

describe('platform stats', () => {
  it('usage: popular offerings, adoption by team and the directory share (operators)', async () => {
    expect((await api('developer', 'GET', '/api/v1/stats/usage')).status).toBe(403);
    const res = await get<UsageStats>('operator', `/api/v1/stats/usage`, { days: 90 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.popularOfferings.length).toBeGreaterThan(3);
    expect(res.body.adoptionByTeam.map((t) => t.team)).toEqual(expect.arrayContaining(['payments', 'growth', TEAM]));
    expect(res.body.adoption.directory).toBe('the local directory');
    expect(res.body.adoption.directoryUsers).toBeGreaterThanOrEqual(12);
    expect(res.body.adoption.share).toBe(Math.round((res.body.adoption.activeEngineers / res.body.adoption.directoryUsers!) * 10_000) / 10_000);
    expect(res.body.adoption.target).toBe(0.8);
  });

  it('performance: against the SLA and the manual baseline, and the bottleneck', async () => {
    const res = await api<PerformanceStats>('operator', 'GET', '/api/v1/stats/performance');
    expect(res.status).toBe(200);
    const postgres = res.body.items.find((i) => i.offering.id === 'postgresql-database')!;
    expect(postgres.manualBaselineMs).toBe(5 * 86_400_000);
    expect(postgres.reduction).toBeGreaterThan(0.9);
    expect(postgres.bottleneck).not.toBeNull();
    const s3 = res.body.items.find((i) => i.offering.id === 's3-bucket')!;
    expect(s3.phases.approvalMs + s3.phases.actionsMs + s3.phases.queueMs).toBeGreaterThan(0);
    expect(res.body.overall.completed).toBeGreaterThan(50);
  });
});

describe('the demo history as past runs', () => {
  it("a dry run of PostgreSQL expects its seeded run times (9 to 28 minutes of work), not \"no past runs yet\"", async () => {
    const res = await api<{ expectedDuration: { source: string; seconds: number } }>('viewer', 'POST', '/api/v1/simulate/fulfillment', {
      offeringId: 'postgresql-database', fields: { service: 'frontend', db_name: 'orders', environment: 'dev' },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.expectedDuration.source).toBe('past-runs');
    expect(res.body.expectedDuration.seconds).toBeGreaterThanOrEqual(9 * 60);
    expect(res.body.expectedDuration.seconds).toBeLessThanOrEqual(28 * 60);
  });
});

describe('the demo history as the teams read it', () => {
  it('an automated offering fails in an action, only a manual one fails as "manual fulfilment failed"', async () => {
    const patterns: Array<{ offering: string; reason: string; action: string | null }> = [];
    for (const team of ['payments', 'growth', 'data', 'platform']) {
      const res = await get<TeamRequestHistory>('operator', `/api/v1/teams/${team}/requests`, { days: 90 });
      expect(res.status).toBe(200);
      patterns.push(...res.body.failurePatterns.map((p) => ({ offering: p.offering.id, reason: p.reason, action: p.action })));
    }
    expect(patterns.some((p) => p.reason === 'action-failed')).toBe(true);
    expect([...new Set(patterns.filter((p) => p.reason === 'manual-failed').map((p) => p.offering))].filter((o) => o !== 'access-request')).toEqual([]);
    expect(patterns.filter((p) => p.reason === 'action-failed').every((p) => p.action !== null)).toBe(true);
  });

  it("the list covers the summary's window: a shorter window lists only the requests submitted within it", async () => {
    // Arrange: growth's twelve weeks of demo history (nobody in this file submits for growth)
    const all = await get<TeamRequestHistory>('operator', '/api/v1/teams/growth/requests', { days: 90, limit: 200 });
    expect(all.body.items.some((r) => r.createdAt < daysAgo(30, 0))).toBe(true);

    // Act
    const month = await get<TeamRequestHistory>('operator', '/api/v1/teams/growth/requests', { days: 30, limit: 200 });
    const failed = await get<TeamRequestHistory>('operator', '/api/v1/teams/growth/requests', { days: 30, status: 'failed', limit: 200 });

    // Assert: the same requests as the summary counts, and the failed ones among them
    expect(month.status).toBe(200);
    expect(month.body.items.every((r) => r.createdAt >= `${month.body.window.from}T00:00:00.000Z`)).toBe(true);
    expect(month.body.items).toHaveLength(month.body.summary.submitted);
    expect(failed.body.items.every((r) => r.status === 'failed' && r.createdAt >= `${failed.body.window.from}T00:00:00.000Z`)).toBe(true);
    expect(failed.body.items.map((r) => r.id)).toEqual(month.body.items.filter((r) => r.status === 'failed').map((r) => r.id));
  });
});

describe('the request audit trail', () => {
  it('lists request entries with filters, and exports them as CSV and JSON (admins)', async () => {
    const id = await submit('ledger-record', { name: 'audited' });
    await reaches(id, ['completed']);
    expect((await api('operator', 'GET', '/api/v1/audit/requests')).status).toBe(403);
    const list = await get<AuditList>('admin', `/api/v1/audit/requests`, { requestId: id });
    expect(list.status, JSON.stringify(list.body)).toBe(200);
    expect(list.body.items.map((e) => e.action)).toContain('requests.submit');
    const all = await get<AuditList>('admin', `/api/v1/audit/requests`, { limit: 200 });
    expect(all.body.items.every((e) => ['request', 'approval', 'approval-delegation'].includes(e.resourceType) || e.action.startsWith('quotas.'))).toBe(true);
    const csv = await h.client('admin').send('GET', '/api/v1/audit/requests/export', { query: { requestId: id } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.headers.get('content-disposition')).toMatch(/attachment; filename="apollo-request-audit-.*\.csv"/);
    const lines = (csv.body as string).trim().split('\r\n');
    expect(lines[0]).toBe('at,id,actor,actorType,actorRole,action,resourceType,resourceId,outcome,statusCode,errorCode,aiSessionId,requestId,details');
    expect(lines.some((l) => l.includes('requests.submit') && l.includes(id))).toBe(true);
    const json = await h.client('admin').send('GET', '/api/v1/audit/requests/export', { query: { requestId: id, format: 'json' } });
    expect((json.body as { items: Array<{ resourceId: string }> }).items.every((e) => e.resourceId === id)).toBe(true);
    expect((await h.client('admin').send('GET', '/api/v1/audit/requests/export', { query: { format: 'xml' } })).status).toBe(400);
  });
});
