/**
 * The dry run of a fulfilment: the real fulfillment.asl.json on aws-local-stepfunctions with every step
 * simulated. Every demo offering, happy and with each scenario; secrets masked; problems found; nothing called
 * (no HTTP exchange, no Step Functions client). The table is dynalite in memory with the demo catalog seeded.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SimulationResult } from '#schemas/index.ts';
import { ensureTable, startDynalite, type LocalDynamo } from '#local/dynamo';
import type { Resolve } from '#functions/requests/public';
import type * as SimulateModule from './simulate.ts';
import type * as SfnModule from '@aws-sdk/client-sfn';
import type * as HttpsModule from 'node:https';
import type * as HttpModule from 'node:http';

// No Step Functions client may be made: the constructor counts.
const sfnClients = vi.hoisted(() => ({ made: 0 }));
vi.mock('@aws-sdk/client-sfn', async (importOriginal) => {
  const original = await importOriginal<typeof SfnModule>();
  class CountedSFNClient extends original.SFNClient {
    constructor(...args: ConstructorParameters<typeof original.SFNClient>) {
      super(...args);
      sfnClients.made += 1;
    }
  }
  return { ...original, SFNClient: CountedSFNClient };
});
// No outside HTTP exchange may happen: the executors' transport is node:http(s)'s request (functions/requests/actions/http.ts).
const outside = vi.hoisted(() => ({ requests: 0 }));
vi.mock('node:https', async (importOriginal) => {
  const original = await importOriginal<typeof HttpsModule>();
  const request = (...args: Parameters<typeof original.request>) => { outside.requests += 1; return original.request(...args); };
  return { ...original, request, default: { ...original, request } };
});
vi.mock('node:http', async (importOriginal) => {
  const original = await importOriginal<typeof HttpModule>();
  const request = (...args: Parameters<typeof original.request>) => { outside.requests += 1; return original.request(...args); };
  return { ...original, request, default: { ...original, request } };
});

const EXAMPLES = ['access-request', 'dns-record', 'feature-environment', 'new-microservice-repository', 'postgresql-database', 's3-bucket'];
const dana = { principal: 'dana@apollo.local', role: 'developer' as const, teams: ['growth'] };
/** Public names resolve to a public test address (RFC 5737); nothing is looked up. */
const resolve: Resolve = async () => [{ address: '198.51.100.7', family: 4 }];
const NOW = new Date('2026-12-05T10:00:00Z');

let dynamo: LocalDynamo;
let sim: typeof SimulateModule;
const run = (body: Parameters<typeof SimulateModule.simulateFulfillment>[0], caller = dana) => sim.simulateFulfillment(body, caller, { resolve, now: NOW });
const states = (result: SimulationResult) => result.path.map((p) => p.state);

beforeAll(async () => {
  dynamo = await startDynalite(undefined);
  Object.assign(process.env, {
    APOLLO_RUNTIME: 'local', TABLE_NAME: 'apollo-simulate-test', AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test',
    APOLLO_TEMPLATE_ENV: 'APOLLO_SERVICE_REGISTRY_URL,APOLLO_FAKES_URL', APOLLO_SERVICE_REGISTRY_URL: 'https://registry.example.com', APOLLO_FAKES_URL: 'https://fakes.example.com',
    APOLLO_JIRA_URL: 'https://acme.atlassian.net',
  });
  await ensureTable(dynamo.endpoint, 'apollo-simulate-test', 'eu-west-1');
  const { createTeam } = await import('#functions/identity/teams');
  await createTeam({ id: 'growth', name: 'Growth' }, 'test');
  const { seedDemoOfferings } = await import('#local/demo-offerings');
  await seedDemoOfferings();
  sim = await import('./simulate.ts');
});
afterAll(async () => {
  await dynamo?.close();
});

