import { Graph, layout } from '@dagrejs/dagre';
import { useMemo } from 'react';
import { api } from '../api/client';
import { useApi } from '../api/hooks';
import type { FlowGraph, GraphCluster, GraphNode } from '../api/types';
import { ErrorBox, Loading } from './common';
import { enc } from './format';

const NODE_W = 190;
const NODE_H = 46;
const DOT = 14;

function shortType(t?: string): string {
  if (!t) return '';
  const parts = t.split('.');
  return parts.slice(-2).join('.');
}

function isDot(n: GraphNode): boolean {
  return n.type === 'GraphClusterRoot' || n.type === 'GraphClusterEnd';
}

function nodeLabel(n: GraphNode): { title: string; sub: string } {
  if (n.task) return { title: n.task.id, sub: shortType(n.task.type) };
  if (n.trigger) return { title: n.trigger.id, sub: shortType(n.trigger.type) };
  if (n.triggerDeclaration) return { title: n.triggerDeclaration.id, sub: shortType(n.triggerDeclaration.type) };
  return { title: n.uid.split('.').pop() ?? n.uid, sub: n.type };
}

// The innermost cluster: the one with the longest uid among candidates.
function innermost(cands: GraphCluster[]): GraphCluster | undefined {
  return cands.reduce<GraphCluster | undefined>((best, c) => (!best || c.cluster.uid.length > best.cluster.uid.length ? c : best), undefined);
}

interface Laid {
  width: number;
  height: number;
  nodes: { n: GraphNode; x: number; y: number; w: number; h: number }[];
  clusters: { c: GraphCluster; x: number; y: number; w: number; h: number }[];
  edges: { points: { x: number; y: number }[]; dashed: boolean; label?: string }[];
}

export function layoutGraph(g: FlowGraph): Laid {
  const dg = new Graph({ compound: true, multigraph: true });
  dg.setGraph({ rankdir: 'TB', nodesep: 30, ranksep: 36, marginx: 16, marginy: 16 });
  dg.setDefaultEdgeLabel(() => ({}));
  const cid = (uid: string) => `cluster:${uid}`;
  for (const c of g.clusters) dg.setNode(cid(c.cluster.uid), { label: c.cluster.uid, paddingTop: 26 } as never);
  for (const c of g.clusters) {
    const parent = innermost(g.clusters.filter((o) => o !== c && c.cluster.uid.startsWith(`${o.cluster.uid}.`)));
    if (parent) dg.setParent(cid(c.cluster.uid), cid(parent.cluster.uid));
  }
  for (const n of g.nodes) {
    const dot = isDot(n);
    dg.setNode(n.uid, { width: dot ? DOT : NODE_W, height: dot ? DOT : NODE_H });
    const parent = innermost(g.clusters.filter((c) => c.nodes.includes(n.uid)));
    if (parent) dg.setParent(n.uid, cid(parent.cluster.uid));
  }
  g.edges.forEach((e, i) => {
    if (dg.hasNode(e.source) && dg.hasNode(e.target)) dg.setEdge(e.source, e.target, {}, String(i));
  });
  layout(dg);
  const out: Laid = { width: 0, height: 0, nodes: [], clusters: [], edges: [] };
  const graphLabel = dg.graph() as { width?: number; height?: number };
  out.width = graphLabel.width ?? 400;
  out.height = graphLabel.height ?? 200;
  for (const n of g.nodes) {
    const l = dg.node(n.uid) as { x: number; y: number; width: number; height: number };
    out.nodes.push({ n, x: l.x - l.width / 2, y: l.y - l.height / 2, w: l.width, h: l.height });
  }
  for (const c of g.clusters) {
    const l = dg.node(cid(c.cluster.uid)) as { x: number; y: number; width: number; height: number } | undefined;
    if (l && l.width) out.clusters.push({ c, x: l.x - l.width / 2, y: l.y - l.height / 2, w: l.width, h: l.height });
  }
  g.edges.forEach((e, i) => {
    const l = dg.edge({ v: e.source, w: e.target, name: String(i) }) as { points?: { x: number; y: number }[] } | undefined;
    if (l?.points)
      out.edges.push({ points: l.points, dashed: e.relation?.relationType === 'DYNAMIC' || !e.relation?.relationType, label: e.relation?.value });
  });
  return out;
}

export default function Topology({ ns, id, revision }: { ns: string; id: string; revision: number }) {
  const graph = useApi((signal) => api<FlowGraph>(`/flows/${enc(ns)}/${enc(id)}/graph`, { signal }), `${ns}/${id}/${revision}`);
  const laid = useMemo(() => (graph.data ? layoutGraph(graph.data) : undefined), [graph.data]);
  if (graph.error) return <ErrorBox error={graph.error} onRetry={graph.reload} />;
  if (!laid) return <Loading what="Loading topology" />;
  const taskCount = laid.nodes.filter((x) => x.n.task).length;
  return (
    <figure className="topology" style={{ margin: 0 }} data-testid="topology">
      <svg width={laid.width} height={laid.height} role="img" aria-label={`Topology of ${id}: ${taskCount} tasks`}>
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" className="dot" />
          </marker>
        </defs>
        {laid.clusters.map(({ c, x, y, w, h }) => (
          <g key={c.cluster.uid} className="cluster">
            <rect x={x} y={y} width={w} height={h} rx={8} />
            <text x={x + 8} y={y + 14}>{c.cluster.task ? `${c.cluster.task.id} · ${shortType(c.cluster.task.type)}` : c.cluster.uid.split('.').pop()}</text>
          </g>
        ))}
        {laid.edges.map((e, i) => (
          <path key={i} className="edge" strokeDasharray={e.dashed ? '4 3' : undefined} markerEnd="url(#arrow)"
            d={e.points.map((p, k) => `${k ? 'L' : 'M'}${p.x},${p.y}`).join(' ')} />
        ))}
        {laid.nodes.map(({ n, x, y, w, h }) => {
          if (isDot(n)) return <circle key={n.uid} className="dot" cx={x + w / 2} cy={y + h / 2} r={w / 2 - 2} />;
          const { title, sub } = nodeLabel(n);
          return (
            <g key={n.uid} className={`node${n.trigger || n.type.includes('Trigger') ? ' trigger' : ''}`} transform={`translate(${x},${y})`}>
              <title>{`${title} (${n.task?.type ?? n.trigger?.type ?? n.type})`}</title>
              <rect width={w} height={h} rx={6} />
              <text x={10} y={19}>{title.length > 24 ? `${title.slice(0, 23)}…` : title}</text>
              <text className="type" x={10} y={35}>{sub}</text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
