/**
 * The history mode of the performance gate, pure: a series of runs in time order (one result file
 * each, or one `{runs: [{id, samples | value}]}` document), reduced to one value per run, and the
 * change points in it by binary segmentation: the split of a segment whose two sides differ most by
 * the Mann-Whitney test is a change point when its p-value, Bonferroni-adjusted for the number of
 * splits tried in that segment, is below 1 − confidence; then each side is searched again.
 */
import { InputError } from '../../core/errors';
import { readPerfFile, type PerfFile, type PerfMetric } from './perf-readers';
import { mannWhitney } from '../../core/stats/mann-whitney';
import { mean, median, quantileSorted, sorted } from '../../core/stats/quantiles';

export interface HistoryRun {
  id: string;
  /** The run's value of the metric (a latency in ms, or requests per second). */
  value: number;
}

export interface ChangePoint {
  /** Index (0-based) of the first run after the change. */
  index: number;
  runId: string;
  /** Medians of the run values of the segment before and after the change. */
  beforeMedian: number;
  afterMedian: number;
  /** (after − before) / before. */
  change: number;
  /** The Mann-Whitney p-value, Bonferroni-adjusted by the number of splits tried. */
  pValue: number;
}

function runValue(samples: readonly number[], metric: PerfMetric): number {
  if (metric === 'mean' || metric === 'rps') return mean(samples);
  return quantileSorted(sorted(samples), { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 }[metric]);
}

/** One value per result file: the tool's own aggregate when it has one, else the metric of its samples. */
export function runOfFile(f: PerfFile, metric: PerfMetric): HistoryRun {
  const v = f.aggregates[metric] ?? (f.samplesMs?.length ? runValue(f.samplesMs, metric) : undefined);
  if (v === undefined) throw new InputError(`${f.file}: the ${f.format} result has no ${metric}`, [{ file: f.file, path: metric, message: `no ${metric}` }]);
  return { id: f.file, value: v };
}

/** `{runs: [{id, samples | value}]}` in time order. */
export function readHistoryDocument(text: string, file: string, metric: PerfMetric): HistoryRun[] | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as { runs?: unknown }).runs)) return undefined;
  return (doc as { runs: unknown[] }).runs.map((r, i) => {
    const at = `runs[${i}]`;
    const issue = (path: string, message: string) => new InputError(`${file}: ${path}: ${message}`, [{ file, path, message }]);
    if (typeof r !== 'object' || r === null) throw issue(at, 'expected an object {id, samples | value}');
    const o = r as { id?: unknown; samples?: unknown; value?: unknown };
    if (typeof o.id !== 'string' || !o.id) throw issue(`${at}.id`, 'expected a non-empty string');
    if (typeof o.value === 'number' && Number.isFinite(o.value)) return { id: o.id, value: o.value };
    if (Array.isArray(o.samples) && o.samples.length) {
      o.samples.forEach((x, j) => {
        if (typeof x !== 'number' || !Number.isFinite(x)) throw issue(`${at}.samples[${j}]`, `expected a number, got ${JSON.stringify(x)}`);
      });
      return { id: o.id, value: runValue(o.samples as number[], metric) };
    }
    throw issue(at, 'expected a finite "value" or a non-empty "samples" array');
  });
}

/** The runs of the history files: one `{runs}` document, or one result file per run. */
export function readHistory(files: readonly { name: string; text: string }[], metric: PerfMetric, command?: string): HistoryRun[] {
  if (files.length === 1) {
    const runs = readHistoryDocument(files[0].text, files[0].name, metric);
    if (runs) return runs;
  }
  return files.map((f) => runOfFile(readPerfFile(f.text, f.name, { command }), metric));
}

/** The change points of the series, by binary segmentation; each side of a split has ≥ minSegment runs. */
export function changePoints(runs: readonly HistoryRun[], alpha: number, minSegment = 3): ChangePoint[] {
  const values = runs.map((r) => r.value);
  const found: ChangePoint[] = [];
  const search = (start: number, end: number) => {
    const splits = end - start - 2 * minSegment + 1;
    if (splits < 1) return;
    let best: { at: number; p: number; z: number } | undefined;
    for (let at = start + minSegment; at <= end - minSegment; at++) {
      const t = mannWhitney(values.slice(start, at), values.slice(at, end));
      if (!best || t.pTwoSided < best.p || (t.pTwoSided === best.p && Math.abs(t.z) > Math.abs(best.z))) best = { at, p: t.pTwoSided, z: t.z };
    }
    if (!best) return;
    const adjusted = Math.min(1, best.p * splits);
    if (adjusted >= alpha) return;
    const before = median(values.slice(start, best.at));
    const after = median(values.slice(best.at, end));
    found.push({
      index: best.at,
      runId: runs[best.at].id,
      beforeMedian: before,
      afterMedian: after,
      change: before !== 0 ? (after - before) / before : 0,
      pValue: adjusted,
    });
    search(start, best.at);
    search(best.at, end);
  };
  search(0, values.length);
  return found.sort((a, b) => a.index - b.index);
}
