import { useEffect, useState, type FormEvent } from 'react';
import { api, errorMessage } from '../api/client';
import { useApi } from '../api/hooks';
import type { KvEntry } from '../api/types';
import { ErrorBox, Loading, Notice } from './common';
import { enc, fmtDate } from './format';

type KvType = 'STRING' | 'NUMBER' | 'BOOLEAN' | 'JSON';
interface KvValue { type: KvType; value: unknown }

// The body PUT expects: JSON text, whose type the server keeps.
function encodeValue(type: KvType, text: string): string {
  switch (type) {
    case 'STRING': return JSON.stringify(text);
    case 'NUMBER': {
      const n = Number(text);
      if (text.trim() === '' || !isFinite(n)) throw new Error(`'${text}' is not a number`);
      return String(n);
    }
    case 'BOOLEAN':
      if (text !== 'true' && text !== 'false') throw new Error('a boolean is true or false');
      return text;
    case 'JSON':
      try {
        return JSON.stringify(JSON.parse(text));
      } catch (e) {
        throw new Error(`invalid JSON: ${(e as Error).message}`);
      }
  }
}

function showValue(v?: KvValue): string {
  if (!v) return '…';
  return typeof v.value === 'string' ? v.value : JSON.stringify(v.value);
}

function KvForm({ ns, initial, onSaved, onCancel }: {
  ns: string; initial?: { key: string; value?: KvValue }; onSaved: () => void; onCancel: () => void;
}) {
  const [key, setKey] = useState(initial?.key ?? '');
  const [type, setType] = useState<KvType>(initial?.value?.type ?? 'STRING');
  const [text, setText] = useState(
    initial?.value ? (initial.value.type === 'JSON' ? JSON.stringify(initial.value.value, null, 2) : String(initial.value.value)) : '',
  );
  const [ttl, setTtl] = useState('');
  const [error, setError] = useState<string>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      await api(`/namespaces/${enc(ns)}/kv/${enc(key)}`, {
        method: 'PUT',
        body: encodeValue(type, text),
        headers: { 'Content-Type': 'application/json', ...(ttl ? { ttl } : {}) },
      });
      onSaved();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <form className="card" onSubmit={submit} style={{ margin: '12px 0' }} aria-labelledby="kv-form-title">
      <h2 id="kv-form-title" style={{ marginTop: 0 }}>{initial ? `Edit ${initial.key}` : 'New key'}</h2>
      <div className="row" style={{ alignItems: 'flex-start' }}>
        <div className="field">
          <label htmlFor="kv-key">Key</label>
          <input id="kv-key" required value={key} readOnly={!!initial} pattern="[A-Za-z0-9_.\-]+" onChange={(e) => setKey(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="kv-type">Type</label>
          <select id="kv-type" value={type} onChange={(e) => setType(e.target.value as KvType)}>
            <option>STRING</option><option>NUMBER</option><option>BOOLEAN</option><option>JSON</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="kv-ttl">Expires after (ISO 8601, optional)</label>
          <input id="kv-ttl" placeholder="PT1H" value={ttl} onChange={(e) => setTtl(e.target.value)} />
        </div>
      </div>
      <div className="field">
        <label htmlFor="kv-value">Value</label>
        {type === 'BOOLEAN' ? (
          <select id="kv-value" value={text} onChange={(e) => setText(e.target.value)} required>
            <option value="">(choose)</option><option>true</option><option>false</option>
          </select>
        ) : type === 'JSON' ? (
          <textarea id="kv-value" rows={6} value={text} onChange={(e) => setText(e.target.value)} />
        ) : (
          <input id="kv-value" type={type === 'NUMBER' ? 'number' : 'text'} step="any" value={text} onChange={(e) => setText(e.target.value)} />
        )}
      </div>
      <ErrorBox error={error} />
      <div className="row">
        <button type="submit" className="btn primary">Save</button>
        <button type="button" className="btn" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}

export function KvStore({ ns }: { ns: string }) {
  const keys = useApi((signal) => api<KvEntry[]>(`/namespaces/${enc(ns)}/kv`, { signal }), ns);
  const [values, setValues] = useState<Record<string, KvValue | { error: string }>>({});
  const [editing, setEditing] = useState<{ key: string; value?: KvValue } | 'new'>();
  const [error, setError] = useState<string>();
  const [info, setInfo] = useState<string>();

  useEffect(() => {
    let stop = false;
    const list = (keys.data ?? []).slice(0, 200);
    // A few at a time: a namespace with many keys must not fire hundreds of requests at once.
    (async () => {
      for (let i = 0; i < list.length && !stop; i += 6) {
        const batch = list.slice(i, i + 6);
        const got = await Promise.all(batch.map((k) =>
          api<KvValue>(`/namespaces/${enc(ns)}/kv/${enc(k.key)}`).then((v) => [k.key, v] as const, (e) => [k.key, { error: errorMessage(e) }] as const)));
        if (!stop) setValues((cur) => ({ ...cur, ...Object.fromEntries(got) }));
      }
    })();
    return () => { stop = true; };
  }, [keys.data, ns]);

  const remove = async (key: string) => {
    setError(undefined);
    try {
      await api(`/namespaces/${enc(ns)}/kv/${enc(key)}`, { method: 'DELETE' });
      setInfo(`Deleted ${key}`);
      keys.reload();
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  return (
    <div>
      <div className="row" style={{ marginBottom: 8 }}>
        <button type="button" className="btn primary" onClick={() => setEditing('new')}>Add a key</button>
      </div>
      {editing && (
        <KvForm key={editing === 'new' ? '' : editing.key} ns={ns} initial={editing === 'new' ? undefined : editing}
          onCancel={() => setEditing(undefined)}
          onSaved={() => { setEditing(undefined); setInfo('Saved'); keys.reload(); }} />
      )}
      <ErrorBox error={error} />
      {info && <Notice kind="ok">{info}</Notice>}
      <ErrorBox error={keys.error} onRetry={keys.reload} />
      {!keys.data ? !keys.error && <Loading /> : keys.data.length === 0 ? <p className="muted">No keys in this namespace.</p> : (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">KV store of {ns}</caption>
            <thead>
              <tr><th scope="col">Key</th><th scope="col">Type</th><th scope="col">Value</th><th scope="col">Updated</th><th scope="col">Expires</th><th scope="col">Actions</th></tr>
            </thead>
            <tbody>
              {keys.data.map((k) => {
                const v = values[k.key];
                const ok = v && !('error' in v) ? (v as KvValue) : undefined;
                return (
                  <tr key={k.key}>
                    <th scope="row" className="mono">{k.key}</th>
                    <td>{ok?.type ?? ''}</td>
                    <td className="mono wrap-any">{v && 'error' in v ? <span className="muted">{v.error}</span> : showValue(ok)}</td>
                    <td>{fmtDate(k.updateDate)}</td>
                    <td>{fmtDate(k.expirationDate) || '—'}</td>
                    <td>
                      <div className="row">
                        <button type="button" className="btn small" disabled={!ok} onClick={() => setEditing({ key: k.key, value: ok })}>
                          Edit<span className="sr-only"> {k.key}</span>
                        </button>
                        <button type="button" className="btn small" onClick={() => remove(k.key)}>
                          Delete<span className="sr-only"> {k.key}</span>
                        </button>
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
