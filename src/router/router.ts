import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { formatPath, type Manifest } from '../core/manifest';
import { formatIssue, InputError, RefusedError, type Issue } from '../core/errors';
import type { EgressPolicy } from '../egress/egress-policy';
import { compileTable, CompiledTable } from './compiled-table';
import { HealthChecker } from './health-checker';
import { ProxyHandler } from './proxy-handler';
import { checkRouteTable, mergeRouteTables, routeTableEgressUrls, type RouteTableSpec } from './route-table';
import { StatsRecorder, type StatsSink } from './stats-recorder';
import { UpstreamPool } from './upstream-pool';
import { handleUpgrade } from './websocket-proxy';
import { createAdminServer } from './admin-server';
import { ClientConnection } from './http1/client-connection';
import { Deadlines } from './http1/deadlines';

export interface RouterOptions {
  /** Where stats go besides memory (server push, metrics service). */
  sink?: StatsSink;
  /** How often stats are flushed to the sink, ms. */
  flushMs?: number;
  /** A client must send its request headers within this, ms (slowloris guard). */
  headersTimeoutMs?: number;
  /** Idle keep-alive connections from clients close after this, ms. */
  keepAliveTimeoutMs?: number;
  /** Largest request head, bytes; larger ones get 431. */
  maxHeaderSize?: number;
  /** Most sockets per upstream instance. */
  maxSocketsPerInstance?: number;
  /**
   * Serve plain HTTP/1.1 requests on raw sockets (default true). Requests it does not take
   * (upgrades, chunked uploads, HTTP/1.0, malformed heads) go to node:http either way.
   */
  fastPath?: boolean;
  log?: (message: string, err?: unknown) => void;
  /**
   * Egress policy for backend instances (purpose backend): a table naming a refused address is
   * refused whole (the one in force stays), and health checks connect only to checked addresses.
   * Absent: no check (a file-mode router runs its operator's own table).
   */
  egress?: EgressPolicy;
}

export interface ListenAddress {
  host: string;
  port: number;
}

/** Parses `HOST:PORT` (port 0 = any free port). */
export function parseListen(s: string): ListenAddress {
  const m = /^(.*):(\d+)$/.exec(s);
  if (!m || Number(m[2]) > 65535) throw new InputError(`expected HOST:PORT, got "${s}"`, [{ path: 'listen', message: 'expected HOST:PORT' }]);
  return { host: m[1].replace(/^\[|\]$/g, '') || '127.0.0.1', port: Number(m[2]) };
}

const EMPTY: RouteTableSpec = { routes: [] };

/**
 * Shipgate's HTTP data plane. Runs from a route table it is given (file, admin API, control plane
 * watch); swaps tables atomically (a request finishes on the table it started with).
 */
export class Router {
  private table: CompiledTable;
  private manifests: Manifest<RouteTableSpec>[] = [];
  private generation = 0;
  private readonly pool: UpstreamPool;
  private readonly recorder: StatsRecorder;
  private readonly health: HealthChecker;
  private readonly handler: ProxyHandler;
  private readonly shed = new Map<string, number>();
  /** Connections given to node:http, by reason. */
  private readonly handoffs = new Map<string, number>();
  private readonly clients = new Set<ClientConnection>();
  private readonly deadlines = new Deadlines();
  private readonly countShed = (route: string) => void this.shed.set(route, (this.shed.get(route) ?? 0) + 1);
  private server?: http.Server;
  private admin?: http.Server;
  private adminBearer?: string;
  private readonly log: (message: string, err?: unknown) => void;

  constructor(private readonly options: RouterOptions = {}) {
    this.log = options.log ?? (() => {});
    this.pool = new UpstreamPool(options.maxSocketsPerInstance ?? 1024);
    this.recorder = new StatsRecorder(options.sink, (e) => this.log('stats sink failed', e));
    this.health = new HealthChecker((u, healthy) => this.log(`instance ${u.url} is now ${healthy ? 'healthy' : 'unhealthy'}`), options.egress);
    this.table = new CompiledTable(0, EMPTY, []);
    this.handler = new ProxyHandler({
      table: () => this.table,
      onShed: this.countShed,
      log: this.log,
    });
  }

