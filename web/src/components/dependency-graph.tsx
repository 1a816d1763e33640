/**
 * A service's dependency graph as a graph: dependents on the left, the service in the middle, what it
 * depends on to the right (transitively), edges styled by type, each node a link to its service page.
 */
import { Classes } from '@blueprintjs/core';
import { useMemo, useState, type MouseEvent } from 'react';
import './catalog.css';
import { navigate } from '../lib/router.tsx';
import { layoutGraph, type DependencyType, type GraphEdge } from './graph-layout.ts';
import { HEALTH_COLOR, type HealthStatus } from './health.tsx';

export interface ServiceNode {
  readonly id: string;
  readonly label?: string | undefined;
  readonly healthStatus?: HealthStatus | undefined;
  /** Deregistered (a tombstone): drawn faded, still named. */
  readonly missing?: boolean | undefined;
}

const NODE_W = 176;
const NODE_H = 48;

export const EDGE_STYLE: Record<DependencyType, { dash?: string; label: string }> = {
  runtime: { label: 'runtime' },
  build: { dash: '6 4', label: 'build' },
  optional: { dash: '2 4', label: 'optional' },
};

const truncate = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function DependencyGraph({ centre, nodes, edges }: { centre: string; nodes: readonly ServiceNode[]; edges: readonly GraphEdge[] }) {
  const layout = useMemo(() => layoutGraph(centre, nodes, edges, { nodeWidth: NODE_W, nodeHeight: NODE_H }), [centre, nodes, edges]);
  // The centre's own edges stand out; pointing at a service brings out its edges instead.
  const [focus, setFocus] = useState<string | null>(null);
  const lit = focus ?? centre;
  const open = (id: string) => (event: MouseEvent) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(`/catalog/${encodeURIComponent(id)}`);
  };
  const upstream = layout.nodes.some((p) => p.layer < 0);
  const downstream = layout.nodes.some((p) => p.layer > 0);
  return (
    <div className="apollo-graph" data-testid="dependency-graph">
      <div className="apollo-graph-legend">
        <span className={Classes.TEXT_MUTED}>{upstream ? '← depends on this' : 'Nothing depends on this'}</span>
        <span className="apollo-graph-types">
          {(Object.keys(EDGE_STYLE) as DependencyType[]).map((t) => (
            <span key={t} className="apollo-graph-type">
              <svg width={28} height={8} aria-hidden><line x1={0} y1={4} x2={28} y2={4} className={`apollo-edge apollo-edge-${t}`} strokeDasharray={EDGE_STYLE[t].dash} /></svg>
              {EDGE_STYLE[t].label}
            </span>
          ))}
        </span>
        <span className={Classes.TEXT_MUTED}>{downstream ? 'this depends on →' : 'Depends on nothing'}</span>
      </div>
      <div className="apollo-graph-scroll">
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
          {layout.edges.map(({ edge, path, back }) => {
            const touches = edge.from === lit || edge.to === lit;
            return (
              <path key={`${edge.from}>${edge.to}`} d={path} fill="none" data-testid="graph-edge" data-from={edge.from} data-to={edge.to} data-type={edge.type}
                className={`apollo-edge apollo-edge-${edge.type}${touches ? ' apollo-edge-near' : ' apollo-edge-far'}${back ? ' apollo-edge-back' : ''}`}
                strokeDasharray={EDGE_STYLE[edge.type].dash} markerEnd={`url(#apollo-arrow-${edge.type})`}>
                <title>{`${edge.from} depends on ${edge.to} (${edge.type})`}</title>
              </path>
            );
          })}
          {layout.nodes.map(({ node, x, y }) => {
            const current = node.id === centre;
            const label = node.label && node.label !== node.id ? node.label : undefined;
            const sub = node.missing ? 'deregistered' : label;
            const box = (
              <g transform={`translate(${x},${y})`} onMouseEnter={() => setFocus(node.id)} onMouseLeave={() => setFocus(null)} className={`apollo-node${current ? ' apollo-node-current' : ''}${node.missing ? ' apollo-node-missing' : ''}`}
                data-testid="graph-node" data-id={node.id} data-current={current}>
                <rect width={NODE_W} height={NODE_H} rx={8} className="apollo-node-box" />
                <circle cx={16} cy={NODE_H / 2} r={5} fill={HEALTH_COLOR[node.healthStatus ?? 'unknown']}>
                  <title>{node.healthStatus ?? 'unknown'}</title>
                </circle>
                <text x={30} y={sub ? 21 : 29} className="apollo-node-title">{truncate(node.id, 20)}</text>
                {sub && <text x={30} y={37} className="apollo-node-sub">{truncate(sub, 24)}</text>}
                <title>{`${node.id}${label ? ` — ${label}` : ''}${node.missing ? ' (deregistered)' : ''}`}</title>
              </g>
            );
            return current || node.missing ? <g key={node.id}>{box}</g> : (
              <a key={node.id} href={`/catalog/${encodeURIComponent(node.id)}`} onClick={open(node.id)} aria-label={`Open ${node.id}`}>{box}</a>
            );
          })}
        </svg>
      </div>
    </div>
  );
}
