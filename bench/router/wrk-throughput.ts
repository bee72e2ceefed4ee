// Throughput and latency of each target under the same wrk load: 32 connections, keep-alive,
// SECONDS per round (default 10), ROUNDS interleaved rounds (default 3), median round reported.
// Prints a markdown table; `--json` prints JSON.
//   node --import tsx bench/router/wrk-throughput.ts [seconds] [rounds]
import { execFileSync } from 'node:child_process';
import { startTargets } from './targets';

export interface WrkResult {
  target: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** Router ÷ this target within each round (adjacent runs share the machine's conditions). */
  roundRatios?: number[];
}

function ms(s: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(s.trim());
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

export function runWrk(url: string, seconds: number): Omit<WrkResult, 'target'> {
  return runWrkOutput(
    execFileSync('wrk', ['-t2', '-c32', `-d${seconds}s`, '--latency', '-H', 'x-user-id: bench-user-42', `${url}/plain`], { encoding: 'utf8' }),
  );
}

/** Requests/s, p50, p99 and errors from wrk's output (run with --latency). */
export function runWrkOutput(out: string): Omit<WrkResult, 'target'> {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p50 = ms(/\s50%\s+(\S+)/.exec(out)?.[1] ?? '');
  const p99 = ms(/\s99%\s+(\S+)/.exec(out)?.[1] ?? '');
  const errs = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = Number(errs?.[1] ?? 0) + (sock ? sock.slice(1).reduce((n, x) => n + Number(x), 0) : 0);
  return { requestsPerSecond: rps, p50Ms: p50, p99Ms: p99, errors };
}

/**
 * Runs `rounds` rounds of `seconds` per target, interleaved (so a burst of other work on the
 * machine hits every target alike), and reports each target's median round by requests/s.
 */
export async function throughput(seconds: number, rounds = 3): Promise<WrkResult[]> {
  const { targets, stop } = await startTargets();
  const samples = new Map<string, Omit<WrkResult, 'target'>[]>();
  try {
    for (const t of targets) runWrk(t.url, 2); // warm-up
    for (let r = 0; r < rounds; r++) {
      for (const t of targets) samples.set(t.name, [...(samples.get(t.name) ?? []), runWrk(t.url, seconds)]);
    }
  } finally {
    await stop();
  }
  const router = samples.get('shipgate router') ?? [];
  return [...samples].map(([target, s]) => {
    const sorted = [...s].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
    const roundRatios = s.map((x, i) => router[i].requestsPerSecond / x.requestsPerSecond);
    return { target, ...sorted[Math.floor(sorted.length / 2)], errors: s.reduce((n, x) => n + x.errors, 0), roundRatios };
  });
}

/** Median of the per-round ratios router ÷ `target`. */
export function medianRatio(results: WrkResult[], target: string): number {
  const xs = [...(results.find((r) => r.target === target)?.roundRatios ?? [])].sort((a, b) => a - b);
  return xs.length ? xs[Math.floor(xs.length / 2)] : NaN;
}

export function throughputTable(results: WrkResult[]): string {
  const lines = [
    '| target | requests/s (median round) | p50 ms | p99 ms | errors | router ÷ target, per round | median |',
    '|---|---:|---:|---:|---:|---|---:|',
    ...results.map(
      (r) =>
        `| ${r.target} | ${Math.round(r.requestsPerSecond)} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${r.errors} | ${(r.roundRatios ?? []).map((x) => x.toFixed(2)).join(', ')} | ${medianRatio(results, r.target).toFixed(2)} |`,
    ),
  ];
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await throughput(Number(process.argv[2] ?? 10), Number(process.argv[3] ?? 3));
  console.log(process.argv.includes('--json') ? JSON.stringify(r, null, 2) : throughputTable(r));
}
