#!/usr/bin/env node
// End-to-end test of floe's web UI in headless Chromium.
//
//   node ui/e2e/ui_e2e.cjs FLOE_BINARY [ARTEFACTS_DIR] [--ui-base URL] [--preview] [--only NAME,...]
//
// Starts `floe server` on a free loopback port with a fresh home and flows
// folder, deploys test flows through the API, then drives the UI: the flow
// editor (error marker at the right line, fix, save), the run form (with a
// FILE input), live Gantt and logs, kill, restart, backfill, revisions diff,
// namespace files and KV; the Lakehouse pages (a dbt run's DAG and a model's
// compiled SQL and columns, an Iceberg table's schema and time travel through
// its snapshots, the read-only SQL console) and resuming a Pause with inputs.
// It measures the JS loaded before the editor (gzipped), the execution page
// with 1,000 task runs, and log latency; runs axe-core on every page and
// screenshots each. Exits non-zero on failure.
//
// The UI comes from the floe server's own /ui/ unless --ui-base points at
// another server (e.g. `vite preview`): API calls are then routed to this
// test's floe server. --preview starts `vite preview` from ui/ itself.
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');
const net = require('node:net');

const UI_DIR = path.resolve(__dirname, '..');
const { chromium } = require(path.join(UI_DIR, 'node_modules', 'playwright-core'));
const AXE_PATH = require.resolve('axe-core/axe.min.js', { paths: [UI_DIR] });

// ---------------------------------------------------------------- arguments
const argv = process.argv.slice(2);
const opts = { uiBase: null, preview: false, only: null, positional: [] };
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--ui-base') opts.uiBase = argv[++i];
  else if (a.startsWith('--ui-base=')) opts.uiBase = a.slice(10);
  else if (a === '--preview') opts.preview = true;
  else if (a === '--only') opts.only = new Set(argv[++i].split(','));
  else if (a === '-h' || a === '--help') {
    console.log('usage: ui_e2e.cjs FLOE_BINARY [ARTEFACTS_DIR] [--ui-base URL] [--preview] [--only step,...]');
    process.exit(0);
  } else opts.positional.push(a);
}
const FLOE = opts.positional[0] || process.env.FLOE_BINARY;
if (!FLOE || !fs.existsSync(FLOE)) {
  console.error(`FAIL: give the floe binary as the first argument (got ${FLOE ?? 'nothing'})`);
  process.exit(2);
}
const ARTEFACTS = path.resolve(
  opts.positional[1] || process.env.FLOE_UI_ARTEFACTS || fs.mkdtempSync(path.join(os.tmpdir(), 'floe-ui-artefacts-')),
);
fs.mkdirSync(ARTEFACTS, { recursive: true });
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// ---------------------------------------------------------------- results
const results = [];
const metrics = {};
function record(name, ok, detail = '') {
  results.push({ name, ok, detail });
  console.log(`${ok ? 'PASS' : 'FAIL'}  ${name}${detail ? `  — ${detail}` : ''}`);
}
async function step(name, fn) {
  if (opts.only && !opts.only.has(name.split(':')[0])) return;
  const t0 = Date.now();
  try {
    const detail = await fn();
    record(name, true, `${detail ? `${detail}; ` : ''}${Date.now() - t0} ms`);
  } catch (e) {
    record(name, false, (e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : String(e)).slice(0, 600));
    if (page) await page.screenshot({ path: path.join(ARTEFACTS, `FAILED-${name.replace(/\W+/g, '_')}.png`), fullPage: true }).catch(() => {});
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- processes
const children = [];
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitHttp(url, ms) {
  const until = Date.now() + ms;
  let last;
  while (Date.now() < until) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
      last = `${r.status}`;
    } catch (e) {
      last = e.message;
    }
    await sleep(150);
  }
  throw new Error(`${url} did not answer in ${ms} ms (${last})`);
}

async function startFloe(name = 'floe-server', extra = []) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floe-ui-e2e-'));
  fs.mkdirSync(path.join(dir, 'flows'));
  const port = await freePort();
  const log = fs.openSync(path.join(ARTEFACTS, `${name}.log`), 'w');
  const child = spawn(
    FLOE,
    ['--home', path.join(dir, 'home'), 'server', '--flows', path.join(dir, 'flows'), '--host', '127.0.0.1', '--port', String(port), ...extra],
    { cwd: dir, stdio: ['ignore', log, log] },
  );
  children.push(child);
  child.on('exit', (code, sig) => {
    if (!shuttingDown) console.log(`floe server exited (${code ?? sig})`);
  });
  const base = `http://127.0.0.1:${port}`;
  await waitHttp(`${base}/api/v1/health`, 20_000);
  return { base, dir };
}

