import { describe, expect, it } from 'vitest';
import { walkDependencies, type GraphNodeInput } from './graph.ts';

const graph = (edges: Record<string, Array<string | [string, 'runtime' | 'build' | 'optional']>>): Map<string, GraphNodeInput> =>
  new Map(Object.entries(edges).map(([id, deps]) => [id, {
    id,
    deps: deps.map((d) => (typeof d === 'string' ? { serviceId: d, type: 'runtime' as const, description: '' } : { serviceId: d[0], type: d[1], description: '' })),
  }]));

describe('walkDependencies', () => {
  it('reaches each service once, at its shortest depth, in both directions', () => {
    // Prepare: frontend → api → core → postgres; frontend → core (shortcut); worker → core
    const nodes = graph({ frontend: ['api', 'core'], api: ['core'], core: ['postgres', ['redis', 'optional']], worker: ['core'], postgres: [], redis: [] });
    // Act
    const walk = walkDependencies(nodes, 'core', 10);
    // Assess
    expect(walk.dependsOn.map((r) => [r.serviceId, r.depth, r.type, r.path])).toEqual([
      ['postgres', 1, 'runtime', ['core', 'postgres']],
      ['redis', 1, 'optional', ['core', 'redis']],
    ]);
    expect(walk.dependents.map((r) => [r.serviceId, r.depth, r.path])).toEqual([
      ['api', 1, ['api', 'core']],
      ['frontend', 1, ['frontend', 'core']],
      ['worker', 1, ['worker', 'core']],
    ]);
    expect(walk.cycles).toEqual([]);
    expect(walk.truncated).toBe(false);
    expect(walk.edges).toHaveLength(6);
  });

  it('terminates on cycles and reports each cycle once, whichever direction found it', () => {
    const nodes = graph({ a: ['b'], b: ['c'], c: ['a', 'd'], d: ['d2'], d2: ['d'] });
    const walk = walkDependencies(nodes, 'a', 10);
    expect(walk.dependsOn.map((r) => [r.serviceId, r.depth])).toEqual([['b', 1], ['c', 2], ['d', 3], ['d2', 4]]);
    expect(walk.dependents.map((r) => [r.serviceId, r.depth])).toEqual([['c', 1], ['b', 2]]);
    expect(walk.cycles).toEqual([['a', 'b', 'c', 'a'], ['d', 'd2', 'd']]);
  });

  it('stops at the depth limit and says so', () => {
    const nodes = graph({ a: ['b'], b: ['c'], c: ['d'], d: [] });
    const walk = walkDependencies(nodes, 'a', 2);
    expect(walk.dependsOn.map((r) => r.serviceId)).toEqual(['b', 'c']);
    expect(walk.truncated).toBe(true);
  });

  it('treats a target missing from the snapshot as a leaf', () => {
    const walk = walkDependencies(graph({ a: ['ghost'] }), 'a', 5);
    expect(walk.dependsOn).toEqual([{ serviceId: 'ghost', depth: 1, type: 'runtime', description: '', path: ['a', 'ghost'] }]);
    expect(walk.edges).toEqual([{ from: 'a', to: 'ghost', type: 'runtime', description: '' }]);
  });

  it('handles a self-loop and a 10,000-node chain without recursion', () => {
    expect(walkDependencies(graph({ a: ['a'] }), 'a', 5).cycles).toEqual([['a', 'a']]);
    const chain = new Map<string, GraphNodeInput>();
    for (let i = 0; i < 10_000; i++) chain.set(`s${i}`, { id: `s${i}`, deps: i < 9_999 ? [{ serviceId: `s${i + 1}`, type: 'runtime', description: '' }] : [] });
    const walk = walkDependencies(chain, 's0', 20);
    expect(walk.dependsOn).toHaveLength(20);
    expect(walk.truncated).toBe(true);
  });
});