describe('a dry run of every demo offering', () => {
  it.each(EXAMPLES)('%s: happy path, and each scenario, end as the fulfilment would, calling nothing', async (id) => {
    // Prepare
    const happy = await run({ offeringId: id, environment: 'prod' });
    const first = happy.offering.fulfillment === 'automated' ? happy.actions.find((a) => a.phase === 'forward' && a.outcome !== 'skipped') : undefined;

    // Act
    const rejected = await run({ offeringId: id, environment: 'prod', scenario: { kind: 'approval-rejected' } });
    const cancelled = await run({ offeringId: id, environment: 'prod', scenario: first ? { kind: 'cancel', afterAction: first.id } : { kind: 'cancel' } });
    const failed = first ? await run({ offeringId: id, environment: 'prod', scenario: { kind: 'action-fails', actionId: first.id } }) : undefined;

    // Assess
    expect(happy.outcome, JSON.stringify(happy.problems)).toBe('completed');
    expect(states(happy)[0]).toBe('Start');
    expect(states(happy).at(-1)).toBe('Completed');
    expect(happy.engine.outsideCalls).toBe(0);
    if (happy.approval.required) {
      expect(rejected.outcome).toBe('failed');
      expect(rejected.failure?.kind).toBe('approval-rejected');
      expect(states(rejected)).toContain('ApprovalRejected');
    } else {
      expect(rejected.outcome).toBe('completed');
    }
    expect(cancelled.outcome).toBe('cancelled');
    expect(states(cancelled)).toContain('CancelRequested');
    if (failed && first) {
      expect(failed.outcome).toBe('failed');
      expect(failed.failure).toMatchObject({ kind: 'action-failed', actionId: first.id });
      expect(failed.actions.find((a) => a.id === first.id && a.phase === 'forward')?.attempts.length).toBe(first.retry.maxAttempts);
    }
    expect(outside.requests).toBe(0);
    expect(sfnClients.made).toBe(0);
  });
});

describe('the PostgreSQL offering', () => {
  it('previews the rollback when Terraform fails: its retries, then the destroy, with what stays named', async () => {
    // Act
    const result = await run({ offeringId: 'postgresql-database', fields: { service: 'orders', db_name: 'orders' }, environment: 'prod', team: 'growth', scenario: { kind: 'action-fails', actionId: 'provision' } });

    // Assess
    expect(result.outcome).toBe('failed');
    expect(result.failure).toEqual({ kind: 'action-failed', actionId: 'provision', message: 'an action failed (provision, after 2 attempts): the Terraform run errored (simulated, attempt 2)' });
    expect(states(result)).toEqual([
      'Start', 'Validate', 'IsValid', 'QuotaCheck', 'QuotaPassed', 'NeedsApproval', 'AwaitApproval', 'Queue', 'Admitted', 'Route',
      'NextAction', 'HasAction', 'StartAction', 'Started', 'AwaitAction', 'CheckAction', 'Started', 'RetryWait', 'AfterWait',
      'NextAction', 'HasAction', 'StartAction', 'Started', 'AwaitAction', 'CheckAction', 'Started', 'ActionFailed', 'ForwardFailed',
      'Undo', 'NeedsUndo', 'RollbackPhase', 'NextRollback', 'HasRollback', 'StartAction', 'Started', 'AwaitAction', 'CheckAction', 'Started',
      'CollectAction', 'AfterCollect', 'NextRollback', 'HasRollback', 'Finish', 'RecordFailure', 'Failed',
    ]);
    expect(result.path.find((p) => p.state === 'RetryWait')).toMatchObject({ seconds: 15, phase: 'forward' });
    expect(result.path.filter((p) => p.phase === 'rollback').map((p) => p.actionId).filter(Boolean)).toContain('destroy');
    expect(result.rollback).toEqual([{ id: 'destroy', name: 'Destroy the RDS instance', forActionId: 'provision' }]);
    expect(result.actions.map((a) => [a.id, a.phase, a.outcome])).toEqual([['provision', 'forward', 'failed'], ['register', 'forward', 'not-reached'], ['destroy', 'rollback', 'succeeded']]);
    expect(result.actions[0]).toMatchObject({ retry: { maxAttempts: 2, backoff: 'fixed', intervalSeconds: 15, delaysSeconds: [15] }, timeoutSeconds: 2700, pollSeconds: 15 });
    expect(result.approval).toMatchObject({ required: true, decision: 'approved', rule: { approvers: { teams: ['platform'] }, mode: 'any' }, timeoutSeconds: 259200 });
    expect(result.quota).toMatchObject({ decision: 'no-limit', resource: 'postgresql-databases', amount: 1 });
    expect(result.expectedDuration).toMatchObject({ source: 'sla', seconds: 7200, slaSeconds: 7200 });
    expect(result.problems).toContainEqual(expect.objectContaining({ code: 'no-rollback', actionId: 'register', severity: 'warning' }));
  });

  it('masks secrets and secret fields in every rendered input, and names the call it did not make', async () => {
    // Act
    const result = await run({ offeringId: 'postgresql-database', fields: { service: 'orders', db_name: 'orders', admin_password: 'correct-horse-battery-staple' }, environment: 'prod' });

    // Assess
    const text = JSON.stringify(result);
    expect(text).not.toContain('correct-horse-battery-staple');
    expect(text).not.toContain('simulated-secret-value');
    expect(result.fields.admin_password).toBe('••••');
    const provision = result.actions.find((a) => a.id === 'provision')!;
    expect(provision.input).toMatchObject({ host: 'https://app.terraform.io', organization: 'acme-platform', workspace: 'pg-orders-prod', operation: 'apply', auth: 'bearer' });
    expect((provision.input as { variables: Record<string, unknown> }).variables).toMatchObject({ identifier: 'orders-prod', master_password: '‹secret field:admin_password›', multi_az: true });
    expect(provision.wouldCall).toBe('GET https://app.terraform.io/api/v2/organizations/acme-platform/workspaces/pg-orders-prod');
    const register = result.actions.find((a) => a.id === 'register')!;
    expect(register.input).toMatchObject({ method: 'PUT', url: 'https://registry.example.com/services/orders/dependencies', headers: expect.objectContaining({ Authorization: '••••' }) });
    expect(JSON.stringify(register.input)).toContain('orders at simulated-provision-endpoint:simulated-provision-port');
  });

  it('answers the quota decision from the team\'s limits, read only', async () => {
    // Prepare
    const { setQuotaLimits } = await import('#functions/requests/quotas');
    await setQuotaLimits('growth', { limits: [{ resource: 'postgresql-databases', environment: 'prod', limit: 0 }] }, 'admin@apollo.local');

    // Act
    const result = await run({ offeringId: 'postgresql-database', fields: { service: 'orders', db_name: 'orders' }, environment: 'prod', team: 'growth' });

    // Assess
    expect(result.outcome).toBe('failed');
    expect(result.failure?.kind).toBe('quota');
    expect(result.quota).toMatchObject({ decision: 'over', scopes: [{ environment: 'prod', limit: 0, used: 0, reserved: 0 }, { environment: null, limit: null, used: 0, reserved: 0 }] });
    expect(result.problems).toContainEqual(expect.objectContaining({ code: 'over-quota', severity: 'error' }));
    expect(states(result)).toEqual(['Start', 'Validate', 'IsValid', 'QuotaCheck', 'QuotaPassed', 'OverQuota', 'RecordFailure', 'Failed']);
    await setQuotaLimits('growth', { limits: [{ resource: 'postgresql-databases', environment: 'prod', limit: null }] }, 'admin@apollo.local');
  });
});

