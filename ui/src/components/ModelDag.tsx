import { Graph, layout } from '@dagrejs/dagre';
import { useMemo, type MouseEvent } from 'react';
import { useLocation } from 'wouter';
import type { ModelNode } from '../api/lake';

const NODE_W = 220;
const NODE_H = 64;

// dbt's statuses, coloured with the execution states' palette.
export function dbtStatusVar(status?: string | null): string {
  switch (status) {
    case 'success': case 'pass': return 'var(--st-success)';
    case 'error': case 'fail': case 'runtime error': return 'var(--st-failed)';
    case 'warn': return 'var(--st-warning)';
    case 'skipped': return 'var(--st-skipped)';
    case 'no-op': return 'var(--st-killed)';
    default: return 'var(--st-created)';
  }
}

export function DbtStatus({ status }: { status?: string | null }) {
  return (
    <span className="state" style={{ ['--c' as string]: dbtStatusVar(status) }}>
      {status ?? 'not run'}
    </span>
  );
}

export function humanSeconds(s?: number | null): string {
  if (s === undefined || s === null || !isFinite(s)) return '';
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  return `${Math.floor(s / 60)}m ${Math.round(s % 60)}s`;
}

export const isTest = (n: ModelNode) => n.resourceType === 'test' || n.resourceType === 'unit_test';

// The nodes a test checks: the one it is attached to, else what it depends on.
export function testedBy(tests: ModelNode[], ids: Set<string>): Map<string, ModelNode[]> {
  const out = new Map<string, ModelNode[]>();
  for (const t of tests) {
    const targets = t.attachedNode && ids.has(t.attachedNode) ? [t.attachedNode] : (t.dependsOn ?? []).filter((d) => ids.has(d));
    for (const id of targets) out.set(id, [...(out.get(id) ?? []), t]);
  }
  return out;
}

export function testCounts(tests: ModelNode[] = []): { ok: number; bad: number; warn: number; other: number } {
  const c = { ok: 0, bad: 0, warn: 0, other: 0 };
  for (const t of tests) {
    if (t.status === 'pass' || t.status === 'success') c.ok++;
    else if (t.status === 'fail' || t.status === 'error') c.bad++;
    else if (t.status === 'warn') c.warn++;
    else c.other++;
  }
  return c;
}

export function testsText(tests: ModelNode[] = []): string {
  if (!tests.length) return '';
  const c = testCounts(tests);
  const parts = [];
  if (c.bad) parts.push(`${c.bad} failing`);
  if (c.warn) parts.push(`${c.warn} warning`);
  if (c.ok) parts.push(`${c.ok} passing`);
  if (c.other) parts.push(`${c.other} not run`);
  return `${tests.length} ${tests.length === 1 ? 'test' : 'tests'}: ${parts.join(', ')}`;
}

interface Laid {
  width: number;
  height: number;
  nodes: { n: ModelNode; x: number; y: number }[];
  edges: string[];
}

