/**
 * Where the time of `POST /api/v1/apply` goes for 1,000 services and 5,000 edges: starts a server
 * in this process (SQLite in a temp folder), profiles the first apply and the no-op re-apply with
 * the V8 sampling profiler, and prints self time grouped by source file and by function.
 *
 *   node --import tsx bench/catalog/profile-apply.ts [--top 25]
 */
import { Session } from 'node:inspector/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startServer } from '../../src/server';
import { generateCatalog, writeCatalog } from './generate-catalog';
import { readManifestFiles } from '../../src/resources/read-files';
import { inclusive, selfTimes, where, type Profile } from './cpu-profile';

const topArg = process.argv.indexOf('--top');
const TOP = topArg >= 0 ? Number(process.argv[topArg + 1]) : 25;

const catalogDir = mkdtempSync(join(tmpdir(), 'shipgate-profile-catalog-'));
const dataDir = mkdtempSync(join(tmpdir(), 'shipgate-profile-data-'));
writeCatalog(generateCatalog(1000, 5000), catalogDir);
const files = readManifestFiles([catalogDir], catalogDir);
const server = await startServer({ listen: '127.0.0.1:0', dataDir, logLevel: 'warn' });
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 500 });

const apply = async (label: string) => {
  await session.post('Profiler.start');
  const t0 = performance.now();
  const res = await fetch(new URL('/api/v1/apply', server.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ files }),
  });
  await res.arrayBuffer();
  const ms = performance.now() - t0;
  const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Profile };
  const out = [`## ${label}: HTTP ${res.status}, ${ms.toFixed(0)} ms wall`, '', '| self time by file | ms |', '|---|---|'];
  for (const [k, v] of selfTimes(profile, (n) => where(n.callFrame.url)).slice(0, TOP)) out.push(`| ${k} | ${v.toFixed(0)} |`);
  out.push('', '| self time by function | ms |', '|---|---|');
  for (const [k, v] of selfTimes(profile, (n) => `${n.callFrame.functionName || '(anonymous)'} ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`).slice(
    0,
    TOP,
  )) {
    out.push(`| ${k} | ${v.toFixed(0)} |`);
  }
  out.push('', '| inclusive time of | ms |', '|---|---|');
  for (const [k, v] of inclusive(profile, [
    /^check$/,
    /^parseDocuments$/,
    /^envelope$/,
    /^safeParse$/,
    /^validate$/,
    /^put$/,
    /^append$/,
    /^transaction$/,
    /^manifestHash$/,
    /^canonicalJson$/,
  ])) {
    out.push(`| ${k} | ${v.toFixed(0)} |`);
  }
  process.stdout.write(out.join('\n') + '\n\n');
};

try {
  await apply('first apply (1,002 resources created)');
  await apply('re-apply (no-op)');
} finally {
  session.disconnect();
  await server.close();
  rmSync(catalogDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
}
