import { createHash } from 'node:crypto';
import type { ServerContext } from '../core/capability';
import { RESOURCE_CHANGED } from '../core/events';
import { SHIPGATE_API_VERSION } from '../core/kinds';
import type { Manifest } from '../core/manifest';
import { ROUTE_TABLE_KIND, type RouteTableSpec } from './route-table';

/** The route table routers receive: every stored RouteTable, a generation and a content tag. */
export interface RouteTableSnapshot {
  /** Increments on every change this server saw (per server process). */
  generation: number;
  /** Hash of the tables: equal tags mean equal tables, across replicas. */
  etag: string;
  tables: Manifest<RouteTableSpec>[];
}

/**
 * The server side of route-table distribution: reads the RouteTable resources, tells watchers
 * (SSE streams, the in-process router) about every change.
 */
export class RouteTableHub {
  private generation = 1;
  private readonly listeners = new Set<(s: RouteTableSnapshot) => void>();
  private readonly off: () => void;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly ctx: ServerContext) {
    this.off = ctx.events.on(RESOURCE_CHANGED, (e) => {
      if (e.kind !== ROUTE_TABLE_KIND || e.apiVersion !== SHIPGATE_API_VERSION) return;
      this.generation++;
      // Serialised so listeners see changes in order.
      this.chain = this.chain
        .then(async () => {
          if (this.listeners.size === 0) return;
          const s = await this.snapshot();
          for (const l of this.listeners) l(s);
        })
        .catch((err) => ctx.log.error({ err }, 'route table broadcast failed'));
      return this.chain;
    });
  }

  async snapshot(): Promise<RouteTableSnapshot> {
    const generation = this.generation;
    const stored = await this.ctx.resources.list<RouteTableSpec>(SHIPGATE_API_VERSION, ROUTE_TABLE_KIND);
    const tables = stored.map((s) => s.manifest);
    const etag = createHash('sha256')
      .update(JSON.stringify(stored.map((s) => [s.manifest.metadata.name, s.hash])))
      .digest('hex')
      .slice(0, 16);
    return { generation, etag, tables };
  }

  /** Calls `listener` on every change; returns the unsubscribe function. */
  subscribe(listener: (s: RouteTableSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.off();
    this.listeners.clear();
  }
}
