import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useSearch } from 'wouter';
import { errorMessage } from '../api/client';
import { useApi } from '../api/hooks';
import { errorHint, lake, type QueryResult } from '../api/lake';
import { useTitle } from '../components/common';
import { LakeNav } from '../components/LakeNav';
import { ResultTable } from '../components/ResultTable';

const LIMITS = [100, 1000, 5000, 10000];
const DRAFT_KEY = 'floe.lake.sql';

function scan(table: string, snapshot?: string | null): string {
  const quoted = table.replace(/'/g, "''");
  return `iceberg_scan('${quoted}'${snapshot ? `, snapshot_id => ${snapshot}` : ''})`;
}

function examples(tables: string[]): { label: string; sql: string }[] {
  const out = tables.slice(0, 4).map((t) => ({ label: `First rows of ${t}`, sql: `SELECT * FROM ${scan(t)} LIMIT 10` }));
  if (tables[0]) {
    out.push({ label: `Count the rows of ${tables[0]}`, sql: `SELECT count(*) AS n FROM ${scan(tables[0])}` });
    out.push({ label: `Columns of ${tables[0]}`, sql: `DESCRIBE SELECT * FROM ${scan(tables[0])}` });
  }
  out.push({ label: 'A query without tables', sql: 'SELECT 42 AS answer, current_date AS today' });
  return out;
}

function loadDraft(): string {
  try {
    return sessionStorage.getItem(DRAFT_KEY) ?? '';
  } catch {
    return '';
  }
}

interface Failure {
  message: string;
  hint?: string;
}

export default function LakeSql() {
  useTitle('SQL console');
  const search = useSearch();
  const sqlId = useId();
  const limitId = useId();
  const helpId = useId();
  const tables = useApi((signal) => lake.tables(signal), 'tables');
  const [sql, setSql] = useState(() => {
    const q = new URLSearchParams(search);
    const t = q.get('table');
    if (t) return `SELECT * FROM ${scan(t, q.get('snapshot'))} LIMIT 100`;
    return loadDraft() || 'SELECT 42 AS answer';
  });
  const [limit, setLimit] = useState(1000);
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<QueryResult>();
  const [failure, setFailure] = useState<Failure>();
  const [runs, setRuns] = useState(0);
  const ctl = useRef<AbortController | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    try {
      sessionStorage.setItem(DRAFT_KEY, sql);
    } catch {
      /* storage off: the draft is not kept */
    }
  }, [sql]);
  useEffect(() => () => ctl.current?.abort(), []);

  const run = async (e?: FormEvent) => {
    e?.preventDefault();
    if (running || !sql.trim()) return;
    ctl.current?.abort();
    const c = new AbortController();
    ctl.current = c;
    setRunning(true);
    setFailure(undefined);
    try {
      const r = await lake.sql(sql, limit, c.signal);
      setResult(r);
      setRuns((n) => n + 1);
    } catch (err) {
      if ((err as Error).name === 'AbortError') return;
      setResult(undefined);
      setFailure({ message: errorMessage(err), hint: errorHint(err) });
    } finally {
      if (ctl.current === c) {
        ctl.current = null;
        setRunning(false);
      }
    }
  };

  const names = (tables.data?.results ?? []).map((t) => `${t.namespace}.${t.name}`).sort();
  return (
    <>
      <LakeNav />
      <div className="page-head">
        <h1>SQL console</h1>
      </div>
      <p className="notice" id={helpId}>
        <strong>Read-only.</strong> One query (SELECT, WITH, VALUES, DESCRIBE, SUMMARIZE…) over the lake, run by DuckDB:
        read Iceberg tables with <code>iceberg_scan('namespace.table')</code>. Statements that write or change settings are
        refused; a query stops after 30 s.
      </p>
      <form onSubmit={run} className="sql-form" aria-label="Query">
        <div className="field">
          <label htmlFor={sqlId}>Query <span className="muted">(Ctrl+Enter or ⌘+Enter runs it)</span></label>
          <textarea
            id={sqlId}
            ref={area}
            className="sql-input"
            value={sql}
            rows={8}
            spellCheck={false}
            autoCapitalize="off"
            autoCorrect="off"
            aria-describedby={helpId}
            onChange={(e) => setSql(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                e.preventDefault();
                void run();
              }
            }}
          />
        </div>
        <div className="row">
          <div className="field inline-field">
            <label htmlFor={limitId}>Row limit</label>
            <select id={limitId} value={limit} onChange={(e) => setLimit(Number(e.target.value))}>
              {LIMITS.map((n) => <option key={n} value={n}>{n.toLocaleString()}</option>)}
            </select>
          </div>
          <button type="submit" className="btn primary" disabled={running || !sql.trim()}>
            {running ? 'Running…' : 'Run'}
          </button>
          {running && (
            <button type="button" className="btn" onClick={() => ctl.current?.abort()}>
              Stop waiting
            </button>
          )}
        </div>
      </form>
      <details className="examples">
        <summary>Examples</summary>
        <ul>
          {examples(names).map((x) => (
            <li key={x.label}>
              <button type="button" className="linkbtn" onClick={() => { setSql(x.sql); area.current?.focus(); }}>
                {x.label}
              </button>{' '}
              <code className="muted">{x.sql}</code>
            </li>
          ))}
        </ul>
      </details>
      <section aria-label="Result" className="sql-result">
        {failure && (
          <div className="sql-error" role="alert" data-testid="sql-error">
            <strong>The query failed</strong>
            <pre>{failure.message}</pre>
            {failure.hint && <p>{failure.hint}</p>}
          </div>
        )}
        {result && !failure && (
          <>
            <p role="status" data-testid="sql-status">
              {result.rows.length.toLocaleString()} {result.rows.length === 1 ? 'row' : 'rows'}
              {result.elapsedMs !== undefined && <> in {result.elapsedMs} ms</>}
              {result.truncated && <strong className="warn-text"> · truncated: only the first {limit.toLocaleString()} rows; raise the row limit or narrow the query</strong>}
            </p>
            <ResultTable key={runs} result={result} caption="Query result" />
          </>
        )}
      </section>
    </>
  );
}
