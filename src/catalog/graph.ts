/**
 * The service dependency graph, built once from the catalog and shared by every analysis
 * (single points of failure, blast radius, availability, cycles, export). Pure: no I/O.
 *
 * Edges point from the dependent to the dependency: `orders -> db-orders` means orders depends
 * on db-orders. Services are numbered; adjacency lists hold edge ids so that the algorithms work
 * on integers, which keeps them fast on catalogs of thousands of services.
 */

/** How a service depends on another: hard (it fails with it) or soft (it degrades). */
export type DependencyKind = 'hard' | 'soft';

/** One dependency as a service declares it (the shape of `spec.dependencies[]`). */
export interface DependencyRef {
  service: string;
  kind: DependencyKind;
  /** What the caller does when the dependency fails. */
  fallback?: string;
}

/** The part of a Service the analyses read (structurally compatible with the Service spec). */
export interface ServiceNode {
  name: string;
  /** 1 (most critical) to 4. */
  tier?: number;
  /** Availability the service offers, as a fraction (0.999). */
  sla?: number;
  /** A third party Shipgate does not deploy. */
  external?: boolean;
  dependencies: readonly DependencyRef[];
}

/** What runs of one service in one environment. */
export interface DeployedService {
  version: string;
  /** Running instances; redundancy for availability, single instance for SPOF. */
  instances?: number;
  configHash?: string;
}

/** The part of an Environment the analyses read. */
export interface EnvironmentNode {
  name: string;
  kind?: string;
  services: Readonly<Record<string, DeployedService>>;
}

/** One edge of the graph; `from` depends on `to`. */
export interface GraphEdge {
  from: number;
  to: number;
  kind: DependencyKind;
  fallback?: string;
}

/** A dependency on a service the catalog does not declare. */
export interface UndeclaredService {
  service: string;
  /** Services that name it as a dependency, sorted. */
  dependents: string[];
}

export interface CatalogGraph {
  /** Service names by node id; declared services first (in input order), then undeclared ones. */
  readonly names: readonly string[];
  /** Node id by service name. */
  readonly index: ReadonlyMap<string, number>;
  /** The declared service by node id; undefined for a dependency the catalog does not declare. */
  readonly services: readonly (ServiceNode | undefined)[];
  readonly edges: readonly GraphEdge[];
  /** Edge ids leaving each node (its dependencies). */
  readonly out: readonly (readonly number[])[];
  /** Edge ids entering each node (its dependents). */
  readonly in: readonly (readonly number[])[];
  /** Dependencies that name services missing from the catalog. */
  readonly undeclared: readonly UndeclaredService[];
}

/**
 * Builds the graph. A dependency listed twice by the same service keeps the first declaration
 * (the Service kind refuses duplicates; this keeps the algorithms safe on any input).
 * A service declared twice keeps the last declaration.
 */
export function buildGraph(services: readonly ServiceNode[]): CatalogGraph {
  const byName = new Map<string, ServiceNode>();
  for (const s of services) byName.set(s.name, s);
  const names: string[] = [...byName.keys()];
  const index = new Map<string, number>();
  names.forEach((n, i) => index.set(n, i));
  const nodes: (ServiceNode | undefined)[] = [...byName.values()];
  const undeclaredDependents = new Map<string, Set<string>>();

  const idOf = (name: string, dependent: string): number => {
    let id = index.get(name);
    if (id === undefined) {
      id = names.length;
      names.push(name);
      nodes.push(undefined);
      index.set(name, id);
    }
    if (!byName.has(name)) {
      let set = undeclaredDependents.get(name);
      if (!set) undeclaredDependents.set(name, (set = new Set()));
      set.add(dependent);
    }
    return id;
  };

  const edges: GraphEdge[] = [];
  for (const s of byName.values()) {
    const from = index.get(s.name)!;
    const seen = new Set<string>();
    for (const d of s.dependencies) {
      if (seen.has(d.service)) continue;
      seen.add(d.service);
      const to = idOf(d.service, s.name);
      edges.push(d.fallback === undefined ? { from, to, kind: d.kind } : { from, to, kind: d.kind, fallback: d.fallback });
    }
  }

  const out: number[][] = names.map(() => []);
  const inn: number[][] = names.map(() => []);
  edges.forEach((e, id) => {
    out[e.from].push(id);
    inn[e.to].push(id);
  });

  const undeclared = [...undeclaredDependents]
    .map(([service, deps]) => ({ service, dependents: [...deps].sort() }))
    .sort((a, b) => compareNames(a.service, b.service));

  return { names, index, services: nodes, edges, out, in: inn, undeclared };
}

/** Node id of a service, or undefined when the graph does not know it. */
export function nodeOf(graph: CatalogGraph, service: string): number | undefined {
  return graph.index.get(service);
}

/** Stable, locale-independent ordering of service names. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
