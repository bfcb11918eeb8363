// The lakehouse API (/lake/...): Iceberg tables, their snapshots, files and
// rows, the read-only SQL console and SQL models runs.
//
// Iceberg snapshot ids are 64-bit and usually above 2^53, where a JS number
// loses digits (8695827246369826913 would become ...6827000, a snapshot
// that does not exist). These answers are parsed with parseJsonLossless,
// which keeps such integers as strings; every id is then a string here.
import { ApiError, request, type RequestOptions } from './client';

// JSON.parse, except that an integer literal too large to be exact as a JS
// number becomes a string holding its digits.
export function parseJsonLossless<T = unknown>(text: string): T {
  let out = '';
  let last = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i += 2;
        else if (d === 34) { i++; break; }
        else i++;
      }
      continue;
    }
    if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      const start = i;
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if ((d >= 48 && d <= 57) || d === 46 || d === 101 || d === 69 || d === 43 || d === 45) i++;
        else break;
      }
      const lit = text.slice(start, i);
      if (/^-?\d{16,}$/.test(lit) && !Number.isSafeInteger(Number(lit))) {
        out += `${text.slice(last, start)}"${lit}"`;
        last = i;
      }
      continue;
    }
    i++;
  }
  return JSON.parse(last ? out + text.slice(last) : text) as T;
}

export async function lakeApi<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await request(path, opts);
  return parseJsonLossless<T>(await res.text());
}

// A snapshot or other 64-bit id: digits, kept as text.
export type Id = string | number;
export const idText = (id: Id | null | undefined): string => (id === null || id === undefined ? '' : String(id));

export interface LakeTableRef {
  namespace: string;
  name: string;
  metadataLocation: string;
}

// An Iceberg type: a primitive's name, or a struct, list or map.
export type IcebergType =
  | string
  | { type: 'struct'; fields: IcebergField[] }
  | { type: 'list'; 'element-id': number; element: IcebergType; 'element-required'?: boolean }
  | { type: 'map'; 'key-id': number; key: IcebergType; 'value-id': number; value: IcebergType; 'value-required'?: boolean };

export interface IcebergField {
  id: number;
  name: string;
  required: boolean;
  type: IcebergType;
  doc?: string;
}

export interface IcebergSchema {
  'schema-id': number;
  fields: IcebergField[];
  'identifier-field-ids'?: number[];
}

export interface PartitionField {
  'source-id': number;
  'field-id'?: number;
  name: string;
  transform: string;
}

export interface SortField {
  'source-id': number;
  transform: string;
  direction: string;
  'null-order': string;
}

export interface Snapshot {
  'snapshot-id': Id;
  'parent-snapshot-id'?: Id;
  'sequence-number'?: number;
  'timestamp-ms': number;
  'manifest-list'?: string;
  summary?: Record<string, string> & { operation?: string };
  'schema-id'?: number;
}

export interface TableMetadata {
  'format-version': number;
  'table-uuid': string;
  location: string;
  'last-updated-ms': number;
  'current-schema-id': number;
  schemas: IcebergSchema[];
  'default-spec-id': number;
  'partition-specs': { 'spec-id': number; fields: PartitionField[] }[];
  'default-sort-order-id': number;
  'sort-orders': { 'order-id': number; fields: SortField[] }[];
  properties?: Record<string, string>;
  'current-snapshot-id'?: Id | null;
  snapshots?: Snapshot[];
  refs?: Record<string, { 'snapshot-id': Id; type: 'branch' | 'tag' }>;
  'snapshot-log'?: { 'timestamp-ms': number; 'snapshot-id': Id }[];
  'metadata-log'?: { 'timestamp-ms': number; 'metadata-file': string }[];
}

export interface LakeTable extends LakeTableRef {
  metadata: TableMetadata;
}

export interface DataFile {
  path: string;
  format: string;
  records: number;
  bytes: number;
  specId: number;
  partition: unknown[];
  positionDeletes: number;
  equalityDeletes: number;
}

export interface TableFiles {
  snapshotId: Id | null;
  records: number;
  bytes: number;
  files: DataFile[];
}

export interface QueryResult {
  columns: { name: string; type: string }[];
  rows: unknown[][];
  truncated: boolean;
  elapsedMs?: number;
  snapshotId?: Id;
}

export interface ModelsSummary {
  pass?: number;
  warn?: number;
  error?: number;
  skip?: number;
  noOp?: number;
}

export interface ModelRunRef {
  namespace: string;
  flowId: string;
  executionId: string;
  taskId: string;
  taskRunId: string;
  state: string;
  date?: string;
  summary?: ModelsSummary;
  results?: { unique_id: string; status: string; execution_time?: number; message?: string | null; failures?: number | null }[];
  manifest?: string;
  runResults?: string;
}

export type ResourceType = 'model' | 'seed' | 'snapshot' | 'test' | 'source' | string;

export interface ModelNode {
  uniqueId: string;
  name: string;
  resourceType: ResourceType;
  packageName?: string;
  path?: string;
  materialized?: string | null;
  relation?: string | null;
  description?: string;
  tags?: string[];
  dependsOn?: string[];
  // Tests only: the node a test belongs to, and the column it checks.
  attachedNode?: string | null;
  columnName?: string | null;
  rawCode?: string | null;
  compiledCode?: string | null;
  status?: string | null;
  executionTime?: number | null;
  message?: string | null;
  startedAt?: string | null;
  completedAt?: string | null;
  columns?: { name: string; type?: string | null; description?: string }[];
}