async function startPreview(apiBase) {
  const port = await freePort();
  const child = spawn(process.execPath, ['node_modules/vite/bin/vite.js', 'preview', '--port', String(port), '--strictPort', '--host', '127.0.0.1'], {
    cwd: UI_DIR,
    env: { ...process.env, FLOE_API: apiBase },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  const base = `http://127.0.0.1:${port}/ui/`;
  await waitHttp(base, 20_000);
  return base;
}

let shuttingDown = false;
function stopChildren() {
  shuttingDown = true;
  for (const c of children) {
    try {
      c.kill('SIGTERM');
    } catch {
      /* already gone */
    }
  }
}
process.on('exit', stopChildren);
process.on('SIGINT', () => process.exit(130));

// ---------------------------------------------------------------- API helpers
let API;
async function apiCall(method, p, body, headers = {}) {
  const r = await fetch(`${API}/api/v1${p}`, { method, body, headers });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${text.slice(0, 300)}`);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
const deployFlow = (yaml) => apiCall('POST', '/flows', yaml, { 'Content-Type': 'application/x-yaml' });
const runFlow = (ns, id, q = '') => apiCall('POST', `/executions/${ns}/${id}${q}`, new FormData());
async function waitExecution(id, pred, ms = 30_000) {
  const until = Date.now() + ms;
  let e;
  while (Date.now() < until) {
    e = await apiCall('GET', `/executions/${id}`);
    if (pred(e)) return e;
    await sleep(200);
  }
  throw new Error(`execution ${id} stayed ${e && e.state.current}`);
}

// ---------------------------------------------------------------- test flows
const NS = 'e2e.ui';
const BIG_VALUES = Array.from({ length: 1000 }, (_, i) => `"v${i}"`).join(', ');
const FLOWS = {
  big: `id: big
namespace: ${NS}
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: [${BIG_VALUES}]
    tasks:
      - id: log
        type: io.kestra.plugin.core.log.Log
        message: "value {{ taskrun.value }}"
`,
  long: `id: long
namespace: ${NS}
tasks:
  - id: first
    type: io.kestra.plugin.core.log.Log
    message: about to sleep
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT120S
`,
  fail: `id: fail
namespace: ${NS}
tasks:
  - id: ok
    type: io.kestra.plugin.core.log.Log
    message: fine
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: failing on purpose
`,
  ticker: `id: ticker
namespace: ${NS}
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT3S
  - id: tick
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - for i in 1 2 3 4 5 6 7 8 9 10; do echo "TS $(date +%s%3N)"; sleep 0.3; done
`,
  sched: `id: sched
namespace: ${NS}
labels:
  team: e2e
inputs:
  - id: who
    type: STRING
    defaults: backfill
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "scheduled for {{ inputs.who }}"
triggers:
  - id: hourly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 * * * *"
`,
  inputs: `id: all_inputs
namespace: ${NS}
inputs:
  - { id: s, type: STRING, defaults: text }
  - { id: i, type: INT, defaults: 3 }
  - { id: f, type: FLOAT, required: false }
  - { id: b, type: BOOLEAN, defaults: true }
  - { id: sel, type: SELECT, values: [a, b], defaults: a }
  - { id: multi, type: MULTISELECT, values: [x, y, z], required: false }
  - { id: d, type: DATE, required: false }
  - { id: dt, type: DATETIME, required: false }
  - { id: t, type: TIME, required: false }
  - { id: dur, type: DURATION, required: false }
  - { id: j, type: JSON, required: false }
  - { id: y, type: YAML, required: false }
  - { id: u, type: URI, required: false }
  - { id: e, type: EMAIL, required: false }
  - { id: sec, type: SECRET, required: false }
  - { id: arr, type: ARRAY, itemType: INT, required: false }
  - { id: file, type: FILE, required: false }
  - { id: child, type: STRING, required: false, dependsOn: { inputs: [f] } }
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs }}"
`,
  // A small dbt project, as Kestra's DbtCLI runs it: a seed, a staging model,
  // a model on it (ref), column docs and tests; DuckDB in the working directory;
  // and a model materialized as an Iceberg table (main.orders_lake).
  // ({{ '{{' }} keeps the dbt Jinja away from the flow's own templating.)
  dbt: `id: dbt_shop
namespace: ${NS}
tasks:
  - id: dbt
    type: io.kestra.plugin.dbt.cli.DbtCLI
    inputFiles:
      dbt_project.yml: |
        name: shop
        profile: shop
        version: "1.0"
      seeds/raw_orders.csv: |
        order_id,ordered_on,amount
        1,2026-01-01,10.5
        2,2026-01-01,4.5
        3,2026-01-02,7.0
      models/stg_orders.sql: |
        select order_id, ordered_on, amount from {{ '{{' }} ref('raw_orders') {{ '}}' }}
      models/orders_by_day.sql: |
        select ordered_on, count(*) as orders, sum(amount) as revenue
        from {{ '{{' }} ref('stg_orders') {{ '}}' }}
        group by ordered_on
      models/orders_lake.sql: |
        {{ '{{' }} config(materialized='iceberg') {{ '}}' }}
        select * from {{ '{{' }} ref('orders_by_day') {{ '}}' }}
      models/schema.yml: |
        version: 2
        models:
          - name: stg_orders
            description: Orders, one row each
            columns:
              - name: order_id
                description: The order's id
                tests: [not_null, unique]
          - name: orders_by_day
            description: Orders and revenue per day
            columns:
              - name: ordered_on
                description: The day the orders were placed
                tests: [not_null]
              - name: orders
                description: How many orders that day
              - name: revenue
                description: Their total amount
    profiles: |
      shop:
        target: dev
        outputs:
          dev:
            type: duckdb
            path: shop.duckdb
    commands:
      - dbt build
`,
  // An Iceberg table written twice: two snapshots, 3 then 8 rows.
  iceberg: `id: lake_orders
namespace: ${NS}
tasks:
  - id: create
    type: iceberg.CreateTable
    table: e2e_lake.orders
    columns:
      - {name: order_id, type: long, required: true, doc: The order's id}
      - {name: region, type: string}
      - {name: ordered_at, type: timestamptz}
    partitionBy: [region]
  - id: first
    type: iceberg.Write
    table: e2e_lake.orders
    sql: SELECT i AS order_id, CASE WHEN i % 2 = 0 THEN 'eu' ELSE 'us' END AS region, TIMESTAMPTZ '2026-01-01 00:00:00+00' + INTERVAL (i) HOUR AS ordered_at FROM range(1, 4) t(i)
  - id: second
    type: iceberg.Write
    table: e2e_lake.orders
    sql: SELECT i AS order_id, 'apac' AS region, TIMESTAMPTZ '2026-02-01 00:00:00+00' AS ordered_at FROM range(4, 9) t(i)
`,
  approve: `id: approve
namespace: ${NS}
tasks:
  - id: ask
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: reviewer
        type: STRING
        description: Who approved
      - id: approved
        type: BOOLEAN
        defaults: true
  - id: said
    type: io.kestra.plugin.core.log.Log
    message: "approved by {{ outputs.ask.onResume.reviewer }}: {{ outputs.ask.onResume.approved }}"
`,
};

// The flow typed in the editor: first with a misspelt task type on line 15.
const EDITOR_BAD = `id: editor_flow
namespace: ${NS}
description: Typed in the e2e test
inputs:
  - id: who
    type: STRING
    defaults: e2e
  - id: data
    type: FILE
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "hello {{ inputs.who }}"
  - id: pause
    type: io.kestra.plugin.core.flow.Slep
    duration: PT2S
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["a", "b", "c"]
    tasks:
      - id: item
        type: io.kestra.plugin.core.log.Log
        message: "item {{ taskrun.value }}"
  - id: bye
    type: io.kestra.plugin.core.log.Log
    message: "file at {{ inputs.data }}"
`;
const BAD_LINE = 15;
const EDITOR_GOOD = EDITOR_BAD.replace('core.flow.Slep', 'core.flow.Sleep');

// ---------------------------------------------------------------- browser helpers
let browser;
let context;
let page;
let UI;

let axeSource;
function AXE_SOURCE() {
  if (!axeSource) axeSource = fs.readFileSync(AXE_PATH, 'utf8');
  return axeSource;
}

async function axe(label) {
  // Evaluated over the DevTools protocol: the server's Content-Security-Policy
  // (no inline scripts) stays on for the app itself.
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) await page.evaluate(AXE_SOURCE());
  const res = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')), why: v.nodes.slice(0, 2).map((n) => n.failureSummary) }));
  });
  const bad = res.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  fs.writeFileSync(path.join(ARTEFACTS, `axe-${label}.json`), JSON.stringify(res, null, 2));
  assert(!bad.length, `axe on ${label}: ${bad.map((v) => `${v.id} (${v.impact}) ${v.help} at ${v.nodes.join(', ')}`).join('; ')}`);
  return res.length;
}

const axeTotals = { pages: 0, minor: 0 };
async function shoot(label, { a11y = true } = {}) {
  await page.screenshot({ path: path.join(ARTEFACTS, `${label}.png`), fullPage: false });
  if (a11y) {
    const minor = await axe(label);
    axeTotals.pages++;
    axeTotals.minor += minor;
  }
}

async function goto(p) {
  await page.goto(UI + p.replace(/^\//, ''), { waitUntil: 'domcontentloaded' });
}

async function h1(text) {
  await page.getByRole('heading', { level: 1, name: text }).first().waitFor({ timeout: 10_000 });
}

function executionIdFromUrl(u) {
  const m = /\/executions\/[^/]+\/[^/]+\/([^/?#]+)/.exec(u);
  return m && decodeURIComponent(m[1]);
}

// ---------------------------------------------------------------- main
(async () => {
  const t0 = Date.now();
  console.log(`artefacts: ${ARTEFACTS}`);
  const server = await startFloe();
  API = server.base;
  UI = opts.uiBase || (opts.preview ? await startPreview(API) : `${API}/ui/`);
  if (!UI.endsWith('/')) UI += '/';
  console.log(`floe server: ${API}; UI: ${UI}`);

  for (const y of Object.values(FLOWS)) await deployFlow(y);
  await apiCall('PUT', `/namespaces/${NS}/kv/greeting`, JSON.stringify('hello'), { 'Content-Type': 'application/json' });
  const fd = new FormData();
  fd.append('fileContent', new Blob(['select 1;\n']), 'q.sql');
  await apiCall('POST', `/namespaces/${NS}/files?path=/sql/q.sql`, fd);

  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  if (opts.uiBase) {
    // The UI is served elsewhere: send its API calls to this test's server.
    const uiOrigin = new URL(UI).origin;
    await context.route(`${uiOrigin}/api/**`, (route) => {
      const u = new URL(route.request().url());
      route.continue({ url: `${API}${u.pathname}${u.search}` });
    });
  }
  page = await context.newPage();
  const consoleErrors = [];
  page.on('pageerror', (e) => consoleErrors.push(e.message));

  // Every JS response until the editor opens counts toward the budget.
  const jsBeforeEditor = new Map();
  let editorOpened = false;
  page.on('response', (r) => {
    const u = r.url();
    if (!editorOpened && /\.m?js(\?|$)/.test(u)) jsBeforeEditor.set(u, true);
  });

  await step('dashboard', async () => {
    await goto('');
    await h1('Dashboard');
    await page.locator('canvas').first().waitFor();
    await shoot('dashboard');
  });

  await step('nav pages', async () => {
    for (const [p, title, shotName] of [
      ['flows', 'Flows', 'flows'],
      ['executions', 'Executions', 'executions'],
      ['triggers', 'Triggers', 'triggers'],
      ['namespaces', 'Namespaces', 'namespaces'],
    ]) {
      await goto(p);
      await h1(title);
      await page.locator('main table, main p.muted:not([role=status])').first().waitFor();
      await shoot(shotName);
    }
    await goto(`flows?namespace=${NS}`);
    await page.getByRole('link', { name: 'all_inputs' }).waitFor();
    // Client-side navigation through the main nav.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Executions' }).click();
    await h1('Executions');
  });

  await step('bundle budget', async () => {
    let total = 0;
    const parts = [];
    for (const u of jsBeforeEditor.keys()) {
      const r = await fetch(u);
      const buf = Buffer.from(await r.arrayBuffer());
      const gz = zlib.gzipSync(buf, { level: 9 }).length;
      total += gz;
      parts.push(`${path.basename(new URL(u).pathname)}=${(gz / 1024).toFixed(1)}K`);
    }
    metrics.jsBeforeEditorGzipKB = +(total / 1024).toFixed(1);
    fs.writeFileSync(path.join(ARTEFACTS, 'js-before-editor.txt'), parts.join('\n') + `\nTOTAL gzip ${total} bytes\n`);
    assert(!parts.some((p) => /setup|editor\.worker|yaml\.worker/.test(p)), `Monaco loaded before the editor: ${parts.join(' ')}`);
    assert(total < 1.5 * 1024 * 1024, `JS before the editor is ${total} bytes gzipped`);
    return `${parts.length} files, ${(total / 1024).toFixed(1)} KB gzipped`;
  });

  await step('editor: create flow', async () => {
    editorOpened = true;
    await goto('flows');
    await page.getByRole('button', { name: 'New flow' }).click();
    await h1('New flow');
    await page.locator('.monaco-editor .view-lines').waitFor({ timeout: 20_000 });
    await page.locator('.monaco-editor .view-lines').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    // A paste (typing key by key would be re-indented by the editor as a person's typing is).
    await page.evaluate((text) => window.__floeEditor.trigger('keyboard', 'paste', { text }), EDITOR_BAD);
    // The server's error becomes a marker at the line it names, and a visible problem.
    await page.waitForFunction(
      (line) => {
        const m = window.__floeMonaco;
        return !!m && m.editor.getModelMarkers({ owner: 'floe' }).some((x) => x.startLineNumber === line);
      },
      BAD_LINE,
      { timeout: 10_000 },
    );
    const marker = await page.evaluate(() => window.__floeMonaco.editor.getModelMarkers({ owner: 'floe' })[0]);
    assert(/Slep/.test(marker.message), `marker message: ${marker.message}`);
    await page.getByTestId('problems').getByText(`Line ${BAD_LINE}`, { exact: false }).waitFor();
    await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: 5000 });
    await shoot('editor-error');
    // Fix it: the marker goes away, then save.
    // Fix it by typing: select the misspelt word, type the right one.
    await page.evaluate((line) => {
      const ed = window.__floeEditor;
      const text = ed.getModel().getLineContent(line);
      const col = text.indexOf('Slep') + 1;
      ed.setSelection({ startLineNumber: line, startColumn: col, endLineNumber: line, endColumn: col + 4 });
      ed.focus();
    }, BAD_LINE);
    await page.keyboard.type('Sleep');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => window.__floeMonaco.editor.getModelMarkers({ owner: 'floe' }).length === 0, null, { timeout: 10_000 });
    await page.getByTestId('validation-status').getByText('Valid').waitFor();
    await page.getByRole('button', { name: 'Create flow' }).click();
    await page.waitForURL(/\/flows\/e2e\.ui\/editor_flow\/editor/, { timeout: 10_000 });
    await page.getByText('revision 1').first().waitFor();
    const f = await apiCall('GET', `/flows/${NS}/editor_flow`);
    assert(f.revision === 1, `revision ${f.revision}`);
    return `marker at line ${marker.startLineNumber}:${marker.startColumn}`;
  });

  await step('editor: second revision and diff', async () => {
    await goto(`flows/${NS}/editor_flow/editor`);
    await page.locator('.monaco-editor .view-lines').waitFor({ timeout: 20_000 });
    await page.evaluate(() => {
      const ed = window.__floeEditor;
      ed.setValue(ed.getValue().replace('Typed in the e2e test', 'Typed in the e2e test, revised'));
    });
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('revision 2').first().waitFor({ timeout: 10_000 });
    await page.getByRole('tab', { name: 'Revisions' }).click();
    await page.getByTestId('diff-editor').locator('.monaco-diff-editor').waitFor({ timeout: 20_000 });
    await page.locator('.monaco-diff-editor .line-insert, .monaco-diff-editor .char-insert').first().waitFor({ timeout: 10_000 });
    await shoot('flow-revisions');
  });

  await step('topology', async () => {
    await goto(`flows/${NS}/editor_flow/topology`);
    await page.getByTestId('topology').locator('g.node').first().waitFor();
    const nodes = await page.getByTestId('topology').locator('g.node').count();
    assert(nodes >= 5, `${nodes} nodes`);
    await shoot('flow-topology');
    await goto(`flows/${NS}/sched/topology`);
    await page.getByTestId('topology').locator('g.node.trigger').first().waitFor();
    return `${nodes} nodes`;
  });

  await step('run form: every input type', async () => {
    await goto(`flows/${NS}/all_inputs/run`);
    await page.locator('form [data-input-type]').first().waitFor();
    const types = await page.locator('form [data-input-type]').evaluateAll((els) => els.map((e) => e.getAttribute('data-input-type')));
    assert(types.length === 18, `${types.length} inputs shown`);
    assert(await page.locator('#in-child').isDisabled(), 'dependsOn input should wait for its dependency');
    await page.locator('#in-f').fill('1.5');
    assert(!(await page.locator('#in-child').isDisabled()), 'dependsOn input should open once f has a value');
    await page.locator('#in-child').fill('kid');
    await page.locator('#in-multi').selectOption(['x', 'z']);
    await page.locator('#in-d').fill('2026-01-31');
    await page.locator('#in-dt').fill('2026-01-31T08:00:00');
    await page.locator('#in-t').fill('08:30:15');
    await page.locator('#in-dur').fill('PT1H');
    await page.locator('#in-j').fill('{"k": 1}');
    await page.locator('#in-y').fill('k: v');
    await page.locator('#in-u').fill('https://example.org/x');
    await page.locator('#in-e').fill('a@b.org');
    await page.locator('#in-sec').fill('hunter2');
    await page.locator('#in-arr').fill('[1, 2, 3]');
    await shoot('flow-run-form');
    await page.getByRole('button', { name: 'Run', exact: true }).last().click();
    await page.waitForURL(/\/executions\/e2e\.ui\/all_inputs\//, { timeout: 10_000 });
    const id = executionIdFromUrl(page.url());
    const e = await waitExecution(id, (x) => ['SUCCESS', 'FAILED'].includes(x.state.current));
    assert(e.state.current === 'SUCCESS', `state ${e.state.current}`);
    assert(JSON.stringify(e.inputs.multi) === '["x","z"]' && e.inputs.child === 'kid' && e.inputs.arr.length === 3, `inputs ${JSON.stringify(e.inputs)}`);
  });

  let editorExecId;
  await step('run editor flow with a FILE input; live Gantt and logs', async () => {
    await goto(`flows/${NS}/editor_flow/run`);
    const csv = path.join(ARTEFACTS, 'upload.csv');
    fs.writeFileSync(csv, 'id,name\n1,alpha\n2,beta\n');
    await page.locator('#in-data').setInputFiles(csv);
    await page.locator('#in-who').fill('browser');
    await page.getByRole('button', { name: 'Run', exact: true }).last().click();
    await page.waitForURL(/\/executions\/e2e\.ui\/editor_flow\/[^/]+/, { timeout: 10_000 });
    editorExecId = executionIdFromUrl(page.url());
    const gantt = page.getByTestId('gantt');
    await gantt.waitFor();
    const rowsEarly = Number(await gantt.getAttribute('data-rows'));
    // The Sleep keeps it running for 2 s; the Gantt must grow without a reload.
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=gantt]')?.getAttribute('data-rows')) >= 7, null, { timeout: 20_000 });
    await page.locator('.page-head .state', { hasText: 'SUCCESS' }).waitFor({ timeout: 20_000 });
    await shoot('execution-gantt');
    await page.getByRole('tab', { name: 'Logs' }).click();
    await page.getByTestId('logs').getByText('hello browser').waitFor({ timeout: 10_000 });
    await page.getByTestId('logs').getByText('item c').waitFor({ timeout: 10_000 });
    await shoot('execution-logs');
    await page.getByRole('tab', { name: 'Files' }).click();
    await page.getByRole('button', { name: 'Preview' }).first().click();
    await page.getByRole('cell', { name: 'alpha' }).waitFor({ timeout: 10_000 });
    await shoot('execution-files');
    await page.getByRole('tab', { name: 'Outputs' }).click();
    await h1(/execution/i);
    await shoot('execution-outputs');
    await page.getByRole('tab', { name: 'Overview' }).click();
    await shoot('execution-overview');
    return `Gantt rows ${rowsEarly} → 7+ live`;
  });

  await step('kill a long run', async () => {
    const e = await runFlow(NS, 'long');
    await waitExecution(e.id, (x) => x.state.current === 'RUNNING');
    await goto(`executions/${NS}/long/${e.id}`);
    await page.getByRole('button', { name: 'Kill' }).click();
    await page.locator('.page-head .state', { hasText: 'KILLED' }).waitFor({ timeout: 20_000 });
    const after = await apiCall('GET', `/executions/${e.id}`);
    assert(after.state.current === 'KILLED', after.state.current);
  });

  await step('restart a failed run', async () => {
    const e = await runFlow(NS, 'fail');
    await waitExecution(e.id, (x) => x.state.current === 'FAILED');
    await goto(`executions/${NS}/fail/${e.id}`);
    await page.getByRole('button', { name: 'Restart' }).click();
    const after = await waitExecution(e.id, (x) => x.state.histories.some((h) => h.state === 'RESTARTED') && x.state.current === 'FAILED', 20_000);
    await page.locator('.page-head .state', { hasText: 'FAILED' }).waitFor({ timeout: 20_000 });
    const attempts = after.taskRunList.find((t) => t.taskId === 'boom').attempts.length;
    return `restarted; boom attempts ${attempts}`;
  });

  await step('backfill', async () => {
    await goto(`triggers?namespace=${NS}`);
    await page.getByRole('button', { name: 'Backfill hourly' }).click();
    const now = new Date();
    const local = (d) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await page.locator('#bf-start').fill(local(new Date(now.getTime() - 5 * 3600_000)));
    await page.locator('#bf-end').fill(local(now));
    await page.locator('#in-who').fill('filled-in');
    await shoot('triggers-backfill-form');
    await page.getByRole('button', { name: 'Start backfill' }).click();
    await page.getByTestId('backfill-progress').first().waitFor({ timeout: 10_000 });
    await page.getByTestId('backfill-progress').getByText(/100%|DONE/).first().waitFor({ timeout: 30_000 });
    await shoot('triggers-backfill');
    const ex = await apiCall('GET', `/executions/search?namespace=${NS}&flowId=sched&size=50`);
    assert(ex.total >= 4, `${ex.total} backfill executions`);
    return `${ex.total} executions`;
  });

  await step('namespace files and KV', async () => {
    await goto(`namespaces/${NS}/files`);
    await page.getByRole('button', { name: 'sql/' }).click();
    await page.getByRole('button', { name: 'q.sql' }).click();
    await page.locator('.monaco-editor .view-lines').waitFor({ timeout: 20_000 });
    await page.getByText('select 1;').first().waitFor();
    const up = path.join(ARTEFACTS, 'notes.txt');
    fs.writeFileSync(up, 'uploaded from the e2e test\n');
    await page.locator('#nsf-upload').setInputFiles(up);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByRole('button', { name: 'notes.txt' }).waitFor({ timeout: 10_000 });
    await shoot('namespace-files');
    await goto(`namespaces/${NS}/kv`);
    await page.getByRole('cell', { name: 'hello' }).waitFor();
    await page.getByRole('button', { name: 'Add a key' }).click();
    await page.locator('#kv-key').fill('count');
    await page.locator('#kv-type').selectOption('NUMBER');
    await page.locator('#kv-value').fill('42');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('cell', { name: '42' }).waitFor({ timeout: 10_000 });
    const kv = await apiCall('GET', `/namespaces/${NS}/kv/count`);
    assert(kv.type === 'NUMBER' && kv.value === 42, JSON.stringify(kv));
    await shoot('namespace-kv');
  });

  await step('perf: execution page with 1,000 task runs', async () => {
    const e = await apiCall('POST', `/executions/${NS}/big?wait=true`, new FormData());
    const done = await waitExecution(e.id, (x) => x.state.current === 'SUCCESS', 120_000);
    const n = done.taskRunList.length;
    assert(n >= 1000, `${n} task runs`);
    // Warm the chunk cache as a user who has used the app would have it.
    await goto('executions');
    await h1('Executions');
    await goto(`executions/${NS}/big/${e.id}`);
    await page.waitForFunction((rows) => Number(document.querySelector('[data-testid=gantt]')?.getAttribute('data-rows')) >= rows, n, { timeout: 10_000 });
    const shown = await page.evaluate(() => performance.now());
    // Interactive: a key press selects the next row and shows its details.
    await page.getByTestId('gantt').locator('.gantt-scroll').focus();
    const tKey = await page.evaluate(() => performance.now());
    await page.keyboard.press('End');
    await page.getByRole('heading', { level: 2, name: /log \[v999\]/ }).waitFor({ timeout: 5000 });
    const tSel = await page.evaluate(() => performance.now());
    metrics.bigExecutionShownMs = Math.round(shown);
    metrics.bigExecutionKeyToDetailMs = Math.round(tSel - tKey);
    await shoot('execution-1000-taskruns');
    assert(shown < 1000, `Gantt of ${n} task runs shown ${Math.round(shown)} ms after navigation`);
    assert(tSel - tKey < 500, `selection took ${Math.round(tSel - tKey)} ms`);
    return `${n} task runs: shown at ${Math.round(shown)} ms, End→details ${Math.round(tSel - tKey)} ms`;
  });

  await step('perf: log line latency', async () => {
    const e = await runFlow(NS, 'ticker');
    await goto(`executions/${NS}/ticker/${e.id}/logs`);
    await page.getByTestId('logs').waitFor();
    await page.evaluate(() => {
      window.__seen = {};
      const box = document.querySelector('[data-testid=logs]');
      const scan = () => {
        const now = Date.now();
        for (const el of box.querySelectorAll('.log-line .msg')) {
          const m = /^TS (\d+)/.exec(el.textContent || '');
          if (m && !(m[1] in window.__seen)) window.__seen[m[1]] = now;
        }
      };
      new MutationObserver(scan).observe(box, { childList: true, subtree: true, characterData: true });
      scan();
    });
    await waitExecution(e.id, (x) => ['SUCCESS', 'FAILED'].includes(x.state.current), 30_000);
    await sleep(500);
    const seen = await page.evaluate(() => window.__seen);
    const deltas = Object.entries(seen).map(([written, shownAt]) => shownAt - Number(written)).sort((a, b) => a - b);
    assert(deltas.length >= 10, `${deltas.length} timestamped lines seen`);
    const max = deltas[deltas.length - 1];
    metrics.logLatencyMs = { min: deltas[0], median: deltas[Math.floor(deltas.length / 2)], max };
    await shoot('execution-logs-live');
    assert(max < 200, `log lines reached the page ${deltas.join(', ')} ms after being written`);
    return `latency min ${deltas[0]} / median ${deltas[Math.floor(deltas.length / 2)]} / max ${max} ms over ${deltas.length} lines`;
  });

  // ------------------------------------------------------------ lakehouse
  let lakeRun; // {executionId, taskRunId} of the dbt run
  let lakeTableReady = false;
  await step('lake: set-up (dbt project and an Iceberg table written twice)', async () => {
    const dbt = await runFlow(NS, 'dbt_shop');
    const ice = await runFlow(NS, 'lake_orders');
    const d = await waitExecution(dbt.id, (x) => ['SUCCESS', 'FAILED', 'WARNING'].includes(x.state.current), 90_000);
    assert(d.state.current === 'SUCCESS', `dbt flow ended ${d.state.current}`);
    const run = d.taskRunList.find((t) => t.taskId === 'dbt');
    lakeRun = { executionId: d.id, taskRunId: run.id };
    const i = await waitExecution(ice.id, (x) => ['SUCCESS', 'FAILED', 'WARNING'].includes(x.state.current), 60_000);
    assert(i.state.current === 'SUCCESS', `Iceberg flow ended ${i.state.current}`);
    lakeTableReady = true;
    return `dbt summary ${JSON.stringify(run.outputs.summary)}`;
  });

  await step('lake: models runs, DAG and a model\'s details', async () => {
    assert(lakeRun, 'no dbt run');
    const docs = await apiCall('GET', `/lake/models/${lakeRun.executionId}/${lakeRun.taskRunId}`);
    const stg = docs.nodes.find((n) => n.uniqueId === 'model.shop.stg_orders');
    assert(stg && stg.relation, `stg_orders in the run's docs: ${JSON.stringify(stg)}`);
    // Through the main navigation: Lakehouse, then its Models page.
    await goto('');
    await h1('Dashboard');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Lakehouse' }).click();
    await h1('Tables');
    await page.getByRole('navigation', { name: 'Lakehouse' }).getByRole('link', { name: 'Models' }).click();
    await h1('SQL models runs');
    const runLink = page.getByRole('link', { name: `${NS}.dbt_shop / dbt` });
    await runLink.waitFor({ timeout: 10_000 });
    await shoot('lake-models');
    await runLink.click();
    const dag = page.getByTestId('model-dag');
    await dag.locator('a.dag-node').first().waitFor({ timeout: 10_000 });
    const nodes = await dag.locator('a.dag-node').evaluateAll((els) => els.map((e) => [e.getAttribute('data-unique-id'), e.getAttribute('data-status')]));
    const status = Object.fromEntries(nodes);
    assert(status['model.shop.stg_orders'] === 'success' && status['model.shop.orders_by_day'] === 'success',
      `DAG nodes: ${JSON.stringify(nodes)}`);
    assert(status['seed.shop.raw_orders'] === 'success', `the seed is a node: ${JSON.stringify(nodes)}`);
    assert(!nodes.some(([id]) => id.startsWith('test.')), `tests are badges, not nodes: ${JSON.stringify(nodes)}`);
    const badge = await dag.locator('a[data-unique-id="model.shop.stg_orders"] .tests text').textContent();
    assert(/2\/2/.test(badge), `stg_orders' tests badge: ${badge}`);
    await shoot('lake-model-dag');
    // Keyboard: Tab from the header's Execution link reaches the nodes; Enter opens one.
    await page.locator('.page-head').getByRole('link', { name: 'Execution', exact: true }).focus();
    let reached = false;
    for (let i = 0; i < 20 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.getAttribute('data-unique-id') === 'model.shop.orders_by_day');
    }
    assert(reached, 'Tab never reached the orders_by_day node');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/lake\/models\/[^/]+\/[^/]+\/model\.shop\.orders_by_day$/, { timeout: 10_000 });
    const detail = page.getByTestId('node-detail');
    await detail.getByRole('heading', { level: 2, name: /orders_by_day/ }).waitFor();
    const focused = await page.evaluate(() => document.activeElement?.id);
    assert(focused === 'node-title', `focus after Enter is on #${focused}, not the details' heading`);
    const compiled = await detail.getByTestId('compiled-sql').textContent();
    assert(compiled.includes(stg.relation), `compiled SQL has ${stg.relation}: ${compiled}`);
    assert(!/ref\(/.test(compiled), `compiled SQL still has ref(: ${compiled}`);
    const raw = await detail.getByTestId('raw-sql').textContent();
    assert(/ref\('stg_orders'\)/.test(raw), `raw SQL: ${raw}`);
    const cols = await detail.getByTestId('node-columns').locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.innerText));
    for (const [name, desc] of [['ordered_on', 'The day the orders were placed'], ['orders', 'How many orders that day'], ['revenue', 'Their total amount']])
      assert(cols.some((c) => c.startsWith(name) && c.includes(desc)), `columns table lacks ${name} (${desc}): ${JSON.stringify(cols)}`);
    await detail.getByTestId('node-tests').getByText(/not_null_orders_by_day_ordered_on/).waitFor();
    await detail.getByRole('link', { name: 'stg_orders' }).first().waitFor();
    const back = await detail.getByRole('link', { name: 'Back to the execution' }).getAttribute('href');
    assert(back.includes(lakeRun.executionId), `back link ${back}`);
    await shoot('lake-model-node');
    // Lineage links move between nodes.
    await detail.getByRole('link', { name: 'stg_orders' }).first().click();
    await detail.getByRole('heading', { level: 2, name: /stg_orders/ }).waitFor();
    await detail.getByTestId('node-tests').getByText(/unique_stg_orders_order_id/).waitFor();
    // A model materialized as an Iceberg table links to the table's page.
    await dag.locator('a[data-unique-id="model.shop.orders_lake"]').click();
    await detail.getByRole('heading', { level: 2, name: /orders_lake/ }).waitFor();
    await detail.getByRole('link', { name: 'Iceberg table main.orders_lake' }).click();
    await page.getByRole('heading', { level: 1, name: /orders_lake/ }).waitFor();
    await page.getByTestId('schema-table').getByText('revenue').waitFor();
    return `${nodes.length} nodes; ${cols.length} columns`;
  });

  await step('lake: table page, schema, snapshots and time travel', async () => {
    assert(lakeTableReady, 'no Iceberg table');
    const rawMeta = await (await fetch(`${API}/api/v1/lake/tables/e2e_lake/orders`)).text();
    const realIds = new Set([...rawMeta.matchAll(/"snapshot-id":\s*(\d+)/g)].map((m) => m[1]));
    await goto('lake/tables');
    await h1('Tables');
    await page.getByRole('search', { name: 'Filter tables' }).getByRole('searchbox').fill('e2e_lake ord');
    await page.getByRole('link', { name: 'orders', exact: true }).waitFor({ timeout: 5000 });
    await shoot('lake-tables');
    await page.getByRole('link', { name: 'orders', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: /orders/ }).waitFor();
    const schema = page.getByTestId('schema-table');
    await schema.waitFor();
    const fields = await schema.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.innerText.replace(/\s+/g, ' ')));
    for (const [name, type] of [['order_id', 'long'], ['region', 'string'], ['ordered_at', 'timestamptz']])
      assert(fields.some((f) => f.includes(name) && f.includes(type)), `schema lacks ${name} ${type}: ${JSON.stringify(fields)}`);
    await shoot('lake-table-schema');
    await page.getByRole('tab', { name: 'Partitioning' }).click();
    await page.getByRole('cell', { name: 'identity' }).first().waitFor();
    await shoot('lake-table-partitioning');
    await page.getByRole('tab', { name: 'Snapshots' }).click();
    const items = page.getByTestId('snapshot-timeline').locator('li');
    await items.first().waitFor();
    assert((await items.count()) === 2, `${await items.count()} snapshots in the timeline`);
    const ids = await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-snapshot-id')));
    assert(ids.every((id) => realIds.has(id)), `timeline ids ${ids} are not the table's ${[...realIds]} (64-bit ids lost digits?)`);
    assert(/current/.test(await items.first().innerText()), 'the newest snapshot should be marked current');
    const [currentId, firstId] = ids;
    // Keyboard: the snapshots are one radio group; ArrowDown picks the older one.
    await items.first().locator('input[type=radio]').focus();
    await page.keyboard.press('ArrowDown');
    await page.waitForURL(new RegExp(`snapshot=${firstId}`), { timeout: 5000 });
    await page.getByText('Time travel: Files and Preview show snapshot').waitFor();
    await shoot('lake-table-snapshots');
    await page.getByRole('tab', { name: 'Preview' }).click();
    const table = page.getByTestId('result-table');
    await table.waitFor({ timeout: 10_000 });
    const note = await page.getByTestId('snapshot-note').innerText();
    assert(note.includes(firstId) && /earlier snapshot/.test(note), `preview note: ${note}`);
    const firstRows = await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.cells[0].innerText).sort());
    assert(JSON.stringify(firstRows) === '["1","2","3"]', `rows at the first snapshot: ${JSON.stringify(firstRows)}`);
    await shoot('lake-table-preview-first');
    await page.getByRole('tab', { name: 'Files' }).click();
    const totals = await page.getByTestId('files-totals').innerText({ timeout: 10_000 });
    assert(/^2 files, 3 records/.test(totals), `files at the first snapshot: ${totals}`);
    await shoot('lake-table-files');
    // Back to the current snapshot: every row.
    await page.getByRole('button', { name: 'Back to the current snapshot' }).click();
    await page.getByRole('tab', { name: 'Preview' }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid=result-table]')?.getAttribute('data-rows') === '8', null, { timeout: 10_000 });
    const now = await page.getByTestId('snapshot-note').innerText();
    assert(now.includes(currentId) && /current one/.test(now), `preview note: ${now}`);
    await shoot('lake-table-preview-current');
    await page.getByRole('tab', { name: 'Properties' }).click();
    await page.getByRole('heading', { name: 'Branches and tags' }).waitFor();
    await shoot('lake-table-properties');
    return `snapshots ${firstId} (3 rows) → ${currentId} (8 rows)`;
  });

  await step('lake: SQL console', async () => {
    await goto('lake/sql');
    await h1('SQL console');
    await page.getByText('Read-only.').waitFor();
    const box = page.getByRole('textbox', { name: /Query/ });
    await box.fill("SELECT count(*) AS n FROM iceberg_scan('e2e_lake.orders')");
    await box.press('Control+Enter');
    await page.getByTestId('sql-status').getByText(/1 row in \d+ ms/).waitFor({ timeout: 20_000 });
    const n = await page.getByTestId('result-table').locator('tbody td').first().innerText();
    assert(n === '8', `count(*) shows ${n}`);
    await shoot('lake-sql');
    // An example filled from the tables list.
    await page.getByText('Examples').click();
    await page.getByRole('button', { name: 'First rows of e2e_lake.orders' }).click();
    assert(/iceberg_scan\('e2e_lake\.orders'\) LIMIT 10/.test(await box.inputValue()), await box.inputValue());
    await page.locator('#main').getByRole('button', { name: 'Run', exact: true }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid=result-table]')?.getAttribute('data-rows') === '8', null, { timeout: 20_000 });
    // A statement that writes: refused, and the reason shown.
    await box.fill('CREATE TABLE x AS SELECT 1');
    await page.locator('#main').getByRole('button', { name: 'Run', exact: true }).click();
    const err = page.getByTestId('sql-error');
    await err.waitFor({ timeout: 20_000 });
    const text = await err.innerText();
    assert(/CREATE/.test(text) && /read-only/.test(text), `error shown: ${text}`);
    assert(!(await page.getByTestId('result-table').count()), 'the old result should be gone after an error');
    await shoot('lake-sql-error');
    return text.split('\n')[1]?.slice(0, 80);
  });

  await step('resume with inputs', async () => {
    const e = await runFlow(NS, 'approve');
    await waitExecution(e.id, (x) => x.state.current === 'PAUSED');
    await goto(`executions/${NS}/approve/${e.id}`);
    const open = page.getByRole('button', { name: 'Resume…' });
    await open.waitFor({ timeout: 10_000 });
    await open.click();
    const form = page.locator('#resume-form');
    await form.getByRole('heading', { name: 'Resume with inputs' }).waitFor();
    const focused = await page.evaluate(() => document.activeElement?.id);
    assert(focused === 'in-reviewer', `focus went to #${focused}`);
    await page.locator('#in-reviewer').fill('alice');
    assert((await page.locator('#in-approved').inputValue()) === 'true', 'the BOOLEAN default should be filled in');
    await shoot('execution-resume-form');
    await form.getByRole('button', { name: 'Resume', exact: true }).click();
    await page.locator('.page-head .state', { hasText: 'SUCCESS' }).waitFor({ timeout: 20_000 });
    const logs = await apiCall('GET', `/logs/${e.id}`);
    const lines = (Array.isArray(logs) ? logs : logs.results || []).map((l) => l.message);
    assert(lines.some((m) => /approved by alice: true/.test(m)), `logs: ${JSON.stringify(lines).slice(0, 300)}`);
    // A pause with no onResume inputs keeps a plain Resume button.
    const plain = await runFlow(NS, 'long');
    await waitExecution(plain.id, (x) => x.state.current === 'RUNNING');
    await apiCall('POST', `/executions/${plain.id}/pause`);
    await goto(`executions/${NS}/long/${plain.id}`);
    await page.getByRole('button', { name: 'Resume', exact: true }).waitFor({ timeout: 10_000 });
    assert(!(await page.getByRole('button', { name: 'Resume…' }).count()), 'no form for a pause without inputs');
    await apiCall('DELETE', `/executions/${plain.id}/kill`);
    return 'resumed with reviewer=alice';
  });

  await step('flow pages (axe)', async () => {
    for (const tab of ['editor', 'executions', 'run']) {
      await goto(`flows/${NS}/editor_flow/${tab}`);
      await page.getByRole('tab', { name: new RegExp(tab, 'i') }).waitFor();
      if (tab === 'editor') await page.locator('.monaco-editor .view-lines').waitFor({ timeout: 20_000 });
      if (tab === 'executions') await page.locator('table').first().waitFor();
      await shoot(`flow-${tab}`);
    }
    await goto('flows/new');
    await page.locator('.monaco-editor .view-lines').waitFor({ timeout: 20_000 });
    await shoot('flow-new');
    await goto('no/such/page');
    await h1('Page not found');
    await shoot('not-found');
  });

  await step('error message shown for a missing execution', async () => {
    await goto(`executions/${NS}/nope/00000000000000000000000000`);
    await page.getByRole('alert').first().waitFor();
    const text = await page.getByRole('alert').first().innerText();
    assert(/not|no /i.test(text), `alert: ${text}`);
    return text.slice(0, 80);
  });

  await step('dark theme', async () => {
    await goto('');
    await h1('Dashboard');
    await page.getByRole('button', { name: /Switch to dark theme|Switch to light theme/ }).click();
    const theme = await page.evaluate(() => document.documentElement.dataset.theme);
    await shoot(`dashboard-${theme}`);
    await goto(`executions/${NS}/editor_flow/${editorExecId}/logs`);
    await page.getByTestId('logs').getByText('hello browser').waitFor({ timeout: 10_000 });
    await shoot(`execution-logs-${theme}`);
    await goto(`flows/${NS}/editor_flow/editor`);
    await page.locator('.monaco-editor .view-lines').waitFor({ timeout: 20_000 });
    await shoot(`flow-editor-${theme}`);
    await goto(`flows/${NS}/editor_flow/revisions`);
    await page.locator('.monaco-diff-editor .char-insert, .monaco-diff-editor .line-insert').first().waitFor({ timeout: 20_000 });
    await shoot(`flow-revisions-${theme}`);
    await goto(`flows/${NS}/editor_flow/topology`);
    await page.getByTestId('topology').locator('g.node').first().waitFor();
    await shoot(`flow-topology-${theme}`);
    await goto(`executions/${NS}/editor_flow/${editorExecId}`);
    await page.getByTestId('gantt').waitFor();
    await shoot(`execution-gantt-${theme}`);
    await goto(`triggers`);
    await page.locator('main table').waitFor();
    await shoot(`triggers-${theme}`);
    if (lakeTableReady) {
      await goto('lake/tables/e2e_lake/orders/snapshots');
      await page.getByTestId('snapshot-timeline').waitFor();
      await shoot(`lake-table-snapshots-${theme}`);
      await goto('lake/sql');
      await h1('SQL console');
      await shoot(`lake-sql-${theme}`);
    }
    if (lakeRun) {
      await goto(`lake/models/${lakeRun.executionId}/${lakeRun.taskRunId}/model.shop.orders_by_day`);
      await page.getByTestId('node-detail').waitFor();
      await shoot(`lake-model-node-${theme}`);
    }
    const stored = await page.evaluate(() => localStorage.getItem('floe.theme'));
    assert(stored === theme, `stored theme ${stored}`);
    return theme;
  });

  await step('mobile 390px', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await goto('executions');
    await h1('Executions');
    const menu = page.getByRole('button', { name: 'Menu' });
    assert(await menu.isVisible(), 'the nav should collapse behind a Menu button');
    assert(!(await page.getByRole('navigation', { name: 'Main' }).isVisible()), 'the nav should be hidden until opened');
    await shoot('mobile-executions');
    await menu.click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Flows' }).click();
    await h1('Flows');
    await shoot('mobile-flows');
    await goto(`executions/${NS}/editor_flow/${editorExecId}`);
    await page.getByTestId('gantt').waitFor();
    await shoot('mobile-execution');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow <= 1, `page is ${overflow}px wider than the screen`);
    const lakePages = [];
    if (lakeTableReady) lakePages.push(['lake/tables/e2e_lake/orders/snapshots', 'snapshot-timeline', 'mobile-lake-table'], ['lake/sql', null, 'mobile-lake-sql']);
    if (lakeRun) lakePages.push([`lake/models/${lakeRun.executionId}/${lakeRun.taskRunId}/model.shop.orders_by_day`, 'node-detail', 'mobile-lake-model']);
    for (const [p, testId, shot] of lakePages) {
      await goto(p);
      if (testId) await page.getByTestId(testId).waitFor();
      else await page.getByRole('heading', { level: 1 }).waitFor();
      await shoot(shot);
      const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert(wide <= 1, `${p} is ${wide}px wider than the screen`);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await step('keyboard: skip link and focus ring', async () => {
    await goto('flows');
    await h1('Flows');
    await page.keyboard.press('Tab');
    const first = await page.evaluate(() => document.activeElement?.textContent);
    assert(/Skip to content/.test(first || ''), `first Tab lands on ${first}`);
    await page.keyboard.press('Tab');
    const ring = await page.evaluate(() => {
      const s = getComputedStyle(document.activeElement);
      return `${s.outlineStyle} ${s.outlineWidth}`;
    });
    assert(/solid/.test(ring) && !/^solid 0px/.test(ring), `focus outline ${ring}`);
    return ring;
  });

  await step('login: server with basic auth', async () => {
    const password = 's3cret-e2e!';
    const { spawnSync } = require('node:child_process');
    const hash = spawnSync(FLOE, ['server', 'hash-password'], { input: password, encoding: 'utf8' }).stdout.trim();
    assert(hash.startsWith('pbkdf2'), `hash-password printed ${hash}`);
    const cfg = path.join(ARTEFACTS, 'auth-server.yaml');
    fs.writeFileSync(cfg, `server:\n  basicAuth:\n    username: admin\n    password: "${hash}"\n`);
    const auth = await startFloe('floe-auth-server', ['--config', cfg]);
    const authHeader = { Authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` };
    await fetch(`${auth.base}/api/v1/flows`, { method: 'POST', body: FLOWS.ticker, headers: { ...authHeader, 'Content-Type': 'application/x-yaml' } })
      .then((r) => assert(r.ok, `deploy on the auth server: ${r.status}`));
    if (!opts.preview) {
      // The browser pops its own Basic-auth dialog (and a headless one stalls) when a 401 carries
      // WWW-Authenticate; the app marks its calls with X-Requested-With so the server can leave it out.
      const r = await fetch(`${auth.base}/api/v1/flows/search`, { headers: { 'X-Requested-With': 'XMLHttpRequest' } });
      assert(r.status === 401, `unauthenticated call answered ${r.status}`);
      assert(!r.headers.get('www-authenticate'),
        'floe answers the UI\'s 401s (X-Requested-With: XMLHttpRequest) with WWW-Authenticate: browsers would show their own login dialog instead of the app\'s form');
    }
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    let authUi = `${auth.base}/ui/`;
    if (opts.preview) authUi = await startPreview(auth.base);
    else if (opts.uiBase) {
      authUi = UI;
      const uiOrigin = new URL(UI).origin;
      await ctx.route(`${uiOrigin}/api/**`, (route) => {
        const u = new URL(route.request().url());
        route.continue({ url: `${auth.base}${u.pathname}${u.search}` });
      });
    }
    const saved = page;
    page = await ctx.newPage();
    try {
      await page.goto(`${authUi}flows`);
      await h1('Sign in to floe');
      await shoot('login');
      await page.getByLabel('Username').fill('admin');
      await page.getByLabel('Password').fill('wrong');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').waitFor();
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await h1('Flows');
      await page.getByRole('link', { name: 'ticker' }).waitFor();
      // SSE with credentials: the log stream of a run on this server reaches the page.
      const r = await fetch(`${auth.base}/api/v1/executions/${NS}/ticker`, { method: 'POST', body: new FormData(), headers: authHeader });
      const e = await r.json();
      await page.goto(`${authUi}executions/${NS}/ticker/${e.id}/logs`);
      await page.getByTestId('logs').getByText(/^TS \d+/).first().waitFor({ timeout: 20_000 });
      await page.getByRole('button', { name: 'Sign out' }).click();
      await h1('Sign in to floe');
    } catch (e) {
      await page.screenshot({ path: path.join(ARTEFACTS, 'FAILED-login-page.png') }).catch(() => {});
      throw e;
    } finally {
      await ctx.close();
      page = saved;
    }
  });

  if (consoleErrors.length) fs.writeFileSync(path.join(ARTEFACTS, 'page-errors.txt'), consoleErrors.join('\n'));
  await step('no uncaught page errors', async () => {
    assert(!consoleErrors.length, consoleErrors.slice(0, 3).join(' | '));
  });

  await browser.close();
  const failed = results.filter((r) => !r.ok);
  metrics.axePages = axeTotals.pages;
  metrics.axeMinorOrModerate = axeTotals.minor;
  fs.writeFileSync(path.join(ARTEFACTS, 'metrics.json'), JSON.stringify({ results, metrics }, null, 2));
  console.log('\n==== floe UI e2e summary ====');
  console.log(`metrics: ${JSON.stringify(metrics)}`);
  console.log(`artefacts: ${ARTEFACTS}`);
  console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
  console.log(failed.length ? `FAIL (${failed.map((f) => f.name).join(', ')})` : 'PASS');
  console.log(`took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  stopChildren();
  process.exit(failed.length ? 1 : 0);
})().catch((e) => {
  console.error('FAIL: the e2e run stopped:', e);
  stopChildren();
  process.exit(1);
});
