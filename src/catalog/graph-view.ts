/**
 * The catalog's answer to HOOKS.graph: one reading of the Service and Environment resources,
 * queried by other capabilities (change risk facts, the SLO gate's dependents). Pure: no I/O.
 */
import type { EnvironmentKind, GraphBlastRadius, GraphEdgeRef, GraphService, GraphView } from '../core/hooks';
import { buildGraph, compareNames, type EnvironmentNode, type GraphEdge } from './graph';
import { blastRadius } from './blast-radius';
import { findSinglePointsOfFailure } from './spof';
import type { CatalogService } from './catalog-reader';

const ENVIRONMENT_KINDS: readonly string[] = ['dev', 'staging', 'production'] satisfies EnvironmentKind[];

/** Tier of a service that does not set one: the Service kind's default. */
const DEFAULT_TIER = 3;

/** Builds the graph once; the SPOF analysis runs on the first `isSpof`. */
export function graphView(services: readonly CatalogService[], environments: readonly EnvironmentNode[]): GraphView {
  const graph = buildGraph(services);
  const declared = new Map<string, GraphService>();
  for (const s of services) {
    declared.set(s.name, {
      name: s.name,
      tier: s.tier ?? DEFAULT_TIER,
      ...(s.owner !== undefined ? { owner: s.owner } : {}),
      ...(s.oncall !== undefined ? { oncall: s.oncall } : {}),
      external: s.external ?? false,
      databases: s.databases ?? [],
    });
  }
  const sorted = [...declared.values()].sort((a, b) => compareNames(a.name, b.name));
  const kinds = new Map(environments.map((e) => [e.name, e.kind]));
  let spofs: Set<string> | undefined;

  const ref = (e: GraphEdge, other: number): GraphEdgeRef =>
    e.fallback === undefined ? { service: graph.names[other], kind: e.kind } : { service: graph.names[other], kind: e.kind, fallback: e.fallback };
  const dependencies = (service: string): GraphEdgeRef[] => {
    const v = graph.index.get(service);
    return v === undefined ? [] : graph.out[v].map((id) => ref(graph.edges[id], graph.edges[id].to));
  };

  return {
    services: () => [...sorted],
    service: (name) => declared.get(name),
    dependencies,
    dependents(service) {
      const v = graph.index.get(service);
      if (v === undefined) return [];
      return graph.in[v].map((id) => ref(graph.edges[id], graph.edges[id].from)).sort((a, b) => compareNames(a.service, b.service));
    },
    hardDependencies: (service) =>
      dependencies(service)
        .filter((d) => d.kind === 'hard')
        .map((d) => d.service)
        .sort(compareNames),
    blastRadius(service): GraphBlastRadius {
      return graph.index.has(service) ? blastRadius(graph, service) : { service, hard: [], soft: [] };
    },
    isSpof(service) {
      spofs ??= new Set(findSinglePointsOfFailure(graph).spofs.map((s) => s.service));
      return spofs.has(service);
    },
    environmentKind(environment) {
      const kind = kinds.get(environment);
      return kind !== undefined && ENVIRONMENT_KINDS.includes(kind) ? (kind as EnvironmentKind) : undefined;
    },
  };
}
