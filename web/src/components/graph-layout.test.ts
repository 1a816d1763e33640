import { describe, expect, it } from 'vitest';
import { BOX, edgePath, estimateText, layoutGraph, nodeBox, type GraphEdge, type GraphLayout, type PlacedNode, type Point } from './graph-layout.ts';

type Node = { readonly id: string; readonly label?: string };
const edge = (from: string, to: string, type: GraphEdge['type'] = 'runtime'): GraphEdge => ({ from, to, type });
const sized = (node: Node) => nodeBox(node.id, node.label);

/** core-service's graph in the demo data (`npm start`): 13 services, 32 dependencies, one cycle (core-service ⇄ notification-service). */
const DEMO_EDGES: readonly GraphEdge[] = [
  edge('core-service', 'auth-service'), edge('core-service', 'kafka'), edge('core-service', 'notification-service', 'optional'), edge('core-service', 'postgres'), edge('core-service', 'redis'),
  edge('auth-service', 'postgres'), edge('auth-service', 'redis'),
  edge('notification-service', 'kafka'), edge('notification-service', 'redis'), edge('notification-service', 'core-service'),
  edge('api-gateway', 'auth-service'), edge('api-gateway', 'billing-service'), edge('api-gateway', 'notification-service', 'optional'), edge('api-gateway', 'search-service'), edge('api-gateway', 'core-service'),
  edge('billing-service', 'kafka'), edge('billing-service', 'notification-service', 'optional'), edge('billing-service', 'postgres'), edge('billing-service', 'core-service'),
  edge('frontend', 'api-gateway'), edge('frontend', 'core-service', 'build'),
  edge('search-service', 'kafka'), edge('search-service', 'core-service', 'build'),
  edge('violations-service', 'kafka'), edge('violations-service', 'postgres'), edge('violations-service', 'search-service', 'optional'), edge('violations-service', 'core-service'),
  edge('reporting-worker', 'billing-service'), edge('reporting-worker', 'kafka'), edge('reporting-worker', 'postgres'),
  edge('recommendations', 'redis', 'optional'), edge('recommendations', 'search-service'),
];
const nodesOf = (edges: readonly GraphEdge[]): Node[] =>
  [...new Set(edges.flatMap((e) => [e.from, e.to]))].map((id) => ({ id, label: id.split('-').map((w) => w[0]!.toUpperCase() + w.slice(1)).join(' ') }));

/**
 * A grown catalog around core-service: the demo's 13 plus 9 more things it needs (directly or through
 * them) and 38 services, apps and workers that need it, 60 in all with 179 dependencies; a fixed
 * seed, so the graph is the same on every run.
 */
function grownCatalog(): GraphEdge[] {
  let seed = 11;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = <T,>(from: readonly T[], n: number) => [...from].sort(() => random() - 0.5).slice(0, n);
  const edges = [...DEMO_EDGES];
  const needed = ['config-service', 'feature-flags', 'vault', 'object-storage', 'audit-log', 'clickhouse', 'tracing-collector', 'email-gateway', 'sms-gateway'];
  edges.push(edge('core-service', 'config-service'), edge('core-service', 'feature-flags'), edge('core-service', 'object-storage', 'optional'), edge('core-service', 'audit-log'),
    edge('core-service', 'tracing-collector', 'optional'), edge('config-service', 'vault'), edge('config-service', 'postgres'), edge('feature-flags', 'config-service'),
    edge('feature-flags', 'redis'), edge('audit-log', 'clickhouse'), edge('audit-log', 'kafka'), edge('auth-service', 'vault'), edge('notification-service', 'email-gateway'),
    edge('notification-service', 'sms-gateway', 'optional'), edge('notification-service', 'feature-flags', 'build'));
  const shared = ['postgres', 'redis', 'kafka', 'auth-service', 'notification-service', 'search-service', 'billing-service', 'object-storage', 'feature-flags', ...needed.slice(4, 6)];
  const domain = ['orders', 'inventory', 'payments', 'shipping', 'pricing', 'catalog', 'cart', 'checkout', 'returns', 'loyalty', 'reviews', 'subscriptions', 'invoicing', 'tax', 'fraud-detection',
    'customer-profile', 'preferences', 'documents', 'scheduling', 'messaging', 'geo-location', 'identity-verification', 'partner-portal-api', 'analytics-ingest'].map((s) => `${s}-service`);
  domain.forEach((service, i) => {
    edges.push(edge(service, 'core-service', i % 7 === 3 ? 'build' : 'runtime'));
    for (const to of pick(shared, 1 + Math.floor(random() * 3))) edges.push(edge(service, to, random() < 0.2 ? 'optional' : 'runtime'));
    if (i > 0 && random() < 0.5) edges.push(edge(service, domain[Math.floor(random() * i)]!, random() < 0.3 ? 'optional' : 'runtime'));
  });
  for (const app of ['web-storefront', 'mobile-bff', 'ios-app', 'android-app', 'admin-console', 'partner-portal', 'support-desk', 'marketing-site', 'checkout-widget', 'public-api-docs']) {
    edges.push(edge(app, random() < 0.5 ? 'api-gateway' : 'frontend', 'runtime'));
    for (const to of pick(domain, 1 + Math.floor(random() * 3))) edges.push(edge(app, to, random() < 0.15 ? 'build' : 'runtime'));
  }
  for (const worker of ['nightly-export', 'search-indexer', 'email-digest', 'ledger-reconciler']) {
    edges.push(edge(worker, 'kafka'));
    for (const to of pick(domain, 2)) edges.push(edge(worker, to));
  }
  return edges;
}

