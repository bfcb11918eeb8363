import { useId, useState } from 'react';
import { columnName, flattenFields, typeText, type TableMetadata } from '../api/lake';

// The table's schemas: the current one by default, earlier ones on request.
export function SchemaPanel({ meta }: { meta: TableMetadata }) {
  const current = meta['current-schema-id'];
  const [chosen, setChosen] = useState(current);
  const id = useId();
  const schema = meta.schemas.find((s) => s['schema-id'] === chosen) ?? meta.schemas[meta.schemas.length - 1];
  if (!schema) return <p className="muted">The table has no schema.</p>;
  const identifiers = new Set(schema['identifier-field-ids'] ?? []);
  const rows = flattenFields(schema.fields);
  return (
    <>
      {meta.schemas.length > 1 && (
        <div className="field inline-field">
          <label htmlFor={id}>Schema</label>
          <select id={id} value={schema['schema-id']} onChange={(e) => setChosen(Number(e.target.value))}>
            {[...meta.schemas].reverse().map((s) => (
              <option key={s['schema-id']} value={s['schema-id']}>
                Schema {s['schema-id']}{s['schema-id'] === current ? ' (current)' : ''} · {s.fields.length} columns
              </option>
            ))}
          </select>
        </div>
      )}
      <div className="table-wrap">
        <table data-testid="schema-table">
          <caption className="sr-only">
            Columns of schema {schema['schema-id']}{schema['schema-id'] === current ? ' (current)' : ''}
          </caption>
          <thead>
            <tr>
              <th scope="col" className="num">Id</th>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Required</th>
              <th scope="col">Doc</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ path, depth, field }) => (
              <tr key={field.id}>
                <td className="num">{field.id}</td>
                <th scope="row" className="mono field-name" style={{ paddingLeft: 10 + depth * 18 }}>
                  {depth ? path.slice(path.lastIndexOf('.') + 1) : field.name}
                  {depth > 0 && <span className="sr-only"> (in {path.slice(0, path.lastIndexOf('.'))})</span>}
                  {identifiers.has(field.id) && <span className="label-chip" title="Identifier field">key</span>}
                </th>
                <td className="mono wrap-any">{typeText(field.type)}</td>
                <td>{field.required ? 'Yes' : 'No'}</td>
                <td>{field.doc ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

// Partition specs (the default one first) and sort orders.
export function PartitioningPanel({ meta }: { meta: TableMetadata }) {
  const specs = [...meta['partition-specs']].sort((a, b) =>
    a['spec-id'] === meta['default-spec-id'] ? -1 : b['spec-id'] === meta['default-spec-id'] ? 1 : b['spec-id'] - a['spec-id']);
  const orders = meta['sort-orders'] ?? [];
  return (
    <>
      <h2>Partition specs</h2>
      {specs.map((s) => (
        <section key={s['spec-id']} className="spec" aria-label={`Partition spec ${s['spec-id']}`}>
          <h3>
            Spec {s['spec-id']} {s['spec-id'] === meta['default-spec-id'] && <span className="label-chip">default</span>}
          </h3>
          {s.fields.length === 0 ? <p className="muted">Unpartitioned.</p> : (
            <div className="table-wrap">
              <table>
                <caption className="sr-only">Fields of partition spec {s['spec-id']}</caption>
                <thead>
                  <tr>
                    <th scope="col">Partition field</th>
                    <th scope="col">Source column</th>
                    <th scope="col">Transform</th>
                    <th scope="col" className="num">Field id</th>
                  </tr>
                </thead>
                <tbody>
                  {s.fields.map((f, i) => (
                    <tr key={i}>
                      <td className="mono">{f.name}</td>
                      <td className="mono">{columnName(meta, f['source-id'])}</td>
                      <td className="mono">{f.transform}</td>
                      <td className="num">{f['field-id'] ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      ))}
      <h2>Sort orders</h2>
      {orders.length === 0 ? <p className="muted">None.</p> : orders.map((o) => (
        <section key={o['order-id']} aria-label={`Sort order ${o['order-id']}`}>
          <h3>
            Order {o['order-id']} {o['order-id'] === meta['default-sort-order-id'] && <span className="label-chip">default</span>}
          </h3>
          {o.fields.length === 0 ? <p className="muted">Unsorted.</p> : (
            <div className="table-wrap">
              <table>
                <caption className="sr-only">Fields of sort order {o['order-id']}</caption>
                <thead>
                  <tr>
                    <th scope="col">Column</th>
                    <th scope="col">Transform</th>
                    <th scope="col">Direction</th>
                    <th scope="col">Nulls</th>
                  </tr>
                </thead>
                <tbody>
                  {o.fields.map((f, i) => (
                    <tr key={i}>
                      <td className="mono">{columnName(meta, f['source-id'])}</td>
                      <td className="mono">{f.transform}</td>
                      <td>{f.direction}</td>
                      <td>{f['null-order']}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      ))}
    </>
  );
}
