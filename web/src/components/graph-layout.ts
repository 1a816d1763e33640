/**
 * A layered layout for a service's dependency graph, centred on the service itself: what it depends on
 * goes right (layer 1, 2, … by hops), what depends on it goes left (-1, -2, …). Every node gets one
 * layer (the first reached, so a cycle never loops) and a row inside it ordered to keep edges short.
 */

export type DependencyType = 'runtime' | 'build' | 'optional';

export interface GraphNode {
  readonly id: string;
  readonly label?: string | undefined;
}

export interface GraphEdge {
  /** The service that depends… */
  readonly from: string;
  /** …on this one. */
  readonly to: string;
  readonly type: DependencyType;
}

export interface PlacedNode<N extends GraphNode = GraphNode> {
  readonly node: N;
  readonly layer: number;
  readonly row: number;
  readonly x: number;
  readonly y: number;
}

export interface PlacedEdge {
  readonly edge: GraphEdge;
  readonly path: string;
  /** `forward`: outwards, from the centre's side to the far side; `same`: within a column; `back`: inwards (a cycle). */
  readonly kind: 'forward' | 'same' | 'back';
  /** Not outwards: drawn as a bow or an arc. */
  readonly back: boolean;
}

export interface GraphLayout<N extends GraphNode = GraphNode> {
  readonly nodes: readonly PlacedNode<N>[];
  readonly edges: readonly PlacedEdge[];
  readonly width: number;
  readonly height: number;
}

export interface LayoutOptions {
  readonly nodeWidth?: number;
  readonly nodeHeight?: number;
  readonly columnGap?: number;
  readonly rowGap?: number;
  readonly padding?: number;
}

/** Hops from `start` along `next`, breadth first; each node keeps its first (shortest) distance. */
function distances(start: string, next: (id: string) => readonly string[]): Map<string, number> {
  const seen = new Map<string, number>([[start, 0]]);
  let frontier = [start];
  for (let depth = 1; frontier.length > 0; depth++) {
    const following: string[] = [];
    for (const id of frontier) {
      for (const n of next(id)) {
        if (seen.has(n)) continue;
        seen.set(n, depth);
        following.push(n);
      }
    }
    frontier = following;
  }
  return seen;
}

