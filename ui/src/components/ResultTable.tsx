import { useState } from 'react';
import type { QueryResult } from '../api/lake';
import { Pager } from './common';

const PAGE = 200;

function cell(v: unknown): { text: string; cls?: string } {
  if (v === null || v === undefined) return { text: 'NULL', cls: 'muted' };
  if (typeof v === 'object') return { text: JSON.stringify(v) };
  if (typeof v === 'number') return { text: String(v), cls: 'num' };
  return { text: String(v) };
}

// Rows of a query (the console's or a table preview) in a scrolling box with
// a sticky header; long results are paged so the page stays quick.
export function ResultTable({ result, caption }: { result: QueryResult; caption: string }) {
  const [page, setPage] = useState(1);
  const rows = result.rows.slice((page - 1) * PAGE, page * PAGE);
  if (!result.columns.length) return <p className="muted">No columns.</p>;
  return (
    <>
      <div className="result-scroll" tabIndex={0} role="region" aria-label={caption}>
        <table className="result-table" data-testid="result-table" data-rows={result.rows.length}>
          <caption className="sr-only">{caption}</caption>
          <thead>
            <tr>
              {result.columns.map((c, i) => (
                <th key={i} scope="col">
                  {c.name}
                  <span className="col-type">{c.type}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i}>
                {result.columns.map((_, j) => {
                  const c = cell(r[j]);
                  return <td key={j} className={c.cls}>{c.text}</td>;
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {result.rows.length === 0 && <p className="muted">No rows.</p>}
      {result.rows.length > PAGE && <Pager page={page} size={PAGE} total={result.rows.length} onPage={setPage} />}
    </>
  );
}
