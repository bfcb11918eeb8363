import { useEffect, useId, useState } from 'react';
import { api } from '../api/client';
import { useApi } from '../api/hooks';
import type { Flow } from '../api/types';
import { DiffEditor } from './CodeEditor';
import { ErrorBox, Loading } from './common';
import { enc, fmtDate } from './format';

export function Revisions({ ns, id, current }: { ns: string; id: string; current: number }) {
  const revs = useApi((signal) => api<Flow[]>(`/flows/${enc(ns)}/${enc(id)}/revisions`, { signal }), `${ns}/${id}/${current}`);
  const [left, setLeft] = useState<number>();
  const [right, setRight] = useState<number>();
  const uid = useId();

  useEffect(() => {
    const list = revs.data;
    if (!list?.length) return;
    const last = list[list.length - 1].revision;
    setRight(last);
    setLeft(list.length > 1 ? list[list.length - 2].revision : last);
  }, [revs.data]);

  if (revs.error) return <ErrorBox error={revs.error} onRetry={revs.reload} />;
  if (!revs.data) return <Loading what="Loading revisions" />;
  const byRev = new Map(revs.data.map((r) => [r.revision, r]));
  const src = (n?: number) => (n === undefined ? '' : byRev.get(n)?.source ?? '');

  return (
    <div>
      <div className="table-wrap" style={{ marginBottom: 12 }}>
        <table>
          <caption className="sr-only">Revisions</caption>
          <thead>
            <tr><th scope="col">Revision</th><th scope="col">Updated</th><th scope="col">Compare</th></tr>
          </thead>
          <tbody>
            {[...revs.data].reverse().map((r) => (
              <tr key={r.revision}>
                <th scope="row">{r.revision}{r.revision === current ? ' (current)' : ''}</th>
                <td>{fmtDate(r.updated)}</td>
                <td>
                  <div className="row">
                    <button type="button" className="btn small" aria-pressed={left === r.revision} onClick={() => setLeft(r.revision)}>
                      As older<span className="sr-only"> revision {r.revision}</span>
                    </button>
                    <button type="button" className="btn small" aria-pressed={right === r.revision} onClick={() => setRight(r.revision)}>
                      As newer<span className="sr-only"> revision {r.revision}</span>
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="row" style={{ marginBottom: 8 }}>
        <label htmlFor={`${uid}-l`}>Older</label>
        <select id={`${uid}-l`} value={left ?? ''} onChange={(e) => setLeft(Number(e.target.value))}>
          {revs.data.map((r) => <option key={r.revision} value={r.revision}>Revision {r.revision}</option>)}
        </select>
        <label htmlFor={`${uid}-r`}>Newer</label>
        <select id={`${uid}-r`} value={right ?? ''} onChange={(e) => setRight(Number(e.target.value))}>
          {revs.data.map((r) => <option key={r.revision} value={r.revision}>Revision {r.revision}</option>)}
        </select>
      </div>
      <DiffEditor original={src(left)} modified={src(right)} label={`Diff of revision ${left} and ${right}`} />
    </div>
  );
}
