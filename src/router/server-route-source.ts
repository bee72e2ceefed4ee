import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Router } from './router';
import type { RouteTableSnapshot } from './route-table-hub';

export interface ServerRouteSourceOptions {
  /** Control plane base URL, e.g. http://127.0.0.1:7070. */
  serverUrl: string;
  token?: string;
  /** Where the last table applied is kept, to start from when the server is unreachable. */
  lastGoodFile: string;
  /** First reconnect delay, ms; doubles up to maxBackoffMs. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  report: (message: string) => void;
}

/**
 * Server mode: follows `GET /api/v1/router/watch` (server-sent events), applies each table, keeps
 * the last one applied on disk, and reconnects with exponential back-off (with jitter) when the
 * stream breaks. A table the router refuses is reported and the one in force stays.
 */
export class ServerRouteSource {
  private abort?: AbortController;
  private closed = false;
  private backoffMs: number;
  private lastEtag?: string;
  /** Resolves when the first table (from the server or the last-known-good file) is applied. */
  readonly ready: Promise<void>;
  private markReady!: () => void;
  /** Number of tables applied from the stream (for tests and /healthz). */
  applied = 0;

  constructor(
    private readonly router: Router,
    private readonly o: ServerRouteSourceOptions,
  ) {
    this.backoffMs = o.minBackoffMs ?? 250;
    this.ready = new Promise((r) => (this.markReady = r));
  }

  /** Loads the last-known-good table, if any. */
  loadLastGood(): boolean {
    try {
      const s = JSON.parse(readFileSync(this.o.lastGoodFile, 'utf8')) as RouteTableSnapshot;
      this.router.applyTable(s.tables);
      this.lastEtag = s.etag;
      this.o.report(`started from the last-known-good route table (${this.o.lastGoodFile})`);
      this.markReady();
      return true;
    } catch {
      return false;
    }
  }

  start(): void {
    void this.loop();
  }

  private async loop(): Promise<void> {
    while (!this.closed) {
      try {
        await this.follow();
        this.o.report('route table stream ended; reconnecting');
      } catch (e) {
        if (this.closed) return;
        this.o.report(`route table stream failed (${(e as Error).message}); retrying in ${this.backoffMs} ms`);
      }
      if (this.closed) return;
      // Not cockatiel's retry: its back-off restarts only per execute() and follows failures only; this one restarts once the server answers and also paces reconnects after a clean end.
      const wait = this.backoffMs * (0.75 + Math.random() / 2);
      await new Promise((r) => setTimeout(r, wait));
      this.backoffMs = Math.min(this.o.maxBackoffMs ?? 10_000, this.backoffMs * 2);
    }
  }

  private async follow(): Promise<void> {
    this.abort = new AbortController();
    const res = await fetch(new URL('/api/v1/router/watch', this.o.serverUrl), {
      headers: {
        accept: 'text/event-stream',
        ...(this.o.token ? { authorization: `Bearer ${this.o.token}` } : {}),
        ...(this.lastEtag ? { 'last-event-id': this.lastEtag } : {}),
      },
      signal: this.abort.signal,
    });
    if (!res.ok || !res.body) throw new Error(`watch answered ${res.status}`);
    this.backoffMs = this.o.minBackoffMs ?? 250;
    this.markReady();
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let sep: number;
      while ((sep = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, sep);
        buf = buf.slice(sep + 2);
        this.onEvent(block);
      }
    }
  }

  private onEvent(block: string): void {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    if (event !== 'table' || data.length === 0) return;
    const s = JSON.parse(data.join('\n')) as RouteTableSnapshot;
    try {
      const g = this.router.applyTable(s.tables);
      this.lastEtag = s.etag;
      this.applied++;
      this.saveLastGood(s);
      this.o.report(`route table ${s.etag} applied: generation ${g}`);
    } catch (e) {
      this.o.report(`route table ${s.etag} refused, keeping the one in force: ${(e as Error).message}`);
    }
  }

  private saveLastGood(s: RouteTableSnapshot): void {
    try {
      mkdirSync(dirname(this.o.lastGoodFile), { recursive: true });
      const tmp = `${this.o.lastGoodFile}.tmp`;
      writeFileSync(tmp, JSON.stringify(s));
      renameSync(tmp, this.o.lastGoodFile);
    } catch (e) {
      this.o.report(`could not keep the last-known-good table at ${this.o.lastGoodFile}: ${(e as Error).message}`);
    }
  }

  close(): void {
    this.closed = true;
    this.abort?.abort();
  }
}
