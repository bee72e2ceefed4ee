/**
 * The benchmark result readers of the performance gate, pure (text in, samples out): k6 summary
 * JSON (`--summary-export` and `handleSummary`), hyperfine `--export-json`, wrk's text output,
 * Shipgate's load result (`shipgate.dev/load-result/v1`) and a plain JSON list of numbers. The
 * format is read from the content. Latencies are in milliseconds, rates in requests per second.
 * Errors are InputErrors naming the file and the field or line.
 */
import { InputError } from '../../core/errors';
import { LOAD_RESULT_KIND, latencySamples, readLoadResult } from '../load-result';

export type PerfFormat = 'k6-summary-export' | 'k6-handle-summary' | 'hyperfine' | 'wrk' | 'load-result' | 'samples';

/** The metrics the gate compares. Latencies are lower-is-better; `rps` is higher-is-better. */
export const PERF_METRICS = ['mean', 'p50', 'p90', 'p95', 'p99', 'rps'] as const;
export type PerfMetric = (typeof PERF_METRICS)[number];

/** What one file measured. */
export interface PerfFile {
  file: string;
  format: PerfFormat;
  /** Raw latencies in milliseconds, when the file has them (hyperfine, load result, plain list). */
  samplesMs?: number[];
  /** Values the tool aggregated itself, by metric; absent when the tool does not report that one. */
  aggregates: Partial<Record<PerfMetric, number>>;
}

export interface ReadOptions {
  /** hyperfine with several commands: the one to read. */
  command?: string;
  /** Values a load result's histogram may expand to (the server shares one budget over a request's files). */
  maxHistogramValues?: number;
}

const bad = (file: string, path: string, message: string, line?: number) =>
  new InputError(`${file}${line ? `:${line}` : ''}: ${path ? `${path}: ` : ''}${message}`, [{ file, path, message, ...(line ? { line } : {}) }]);

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function numbers(v: unknown, file: string, path: string, scale = 1): number[] {
  if (!Array.isArray(v)) throw bad(file, path, 'expected an array of numbers');
  if (v.length > 10_000_000) throw bad(file, path, 'more than 10,000,000 values');
  return v.map((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) throw bad(file, `${path}[${i}]`, `expected a finite number ≥ 0, got ${JSON.stringify(x)}`);
    return x * scale;
  });
}

function num(o: Record<string, unknown>, key: string, file: string, path: string): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(file, `${path}.${key}`, `expected a number, got ${JSON.stringify(v)}`);
  return v;
}

/** Reads one result file, detecting its format from the content. */
export function readPerfFile(text: string, file: string, opts: ReadOptions = {}): PerfFile {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) {
    if (/^\s*Latency\s/m.test(text) || /^Requests\/sec:/m.test(text)) return readWrk(text, file);
    throw bad(
      file,
      '',
      'not JSON, and not wrk output (no "Latency" or "Requests/sec:" line): expected k6 summary JSON, hyperfine --export-json, wrk output, a load result or a JSON list of numbers',
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw bad(file, '', `invalid JSON (${(e as Error).message})`);
  }
  if (Array.isArray(doc)) return { file, format: 'samples', samplesMs: numbers(doc, file, ''), aggregates: {} };
  if (!isObj(doc)) throw bad(file, '', 'expected a JSON object or array');
  if (doc.kind === LOAD_RESULT_KIND) {
    const r = readLoadResult(doc, file);
    const l = r.latencyMs;
    return {
      file,
      format: 'load-result',
      samplesMs: latencySamples(r, file, opts.maxHistogramValues),
      aggregates: { mean: l.mean, p50: l.p50, p90: l.p90, p95: l.p95, p99: l.p99, rps: r.achievedRps },
    };
  }
  if (Array.isArray(doc.samples)) return { file, format: 'samples', samplesMs: numbers(doc.samples, file, 'samples'), aggregates: {} };
  if (Array.isArray(doc.results)) return readHyperfine(doc.results, file, opts.command);
  if (isObj(doc.metrics)) return readK6(doc.metrics, file);
  throw bad(
    file,
    '',
    'unknown JSON result: expected k6 summary (metrics.http_req_duration), hyperfine (results[].times), a load result (kind), a list of numbers or {"samples": [...]}',
  );
}