export interface ModelRun {
  namespace: string;
  flowId: string;
  executionId: string;
  taskId: string;
  taskRunId: string;
  state: string;
  date?: string | null;
  projectName?: string | null;
  nodes: ModelNode[];
}

const e = encodeURIComponent;

export const lake = {
  tables: (signal?: AbortSignal) => lakeApi<{ results: LakeTableRef[]; total: number }>('/lake/tables', { signal }),
  table: (ns: string, t: string, signal?: AbortSignal) => lakeApi<LakeTable>(`/lake/tables/${e(ns)}/${e(t)}`, { signal }),
  files: (ns: string, t: string, snapshot: string | undefined, signal?: AbortSignal) =>
    lakeApi<TableFiles>(`/lake/tables/${e(ns)}/${e(t)}/files`, { query: { snapshot }, signal }),
  preview: (ns: string, t: string, snapshot: string | undefined, size: number, signal?: AbortSignal) =>
    lakeApi<QueryResult>(`/lake/tables/${e(ns)}/${e(t)}/preview`, { query: { snapshot, size }, signal }),
  sql: (sql: string, size: number, signal?: AbortSignal) =>
    lakeApi<QueryResult>('/lake/sql', { method: 'POST', json: { sql, size }, signal }),
  models: (signal?: AbortSignal) => lakeApi<{ results: ModelRunRef[]; total: number }>('/lake/models', { signal }),
  modelRun: (executionId: string, taskRunId: string, signal?: AbortSignal) =>
    lakeApi<ModelRun>(`/lake/models/${e(executionId)}/${e(taskRunId)}`, { signal }),
};

// The hint of an error answer, when the server gives one apart from its message.
export function errorHint(err: unknown): string | undefined {
  if (!(err instanceof ApiError)) return undefined;
  const h = (err.body as { hint?: unknown } | undefined)?.hint;
  return typeof h === 'string' && h ? h : undefined;
}

// Paths in the UI.
export const lakePaths = {
  table: (ns: string, t: string, tab?: string) => `/lake/tables/${e(ns)}/${e(t)}${tab ? `/${tab}` : ''}`,
  run: (executionId: string, taskRunId: string) => `/lake/models/${e(executionId)}/${e(taskRunId)}`,
  node: (executionId: string, taskRunId: string, uniqueId: string) =>
    `/lake/models/${e(executionId)}/${e(taskRunId)}/${e(uniqueId)}`,
};

// Readable Iceberg types: struct<a: int, b: string>, list<long>, map<string, double>.
export function typeText(t: IcebergType): string {
  if (typeof t === 'string') return t;
  switch (t.type) {
    case 'struct':
      return `struct<${t.fields.map((f) => `${f.name}: ${typeText(f.type)}${f.required ? ' not null' : ''}`).join(', ')}>`;
    case 'list':
      return `list<${typeText(t.element)}>`;
    case 'map':
      return `map<${typeText(t.key)}, ${typeText(t.value)}>`;
    default:
      return JSON.stringify(t);
  }
}

// Every field of a schema with its dotted path, nested ones after their parent
// (a list's element and a map's key and value name their part of the path).
export function flattenFields(fields: IcebergField[], prefix = '', depth = 0): { path: string; depth: number; field: IcebergField }[] {
  const out: { path: string; depth: number; field: IcebergField }[] = [];
  const walk = (t: IcebergType, p: string, d: number) => {
    if (typeof t === 'string') return;
    if (t.type === 'struct') out.push(...flattenFields(t.fields, `${p}.`, d));
    else if (t.type === 'list') walk(t.element, `${p}.element`, d);
    else if (t.type === 'map') {
      walk(t.key, `${p}.key`, d);
      walk(t.value, `${p}.value`, d);
    }
  };
  for (const f of fields) {
    const path = `${prefix}${f.name}`;
    out.push({ path, depth, field: f });
    walk(f.type, path, depth + 1);
  }
  return out;
}

// The column a field id names, in any schema (newest first).
export function columnName(meta: TableMetadata, id: number): string {
  for (const s of [...meta.schemas].reverse()) {
    const hit = flattenFields(s.fields).find((f) => f.field.id === id);
    if (hit) return hit.path;
  }
  return `field ${id}`;
}

// A dbt relation ("db"."schema"."name", or schema.name) split into its parts, unquoted.
export function relationParts(relation: string): string[] {
  const parts: string[] = [];
  const re = /"((?:[^"]|"")*)"|([^.]+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(relation))) parts.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2].trim());
  return parts;
}

// The Iceberg table a relation names, matched loosely: same name, and a
// namespace equal to (or ending with) the relation's schema.
export function matchTable(relation: string | null | undefined, tables: LakeTableRef[]): LakeTableRef | undefined {
  if (!relation) return undefined;
  const parts = relationParts(relation).map((p) => p.toLowerCase());
  if (parts.length < 2) return undefined;
  const name = parts[parts.length - 1];
  const schema = parts[parts.length - 2];
  const same = tables.filter((t) => t.name.toLowerCase() === name);
  return (
    same.find((t) => t.namespace.toLowerCase() === schema) ??
    same.find((t) => t.namespace.toLowerCase().split('.').pop() === schema) ??
    same.find((t) => parts.slice(0, -1).join('.') === t.namespace.toLowerCase())
  );
}

export function humanBytes(n?: number): string {
  if (n === undefined || n === null || !isFinite(n)) return '';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

export function fmtCount(v: unknown): string {
  if (v === undefined || v === null || v === '') return '';
  const n = Number(v);
  return Number.isSafeInteger(n) ? n.toLocaleString() : String(v);
}