function layoutDag(nodes: ModelNode[]): Laid {
  const g = new Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 22, ranksep: 56, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  const ids = new Set(nodes.map((n) => n.uniqueId));
  for (const n of nodes) g.setNode(n.uniqueId, { width: NODE_W, height: NODE_H });
  for (const n of nodes) for (const d of n.dependsOn ?? []) if (ids.has(d) && d !== n.uniqueId) g.setEdge(d, n.uniqueId);
  layout(g);
  const label = g.graph() as { width?: number; height?: number };
  const laid: Laid = { width: label.width ?? 400, height: label.height ?? 120, nodes: [], edges: [] };
  for (const n of nodes) {
    const l = g.node(n.uniqueId) as { x: number; y: number };
    laid.nodes.push({ n, x: l.x - NODE_W / 2, y: l.y - NODE_H / 2 });
  }
  // Reading (and tab) order: by rank, left to right, then top to bottom.
  laid.nodes.sort((a, b) => a.x - b.x || a.y - b.y);
  for (const e of g.edges()) {
    const pts = (g.edge(e) as { points?: { x: number; y: number }[] }).points;
    if (pts?.length) laid.edges.push(pts.map((p, k) => `${k ? 'L' : 'M'}${p.x},${p.y}`).join(' '));
  }
  return laid;
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

// The lineage of a models run: sources, seeds, models and snapshots as
// nodes (tests as counts on the node they test), each a link to its details.
export function ModelDag({ nodes, tests, selected, hrefOf, label }: {
  nodes: ModelNode[];
  tests: Map<string, ModelNode[]>;
  selected?: string;
  hrefOf: (uniqueId: string) => string;
  label: string;
}) {
  const laid = useMemo(() => layoutDag(nodes), [nodes]);
  const [, navigate] = useLocation();
  if (!nodes.length) return <p className="muted">The run has no models, seeds, snapshots or sources.</p>;
  const open = (e: MouseEvent, id: string) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    navigate(hrefOf(id));
  };
  return (
    <figure className="dag" data-testid="model-dag">
      <svg width={laid.width} height={laid.height} role="group" aria-label={label}>
        <defs>
          <marker id="dag-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" className="arrowhead" />
          </marker>
        </defs>
        {laid.edges.map((d, i) => <path key={i} className="edge" d={d} markerEnd="url(#dag-arrow)" />)}
        {laid.nodes.map(({ n, x, y }) => {
          const t = tests.get(n.uniqueId) ?? [];
          const c = testCounts(t);
          const time = humanSeconds(n.executionTime);
          const kind = [n.resourceType, n.materialized && n.materialized !== n.resourceType ? n.materialized : ''].filter(Boolean).join(' · ');
          const title = clip(n.name, 27);
          const kindText = clip(kind, 32);
          const statusText = `${n.status ?? 'not run'}${time ? ` · ${time}` : ''}`;
          const badge = t.length ? `${c.bad ? `✗${c.bad} ` : ''}${c.warn ? `!${c.warn} ` : ''}✓${c.ok}/${t.length}` : '';
          // The name starts with the text shown (as speech input expects), then says it in words.
          const more = [title !== n.name ? n.name : '', t.length ? testsText(t) : ''].filter(Boolean).join('; ');
          const name = `${[title, kindText, statusText, badge].filter(Boolean).join(' ')}${more ? `. ${more}` : ''}`;
          return (
            <a key={n.uniqueId} href={`/ui${hrefOf(n.uniqueId)}`} onClick={(e) => open(e, n.uniqueId)}
              className={`dag-node${selected === n.uniqueId ? ' sel' : ''}${n.status ? '' : ' not-run'} ${n.resourceType}`}
              aria-label={name} aria-current={selected === n.uniqueId ? 'true' : undefined}
              data-unique-id={n.uniqueId} data-status={n.status ?? ''}
              style={{ ['--c' as string]: dbtStatusVar(n.status) }}>
              <g transform={`translate(${x},${y})`}>
                <title>{n.uniqueId}</title>
                <rect className="box" width={NODE_W} height={NODE_H} rx={6} />
                <rect className="bar" width={6} height={NODE_H} rx={3} />
                {/* One text, spaced, so the node's text reads as words (and matches its name). */}
                <text>
                  <tspan className="name" x={14} y={19}>{title}</tspan>{' '}
                  <tspan className="kind" x={14} y={36}>{kindText}</tspan>{' '}
                  <tspan className="status" x={14} y={54}>{statusText}</tspan>
                </text>
                {t.length > 0 && (
                  <g className={`tests${c.bad ? ' bad' : c.warn ? ' warn' : ''}`} transform={`translate(${NODE_W - 72},42)`}>
                    <rect width={64} height={17} rx={8} />
                    <text x={32} y={12.5} textAnchor="middle">{badge}</text>
                  </g>
                )}
              </g>
            </a>
          );
        })}
      </svg>
    </figure>
  );
}
