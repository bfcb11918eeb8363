// The shapes floe's Kestra-compatible API answers with (only the fields the UI reads).

export interface Paged<T> {
  results: T[];
  total: number;
}

export interface Label {
  key: string;
  value: string;
}

export interface StateHistory {
  state: string;
  date: string;
}

export interface State {
  current: string;
  startDate?: string;
  endDate?: string;
  duration?: string;
  histories: StateHistory[];
}

export interface FlowInput {
  id: string;
  name?: string;
  type: string;
  description?: string;
  displayName?: string;
  required?: boolean;
  defaults?: unknown;
  values?: unknown[];
  options?: unknown[];
  itemType?: string;
  allowCustomValue?: boolean;
  min?: number | string;
  max?: number | string;
  validator?: string;
  extension?: string;
  allowedFileExtensions?: string[];
  dependsOn?: { inputs?: string[]; condition?: string };
}

export interface Flow {
  id: string;
  namespace: string;
  revision: number;
  description?: string;
  labels?: Label[];
  inputs?: FlowInput[];
  tasks?: { id: string; type: string }[];
  triggers?: { id: string; type: string }[];
  disabled?: boolean;
  deleted?: boolean;
  source?: string;
  updated?: string;
}

export interface Attempt {
  state: State;
}

export interface TaskRun {
  id: string;
  executionId: string;
  taskId: string;
  taskType?: string;
  parentTaskRunId?: string;
  value?: string;
  iteration?: number;
  attempt?: number;
  attempts?: Attempt[];
  outputs?: Record<string, unknown>;
  state: State;
}

export interface Execution {
  id: string;
  namespace: string;
  flowId: string;
  flowRevision?: number;
  state: State;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  labels?: Label[];
  taskRunList?: TaskRun[];
  parentId?: string;
  originalId?: string;
  trigger?: { id: string; type: string; variables?: Record<string, unknown> };
  metadata?: { attemptNumber?: number };
}

export interface LogLine {
  namespace?: string;
  flowId?: string;
  taskId?: string;
  executionId?: string;
  taskRunId?: string;
  attemptNumber?: number | null;
  timestamp: string;
  level: string;
  message: string;
  seq?: number;
}

export interface ValidateError {
  message: string;
  line?: number;
  column?: number;
  hint?: string;
}

export interface ValidateResult {
  index: number;
  flow?: string;
  namespace?: string;
  constraints?: string;
  errors?: ValidateError[];
  warnings?: unknown[];
  deprecationPaths?: string[];
}

export interface GraphNode {
  uid: string;
  type: string;
  task?: { id: string; type: string; disabled?: boolean };
  trigger?: { id: string; type: string; disabled?: boolean };
  triggerDeclaration?: { id: string; type: string };
}

export interface GraphEdge {
  source: string;
  target: string;
  relation?: { relationType?: string; value?: string };
}

export interface GraphCluster {
  cluster: { uid: string; type: string; task?: { id: string; type: string } };
  nodes: string[];
  parents: string[];
  start?: string;
  end?: string;
}

export interface FlowGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  clusters: GraphCluster[];
}

export interface Backfill {
  start: string;
  end: string;
  currentDate?: string;
  paused?: boolean;
  status?: string;
  inputs?: Record<string, unknown>;
  labels?: Label[];
  concurrency?: number;
}

export interface TriggerContext {
  namespace: string;
  flowId: string;
  triggerId: string;
  type?: string;
  nextExecutionDate?: string;
  evaluateRunningDate?: string;
  updatedDate?: string;
  disabled?: boolean;
  executionId?: string;
  backfill?: Backfill;
}

export interface TriggerRow {
  abstractTrigger: { id: string; type: string; cron?: string; [k: string]: unknown };
  triggerContext: TriggerContext;
}

export interface DailyStat {
  startDate: string;
  executionCounts: Record<string, number>;
  duration?: Record<string, string | number>;
}

export interface NsFile {
  fileName: string;
  type: 'File' | 'Directory';
  size: number;
  lastModifiedTime?: number;
}

export interface KvEntry {
  key: string;
  creationDate?: string;
  updateDate?: string;
  expirationDate?: string;
}

export interface FilePreview {
  extension?: string;
  type: string;
  columns?: { name: string; type: string }[];
  truncated?: boolean;
  content: unknown;
}
