// The one place that talks HTTP to floe: adds credentials, turns error
// answers into ApiError with the server's own message, and tells the app
// when credentials are needed (401) so it can show the login form.

const AUTH_KEY = 'floe.auth';
export const API = '/api/v1';

export class ApiError extends Error {
  constructor(
    message: string,
    public status: number,
    public body?: unknown,
  ) {
    super(message);
  }
}

type AuthListener = (needed: boolean) => void;
const authListeners = new Set<AuthListener>();

export function onAuthNeeded(fn: AuthListener): () => void {
  authListeners.add(fn);
  return () => authListeners.delete(fn);
}

export function authHeader(): string | null {
  try {
    return sessionStorage.getItem(AUTH_KEY);
  } catch {
    return null;
  }
}

export function setBasicAuth(username: string, password: string): void {
  // btoa only takes Latin-1: encode as UTF-8 bytes first so any password works.
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  let bin = '';
  bytes.forEach((b) => (bin += String.fromCharCode(b)));
  sessionStorage.setItem(AUTH_KEY, `Basic ${btoa(bin)}`);
}

export function clearAuth(): void {
  sessionStorage.removeItem(AUTH_KEY);
}

export function withAuth(headers: HeadersInit = {}): Headers {
  const h = new Headers(headers);
  // Marks the app's own calls, so a server can answer 401 without the
  // WWW-Authenticate header that makes browsers pop their own login dialog.
  h.set('X-Requested-With', 'XMLHttpRequest');
  const a = authHeader();
  if (a) h.set('Authorization', a);
  return h;
}

export function signalAuthNeeded(): void {
  authListeners.forEach((fn) => fn(true));
}

async function errorFrom(res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText || 'error'}`;
  let body: unknown;
  try {
    const text = await res.text();
    try {
      body = JSON.parse(text);
      const m = (body as { message?: unknown })?.message;
      if (typeof m === 'string' && m) message = m;
    } catch {
      if (text.trim()) message = text.trim().slice(0, 500);
    }
  } catch {
    /* the body could not be read: keep the status line */
  }
  return new ApiError(message, res.status, body);
}

export interface RequestOptions {
  method?: string;
  query?: Record<string, string | number | boolean | undefined | null | string[]>;
  json?: unknown;
  yaml?: string;
  body?: BodyInit;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export function url(path: string, query?: RequestOptions['query']): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) v.forEach((x) => x && qs.append(k, x));
    else qs.append(k, String(v));
  }
  const s = qs.toString();
  return `${API}${path}${s ? `?${s}` : ''}`;
}

export async function request(path: string, opts: RequestOptions = {}): Promise<Response> {
  const headers = withAuth(opts.headers);
  let body = opts.body;
  if (opts.json !== undefined) {
    headers.set('Content-Type', 'application/json');
    body = JSON.stringify(opts.json);
  } else if (opts.yaml !== undefined) {
    headers.set('Content-Type', 'application/x-yaml');
    body = opts.yaml;
  }
  let res: Response;
  try {
    res = await fetch(url(path, opts.query), { method: opts.method ?? 'GET', headers, body, signal: opts.signal });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(`Cannot reach the floe server (${(e as Error).message})`, 0);
  }
  if (res.status === 401) {
    signalAuthNeeded();
    throw await errorFrom(res);
  }
  if (!res.ok) throw await errorFrom(res);
  return res;
}

export async function api<T = unknown>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await request(path, opts);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  if (!text) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    return text as unknown as T;
  }
}

export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

// Downloads need the Authorization header too, so a plain <a href> only works
// without auth; fetch the blob and hand it to the browser instead.
export async function download(path: string, query: RequestOptions['query'], filename: string): Promise<void> {
  const res = await request(path, { query });
  const blob = await res.blob();
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}