/** hyperfine `--export-json`: results[].times in seconds (raw samples), one command. */
function readHyperfine(results: unknown[], file: string, command?: string): PerfFile {
  const named = results.map((r, i) => {
    if (!isObj(r) || typeof r.command !== 'string') throw bad(file, `results[${i}].command`, 'expected a string');
    return { r, i };
  });
  let pick = named;
  if (command !== undefined) pick = named.filter((x) => x.r.command === command);
  if (pick.length !== 1) {
    const list = named.map((x) => JSON.stringify(x.r.command)).join(', ');
    throw bad(
      file,
      'results',
      command !== undefined
        ? `no single result for --command ${JSON.stringify(command)} (commands: ${list})`
        : `${results.length} commands (${list}): choose one with --command NAME`,
    );
  }
  const { r, i } = pick[0];
  const samplesMs = numbers(r.times, file, `results[${i}].times`, 1000);
  if (samplesMs.length === 0) throw bad(file, `results[${i}].times`, 'no samples');
  const s = (k: string) => {
    const v = num(r, k, file, `results[${i}]`);
    return v === undefined ? undefined : v * 1000;
  };
  return { file, format: 'hyperfine', samplesMs, aggregates: { mean: s('mean'), p50: s('median') } };
}

/** k6 summary: `--summary-export` (trend fields on the metric) or `handleSummary` data (under `values`). */
function readK6(metrics: Record<string, unknown>, file: string): PerfFile {
  const d = metrics.http_req_duration;
  if (!isObj(d)) throw bad(file, 'metrics.http_req_duration', 'missing: is this a k6 summary of an HTTP test?');
  const handle = isObj(d.values);
  const base = handle ? 'metrics.http_req_duration.values' : 'metrics.http_req_duration';
  const trend = (handle ? d.values : d) as Record<string, unknown>;
  const reqs = metrics.http_reqs;
  let rps: number | undefined;
  if (isObj(reqs)) {
    const rv = (isObj(reqs.values) ? reqs.values : reqs) as Record<string, unknown>;
    rps = num(rv, 'rate', file, isObj(reqs.values) ? 'metrics.http_reqs.values' : 'metrics.http_reqs');
  }
  const aggregates: PerfFile['aggregates'] = {
    mean: num(trend, 'avg', file, base),
    p50: num(trend, 'med', file, base) ?? num(trend, 'p(50)', file, base),
    p90: num(trend, 'p(90)', file, base),
    p95: num(trend, 'p(95)', file, base),
    p99: num(trend, 'p(99)', file, base),
    rps,
  };
  if (aggregates.mean === undefined && aggregates.p95 === undefined) throw bad(file, base, 'no trend values (avg, p(95)…)');
  return { file, format: handle ? 'k6-handle-summary' : 'k6-summary-export', aggregates };
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A wrk duration (`635.91us`, `1.02ms`, `2.00s`, `1.00m`) in milliseconds. */
export function wrkDurationMs(token: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(us|ms|s|m|h)$/.exec(token);
  return m ? Number(m[1]) * UNIT_MS[m[2]] : undefined;
}

/** wrk's text output: the Latency thread stats, the `--latency` distribution, Requests/sec. */
function readWrk(text: string, file: string): PerfFile {
  const lines = text.split(/\r?\n/);
  const aggregates: PerfFile['aggregates'] = {};
  let inDistribution = false;
  let sawLatency = false;
  lines.forEach((raw, n) => {
    const line = raw.trim();
    const lineNo = n + 1;
    const parts = line.split(/\s+/);
    if (parts[0] === 'Latency' && parts.length >= 4 && !line.startsWith('Latency Distribution')) {
      const avg = wrkDurationMs(parts[1]);
      if (avg === undefined) throw bad(file, 'Latency.avg', `cannot read ${JSON.stringify(parts[1])} as a duration`, lineNo);
      aggregates.mean = avg;
      sawLatency = true;
      return;
    }
    if (line.startsWith('Latency Distribution')) {
      inDistribution = true;
      return;
    }
    if (inDistribution) {
      const m = /^(\d+(?:\.\d+)?)%\s+(\S+)$/.exec(line);
      if (!m) {
        inDistribution = false;
      } else {
        const v = wrkDurationMs(m[2]);
        if (v === undefined) throw bad(file, `Latency Distribution ${m[1]}%`, `cannot read ${JSON.stringify(m[2])} as a duration`, lineNo);
        const key = ({ '50': 'p50', '90': 'p90', '95': 'p95', '99': 'p99' } as Record<string, PerfMetric>)[String(Number(m[1]))];
        if (key) aggregates[key] = v;
        return;
      }
    }
    const rps = /^Requests\/sec:\s*(\S+)$/.exec(line);
    if (rps) {
      const v = Number(rps[1]);
      if (!Number.isFinite(v)) throw bad(file, 'Requests/sec', `cannot read ${JSON.stringify(rps[1])} as a number`, lineNo);
      aggregates.rps = v;
    }
  });
  if (!sawLatency) throw bad(file, 'Latency', 'no "Latency  avg stdev max" line in the wrk output');
  return { file, format: 'wrk', aggregates };
}
