// Latency (p50/p99) added by each proxy at an evenly paced 1,000 requests/s: wrk (the same tool as
// the throughput figure) with `paced.lua`, one thread, 10 connections, rounds of SECONDS per
// target, interleaved. The CPU time stolen by the hypervisor is measured during every round; a round
// is quiet when less than 0.5% of the CPU time was stolen. The figures are the median over each
// target's quiet rounds; rounds continue until every target has QUIET of them, or MAX rounds.
//   node --import tsx bench/router/paced-latency.ts [seconds] [quiet] [max]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpuTicks, stolenShare } from './steal';
import { startTargets } from './targets';
import { runWrkOutput } from './wrk-throughput';

/** Rounds with a larger share of stolen CPU time are not used for the figures. */
export const QUIET_STEAL = 0.005;

export interface PacedRound {
  target: string;
  round: number;
  p50Ms: number;
  p99Ms: number;
  rate: number;
  errors: number;
  /** Share of CPU time stolen by the hypervisor during the round. */
  stolen: number;
}

export interface PacedSummary {
  target: string;
  /** Medians over the quiet rounds (over all rounds when none was quiet). */
  p50Ms: number;
  p99Ms: number;
  rate: number;
  quietRounds: number;
  rounds: number;
  /** Median p99 over all rounds, quiet or not. */
  p99AllMs: number;
  errors: number;
}

const paceScript = fileURLToPath(new URL('./paced.lua', import.meta.url));

function wrkPaced(url: string, seconds: number, rate: number): Omit<PacedRound, 'target' | 'round' | 'stolen'> {
  const out = execFileSync('wrk', ['-t1', '-c10', `-d${seconds}s`, '--latency', '-s', paceScript, `${url}/plain`], {
    encoding: 'utf8',
    env: { ...process.env, RATE: String(rate) },
  });
  const r = runWrkOutput(out);
  return { p50Ms: r.p50Ms, p99Ms: r.p99Ms, rate: r.requestsPerSecond, errors: r.errors };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
}

export async function pacedLatency(seconds: number, quiet: number, maxRounds: number, rate = 1000): Promise<{ rounds: PacedRound[]; summary: PacedSummary[] }> {
  const { targets, stop } = await startTargets();
  const rounds: PacedRound[] = [];
  const quietCount = (name: string) => rounds.filter((r) => r.target === name && r.stolen < QUIET_STEAL).length;
  try {
    // Warm-up: a just-started Node target runs cold code at first.
    for (const t of targets) execFileSync('wrk', ['-t2', '-c32', '-d2s', `${t.url}/plain`], { stdio: 'ignore' });
    for (let round = 1; round <= maxRounds && targets.some((t) => quietCount(t.name) < quiet); round++) {
      for (const t of targets) {
        const before = cpuTicks();
        const r = wrkPaced(t.url, seconds, rate);
        rounds.push({ target: t.name, round, ...r, stolen: stolenShare(before, cpuTicks()) });
      }
      process.stderr.write(`paced round ${round}: ${targets.map((t) => `${t.name} ${quietCount(t.name)} quiet`).join(', ')}\n`);
    }
  } finally {
    await stop();
  }
  const summary = targets.map((t) => {
    const all = rounds.filter((r) => r.target === t.name);
    const q = all.filter((r) => r.stolen < QUIET_STEAL);
    const use = q.length ? q : all;
    return {
      target: t.name,
      p50Ms: median(use.map((r) => r.p50Ms)),
      p99Ms: median(use.map((r) => r.p99Ms)),
      rate: median(use.map((r) => r.rate)),
      quietRounds: q.length,
      rounds: all.length,
      p99AllMs: median(all.map((r) => r.p99Ms)),
      errors: all.reduce((n, r) => n + r.errors, 0),
    };
  });
  return { rounds, summary };
}

/** p50 and p99 added by `target` over direct, from the quiet rounds' medians. */
export function added(summary: PacedSummary[], target: string): { p50: number; p99: number; p99All: number } {
  const d = summary.find((r) => r.target === 'direct');
  const r = summary.find((x) => x.target === target);
  if (!d || !r) return { p50: NaN, p99: NaN, p99All: NaN };
  return { p50: r.p50Ms - d.p50Ms, p99: r.p99Ms - d.p99Ms, p99All: r.p99AllMs - d.p99AllMs };
}

export function latencyTable(summary: PacedSummary[]): string {
  return [
    '| target | requests/s | quiet rounds | p50 ms | p99 ms | p50 added, ms | p99 added, ms | p99 added, all rounds, ms | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...summary.map((r) => {
      const a = added(summary, r.target);
      return `| ${r.target} | ${Math.round(r.rate)} | ${r.quietRounds} of ${r.rounds} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${a.p50.toFixed(2)} | ${a.p99.toFixed(2)} | ${a.p99All.toFixed(2)} | ${r.errors} |`;
    }),
  ].join('\n');
}

/** Every round: p99 and the share of CPU time stolen, per target. */
export function roundsTable(rounds: PacedRound[]): string {
  const names = [...new Set(rounds.map((r) => r.target))];
  const ids = [...new Set(rounds.map((r) => r.round))];
  return [
    `| round | ${names.map((n) => `${n}: p99 ms (stolen)`).join(' | ')} |`,
    `|---:|${names.map(() => '---:').join('|')}|`,
    ...ids.map((id) => {
      const cells = names.map((n) => {
        const r = rounds.find((x) => x.round === id && x.target === n);
        if (!r) return '–';
        const cell = `${r.p99Ms.toFixed(2)} (${(r.stolen * 100).toFixed(1)}%)`;
        return r.stolen < QUIET_STEAL ? `**${cell}**` : cell;
      });
      return `| ${id} | ${cells.join(' | ')} |`;
    }),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await pacedLatency(Number(process.argv[2] ?? 10), Number(process.argv[3] ?? 5), Number(process.argv[4] ?? 20));
  console.log(`${latencyTable(r.summary)}\n\n${roundsTable(r.rounds)}`);
}
