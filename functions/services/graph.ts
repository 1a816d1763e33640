/**
 * The dependency graph walk (pure): breadth-first in both directions from one service, each
 * service reached once at its shortest depth, so cycles terminate; the cycles met on the way are
 * reported. Deterministic: edges are followed in id order. Works on whatever node map it is given
 * (the catalog snapshot).
 */
export type DependencyType = 'runtime' | 'build' | 'optional';

export interface GraphEdge { readonly serviceId: string; readonly type: DependencyType; readonly description: string }
export interface GraphNodeInput { readonly id: string; readonly deps: readonly GraphEdge[] }

export interface Reach { serviceId: string; depth: number; type: DependencyType; description: string; path: string[] }

export interface Walk {
  dependsOn: Reach[];
  dependents: Reach[];
  /** Every edge among the nodes reached (start included), as from → to. */
  edges: Array<{ from: string; to: string; type: DependencyType; description: string }>;
  cycles: string[][];
  truncated: boolean;
}

function bfs(start: string, next: (id: string) => readonly GraphEdge[], depth: number, cycles: Map<string, string[]>): { reached: Reach[]; truncated: boolean } {
  const paths = new Map<string, string[]>([[start, [start]]]);
  const reached: Reach[] = [];
  let frontier = [start];
  let truncated = false;
  for (let level = 1; frontier.length; level++) {
    const following: string[] = [];
    for (const id of frontier) {
      const path = paths.get(id)!;
      for (const edge of [...next(id)].sort((x, y) => (x.serviceId < y.serviceId ? -1 : x.serviceId > y.serviceId ? 1 : 0))) {
        const onPath = path.indexOf(edge.serviceId);
        if (onPath >= 0) {
          const cycle = [...path.slice(onPath), edge.serviceId];
          cycles.set(canonical(cycle), cycle);
          continue;
        }
        if (paths.has(edge.serviceId)) continue;
        if (level > depth) { truncated = true; continue; }
        const reachedPath = [...path, edge.serviceId];
        paths.set(edge.serviceId, reachedPath);
        reached.push({ serviceId: edge.serviceId, depth: level, type: edge.type, description: edge.description, path: reachedPath });
        following.push(edge.serviceId);
      }
    }
    frontier = following;
  }
  return { reached, truncated };
}

/** A cycle's identity whatever node it starts at: rotate to its smallest id. */
function canonical(cycle: string[]): string {
  const ring = cycle.slice(0, -1);
  let best = 0;
  for (let i = 1; i < ring.length; i++) if (ring[i]! < ring[best]!) best = i;
  return [...ring.slice(best), ...ring.slice(0, best)].join('>');
}

export function walkDependencies(nodes: ReadonlyMap<string, GraphNodeInput>, start: string, depth: number): Walk {
  const reverse = new Map<string, GraphEdge[]>();
  for (const node of nodes.values()) {
    for (const dep of node.deps) {
      const list = reverse.get(dep.serviceId) ?? [];
      list.push({ serviceId: node.id, type: dep.type, description: dep.description });
      reverse.set(dep.serviceId, list);
    }
  }
  const cycles = new Map<string, string[]>();
  const forward = bfs(start, (id) => nodes.get(id)?.deps ?? [], depth, cycles);
  // A cycle found walking backwards is the same cycle; record it in forward order.
  const backwardCycles = new Map<string, string[]>();
  const backward = bfs(start, (id) => reverse.get(id) ?? [], depth, backwardCycles);
  for (const cycle of backwardCycles.values()) {
    const forwardOrder = [...cycle].reverse();
    const key = canonical(forwardOrder);
    if (!cycles.has(key)) cycles.set(key, forwardOrder);
  }
  // Dependents' paths read from the dependent to this service.
  const dependents = backward.reached.map((r) => ({ ...r, path: [...r.path].reverse() }));
  const inGraph = new Set([start, ...forward.reached.map((r) => r.serviceId), ...backward.reached.map((r) => r.serviceId)]);
  const edges: Walk['edges'] = [];
  for (const id of inGraph) {
    for (const dep of nodes.get(id)?.deps ?? []) {
      if (inGraph.has(dep.serviceId)) edges.push({ from: id, to: dep.serviceId, type: dep.type, description: dep.description });
    }
  }
  return {
    dependsOn: forward.reached,
    dependents,
    edges,
    cycles: [...cycles.values()],
    truncated: forward.truncated || backward.truncated,
  };
}
