/**
 * Generates a synthetic catalog: N services with M dependency edges (about 72% hard), production
 * and staging environments, as in-memory objects and as YAML files (one Service per file, plus
 * environments.yaml). Deterministic for a seed.
 *
 *   node --import tsx bench/catalog/generate-catalog.ts OUT_DIR [services=1000] [edges=5000]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { DependencyRef, EnvironmentNode, ServiceNode } from '../../src/catalog/graph';
import { seededRandom } from '../../src/core/seeded-random';

export interface GeneratedCatalog {
  services: ServiceNode[];
  environments: EnvironmentNode[];
  edges: number;
}

const LAYERS = [
  { prefix: 'ext', share: 0.03, tier: 1 },
  { prefix: 'db', share: 0.12, tier: 1 },
  { prefix: 'core', share: 0.35, tier: 2 },
  { prefix: 'api', share: 0.35, tier: 2 },
  { prefix: 'web', share: 0.15, tier: 1 },
];
const SLAS = [0.99, 0.995, 0.999, 0.9995, 0.9999];

/**
 * Services are ordered deepest first (external, databases, core, APIs, front ends); a service
 * depends on services before it, half of the time on a near one (chains, hence cut vertices),
 * otherwise on any; `backEdges` soft edges point the other way and make cycles.
 */
export function generateCatalog(serviceCount = 1000, edgeCount = 5000, seed = 7, backEdges = 10): GeneratedCatalog {
  const random = seededRandom(seed);
  const names: string[] = [];
  const layerOf: number[] = [];
  LAYERS.forEach((layer, l) => {
    const count = l === LAYERS.length - 1 ? serviceCount - names.length : Math.round(serviceCount * layer.share);
    for (let i = 0; i < count; i++) {
      names.push(`${layer.prefix}-${String(names.length).padStart(4, '0')}`);
      layerOf.push(l);
    }
  });
  const deps: DependencyRef[][] = names.map(() => []);
  const seen = new Set<number>();
  const n = names.length;
  const addEdge = (from: number, to: number, kind: 'hard' | 'soft', fallback?: string) => {
    const key = from * n + to;
    if (from === to || seen.has(key)) return false;
    seen.add(key);
    deps[from].push(fallback ? { service: names[to], kind, fallback } : { service: names[to], kind });
    return true;
  };
  let added = 0;
  for (let k = 0; k < backEdges && added < edgeCount; k++) {
    const from = Math.floor(random() * (n / 2));
    const to = from + 1 + Math.floor(random() * Math.min(30, n - from - 1));
    if (addEdge(from, to, 'soft', 'cached response')) added++;
  }
  while (added < edgeCount) {
    const from = 1 + Math.floor(random() * (n - 1));
    const to = random() < 0.5 ? Math.max(0, from - 1 - Math.floor(random() * 30)) : Math.floor(random() * from);
    const r = random();
    const kind = r < 0.72 ? 'hard' : 'soft';
    const fallback = kind === 'soft' ? (r < 0.86 ? 'cached response' : undefined) : r < 0.07 ? 'read replica' : undefined;
    if (addEdge(from, to, kind, fallback)) added++;
  }
  const services: ServiceNode[] = names.map((name, i) => ({
    name,
    tier: LAYERS[layerOf[i]].tier + (random() < 0.3 ? 1 : 0),
    sla: SLAS[Math.floor(random() * SLAS.length)],
    external: layerOf[i] === 0,
    dependencies: deps[i],
  }));
  const production: EnvironmentNode = { name: 'production', kind: 'production', services: {} };
  const staging: EnvironmentNode = { name: 'staging', kind: 'staging', services: {} };
  for (const s of services) {
    if (s.external) continue;
    const version = `1.${Math.floor(random() * 20)}.${Math.floor(random() * 10)}`;
    const configHash = Math.floor(random() * 0xffffff)
      .toString(16)
      .padStart(6, '0');
    (production.services as Record<string, unknown>)[s.name] = { version, instances: 1 + Math.floor(random() * 4), configHash };
    (staging.services as Record<string, unknown>)[s.name] = {
      version: random() < 0.05 ? `2.0.${Math.floor(random() * 10)}` : version,
      instances: 1,
      configHash: random() < 0.03 ? 'abcdef' : configHash,
    };
  }
  return { services, environments: [production, staging], edges: added };
}

/** Writes the catalog as YAML manifests: services/<name>.yaml and environments.yaml. Returns the file count. */
export function writeCatalog(catalog: GeneratedCatalog, dir: string): number {
  mkdirSync(join(dir, 'services'), { recursive: true });
  for (const s of catalog.services) {
    const manifest = {
      apiVersion: 'shipgate.dev/v1',
      kind: 'Service',
      metadata: { name: s.name, labels: { layer: s.name.split('-')[0] } },
      spec: {
        owner: `team-${s.name.split('-')[0]}`,
        tier: s.tier,
        sla: s.sla,
        ...(s.external ? { external: true } : {}),
        dependencies: s.dependencies,
      },
    };
    writeFileSync(join(dir, 'services', `${s.name}.yaml`), stringify(manifest));
  }
  const envs = catalog.environments.map((e) =>
    stringify({ apiVersion: 'shipgate.dev/v1', kind: 'Environment', metadata: { name: e.name }, spec: { kind: e.kind, services: e.services } }),
  );
  writeFileSync(join(dir, 'environments.yaml'), envs.join('---\n'));
  return catalog.services.length + 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir, services = '1000', edges = '5000'] = process.argv.slice(2);
  if (!dir) {
    process.stderr.write('usage: generate-catalog.ts OUT_DIR [services] [edges]\n');
    process.exit(2);
  }
  const catalog = generateCatalog(Number(services), Number(edges));
  const files = writeCatalog(catalog, dir);
  process.stdout.write(`${catalog.services.length} services, ${catalog.edges} edges, ${files} files in ${dir}\n`);
}
