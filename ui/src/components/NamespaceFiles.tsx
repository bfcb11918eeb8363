import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, download, errorMessage, request } from '../api/client';
import type { NsFile } from '../api/types';
import { CodeEditor } from './CodeEditor';
import { ErrorBox, Loading, Notice } from './common';
import { enc } from './format';

const TEXT_LIMIT = 2 * 1024 * 1024;

function join(dir: string, name: string): string {
  return `${dir === '/' ? '' : dir}/${name}`;
}

function languageOf(path: string): string {
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  return ({ yml: 'yaml', yaml: 'yaml', sql: 'sql', py: 'python', sh: 'shell', md: 'markdown', js: 'javascript', mjs: 'javascript', json: 'javascript' } as Record<string, string>)[ext] ?? 'plaintext';
}

function Tree({ dir, entries, expanded, selected, onToggle, onOpen }: {
  dir: string;
  entries: Record<string, NsFile[] | undefined>;
  expanded: Set<string>;
  selected?: string;
  onToggle: (path: string) => void;
  onOpen: (path: string) => void;
}) {
  const list = entries[dir];
  if (!list) return <Loading />;
  if (!list.length) return <p className="muted" style={{ margin: '2px 6px' }}>Empty folder</p>;
  const sorted = [...list].sort((a, b) => (a.type === b.type ? a.fileName.localeCompare(b.fileName) : a.type === 'Directory' ? -1 : 1));
  return (
    <ul className="tree" aria-label={dir === '/' ? 'Namespace files' : undefined}>
      {sorted.map((f) => {
        const p = join(dir, f.fileName);
        const isDir = f.type === 'Directory';
        const open = expanded.has(p);
        return (
          <li key={p}>
            <button type="button" aria-expanded={isDir ? open : undefined} aria-current={selected === p ? 'true' : undefined} onClick={() => (isDir ? onToggle(p) : onOpen(p))}>
              {isDir ? (open ? '▾ ' : '▸ ') : '  '}{f.fileName}{isDir ? '/' : ''}
            </button>
            {isDir && open && (
              <Tree dir={p} entries={entries} expanded={expanded} selected={selected} onToggle={onToggle} onOpen={onOpen} />
            )}
          </li>
        );
      })}
    </ul>
  );
}

