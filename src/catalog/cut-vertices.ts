import type { CatalogGraph, GraphEdge } from './graph';

/** A service whose removal splits its part of the graph (an articulation point). */
export interface CutVertex {
  node: number;
  /** Sizes, in services, of the pieces its removal leaves, largest first (at least two). */
  pieces: number[];
}

/**
 * Cut vertices of the graph formed by the kept edges, treated as undirected (iterative Tarjan:
 * no recursion, linear time, safe on chains of any depth). Sorted by node id.
 */
export function findCutVertices(graph: CatalogGraph, keep: (e: GraphEdge) => boolean): CutVertex[] {
  const n = graph.names.length;
  const adjacency = undirected(graph, keep);
  const order = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const parent = new Int32Array(n).fill(-1);
  const size = new Int32Array(n);
  const pos = new Int32Array(n);
  /** For a node, the sizes of the child subtrees that cannot reach above it. */
  const separated = new Map<number, number[]>();
  const result: CutVertex[] = [];
  const calls: number[] = [];
  let counter = 0;

  for (let root = 0; root < n; root++) {
    if (order[root] !== -1 || adjacency[root].length === 0) continue;
    const visited: number[] = [root];
    order[root] = low[root] = counter++;
    size[root] = 1;
    calls.push(root);
    while (calls.length) {
      const v = calls[calls.length - 1];
      const neighbours = adjacency[v];
      if (pos[v] < neighbours.length) {
        const w = neighbours[pos[v]++];
        if (order[w] === -1) {
          parent[w] = v;
          order[w] = low[w] = counter++;
          size[w] = 1;
          visited.push(w);
          calls.push(w);
        } else if (w !== parent[v] && order[w] < low[v]) {
          low[v] = order[w];
        }
        continue;
      }
      calls.pop();
      const p = parent[v];
      if (p === -1) continue;
      if (low[v] < low[p]) low[p] = low[v];
      size[p] += size[v];
      if (low[v] >= order[p]) {
        let list = separated.get(p);
        if (!list) separated.set(p, (list = []));
        list.push(size[v]);
      }
    }
    const componentSize = size[root];
    for (const v of visited) {
      const children = separated.get(v);
      if (!children) continue;
      let pieces: number[];
      if (v === root) {
        if (children.length < 2) continue;
        pieces = children;
      } else {
        const rest = componentSize - 1 - children.reduce((a, b) => a + b, 0);
        pieces = rest > 0 ? [...children, rest] : children;
      }
      result.push({ node: v, pieces: pieces.sort((a, b) => b - a) });
    }
  }
  return result.sort((a, b) => a.node - b.node);
}

/** Deduplicated neighbour lists of the kept edges, both directions, self-loops dropped. */
function undirected(graph: CatalogGraph, keep: (e: GraphEdge) => boolean): number[][] {
  const adjacency: number[][] = graph.names.map(() => []);
  const seen = new Set<number>();
  const n = graph.names.length;
  for (const e of graph.edges) {
    if (!keep(e) || e.from === e.to) continue;
    const a = Math.min(e.from, e.to);
    const b = Math.max(e.from, e.to);
    const key = a * n + b;
    if (seen.has(key)) continue;
    seen.add(key);
    adjacency[a].push(b);
    adjacency[b].push(a);
  }
  return adjacency;
}
