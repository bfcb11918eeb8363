import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import { api } from '../api/client';
import { useApi } from '../api/hooks';
import type { DailyStat, Execution, Paged } from '../api/types';
import { ErrorBox, Loading, useTitle } from '../components/common';
import DailyChart, { CHART_STATES } from '../components/DailyChart';
import { ExecutionsTable } from '../components/ExecutionsTable';

function useThemeKey(): string {
  const [k, setK] = useState(document.documentElement.dataset.theme ?? '');
  useEffect(() => {
    const o = new MutationObserver(() => setK(document.documentElement.dataset.theme ?? ''));
    o.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => o.disconnect();
  }, []);
  return k;
}

export default function Dashboard() {
  useTitle('Dashboard');
  const theme = useThemeKey();
  const stats = useApi((signal) => api<DailyStat[]>('/stats/executions/daily', { method: 'POST', json: {}, signal }), 'daily', 30_000);
  const failures = useApi(
    (signal) => api<Paged<Execution>>('/executions/search', { query: { state: 'FAILED', page: 1, size: 10 }, signal }),
    'failures',
    10_000,
  );
  const totals: Record<string, number> = {};
  for (const d of stats.data ?? []) for (const [s, n] of Object.entries(d.executionCounts)) totals[s] = (totals[s] ?? 0) + n;
  const all = Object.values(totals).reduce((a, b) => a + b, 0);

  return (
    <>
      <div className="page-head"><h1>Dashboard</h1></div>
      <ErrorBox error={stats.error} onRetry={stats.reload} />
      <div className="stats">
        <div className="card stat"><div className="muted">Executions (30 days)</div><div className="n">{stats.data ? all : '…'}</div></div>
        <div className="card stat"><div className="muted">Succeeded</div><div className="n">{stats.data ? totals.SUCCESS ?? 0 : '…'}</div></div>
        <div className="card stat"><div className="muted">Failed</div><div className="n">{stats.data ? totals.FAILED ?? 0 : '…'}</div></div>
        <div className="card stat"><div className="muted">Running now</div><div className="n">{stats.data ? totals.RUNNING ?? 0 : '…'}</div></div>
      </div>
      <section className="card" aria-labelledby="daily-title">
        <h2 id="daily-title" style={{ marginTop: 0 }}>Executions per day</h2>
        {stats.data ? <DailyChart days={stats.data} theme={theme} /> : !stats.error && <Loading />}
        {stats.data && (
          <details>
            <summary>Show as a table</summary>
            <div className="table-wrap">
              <table>
                <caption className="sr-only">Executions per day by state</caption>
                <thead><tr><th scope="col">Day</th>{CHART_STATES.map((s) => <th key={s} scope="col" className="num">{s}</th>)}</tr></thead>
                <tbody>
                  {stats.data.map((d) => (
                    <tr key={d.startDate}>
                      <th scope="row">{d.startDate.slice(0, 10)}</th>
                      {CHART_STATES.map((s) => <td key={s} className="num">{d.executionCounts[s] ?? 0}</td>)}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        )}
      </section>
      <section aria-labelledby="fail-title">
        <h2 id="fail-title">Recent failures</h2>
        <ErrorBox error={failures.error} onRetry={failures.reload} />
        {failures.data ? <ExecutionsTable executions={failures.data.results} caption="Recent failures" /> : !failures.error && <Loading />}
        <p><Link href="/executions?state=FAILED">All failed executions</Link></p>
      </section>
    </>
  );
}
