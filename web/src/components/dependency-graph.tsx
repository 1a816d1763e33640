/**
 * A service's dependency graph as a graph: dependents on the left, the service, what it depends on to
 * the right (transitively), edges styled by type, each node a link to its service page. elk lays it out
 * (graph-layout.ts): boxes sized to their names, edges routed between the columns, never behind a box.
 */
import { Classes } from '@blueprintjs/core';
import { useEffect, useMemo, useRef, useState, type MouseEvent } from 'react';
import './catalog.css';
import { navigate } from '../lib/router.tsx';
import { ErrorState } from './error-state.tsx';
import { BOX, edgePath, estimateText, layoutGraph, nodeBox, type DependencyType, type GraphEdge, type GraphLayout, type MeasureText, type NodeBox } from './graph-layout.ts';
import { HEALTH_COLOR, type HealthStatus } from './health.tsx';

export interface ServiceNode {
  readonly id: string;
  readonly label?: string | undefined;
  readonly healthStatus?: HealthStatus | undefined;
  /** Deregistered (a tombstone): drawn faded, still named. */
  readonly missing?: boolean | undefined;
}

export const EDGE_STYLE: Record<DependencyType, { dash?: string; label: string }> = {
  runtime: { label: 'runtime' },
  build: { dash: '6 4', label: 'build' },
  optional: { dash: '2 4', label: 'optional' },
};

/** The fonts of .apollo-node-title and .apollo-node-sub (catalog.css), measured on a canvas; estimated where there is none. */
const measureText: MeasureText = (() => {
  const context = typeof document === 'undefined' ? null : document.createElement('canvas').getContext('2d');
  if (!context) return estimateText;
  const fonts = { title: "600 12px 'SFMono-Regular', 'Menlo', 'Consolas', 'Liberation Mono', monospace", sub: '' };
  const widths = new Map<string, number>();
  return (text, kind) => {
    fonts.sub ||= `11px ${getComputedStyle(document.body).fontFamily}`;
    const key = `${kind}:${text}`;
    let width = widths.get(key);
    if (width === undefined) {
      context.font = fonts[kind];
      width = Math.ceil(context.measureText(text).width);
      widths.set(key, width);
    }
    return width;
  };
})();

const subtitle = (node: ServiceNode) => (node.missing ? 'deregistered' : node.label && node.label !== node.id ? node.label : undefined);

