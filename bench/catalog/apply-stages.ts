/**
 * The CPU stages of `apply` for 1,000 services and 5,000 edges, measured without server or
 * store, to show where the time goes and what a cached envelope schema would save:
 * YAML parsing with source positions, kind validation as the registry does it (envelope schema
 * built per document), the same with the envelope built once per kind, and the manifest hashes.
 * Bounded: 1 warm-up and 5 measured runs per stage.
 *
 *   node --import tsx bench/catalog/apply-stages.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseDocuments, type SourceDocument } from '../../src/core/manifest';
import { envelope, KindRegistry, type KindDefinition } from '../../src/core/kinds';
import { environmentKind, serviceKind } from '../../src/catalog/kinds';
import { manifestHash } from '../../src/resources/resource-store';
import { readManifestFiles } from '../../src/resources/read-files';
import type { Manifest } from '../../src/core/manifest';
import { generateCatalog, writeCatalog } from './generate-catalog';

const dir = mkdtempSync(join(tmpdir(), 'shipgate-stages-'));
writeCatalog(generateCatalog(1000, 5000), dir);
const files = readManifestFiles([dir], dir);
rmSync(dir, { recursive: true, force: true });

const kinds = new KindRegistry();
kinds.register(serviceKind);
kinds.register(environmentKind);
const docs: SourceDocument[] = files.flatMap((f) => parseDocuments(f.content, f.name));
const manifests = docs.map((d) => kinds.check(d).manifest!) as Manifest[];
const cached = new Map<KindDefinition, ReturnType<typeof envelope>>();

/** Median wall and CPU (user + system) time of 5 runs after a warm-up, in ms. */
function median(fn: () => void): { wallMs: number; cpuMs: number } {
  fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 5; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { wallMs: wall.sort((a, b) => a - b)[2], cpuMs: cpu.sort((a, b) => a - b)[2] };
}

const stages: [string, () => void][] = [
  ['JSON.parse of the request body', () => JSON.parse(JSON.stringify({ files }))],
  ['parseDocuments (YAML with source positions)', () => files.forEach((f) => parseDocuments(f.content, f.name))],
  ['kinds.check (envelope schema built per document)', () => docs.forEach((d) => kinds.check(d))],
  [
    'same validation, envelope built once per kind',
    () =>
      docs.forEach((d) => {
        const v = d.value as { apiVersion: string; kind: string };
        const def = kinds.resolve(v.apiVersion, v.kind)!;
        let schema = cached.get(def);
        if (!schema) cached.set(def, (schema = envelope(def)));
        schema.safeParse(v);
      }),
  ],
  ['manifestHash (canonical JSON + SHA-256)', () => manifests.forEach((m) => manifestHash(m))],
];

const load = (await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
const lines = [`${files.length} files, ${docs.length} documents; load average ${load}`, '', '| stage | median wall ms | median CPU ms |', '|---|---|---|'];
for (const [name, fn] of stages) {
  const m = median(fn);
  lines.push(`| ${name} | ${m.wallMs.toFixed(0)} | ${m.cpuMs.toFixed(0)} |`);
}
process.stdout.write(lines.join('\n') + '\n');
