// Everything Monaco: loaded only through a dynamic import() from
// CodeEditor, so the app's first screens never download it.
import * as monaco from 'monaco-editor/esm/vs/editor/editor.api';
import 'monaco-editor/esm/vs/editor/editor.all';
import 'monaco-editor/esm/vs/basic-languages/yaml/yaml.contribution';
import 'monaco-editor/esm/vs/basic-languages/sql/sql.contribution';
import 'monaco-editor/esm/vs/basic-languages/python/python.contribution';
import 'monaco-editor/esm/vs/basic-languages/shell/shell.contribution';
import 'monaco-editor/esm/vs/basic-languages/markdown/markdown.contribution';
import 'monaco-editor/esm/vs/basic-languages/javascript/javascript.contribution';
import { configureMonacoYaml } from 'monaco-yaml';
import EditorWorker from 'monaco-editor/esm/vs/editor/editor.worker?worker';
import YamlWorker from './yaml.worker?worker';
import { api } from '../api/client';

self.MonacoEnvironment = {
  getWorker(_moduleId: string, label: string) {
    return label === 'yaml' ? new YamlWorker() : new EditorWorker();
  },
};

// Flow models are named *.flow.yaml so the flow schema applies to them and
// not to other YAML (namespace files).
export const FLOW_MODEL_GLOB = '**/*.flow.yaml';

let schemaLoaded: Promise<void> | null = null;

export function ensureFlowSchema(): Promise<void> {
  schemaLoaded ??= api<object>('/plugins/schemas/flow')
    .then((schema) => {
      configureMonacoYaml(monaco, {
        enableSchemaRequest: false,
        hover: true,
        completion: true,
        validate: true,
        schemas: [{ uri: 'floe://schemas/flow.json', fileMatch: [FLOW_MODEL_GLOB], schema: schema as never }],
      });
    })
    .catch((e) => {
      // Without the schema the editor still edits and the server still validates; try again next time.
      schemaLoaded = null;
      console.warn('flow schema unavailable', e);
    });
  return schemaLoaded;
}

// Monaco's own themes dim line numbers below WCAG AA contrast; these keep
// its colours but with readable gutters, matching the app's palettes.
monaco.editor.defineTheme('floe-light', {
  base: 'vs',
  inherit: true,
  // YAML keys: vs's teal falls under 4.5:1 on the diff highlights.
  rules: [{ token: 'type', foreground: '006666' }],
  colors: {
    'editorLineNumber.foreground': '#4f5866',
    'editorLineNumber.activeForeground': '#161a21',
    'diffEditor.insertedTextBackground': '#2ea04326',
    'diffEditor.removedTextBackground': '#f8514926',
    'diffEditor.insertedLineBackground': '#2ea04312',
    'diffEditor.removedLineBackground': '#f8514912',
  },
});
monaco.editor.defineTheme('floe-dark', {
  base: 'vs-dark',
  inherit: true,
  rules: [{ token: 'comment', foreground: '8fbf7a' }],
  colors: {
    'editor.background': '#0e1116',
    'editorLineNumber.foreground': '#a7b0be',
    'editorLineNumber.activeForeground': '#e7eaf0',
    'diffEditor.insertedTextBackground': '#2ea04333',
    'diffEditor.removedTextBackground': '#f8514933',
    'diffEditor.insertedLineBackground': '#2ea0431a',
    'diffEditor.removedLineBackground': '#f851491a',
  },
});

export function applyTheme(): void {
  const dark = document.documentElement.dataset.theme === 'dark' ||
    (!document.documentElement.dataset.theme && window.matchMedia?.('(prefers-color-scheme: dark)').matches);
  monaco.editor.setTheme(dark ? 'floe-dark' : 'floe-light');
}

export { monaco };
