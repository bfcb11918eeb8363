import { Link, useLocation } from 'wouter';
import { api } from '../api/client';
import { useApi } from '../api/hooks';
import type { Flow, Paged } from '../api/types';
import { ErrorBox, Labels, Loading, Pager, useTitle } from '../components/common';
import { DebouncedInput } from '../components/DebouncedInput';
import { flowPath } from '../components/format';
import { useQueryState } from '../components/useQueryState';

const SIZE = 25;

export default function Flows() {
  useTitle('Flows');
  const [, navigate] = useLocation();
  const [q, setQ] = useQueryState();
  const page = Number(q.get('page') ?? 1) || 1;
  const namespace = q.get('namespace') ?? '';
  const labels = q.get('labels') ?? '';
  const text = q.get('q') ?? '';
  const list = useApi(
    (signal) =>
      api<Paged<Flow>>('/flows/search', {
        query: { page, size: SIZE, namespace, q: text, labels: labels ? labels.split(',').map((s) => s.trim()) : undefined },
        signal,
      }),
    JSON.stringify([page, namespace, labels, text]),
  );
  const set = (k: string) => (v: string) => setQ({ [k]: v, page: undefined });
  return (
    <>
      <div className="page-head">
        <h1>Flows</h1>
        <div className="actions">
          <button type="button" className="btn primary" onClick={() => navigate('/flows/new')}>New flow</button>
        </div>
      </div>
      <form className="filters" role="search" aria-label="Filter flows" onSubmit={(e) => e.preventDefault()}>
        <DebouncedInput label="Namespace" value={namespace} onChange={set('namespace')} placeholder="e.g. company.team" />
        <DebouncedInput label="Labels" value={labels} onChange={set('labels')} placeholder="key:value, …" />
        <DebouncedInput label="Search" value={text} onChange={set('q')} />
      </form>
      <ErrorBox error={list.error} onRetry={list.reload} />
      {list.loading && !list.data ? <Loading /> : list.data && (
        list.data.results.length === 0 ? <p className="muted">No flows match. <Link href="/flows/new">Create one</Link>.</p> : (
          <>
            <div className="table-wrap">
              <table>
                <caption className="sr-only">Flows</caption>
                <thead>
                  <tr>
                    <th scope="col">Flow</th>
                    <th scope="col">Namespace</th>
                    <th scope="col">Revision</th>
                    <th scope="col">Labels</th>
                    <th scope="col">Status</th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.results.map((f) => (
                    <tr key={`${f.namespace}/${f.id}`}>
                      <td><Link href={flowPath(f.namespace, f.id)}>{f.id}</Link>{f.description && <div className="muted">{f.description}</div>}</td>
                      <td className="wrap-any">{f.namespace}</td>
                      <td className="num">{f.revision}</td>
                      <td><Labels labels={f.labels} /></td>
                      <td>{f.disabled ? 'Disabled' : 'Enabled'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager page={page} size={SIZE} total={list.data.total} onPage={(p) => setQ({ page: String(p) })} />
          </>
        )
      )}
    </>
  );
}
