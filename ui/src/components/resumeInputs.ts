import { useEffect, useState } from 'react';
import { api } from '../api/client';
import type { Execution, Flow, FlowInput } from '../api/types';
import { enc } from './format';

// A task of the flow's JSON by id, wherever it is nested (flowable tasks,
// errors, finally, afterExecution, ...).
function findTask(node: unknown, id: string): Record<string, unknown> | undefined {
  if (Array.isArray(node)) {
    for (const x of node) {
      const hit = findTask(x, id);
      if (hit) return hit;
    }
    return undefined;
  }
  if (!node || typeof node !== 'object') return undefined;
  const o = node as Record<string, unknown>;
  if (o.id === id && typeof o.type === 'string') return o;
  for (const [k, v] of Object.entries(o)) {
    if (k === 'inputs' || k === 'triggers' || k === 'onResume') continue;
    if (v && typeof v === 'object') {
      const hit = findTask(v, id);
      if (hit) return hit;
    }
  }
  return undefined;
}

// The Pause tasks this execution waits at: task runs PAUSED of a Pause type.
export function waitingPauses(exec: Execution): string[] {
  if (exec.state.current !== 'PAUSED') return [];
  const ids = (exec.taskRunList ?? [])
    .filter((t) => t.state.current === 'PAUSED' && /(^|\.)Pause$/.test(t.taskType ?? 'Pause'))
    .map((t) => t.taskId);
  return [...new Set(ids)];
}

// The onResume inputs of the Pause tasks a PAUSED execution waits at, from
// its flow's revision (one list; the same id twice is asked once). undefined
// while loading; an empty list when resuming takes no inputs.
export function useResumeInputs(exec: Execution | undefined): { inputs?: FlowInput[]; error?: string } {
  const pauses = exec ? waitingPauses(exec) : [];
  const key = exec && pauses.length ? `${exec.namespace}/${exec.flowId}/${exec.flowRevision ?? ''}/${pauses.join(',')}` : '';
  const [state, setState] = useState<{ key: string; inputs?: FlowInput[]; error?: string }>({ key: '' });
  useEffect(() => {
    if (!key || !exec) return;
    let stop = false;
    const query = exec.flowRevision ? { revision: exec.flowRevision } : undefined;
    api<Flow>(`/flows/${enc(exec.namespace)}/${enc(exec.flowId)}`, { query })
      .then((flow) => {
        const seen = new Set<string>();
        const inputs: FlowInput[] = [];
        for (const id of pauses) {
          const declared = findTask(flow.tasks, id) ?? findTask(flow, id);
          const list = declared?.onResume;
          if (!Array.isArray(list)) continue;
          for (const i of list as FlowInput[]) {
            if (!i || typeof i !== 'object' || typeof i.id !== 'string' || seen.has(i.id)) continue;
            seen.add(i.id);
            inputs.push({ ...i, type: typeof i.type === 'string' ? i.type : 'STRING' });
          }
        }
        if (!stop) setState({ key, inputs });
      })
      .catch((e) => {
        if (!stop) setState({ key, inputs: [], error: (e as Error).message });
      });
    return () => { stop = true; };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  if (!key) return { inputs: [] };
  return state.key === key ? { inputs: state.inputs, error: state.error } : {};
}