describe('the expected duration', () => {
  it('is the median of the offering\'s past fulfilments once there are three, with its SLA beside it', async () => {
    // Prepare
    const { recordDuration } = await import('#functions/requests/records');
    for (const minutes of [50, 70, 65]) await recordDuration('s3-bucket', minutes * 60_000);

    // Act
    const result = await run({ offeringId: 's3-bucket' });

    // Assess
    expect(result.expectedDuration).toMatchObject({ source: 'past-runs', seconds: 3900 });
    expect(result.expectedDuration.simulatedSeconds).toBeGreaterThan(0);
  });
});

describe('a manual offering', () => {
  it('opens its ticket as the fulfilment would (rendered by the JIRA executor, not called), then waits for the owning team', async () => {
    // Act
    const result = await run({ offeringId: 'access-request', environment: 'prod' });

    // Assess
    expect(result.outcome).toBe('completed');
    expect(states(result)).toEqual(expect.arrayContaining(['OpenTicket', 'AwaitManual', 'CheckManual', 'ManualDone', 'Complete']));
    const ticket = result.actions.find((a) => a.id === 'ticket')!;
    expect(ticket).toMatchObject({ type: 'jira', outcome: 'succeeded', input: { method: 'POST', url: 'https://acme.atlassian.net/rest/api/3/issue' } });
    expect(ticket.wouldCall).toBe('POST https://acme.atlassian.net/rest/api/3/search/jql');
    expect(result.path.find((p) => p.state === 'OpenTicket')?.actionId).toBe('ticket');
  });
});

