import { useMemo } from 'react';
import { Link } from 'wouter';
import { useApi } from '../api/hooks';
import { lake, lakePaths, type ModelsSummary } from '../api/lake';
import { ErrorBox, Loading, Pager, StateBadge, useTitle } from '../components/common';
import { DebouncedInput } from '../components/DebouncedInput';
import { executionPath, fmtDate, matchesWords } from '../components/format';
import { LakeNav } from '../components/LakeNav';
import { useQueryState } from '../components/useQueryState';

const SIZE = 25;
const COUNTS: [keyof ModelsSummary, string][] = [['pass', 'Pass'], ['warn', 'Warn'], ['error', 'Error'], ['skip', 'Skip'], ['noOp', 'No-op']];

export default function LakeModels() {
  useTitle('SQL models runs');
  const [q, setQ] = useQueryState();
  const text = q.get('q') ?? '';
  const page = Number(q.get('page') ?? 1) || 1;
  const list = useApi((signal) => lake.models(signal), 'models');
  const matching = useMemo(() => {
    const matches = matchesWords(text);
    return (list.data?.results ?? []).filter((r) => matches(`${r.namespace}.${r.flowId} ${r.taskId} ${r.state}`));
  }, [list.data, text]);
  const shown = matching.slice((page - 1) * SIZE, page * SIZE);
  return (
    <>
      <LakeNav />
      <div className="page-head">
        <h1>SQL models runs</h1>
        <div className="actions">
          <button type="button" className="btn" onClick={list.reload} disabled={list.loading}>Refresh</button>
        </div>
      </div>
      <p className="muted">
        The latest run of each SQL models task (<code>models.Build</code>, Kestra's dbt tasks) among recent executions.
      </p>
      <form className="filters" role="search" aria-label="Filter models runs" onSubmit={(e) => e.preventDefault()}>
        <DebouncedInput label="Filter" value={text} onChange={(v) => setQ({ q: v, page: undefined })} placeholder="namespace, flow or task" ms={150} />
      </form>
      <ErrorBox error={list.error} onRetry={list.reload} />
      {list.loading && !list.data ? <Loading what="Loading models runs" /> : list.data && (
        matching.length === 0 ? (
          <p className="muted">{list.data.total === 0 ? 'No SQL models run yet: run a flow with a dbt or models.Build task.' : 'No run matches the filter.'}</p>
        ) : (
          <>
            <div className="table-wrap">
              <table data-testid="models-runs">
                <caption className="sr-only">SQL models runs</caption>
                <thead>
                  <tr>
                    <th scope="col">Run</th>
                    <th scope="col">State</th>
                    <th scope="col">Date</th>
                    {COUNTS.map(([k, l]) => <th key={k} scope="col" className="num">{l}</th>)}
                    <th scope="col">Execution</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.map((r) => (
                    <tr key={r.taskRunId}>
                      <td className="wrap-any">
                        <Link href={lakePaths.run(r.executionId, r.taskRunId)}>
                          {r.namespace}.{r.flowId} / {r.taskId}
                        </Link>
                      </td>
                      <td><StateBadge state={r.state} /></td>
                      <td>{fmtDate(r.date)}</td>
                      {COUNTS.map(([k]) => (
                        <td key={k} className={`num${k === 'error' && r.summary?.error ? ' count-bad' : ''}`}>{r.summary?.[k] ?? ''}</td>
                      ))}
                      <td className="mono">
                        <Link href={executionPath({ id: r.executionId, namespace: r.namespace, flowId: r.flowId })} title={r.executionId}>
                          {r.executionId.slice(0, 12)}…
                        </Link>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager page={page} size={SIZE} total={matching.length} onPage={(p) => setQ({ page: String(p) })} />
          </>
        )
      )}
    </>
  );
}
