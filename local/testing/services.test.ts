/**
 * The service catalog over signed HTTP through the local runtime: register, read, edit with
 * If-Match, deregister keeping history, environments, dependencies (transitive, with a cycle),
 * runbooks, health, the typo-tolerant search, filters, sort and pagination, and who may do what.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { presignConnectUrl } from '#shared/realtime-client';
import type { AuditList, DependencyGraph, Environment, EnvironmentList, Runbook, RunbookList, Service, ServiceHealth, ServiceList } from '#schemas/index.ts';
import { setEnvironmentHealth } from '../../functions/services/service-health.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
const admin = () => h.client('admin');
const developer = () => h.client('developer');
const viewer = () => h.client('viewer');

async function register(body: Record<string, unknown>): Promise<Service> {
  const res = await admin().send('POST', '/api/v1/services', { body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as Service;
}

async function list(query: Record<string, string>): Promise<ServiceList> {
  const res = await viewer().send('GET', '/api/v1/services', { query });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as ServiceList;
}

const names = (page: ServiceList) => page.items.map((s) => s.name);

beforeAll(async () => {
  h = await startHarness();
  for (const [id, name] of [['platform', 'Platform'], ['payments', 'Payments'], ['growth', 'Growth']]) {
    expect((await admin().send('POST', '/api/v1/teams', { body: { id, name } })).status).toBe(201);
  }
  // The local developer is in payments only.
  expect((await admin().send('PUT', '/api/v1/teams/payments/members/developer@apollo.local', { body: {} })).status).toBe(201);
});
afterAll(async () => { await h.close(); });

describe('registering and reading a service', () => {
  it('registers a service, answers it with its ETag and location, and a viewer reads it', async () => {
    // Act
    const created = await developer().send('POST', '/api/v1/services', {
      body: { name: 'billing-service', team: 'payments', description: 'Invoices and payment runs', tier: 'critical', language: 'kotlin', framework: 'ktor', tags: ['pci'], repository: 'https://github.com/acme/billing-service' },
    });
    // Assess
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.headers.get('location')).toBe('/api/v1/services/billing-service');
    expect(created.body).toEqual({
      id: 'billing-service', name: 'billing-service', displayName: 'Billing Service', description: 'Invoices and payment runs',
      repository: 'https://github.com/acme/billing-service', team: 'payments', tier: 'critical', language: 'kotlin', framework: 'ktor', tags: ['pci'],
      source: 'manual', drift: [], healthStatus: 'unknown', version: 1,
      createdAt: expect.any(String), createdBy: 'developer@apollo.local', updatedAt: expect.any(String), updatedBy: 'developer@apollo.local',
      environments: [], dependencies: [], runbooks: [],
    });
    const read = await viewer().send('GET', '/api/v1/services/billing-service');
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe('"1"');
    expect(read.body).toEqual(created.body);
  });

  it('rejects bad input with every field path, and unknown fields', async () => {
    const res = await admin().send('POST', '/api/v1/services', { body: { name: 'Bad Name', team: 'payments', tier: 'gold', colour: 'red' } });
    expect(res.status).toBe(400);
    expect((res.body as { error: { details: unknown[] } }).error.details).toEqual([
      { path: '/body/colour', message: 'unknown field' },
      { path: '/body/name', message: 'must match pattern "^[a-z][a-z0-9-]{1,62}$"' },
      { path: '/body/tier', message: 'must be one of: critical, standard, experimental' },
    ]);
    const noTeam = await admin().send('POST', '/api/v1/services', { body: { name: 'orphan-service', team: 'nobody-here' } });
    expect(noTeam.status).toBe(400);
    expect((noTeam.body as { error: { details: unknown[] } }).error.details).toEqual([{ path: '/body/team', message: 'no such team' }]);
  });

  it('refuses a name that is taken with 409, and answers 404 for an unknown service', async () => {
    await register({ name: 'taken-service', team: 'platform' });
    const again = await admin().send('POST', '/api/v1/services', { body: { name: 'taken-service', team: 'growth' } });
    expect(again.status).toBe(409);
    expect((again.body as { error: { message: string; details: unknown[] } }).error).toMatchObject({
      message: 'service taken-service already exists (team platform)', details: [{ path: '/body/name', message: 'already registered' }],
    });
    const missing = await viewer().send('GET', '/api/v1/services/no-such-service');
    expect(missing.status).toBe(404);
    for (const path of ['environments', 'dependencies', 'runbooks', 'health']) {
      expect((await viewer().send('GET', `/api/v1/services/no-such-service/${path}`)).status).toBe(404);
    }
  });

  it('lets a developer register only for their own team; a viewer not at all', async () => {
    const other = await developer().send('POST', '/api/v1/services', { body: { name: 'growth-thing', team: 'growth' } });
    expect(other.status).toBe(403);
    expect((other.body as { error: { message: string } }).error.message).toBe('developer@apollo.local is neither the owner nor in team growth and lacks the permission catalog:manage');
    expect((await viewer().send('POST', '/api/v1/services', { body: { name: 'viewer-thing', team: 'growth' } })).status).toBe(403);
    expect((await viewer().send('GET', '/api/v1/services/growth-thing')).status).toBe(404);
  });
});

describe('editing with If-Match', () => {
  it('updates with the current version, 412 on a stale one, 428 without one', async () => {
    await register({ name: 'edit-me', team: 'payments' });
    const updated = await developer().send('PUT', '/api/v1/services/edit-me', { body: { description: 'Now described', tier: 'experimental' }, ifMatch: 1 });
    expect(updated.status).toBe(200);
    expect(updated.headers.get('etag')).toBe('"2"');
    expect(updated.body).toMatchObject({ description: 'Now described', tier: 'experimental', version: 2, updatedBy: 'developer@apollo.local' });

    const stale = await developer().send('PUT', '/api/v1/services/edit-me', { body: { description: 'Lost update' }, ifMatch: 1 });
    expect(stale.status).toBe(412);
    expect((stale.body as { error: { code: string } }).error.code).toBe('PreconditionFailed');
    const none = await developer().send('PUT', '/api/v1/services/edit-me', { body: { description: 'Blind write' } });
    expect(none.status).toBe(428);
    expect(((await viewer().send('GET', '/api/v1/services/edit-me')).body as Service).description).toBe('Now described');
  });

  it('forbids a developer of another team to edit (403), lets an admin, and records the edit in the audit log', async () => {
    await register({ name: 'platform-only', team: 'platform' });
    const refused = await developer().send('PUT', '/api/v1/services/platform-only', { body: { description: 'not mine' }, ifMatch: 1 });
    expect(refused.status).toBe(403);
    expect((await admin().send('PUT', '/api/v1/services/platform-only', { body: { description: 'Edited by an admin' }, ifMatch: 1 })).status).toBe(200);

    const audit = (await admin().call<AuditList>('GET', '/api/v1/audit', { query: { resourceId: 'platform-only', resourceType: 'service' } })).body;
    expect(audit.items.map((e) => [e.action, e.actor, e.outcome, e.statusCode])).toEqual([
      ['services.update', 'admin@apollo.local', 'succeeded', 200],
      ['services.update', 'developer@apollo.local', 'failed', 403],
      ['services.register', 'admin@apollo.local', 'succeeded', 201],
    ]);
    expect(audit.items[0]!.details).toMatchObject({ id: 'platform-only', body: { description: 'Edited by an admin' }, ifMatch: 1 });
  });

  it('moves a service to another team only when the caller may manage both', async () => {
    await register({ name: 'moving-service', team: 'payments' });
    expect((await developer().send('PUT', '/api/v1/services/moving-service', { body: { team: 'growth' }, ifMatch: 1 })).status).toBe(403);
    const moved = await admin().send('PUT', '/api/v1/services/moving-service', { body: { team: 'growth' }, ifMatch: 1 });
    expect(moved.status).toBe(200);
    expect(names(await list({ team: 'growth' }))).toContain('moving-service');
    expect(names(await list({ team: 'payments' }))).not.toContain('moving-service');
  });
});

describe('deregistering', () => {
  it('keeps a tombstone that still resolves, hides it from the list, audits it and guards its name', async () => {
    await register({ name: 'retired-service', team: 'payments', description: 'Going away' });
    const gone = await developer().send('DELETE', '/api/v1/services/retired-service', { ifMatch: 1 });
    expect(gone.status).toBe(200);
    expect(gone.body).toMatchObject({ name: 'retired-service', deregisteredAt: expect.any(String), deregisteredBy: 'developer@apollo.local', version: 2 });

    // History still resolves the name.
    const read = await viewer().send('GET', '/api/v1/services/retired-service');
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ name: 'retired-service', description: 'Going away', deregisteredAt: (gone.body as Service).deregisteredAt });
    expect(names(await list({ limit: '200' }))).not.toContain('retired-service');
    expect(names(await list({ includeDeregistered: 'true', limit: '200' }))).toContain('retired-service');

    const audit = (await admin().call<AuditList>('GET', '/api/v1/audit', { query: { resourceId: 'retired-service', resourceType: 'service' } })).body;
    expect(audit.items.map((e) => [e.action, e.actor, e.outcome])).toEqual([
      ['services.deregister', 'developer@apollo.local', 'succeeded'],
      ['services.register', 'admin@apollo.local', 'succeeded'],
    ]);

    // Changing a tombstone is a conflict; another team can't take the name; an admin can.
    expect((await developer().send('PUT', '/api/v1/services/retired-service', { body: { description: 'x' }, ifMatch: 2 })).status).toBe(409);
    const grab = await developer().send('POST', '/api/v1/services', { body: { name: 'retired-service', team: 'payments' } });
    expect(grab.status).toBe(201); // the tombstone's own team may re-register it
    expect(grab.body).toMatchObject({ team: 'payments', version: 3 });
    expect(grab.body).not.toHaveProperty('deregisteredAt');

    // A platform service's tombstone: a developer of payments can't take its name; an admin can.
    await register({ name: 'platform-retired', team: 'platform' });
    expect((await admin().send('DELETE', '/api/v1/services/platform-retired', { ifMatch: 1 })).status).toBe(200);
    const otherTeam = await developer().send('POST', '/api/v1/services', { body: { name: 'platform-retired', team: 'payments' } });
    expect(otherTeam.status).toBe(403);
    const byAdmin = await admin().send('POST', '/api/v1/services', { body: { name: 'platform-retired', team: 'payments' } });
    expect(byAdmin.status).toBe(201);
    expect(byAdmin.body).toMatchObject({ team: 'payments', version: 3 });
  });
});

describe('environments', () => {
  it('creates, replaces and removes an environment; the service summarises it', async () => {
    await register({ name: 'env-service', team: 'payments' });
    const body = {
      cluster: 'eks-prod-1', namespace: 'payments',
      deployment: { imageTag: 'v1.2.3', replicas: 3, lastDeployedAt: '2026-11-20T10:00:00.000Z', lastDeployedBy: 'dana@apollo.local', gitCommit: 'abc1234' },
      endpoints: { internal: 'http://env-service.payments.svc:8080', healthCheck: 'http://127.0.0.1:9/health' },
      resources: { cpu: { request: '250m', limit: '1' }, memory: { request: '256Mi', limit: '512Mi' } },
      secrets: [{ name: 'DB_PASSWORD', secretId: 'prod/env-service/db', key: 'password' }],
    };
    const created = await developer().send('PUT', '/api/v1/services/env-service/environments/prod', { body });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      serviceId: 'env-service', name: 'prod', ...body,
      health: { status: 'unknown', reason: 'not checked yet' },
      createdAt: expect.any(String), updatedAt: expect.any(String), updatedBy: 'developer@apollo.local', version: 1,
    });
    const replaced = await developer().send('PUT', '/api/v1/services/env-service/environments/prod', { body: { ...body, deployment: { ...body.deployment, imageTag: 'v1.2.4' } }, ifMatch: 1 });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ version: 2, deployment: { imageTag: 'v1.2.4' } });
    expect((await developer().send('PUT', '/api/v1/services/env-service/environments/prod', { body, ifMatch: 1 })).status).toBe(412);
    await developer().send('PUT', '/api/v1/services/env-service/environments/dev', { body: { cluster: 'eks-dev', namespace: 'payments' } });

    const envs = (await viewer().call<EnvironmentList>('GET', '/api/v1/services/env-service/environments')).body;
    expect(envs.items.map((e) => e.name)).toEqual(['prod', 'dev']);
    const listed = (await list({ q: 'env-service' })).items.find((s) => s.name === 'env-service')!;
    expect(listed.environments).toEqual([
      { name: 'prod', cluster: 'eks-prod-1', healthStatus: 'unknown', lastDeployedAt: '2026-11-20T10:00:00.000Z', imageTag: 'v1.2.4' },
      { name: 'dev', cluster: 'eks-dev', healthStatus: 'unknown' },
    ]);
    expect(listed.lastDeployedAt).toBe('2026-11-20T10:00:00.000Z');

    expect((await developer().send('DELETE', '/api/v1/services/env-service/environments/dev')).status).toBe(204);
    expect((await developer().send('DELETE', '/api/v1/services/env-service/environments/dev')).status).toBe(404);
    expect((await viewer().call<EnvironmentList>('GET', '/api/v1/services/env-service/environments')).body.items.map((e) => e.name)).toEqual(['prod']);
  });

  it('validates the environment body and name with paths, and guards ownership', async () => {
    const bad = await developer().send('PUT', '/api/v1/services/env-service/environments/prod', { body: { cluster: 'eks', namespace: 'Not_A_Namespace', resources: { cpu: { request: 'lots' } }, health: {} } });
    expect(bad.status).toBe(400);
    expect((bad.body as { error: { details: Array<{ path: string }> } }).error.details.map((d) => d.path).sort()).toEqual(
      ['/body/health', '/body/namespace', '/body/resources/cpu/limit', '/body/resources/cpu/request'].sort(),
    );
    const badName = await developer().send('PUT', '/api/v1/services/env-service/environments/PROD_1', { body: { cluster: 'eks', namespace: 'x' } });
    expect(badName.status).toBe(400);
    expect((badName.body as { error: { details: unknown[] } }).error.details).toEqual([{ path: '/path/env', message: 'must be an environment name: 1-32 of a-z 0-9 -, starting with a letter (prod, staging, dev)' }]);
    await register({ name: 'not-payments', team: 'platform' });
    expect((await developer().send('PUT', '/api/v1/services/not-payments/environments/prod', { body: { cluster: 'eks', namespace: 'x' } })).status).toBe(403);
    expect((await developer().send('DELETE', '/api/v1/services/not-payments/environments/prod')).status).toBe(403);
  });
});

describe('health', () => {
  it('aggregates over environments with production weighted and keeps 24 h of samples', async () => {
    await register({ name: 'health-service', team: 'platform' });
    for (const env of ['prod', 'staging', 'dev']) {
      await admin().send('PUT', `/api/v1/services/health-service/environments/${env}`, { body: { cluster: `eks-${env}`, namespace: 'h', endpoints: { healthCheck: `http://127.0.0.1:9/${env}` } } });
    }
    // Prepare: what the health job records
    const dayAndAHourAgo = new Date(Date.now() - 25 * 3600_000).toISOString();
    await setEnvironmentHealth('health-service', 'prod', { status: 'healthy', checkedAt: dayAndAHourAgo, http: { statusCode: 200, latencyMs: 12 } });
    await setEnvironmentHealth('health-service', 'dev', { status: 'down', reason: 'health endpoint answered 503', http: { statusCode: 503, latencyMs: 5 } });
    const update = await setEnvironmentHealth('health-service', 'prod', { status: 'healthy', http: { statusCode: 200, latencyMs: 15 }, kubernetes: { readyReplicas: 3, desiredReplicas: 3, simulated: true } });
    // A down dev makes the service degraded at most.
    expect(update).toMatchObject({ previousStatus: 'healthy', serviceStatus: 'degraded' });

    const health = (await viewer().call<ServiceHealth>('GET', '/api/v1/services/health-service/health')).body;
    expect(health).toMatchObject({ serviceId: 'health-service', status: 'degraded', reason: 'dev is down (counts as degraded outside production)' });
    expect(health.environments.map((e) => [e.name, e.health.status, e.history.length])).toEqual([['prod', 'healthy', 1], ['staging', 'unknown', 0], ['dev', 'down', 1]]);
    // The first prod sample is 25 h old: only the last 24 h are shown.
    expect(health.environments[0]!.history[0]).toMatchObject({ status: 'healthy', statusCode: 200, latencyMs: 15, readyReplicas: 3, desiredReplicas: 3 });

    await setEnvironmentHealth('health-service', 'prod', { status: 'down', reason: '0 of 3 replicas ready', kubernetes: { readyReplicas: 0, desiredReplicas: 3, simulated: true } });
    const service = (await viewer().call<Service>('GET', '/api/v1/services/health-service')).body;
    expect(service.healthStatus).toBe('down');
    expect(service.version).toBe(1); // health is not a person's edit
    expect(names(await list({ health: 'down' }))).toContain('health-service');
  });
});

describe('dependencies', () => {
  it('walks direct and transitive dependencies both ways with types and depth, and survives a cycle', async () => {
    for (const name of ['graph-api', 'graph-core', 'graph-db', 'graph-cache', 'graph-web']) await register({ name, team: 'payments' });
    // web → api → core → db, core → cache (build), cache → api (a cycle: api → core → cache → api)
    const put = async (id: string, deps: Array<{ serviceId: string; type?: string }>) =>
      developer().send('PUT', `/api/v1/services/${id}/dependencies`, { body: { dependencies: deps } });
    expect((await put('graph-web', [{ serviceId: 'graph-api' }])).status).toBe(200);
    expect((await put('graph-api', [{ serviceId: 'graph-core' }])).status).toBe(200);
    expect((await put('graph-core', [{ serviceId: 'graph-db' }, { serviceId: 'graph-cache', type: 'build' }])).status).toBe(200);
    expect((await put('graph-cache', [{ serviceId: 'graph-api', type: 'optional' }])).status).toBe(200);

    const graph = (await viewer().call<DependencyGraph>('GET', '/api/v1/services/graph-api/dependencies')).body;
    expect(graph.dependsOn.map((r) => [r.serviceId, r.depth, r.type])).toEqual([['graph-core', 1, 'runtime'], ['graph-cache', 2, 'build'], ['graph-db', 2, 'runtime']]);
    expect(graph.dependents.map((r) => [r.serviceId, r.depth, r.type])).toEqual([['graph-cache', 1, 'optional'], ['graph-web', 1, 'runtime'], ['graph-core', 2, 'build']]);
    expect(graph.dependents.find((r) => r.serviceId === 'graph-core')!.path).toEqual(['graph-core', 'graph-cache', 'graph-api']);
    expect(graph.cycles).toEqual([['graph-api', 'graph-core', 'graph-cache', 'graph-api']]);
    expect(graph.nodes.map((n) => n.id)).toEqual(['graph-api', 'graph-cache', 'graph-core', 'graph-db', 'graph-web']);
    expect(graph.edges).toHaveLength(5);
    expect(graph.truncated).toBe(false);

    const shallow = (await viewer().call<DependencyGraph>('GET', '/api/v1/services/graph-api/dependencies', { query: { depth: '1' } })).body;
    expect(shallow.dependsOn.map((r) => r.serviceId)).toEqual(['graph-core']);
    expect(shallow.truncated).toBe(true);

    const detail = (await viewer().call<Service>('GET', '/api/v1/services/graph-core')).body;
    expect(detail.dependencies).toEqual([{ serviceId: 'graph-cache', type: 'build', description: '' }, { serviceId: 'graph-db', type: 'runtime', description: '' }]);
  });

  it('replaces the list (removed edges disappear) and names an unknown target by its path', async () => {
    const unknown = await developer().send('PUT', '/api/v1/services/graph-web/dependencies', { body: { dependencies: [{ serviceId: 'graph-api' }, { serviceId: 'ghost-service' }, { serviceId: 'graph-web' }] } });
    expect(unknown.status).toBe(400);
    expect((unknown.body as { error: { details: unknown[] } }).error.details).toEqual([
      { path: '/body/dependencies/2/serviceId', message: 'a service cannot depend on itself' },
      { path: '/body/dependencies/1/serviceId', message: 'no service named ghost-service' },
    ]);
    expect((await developer().send('PUT', '/api/v1/services/graph-cache/dependencies', { body: { dependencies: [] } })).status).toBe(200);
    const graph = (await viewer().call<DependencyGraph>('GET', '/api/v1/services/graph-api/dependencies')).body;
    expect(graph.cycles).toEqual([]);
    expect(graph.dependents.map((r) => r.serviceId)).toEqual(['graph-web']);
    expect((await developer().send('PUT', '/api/v1/services/not-payments/dependencies', { body: { dependencies: [] } })).status).toBe(403);
  });
});

describe('runbooks', () => {
  it('creates, lists, edits with If-Match and deletes a runbook', async () => {
    await register({ name: 'runbook-service', team: 'payments' });
    const created = await developer().send('POST', '/api/v1/services/runbook-service/runbooks', {
      body: { title: 'High error rate', trigger: 'HighErrorRate', content: '# High error rate\n\n1. Check the last deploy.', automatable: true, aiPrompt: 'Compare error rates before and after the last deploy.' },
    });
    expect(created.status).toBe(201);
    const runbook = created.body as Runbook;
    expect(runbook).toEqual({
      id: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/), serviceId: 'runbook-service', title: 'High error rate', trigger: 'HighErrorRate',
      content: '# High error rate\n\n1. Check the last deploy.', automatable: true, aiPrompt: 'Compare error rates before and after the last deploy.', source: 'manual',
      createdAt: expect.any(String), createdBy: 'developer@apollo.local', updatedAt: expect.any(String), updatedBy: 'developer@apollo.local', version: 1,
    });
    expect(created.headers.get('location')).toBe(`/api/v1/services/runbook-service/runbooks/${runbook.id}`);
    expect((await viewer().call<RunbookList>('GET', '/api/v1/services/runbook-service/runbooks')).body).toEqual({ items: [runbook], nextCursor: null });

    const path = `/api/v1/services/runbook-service/runbooks/${runbook.id}`;
    expect((await developer().send('PUT', path, { body: { content: '# no If-Match' } })).status).toBe(428);
    const edited = await developer().send('PUT', path, { body: { content: '# Edited', aiPrompt: null }, ifMatch: 1 });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ content: '# Edited', version: 2 });
    expect(edited.body).not.toHaveProperty('aiPrompt');
    expect((await developer().send('PUT', path, { body: { content: '# stale' }, ifMatch: 1 })).status).toBe(412);
    expect((await developer().send('PUT', path, { body: { colour: 'red' }, ifMatch: 2 })).status).toBe(400);
    expect((await developer().send('DELETE', path, { ifMatch: 1 })).status).toBe(412);
    expect((await developer().send('DELETE', path, { ifMatch: 2 })).status).toBe(204);
    expect((await developer().send('DELETE', path, { ifMatch: 2 })).status).toBe(404);
  });

  it('refuses runbook changes from another team', async () => {
    const res = await developer().send('POST', '/api/v1/services/not-payments/runbooks', { body: { title: 't', trigger: 'HighErrorRate', content: 'x' } });
    expect(res.status).toBe(403);
  });
});

describe('listing and search', () => {
  beforeAll(async () => {
    const catalog: Array<Record<string, unknown>> = [
      { name: 'core-service', team: 'platform', displayName: 'Core Service', description: 'The heart of the platform: accounts and tenants', tier: 'critical', language: 'java' },
      { name: 'notification-service', team: 'growth', description: 'Sends email, SMS and push notifications', language: 'typescript' },
      { name: 'violations-service', team: 'payments', description: 'Detects policy violations', language: 'python', tier: 'experimental' },
    ];
    for (const body of catalog) await register(body);
    await admin().send('PUT', '/api/v1/services/core-service/environments/prod', { body: { cluster: 'eks-prod-1', namespace: 'core', deployment: { lastDeployedAt: '2026-11-24T09:00:00.000Z' } } });
    await admin().send('PUT', '/api/v1/services/notification-service/environments/staging', { body: { cluster: 'eks-staging', namespace: 'growth', deployment: { lastDeployedAt: '2026-11-25T09:00:00.000Z' } } });
  });

  it('finds services despite typos and by prefix', async () => {
    expect(names(await list({ q: 'core-servce' }))[0]).toBe('core-service');
    expect(names(await list({ q: 'notfication' }))[0]).toBe('notification-service');
    expect(names(await list({ q: 'violat' }))[0]).toBe('violations-service');
    expect(names(await list({ q: 'tenants' }))).toEqual(['core-service']);
    expect(names(await list({ q: 'growth' }))).toContain('notification-service');
  });

  it('filters by team, tier, language, environment and cluster', async () => {
    expect(names(await list({ tier: 'critical' }))).toEqual(['billing-service', 'core-service']);
    expect(names(await list({ language: 'Python' }))).toEqual(['violations-service']);
    expect(names(await list({ environment: 'staging' }))).toEqual(['health-service', 'notification-service']);
    expect(names(await list({ cluster: 'eks-prod-1' }))).toEqual(['core-service', 'env-service']);
    expect(names(await list({ team: 'growth', q: 'notifcation' }))).toEqual(['notification-service']);
    const bad = await viewer().send('GET', '/api/v1/services', { query: { tier: 'gold', sort: 'size', colour: 'red' } });
    expect(bad.status).toBe(400);
    expect((bad.body as { error: { details: Array<{ path: string }> } }).error.details.map((d) => d.path).sort()).toEqual(['/query/colour', '/query/sort', '/query/tier']);
  });

  it('sorts by name or last deploy and pages with a stable cursor', async () => {
    const byDeploy = await list({ sort: 'lastDeployedAt', environment: 'staging' });
    expect(names(byDeploy)).toEqual(['notification-service', 'health-service']);
    const asc = names(await list({ sort: 'lastDeployedAt', order: 'asc', cluster: 'eks-prod-1' }));
    expect(asc).toEqual(['env-service', 'core-service']);

    const all = names(await list({ limit: '200' }));
    expect(all).toEqual([...all].sort());
    const first = await list({ limit: '3' });
    expect(first.items).toHaveLength(3);
    expect(first.total).toBe(all.length);
    // A service registered between pages does not shift the next page.
    await register({ name: 'aaa-first-service', team: 'platform' });
    const second = await list({ limit: '3', cursor: first.nextCursor! });
    expect(names(second)).toEqual(all.slice(3, 6));
    const wrongQuery = await viewer().send('GET', '/api/v1/services', { query: { limit: '3', cursor: first.nextCursor!, team: 'growth' } });
    expect(wrongQuery.status).toBe(400);
    expect((wrongQuery.body as { error: { details: unknown[] } }).error.details).toEqual([{ path: '/query/cursor', message: 'cursor of a different query' }]);
    expect((await viewer().send('GET', '/api/v1/services', { query: { cursor: 'garbage' } })).status).toBe(400);
  });
});

describe('idempotency', () => {
  it('replays a repeated register with the same Idempotency-Key', async () => {
    const key = 'register-once-0001';
    const first = await admin().send('POST', '/api/v1/services', { body: { name: 'once-service', team: 'platform' }, idempotencyKey: key });
    const again = await admin().send('POST', '/api/v1/services', { body: { name: 'once-service', team: 'platform' }, idempotencyKey: key });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
  });
});

describe('the whole detail page is one item collection', () => {
  it('answers environments, dependencies and runbooks with the service', async () => {
    const detail = (await viewer().call<Service>('GET', '/api/v1/services/env-service')).body;
    expect(detail.environments.map((e: Environment) => e.name)).toEqual(['prod']);
    expect(detail.healthStatus).toBe('unknown');
  });
});

describe('live changes', () => {
  it("announces a person's change on service:<id> to a viewer with the page open", async () => {
    await register({ name: 'live-service', team: 'payments' });
    const ws = new WebSocket(await presignConnectUrl(h.runtime.realtimeUrl, h.runtime.region, h.runtime.credentials.roles.viewer));
    const frames: Array<Record<string, unknown>> = [];
    ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as Record<string, unknown>));
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    const next = async (match: (f: Record<string, unknown>) => boolean) => {
      for (let i = 0; i < 300; i++) {
        const found = frames.find(match);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`no matching frame in ${JSON.stringify(frames)}`);
    };
    try {
      ws.send(JSON.stringify({ action: 'subscribe', topic: 'service:live-service' }));
      await next((f) => f.type === 'subscribed');
      expect((await developer().send('PUT', '/api/v1/services/live-service', { body: { description: 'changed elsewhere' }, ifMatch: 1 })).status).toBe(200);
      const frame = await next((f) => f.type === 'event');
      expect(frame).toMatchObject({ topic: 'service:live-service', event: 'service.changed', data: { serviceId: 'live-service', action: 'services.update', by: 'developer@apollo.local' } });
      // A refused change announces nothing: an accepted change after it (by another person, to tell the two
      // apart) is announced the same way, so its event arrives after anything the refused one sent.
      expect((await developer().send('PUT', '/api/v1/services/live-service', { body: { description: 'stale' }, ifMatch: 1 })).status).toBe(412);
      expect((await admin().send('PUT', '/api/v1/services/live-service', { body: { description: 'changed again' }, ifMatch: 2 })).status).toBe(200);
      await next((f) => f.type === 'event' && (f.data as { by?: string }).by === 'admin@apollo.local');
      expect(frames.filter((f) => f.type === 'event').map((f) => (f.data as { by?: string }).by)).toEqual(['developer@apollo.local', 'admin@apollo.local']);
    } finally {
      ws.close();
    }
  });
});
