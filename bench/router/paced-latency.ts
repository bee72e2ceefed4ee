// Latency (p50/p99) added by each proxy at a paced 1,000 requests/s, RUNS rounds of SECONDS each
// per target, interleaved; the median round is reported.
//   node --import tsx bench/router/paced-latency.ts [seconds] [runs]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startTargets } from './targets';

export interface PacedResult {
  target: string;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

const client = fileURLToPath(new URL('./paced-client.ts', import.meta.url));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function pacedLatency(seconds: number, runs: number, rate = 1000): Promise<PacedResult[]> {
  const { targets, stop } = await startTargets();
  const samples = new Map<string, { p50Ms: number; p99Ms: number; errors: number }[]>();
  try {
    for (let run = 0; run < runs; run++) {
      for (const t of targets) {
        const out = execFileSync(process.execPath, ['--import', 'tsx', client, t.url, String(rate), String(seconds)], { encoding: 'utf8' });
        const r = JSON.parse(out.trim().split('\n').pop()!);
        samples.set(t.name, [...(samples.get(t.name) ?? []), r]);
      }
    }
  } finally {
    await stop();
  }
  return [...samples].map(([target, s]) => ({
    target,
    p50Ms: median(s.map((x) => x.p50Ms)),
    p99Ms: median(s.map((x) => x.p99Ms)),
    errors: s.reduce((n, x) => n + x.errors, 0),
  }));
}

export function latencyTable(results: PacedResult[]): string {
  const direct = results.find((r) => r.target === 'direct');
  return [
    '| target | p50 ms | p99 ms | p99 added vs direct, ms | errors |',
    '|---|---:|---:|---:|---:|',
    ...results.map((r) => `| ${r.target} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${direct ? (r.p99Ms - direct.p99Ms).toFixed(2) : '–'} | ${r.errors} |`),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await pacedLatency(Number(process.argv[2] ?? 10), Number(process.argv[3] ?? 3));
  console.log(latencyTable(r));
}
