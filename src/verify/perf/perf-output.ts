/** The human table and the JUnit report of `shipgate verify perf` and of its history mode. Pure. */
import { renderTable } from '../../cli/table';
import type { PerfResult } from './perf-gate';
import type { ChangePoint, HistoryRun } from './perf-history';

const pct = (f: number) => `${f >= 0 ? '+' : ''}${(f * 100).toFixed(1)}%`;
const val = (r: PerfResult, v: number) => (r.metric === 'rps' ? `${v.toFixed(1)} req/s` : `${v.toFixed(3)} ms`);
const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function renderPerfTable(r: PerfResult): string {
  const rows = [
    ['baseline', r.baseline.files.map((f) => `${f.file} (${f.format}, ${f.n})`).join(', '), r.baseline.n, val(r, r.baseline.value)],
    ['candidate', r.candidate.files.map((f) => `${f.file} (${f.format}, ${f.n})`).join(', '), r.candidate.n, val(r, r.candidate.value)],
  ];
  const head = renderTable(['SIDE', 'FILES', r.mode === 'samples' ? 'SAMPLES' : 'RUNS', r.metric.toUpperCase()], rows);
  const method =
    r.method === 'bootstrap'
      ? `bootstrap of the ${r.metric} ratio (${r.resamples} resamples, seed ${r.seed})`
      : `Hodges-Lehmann shift / baseline median, Mann-Whitney interval${r.mode === 'aggregates' ? ' over one value per file' : ''}`;
  const reg = r.regression
    ? `regression ${pct(r.regression.estimate)}, ${((r.achievedConfidence ?? r.confidence) * 100).toFixed(1)}% interval [${pct(r.regression.lower)}, ${pct(r.regression.upper)}] (${r.direction}; ${method})`
    : `no interval: at least ${r.minSamples} ${r.mode === 'samples' ? 'samples' : 'runs'} per side are needed`;
  return `${head}\n${reg}\nallowed: ${pct(r.maxRegression)} at ${(r.confidence * 100).toFixed(1)}% confidence\n${r.verdict.toUpperCase()}: ${r.message}\n`;
}

export function renderPerfJunit(r: PerfResult): string {
  const name = `${r.metric} regression ≤ ${(r.maxRegression * 100).toFixed(1)}%`;
  const inner =
    r.verdict === 'pass'
      ? ''
      : `<failure type="${r.verdict}" message="${xml(r.message)}">${xml(`baseline ${r.baseline.value}, candidate ${r.candidate.value}`)}</failure>`;
  const failures = r.verdict === 'pass' ? 0 : 1;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="shipgate verify perf" tests="1" failures="${failures}">\n  <testsuite name="perf" tests="1" failures="${failures}">\n    <testcase classname="perf.${r.metric}" name="${xml(name)}">${inner}</testcase>\n  </testsuite>\n</testsuites>\n`;
}

export function renderHistoryTable(runs: readonly HistoryRun[], points: readonly ChangePoint[], metric: string, confidence: number): string {
  const head = `${runs.length} runs, ${metric}; change points at ${(confidence * 100).toFixed(1)}% confidence (Mann-Whitney, Bonferroni per segment)`;
  if (!points.length) return `${head}\nno change point\n`;
  const rows = points.map((p) => [p.index, p.runId, p.beforeMedian.toFixed(3), p.afterMedian.toFixed(3), pct(p.change), p.pValue.toPrecision(3)]);
  return `${head}\n${renderTable(['INDEX', 'RUN', 'BEFORE (median)', 'AFTER (median)', 'CHANGE', 'P-VALUE'], rows)}`;
}

export function renderHistoryJunit(points: readonly ChangePoint[], metric: string): string {
  const cases = points.map(
    (p) =>
      `    <testcase classname="perf.history.${metric}" name="${xml(`change point at ${p.runId}`)}"><failure type="change-point" message="${xml(`${pct(p.change)} (p = ${p.pValue.toPrecision(3)})`)}"/></testcase>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="shipgate verify perf --history" tests="${cases.length}" failures="${cases.length}">\n  <testsuite name="perf-history" tests="${cases.length}" failures="${cases.length}">\n${cases.join('\n')}\n  </testsuite>\n</testsuites>\n`;
}
