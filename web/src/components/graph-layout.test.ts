import { describe, expect, it } from 'vitest';
import { layoutGraph } from './graph-layout.ts';

const n = (...ids: string[]) => ids.map((id) => ({ id }));

describe('the dependency graph layout', () => {
  it('puts what a service depends on to its right and what depends on it to its left, by hops', () => {
    // Prepare: frontend → core-service → postgres, redis; postgres → storage
    const edges = [
      { from: 'frontend', to: 'core-service', type: 'runtime' as const },
      { from: 'core-service', to: 'postgres', type: 'runtime' as const },
      { from: 'core-service', to: 'redis', type: 'optional' as const },
      { from: 'postgres', to: 'storage', type: 'build' as const },
    ];
    // Act
    const layout = layoutGraph('core-service', n('core-service', 'frontend', 'postgres', 'redis', 'storage'), edges);
    // Assess
    const layer = Object.fromEntries(layout.nodes.map((p) => [p.node.id, p.layer]));
    expect(layer).toEqual({ frontend: -1, 'core-service': 0, postgres: 1, redis: 1, storage: 2 });
    const x = Object.fromEntries(layout.nodes.map((p) => [p.node.id, p.x]));
    expect(x.frontend).toBeLessThan(x['core-service']!);
    expect(x['core-service']).toBeLessThan(x.postgres!);
    expect(layout.edges.every((e) => !e.back)).toBe(true);
  });

  it('draws a cycle once, with the edge that closes it as an arc, and terminates', () => {
    const edges = [
      { from: 'a', to: 'b', type: 'runtime' as const },
      { from: 'b', to: 'c', type: 'runtime' as const },
      { from: 'c', to: 'a', type: 'runtime' as const },
    ];
    const layout = layoutGraph('a', n('a', 'b', 'c'), edges);
    // c is one hop upstream of a (c depends on a) and two downstream: it is drawn where it is nearer.
    expect(Object.fromEntries(layout.nodes.map((p) => [p.node.id, p.layer]))).toEqual({ a: 0, b: 1, c: -1 });
    expect(layout.edges.filter((e) => e.back).map((e) => `${e.edge.from}→${e.edge.to}`)).toEqual(['b→c']);
    expect(layout.height).toBeGreaterThan(48);
  });

  it('keeps nodes in a column apart and orders them next to their neighbours', () => {
    const edges = [
      { from: 'x', to: 'z1', type: 'runtime' as const },
      { from: 'x', to: 'a1', type: 'runtime' as const },
      { from: 'z1', to: 'deep-z', type: 'runtime' as const },
      { from: 'a1', to: 'deep-a', type: 'runtime' as const },
      { from: 'z1', to: 'a1', type: 'optional' as const },
    ];
    const layout = layoutGraph('x', n('x', 'z1', 'a1', 'deep-z', 'deep-a'), edges);
    expect(layout.edges.find((e) => e.edge.from === 'z1' && e.edge.to === 'a1')!.kind).toBe('same');
    const at = Object.fromEntries(layout.nodes.map((p) => [p.node.id, p]));
    expect(at.a1!.row).toBe(0);
    expect(at['deep-a']!.row).toBe(0);
    expect(at['deep-z']!.row).toBe(1);
    expect(at.z1!.y - at.a1!.y).toBeGreaterThanOrEqual(48);
  });

  it('places a node no path reaches instead of dropping it, and ignores edges to unknown nodes', () => {
    const layout = layoutGraph('a', n('a', 'b', 'lonely'), [{ from: 'a', to: 'b', type: 'build' }, { from: 'a', to: 'ghost', type: 'runtime' }]);
    expect(layout.nodes.map((p) => p.node.id).sort()).toEqual(['a', 'b', 'lonely']);
    expect(layout.edges).toHaveLength(1);
  });
});
