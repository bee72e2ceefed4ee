/**
 * Blast radius of a service from the catalog's dependency graph: who goes down with it.
 * Pure: takes the edges, returns counts and names.
 */

/** One edge: `from` depends on `to`. */
export interface DependencyEdge {
  from: string;
  to: string;
  kind: 'hard' | 'soft';
}

export interface BlastRadius {
  /** Services that depend on this one directly or transitively, through any edge. */
  dependents: string[];
  /** Services that depend on this one through hard edges only: they fail with it. */
  hardDependents: string[];
  /**
   * A single point of failure: at least one other service hard-depends on it, so its failure
   * takes that service down (no fallback is declared on a hard edge).
   */
  spof: boolean;
}

/** Walks the reverse graph from `service`. Cycles are tolerated. */
export function blastRadius(service: string, edges: DependencyEdge[]): BlastRadius {
  const reverse = (hardOnly: boolean): string[] => {
    const byTo = new Map<string, string[]>();
    for (const e of edges) {
      if (hardOnly && e.kind !== 'hard') continue;
      const list = byTo.get(e.to) ?? [];
      list.push(e.from);
      byTo.set(e.to, list);
    }
    const seen = new Set<string>([service]);
    const queue = [service];
    while (queue.length) {
      const s = queue.shift()!;
      for (const d of byTo.get(s) ?? []) {
        if (!seen.has(d)) {
          seen.add(d);
          queue.push(d);
        }
      }
    }
    seen.delete(service);
    return [...seen].sort();
  };
  const hardDependents = reverse(true);
  return { dependents: reverse(false), hardDependents, spof: hardDependents.length > 0 };
}

/** Services `service` hard-depends on, directly. */
export function hardDependenciesOf(service: string, edges: DependencyEdge[]): string[] {
  return edges.filter((e) => e.from === service && e.kind === 'hard').map((e) => e.to).sort();
}
