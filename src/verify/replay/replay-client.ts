/**
 * The replayer's HTTP client: one keep-alive agent per origin (node:http / node:https), a deadline
 * per request, the response body read up to a bound (the rest is drained and discarded) and
 * redirects never followed. Requests go only to the origin it was made for: the path+query of a
 * log record is appended to that origin, never a host from the log.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';

export interface ReplayResponse {
  /** HTTP status, or 0 when no response came (see `error`). */
  status: number;
  /** Milliseconds from the scheduled send time to the last byte read. */
  latencyMs: number;
  contentType: string;
  /** The first `maxBodyBytes` of the body. */
  body: Buffer;
  /** SHA-256 (hex) of `body` ('' when bodies are not kept). */
  sha256: string;
  /** True when the body was longer than the bound. */
  truncated: boolean;
  error?: string;
  /** True when `error` is the deadline (`timeoutMs`) passing, not a refused or broken connection. */
  timedOut?: boolean;
}

export interface ReplayClientOptions {
  timeoutMs: number;
  /** Bytes of body kept per response. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Headers added to every request (`--header K:V`). */
  headers?: Record<string, string>;
  /** Keep and hash bodies (needed to compare them). Default true; a replay without baseline drains them unread. */
  keepBodies?: boolean;
  /** Most sockets per origin. Default 512. */
  maxSockets?: number;
}

/** A client bound to one origin. */
export class ReplayClient {
  readonly origin: string;
  private readonly agent: http.Agent;
  private readonly mod: typeof http | typeof https;
  private readonly url: URL;
  private readonly maxBody: number;
  private readonly keepBodies: boolean;

  constructor(
    originUrl: string,
    private readonly o: ReplayClientOptions,
  ) {
    this.url = new URL(originUrl);
    this.origin = this.url.origin;
    this.mod = this.url.protocol === 'https:' ? https : http;
    const agentOptions = { keepAlive: true, maxSockets: o.maxSockets ?? 512, maxFreeSockets: o.maxSockets ?? 512, scheduling: 'lifo' as const };
    this.agent = this.url.protocol === 'https:' ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    this.maxBody = o.maxBodyBytes ?? 1024 * 1024;
    this.keepBodies = o.keepBodies ?? true;
  }

  /** Path prefix of the origin URL (`http://h/base` replays `/x` as `/base/x`). */
  private fullPath(target: string): string {
    const base = this.url.pathname.replace(/\/+$/, '');
    return base + target;
  }

  /** Sends one request (with `body` when given); never rejects (a failure is `status: 0` with `error`). */
  send(method: string, target: string, scheduledAtMs: number, headers?: Record<string, string>, body?: Buffer): Promise<ReplayResponse> {
    return new Promise((resolve) => {
      let done = false;
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      let deadline: NodeJS.Timeout | undefined;
      let timedOut = false;
      const finish = (status: number, contentType: string, error?: string) => {
        if (done) return;
        done = true;
        clearTimeout(deadline);
        const body = Buffer.concat(chunks);
        resolve({
          status,
          latencyMs: performance.now() - scheduledAtMs,
          contentType,
          body,
          sha256: this.keepBodies ? createHash('sha256').update(body).digest('hex') : '',
          truncated,
          ...(error ? { error } : {}),
          ...(error && timedOut ? { timedOut } : {}),
        });
      };
      const req = this.mod.request(
        {
          protocol: this.url.protocol,
          // An IPv6 literal is bracketed in a URL, not in a socket address.
          hostname: this.url.hostname.replace(/^\[(.*)\]$/, '$1'),
          port: this.url.port,
          method,
          path: this.fullPath(target),
          agent: this.agent,
          headers: { ...headers, ...this.o.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
          timeout: this.o.timeoutMs,
        },
        (res) => {
          const ct = String(res.headers['content-type'] ?? '');
          res.on('data', (c: Buffer) => {
            if (truncated || !this.keepBodies) return;
            if (size + c.length > this.maxBody) {
              chunks.push(c.subarray(0, this.maxBody - size));
              size = this.maxBody;
              truncated = true;
            } else {
              chunks.push(c);
              size += c.length;
            }
          });
          res.on('end', () => finish(res.statusCode ?? 0, ct));
          res.on('error', (e) => finish(0, ct, e.message));
          res.on('aborted', () => finish(0, ct, 'response aborted'));
        },
      );
      deadline = setTimeout(() => {
        timedOut = true;
        req.destroy(new Error(`no complete response within ${this.o.timeoutMs} ms`));
      }, this.o.timeoutMs);
      req.on('timeout', () => {
        timedOut = true;
        req.destroy(new Error(`socket idle ${this.o.timeoutMs} ms`));
      });
      req.on('error', (e: NodeJS.ErrnoException) => finish(0, '', e.code ? `${e.code}: ${e.message}` : e.message));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
