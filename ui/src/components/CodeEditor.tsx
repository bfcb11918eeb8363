import { useEffect, useRef, useState } from 'react';
import { ErrorBox, Loading } from './common';

type MonacoModule = typeof import('../monaco/setup');
type Editor = import('monaco-editor').editor.IStandaloneCodeEditor;
type DiffEditorT = import('monaco-editor').editor.IStandaloneDiffEditor;

let loading: Promise<MonacoModule> | null = null;
// The one dynamic import of Monaco: every editor shares it.
export function loadMonaco(): Promise<MonacoModule> {
  loading ??= import('../monaco/setup').catch((e) => {
    loading = null;
    throw e;
  });
  return loading;
}

export interface Marker {
  line: number;
  column: number;
  message: string;
}

let modelSeq = 0;

function useMonaco(): [MonacoModule | undefined, string | undefined] {
  const [m, setM] = useState<MonacoModule>();
  const [err, setErr] = useState<string>();
  useEffect(() => {
    let stop = false;
    loadMonaco().then((x) => { if (!stop) setM(x); }, (e) => { if (!stop) setErr(`The editor could not load: ${(e as Error).message}`); });
    return () => { stop = true; };
  }, []);
  return [m, err];
}

export function CodeEditor({
  value, onChange, language = 'yaml', flowSchema = false, markers, readOnly = false, label, className = 'editor-box',
  revealLine,
}: {
  value: string;
  onChange?: (v: string) => void;
  language?: string;
  flowSchema?: boolean;
  markers?: Marker[];
  readOnly?: boolean;
  label: string;
  className?: string;
  revealLine?: { line: number; column: number; seq: number };
}) {
  const [m, loadError] = useMonaco();
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<Editor | undefined>(undefined);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;

  useEffect(() => {
    if (!m || !host.current) return;
    const { monaco } = m;
    if (flowSchema) void m.ensureFlowSchema();
    m.applyTheme();
    const uri = monaco.Uri.parse(`file:///floe/editor-${++modelSeq}${flowSchema ? '.flow.yaml' : language === 'yaml' ? '.yaml' : ''}`);
    const model = monaco.editor.createModel(value, language, uri);
    const ed = monaco.editor.create(host.current, {
      model,
      automaticLayout: true,
      minimap: { enabled: false },
      readOnly,
      tabSize: 2,
      scrollBeyondLastLine: false,
      fontSize: 13,
      renderFinalNewline: 'on',
      ariaLabel: label,
      fixedOverflowWidgets: true,
      quickSuggestions: { other: true, comments: false, strings: true },
    });
    editor.current = ed;
    const sub = ed.onDidChangeModelContent(() => onChangeRef.current?.(ed.getValue()));
    // The e2e test and power users reach the editor through this hook.
    Object.assign(window, { __floeEditor: ed, __floeMonaco: monaco });
    const themeObs = new MutationObserver(() => m.applyTheme());
    themeObs.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => {
      themeObs.disconnect();
      sub.dispose();
      ed.dispose();
      model.dispose();
      editor.current = undefined;
    };
    // The editor is created once per mount; later value changes go through setValue below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [m, language, flowSchema]);

  useEffect(() => {
    const ed = editor.current;
    if (ed && ed.getValue() !== value) ed.setValue(value);
  }, [value]);

  useEffect(() => {
    const ed = editor.current;
    if (ed) ed.updateOptions({ readOnly });
  }, [readOnly]);

  useEffect(() => {
    const ed = editor.current;
    const model = ed?.getModel();
    if (!m || !model) return;
    m.monaco.editor.setModelMarkers(
      model,
      'floe',
      (markers ?? []).map((mk) => {
        const line = Math.min(Math.max(1, mk.line), model.getLineCount());
        const col = Math.max(1, mk.column);
        const endCol = Math.max(col + 1, model.getLineMaxColumn(line));
        return {
          severity: m.monaco.MarkerSeverity.Error,
          message: mk.message,
          startLineNumber: line,
          startColumn: col,
          endLineNumber: line,
          endColumn: endCol,
        };
      }),
    );
  }, [m, markers, value]);

  useEffect(() => {
    const ed = editor.current;
    if (!ed || !revealLine) return;
    ed.revealLineInCenter(revealLine.line);
    ed.setPosition({ lineNumber: revealLine.line, column: revealLine.column });
    ed.focus();
  }, [revealLine]);

  if (loadError) return <ErrorBox error={loadError} />;
  return (
    <div className={className} data-testid="code-editor">
      {!m && <Loading what="Loading editor" />}
      <div ref={host} style={{ width: '100%', height: '100%' }} />
    </div>
  );
}

export function DiffEditor({ original, modified, language = 'yaml', label }: {
  original: string; modified: string; language?: string; label: string;
}) {
  const [m, loadError] = useMonaco();
  const host = useRef<HTMLDivElement>(null);
  const diff = useRef<DiffEditorT | undefined>(undefined);

  useEffect(() => {
    if (!m || !host.current) return;
    m.applyTheme();
    const ed = m.monaco.editor.createDiffEditor(host.current, {
      automaticLayout: true,
      readOnly: true,
      renderSideBySide: window.innerWidth > 760,
      minimap: { enabled: false },
      ariaLabel: label,
      originalAriaLabel: `${label}: older`,
      modifiedAriaLabel: `${label}: newer`,
    } as never);
    diff.current = ed;
    // The diff editor does not pass its aria labels on to its two inner editors.
    ed.getOriginalEditor().updateOptions({ ariaLabel: `${label}: older` });
    ed.getModifiedEditor().updateOptions({ ariaLabel: `${label}: newer` });
    return () => {
      const mdl = ed.getModel();
      ed.dispose();
      mdl?.original.dispose();
      mdl?.modified.dispose();
    };
  }, [m, label]);

  useEffect(() => {
    const ed = diff.current;
    if (!m || !ed) return;
    const old = ed.getModel();
    ed.setModel({
      original: m.monaco.editor.createModel(original, language),
      modified: m.monaco.editor.createModel(modified, language),
    });
    old?.original.dispose();
    old?.modified.dispose();
  }, [m, original, modified, language]);

  if (loadError) return <ErrorBox error={loadError} />;
  return (
    <div className="editor-box" data-testid="diff-editor">
      {!m && <Loading what="Loading diff" />}
      <div ref={host} style={{ width: '100%', height: '100%' }} />
    </div>
  );
}