describe('problems', () => {
  const doc = (actions: unknown[], rollbackActions: unknown[] = []) => ({
    schemaVersion: '2.0',
    metadata: { id: 'probe', name: 'Probe', description: 'A probe offering for the dry run.', category: 'testing', owner: 'platform', version: '1.0.0' },
    presentation: { fields: [{ id: 'name', type: 'string', label: 'Name', default: 'alpha' }, { id: 'big', type: 'boolean', label: 'Big', default: false }] },
    fulfillment: { type: 'automated', actions, ...(rollbackActions.length ? { rollbackActions } : {}) },
    access: { request: { roles: ['developer'] } },
  });

  it('finds a missing output, a forbidden URL and an action without a rollback, and the path fails where the run would', async () => {
    // Prepare
    const document = doc([
      { id: 'create', type: 'rest', when: { field: 'big', equals: true }, rollback: 'remove', config: { method: 'POST', url: 'https://api.example.com/things', body: { name: '{{fields.name}}' } }, outputs: [{ name: 'id', from: '/id' }] },
      { id: 'tag', type: 'rest', config: { method: 'POST', url: 'https://api.example.com/tags/{{output.create.id}}' } },
      { id: 'meta', type: 'webhook', config: { url: 'http://169.254.169.254/latest/meta-data', secret: '{{secrets.hook_secret}}', payload: { name: '{{fields.name}}' } } },
    ], [{ id: 'remove', type: 'rest', config: { method: 'DELETE', url: 'https://api.example.com/things/{{output.create.id}}' } }]);

    // Act
    const result = await run({ document });

    // Assess
    const codes = result.problems.map((p) => [p.code, p.actionId, p.severity]);
    expect(codes).toContainEqual(['missing-output', 'tag', 'error']);
    expect(codes).toContainEqual(['egress-refused', 'meta', 'error']);
    expect(codes).toContainEqual(['no-rollback', 'tag', 'warning']);
    expect(result.outcome).toBe('failed');
    expect(result.failure).toMatchObject({ kind: 'action-failed', actionId: 'tag' });
    expect(result.actions.map((a) => [a.id, a.outcome])).toEqual([['create', 'skipped'], ['tag', 'failed'], ['meta', 'not-reached']]);
    expect(result.offering).toEqual({ id: 'probe', name: 'Probe', version: '1.0.0', fulfillment: 'automated', from: 'document' });
  });

  it('cancelled after an action: the rollbacks of what was done run newest first, what comes after is never started', async () => {
    // Prepare
    const rest = (id: string, rollback?: string) => ({ id, type: 'rest', ...(rollback ? { rollback } : {}), config: { method: 'POST', url: `https://api.example.com/${id}` } });
    const document = doc([rest('first', 'undo_first'), rest('second', 'undo_second'), rest('third', 'undo_third')], [rest('undo_first'), rest('undo_second'), rest('undo_third')]);

    // Act
    const result = await run({ document, scenario: { kind: 'cancel', afterAction: 'second' } });

    // Assess
    expect(result.outcome).toBe('cancelled');
    expect(result.rollback.map((r) => [r.id, r.forActionId])).toEqual([['undo_second', 'second'], ['undo_first', 'first']]);
    expect(result.path.filter((p) => p.state === 'StartAction').map((p) => [p.phase, p.actionId])).toEqual([
      ['forward', 'first'], ['forward', 'second'], ['rollback', 'undo_second'], ['rollback', 'undo_first'],
    ]);
    expect(result.actions.map((a) => [a.id, a.outcome])).toEqual([
      ['first', 'succeeded'], ['second', 'succeeded'], ['third', 'cancelled'], ['undo_second', 'succeeded'], ['undo_first', 'succeeded'],
    ]);
  });

  it('an action failing at an attempt its policy retries: the backoff, then the next attempt succeeds', async () => {
    // Prepare
    const document = doc([{ id: 'call', type: 'rest', retry: { maxAttempts: 3, backoff: 'exponential', interval: '10s' }, config: { method: 'POST', url: 'https://api.example.com/x' } }]);

    // Act
    const result = await run({ document, scenario: { kind: 'action-fails', actionId: 'call', attempt: 2 } });

    // Assess
    expect(result.outcome).toBe('completed');
    expect(result.actions[0]).toMatchObject({ outcome: 'succeeded', retry: { delaysSeconds: [10, 20] }, attempts: [{ attempt: 1, outcome: 'retry' }, { attempt: 2, outcome: 'retry' }, { attempt: 3, outcome: 'succeeded' }] });
    expect(result.path.filter((p) => p.state === 'RetryWait').map((p) => p.seconds)).toEqual([10, 20]);
  });

  it('refuses a document that fails the catalog schema with its errors, an unknown offering with 404, and a scenario naming no action', async () => {
    // Act
    const invalid = run({ yaml: 'schemaVersion: "2.0"\nmetadata: {id: x}\n' });
    const unknown = run({ offeringId: 'no-such-offering' });
    const scenario = run({ offeringId: 'postgresql-database', scenario: { kind: 'action-fails', actionId: 'nope' } });

    // Assess
    await expect(invalid).rejects.toMatchObject({ name: 'ValidationError', details: expect.arrayContaining([expect.objectContaining({ path: '/body/yaml' })]) });
    await expect(unknown).rejects.toMatchObject({ name: 'NotFoundError' });
    await expect(scenario).rejects.toMatchObject({ name: 'ValidationError', details: [{ path: '/body/scenario/actionId', message: 'not one of its actions (provision, register)' }] });
  });
});
