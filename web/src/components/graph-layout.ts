/**
 * A service's dependency graph laid out by the Eclipse Layout Kernel (elkjs): its layered (Sugiyama)
 * algorithm lines every edge up one way (dependents → service → what it depends on), left to right or,
 * when that is too wide for the page and top to bottom is not, top to bottom; it orders each layer to
 * cross as few edges as it can and routes edges orthogonally in the channels between layers, so no
 * edge passes behind a box. elk is large (1.5 MB) and needed only on a service page: it is loaded on
 * first use, in its own chunk, and runs in the page (its bundled build needs no worker).
 */
import type { ELK, ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';

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

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface Size {
  readonly width: number;
  readonly height: number;
}

export interface PlacedNode<N extends GraphNode = GraphNode> extends Point, Size {
  readonly node: N;
}

export interface PlacedEdge {
  readonly edge: GraphEdge;
  /** From the border of the service that depends to the border of its dependency: start, bends, end. */
  readonly points: readonly Point[];
  /** Where it joins other edges into the same service: drawn as dots, so a join is not read as a crossing. */
  readonly junctions: readonly Point[];
  /** Drawn against the flow (right to left, or upwards): the edge that closes a cycle. */
  readonly back: boolean;
}

export type Direction = 'RIGHT' | 'DOWN';

export interface GraphLayout<N extends GraphNode = GraphNode> extends Size {
  /** Which way dependencies point: RIGHT (dependents on the left) or DOWN (dependents above). */
  readonly direction: Direction;
  readonly nodes: readonly PlacedNode<N>[];
  readonly edges: readonly PlacedEdge[];
}

export interface LayoutOptions {
  /** The width the drawing has on the page: a graph too wide for it left to right is tried top to bottom. Unbounded by default. */
  readonly width?: number;
}

/** Between layers (room for the edges' runs), between boxes in a layer, and around it all. */
const SPACING = { betweenLayers: 64, betweenBoxes: 20, edgeToBox: 12, edgeToEdge: 8, padding: 16 } as const;

/** Up to this many services, a graph too wide left to right is laid out top to bottom as well and the narrower kept; past it, layers grow too wide for that to win and elk's time doubles. */
const TRY_DOWN_UP_TO = 30;

const LAYOUT_OPTIONS: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.padding': `[top=${SPACING.padding},left=${SPACING.padding},bottom=${SPACING.padding},right=${SPACING.padding}]`,
  'elk.spacing.nodeNode': String(SPACING.betweenBoxes),
  'elk.layered.spacing.nodeNodeBetweenLayers': String(SPACING.betweenLayers),
  'elk.spacing.edgeNode': String(SPACING.edgeToBox),
  'elk.layered.spacing.edgeNodeBetweenLayers': String(SPACING.edgeToBox),
  'elk.spacing.edgeEdge': String(SPACING.edgeToEdge),
  'elk.layered.spacing.edgeEdgeBetweenLayers': String(SPACING.edgeToEdge),
  'elk.spacing.componentComponent': String(SPACING.betweenLayers / 2),
  // Straight runs where it can (a service and its only dependency side by side), few crossings.
  'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  // Tries more orders than the default (7): at 60 services, a fifth shorter for a fraction more time.
  'elk.layered.thoroughness': '10',
};

let loading: Promise<ELK> | undefined;