export function layoutGraph<N extends GraphNode>(centre: string, nodes: readonly N[], edges: readonly GraphEdge[], options: LayoutOptions = {}): GraphLayout<N> {
  const { nodeWidth = 184, nodeHeight = 48, columnGap = 72, rowGap = 20, padding = 16 } = options;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const known = edges.filter((e) => byId.has(e.from) && byId.has(e.to) && e.from !== e.to);
  const out = new Map<string, string[]>();
  const inn = new Map<string, string[]>();
  for (const e of known) {
    (out.get(e.from) ?? out.set(e.from, []).get(e.from)!).push(e.to);
    (inn.get(e.to) ?? inn.set(e.to, []).get(e.to)!).push(e.from);
  }
  const down = distances(centre, (id) => out.get(id) ?? []);
  const up = distances(centre, (id) => inn.get(id) ?? []);
  const layerOf = new Map<string, number>();
  for (const n of nodes) {
    // A node on both sides (a cycle through the centre) is drawn where it is nearer, dependencies first.
    const d = down.get(n.id);
    const u = up.get(n.id);
    if (n.id === centre) layerOf.set(n.id, 0);
    else if (d !== undefined && (u === undefined || d <= u)) layerOf.set(n.id, d);
    else if (u !== undefined) layerOf.set(n.id, -u);
  }
  // Nodes the API returned but that no path joins to the centre sit in the outermost dependency column.
  const reached = [...layerOf.values()];
  const spare = (reached.length ? Math.max(...reached) : 0) + 1;
  for (const n of nodes) if (!layerOf.has(n.id)) layerOf.set(n.id, spare);

  const layers = new Map<number, string[]>();
  for (const [id, layer] of layerOf) (layers.get(layer) ?? layers.set(layer, []).get(layer)!).push(id);
  const order = [...layers.keys()].sort((a, b) => a - b);
  for (const ids of layers.values()) ids.sort((a, b) => a.localeCompare(b));

  // Barycentre ordering, outwards from the centre: a node sits near the neighbours it connects to.
  const rowOf = new Map<string, number>();
  const place = (layer: number) => layers.get(layer)!.forEach((id, i) => rowOf.set(id, i));
  place(0);
  const sweep = (layersInOrder: number[]) => {
    for (const layer of layersInOrder) {
      const ids = layers.get(layer)!;
      const inward = layer > 0 ? layer - 1 : layer + 1;
      const score = (id: string) => {
        const neighbours = [...(out.get(id) ?? []), ...(inn.get(id) ?? [])].filter((n) => layerOf.get(n) === inward);
        return neighbours.length ? neighbours.reduce((s, n) => s + (rowOf.get(n) ?? 0), 0) / neighbours.length : Number.POSITIVE_INFINITY;
      };
      const scores = new Map(ids.map((id) => [id, score(id)]));
      ids.sort((a, b) => scores.get(a)! - scores.get(b)! || a.localeCompare(b));
      place(layer);
    }
  };
  sweep(order.filter((l) => l > 0));
  sweep(order.filter((l) => l < 0).reverse());

  const tallest = Math.max(...[...layers.values()].map((ids) => ids.length));
  const height = padding * 2 + tallest * nodeHeight + (tallest - 1) * rowGap;
  const min = order[0] ?? 0;
  const placed = new Map<string, PlacedNode<N>>();
  for (const layer of order) {
    const ids = layers.get(layer)!;
    const columnHeight = ids.length * nodeHeight + (ids.length - 1) * rowGap;
    const top = padding + (height - padding * 2 - columnHeight) / 2;
    ids.forEach((id, row) => {
      placed.set(id, { node: byId.get(id)!, layer, row, x: padding + (layer - min) * (nodeWidth + columnGap), y: top + row * (nodeHeight + rowGap) });
    });
  }
  const width = padding * 2 + order.length * nodeWidth + (order.length - 1) * columnGap;

  let lowest = height;
  let widest = width;
  const placedEdges = known.map((edge): PlacedEdge => {
    const a = placed.get(edge.from)!;
    const b = placed.get(edge.to)!;
    if (b.layer > a.layer) {
      // Outwards (skipping columns too): right side of one to the left side of the other.
      const x1 = a.x + nodeWidth;
      const y1 = a.y + nodeHeight / 2;
      const x2 = b.x;
      const y2 = b.y + nodeHeight / 2;
      const bend = Math.max(columnGap / 2, (x2 - x1) / 2);
      return { edge, kind: 'forward', back: false, path: `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}` };
    }
    if (b.layer === a.layer) {
      // Within a column: a bow on its outer side (right for dependencies, left for dependents).
      const right = a.layer >= 0;
      const x = right ? a.x + nodeWidth : a.x;
      const y1 = a.y + nodeHeight / 2;
      const y2 = b.y + nodeHeight / 2;
      const reach = 18 + Math.abs(y2 - y1) / 6;
      const bow = right ? reach : -Math.min(reach, Math.max(0, x - 2));
      widest = Math.max(widest, x + Math.abs(bow) + padding);
      return { edge, kind: 'same', back: true, path: `M${x},${y1} C${x + bow},${y1} ${x + bow},${y2} ${x},${y2}` };
    }
    // Inwards (a cycle back towards the centre): an arc below the boxes, bottom to bottom.
    const x1 = a.x + nodeWidth / 2;
    const y1 = a.y + nodeHeight;
    const x2 = b.x + nodeWidth / 2;
    const y2 = b.y + nodeHeight;
    const dip = Math.max(y1, y2) + rowGap + 12 + Math.abs(x2 - x1) / 8;
    lowest = Math.max(lowest, dip + padding);
    return { edge, kind: 'back', back: true, path: `M${x1},${y1} C${x1},${dip} ${x2},${dip} ${x2},${y2}` };
  });
  return { nodes: [...placed.values()], edges: placedEdges, width: Math.ceil(widest), height: Math.ceil(lowest) };
}
