import http from 'node:http';

/** What users saw, per version (from the `x-shipgate-version` response header). */
export interface VersionTally {
  requests: number;
  errors: number;
  firstAtMs: number;
  lastAtMs: number;
}

export interface LoadSnapshot {
  sent: number;
  byVersion: Record<string, VersionTally>;
  /** Errors users saw: 5xx, connection failures and timeouts. */
  errors: number;
}

/**
 * A steady stream of GET requests from simulated users (each with a stable `x-user-id`), at
 * `ratePerSecond`, counting responses by the version that served them.
 */
export class LoadGenerator {
  private timer?: NodeJS.Timeout;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private sent = 0;
  private errors = 0;
  private readonly byVersion: Record<string, VersionTally> = {};
  private inFlight = 0;
  /** Listeners told about every response (version, ok, at). */
  onResponse?: (version: string, ok: boolean, atMs: number) => void;

  constructor(
    private readonly url: string,
    private readonly opts: { ratePerSecond: number; users: number; timeoutMs?: number; path?: string },
  ) {}

  start(): void {
    // Paced by elapsed time, not by timer ticks, so a busy event loop does not lower the rate.
    const startedAt = Date.now();
    const sentBefore = this.sent;
    this.timer = setInterval(() => {
      const due = Math.floor(((Date.now() - startedAt) * this.opts.ratePerSecond) / 1000) - (this.sent - sentBefore);
      for (let i = 0; i < Math.min(due, this.opts.ratePerSecond); i++) this.fire();
    }, 20);
  }

  private fire(): void {
    this.sent++;
    if (this.inFlight > 500) return;
    this.inFlight++;
    const user = `user-${Math.floor(Math.random() * this.opts.users)}`;
    const req = http.get(
      new URL(this.opts.path ?? '/products', this.url),
      { agent: this.agent, headers: { 'x-user-id': user }, timeout: this.opts.timeoutMs ?? 5000 },
      (res) => {
        res.resume();
        res.on('end', () => this.done(String(res.headers['x-shipgate-version'] ?? 'none'), (res.statusCode ?? 500) < 500));
        res.on('error', () => this.done(String(res.headers['x-shipgate-version'] ?? 'none'), false));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => this.done('none', false));
  }

  private done(version: string, ok: boolean): void {
    this.inFlight--;
    const now = Date.now();
    const t = (this.byVersion[version] ??= { requests: 0, errors: 0, firstAtMs: now, lastAtMs: now });
    t.requests++;
    t.lastAtMs = now;
    if (!ok) {
      t.errors++;
      this.errors++;
    }
    this.onResponse?.(version, ok, now);
  }

  snapshot(): LoadSnapshot {
    return { sent: this.sent, errors: this.errors, byVersion: structuredClone(this.byVersion) };
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (let i = 0; i < 100 && this.inFlight > 0; i++) await new Promise((r) => setTimeout(r, 20));
    this.agent.destroy();
  }
}
