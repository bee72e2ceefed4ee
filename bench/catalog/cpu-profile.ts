/**
 * Summaries of V8 CPU profiles (.cpuprofile, or Profiler.stop results): self time by file or
 * function, inclusive time of named functions. Used by the catalog benchmarks.
 *
 *   node --import tsx bench/catalog/cpu-profile.ts FILE.cpuprofile [top=25]
 */
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
export interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export function where(url: string): string {
  if (!url) return '(native)';
  const path = url.replace(/^file:\/\//, '');
  const rel = relative(ROOT, path);
  const nm = rel.indexOf('node_modules/');
  if (nm >= 0)
    return (
      rel
        .slice(nm + 'node_modules/'.length)
        .split('/')
        .slice(0, rel.includes('@') ? 2 : 1)
        .join('/') + ' (package)'
    );
  return rel.startsWith('..') ? path : rel;
}

/** Self time per key, in ms, sorted descending. */
export function selfTimes(p: Profile, key: (n: ProfileNode) => string): [string, number][] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const k = key(byId.get(id)!);
    totals.set(k, (totals.get(k) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  });
  return [...totals].sort((a, b) => b[1] - a[1]);
}

/** Inclusive time of the frames whose function name matches, counted once per sample. */
export function inclusive(p: Profile, names: RegExp[]): [string, number][] {
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  return names.map((re) => {
    let ms = 0;
    p.samples.forEach((id, i) => {
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        if (re.test(byId.get(cur)!.callFrame.functionName)) {
          ms += (p.timeDeltas[i] ?? 0) / 1000;
          break;
        }
      }
    });
    return [re.source, ms] as [string, number];
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, top = '25'] = process.argv.slice(2);
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const total = p.timeDeltas.reduce((a, b) => a + b, 0) / 1000;
  const lines = [`profile: ${total.toFixed(0)} ms sampled`, '', '| self time by file | ms |', '|---|---|'];
  for (const [k, v] of selfTimes(p, (n) => where(n.callFrame.url)).slice(0, Number(top))) lines.push(`| ${k} | ${v.toFixed(0)} |`);
  process.stdout.write(lines.join('\n') + '\n');
}
