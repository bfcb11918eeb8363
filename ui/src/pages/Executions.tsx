import { api } from '../api/client';
import { useApi } from '../api/hooks';
import type { Execution, Paged } from '../api/types';
import { ErrorBox, Loading, Pager, useTitle } from '../components/common';
import { ExecutionsTable } from '../components/ExecutionsTable';
import { STATES } from '../components/format';
import { DebouncedInput } from '../components/DebouncedInput';
import { useQueryState } from '../components/useQueryState';

const RANGES: [string, string][] = [
  ['', 'Any time'], ['PT1H', 'Last hour'], ['P1D', 'Last 24 hours'], ['P7D', 'Last 7 days'], ['P30D', 'Last 30 days'],
];
const SIZE = 25;

export default function Executions() {
  useTitle('Executions');
  const [q, setQ] = useQueryState();
  const page = Number(q.get('page') ?? 1) || 1;
  const filters = {
    namespace: q.get('namespace') ?? '',
    flowId: q.get('flowId') ?? '',
    state: q.get('state') ?? '',
    labels: q.get('labels') ?? '',
    timeRange: q.get('timeRange') ?? '',
    q: q.get('q') ?? '',
  };
  const key = JSON.stringify({ ...filters, page });
  const list = useApi(
    (signal) =>
      api<Paged<Execution>>('/executions/search', {
        query: { ...filters, labels: filters.labels ? filters.labels.split(',').map((s) => s.trim()) : undefined, page, size: SIZE },
        signal,
      }),
    key,
    4000,
  );
  const set = (k: string) => (v: string) => setQ({ [k]: v, page: undefined });

  return (
    <>
      <div className="page-head">
        <h1>Executions</h1>
      </div>
      <form className="filters" role="search" aria-label="Filter executions" onSubmit={(e) => e.preventDefault()}>
        <DebouncedInput label="Namespace" value={filters.namespace} onChange={set('namespace')} placeholder="e.g. company.team" />
        <DebouncedInput label="Flow" value={filters.flowId} onChange={set('flowId')} />
        <div className="field">
          <label htmlFor="ex-state">State</label>
          <select id="ex-state" value={filters.state} onChange={(e) => set('state')(e.target.value)}>
            <option value="">Any</option>
            {STATES.map((s) => <option key={s}>{s}</option>)}
          </select>
        </div>
        <DebouncedInput label="Labels" value={filters.labels} onChange={set('labels')} placeholder="key:value, …" />
        <div className="field">
          <label htmlFor="ex-range">Time range</label>
          <select id="ex-range" value={filters.timeRange} onChange={(e) => set('timeRange')(e.target.value)}>
            {RANGES.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
          </select>
        </div>
        <DebouncedInput label="Search" value={filters.q} onChange={set('q')} />
      </form>
      <ErrorBox error={list.error} onRetry={list.reload} />
      {list.loading && !list.data ? <Loading /> : list.data && (
        <>
          <ExecutionsTable executions={list.data.results} caption="Executions" />
          <Pager page={page} size={SIZE} total={list.data.total} onPage={(p) => setQ({ page: String(p) })} />
        </>
      )}
    </>
  );
}
