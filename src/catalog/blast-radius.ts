import { NotFoundError } from '../core/errors';
import { compareNames, type CatalogGraph, type DependencyKind, type GraphEdge } from './graph';

/** A service hit when the analysed service fails. */
export interface AffectedService {
  service: string;
  tier?: number;
  /**
   * A shortest chain of dependencies from the affected service down to the failed one
   * (`[storefront, orders, db-orders]`): all-hard for a hard hit.
   */
  path: string[];
  /** Kind of each dependency along `path`. */
  kinds: DependencyKind[];
  /** Number of dependencies between the two (path length minus one). */
  depth: number;
}

export interface BlastRadius {
  service: string;
  /** Services with at least one all-hard chain to it: they fail with it. Nearest first. */
  hard: AffectedService[];
  /** Services that reach it only through a soft dependency: they degrade. Nearest first. */
  soft: AffectedService[];
}

/**
 * Every service that transitively depends on `service`, with the path, split into hard and soft:
 * a service reachable both ways is hard when any of its paths is all-hard. Breadth-first over the
 * reversed edges, so cycles end the walk instead of looping, and the paths are shortest.
 */
export function blastRadius(graph: CatalogGraph, service: string): BlastRadius {
  const target = graph.index.get(service);
  if (target === undefined) throw new NotFoundError(`service "${service}" is not in the catalog`);

  const hardVia = reverseBfs(graph, target, (e) => e.kind === 'hard');
  const anyVia = reverseBfs(graph, target, () => true);

  const hard: AffectedService[] = [];
  const soft: AffectedService[] = [];
  for (const [v] of anyVia) {
    if (v === target) continue;
    const isHard = hardVia.has(v);
    (isHard ? hard : soft).push(affected(graph, v, target, isHard ? hardVia : anyVia));
  }
  const byDepth = (a: AffectedService, b: AffectedService) => a.depth - b.depth || compareNames(a.service, b.service);
  return { service, hard: hard.sort(byDepth), soft: soft.sort(byDepth) };
}

/** Breadth-first search from `start` against the edge direction; maps node -> edge id it was reached by (-1 for start). */
function reverseBfs(graph: CatalogGraph, start: number, keep: (e: GraphEdge) => boolean): Map<number, number> {
  const via = new Map<number, number>([[start, -1]]);
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    for (const id of graph.in[queue[head]]) {
      const e = graph.edges[id];
      if (!keep(e) || via.has(e.from)) continue;
      via.set(e.from, id);
      queue.push(e.from);
    }
  }
  return via;
}

function affected(graph: CatalogGraph, v: number, target: number, via: Map<number, number>): AffectedService {
  const path = [graph.names[v]];
  const kinds: DependencyKind[] = [];
  for (let u = v; u !== target; ) {
    const e = graph.edges[via.get(u)!];
    kinds.push(e.kind);
    u = e.to;
    path.push(graph.names[u]);
  }
  const tier = graph.services[v]?.tier;
  return { service: graph.names[v], ...(tier !== undefined ? { tier } : {}), path, kinds, depth: kinds.length };
}