const inside = (p: Point, n: PlacedNode) => p.x > n.x && p.x < n.x + n.width && p.y > n.y && p.y < n.y + n.height;
const onBorder = (p: Point, n: PlacedNode) =>
  p.x >= n.x - 0.5 && p.x <= n.x + n.width + 0.5 && p.y >= n.y - 0.5 && p.y <= n.y + n.height + 0.5 &&
  (Math.abs(p.x - n.x) < 0.5 || Math.abs(p.x - n.x - n.width) < 0.5 || Math.abs(p.y - n.y) < 0.5 || Math.abs(p.y - n.y - n.height) < 0.5);

/** Whether the segment a→b passes through the inside of the box (touching its border is not crossing): Liang–Barsky clipping. */
function crosses(a: Point, b: Point, n: PlacedNode, inset = 1): boolean {
  const [left, right, top, bottom] = [n.x + inset, n.x + n.width - inset, n.y + inset, n.y + n.height - inset];
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  let t0 = 0;
  let t1 = 1;
  for (const [p, q] of [[-dx, a.x - left], [dx, right - a.x], [-dy, a.y - top], [dy, bottom - a.y]] as const) {
    if (p === 0) {
      if (q < 0) return false;
    } else {
      const t = q / p;
      if (p < 0) t0 = Math.max(t0, t);
      else t1 = Math.min(t1, t);
      if (t0 > t1) return false;
    }
  }
  return true;
}

/** What makes a graph readable, as a list of what is wrong (empty when nothing is). */
function problems(layout: GraphLayout<Node>, edges: readonly GraphEdge[]): string[] {
  const found: string[] = [];
  const at = new Map(layout.nodes.map((p) => [p.node.id, p]));
  for (const [i, a] of layout.nodes.entries()) {
    if (a.x < 0 || a.y < 0 || a.x + a.width > layout.width || a.y + a.height > layout.height) found.push(`${a.node.id} is outside the drawing`);
    for (const b of layout.nodes.slice(i + 1)) {
      const apart = a.x + a.width + 8 <= b.x || b.x + b.width + 8 <= a.x || a.y + a.height + 8 <= b.y || b.y + b.height + 8 <= a.y;
      if (!apart) found.push(`${a.node.id} and ${b.node.id} overlap or touch`);
    }
  }
  for (const e of edges) {
    const routed = layout.edges.find((r) => r.edge.from === e.from && r.edge.to === e.to);
    const name = `${e.from} → ${e.to}`;
    if (!routed) {
      found.push(`${name} is not drawn`);
      continue;
    }
    const { points } = routed;
    if (points.length < 2) found.push(`${name} has no route`);
    if (!onBorder(points[0]!, at.get(e.from)!)) found.push(`${name} does not start at ${e.from}'s border`);
    if (!onBorder(points.at(-1)!, at.get(e.to)!)) found.push(`${name} does not end at ${e.to}'s border (its arrowhead)`);
    for (const [k, a] of points.slice(0, -1).entries()) {
      const b = points[k + 1]!;
      if (Math.abs(a.x - b.x) > 0.01 && Math.abs(a.y - b.y) > 0.01) found.push(`${name} has a slanted segment`);
      for (const n of layout.nodes) if (crosses(a, b, n)) found.push(`${name} passes behind ${n.node.id}`);
    }
    for (const p of points) for (const n of layout.nodes) if (inside(p, n)) found.push(`${name} bends inside ${n.node.id}`);
  }
  return found;
}

/** Where a service sits along the flow: its left edge when dependencies point right, its top when they point down. */
const along = (layout: GraphLayout<Node>, id: string) => {
  const p = layout.nodes.find((n) => n.node.id === id)!;
  return layout.direction === 'RIGHT' ? p.x : p.y;
};

