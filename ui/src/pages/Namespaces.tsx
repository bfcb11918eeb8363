import { useState } from 'react';
import { Link } from 'wouter';
import { api } from '../api/client';
import { useApi } from '../api/hooks';
import type { Paged } from '../api/types';
import { ErrorBox, Loading, Pager, useTitle } from '../components/common';
import { DebouncedInput } from '../components/DebouncedInput';
import { enc } from '../components/format';

const SIZE = 50;

export default function Namespaces() {
  useTitle('Namespaces');
  const [page, setPage] = useState(1);
  const [q, setQ] = useState('');
  const list = useApi(
    (signal) => api<Paged<{ id: string }>>('/namespaces/search', { query: { page, size: SIZE, q }, signal }),
    `${page}/${q}`,
  );
  return (
    <>
      <div className="page-head"><h1>Namespaces</h1></div>
      <form className="filters" role="search" aria-label="Filter namespaces" onSubmit={(e) => e.preventDefault()}>
        <DebouncedInput label="Search" value={q} onChange={(v) => { setQ(v); setPage(1); }} />
      </form>
      <ErrorBox error={list.error} onRetry={list.reload} />
      {list.loading && !list.data ? <Loading /> : list.data && (
        <>
          <div className="table-wrap">
            <table>
              <caption className="sr-only">Namespaces</caption>
              <thead><tr><th scope="col">Namespace</th><th scope="col">Open</th></tr></thead>
              <tbody>
                {list.data.results.map((n) => (
                  <tr key={n.id}>
                    <th scope="row" style={{ paddingLeft: 10 + 16 * (n.id.split('.').length - 1) }}>{n.id}</th>
                    <td>
                      <div className="row">
                        <Link href={`/namespaces/${enc(n.id)}/files`}>Files<span className="sr-only"> of {n.id}</span></Link>
                        <Link href={`/namespaces/${enc(n.id)}/kv`}>KV store<span className="sr-only"> of {n.id}</span></Link>
                        <Link href={`/flows?namespace=${enc(n.id)}`}>Flows<span className="sr-only"> of {n.id}</span></Link>
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager page={page} size={SIZE} total={list.data.total} onPage={setPage} />
        </>
      )}
    </>
  );
}
