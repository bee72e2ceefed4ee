import { NotFoundError } from '../core/errors';
import { compareNames, type CatalogGraph, type DependencyKind, type EnvironmentNode, type GraphEdge } from './graph';
import { findCycles, type DependencyCycle } from './cycles';

/** One dependency that bounds the composite availability. */
export interface AvailabilityFactor {
  service: string;
  /** Availability of one instance: the dependency's `sla`; absent when it declares none (then counted as 1). */
  sla?: number;
  /** Running instances in the environment (1 when no environment is given or it does not list the service). */
  instances: number;
  /** Availability of the redundant set: 1 - (1 - sla)^instances. */
  availability: number;
  /** A shortest counted chain from the analysed service to this dependency. */
  path: string[];
  kinds: DependencyKind[];
  /** `hard` when an all-hard chain reaches it; otherwise a soft dependency without a fallback sits on the chain. */
  counted: 'hard' | 'soft-without-fallback';
}

/** A soft dependency with a fallback, left out of the product (listed only when no counted chain reaches it). */
export interface ExcludedDependency {
  from: string;
  to: string;
  fallback: string;
}

export interface AvailabilityReport {
  service: string;
  environment?: string;
  /** The service's own `sla`, the availability it promises. */
  target?: number;
  /** Product of every factor: the highest availability the dependencies allow. */
  composite: number;
  /**
   * `meets`: composite >= target; `below`: composite < target (the answer is no);
   * `undecided`: no target, or a counted dependency declares no `sla` while the bound still meets the target.
   */
  verdict: 'meets' | 'below' | 'undecided';
  /** Counted dependencies without an `sla` (counted as 1, so `composite` is an upper bound). */
  unknown: string[];
  /** Weakest first. */
  factors: AvailabilityFactor[];
  excluded: ExcludedDependency[];
  /** Cycles among the service and its counted dependencies; each service is still counted once. */
  cycles: DependencyCycle[];
}

/** Tolerance for comparing products of fractions with a target. */
const EPSILON = 1e-12;

/**
 * Composite availability of a service from its dependencies, as serial components:
 * - every service reachable through counted dependencies is one factor, counted once even when
 *   several chains reach it (a shared database fails every chain at the same time);
 * - hard dependencies count; soft dependencies with a fallback do not (the caller degrades);
 * - soft dependencies WITHOUT a fallback count like hard ones: with nothing to fall back on, their
 *   failure reaches the caller's users (the report marks them `soft-without-fallback`);
 * - a dependency's `sla` is the availability of one instance; `instances` from the environment
 *   combine as 1 - (1 - sla)^instances; 0 instances make the factor 0;
 * - the service's own `sla` is the target the product is compared with, not a factor;
 * - cycles are reported and walked once (breadth-first with a visited set).
 */
export function compositeAvailability(graph: CatalogGraph, service: string, environment?: EnvironmentNode): AvailabilityReport {
  const start = graph.index.get(service);
  if (start === undefined) throw new NotFoundError(`service "${service}" is not in the catalog`);

  const counts = (e: GraphEdge) => e.kind === 'hard' || e.fallback === undefined;
  const hardVia = forwardBfs(graph, start, (e) => e.kind === 'hard');
  const countedVia = forwardBfs(graph, start, counts);

  const factors: AvailabilityFactor[] = [];
  const unknown: string[] = [];
  const excluded: ExcludedDependency[] = [];
  let composite = 1;
  for (const [v] of countedVia) {
    for (const id of graph.out[v]) {
      const e = graph.edges[id];
      if (!counts(e) && !countedVia.has(e.to)) excluded.push({ from: graph.names[v], to: graph.names[e.to], fallback: e.fallback! });
    }
    if (v === start) continue;
    const name = graph.names[v];
    const sla = graph.services[v]?.sla;
    const deployed = environment?.services[name];
    const instances = deployed ? (deployed.instances ?? 1) : 1;
    const availability = sla === undefined ? 1 : 1 - Math.pow(1 - sla, instances);
    if (sla === undefined) unknown.push(name);
    composite *= availability;
    const isHard = hardVia.has(v);
    const { path, kinds } = chain(graph, start, v, isHard ? hardVia : countedVia);
    factors.push({
      service: name,
      ...(sla !== undefined ? { sla } : {}),
      instances,
      availability,
      path,
      kinds,
      counted: isHard ? 'hard' : 'soft-without-fallback',
    });
  }

  const target = graph.services[start]?.sla;
  let verdict: AvailabilityReport['verdict'];
  if (target !== undefined && composite < target - EPSILON) verdict = 'below';
  else if (target === undefined || unknown.length) verdict = 'undecided';
  else verdict = 'meets';

  const reached = new Set([...countedVia.keys()].map((v) => graph.names[v]));
  return {
    service,
    ...(environment ? { environment: environment.name } : {}),
    ...(target !== undefined ? { target } : {}),
    composite,
    verdict,
    unknown: unknown.sort(compareNames),
    factors: factors.sort((a, b) => a.availability - b.availability || compareNames(a.service, b.service)),
    excluded: excluded.sort((a, b) => compareNames(a.from, b.from) || compareNames(a.to, b.to)),
    cycles: findCycles(graph).filter((c) => c.services.some((s) => reached.has(s))),
  };
}

/** Breadth-first search along the edges; maps node -> edge id it was reached by (-1 for start). */
function forwardBfs(graph: CatalogGraph, start: number, keep: (e: GraphEdge) => boolean): Map<number, number> {
  const via = new Map<number, number>([[start, -1]]);
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    for (const id of graph.out[queue[head]]) {
      const e = graph.edges[id];
      if (!keep(e) || via.has(e.to)) continue;
      via.set(e.to, id);
      queue.push(e.to);
    }
  }
  return via;
}

function chain(graph: CatalogGraph, start: number, v: number, via: Map<number, number>): { path: string[]; kinds: DependencyKind[] } {
  const path = [graph.names[v]];
  const kinds: DependencyKind[] = [];
  for (let u = v; u !== start; ) {
    const e = graph.edges[via.get(u)!];
    kinds.push(e.kind);
    u = e.from;
    path.push(graph.names[u]);
  }
  return { path: path.reverse(), kinds: kinds.reverse() };
}