describe('the dependency graph layout', () => {
  it('draws core-service\'s demo graph (13 services) with no box on another and no edge behind a box, dependents before it, dependencies after', async () => {
    // Prepare
    const nodes = nodesOf(DEMO_EDGES);
    // Act: in a service page's card at 1440 px, and with all the room it wants
    const inCard = await layoutGraph(nodes, DEMO_EDGES, sized, { width: 1096 });
    const unbounded = await layoutGraph(nodes, DEMO_EDGES, sized);
    // Assess
    for (const layout of [inCard, unbounded]) {
      expect(layout.nodes).toHaveLength(13);
      expect(layout.edges).toHaveLength(32);
      expect(problems(layout, DEMO_EDGES)).toEqual([]);
      for (const dependent of ['frontend', 'api-gateway', 'billing-service', 'violations-service']) expect(along(layout, dependent)).toBeLessThan(along(layout, 'core-service'));
      for (const dependency of ['postgres', 'redis', 'kafka', 'auth-service']) expect(along(layout, dependency)).toBeGreaterThan(along(layout, 'core-service'));
      // Only the edge that closes the cycle runs back, against the flow.
      const back = layout.edges.filter((e) => e.back).map((e) => `${e.edge.from}→${e.edge.to}`);
      expect(back).toHaveLength(1);
      expect(['core-service→notification-service', 'notification-service→core-service']).toContain(back[0]);
    }
    // Left to right it is wider than the card; top to bottom it fits, so that is the one drawn there.
    expect(unbounded.direction).toBe('RIGHT');
    expect(unbounded.width).toBeGreaterThan(1096);
    expect(inCard.direction).toBe('DOWN');
    expect(inCard.width).toBeLessThanOrEqual(1096);
  });

  it('draws a grown catalog (60 services, 179 dependencies) just as cleanly, left to right', async () => {
    const edges = grownCatalog();
    const nodes = nodesOf(edges);
    expect(nodes).toHaveLength(60);
    expect(edges).toHaveLength(179);
    const layout = await layoutGraph(nodes, edges, sized, { width: 1096 });
    expect(layout.nodes).toHaveLength(60);
    expect(layout.direction).toBe('RIGHT');
    expect(problems(layout, edges)).toEqual([]);
    // Every dependency points forward, except the one that closes the demo's cycle.
    expect(layout.edges.filter((e) => e.back)).toHaveLength(1);
    // Edges into a service join before it and end in one arrowhead.
    const ends = new Set(layout.edges.filter((e) => e.edge.to === 'core-service').map((e) => JSON.stringify(e.points.at(-1))));
    expect(ends.size).toBe(1);
  });

  it('the readability check finds a box moved onto an edge, and boxes on top of each other', async () => {
    const layout = await layoutGraph(nodesOf(DEMO_EDGES), DEMO_EDGES, sized, { width: 1096 });
    const route = layout.edges.find((e) => e.edge.from === 'frontend' && e.edge.to === 'core-service')!;
    const [a, b] = route.points;
    const kafka = layout.nodes.find((p) => p.node.id === 'kafka')!;
    const moved = { ...kafka, x: (a!.x + b!.x) / 2 - kafka.width / 2, y: (a!.y + b!.y) / 2 - kafka.height / 2 };
    const broken = { ...layout, nodes: layout.nodes.map((p) => (p === kafka ? moved : p)) };
    expect(problems(broken, DEMO_EDGES)).toContain('frontend → core-service passes behind kafka');
    const stacked = { ...layout, nodes: layout.nodes.map((p) => (p.node.id === 'redis' ? { ...p, x: kafka.x + 4, y: kafka.y + 4 } : p)) };
    expect(problems(stacked, DEMO_EDGES).some((p) => /kafka and redis|redis and kafka/.test(p))).toBe(true);
  });

  it('sizes each box to its labels, and shortens a name too long for the widest box', () => {
    const short = nodeBox('redis', 'Redis');
    const long = nodeBox('identity-verification-service', 'Identity Verification Service');
    expect(long.width).toBeGreaterThan(short.width);
    expect(estimateText(long.title, 'title')).toBeLessThanOrEqual(long.width - BOX.textX);
    const huge = nodeBox('a-service-whose-name-goes-on-and-on-and-on-and-on', 'And whose display name is longer than anything a box can show');
    expect(huge.width).toBeGreaterThan(260);
    expect(huge.width).toBeLessThanOrEqual(280);
    expect(huge.title).toMatch(/^a-service-whose-name.*…$/);
    expect(huge.sub).toMatch(/…$/);
  });

  it('leaves out edges to services it was not given and self-loops, and places a service nothing joins', async () => {
    const edges = [edge('a', 'b', 'build'), edge('a', 'ghost'), edge('b', 'b')];
    const layout = await layoutGraph([{ id: 'a' }, { id: 'b' }, { id: 'lonely' }], edges, sized);
    expect(layout.nodes.map((p) => p.node.id).sort()).toEqual(['a', 'b', 'lonely']);
    expect(layout.edges.map((e) => `${e.edge.from}→${e.edge.to}`)).toEqual(['a→b']);
    expect(problems(layout, [edges[0]!])).toEqual([]);
  });

  it('draws a route as a path through its points with rounded corners', () => {
    expect(edgePath([{ x: 0, y: 0 }, { x: 20, y: 0 }, { x: 20, y: 30 }, { x: 40, y: 30 }])).toBe('M0,0 L14,0 Q20,0 20,6 L20,24 Q20,30 26,30 L40,30');
    expect(edgePath([{ x: 0, y: 5 }, { x: 10, y: 5 }])).toBe('M0,5 L10,5');
  });
});
