import http from 'node:http';
import { UpstreamConnections } from './http1/upstream-connection';
import { OutlierDetector, type OutlierSettings } from './outlier-detector';

/** One upstream instance (a URL) with its keep-alive connection pool and health state, shared by every table that names it. */
export class Upstream {
  readonly hostname: string;
  readonly port: number;
  readonly hostHeader: string;
  /** Keep-alive pool for node:http (handed-off requests, WebSocket handshakes use their own). */
  readonly agent: http.Agent;
  /** Keep-alive connections of the fast path. */
  readonly connections: UpstreamConnections;
  /** Requests in flight. */
  outstanding = 0;
  /** Result of active health checks (true until a check says otherwise). */
  healthy = true;
  readonly outlier: OutlierDetector;
  /** Set when no table names it any more: new requests stop, in-flight ones finish until the deadline. */
  drainingSinceMs = 0;

  constructor(
    readonly url: string,
    outlier: OutlierSettings,
    maxSockets: number,
  ) {
    const u = new URL(url);
    this.hostname = u.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(u.port || 80);
    this.hostHeader = u.host;
    this.agent = new http.Agent({
      keepAlive: true,
      maxSockets,
      maxFreeSockets: 256,
      scheduling: 'lifo',
      keepAliveMsecs: 1_000,
      noDelay: true,
    } as http.AgentOptions);
    this.connections = new UpstreamConnections(this.hostname, this.port, maxSockets);
    this.outlier = new OutlierDetector(outlier);
  }

  /** Closes every connection to the instance. */
  destroy(): void {
    this.agent.destroy();
    this.connections.close();
  }

  /** May take new requests: passing health checks and not ejected. */
  available(nowMs: number): boolean {
    return this.healthy && !this.outlier.isEjected(nowMs);
  }

  toJSON() {
    return { url: this.url, healthy: this.healthy, outstanding: this.outstanding, outlier: this.outlier.toJSON(), draining: this.drainingSinceMs > 0 };
  }
}

/**
 * Upstreams by URL. A table swap keeps the Upstream objects of URLs still named (their connection pools,
 * health and ejection state survive a reload) and drains the others.
 */
export class UpstreamPool {
  private readonly byUrl = new Map<string, Upstream>();
  private readonly draining = new Set<Upstream>();
  private drainTimer?: NodeJS.Timeout;

  constructor(private readonly maxSockets = 1024) {}

  get(url: string, outlier: OutlierSettings): Upstream {
    let u = this.byUrl.get(url);
    if (!u) {
      u = new Upstream(url, outlier, this.maxSockets);
      this.byUrl.set(url, u);
    } else {
      u.outlier.configure(outlier);
      u.drainingSinceMs = 0;
      this.draining.delete(u);
    }
    return u;
  }

  all(): Upstream[] {
    return [...this.byUrl.values()];
  }

  /** Drains every upstream not in `keep`: its connections close once idle or after `drainMs`. */
  retainOnly(keep: Set<Upstream>, drainMs: number, nowMs: number): void {
    for (const [url, u] of this.byUrl) {
      if (keep.has(u)) continue;
      this.byUrl.delete(url);
      u.drainingSinceMs = nowMs;
      (u as { drainMs?: number }).drainMs = drainMs;
      this.draining.add(u);
    }
    if (this.draining.size && !this.drainTimer) {
      this.drainTimer = setInterval(() => this.sweep(Date.now()), 100);
      this.drainTimer.unref();
    }
    this.sweep(nowMs);
  }

  private sweep(nowMs: number): void {
    for (const u of this.draining) {
      const deadline = u.drainingSinceMs + ((u as { drainMs?: number }).drainMs ?? 0);
      if (u.outstanding === 0 || nowMs >= deadline) {
        u.destroy();
        this.draining.delete(u);
      }
    }
    if (this.draining.size === 0 && this.drainTimer) {
      clearInterval(this.drainTimer);
      this.drainTimer = undefined;
    }
  }

  close(): void {
    if (this.drainTimer) clearInterval(this.drainTimer);
    this.drainTimer = undefined;
    for (const u of [...this.byUrl.values(), ...this.draining]) u.destroy();
    this.byUrl.clear();
    this.draining.clear();
  }
}
