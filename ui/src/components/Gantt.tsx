import { useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { Execution, TaskRun } from '../api/types';
import { humanMs, isTerminal, stateVar } from './format';

const ROW = 22;
const LABEL_W = 260;
const OVERSCAN = 10;

export interface GanttRow {
  run: TaskRun;
  depth: number;
  label: string;
}

// Task runs in tree order (children under their parent, by start), so a
// ForEach's iterations sit under it, each labelled with its value.
export function ganttRows(runs: TaskRun[]): GanttRow[] {
  const byParent = new Map<string, TaskRun[]>();
  const ids = new Set(runs.map((r) => r.id));
  for (const r of runs) {
    const p = r.parentTaskRunId && ids.has(r.parentTaskRunId) ? r.parentTaskRunId : '';
    let list = byParent.get(p);
    if (!list) byParent.set(p, (list = []));
    list.push(r);
  }
  const out: GanttRow[] = [];
  // Iterative DFS: a deep nesting must not overflow the stack.
  const stack: { run: TaskRun; depth: number }[] = [];
  const push = (parent: string, depth: number) => {
    const kids = byParent.get(parent);
    if (!kids) return;
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ run: kids[i], depth });
  };
  push('', 0);
  while (stack.length) {
    const { run, depth } = stack.pop()!;
    out.push({ run, depth, label: run.value !== undefined && run.value !== null && run.value !== '' ? `${run.taskId} [${run.value}]` : run.taskId });
    push(run.id, depth + 1);
  }
  return out;
}

function ms(iso?: string): number | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return isNaN(t) ? undefined : t;
}

interface Seg { start: number; end: number; state: string }

function segments(run: TaskRun, now: number): Seg[] {
  const attempts = run.attempts?.length ? run.attempts : [{ state: run.state }];
  const segs: Seg[] = [];
  for (const a of attempts) {
    const s = ms(a.state.startDate) ?? ms(a.state.histories?.[0]?.date);
    if (s === undefined) continue;
    const e = ms(a.state.endDate) ?? (isTerminal(a.state.current) ? s : now);
    segs.push({ start: s, end: Math.max(e, s), state: a.state.current });
  }
  if (!segs.length) {
    const s = ms(run.state.startDate) ?? ms(run.state.histories?.[0]?.date);
    if (s !== undefined) segs.push({ start: s, end: ms(run.state.endDate) ?? now, state: run.state.current });
  }
  return segs;
}

// One SVG for the visible rows only: an execution with thousands of task
// runs stays as cheap to draw as one with twenty.
export function Gantt({ execution, selected, onSelect, height = 440 }: {
  execution: Execution; selected?: string; onSelect: (id: string) => void; height?: number;
}) {
  const runs = execution.taskRunList ?? [];
  const rows = useMemo(() => ganttRows(runs), [runs]);
  const running = !isTerminal(execution.state.current);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(t);
  }, [running]);

  const scrollRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(900);
  const [scrollTop, setScrollTop] = useState(0);
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    setWidth(el.clientWidth);
    return () => ro.disconnect();
  }, []);

  const start = ms(execution.state.startDate) ?? ms(execution.state.histories?.[0]?.date) ?? now;
  const end = Math.max(ms(execution.state.endDate) ?? now, start + 1);
  const labelW = Math.min(LABEL_W, Math.max(110, width * 0.3));
  // Duration and state get their own column on wide screens so they never cover a bar.
  const infoW = width >= 640 ? 150 : 0;
  const barW = Math.max(50, width - labelW - infoW - 16);
  const x = (t: number) => labelW + ((t - start) / (end - start)) * barW;

  const viewH = Math.min(height, Math.max(ROW * rows.length, ROW));
  const first = Math.max(0, Math.floor(scrollTop / ROW) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + viewH) / ROW) + OVERSCAN);
  const visible = rows.slice(first, last);
  const selIndex = rows.findIndex((r) => r.run.id === selected);

  const onKey = (e: KeyboardEvent) => {
    if (!rows.length) return;
    let i = selIndex;
    if (e.key === 'ArrowDown') i = Math.min(rows.length - 1, i + 1);
    else if (e.key === 'ArrowUp') i = Math.max(0, i < 0 ? 0 : i - 1);
    else if (e.key === 'Home') i = 0;
    else if (e.key === 'End') i = rows.length - 1;
    else return;
    e.preventDefault();
    onSelect(rows[i].run.id);
    const el = scrollRef.current;
    if (el) {
      if (i * ROW < el.scrollTop) el.scrollTop = i * ROW;
      else if ((i + 1) * ROW > el.scrollTop + el.clientHeight) el.scrollTop = (i + 1) * ROW - el.clientHeight;
    }
  };

  const ticks = barW < 360 ? 2 : 5;
  return (
    <div className="gantt" data-testid="gantt" data-rows={rows.length}>
      <div className="gantt-head" aria-hidden="true">
        <div style={{ width: labelW, padding: '4px 8px' }}>Task run</div>
        <div style={{ position: 'relative', flex: 1, height: 24 }}>
          {Array.from({ length: ticks + 1 }, (_, i) => (
            <span key={i} style={{ position: 'absolute', left: (barW * i) / ticks, top: 4, whiteSpace: 'nowrap', transform: i === ticks ? 'translateX(-100%)' : i ? 'translateX(-50%)' : undefined }}>
              {humanMs(((end - start) * i) / ticks) || '0'}
            </span>
          ))}
        </div>
      </div>
      <div
        ref={scrollRef}
        className="gantt-scroll"
        style={{ height: viewH }}
        tabIndex={0}
        role="listbox"
        aria-label={`Task runs timeline, ${rows.length} task runs; arrow keys select`}
        aria-activedescendant={selIndex >= first && selIndex < last ? `gr-${selected}` : undefined}
        onKeyDown={onKey}
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      >
        <div style={{ height: rows.length * ROW, position: 'relative' }}>
          <svg
            width={width}
            height={visible.length * ROW}
            style={{ position: 'absolute', top: first * ROW, left: 0 }}
            role="presentation"
          >
            {visible.map((r, k) => {
              const y = k * ROW;
              const segs = segments(r.run, now);
              const dur = segs.length ? segs[segs.length - 1].end - segs[0].start : 0;
              const shown = r.label.length > 40 ? `${r.label.slice(0, 39)}…` : r.label;
              return (
                <g key={r.run.id} transform={`translate(0,${y})`} id={`gr-${r.run.id}`} role="option"
                  aria-selected={r.run.id === selected}>
                  <rect className={`gantt-row-hit${r.run.id === selected ? ' sel' : ''}`} x={0} y={0} width={width} height={ROW}
                    onClick={() => onSelect(r.run.id)} />
                  <text x={8 + r.depth * 14} y={15} style={{ pointerEvents: 'none' }}>
                    {shown}
                  </text>
                  {segs.map((s, i) => (
                    <rect key={i} x={x(s.start)} y={5} width={Math.max(2, x(s.end) - x(s.start))} height={ROW - 10} rx={2}
                      fill={stateVar(s.state)} style={{ pointerEvents: 'none' }} />
                  ))}
                  {infoW > 0 && (
                    <text className="sub" x={width - infoW + 8} y={15} style={{ pointerEvents: 'none' }}>
                      {` ${humanMs(dur)} · ${r.run.state.current}`}
                    </text>
                  )}
                </g>
              );
            })}
          </svg>
        </div>
      </div>
    </div>
  );
}
