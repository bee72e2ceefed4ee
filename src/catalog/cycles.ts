import { compareNames, type CatalogGraph, type GraphEdge } from './graph';

/** A dependency cycle, reported as data (analyses never loop on one). */
export interface DependencyCycle {
  /** Services of the strongly connected component, sorted. */
  services: string[];
  /**
   * One concrete cycle, its first service repeated at the end (`[a, b, c, a]`): a shortest all-hard
   * cycle when there is one, otherwise a shortest cycle through the first service.
   */
  path: string[];
  /** Kind of each edge along `path` (one fewer than the path's length). */
  kinds: ('hard' | 'soft')[];
  /** True when the services hold a cycle of hard dependencies only: none of them can start first. */
  hard: boolean;
}

/**
 * Strongly connected components with iterative Tarjan (no recursion: safe on deep chains).
 * Returns every component with more than one node or a self-loop, each as sorted node ids.
 */
export function cyclicComponents(graph: CatalogGraph, keep: (e: GraphEdge) => boolean = () => true): number[][] {
  const n = graph.names.length;
  const order = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const pos = new Int32Array(n);
  const stack: number[] = [];
  const calls: number[] = [];
  const result: number[][] = [];
  let counter = 0;

  for (let s = 0; s < n; s++) {
    if (order[s] !== -1) continue;
    order[s] = low[s] = counter++;
    stack.push(s);
    onStack[s] = 1;
    calls.push(s);
    while (calls.length) {
      const v = calls[calls.length - 1];
      const outs = graph.out[v];
      if (pos[v] < outs.length) {
        const e = graph.edges[outs[pos[v]++]];
        if (!keep(e)) continue;
        const w = e.to;
        if (order[w] === -1) {
          order[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          calls.push(w);
        } else if (onStack[w] && order[w] < low[v]) {
          low[v] = order[w];
        }
        continue;
      }
      calls.pop();
      if (calls.length) {
        const u = calls[calls.length - 1];
        if (low[v] < low[u]) low[u] = low[v];
      }
      if (low[v] !== order[v]) continue;
      const component: number[] = [];
      let w: number;
      do {
        w = stack.pop()!;
        onStack[w] = 0;
        component.push(w);
      } while (w !== v);
      const selfLoop = component.length === 1 && graph.out[v].some((id) => graph.edges[id].to === v && keep(graph.edges[id]));
      if (component.length > 1 || selfLoop) result.push(component.sort((a, b) => a - b));
    }
  }
  return result;
}

/**
 * Every dependency cycle in the catalog, sorted by first service name. `hard` marks the cycles
 * that contain a loop of hard dependencies only.
 */
export function findCycles(graph: CatalogGraph): DependencyCycle[] {
  const isHard = (e: GraphEdge) => e.kind === 'hard';
  const hardComponents = cyclicComponents(graph, isHard);
  const hardOf = new Map<number, number[]>();
  for (const c of hardComponents) for (const v of c) hardOf.set(v, c);

  const cycles: DependencyCycle[] = [];
  for (const component of cyclicComponents(graph)) {
    const hardComponent = component.map((v) => hardOf.get(v)).find((c) => c !== undefined);
    const members = new Set(hardComponent ?? component);
    const start = [...members].sort((a, b) => compareNames(graph.names[a], graph.names[b]))[0];
    const loop = shortestCycle(graph, start, members, hardComponent ? isHard : () => true);
    cycles.push({
      services: component.map((v) => graph.names[v]).sort(compareNames),
      path: loop.nodes.map((v) => graph.names[v]),
      kinds: loop.kinds,
      hard: hardComponent !== undefined,
    });
  }
  return cycles.sort((a, b) => compareNames(a.services[0], b.services[0]));
}

/** Breadth-first search for a shortest cycle through `start` that stays inside `members`. */
function shortestCycle(
  graph: CatalogGraph,
  start: number,
  members: ReadonlySet<number>,
  keep: (e: GraphEdge) => boolean,
): { nodes: number[]; kinds: ('hard' | 'soft')[] } {
  const via = new Map<number, number>(); // node -> edge id it was reached by
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head];
    for (const id of graph.out[v]) {
      const e = graph.edges[id];
      if (!keep(e) || !members.has(e.to)) continue;
      if (e.to === start) {
        const edgeIds = [id];
        for (let u = v; u !== start; u = graph.edges[via.get(u)!].from) edgeIds.push(via.get(u)!);
        edgeIds.reverse();
        return {
          nodes: [start, ...edgeIds.map((x) => graph.edges[x].to)],
          kinds: edgeIds.map((x) => graph.edges[x].kind),
        };
      }
      if (!via.has(e.to)) {
        via.set(e.to, id);
        queue.push(e.to);
      }
    }
  }
  // Unreachable for a member of a cyclic component; kept total for safety.
  return { nodes: [start], kinds: [] };
}
