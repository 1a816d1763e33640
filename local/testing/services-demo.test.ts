/**
 * The demo catalog a new user sees after `npm start`: found by a misspelled search, with
 * environments whose health endpoints answer on this runtime, a dependency graph with its cycle,
 * and runbooks. Seeding twice changes nothing.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DependencyGraph, RunbookList, Service, ServiceList } from '#schemas/index.ts';
import { seedDemoData } from '../seed.ts';
import { repointDemoHealthChecks, seedDemoServices } from '../demo-services.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  expect(await seedDemoData({ baseUrl: h.runtime.url })).toContain('services-v1');
});
afterAll(async () => { await h.close(); });

it('finds core-service by a misspelled search and shows its environments, graph and runbooks', async () => {
  const viewer = h.client('viewer');
  const found = (await viewer.call<ServiceList>('GET', '/api/v1/services', { query: { q: 'core-servce' } })).body;
  expect(found.items[0]!.name).toBe('core-service');

  const core = (await viewer.call<Service>('GET', '/api/v1/services/core-service')).body;
  expect(core).toMatchObject({ team: 'platform', tier: 'critical', language: 'java', framework: 'spring-boot' });
  expect(core.environments.map((e) => [e.name, e.cluster, e.deployment.replicas])).toEqual([
    ['prod', 'eks-prod-us-east-1', 3], ['staging', 'eks-staging', 2], ['dev', 'eks-dev', 1],
  ]);
  expect(core.environments[0]!.endpoints.healthCheck).toBe(`${h.runtime.url}/local/targets/core-service/prod/health`);
  const target = await fetch(core.environments[0]!.endpoints.healthCheck!);
  expect(target.status).toBe(200);

  const graph = (await viewer.call<DependencyGraph>('GET', '/api/v1/services/core-service/dependencies')).body;
  expect(graph.dependsOn.filter((r) => r.depth === 1).map((r) => r.serviceId)).toEqual(['auth-service', 'kafka', 'notification-service', 'postgres', 'redis']);
  expect(graph.dependents.filter((r) => r.depth === 1).map((r) => r.serviceId)).toEqual(
    ['api-gateway', 'billing-service', 'frontend', 'notification-service', 'search-service', 'violations-service'],
  );
  expect(graph.cycles).toContainEqual(['core-service', 'notification-service', 'core-service']);

  const runbooks = (await viewer.call<RunbookList>('GET', '/api/v1/services/core-service/runbooks')).body.items;
  expect(runbooks.map((r) => [r.trigger, r.automatable])).toEqual([['DatabaseConnectionExhausted', true], ['HighErrorRate', true]]);
  expect(runbooks[1]!.content).toContain('# High error rate — core-service');
});

it('has about a dozen services over the demo teams, and seeding again changes nothing', async () => {
  const viewer = h.client('viewer');
  const before = (await viewer.call<ServiceList>('GET', '/api/v1/services', { query: { limit: '200' } })).body;
  expect(before.items.length).toBeGreaterThanOrEqual(12);
  expect(new Set(before.items.map((s) => s.team))).toEqual(new Set(['platform', 'payments', 'growth', 'data']));
  await seedDemoServices(h.runtime.url);
  const after = (await viewer.call<ServiceList>('GET', '/api/v1/services', { query: { limit: '200' } })).body;
  expect(after.items.map((s) => [s.name, s.version])).toEqual(before.items.map((s) => [s.name, s.version]));
  expect((await viewer.call<RunbookList>('GET', '/api/v1/services/core-service/runbooks')).body.items).toHaveLength(2);
});

it('moves the demo health checks when the runtime listens elsewhere, and leaves hand-edited ones alone', async () => {
  const admin = h.client('admin');
  const env = (await admin.call<Service>('GET', '/api/v1/services/redis')).body.environments.find((e) => e.name === 'dev')!;
  const custom = 'https://redis-dev.example.com/health';
  await admin.send('PUT', '/api/v1/services/redis/environments/dev', { body: { cluster: env.cluster, namespace: env.namespace, endpoints: { ...env.endpoints, healthCheck: custom } } });

  expect(await repointDemoHealthChecks(h.runtime.url)).toBe(0);
  const moved = await repointDemoHealthChecks('http://127.0.0.1:4999');
  expect(moved).toBeGreaterThan(30);
  const core = (await admin.call<Service>('GET', '/api/v1/services/core-service')).body;
  expect(core.environments[0]!.endpoints.healthCheck).toBe('http://127.0.0.1:4999/local/targets/core-service/prod/health');
  const redis = (await admin.call<Service>('GET', '/api/v1/services/redis')).body;
  expect(redis.environments.find((e) => e.name === 'dev')!.endpoints.healthCheck).toBe(custom);
  expect(await repointDemoHealthChecks(h.runtime.url)).toBe(moved);
});
