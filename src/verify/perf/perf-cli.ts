/**
 * `shipgate verify perf --baseline FILE… --candidate FILE…`: the performance regression gate, and
 * `shipgate verify perf --history FILE…`: change points over a series of runs. Reads the files,
 * runs the pure decision (perf-gate.ts, perf-history.ts), prints it, records it as evidence.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseFormat, type CliContext } from '../../cli/context';
import { CliError, EXIT } from '../../cli/exit-codes';
import { recordEvidence, withEvidenceOptions, type EvidenceOptions } from '../evidence-cli';
import { comparePerf, DEFAULT_RESAMPLES, DEFAULT_SEED } from './perf-gate';
import { changePoints, readHistory } from './perf-history';
import { renderHistoryJunit, renderHistoryTable, renderPerfJunit, renderPerfTable } from './perf-output';
import { PERF_METRICS, readPerfFile, type PerfMetric } from './perf-readers';

const FORMATS = ['table', 'json', 'junit'] as const;

/** `10%`, `10` (both ten percent) or `2.5%` → a fraction. */
export function parsePercent(text: string, flag: string, min: number, max: number): number {
  const m = /^(\d+(?:\.\d+)?)\s*%?$/.exec(text.trim());
  const v = m ? Number(m[1]) : Number.NaN;
  if (!(v >= min && v <= max))
    throw new CliError(EXIT.USAGE, `${flag} ${JSON.stringify(text)}: expected a percentage from ${min}% to ${max}%, e.g. ${flag} 10%`);
  return v / 100;
}

interface PerfOptions extends EvidenceOptions {
  baseline?: string[];
  candidate?: string[];
  history?: string[];
  metric: string;
  maxRegression: string;
  confidence: string;
  command?: string;
  resamples: string;
  seed: string;
  output: string;
}

export function perfCommands(verify: Command, cli: CliContext): void {
  withEvidenceOptions(
    verify
      .command('perf')
      .description(
        'performance regression gate on benchmark samples (k6 summary JSON, hyperfine --export-json, wrk output, load results, JSON lists): an interval for the regression at a confidence; exit 0 pass, 1 fail or rerun (cannot decide), 2 bad input',
      )
      .option('--baseline <files...>', 'results of the accepted revision (each k6/wrk file is one run: give several)')
      .option('--candidate <files...>', 'results of the revision to ship')
      .option('--history <files...>', 'instead: runs in time order (or one {runs:[{id, samples|value}]} JSON); reports change points')
      .option('--metric <metric>', PERF_METRICS.join(' | '), 'p95')
      .option('--max-regression <percent>', 'regression allowed', '10%')
      .option('--confidence <percent>', 'two-sided confidence of the interval', '95%')
      .option('--command <name>', 'hyperfine results with several commands: the one to compare')
      .option('--resamples <n>', 'bootstrap resamples for p90/p95/p99 on raw samples', String(DEFAULT_RESAMPLES))
      .option('--seed <n>', 'bootstrap seed (the server uses the same to recompute)', String(DEFAULT_SEED))
      .option('-o, --output <format>', FORMATS.join(' | '), 'table'),
  ).action(async (o: PerfOptions) => {
    const format = parseFormat(o.output, FORMATS);
    if (!(PERF_METRICS as readonly string[]).includes(o.metric))
      throw new CliError(EXIT.USAGE, `--metric ${o.metric}: expected one of ${PERF_METRICS.join(', ')}`);
    const metric = o.metric as PerfMetric;
    const confidence = parsePercent(o.confidence, '--confidence', 50, 99.9);
    const read = (p: string) => {
      try {
        return { name: p, text: readFileSync(cli.path(p), 'utf8') };
      } catch (e) {
        throw new CliError(EXIT.USAGE, `cannot read ${p}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    };
    if (o.history) {
      if (o.baseline || o.candidate) throw new CliError(EXIT.USAGE, '--history compares runs in time order: give it without --baseline/--candidate');
      if (o.service !== undefined || o.version !== undefined)
        throw new CliError(EXIT.USAGE, '--history is a report, not evidence: record a --baseline/--candidate comparison instead');
      const runs = readHistory(o.history.map(read), metric, o.command);
      const points = changePoints(runs, 1 - confidence);
      if (format === 'json') cli.out(JSON.stringify({ kind: 'shipgate.dev/verify-perf-history/v1', metric, confidence, runs, changePoints: points }, null, 2));
      else if (format === 'junit') cli.out(renderHistoryJunit(points, metric));
      else cli.out(renderHistoryTable(runs, points, metric, confidence));
      return;
    }
    if (!o.baseline?.length || !o.candidate?.length) throw new CliError(EXIT.USAGE, 'give --baseline FILE… and --candidate FILE… (or --history FILE…)');
    const resamples = Number(o.resamples);
    const seed = Number(o.seed);
    if (!Number.isInteger(resamples) || resamples < 100 || resamples > 100_000)
      throw new CliError(EXIT.USAGE, `--resamples ${o.resamples}: expected an integer from 100 to 100000`);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new CliError(EXIT.USAGE, `--seed ${o.seed}: expected an integer from 0 to 4294967295`);
    const maxRegression = parsePercent(o.maxRegression, '--max-regression', 0, 1000);
    const baseline = o.baseline.map(read);
    const candidate = o.candidate.map(read);
    const parse = (f: { name: string; text: string }) => readPerfFile(f.text, f.name, { command: o.command });
    const result = comparePerf(baseline.map(parse), candidate.map(parse), { metric, maxRegression, confidence, resamples, seed });
    if (format === 'json') cli.out(JSON.stringify(result, null, 2));
    else if (format === 'junit') cli.out(renderPerfJunit(result));
    else cli.out(renderPerfTable(result));
    if (result.verdict === 'rerun') cli.err(result.message);
    await recordEvidence(cli, 'perf', o, {
      baseline,
      candidate,
      metric,
      maxRegressionPercent: maxRegression * 100,
      confidencePercent: confidence * 100,
      resamples,
      seed,
      ...(o.command !== undefined ? { command: o.command } : {}),
    });
    if (result.verdict !== 'pass') cli.fail(EXIT.NO);
  });
}