/** elk, loaded once; a failed load (a chunk gone after a deploy) is tried again on the next call. */
function loadElk(): Promise<ELK> {
  loading ??= import('elkjs/lib/elk.bundled.js').then(
    ({ default: Elk }) => new Elk(),
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}

/**
 * Places every node (at the size `size` gives it) and routes every edge between two known, distinct
 * nodes; edges to nodes not in `nodes` and self-loops are left out. Left to right unless that is
 * wider than `options.width` and top to bottom is narrower (small graphs only). Nodes and edges go to
 * elk in id order, so the same graph is always drawn the same way.
 */
export async function layoutGraph<N extends GraphNode>(nodes: readonly N[], edges: readonly GraphEdge[], size: (node: N) => Size, options: LayoutOptions = {}): Promise<GraphLayout<N>> {
  const { width = Number.POSITIVE_INFINITY } = options;
  const right = await layoutIn('RIGHT', nodes, edges, size);
  if (right.width <= width || nodes.length > TRY_DOWN_UP_TO) return right;
  const down = await layoutIn('DOWN', nodes, edges, size);
  return down.width < right.width ? down : right;
}

async function layoutIn<N extends GraphNode>(direction: Direction, nodes: readonly N[], edges: readonly GraphEdge[], size: (node: N) => Size): Promise<GraphLayout<N>> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const known = new Map<string, GraphEdge>();
  for (const e of edges) if (byId.has(e.from) && byId.has(e.to) && e.from !== e.to) known.set(`${e.from}>${e.to}`, e);
  const ids = [...byId.keys()].sort();
  const edgeIds = [...known.keys()].sort();
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: { ...LAYOUT_OPTIONS, 'elk.direction': direction },
    // Every edge into a service ends at one port: one arrowhead, the edges joining just before it
    // (each leaves its own service on its own line), instead of a fan of arrowheads on a busy service.
    children: ids.map((id): ElkNode => {
      const { width, height } = size(byId.get(id)!);
      return { id, width, height, ports: [{ id: `${id}:in` }] };
    }),
    edges: edgeIds.map((id): ElkExtendedEdge => ({ id, sources: [known.get(id)!.from], targets: [`${known.get(id)!.to}:in`] })),
  };
  const elk = await loadElk();
  const laid = await elk.layout(graph);
  const along = (p: Point) => (direction === 'RIGHT' ? p.x : p.y);
  const placed = (laid.children ?? []).map((c): PlacedNode<N> => ({ node: byId.get(c.id)!, x: c.x ?? 0, y: c.y ?? 0, width: c.width ?? 0, height: c.height ?? 0 }));
  const routed = (laid.edges ?? []).map((e): PlacedEdge => {
    const section = e.sections?.[0];
    const points = section ? [section.startPoint, ...(section.bendPoints ?? []), section.endPoint] : [];
    const first = points[0];
    const last = points.at(-1);
    return { edge: known.get(e.id)!, points, junctions: e.junctionPoints ?? [], back: first !== undefined && last !== undefined && along(last) < along(first) };
  });
  return { direction, nodes: placed, edges: routed, width: Math.ceil(laid.width ?? 0), height: Math.ceil(laid.height ?? 0) };
}

/** An SVG path through `points`, its corners rounded (never by more than half the shorter leg). */
export function edgePath(points: readonly Point[], radius = 6): string {
  if (points.length === 0) return '';
  const [start, ...rest] = points;
  let d = `M${start!.x},${start!.y}`;
  for (let i = 0; i < rest.length; i++) {
    const corner = rest[i]!;
    const next = rest[i + 1];
    if (!next) {
      d += ` L${corner.x},${corner.y}`;
      break;
    }
    const previous = points[i]!;
    const r = Math.min(radius, Math.hypot(corner.x - previous.x, corner.y - previous.y) / 2, Math.hypot(next.x - corner.x, next.y - corner.y) / 2);
    const towards = (from: Point, to: Point, by: number) => {
      const length = Math.hypot(to.x - from.x, to.y - from.y) || 1;
      return { x: from.x + ((to.x - from.x) / length) * by, y: from.y + ((to.y - from.y) / length) * by };
    };
    const a = towards(corner, previous, r);
    const b = towards(corner, next, r);
    d += ` L${round(a.x)},${round(a.y)} Q${corner.x},${corner.y} ${round(b.x)},${round(b.y)}`;
  }
  return d;
}

const round = (n: number) => Math.round(n * 100) / 100;

/** How a box is drawn: the health dot, then the id (monospace) over the display name, on one or two lines. */
export const BOX = { height: 48, textX: 30, paddingRight: 14, minWidth: 132, maxWidth: 280 } as const;

export type MeasureText = (text: string, kind: 'title' | 'sub') => number;

/** Without a canvas to measure on: 12 px monospace is 0.6 em a character; 11 px sans averages under 0.58 em. */
export const estimateText: MeasureText = (text, kind) => text.length * (kind === 'title' ? 7.3 : 6.4);

export interface NodeBox extends Size {
  readonly title: string;
  readonly sub?: string | undefined;
}

/** A box as wide as its longest line, within bounds; a line too long for the widest box ends in "…". */
export function nodeBox(title: string, sub: string | undefined, measure: MeasureText = estimateText): NodeBox {
  const room = BOX.maxWidth - BOX.textX - BOX.paddingRight;
  const fit = (text: string, kind: 'title' | 'sub') => {
    if (measure(text, kind) <= room) return text;
    let n = text.length - 1;
    while (n > 1 && measure(`${text.slice(0, n)}…`, kind) > room) n--;
    return `${text.slice(0, n)}…`;
  };
  const shownTitle = fit(title, 'title');
  const shownSub = sub ? fit(sub, 'sub') : undefined;
  const text = Math.max(measure(shownTitle, 'title'), shownSub ? measure(shownSub, 'sub') : 0);
  const width = Math.ceil(Math.min(BOX.maxWidth, Math.max(BOX.minWidth, BOX.textX + text + BOX.paddingRight)));
  return { title: shownTitle, sub: shownSub, width, height: BOX.height };
}