export function DependencyGraph({ centre, nodes, edges }: { centre: string; nodes: readonly ServiceNode[]; edges: readonly GraphEdge[] }) {
  const boxes = useMemo(() => new Map<string, NodeBox>(nodes.map((n) => [n.id, nodeBox(n.id, subtitle(n), measureText)])), [nodes]);
  // Laid out again only when what it places changes: a health status or an edge's type arriving does not move a box.
  const shape = JSON.stringify([nodes.map((n) => [n.id, boxes.get(n.id)!.width]), edges.map((e) => [e.from, e.to])]);
  const [laid, setLaid] = useState<{ shape: string; layout: GraphLayout<ServiceNode> } | { shape: string; error: unknown }>();
  const [attempt, setAttempt] = useState(0);
  const frame = useRef<HTMLDivElement>(null);
  const scroller = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let current = true;
    // Left to right if it fits the card, else top to bottom if that is narrower.
    layoutGraph(nodes, edges, (n) => boxes.get(n.id)!, { width: frame.current?.clientWidth || undefined }).then(
      (layout) => current && setLaid({ shape, layout }),
      (error: unknown) => current && setLaid({ shape, error }),
    );
    return () => {
      current = false;
    };
    // `shape` stands for nodes, edges and boxes: a new array with the same graph is not a new layout.
  }, [shape, attempt]);

  // A graph wider than the card opens scrolled to the service itself, not to its far edge.
  const layout = laid && 'layout' in laid ? laid.layout : undefined;
  useEffect(() => {
    const box = scroller.current;
    const svg = box?.querySelector('svg');
    const at = layout?.nodes.find((p) => p.node.id === centre);
    if (!box || !svg || !at || box.scrollWidth <= box.clientWidth) return;
    const scale = svg.getBoundingClientRect().width / layout!.width;
    box.scrollLeft = (at.x + at.width / 2) * scale - box.clientWidth / 2;
  }, [layout, centre]);

  // The centre's own edges stand out; pointing at a service brings out its edges instead.
  const [focus, setFocus] = useState<string | null>(null);
  const lit = focus ?? centre;
  const byId = useMemo(() => new Map(nodes.map((n) => [n.id, n])), [nodes]);
  const types = useMemo(() => new Map(edges.map((e) => [`${e.from}>${e.to}`, e.type])), [edges]);
  const open = (id: string) => (event: MouseEvent) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(`/catalog/${encodeURIComponent(id)}`);
  };

  if (!laid || !layout) {
    return (
      <div ref={frame}>
        {laid && 'error' in laid
          ? <ErrorState compact error={laid.error} onRetry={() => setAttempt((n) => n + 1)} />
          : <div className={Classes.SKELETON} style={{ height: 160 }} data-testid="dependency-graph-pending" />}
      </div>
    );
  }
  const [before, after] = layout.direction === 'RIGHT' ? ['←', '→'] : ['↑', '↓'];
  const upstream = edges.some((e) => e.to === centre && e.from !== centre);
  const downstream = edges.some((e) => e.from === centre && e.to !== centre);
  // Faded edges first, the lit ones over them.
  const drawn = [...layout.edges].sort((a, b) => Number(a.edge.from === lit || a.edge.to === lit) - Number(b.edge.from === lit || b.edge.to === lit));
  return (
    <div ref={frame} className="apollo-graph" data-testid="dependency-graph" data-direction={layout.direction} aria-busy={laid.shape !== shape}>
      <div className="apollo-graph-legend">
        <span className={Classes.TEXT_MUTED}>{upstream ? `${before} depends on this` : 'Nothing depends on this'}</span>
        <span className="apollo-graph-types">
          {(Object.keys(EDGE_STYLE) as DependencyType[]).map((t) => (
            <span key={t} className="apollo-graph-type">
              <svg width={28} height={8} aria-hidden><line x1={0} y1={4} x2={28} y2={4} className={`apollo-edge apollo-edge-${t}`} strokeDasharray={EDGE_STYLE[t].dash} /></svg>
              {EDGE_STYLE[t].label}
            </span>
          ))}
        </span>
        <span className={Classes.TEXT_MUTED}>{downstream ? `this depends on ${after}` : 'Depends on nothing'}</span>
      </div>
      <div className="apollo-graph-scroll" ref={scroller}>
        {/* Shrinks to fit down to 3/4 size, then scrolls: a large graph stays readable. */}
        <svg viewBox={`0 0 ${layout.width} ${layout.height}`} role="img" style={{ width: '100%', maxWidth: layout.width, minWidth: layout.width * 0.75, height: 'auto' }}
          aria-label={`Dependency graph of ${centre}: ${layout.nodes.length - 1} related services, ${layout.edges.length} dependencies`}>
          <defs>
            {(Object.keys(EDGE_STYLE) as DependencyType[]).map((t) => (
              <marker key={t} id={`apollo-arrow-${t}`} viewBox="0 0 10 10" refX={9} refY={5} markerWidth={7} markerHeight={7} orient="auto-start-reverse">
                <path d="M0,0 L10,5 L0,10 z" className={`apollo-arrow apollo-arrow-${t}`} />
              </marker>
            ))}
          </defs>
          {drawn.map(({ edge, points, junctions, back }) => {
            const type = types.get(`${edge.from}>${edge.to}`) ?? edge.type;
            const touches = edge.from === lit || edge.to === lit;
            return (
              <g key={`${edge.from}>${edge.to}`} className={`apollo-edge apollo-edge-${type}${touches ? ' apollo-edge-near' : ' apollo-edge-far'}${back ? ' apollo-edge-back' : ''}`}>
                <path d={edgePath(points)} fill="none" data-testid="graph-edge" data-from={edge.from} data-to={edge.to} data-type={type}
                  strokeDasharray={EDGE_STYLE[type].dash} markerEnd={`url(#apollo-arrow-${type})`}>
                  <title>{`${edge.from} depends on ${edge.to} (${type})`}</title>
                </path>
                {junctions.map((p) => <circle key={`${p.x},${p.y}`} cx={p.x} cy={p.y} r={2.5} className="apollo-edge-junction" />)}
              </g>
            );
          })}
          {layout.nodes.map(({ node: placed, x, y, width, height }) => {
            const node = byId.get(placed.id) ?? placed;
            const box = boxes.get(node.id) ?? nodeBox(node.id, subtitle(node));
            const current = node.id === centre;
            const label = node.label && node.label !== node.id ? node.label : undefined;
            const middle = height / 2;
            const group = (
              <g transform={`translate(${x},${y})`} onMouseEnter={() => setFocus(node.id)} onMouseLeave={() => setFocus(null)}
                className={`apollo-node${current ? ' apollo-node-current' : ''}${node.missing ? ' apollo-node-missing' : ''}`}
                data-testid="graph-node" data-id={node.id} data-current={current}>
                <rect width={width} height={height} rx={8} className="apollo-node-box" />
                <circle cx={16} cy={middle} r={5} fill={HEALTH_COLOR[node.healthStatus ?? 'unknown']}>
                  <title>{node.healthStatus ?? 'unknown'}</title>
                </circle>
                <text x={BOX.textX} y={box.sub ? middle - 3 : middle + 5} className="apollo-node-title">{box.title}</text>
                {box.sub && <text x={BOX.textX} y={middle + 13} className="apollo-node-sub">{box.sub}</text>}
                <title>{`${node.id}${label ? ` — ${label}` : ''}${node.missing ? ' (deregistered)' : ''}`}</title>
              </g>
            );
            return current || node.missing ? <g key={node.id}>{group}</g> : (
              <a key={node.id} href={`/catalog/${encodeURIComponent(node.id)}`} onClick={open(node.id)} aria-label={`Open ${node.id}`}>{group}</a>
            );
          })}
        </svg>
      </div>
    </div>
  );
}
