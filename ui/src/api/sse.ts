// Server-sent events over fetch. EventSource cannot send an Authorization
// header, so the stream is read by hand; the parser follows the
// text/event-stream rules (id:, event:, data:, comments, CR/LF/CRLF).
//
// Streams are shared: every subscriber of one path uses one connection, and a
// late subscriber is replayed what was already received, so a page with
// several panels following one execution opens one request, not several.

import { signalAuthNeeded, url, withAuth } from './client';

export interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

export class SseParser {
  private buf = '';
  private data: string[] = [];
  private event = '';
  private id: string | undefined;
  private sawCR = false;

  constructor(private emit: (m: SseMessage) => void) {}

  push(chunk: string): void {
    let text = chunk;
    // A CRLF may be split across chunks: drop the LF that completes a CR we already ended a line on.
    if (this.sawCR && text.startsWith('\n')) text = text.slice(1);
    this.sawCR = false;
    this.buf += text;
    let start = 0;
    for (let i = 0; i < this.buf.length; i++) {
      const c = this.buf.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.line(this.buf.slice(start, i));
      if (c === 13) {
        if (i + 1 < this.buf.length) {
          if (this.buf.charCodeAt(i + 1) === 10) i++;
        } else {
          this.sawCR = true;
        }
      }
      start = i + 1;
    }
    this.buf = this.buf.slice(start);
  }

  private line(l: string): void {
    if (l === '') {
      if (this.data.length || this.event) {
        this.emit({ id: this.id, event: this.event || 'message', data: this.data.join('\n') });
      }
      this.data = [];
      this.event = '';
      return;
    }
    if (l.startsWith(':')) return;
    const colon = l.indexOf(':');
    const field = colon < 0 ? l : l.slice(0, colon);
    let value = colon < 0 ? '' : l.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.id = value;
  }
}

export type StreamStatus = 'connecting' | 'open' | 'ended' | 'error';

export interface StreamListener {
  onMessage(m: SseMessage): void;
  onStatus?(s: StreamStatus, error?: string): void;
}

// An `end` event (logs) or an `end` id (execution follow) closes a stream for good.
function isEnd(m: SseMessage): boolean {
  return m.event === 'end' || m.id === 'end';
}

class SharedStream {
  private listeners = new Set<StreamListener>();
  private history: SseMessage[] = [];
  private abort: AbortController | null = null;
  private lastId: string | undefined;
  status: StreamStatus = 'connecting';
  private error: string | undefined;
  private retry = 500;
  private closed = false;

  constructor(
    private path: string,
    private keep: 'all' | 'last',
    private resumable: boolean,
    private onIdle: () => void,
  ) {
    void this.run();
  }

  add(l: StreamListener): void {
    this.listeners.add(l);
    for (const m of this.history) l.onMessage(m);
    l.onStatus?.(this.status, this.error);
  }

  remove(l: StreamListener): void {
    this.listeners.delete(l);
    if (this.listeners.size === 0) {
      this.closed = true;
      this.abort?.abort();
      this.onIdle();
    }
  }

  private setStatus(s: StreamStatus, error?: string): void {
    this.status = s;
    this.error = error;
    this.listeners.forEach((l) => l.onStatus?.(s, error));
  }

  private dispatch(m: SseMessage): void {
    if (m.id && this.resumable && /^\d+$/.test(m.id)) this.lastId = m.id;
    if (m.event === 'overflow') return; // the server ends the stream next; we resume from lastId
    if (this.keep === 'all') this.history.push(m);
    else this.history = [m];
    this.listeners.forEach((l) => l.onMessage(m));
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      this.abort = new AbortController();
      let ended = false;
      try {
        const headers = withAuth({ Accept: 'text/event-stream' });
        if (this.lastId) headers.set('Last-Event-ID', this.lastId);
        const res = await fetch(url(this.path), { headers, signal: this.abort.signal, cache: 'no-store' });
        if (res.status === 401) {
          signalAuthNeeded();
          this.setStatus('error', 'Sign in to follow this stream');
          return;
        }
        if (!res.ok || !res.body) {
          let msg = `${res.status} ${res.statusText}`;
          try {
            msg = (JSON.parse(await res.text()) as { message?: string }).message ?? msg;
          } catch {
            /* keep the status line */
          }
          // 4xx will not get better by retrying.
          if (res.status >= 400 && res.status < 500) {
            this.setStatus('error', msg);
            return;
          }
          throw new Error(msg);
        }
        this.setStatus('open');
        this.retry = 500;
        const parser = new SseParser((m) => {
          if (isEnd(m)) ended = true;
          this.dispatch(m);
        });
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done || this.closed) break;
          parser.push(value);
          if (ended) break;
        }
        reader.cancel().catch(() => {});
      } catch (e) {
        if (this.closed) return;
        this.setStatus('connecting', (e as Error).message);
      }
      if (ended) {
        this.setStatus('ended');
        return;
      }
      if (this.closed) return;
      // The stream dropped before its end: reconnect (resuming after lastId), backing off.
      this.setStatus('connecting');
      await new Promise((r) => setTimeout(r, this.retry));
      this.retry = Math.min(this.retry * 2, 10_000);
      if (!this.resumable) this.history = [];
    }
  }
}

const streams = new Map<string, SharedStream>();

export function subscribe(
  path: string,
  listener: StreamListener,
  opts: { keep: 'all' | 'last'; resumable: boolean },
): () => void {
  let s = streams.get(path);
  if (!s) {
    s = new SharedStream(path, opts.keep, opts.resumable, () => streams.delete(path));
    streams.set(path, s);
  }
  s.add(listener);
  const stream = s;
  return () => stream.remove(listener);
}
