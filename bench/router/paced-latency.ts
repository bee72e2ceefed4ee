// Latency (p50/p99) added by each proxy at a paced 1,000 requests/s, RUNS rounds of SECONDS each
// per target, interleaved; the median round is reported. Two load generators: wrk paced by a Lua
// delay (10 connections, 9 ms apart: the same tool as the throughput figure) and an open-loop Node
// client that measures from each request's scheduled start (no coordinated omission, but its own
// event loop adds jitter to every target alike).
//   node --import tsx bench/router/paced-latency.ts [seconds] [runs]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startTargets } from './targets';
import { runWrkOutput } from './wrk-throughput';

export interface PacedResult {
  target: string;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** Requests per second achieved. */
  rate?: number;
}

const client = fileURLToPath(new URL('./paced-client.ts', import.meta.url));
const paceScript = fileURLToPath(new URL('./paced.lua', import.meta.url));

function wrkPaced(url: string, seconds: number): PacedResult & { rate: number } {
  const out = execFileSync('wrk', ['-t2', '-c10', `-d${seconds}s`, '--latency', '-s', paceScript, `${url}/plain`], { encoding: 'utf8' });
  const r = runWrkOutput(out);
  return { target: url, p50Ms: r.p50Ms, p99Ms: r.p99Ms, errors: r.errors, rate: r.requestsPerSecond };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function pacedLatency(seconds: number, runs: number, rate = 1000): Promise<{ wrk: PacedResult[]; openLoop: PacedResult[] }> {
  const { targets, stop } = await startTargets();
  const wrk = new Map<string, PacedResult[]>();
  const open = new Map<string, PacedResult[]>();
  const add = (m: Map<string, PacedResult[]>, k: string, r: PacedResult) => m.set(k, [...(m.get(k) ?? []), r]);
  try {
    // Warm-up, as for the throughput figure: a just-started Node target runs cold code at first.
    for (const t of targets) execFileSync('wrk', ['-t2', '-c32', '-d2s', `${t.url}/plain`], { stdio: 'ignore' });
    for (let run = 0; run < runs; run++) {
      for (const t of targets) {
        add(wrk, t.name, wrkPaced(t.url, seconds));
        const out = execFileSync(process.execPath, ['--import', 'tsx', client, t.url, String(rate), String(seconds)], { encoding: 'utf8' });
        add(open, t.name, JSON.parse(out.trim().split('\n').pop()!));
      }
    }
  } finally {
    await stop();
  }
  const summarize = (m: Map<string, PacedResult[]>) =>
    [...m].map(([target, s]) => ({
      target,
      p50Ms: median(s.map((x) => x.p50Ms)),
      p99Ms: median(s.map((x) => x.p99Ms)),
      errors: s.reduce((n, x) => n + x.errors, 0),
      rate: s[0].rate === undefined ? undefined : median(s.map((x) => x.rate!)),
    }));
  return { wrk: summarize(wrk), openLoop: summarize(open) };
}

export function latencyTable(results: PacedResult[]): string {
  const direct = results.find((r) => r.target === 'direct');
  return [
    '| target | requests/s | p50 ms | p99 ms | p50 added vs direct, ms | p99 added vs direct, ms | errors |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.target} | ${r.rate === undefined ? '≈1000' : Math.round(r.rate)} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${direct ? (r.p50Ms - direct.p50Ms).toFixed(2) : '–'} | ${direct ? (r.p99Ms - direct.p99Ms).toFixed(2) : '–'} | ${r.errors} |`,
    ),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await pacedLatency(Number(process.argv[2] ?? 10), Number(process.argv[3] ?? 3));
  console.log(`wrk, paced\n${latencyTable(r.wrk)}\n\nopen-loop client\n${latencyTable(r.openLoop)}`);
}
