/** Shared printing for the analysis benchmarks. */
import { cpus } from 'node:os';
import { pct, type Summary } from './simulate';

export const RUNS = Number(process.env.RUNS ?? 1000);
export const MAX_INTERVALS = Number(process.env.MAX_INTERVALS ?? 30);

export function header(title: string): void {
  console.log(`## ${title}\n`);
  console.log(`${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} cores (other work ran on the machine during the run).`);
  console.log(
    `${RUNS} runs per scenario, 100 canary and 1,000 baseline requests per interval, judged after every interval, at most ${MAX_INTERVALS} intervals.\n`,
  );
  console.log('| scenario | fail | within 12 intervals | median intervals to fail | pass | inconclusive | time |');
  console.log('|---|---|---|---|---|---|---|');
}

export function row(name: string, s: Summary, ms: number): void {
  const med = Number.isNaN(s.medianIntervalsToFail) || s.medianIntervalsToFail === null ? '-' : String(s.medianIntervalsToFail);
  console.log(
    `| ${name} | ${pct(s.fail, s.runs)} | ${pct(s.failWithin12, s.runs)} | ${med} | ${pct(s.pass, s.runs)} | ${pct(s.inconclusive, s.runs)} | ${(ms / 1000).toFixed(0)} s |`,
  );
}