  /**
   * Validates and applies one or several RouteTable manifests (merged by name), atomically.
   * Throws an InputError with field paths and keeps the current table when any is invalid.
   * Returns the new generation.
   */
  applyTable(manifest: Manifest | Manifest[] | unknown): number {
    const list = (Array.isArray(manifest) ? manifest : [manifest]).map((m, i) => checkRouteTable(m, Array.isArray(manifest) ? `tables[${i}]` : 'route table'));
    if (this.options.egress) refuseEgress(this.options.egress, list);
    const { spec, conflicts } = mergeRouteTables(list);
    for (const c of conflicts) this.log(c);
    const nowMs = Date.now();
    const next = compileTable(spec, this.generation + 1, this.pool, this.recorder, this.table, nowMs);
    this.generation = next.generation;
    this.manifests = list;
    this.table = next;
    const keep = new Set(next.routes.flatMap((r) => r.versions.flatMap((v) => v.upstreams)));
    const drainMs = Math.max(0, ...spec.routes.map((r) => r.drainMs));
    this.pool.retainOnly(keep, drainMs, nowMs);
    this.health.configure(next);
    return this.generation;
  }

  /** The manifests in force and their generation. */
  current(): { generation: number; tables: Manifest<RouteTableSpec>[]; spec: RouteTableSpec } {
    return { generation: this.generation, tables: this.manifests, spec: this.table.spec };
  }

  /** Stats per route and version: totals and recent 10-second buckets, plus instance state. */
  stats() {
    return {
      generation: this.generation,
      series: this.recorder
        .all()
        .map((s) => ({ route: s.route, version: s.version, mirror: s.mirror, totals: { ...s.totals }, requests: s.requests(), buckets: s.buckets() })),
      shed: Object.fromEntries(this.shed),
      handoffs: Object.fromEntries(this.handoffs),
      retries: Object.fromEntries(this.table.routes.map((r) => [r.name, r.guards.retried])),
      /** Concurrency limits in force (adaptive ones move), requests running and waiting, per route. */
      concurrency: Object.fromEntries(
        this.table.routes.flatMap((r) => {
          const c = r.guards.concurrency;
          return c
            ? [[r.name, { limit: c.limit, adaptive: c.adaptive !== undefined, baselineMs: c.adaptive?.baseline, active: c.active, queued: c.queued }]]
            : [];
        }),
      ),
      instances: this.pool.all().map((u) => u.toJSON()),
    };
  }

  /** The recorder (for /metrics). */
  statsRecorder(): StatsRecorder {
    return this.recorder;
  }

  shedCounts(): Map<string, number> {
    return this.shed;
  }

  /** Connections the fast path gave to node:http, by the reason of the first request it did not take. */
  handoffCounts(): Map<string, number> {
    return this.handoffs;
  }

