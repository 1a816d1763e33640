/**
 * The studio's dry run through the local gateway (SigV4, the offerings Lambda's handler, the real
 * fulfillment.asl.json on aws-local-stepfunctions): every demo offering as `npm start` seeds it, happy and with
 * each scenario, while the local fakes (Terraform Cloud, JIRA, GitHub, the integrations under /fakes/) count
 * the calls they receive: none. Bad bodies are 400 with their paths, an unknown offering 404.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulationRequest, SimulationResult } from '#schemas/index.ts';
import { seedDemoData } from '#local/seed';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
const PATH = '/api/v1/simulate/fulfillment';
const EXAMPLES = ['access-request', 'dns-record', 'feature-environment', 'new-microservice-repository', 'postgresql-database', 's3-bucket'];

interface ErrorBody { error: { code: string; message: string; details?: Array<{ path: string; message: string }> } }
const simulate = async <T = SimulationResult>(body: unknown, role: 'developer' | 'viewer' = 'developer') => {
  const res = await h.client(role).send('POST', PATH, { body: body as Record<string, unknown> });
  return res as typeof res & { body: T };
};

/** Every call the local fakes received so far. */
const outsideCalls = (): number => (h.runtime.terraform?.requests.length ?? 0) + (h.runtime.jira?.requests.length ?? 0)
  + (h.runtime.github?.fake.requests.length ?? 0) + h.runtime.integrations.received().length;

beforeAll(async () => {
  h = await startHarness();
  await seedDemoData({ baseUrl: h.runtime.url });
}, 90_000);
afterAll(async () => { await h.close(); });

describe('a dry run of each demo offering', () => {
  it.each(EXAMPLES)('%s: happy, an action failing, approval rejected and a cancel each end as the fulfilment would, and no fake is called', async (id) => {
    // Prepare
    const before = outsideCalls();
    const happy = await simulate({ offeringId: id, environment: 'prod' });
    expect(happy.status, JSON.stringify(happy.body)).toBe(200);
    const first = happy.body.offering.fulfillment === 'automated' ? happy.body.actions.find((a) => a.phase === 'forward' && a.outcome !== 'skipped') : undefined;
    const scenarios: SimulationRequest['scenario'][] = [
      { kind: 'approval-rejected' },
      first ? { kind: 'cancel', afterAction: first.id } : { kind: 'cancel' },
      ...(first ? [{ kind: 'action-fails' as const, actionId: first.id }] : []),
    ];

    // Act
    const results = await Promise.all(scenarios.map((scenario) => simulate({ offeringId: id, environment: 'prod', scenario })));

    // Assess
    expect(happy.body.outcome, JSON.stringify(happy.body.problems.filter((p) => p.severity === 'error'))).toBe('completed');
    expect(happy.body.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(results.map((r) => r.status)).toEqual(scenarios.map(() => 200));
    const [rejected, cancelled, failed] = results.map((r) => r.body);
    expect(rejected!.outcome).toBe(happy.body.approval.required ? 'failed' : 'completed');
    expect(cancelled!.outcome).toBe('cancelled');
    if (failed) expect(failed.failure).toMatchObject({ kind: 'action-failed', actionId: first!.id });
    expect(outsideCalls()).toBe(before);
  }, 60_000);
});

describe('the PostgreSQL offering with "Terraform fails"', () => {
  it('previews the retries and the rollback, renders the inputs masked as the executors would, and calls nothing', async () => {
    // Prepare
    const before = outsideCalls();

    // Act
    const { status, body } = await simulate({
      offeringId: 'postgresql-database', fields: { service: 'orders-service', db_name: 'orders', admin_password: 'correct-horse-battery-staple' },
      environment: 'prod', scenario: { kind: 'action-fails', actionId: 'provision' },
    });

    // Assess
    expect(status).toBe(200);
    expect(body.outcome).toBe('failed');
    expect(body.rollback).toEqual([{ id: 'destroy', name: 'Destroy the RDS instance', forActionId: 'provision' }]);
    expect(body.path.filter((p) => p.phase === 'rollback' && p.state === 'StartAction').map((p) => p.actionId)).toEqual(['destroy']);
    expect(body.path.filter((p) => p.state === 'RetryWait').map((p) => p.seconds)).toEqual([15]);
    expect(JSON.stringify(body)).not.toContain('correct-horse-battery-staple');
    const provision = body.actions.find((a) => a.id === 'provision')!;
    expect(provision.wouldCall).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/api\/v2\/organizations\/acme-platform\/workspaces\/pg-orders-prod$/);
    expect(provision.input).toMatchObject({ workspace: 'pg-orders-prod', auth: 'bearer' });
    expect(body.problems).toContainEqual(expect.objectContaining({ code: 'no-rollback', actionId: 'register' }));
    expect(body.engine).toEqual({ definition: 'state-machines/fulfillment.asl.json', runtime: 'aws-local-stepfunctions (in process)', outsideCalls: 0 });
    expect(outsideCalls()).toBe(before);
  }, 60_000);

  it('simulates a document from the studio, unsaved', async () => {
    // Prepare
    const yaml = readFileSync(new URL('../../examples/catalog/postgresql-database.yaml', import.meta.url), 'utf8').replace('id: postgresql-database', 'id: postgresql-draft');

    // Act
    const { status, body } = await simulate({ yaml, fields: { service: 'orders-service', db_name: 'orders' } });

    // Assess
    expect(status).toBe(200);
    expect(body.offering).toMatchObject({ id: 'postgresql-draft', from: 'document' });
    expect(body.outcome).toBe('completed');
  }, 60_000);
});

