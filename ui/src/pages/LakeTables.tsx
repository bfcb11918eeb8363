import { useMemo } from 'react';
import { Link } from 'wouter';
import { useApi } from '../api/hooks';
import { lake, lakePaths } from '../api/lake';
import { ErrorBox, Loading, Pager, useTitle } from '../components/common';
import { DebouncedInput } from '../components/DebouncedInput';
import { matchesWords } from '../components/format';
import { LakeNav } from '../components/LakeNav';
import { useQueryState } from '../components/useQueryState';

const SIZE = 50;

export default function LakeTables() {
  useTitle('Lakehouse tables');
  const [q, setQ] = useQueryState();
  const text = q.get('q') ?? '';
  const page = Number(q.get('page') ?? 1) || 1;
  const list = useApi((signal) => lake.tables(signal), 'tables');
  const matching = useMemo(() => {
    const matches = matchesWords(text);
    return (list.data?.results ?? [])
      .filter((t) => matches(`${t.namespace}.${t.name} ${t.metadataLocation}`))
      .sort((a, b) => `${a.namespace}.${a.name}`.localeCompare(`${b.namespace}.${b.name}`));
  }, [list.data, text]);
  const shown = matching.slice((page - 1) * SIZE, page * SIZE);
  return (
    <>
      <LakeNav />
      <div className="page-head">
        <h1>Tables</h1>
        <div className="actions">
          <button type="button" className="btn" onClick={list.reload} disabled={list.loading}>Refresh</button>
        </div>
      </div>
      <form className="filters" role="search" aria-label="Filter tables" onSubmit={(e) => e.preventDefault()}>
        <DebouncedInput label="Filter" value={text} onChange={(v) => setQ({ q: v, page: undefined })} placeholder="namespace or table" ms={150} />
      </form>
      <ErrorBox error={list.error} onRetry={list.reload} />
      {list.loading && !list.data ? <Loading what="Loading tables" /> : list.data && (
        matching.length === 0 ? (
          <p className="muted">
            {list.data.total === 0
              ? 'No Iceberg tables in the catalog yet: a flow with iceberg.CreateTable (or a model materialized as iceberg) makes one.'
              : 'No table matches the filter.'}
          </p>
        ) : (
          <>
            <div className="table-wrap">
              <table>
                <caption className="sr-only">Iceberg tables</caption>
                <thead>
                  <tr>
                    <th scope="col">Table</th>
                    <th scope="col">Namespace</th>
                    <th scope="col">Metadata file</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.map((t) => (
                    <tr key={`${t.namespace}.${t.name}`}>
                      <td><Link href={lakePaths.table(t.namespace, t.name)}>{t.name}</Link></td>
                      <td className="wrap-any">{t.namespace}</td>
                      <td className="mono wrap-any muted">{t.metadataLocation}</td>
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
