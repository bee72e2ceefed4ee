/**
 * `shipgate verify replay LOG… --target URL [--baseline URL [--noise URL]]`: replays recorded
 * traffic from access logs, open-loop at the recorded pacing or a chosen rate, and with a baseline
 * reports where the candidate answers differently (beyond noise). Exit 0 no difference beyond noise
 * (and errors within --max-errors), 1 otherwise, 2 bad input.
 */
import { readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { parseFormat, type CliContext } from '../../cli/context';
import { CliError, EXIT } from '../../cli/exit-codes';
import { renderTable } from '../../cli/table';
import { parseDurationMs } from '../../core/duration';
import type { LoadResult } from '../load-result';
import { parseAccessLog, type BadLine, type LogFormat, type LogRecord } from './access-log';
import { parseFieldPattern, type FieldPattern } from './replay-diff';
import { IDEMPOTENT_METHODS, parseRate, planReplay } from './replay-plan';
import { runReplay, type ReplayRunResult } from './replay-run';

const FORMATS = ['table', 'json'] as const;
export const REPLAY_RESULT_KIND = 'shipgate.dev/verify-replay/v1';
/** Largest log file read. */
const MAX_LOG_BYTES = 512 * 1024 * 1024;
/** Bad lines listed in the table (all are counted; JSON lists up to 1,000). */
const BAD_SHOWN = 20;

interface ReplayCliOptions {
  target: string;
  baseline?: string;
  noise?: string;
  rate: string;
  duration?: string;
  methods: string;
  allMethods?: boolean;
  ignoreField: string[];
  header: string[];
  maxRequests?: string;
  maxErrors: string;
  maxInFlight: string;
  timeout: string;
  spin: boolean;
  output: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];

function url(flag: string, u: string | undefined): string | undefined {
  if (u === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(u);
  } catch {
    throw new CliError(EXIT.USAGE, `${flag}: expected an http(s) URL, got "${u}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new CliError(EXIT.USAGE, `${flag}: expected an http(s) URL, got "${u}"`);
  if (parsed.search || parsed.hash) throw new CliError(EXIT.USAGE, `${flag}: give an origin (and optional base path) without query or fragment`);
  return u;
}

function positiveInt(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new CliError(EXIT.USAGE, `${flag}: expected a positive whole number, got "${v}"`);
  return Number(v);
}

/** `1%`, `0.5%` or `2` (percent) → a fraction. */
function percent(flag: string, v: string): number {
  const m = /^(\d+(?:\.\d+)?)%?$/.exec(v.trim());
  if (!m || Number(m[1]) > 100) throw new CliError(EXIT.USAGE, `${flag}: expected a percentage such as 1%, got "${v}"`);
  return Number(m[1]) / 100;
}

function headers(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of list) {
    const i = h.indexOf(':');
    const name = i > 0 ? h.slice(0, i).trim() : '';
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new CliError(EXIT.USAGE, `--header: expected NAME:VALUE, got "${h}"`);
    const value = h.slice(i + 1).trim();
    // biome-ignore lint/suspicious/noControlCharactersInRegex: a header value with CR/LF would split the request
    if (/[\r\n\u0000]/.test(value)) throw new CliError(EXIT.USAGE, `--header ${name}: the value contains a line break`);
    out[name.toLowerCase()] = value;
  }
  return out;
}

export interface LogSummary {
  file: string;
  records: number;
  badLines: number;
  bad: BadLine[];
  formats: Record<LogFormat, number>;
  malformedTail: number;
}

function readLogs(cli: CliContext, files: string[]): { records: LogRecord[]; logs: LogSummary[] } {
  const records: LogRecord[] = [];
  const logs: LogSummary[] = [];
  for (const file of files) {
    let text: string;
    try {
      const size = statSync(cli.path(file)).size;
      if (size > MAX_LOG_BYTES) throw new CliError(EXIT.USAGE, `${file}: ${size} bytes; at most ${MAX_LOG_BYTES} are read (split the log)`);
      text = readFileSync(cli.path(file), 'utf8');
    } catch (e) {
      if (e instanceof CliError) throw e;
      throw new CliError(EXIT.USAGE, `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const p = parseAccessLog(text, file);
    for (const r of p.records) records.push(r);
    logs.push({
      file,
      records: p.records.length,
      badLines: p.bad.length,
      bad: p.bad.slice(0, 1000),
      formats: p.formats,
      malformedTail: p.malformedTail.length,
    });
  }
  return { records, logs };
}

const fmt = (n: number | null | undefined, digits = 1) => (n === null || n === undefined ? '-' : n.toFixed(digits));
const quantiles = (r: LoadResult) => ({ p50: r.latencyMs.p50, p90: r.latencyMs.p90, p99: r.latencyMs.p99, max: r.latencyMs.max });

function verdictOf(run: ReplayRunResult, maxErrors: number): { ok: boolean; reasons: string[] } {
  const reasons: string[] = [];
  const c = run.candidate;
  const rate = c.requests ? c.errors / c.requests : 0;
  if (rate > maxErrors)
    reasons.push(`candidate errors ${c.errors} of ${c.requests} (${(rate * 100).toFixed(2)}%) exceed --max-errors ${(maxErrors * 100).toFixed(2)}%`);
  if (run.diff?.differences.length)
    reasons.push(`${run.diff.differences.length} difference${run.diff.differences.length === 1 ? '' : 's'} between baseline and candidate beyond noise`);
  return { ok: reasons.length === 0, reasons };
}

function printTable(cli: CliContext, out: Record<string, unknown>, logs: LogSummary[], run: ReplayRunResult, verdict: { ok: boolean; reasons: string[] }) {
  const good = logs.reduce((s, l) => s + l.records, 0);
  const bad = logs.reduce((s, l) => s + l.badLines, 0);
  const plan = out.plan as { requests: number; skippedMethods: Record<string, number>; rate: string; targetRps: number | null };
  cli.out(
    `${logs.length} log file${logs.length === 1 ? '' : 's'}: ${good} requests read, ${bad} bad line${bad === 1 ? '' : 's'}; ${plan.requests} replayed at ${plan.rate}` +
      (Object.keys(plan.skippedMethods).length
        ? ` (skipped by method: ${Object.entries(plan.skippedMethods)
            .map(([m, n]) => `${m} ${n}`)
            .join(', ')})`
        : ''),
  );
  const shownBad = logs.flatMap((l) => l.bad).slice(0, BAD_SHOWN);
  for (const b of shownBad) cli.out(`  bad line ${b.file}:${b.line}: ${b.reason}`);
  if (bad > shownBad.length) cli.out(`  … and ${bad - shownBad.length} more bad lines (-o json lists up to 1,000 per file)`);
  const l = run.loop;
  cli.out(
    `pacing: achieved ${fmt(l.achievedRps)}/s of ${fmt(l.scheduledRps)}/s scheduled; client send lag p50 ${fmt(l.sendLagMs.p50, 2)} ms, p99 ${fmt(l.sendLagMs.p99, 2)} ms, max ${fmt(l.sendLagMs.max, 2)} ms; ` +
      `peak in flight ${l.peakInFlight}; dropped (client saturated) ${l.dropped}`,
  );
  const sides: [string, LoadResult | undefined][] = [
    ['candidate', run.candidate],
    ['baseline', run.baseline],
    ['noise', run.noise],
  ];
  cli.out(
    renderTable(
      ['SIDE', 'TARGET', 'REQUESTS', 'ERRORS', 'P50 MS', 'P90 MS', 'P99 MS', 'MAX MS'],
      sides
        .filter((s): s is [string, LoadResult] => s[1] !== undefined)
        .map(([n, r]) => [
          n,
          r.target,
          r.requests,
          r.errors,
          fmt(r.latencyMs.p50, 2),
          fmt(r.latencyMs.p90, 2),
          fmt(r.latencyMs.p99, 2),
          fmt(r.latencyMs.max, 2),
        ]),
    ),
  );
  const statuses = Object.entries(run.candidateSummary.statuses)
    .map(([s, n]) => `${s} ${n}`)
    .join(', ');
  cli.out(`candidate statuses: ${statuses || '-'}`);
  for (const [m, n] of Object.entries(run.candidateSummary.errorMessages)) cli.out(`  candidate error ×${n}: ${m}`);
  if (run.latencyTest)
    cli.out(
      `latency, baseline vs candidate: KS D=${run.latencyTest.d.toFixed(3)}, p=${run.latencyTest.pValue.toPrecision(3)} (reported, not gated: the perf gate reads -o json)`,
    );
  if (run.diff) {
    const d = run.diff;
    if (d.differences.length)
      cli.out(
        renderTable(
          ['ENDPOINT', 'KIND', 'DIFFERENCE', 'REQUESTS', 'EXAMPLE'],
          d.differences.map((x) => [x.endpoint, x.kind, x.detail, x.count, x.example]),
        ),
      );
    else cli.out(`no differences beyond noise in ${d.compared} compared requests`);
    for (const n of d.noise) cli.out(`  noise on ${n.endpoint}: ${[n.status ? 'status' : '', n.body ? 'body' : '', ...n.fields].filter(Boolean).join(', ')}`);
    const s = d.suppressed;
    if (s.status + s.field + s.body) cli.out(`  suppressed as noise: ${s.status} status, ${s.field} field, ${s.body} body differences`);
  }
  cli.out(verdict.ok ? 'PASS' : `FAIL: ${verdict.reasons.join('; ')}`);
}

/** Registers `shipgate verify replay`. */
export function replayCommands(verify: Command, cli: CliContext): void {
  verify
    .command('replay')
    .description(
      'replay access-log traffic (combined, common or JSON lines) open-loop against a target; with --baseline, report status, latency and body differences beyond noise; exit 0 none, 1 differences or errors, 2 bad input',
    )
    .argument('<logs...>', 'access logs: Apache/nginx combined or common format, or JSON lines')
    .requiredOption('--target <url>', 'origin of the candidate revision; only path+query of each logged request is sent here')
    .option('--baseline <url>', 'origin of the baseline revision: each request goes to both and the answers are compared')
    .option('--noise <url>', 'a second baseline instance: what differs between the two baselines is noise and is not reported')
    .option('--rate <rate>', 'x1 (recorded pacing), xN (scaled, e.g. x2, x0.5) or N/s (fixed rate)', 'x1')
    .option('--duration <duration>', 'stop scheduling after this long; with N/s the log is cycled to fill it')
    .option('--methods <list>', 'methods replayed (comma-separated)', IDEMPOTENT_METHODS.join(','))
    .option('--all-methods', 'replay every method (POST, PUT, DELETE… — for a staging copy only)')
    .option('--ignore-field <path>', 'JSON path ignored in body comparison, e.g. $.meta.requestId or items[*].ts (repeatable)', collect, [])
    .option('--header <k:v>', 'header added to every request (repeatable)', collect, [])
    .option('--max-requests <n>', 'replay at most this many requests')
    .option('--max-errors <percent>', 'candidate errors (no response, 5xx, dropped) tolerated', '1%')
    .option('--max-in-flight <n>', 'requests in flight at most; beyond it they are dropped as "client saturated"', '10000')
    .option('--timeout <duration>', 'per request', '10s')
    .option('--no-spin', 'sleep between sends instead of spinning the last millisecond: ~1 ms later sends, a fifth of the CPU (a shared, CPU-starved machine)')
    .option('-o, --output <format>', FORMATS.join(' | '), 'table')
    .action(async (files: string[], o: ReplayCliOptions) => {
      const format = parseFormat(o.output, FORMATS);
      const target = url('--target', o.target)!;
      const baseline = url('--baseline', o.baseline);
      const noise = url('--noise', o.noise);
      if (noise && !baseline) throw new CliError(EXIT.USAGE, '--noise needs --baseline: it is a second baseline instance');
      const rate = parseRate(o.rate);
      if (!rate) throw new CliError(EXIT.USAGE, `--rate: expected x1, x2, x0.5 or N/s such as 500/s, got "${o.rate}"`);
      const timeoutMs = parseDurationMs(o.timeout);
      if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new CliError(EXIT.USAGE, `--timeout: expected a duration such as 10s, got "${o.timeout}"`);
      let durationMs: number | undefined;
      if (o.duration !== undefined) {
        durationMs = parseDurationMs(o.duration);
        if (!Number.isFinite(durationMs) || durationMs <= 0) throw new CliError(EXIT.USAGE, `--duration: expected a duration such as 30s, got "${o.duration}"`);
      }
      const methods = o.allMethods
        ? undefined
        : o.methods
            .split(',')
            .map((m) => m.trim().toUpperCase())
            .filter(Boolean);
      if (methods && (methods.length === 0 || methods.some((m) => !/^[A-Z][A-Z0-9_-]*$/.test(m))))
        throw new CliError(EXIT.USAGE, `--methods: expected a comma-separated list such as GET,HEAD, got "${o.methods}"`);
      const ignore: FieldPattern[] = o.ignoreField.map((f) => {
        const p = parseFieldPattern(f);
        if (!p) throw new CliError(EXIT.USAGE, `--ignore-field: "${f}" is not a JSON path such as $.meta.requestId or items[*].ts`);
        return p;
      });
      const maxRequests = positiveInt('--max-requests', o.maxRequests);
      const maxInFlight = positiveInt('--max-in-flight', o.maxInFlight)!;
      const maxErrors = percent('--max-errors', o.maxErrors);
      const extraHeaders = headers(o.header);

      const { records, logs } = readLogs(cli, files);
      const plan = planReplay(records, { rate, methods, durationMs, maxRequests });
      if (plan.requests.length === 0) {
        const bad = logs.reduce((s, l) => s + l.badLines, 0);
        throw new CliError(
          EXIT.USAGE,
          `nothing to replay: ${records.length} requests read (${bad} bad lines)` +
            (Object.keys(plan.skippedMethods).length ? `, all skipped by method (${Object.keys(plan.skippedMethods).join(', ')}; see --methods)` : ''),
        );
      }
      const run = await runReplay(plan, { target, baseline, noise, ignore, timeoutMs, headers: extraHeaders, maxInFlight, spinMs: o.spin ? 1 : 0 });
      const verdict = verdictOf(run, maxErrors);
      const out = {
        kind: REPLAY_RESULT_KIND,
        logs,
        plan: { requests: plan.requests.length, skippedMethods: plan.skippedMethods, rate: o.rate, targetRps: plan.targetRps, spanMs: plan.spanMs },
        pacing: run.loop,
        candidate: run.candidate,
        candidateStatuses: run.candidateSummary,
        ...(run.baseline ? { baseline: run.baseline, baselineStatuses: run.baselineSummary } : {}),
        ...(run.noise ? { noise: run.noise } : {}),
        ...(run.diff
          ? {
              diff: run.diff,
              latency: { baseline: quantiles(run.baseline!), candidate: quantiles(run.candidate), ks: run.latencyTest },
            }
          : {}),
        verdict: verdict.ok ? 'pass' : 'fail',
        reasons: verdict.reasons,
      };
      if (format === 'json') cli.out(JSON.stringify(out, null, 2));
      else printTable(cli, out, logs, run, verdict);
      if (!verdict.ok) cli.fail(EXIT.NO);
    });
}