export function NamespaceFiles({ ns }: { ns: string }) {
  const base = `/namespaces/${enc(ns)}/files`;
  const [entries, setEntries] = useState<Record<string, NsFile[] | undefined>>({});
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const [selected, setSelected] = useState<string>();
  const [content, setContent] = useState<string>();
  const [original, setOriginal] = useState<string>();
  const [binary, setBinary] = useState(false);
  const [error, setError] = useState<string>();
  const [info, setInfo] = useState<string>();
  const [newPath, setNewPath] = useState('');
  const [moveTo, setMoveTo] = useState('');
  const [uploadDir, setUploadDir] = useState('/');
  const [file, setFile] = useState<File | null>(null);

  const loadDir = useCallback(async (dir: string) => {
    try {
      const list = await api<NsFile[]>(`${base}/directory`, { query: { path: dir } });
      setEntries((cur) => ({ ...cur, [dir]: list }));
    } catch (e) {
      setEntries((cur) => ({ ...cur, [dir]: [] }));
      setError(errorMessage(e));
    }
  }, [base]);

  const refresh = useCallback(() => {
    setEntries({});
    void loadDir('/');
    expanded.forEach((d) => void loadDir(d));
  }, [loadDir, expanded]);

  useEffect(() => {
    setEntries({});
    setExpanded(new Set());
    setSelected(undefined);
    void loadDir('/');
  }, [loadDir]);

  const toggle = (p: string) => {
    setExpanded((cur) => {
      const next = new Set(cur);
      if (next.has(p)) next.delete(p);
      else {
        next.add(p);
        void loadDir(p);
      }
      return next;
    });
  };

  const open = async (p: string) => {
    setSelected(p);
    setMoveTo(p);
    setContent(undefined);
    setError(undefined);
    setInfo(undefined);
    try {
      const res = await request(base, { query: { path: p } });
      const buf = await res.arrayBuffer();
      const bytes = new Uint8Array(buf);
      // A NUL byte or a very large file: offer download, not the editor.
      const isBinary = buf.byteLength > TEXT_LIMIT || bytes.subarray(0, 8000).includes(0);
      setBinary(isBinary);
      const text = isBinary ? '' : new TextDecoder().decode(bytes);
      setContent(text);
      setOriginal(text);
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  const upload = async (path: string, body: Blob, name: string) => {
    const fd = new FormData();
    fd.append('fileContent', body, name);
    await api(base, { method: 'POST', query: { path }, body: fd });
  };

  const run = async (label: string, fn: () => Promise<void>) => {
    setError(undefined);
    setInfo(undefined);
    try {
      await fn();
      setInfo(`${label}: done`);
    } catch (e) {
      setError(`${label}: ${errorMessage(e)}`);
    }
  };

  const save = () => run('Save', async () => {
    if (!selected || content === undefined) return;
    await upload(selected, new Blob([content], { type: 'text/plain' }), selected.split('/').pop() ?? 'file');
    setOriginal(content);
  });

  const create = (e: FormEvent) => {
    e.preventDefault();
    const p = newPath.startsWith('/') ? newPath : `/${newPath}`;
    void run(p.endsWith('/') ? 'New folder' : 'New file', async () => {
      if (p.endsWith('/')) await api(`${base}/directory`, { method: 'POST', query: { path: p.replace(/\/+$/, '') } });
      else await upload(p, new Blob([''], { type: 'text/plain' }), p.split('/').pop() ?? 'file');
      setNewPath('');
      refresh();
      if (!p.endsWith('/')) await open(p);
    });
  };

  const doUpload = (e: FormEvent) => {
    e.preventDefault();
    if (!file) return;
    const dir = uploadDir.startsWith('/') ? uploadDir : `/${uploadDir}`;
    void run('Upload', async () => {
      await upload(join(dir.replace(/\/+$/, '') || '/', file.name), file, file.name);
      refresh();
    });
  };

  const move = (e: FormEvent) => {
    e.preventDefault();
    if (!selected || !moveTo || moveTo === selected) return;
    const to = moveTo.startsWith('/') ? moveTo : `/${moveTo}`;
    void run('Move', async () => {
      await api(base, { method: 'PUT', query: { from: selected, to } });
      setSelected(to);
      refresh();
    });
  };

  const remove = () => {
    if (!selected) return;
    void run('Delete', async () => {
      await api(base, { method: 'DELETE', query: { path: selected } });
      setSelected(undefined);
      setContent(undefined);
      refresh();
    });
  };

  return (
    <div className="files-layout">
      <div>
        <div className="row" style={{ justifyContent: 'space-between', marginBottom: 6 }}>
          <h2 style={{ margin: 0 }}>Files</h2>
          <button type="button" className="btn small" onClick={refresh}>Refresh</button>
        </div>
        <div className="card" style={{ padding: 6, maxHeight: '55vh', overflow: 'auto' }}>
          <Tree dir="/" entries={entries} expanded={expanded} selected={selected} onToggle={toggle} onOpen={open} />
        </div>
        <form onSubmit={create} style={{ marginTop: 12 }}>
          <div className="field">
            <label htmlFor="nsf-new">New file or folder (end with /)</label>
            <input id="nsf-new" value={newPath} placeholder="/scripts/query.sql" onChange={(e) => setNewPath(e.target.value)} required />
          </div>
          <button type="submit" className="btn small">Create</button>
        </form>
        <form onSubmit={doUpload} style={{ marginTop: 12 }}>
          <div className="field">
            <label htmlFor="nsf-upload">Upload a file</label>
            <input id="nsf-upload" type="file" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
          </div>
          <div className="field">
            <label htmlFor="nsf-dir">Into folder</label>
            <input id="nsf-dir" value={uploadDir} onChange={(e) => setUploadDir(e.target.value)} />
          </div>
          <button type="submit" className="btn small" disabled={!file}>Upload</button>
        </form>
      </div>
      <div>
        <ErrorBox error={error} />
        {info && <Notice kind="ok">{info}</Notice>}
        {!selected ? <p className="muted">Choose a file in the tree to view or edit it.</p> : (
          <section aria-labelledby="nsf-title">
            <div className="row" style={{ justifyContent: 'space-between', marginBottom: 8 }}>
              <h2 id="nsf-title" className="mono" style={{ margin: 0 }}>{selected}</h2>
              <div className="row">
                {!binary && <button type="button" className="btn primary" onClick={save} disabled={content === original}>Save</button>}
                <button type="button" className="btn" onClick={() => download(base, { path: selected }, selected.split('/').pop() ?? 'file').catch((e) => setError(errorMessage(e)))}>Download</button>
                <button type="button" className="btn danger" onClick={remove}>Delete</button>
              </div>
            </div>
            <form onSubmit={move} className="row" style={{ marginBottom: 8, alignItems: 'flex-end' }}>
              <div className="field" style={{ margin: 0, flex: 1 }}>
                <label htmlFor="nsf-move">Move or rename to</label>
                <input id="nsf-move" value={moveTo} onChange={(e) => setMoveTo(e.target.value)} />
              </div>
              <button type="submit" className="btn" disabled={!moveTo || moveTo === selected}>Move</button>
            </form>
            {content === undefined ? <Loading what="Loading file" /> : binary ? (
              <p className="muted">This file is binary or large: download it instead.</p>
            ) : (
              <CodeEditor key={selected} value={content} onChange={setContent} language={languageOf(selected)} label={`Content of ${selected}`} />
            )}
          </section>
        )}
      </div>
    </div>
  );
}