describe('what a request could not get past', () => {
  it('values the form refuses: the outcome says submit would refuse them (nothing runs), never "completed"', async () => {
    // Act
    const { status, body } = await simulate({ offeringId: 'postgresql-database', fields: { service: 'orders-service', db_name: 'BAD NAME', storage_gb: 'lots' }, environment: 'prod' });

    // Assess
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.outcome).toBe('refused');
    expect(body.failure?.kind).toBe('refused');
    expect(body.failure?.message).toMatch(/^a request with these values is refused at submit, so nothing would run: field db_name .*; field storage_gb /);
    expect(body.path).toEqual([]);
    expect(body.approval).toMatchObject({ required: true, decision: 'not-reached' });
    expect(body.problems.filter((p) => p.code === 'field').map((p) => p.severity)).toEqual(['error', 'error']);
    expect(body.actions.every((a) => a.outcome === 'not-reached')).toBe(true);
  });

  it('over quota: the run stops before the approval, which reads not reached', async () => {
    // Prepare
    const limit = (value: number | null) => h.client('admin').send('POST', '/api/v1/quota/limits/growth', { body: { limits: [{ resource: 'postgresql-databases', environment: 'prod', limit: value }] } });
    expect((await limit(0)).status).toBe(200);

    // Act
    const { body } = await simulate({ offeringId: 'postgresql-database', fields: { service: 'orders-service', db_name: 'orders' }, environment: 'prod', team: 'growth' });
    await limit(null);

    // Assess
    expect(body.outcome).toBe('failed');
    expect(body.failure?.kind).toBe('quota');
    expect(body.path.map((p) => p.state)).not.toContain('AwaitApproval');
    expect(body.approval).toMatchObject({ required: true, decision: 'not-reached' });
  });

  it('over a sum: the storage its size field asks for is judged as submit judges it (the requests context\'s own check), with the numbers', async () => {
    // Prepare: growth may hold 100 GiB of PostgreSQL storage in prod; the sample asks for 200.
    const limit = (value: number | null) => h.client('admin').send('POST', '/api/v1/quota/limits/growth', { body: { limits: [{ resource: 'postgresql-storage-gib', environment: 'prod', limit: value }] } });
    expect((await limit(100)).status).toBe(200);

    // Act
    const { body } = await simulate({ offeringId: 'postgresql-database', fields: { service: 'orders-service', db_name: 'orders', storage_gb: 200 }, environment: 'prod', team: 'growth' });
    await limit(null);

    // Assess
    expect(body.quota).toMatchObject({ decision: 'over', resource: 'postgresql-storage-gib', amount: 200, unit: 'GiB', message: expect.stringMatching(/^growth's quota for postgresql-storage-gib in prod is 100 GiB: \d+ in use, \d+ reserved; this request needs 200$/) });
    expect(body.failure?.kind).toBe('quota');
    expect(body.problems).toContainEqual({ severity: 'error', code: 'over-quota', message: `refused at submit: ${body.quota.message}` });
  });
});

describe('refusals', () => {
  it('a team that does not exist is 400 at /body/team, not a silent guess', async () => {
    // Act
    const res = await simulate<ErrorBody>({ offeringId: 'postgresql-database', team: 'nope' });

    // Assess
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: '/body/team', message: 'there is no team nope' }]);
  });

  it('a bad scenario is one error at its field, not one per kind it is not', async () => {
    // Act
    const res = await simulate<ErrorBody>({ offeringId: 'postgresql-database', scenario: { kind: 'action-fails', actionId: 'provision', attempt: 0 } });

    // Assess
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: '/body/scenario/attempt', message: 'must be >= 1' }]);
  });

  it('a bad body is 400 with its paths, unknown fields included', async () => {
    // Act
    const res = await simulate<ErrorBody>({ offeringId: 'postgresql-database', colour: 'red', scenario: { kind: 'explode' } });

    // Assess
    expect(res.status).toBe(400);
    expect(res.body.error.details?.map((d) => d.path)).toEqual(expect.arrayContaining(['/body/colour']));
  });

  it('an unknown offering is 404; a document failing the catalog schema is 400 with its errors', async () => {
    // Act
    const unknown = await simulate<ErrorBody>({ offeringId: 'no-such-offering' });
    const invalid = await simulate<ErrorBody>({ document: { schemaVersion: '2.0', metadata: { id: 'x' } } });

    // Assess
    expect(unknown.status).toBe(404);
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details?.length).toBeGreaterThan(0);
    expect(invalid.body.error.details!.every((d) => d.path.startsWith('/body/document'))).toBe(true);
  });

  it('a viewer may simulate too (catalog:read), and nothing is audited', async () => {
    // Act
    const res = await simulate({ offeringId: 'postgresql-database' }, 'viewer');
    const audit = await h.client('admin').call<{ items: Array<{ action: string }> }>('GET', '/api/v1/audit', { query: { limit: '50' } });

    // Assess
    expect(res.status).toBe(200);
    expect(audit.body.items.some((i) => i.action.includes('simulat'))).toBe(false);
  });
});