  /** Starts the proxy (and the admin API if asked). Returns the bound addresses. */
  async start(opts: {
    listen: string | ListenAddress;
    admin?: string | ListenAddress;
    adminToken?: string;
  }): Promise<{ listen: AddressInfo; admin?: AddressInfo }> {
    const o = this.options;
    const server = http.createServer({
      maxHeaderSize: o.maxHeaderSize ?? 16 * 1024,
      headersTimeout: o.headersTimeoutMs ?? 10_000,
      requestTimeout: 0,
      keepAliveTimeout: o.keepAliveTimeoutMs ?? 30_000,
      noDelay: true,
      // Checks header and request timeouts this often (Node's default, 30 s, lets slow clients linger).
      connectionsCheckingInterval: Math.min(1_000, o.headersTimeoutMs ?? 10_000),
    });
    server.on('request', this.handler.handle);
    server.on('upgrade', (req, socket, head) => {
      try {
        handleUpgrade(this.table, req, socket, head);
      } catch (e) {
        this.log('upgrade refused', e);
        socket.destroy();
      }
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      if (socket.writable && !(socket as { _httpMessage?: unknown })._httpMessage) {
        const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
        socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`, () => socket.destroy());
      } else socket.destroy();
    });
    if (o.fastPath ?? true) this.takeConnections(server);
    this.server = server;
    const listen = typeof opts.listen === 'string' ? parseListen(opts.listen) : opts.listen;
    await this.listenOn(server, listen.port, listen.host);
    this.recorder.startFlushing(o.flushMs ?? 5_000);
    let adminAddr: AddressInfo | undefined;
    if (opts.admin) {
      const a = typeof opts.admin === 'string' ? parseListen(opts.admin) : opts.admin;
      // Without a token given, one is made up: the admin API is never open (see adminToken()).
      this.adminBearer = opts.adminToken || randomBytes(32).toString('base64url');
      this.admin = createAdminServer(this, { token: this.adminBearer });
      await this.listenOn(this.admin, a.port, a.host);
      adminAddr = this.admin.address() as AddressInfo;
    }
    return { listen: server.address() as AddressInfo, admin: adminAddr };
  }

  /**
   * Puts the fast path in front of node:http: each connection starts on raw sockets and is handed
   * to node's own connection listener (with the bytes read so far put back) at the first request
   * the fast path does not take. The server stays node's, so its timeouts and close() still apply.
   */
  private takeConnections(server: http.Server): void {
    const [nodeListener] = server.listeners('connection') as ((socket: Socket) => void)[];
    server.removeListener('connection', nodeListener);
    const o = this.options;
    const env = {
      table: () => this.table,
      onShed: this.countShed,
      handoff: (socket: Socket, pending: Buffer, reason: string) => {
        this.handoffs.set(reason, (this.handoffs.get(reason) ?? 0) + 1);
        if (pending.length) socket.unshift(pending);
        nodeListener.call(server, socket);
        socket.resume();
      },
      maxHeaderSize: o.maxHeaderSize ?? 16 * 1024,
      headersTimeoutMs: o.headersTimeoutMs ?? 10_000,
      keepAliveTimeoutMs: o.keepAliveTimeoutMs ?? 30_000,
      deadlines: this.deadlines,
    };
    server.on('connection', (socket: Socket) => new ClientConnection(socket, env, this.clients));
  }

  /** Base URL of the proxy once started, e.g. http://127.0.0.1:8080. */
  url(): string | undefined {
    const a = this.server?.address() as AddressInfo | null | undefined;
    if (!a) return undefined;
    return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  }

  /** The bearer token of the admin API once started with one (given, or made up by start()). */
  adminToken(): string | undefined {
    return this.adminBearer;
  }

  /** Base URL of the admin API once started. */
  adminUrl(): string | undefined {
    const a = this.admin?.address() as AddressInfo | null | undefined;
    return a ? `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}` : undefined;
  }

  /** Stops listening, closes upstream connections and flushes stats. */
  /** Listens; later errors of the listener (failed accepts such as EMFILE) are logged, never thrown. */
  private listenOn(server: http.Server, port: number, host: string | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        server.on('error', (e) => this.log('listener error', e));
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    this.health.close();
    const closeServer = (s?: http.Server) =>
      new Promise<void>((resolve) => {
        if (!s) return resolve();
        s.close(() => resolve());
        s.closeIdleConnections();
        setTimeout(() => s.closeAllConnections(), 1_000).unref();
      });
    for (const c of this.clients) if (c.idle) c.close();
    const stragglers = setTimeout(() => {
      for (const c of this.clients) c.close();
    }, 1_000).unref();
    await Promise.all([closeServer(this.server), closeServer(this.admin)]);
    clearTimeout(stragglers);
    this.deadlines.close();
    this.pool.close();
    await this.recorder.close();
  }
}

/** Refuses (403 EGRESS_DENIED, every field named) a set of tables naming a backend the policy refuses. */
function refuseEgress(policy: EgressPolicy, tables: Manifest<RouteTableSpec>[]): void {
  const issues: Issue[] = [];
  for (const t of tables) {
    for (const u of routeTableEgressUrls(t)) {
      const v = policy.checkUrl(u.purpose, u.url);
      if (!v.allowed) issues.push({ path: `RouteTable ${t.metadata.name} ${formatPath(u.at)}`, message: v.reason });
    }
  }
  if (issues.length) throw new RefusedError('EGRESS_DENIED', `route table refused by the egress policy: ${issues.map(formatIssue).join('; ')}`, { issues });
}
