import { describe, expect, it } from 'vitest';
import type { ServiceListQuery } from '#schemas/index.ts';
import { listServices } from './list.ts';
import { Snapshot } from './snapshot.ts';
import type { EnvSummary, ServiceRecord } from './ports.ts';

function record(name: string, extra: Partial<ServiceRecord> & { envs?: Record<string, EnvSummary> } = {}): ServiceRecord {
  return {
    id: name, name, displayName: name, description: '', repository: '', team: 'platform', tier: 'standard', language: 'go', framework: '', tags: [],
    source: 'manual', createdAt: '2026-11-01T00:00:00.000Z', createdBy: 't', updatedAt: '2026-11-01T00:00:00.000Z', updatedBy: 't', version: 1,
    envs: {}, deps: [], ...extra,
  };
}
const env = (name: string, lastDeployedAt?: string, healthStatus: EnvSummary['healthStatus'] = 'healthy'): EnvSummary =>
  ({ name, cluster: `eks-${name}`, namespace: 'ns', healthStatus, ...(lastDeployedAt ? { lastDeployedAt } : {}) });

const names = (snapshot: Snapshot, query: ServiceListQuery) => listServices(snapshot, query).items.map((s) => s.name);

describe('listServices', () => {
  const snapshot = new Snapshot('2026-11-25T00:00:00.000Z', [
    record('alpha', { envs: { prod: env('prod', '2026-11-20T00:00:00.000Z') } }),
    record('bravo', { envs: { prod: env('prod', '2026-11-24T00:00:00.000Z', 'down') }, team: 'payments', tier: 'critical' }),
    record('charlie'),
    record('delta', { deregisteredAt: '2026-11-21T00:00:00.000Z', deregisteredBy: 't' }),
    record('echo', { envs: { dev: env('dev', '2026-11-22T00:00:00.000Z', 'down') }, language: 'Python' }),
  ]);

  it('sorts by name both ways and hides tombstones unless asked', () => {
    expect(names(snapshot, {})).toEqual(['alpha', 'bravo', 'charlie', 'echo']);
    expect(names(snapshot, { order: 'desc' })).toEqual(['echo', 'charlie', 'bravo', 'alpha']);
    expect(names(snapshot, { includeDeregistered: true })).toEqual(['alpha', 'bravo', 'charlie', 'delta', 'echo']);
  });

  it('sorts by last deploy, newest first by default, never-deployed last either way', () => {
    expect(names(snapshot, { sort: 'lastDeployedAt' })).toEqual(['bravo', 'echo', 'alpha', 'charlie']);
    expect(names(snapshot, { sort: 'lastDeployedAt', order: 'asc' })).toEqual(['alpha', 'echo', 'bravo', 'charlie']);
  });

  it('filters on the derived health (a down dev is degraded) and other fields', () => {
    expect(names(snapshot, { health: 'down' })).toEqual(['bravo']);
    expect(names(snapshot, { health: 'degraded' })).toEqual(['echo']);
    expect(names(snapshot, { health: 'unknown' })).toEqual(['charlie']);
    expect(names(snapshot, { language: 'python' })).toEqual(['echo']);
    expect(names(snapshot, { team: 'payments', tier: 'critical' })).toEqual(['bravo']);
    expect(names(snapshot, { environment: 'prod', cluster: 'eks-prod' })).toEqual(['alpha', 'bravo']);
  });

  it('pages with cursors that survive inserts and deletes between pages', () => {
    const local = new Snapshot('2026-11-25T00:00:00.000Z', [record('b'), record('d'), record('f'), record('h')]);
    const first = listServices(local, { limit: 2 });
    expect(first.items.map((s) => s.name)).toEqual(['b', 'd']);
    expect(first.total).toBe(4);
    local.apply(record('a'));
    local.apply(record('e'));
    local.apply({ ...record('f'), version: 2, deregisteredAt: '2026-11-25T01:00:00.000Z', deregisteredBy: 't' });
    const second = listServices(local, { limit: 2, cursor: first.nextCursor! });
    expect(second.items.map((s) => s.name)).toEqual(['e', 'h']);
    expect(second.nextCursor).toBeNull();
  });

  it('ranks search results by relevance, then pages them', () => {
    const local = new Snapshot('2026-11-25T00:00:00.000Z', [
      record('core-service', { description: 'accounts' }), record('core-worker'), record('notification-service'), record('score-board'),
    ]);
    expect(listServices(local, { q: 'core-servce' }).items[0]!.name).toBe('core-service');
    const page = listServices(local, { q: 'core', limit: 1 });
    const next = listServices(local, { q: 'core', limit: 1, cursor: page.nextCursor! });
    expect(new Set([page.items[0]!.name, next.items[0]!.name])).toEqual(new Set(['core-service', 'core-worker']));
    // One typo away ("score") still matches a 4-letter term, ranked below the exact ones.
    expect(listServices(local, { q: 'core' }).items.map((s) => s.name).at(-1)).toBe('score-board');
    expect(listServices(local, { q: 'core', sort: 'name' }).items.map((s) => s.name)).toEqual(['core-service', 'core-worker', 'score-board']);
    expect(listServices(local, { q: 'api' }).items).toEqual([]);
  });

  it('refuses a cursor of another query or a forged one', () => {
    const first = listServices(snapshot, { limit: 1 });
    expect(() => listServices(snapshot, { limit: 1, cursor: first.nextCursor!, team: 'x' })).toThrow('this cursor belongs to another search or filter');
    expect(() => listServices(snapshot, { cursor: 'bm90IGpzb24' })).toThrow('invalid cursor');
  });
});

describe('Snapshot.apply', () => {
  it('never goes back to an older version of a service', () => {
    const snapshot = new Snapshot('2026-11-25T00:00:00.000Z', [{ ...record('a'), version: 3, description: 'newest' }]);
    snapshot.apply({ ...record('a'), version: 2, description: 'older' });
    expect(snapshot.get('a')!.description).toBe('newest');
    snapshot.apply({ ...record('a'), version: 4, description: 'searchable words' });
    expect(snapshot.index.search('searchable').map((r) => r.id)).toEqual(['a']);
  });
});
