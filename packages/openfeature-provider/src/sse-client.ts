import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';

/**
 * A small server-sent events reader: parses `id`, `event`, `data` and `retry` fields
 * and hands each complete event to a callback. It reads one connection; reconnecting (with
 * Last-Event-ID) is the caller's decision.
 */

export interface SseEvent {
  id?: string;
  event: string;
  data: string;
  /** Shipgate's `changed:` field: JSON list of the flag keys that changed since the previous event. */
  changed?: string;
}

/** Incremental parser: feed text chunks, receive complete events. */
export class SseParser {
  private buffer = '';
  private id: string | undefined;
  private event = '';
  private data: string[] = [];
  private changed: string | undefined;
  /** Reconnection delay the server asked for, ms. */
  retryMs: number | undefined;

  constructor(private readonly onEvent: (e: SseEvent) => void) {}

  push(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, nl);
      const sepLen = this.buffer.startsWith('\r\n', nl) ? 2 : 1;
      this.buffer = this.buffer.slice(nl + sepLen);
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0) {
        this.onEvent({
          id: this.id,
          event: this.event || 'message',
          data: this.data.join('\n'),
          ...(this.changed !== undefined ? { changed: this.changed } : {}),
        });
      }
      this.event = '';
      this.data = [];
      this.changed = undefined;
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id') this.id = value;
    else if (field === 'changed') this.changed = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
  }
}

export interface SseConnection {
  /** HTTP status of the response. */
  status: number;
  /** Resolves when the stream ends (server closed, network error or abort). */
  done: Promise<void>;
  retryMs(): number | undefined;
}

/**
 * Opens `url` as an event stream. Resolves once the response headers arrived (with the status);
 * events flow to `onEvent` until the stream ends. Uses node:http(s) directly: many providers in
 * one process each hold a stream, and plain sockets cost less per chunk than web streams.
 */
export function openEventStream(
  url: string,
  opts: { headers: Record<string, string>; signal: AbortSignal; onEvent: (e: SseEvent) => void },
): Promise<SseConnection> {
  const parser = new SseParser(opts.onEvent);
  const u = new URL(url);
  const get = u.protocol === 'https:' ? httpsGet : httpGet;
  return new Promise((resolve, reject) => {
    if (opts.signal.aborted) return reject(new Error('aborted'));
    const req = get(u, { headers: { accept: 'text/event-stream', ...opts.headers }, signal: opts.signal }, (res) => {
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        res.resume();
        resolve({ status, done: Promise.resolve(), retryMs: () => undefined });
        return;
      }
      res.setEncoding('utf8');
      const done = new Promise<void>((end) => {
        res.on('data', (chunk: string) => parser.push(chunk));
        res.on('end', () => end());
        res.on('error', () => end());
        res.on('close', () => end());
      });
      resolve({ status, done, retryMs: () => parser.retryMs });
    });
    req.on('error', reject);
  });
}
