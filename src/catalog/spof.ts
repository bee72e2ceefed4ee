import { compareNames, type CatalogGraph, type EnvironmentNode, type UndeclaredService } from './graph';
import { findCutVertices } from './cut-vertices';
import { findCycles, type DependencyCycle } from './cycles';

/** Why a service is a single point of failure. */
export type SpofReason =
  | {
      /** Removing it disconnects the hard-dependency graph (taken as undirected). */
      kind: 'cut-vertex';
      /** Sizes, in services, of the pieces left behind, largest first. */
      pieces: number[];
      message: string;
    }
  | {
      /** Services depend on it hard and have no fallback for it. */
      kind: 'no-fallback';
      dependents: string[];
      message: string;
    }
  | {
      /** It runs a single instance in the environment while services depend on it hard. */
      kind: 'single-instance';
      environment: string;
      dependents: string[];
      message: string;
    }
  | {
      /** It runs no instance in the environment (absent, or 0 instances) while services there depend on it hard. */
      kind: 'not-deployed';
      environment: string;
      dependents: string[];
      message: string;
    };

export interface SinglePointOfFailure {
  service: string;
  tier?: number;
  external: boolean;
  /** False for a dependency the catalog does not declare. */
  declared: boolean;
  /** Services that depend on it hard, directly, sorted. */
  hardDependents: string[];
  reasons: SpofReason[];
}

export interface SpofReport {
  /** The environment whose instance counts were read, if any. */
  environment?: string;
  /** Most damaging first: largest cut-off part, then most hard dependents, then name. */
  spofs: SinglePointOfFailure[];
  cycles: DependencyCycle[];
  undeclared: UndeclaredService[];
}

/** How many names a message lists before "and N more". */
const NAMES_IN_MESSAGE = 5;

/**
 * Single points of failure: cut vertices of the hard-dependency graph, and hard dependencies
 * that the caller has no fallback for or that run one instance (or none) in `environment`.
 * A hard dependency declared with a fallback is not a "no-fallback" point, but still counts as a
 * single instance when it runs one: the caller survives in a degraded mode only.
 */
export function findSinglePointsOfFailure(graph: CatalogGraph, environment?: EnvironmentNode): SpofReport {
  const reasons = new Map<number, SpofReason[]>();
  const add = (v: number, r: SpofReason) => {
    let list = reasons.get(v);
    if (!list) reasons.set(v, (list = []));
    list.push(r);
  };

  const cutImpact = new Map<number, number>();
  for (const c of findCutVertices(graph, (e) => e.kind === 'hard')) {
    const total = c.pieces.reduce((a, b) => a + b, 0) + 1;
    cutImpact.set(c.node, total - 1 - c.pieces[0]);
    add(c.node, {
      kind: 'cut-vertex',
      pieces: c.pieces,
      message: `cut vertex of the hard-dependency graph: removing it splits the ${total - 1} services connected through it into ${c.pieces.length} pieces (${c.pieces.join(', ')})`,
    });
  }

  const hardDependents: string[][] = graph.names.map(() => []);
  for (let v = 0; v < graph.names.length; v++) {
    const noFallback: string[] = [];
    for (const id of graph.in[v]) {
      const e = graph.edges[id];
      if (e.kind !== 'hard') continue;
      hardDependents[v].push(graph.names[e.from]);
      if (e.fallback === undefined) noFallback.push(graph.names[e.from]);
    }
    hardDependents[v].sort(compareNames);
    if (noFallback.length) {
      noFallback.sort(compareNames);
      add(v, { kind: 'no-fallback', dependents: noFallback, message: `hard dependency without a fallback of ${listNames(noFallback)}` });
    }
    if (!environment || hardDependents[v].length === 0) continue;
    const deployed = environment.services[graph.names[v]];
    const instances = deployed ? (deployed.instances ?? 1) : 0;
    if (instances === 1) {
      add(v, {
        kind: 'single-instance',
        environment: environment.name,
        dependents: hardDependents[v],
        message: `runs 1 instance in ${environment.name}; hard dependency of ${listNames(hardDependents[v])}`,
      });
    } else if (instances === 0 && !graph.services[v]?.external) {
      const inEnvironment = hardDependents[v].filter((d) => environment.services[d] !== undefined);
      if (inEnvironment.length) {
        add(v, {
          kind: 'not-deployed',
          environment: environment.name,
          dependents: inEnvironment,
          message: `${deployed ? 'runs 0 instances' : 'is not deployed'} in ${environment.name}; hard dependency of ${listNames(inEnvironment)} there`,
        });
      }
    }
  }

  const spofs: (SinglePointOfFailure & { impact: number })[] = [];
  for (const [v, list] of reasons) {
    const s = graph.services[v];
    spofs.push({
      service: graph.names[v],
      ...(s?.tier !== undefined ? { tier: s.tier } : {}),
      external: s?.external ?? false,
      declared: s !== undefined,
      hardDependents: hardDependents[v],
      reasons: list,
      impact: cutImpact.get(v) ?? 0,
    });
  }
  spofs.sort((a, b) => b.impact - a.impact || b.hardDependents.length - a.hardDependents.length || compareNames(a.service, b.service));
  return {
    ...(environment ? { environment: environment.name } : {}),
    spofs: spofs.map(({ impact: _impact, ...rest }) => rest),
    cycles: findCycles(graph),
    undeclared: [...graph.undeclared],
  };
}

/** `a, b, c` or `a, b, c, d, e and 7 more`. */
export function listNames(names: readonly string[]): string {
  if (names.length <= NAMES_IN_MESSAGE) return names.join(', ');
  return `${names.slice(0, NAMES_IN_MESSAGE).join(', ')} and ${names.length - NAMES_IN_MESSAGE} more`;
}
