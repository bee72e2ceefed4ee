/**
 * Pure computation of `graph spof` (and the other analyses) on a generated catalog of 1,000
 * services and 5,000 edges: build the graph, find single points of failure against production.
 * No store, no HTTP. Bounded: 5 warm-up runs, 30 measured runs.
 *
 *   node --import tsx bench/catalog/spof-pure.ts [services=1000] [edges=5000]
 */
import { performance } from 'node:perf_hooks';
import { generateCatalog } from './generate-catalog';
import { buildGraph } from '../../src/catalog/graph';
import { findSinglePointsOfFailure } from '../../src/catalog/spof';
import { blastRadius } from '../../src/catalog/blast-radius';
import { compositeAvailability } from '../../src/catalog/availability';
import { findDrift } from '../../src/catalog/drift';
import { toDot, toMermaid } from '../../src/catalog/graph-export';

const WARMUP = 5;
const RUNS = 30;

function measure(name: string, fn: () => unknown): { name: string; medianMs: number; p95Ms: number; maxMs: number } {
  for (let i = 0; i < WARMUP; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { name, medianMs: times[Math.floor(RUNS / 2)], p95Ms: times[Math.ceil(RUNS * 0.95) - 1], maxMs: times[RUNS - 1] };
}

const [servicesArg = '1000', edgesArg = '5000'] = process.argv.slice(2);
const catalog = generateCatalog(Number(servicesArg), Number(edgesArg));
const production = catalog.environments[0];
const graph = buildGraph(catalog.services);
const spof = findSinglePointsOfFailure(graph, production);
const mostDepended = graph.names.map((name, v) => ({ name, dependents: graph.in[v].length })).sort((a, b) => b.dependents - a.dependents)[0].name;
const top = catalog.services[catalog.services.length - 1].name;
const blast = blastRadius(graph, mostDepended);
const availability = compositeAvailability(graph, top, production);

const results = [
  measure('build graph + spof --env production', () => findSinglePointsOfFailure(buildGraph(catalog.services), production)),
  measure('spof (graph built)', () => findSinglePointsOfFailure(graph, production)),
  measure(`blast-radius ${mostDepended}`, () => blastRadius(graph, mostDepended)),
  measure(`availability ${top} --env production`, () => compositeAvailability(graph, top, production)),
  measure('drift staging,production', () => findDrift(catalog.environments)),
  measure('export dot', () => toDot(graph)),
  measure('export mermaid', () => toMermaid(graph)),
];

const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
const lines = [
  `catalog: ${catalog.services.length} services, ${catalog.edges} edges (${graph.edges.filter((e) => e.kind === 'hard').length} hard); ` +
    `${spof.spofs.length} SPOFs (${spof.spofs.filter((s) => s.reasons.some((r) => r.kind === 'cut-vertex')).length} cut vertices), ${spof.cycles.length} cycles; ` +
    `blast radius of ${mostDepended}: ${blast.hard.length} hard + ${blast.soft.length} soft; availability of ${top}: ${availability.factors.length} factors`,
  '',
  '| computation | median ms | p95 ms | max ms |',
  '|---|---|---|---|',
  ...results.map((r) => `| ${r.name} | ${r.medianMs.toFixed(2)} | ${r.p95Ms.toFixed(2)} | ${r.maxMs.toFixed(2)} |`),
  '',
  `peak RSS of the benchmark process: ${mb(process.resourceUsage().maxRSS * 1024)} MB; heap used at the end: ${mb(process.memoryUsage().heapUsed)} MB`,
];
process.stdout.write(lines.join('\n') + '\n');
