import { SHIPGATE_API_VERSION } from '../core/kinds';
import { RESOURCE_CHANGED, type EventBus, type ResourceChanged } from '../core/events';
import type { InProcessRouter } from '../core/hooks';
import type { Manifest } from '../core/manifest';
import type { ResourceStore } from '../resources/resource-store';
import { transaction, type Db } from '../store/db';
import { NotFoundError } from '../core/errors';
import { checkRouteTable, ROUTE_TABLE_KIND, type FaultSpec, type RouteSpec, type RouteTableSpec } from '../router/route-table';
import type { TrafficFault, TrafficRouter, TrafficState } from './traffic-router';

export interface BuiltinTrafficDeps {
  db: Db;
  resources: ResourceStore;
  events: EventBus;
  /** The router running in this process, if any (for verifyWeight and live request counts). */
  inProcess: () => InProcessRouter | undefined;
}

/** Name of the RouteTable a rollout creates when no table defines its route yet. */
export function managedTableName(route: string): string {
  return `rollout-${route}`;
}

/**
 * The built-in router as a TrafficRouter: a change is an update of the RouteTable resource that
 * holds the route (or of `rollout-<route>`, created on first use), made through the resource store
 * in a transaction, so every change is audited; routers reload on the change event.
 * The route's backends, header routes and mirror belong to the rollout; its other settings
 * (match, stickiness, timeouts…) stay as their author wrote them.
 */
export class BuiltinTrafficRouter implements TrafficRouter {
  constructor(private readonly deps: BuiltinTrafficDeps) {}

  async apply(route: string, state: TrafficState, actor: string): Promise<void> {
    const backends = state.backends.filter((b) => b.instances.length > 0);
    if (!backends.some((b) => b.weightPercent > 0)) throw new Error(`route ${route}: no backend with instances and weight > 0`);
    const versions = new Set(backends.map((b) => b.version));
    const changed = await transaction(this.deps.db, async (trx) => {
      const tables = await this.deps.resources.list<RouteTableSpec>(SHIPGATE_API_VERSION, ROUTE_TABLE_KIND, trx);
      const owner = tables.find((t) => t.manifest.spec.routes.some((r) => r.name === route));
      const manifest: Manifest<RouteTableSpec> = owner
        ? structuredClone(owner.manifest)
        : {
            apiVersion: SHIPGATE_API_VERSION,
            kind: ROUTE_TABLE_KIND,
            metadata: { name: managedTableName(route) },
            spec: { routes: [{ name: route } as RouteSpec] },
          };
      const r = manifest.spec.routes.find((x) => x.name === route)!;
      r.backends = backends.map((b) => {
        const before = owner ? r.backends?.find((x) => x.version === b.version) : undefined;
        return { version: b.version, weight: b.weightPercent, instances: [...b.instances], ...(before?.fault ? { fault: before.fault } : {}) };
      });
      r.headerRoutes = state.headerRoutes
        .filter((h) => versions.has(h.version))
        .map((h) => ({ header: h.header.toLowerCase(), value: h.value, version: h.version }));
      if (state.mirror && versions.has(state.mirror.version)) r.mirror = { ...state.mirror };
      else delete r.mirror;
      // Refuse to store a table the routers would refuse; the author's form is what gets stored.
      checkRouteTable(manifest, `RouteTable ${manifest.metadata.name}`);
      const result = await this.deps.resources.put(trx, manifest, actor);
      return result === 'unchanged' ? undefined : { name: manifest.metadata.name, action: result };
    });
    if (changed) this.emit(changed.name, changed.action);
  }

  async current(route: string): Promise<TrafficState | null> {
    const tables = await this.deps.resources.list<RouteTableSpec>(SHIPGATE_API_VERSION, ROUTE_TABLE_KIND);
    for (const t of tables) {
      const r = t.manifest.spec.routes.find((x) => x.name === route);
      if (r) return toState(r);
    }
    return null;
  }

  async verifyWeight(route: string, state: TrafficState): Promise<boolean | null> {
    const router = this.deps.inProcess();
    if (!router || typeof router.current !== 'function') return null;
    const r = router.current().spec.routes.find((x) => x.name === route);
    if (!r) return false;
    const want = weights(state.backends.filter((b) => b.instances.length).map((b) => ({ version: b.version, weight: b.weightPercent })));
    return want === weights(r.backends);
  }

  async removeManagedRoutes(route: string, actor: string): Promise<void> {
    const changed = await transaction(this.deps.db, async (trx) => {
      const tables = await this.deps.resources.list<RouteTableSpec>(SHIPGATE_API_VERSION, ROUTE_TABLE_KIND, trx);
      const owner = tables.find((t) => t.manifest.spec.routes.some((r) => r.name === route));
      if (!owner) return undefined;
      const m = structuredClone(owner.manifest);
      m.spec.routes = m.spec.routes.filter((r) => r.name !== route);
      if (m.spec.routes.length === 0) {
        await this.deps.resources.delete(trx, SHIPGATE_API_VERSION, ROUTE_TABLE_KIND, m.metadata.name, actor);
        return { name: m.metadata.name, action: 'deleted' as const };
      }
      await this.deps.resources.put(trx, m, actor);
      return { name: m.metadata.name, action: 'updated' as const };
    });
    if (changed) this.emit(changed.name, changed.action);
  }

  async setFault(route: string, version: string | null, fault: TrafficFault | null, actor: string): Promise<{ previous: TrafficFault | null }> {
    const out = await transaction(this.deps.db, async (trx) => {
      const tables = await this.deps.resources.list<RouteTableSpec>(SHIPGATE_API_VERSION, ROUTE_TABLE_KIND, trx);
      const owner = tables.find((t) => t.manifest.spec.routes.some((r) => r.name === route));
      if (!owner) throw new NotFoundError(`no RouteTable defines route "${route}"`);
      const manifest = structuredClone(owner.manifest);
      const r = manifest.spec.routes.find((x) => x.name === route)!;
      const holder: { fault?: FaultSpec } | undefined = version === null ? r : r.backends.find((b) => b.version === version);
      if (!holder) throw new NotFoundError(`route "${route}" has no version "${version}" (versions: ${r.backends.map((b) => b.version).join(', ')})`);
      const previous = holder.fault ? (structuredClone(holder.fault) as TrafficFault) : null;
      if (fault) holder.fault = structuredClone(fault) as FaultSpec;
      else delete holder.fault;
      checkRouteTable(manifest, `RouteTable ${manifest.metadata.name}`);
      const result = await this.deps.resources.put(trx, manifest, actor);
      return { previous, changed: result === 'unchanged' ? undefined : { name: manifest.metadata.name, action: result } };
    });
    if (out.changed) this.emit(out.changed.name, out.changed.action);
    return { previous: out.previous };
  }

  private emit(name: string, action: ResourceChanged['action']): void {
    this.deps.events.emit(RESOURCE_CHANGED, { apiVersion: SHIPGATE_API_VERSION, kind: ROUTE_TABLE_KIND, name, action });
  }
}

function toState(r: RouteSpec): TrafficState {
  return {
    backends: r.backends.map((b) => ({ version: b.version, weightPercent: b.weight, instances: [...b.instances] })),
    headerRoutes: (r.headerRoutes ?? []).map((h) => ({ ...h })),
    mirror: r.mirror ? { ...r.mirror } : null,
  };
}

function weights(list: { version: string; weight: number }[]): string {
  return list
    .filter((b) => b.weight > 0)
    .map((b) => `${b.version}=${b.weight}`)
    .sort()
    .join(',');
}
