/**
 * `shipgate loadtest TARGET --rate N/s --duration D [--ramp 10s:100/s,…] [--scenario FILE]
 * [--thresholds 'p(95)<300,errors<0.01'] …`: an open-loop constant- or ramping-arrival-rate load
 * generator. Parses and bounds the flags, runs loadtest-run.ts, prints a per-second progress line
 * on a terminal (stderr) and the summary (loadtest-output.ts; `-o json` and `--out FILE` are a
 * load result that `shipgate verify perf` reads). Exit 0 every threshold held (or none given),
 * 1 a threshold breached, 2 bad input.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseFormat, type CliContext } from '../../cli/context';
import { CliError, EXIT } from '../../cli/exit-codes';
import { formatDurationMs, parseDurationMs } from '../../core/duration';
import { buildSummary, renderSummary } from './loadtest-output';
import { runLoad, type LoadRequest } from './loadtest-run';
import { parseScenario, weightedPicker, type ScenarioRequest } from './loadtest-scenario';
import { arrivalOffsets, expectedArrivals, MAX_DURATION_MS, MAX_RATE, parseRatePerSecond, parseStages, runStages, type Stage } from './loadtest-schedule';
import { parseThresholds, type Threshold } from '../../core/load-thresholds';

const FORMATS = ['table', 'json'] as const;
/** Most requests in flight a run may allow. */
export const MAX_IN_FLIGHT = 10_000;
/** Keep-alive connections by default: 5,000/s at 200 ms each. */
export const DEFAULT_CONNECTIONS = 1000;
const SCENARIO_MAX_BYTES = 8 * 1024 * 1024;

interface LoadtestOptions {
  rate?: string;
  duration?: string;
  ramp?: string;
  scenario?: string;
  seed: string;
  method: string;
  thresholds?: string;
  timeout: string;
  header: string[];
  maxInFlight: string;
  connections: string;
  spin: boolean;
  out?: string;
  output: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];
const usage = (m: string): never => {
  throw new CliError(EXIT.USAGE, m);
};

function targetUrl(u: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(u);
  } catch {
    /* reported below */
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) return usage(`TARGET: expected an http(s) URL, got "${u}"`);
  if (parsed.search || parsed.hash) return usage('TARGET: give an origin (and optional base path) without query or fragment; paths come from --scenario');
  return u;
}

function headers(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of list) {
    const i = h.indexOf(':');
    const name = i > 0 ? h.slice(0, i).trim() : '';
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) usage(`--header: expected NAME:VALUE, got "${h}"`);
    const value = h.slice(i + 1).trim();
    // biome-ignore lint/suspicious/noControlCharactersInRegex: a header value with CR/LF would split the request
    if (/[\r\n\u0000]/.test(value)) usage(`--header ${name}: the value contains a line break`);
    out[name.toLowerCase()] = value;
  }
  return out;
}

function duration(flag: string, text: string): number {
  const ms = parseDurationMs(text);
  if (!Number.isFinite(ms) || ms <= 0) usage(`${flag}: expected a duration such as 30s, got "${text}"`);
  return ms;
}

/** The schedule from --rate, --duration and --ramp, bounded. */
function schedule(o: LoadtestOptions): { startRps: number; stages: Stage[] } {
  let startRps = 0;
  if (o.rate !== undefined) {
    const r = parseRatePerSecond(o.rate);
    if (r === undefined || r <= 0) usage(`--rate: expected N/s such as 500/s, at most ${MAX_RATE}/s, got "${o.rate}"`);
    startRps = r!;
  } else if (o.ramp === undefined) usage('give --rate N/s (and --duration), or --ramp STAGES');
  const durationMs = o.duration !== undefined ? duration('--duration', o.duration) : undefined;
  if (o.ramp === undefined && durationMs === undefined) usage('give --duration (e.g. 30s): how long to send at --rate');
  let ramp: Stage[] = [];
  if (o.ramp !== undefined) {
    try {
      ramp = parseStages(o.ramp);
    } catch (e) {
      usage(`--ramp: ${(e as Error).message}`);
    }
  }
  const rampMs = ramp.reduce((s, x) => s + x.durationMs, 0);
  if (durationMs !== undefined && durationMs < rampMs)
    usage(`--duration ${o.duration} is shorter than the --ramp stages (${formatDurationMs(rampMs)}); give a longer --duration or none`);
  const stages = runStages(startRps, ramp, durationMs);
  const total = stages.reduce((s, x) => s + x.durationMs, 0);
  if (total > MAX_DURATION_MS) usage(`the run would last ${formatDurationMs(total)}; at most 1h`);
  if (expectedArrivals(startRps, stages) <= 0) usage('the schedule holds no request: raise --rate or the --ramp targets');
  return { startRps, stages };
}

function readScenario(cli: CliContext, file: string): ScenarioRequest[] {
  let text: string;
  try {
    text = readFileSync(cli.path(file), 'utf8');
  } catch (e) {
    return usage(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (text.length > SCENARIO_MAX_BYTES) usage(`${file}: larger than ${SCENARIO_MAX_BYTES} bytes`);
  return parseScenario(text, file);
}

/** Registers the top-level `shipgate loadtest`. */
export function loadtestCommands(program: Command, cli: CliContext): void {
  program
    .command('loadtest')
    .description(
      'open-loop load generator: constant or ramping arrival rate, latency from the scheduled time (no coordinated omission), k6-style thresholds; -o json is a load result for `verify perf`; exit 0 thresholds held, 1 breached, 2 bad input',
    )
    .argument('<target>', 'origin (and optional base path) of the service under load, e.g. http://127.0.0.1:8080')
    .option('--rate <rate>', `arrivals per second (N/s, at most ${MAX_RATE}/s); with --ramp, the rate it starts from (default 0)`)
    .option('--duration <duration>', 'how long to send (at most 1h); with --ramp, the last rate is held until then')
    .option('--ramp <stages>', 'stages DURATION:RATE, comma-separated: the rate moves linearly to each RATE over its DURATION, e.g. 10s:100/s,30s:500/s')
    .option('--scenario <file>', `YAML/JSON list of requests {method, path, headers, body, weight}, picked per arrival by weight (at most 1,000)`)
    .option('--seed <n>', 'seed of the weighted pick', '1')
    .option('--method <method>', 'method of the request without --scenario (sent to TARGET itself)', 'GET')
    .option('--thresholds <list>', "pass/fail criteria, e.g. 'p(95)<300,avg<100,max<2s,med<50,errors<0.01,rps>900' (ms; errors as a fraction or %)")
    .option('--timeout <duration>', 'per request', '10s')
    .option('--header <k:v>', 'header added to every request (repeatable)', collect, [])
    .option(
      '--max-in-flight <n>',
      `requests in flight at most (≤ ${MAX_IN_FLIGHT}); beyond it a due request is dropped as "client saturated" (an error)`,
      String(MAX_IN_FLIGHT),
    )
    .option('--connections <n>', 'keep-alive connections at most; a request waiting for one counts the wait in its latency', String(DEFAULT_CONNECTIONS))
    .option('--no-spin', 'sleep between sends instead of spinning the last millisecond (a shared, CPU-starved machine)')
    .option('--out <file>', 'also write the JSON summary (a shipgate.dev/load-result/v1 document) here')
    .option('-o, --output <format>', FORMATS.join(' | '), 'table')
    .action(async (target: string, o: LoadtestOptions) => {
      const format = parseFormat(o.output, FORMATS);
      const url = targetUrl(target);
      const { startRps, stages } = schedule(o);
      let thresholds: Threshold[] = [];
      if (o.thresholds !== undefined) {
        try {
          thresholds = parseThresholds(o.thresholds);
        } catch (e) {
          usage(`--thresholds: ${(e as Error).message}`);
        }
      }
      const timeoutMs = duration('--timeout', o.timeout);
      if (!/^\d+$/.test(o.maxInFlight) || Number(o.maxInFlight) < 1 || Number(o.maxInFlight) > MAX_IN_FLIGHT)
        usage(`--max-in-flight: expected a whole number from 1 to ${MAX_IN_FLIGHT}, got "${o.maxInFlight}"`);
      const maxInFlight = Number(o.maxInFlight);
      if (!/^\d+$/.test(o.connections) || Number(o.connections) < 1 || Number(o.connections) > MAX_IN_FLIGHT)
        usage(`--connections: expected a whole number from 1 to ${MAX_IN_FLIGHT}, got "${o.connections}"`);
      const connections = Math.min(Number(o.connections), maxInFlight);
      if (!/^\d+$/.test(o.seed) || Number(o.seed) > 0xffffffff) usage(`--seed: expected an integer from 0 to 4294967295, got "${o.seed}"`);
      if (!/^[A-Za-z][A-Za-z0-9_-]{0,31}$/.test(o.method)) usage(`--method: expected a method such as GET, got "${o.method}"`);
      const extraHeaders = headers(o.header);
      const scenario = o.scenario !== undefined ? readScenario(cli, o.scenario) : undefined;

      let requestFor: (i: number) => LoadRequest;
      const picked = scenario ? scenario.map(() => 0) : [];
      if (scenario) {
        const pick = weightedPicker(
          scenario.map((r) => r.weight),
          Number(o.seed),
        );
        requestFor = () => {
          const k = pick();
          picked[k]!++;
          return scenario[k]!;
        };
      } else {
        // TARGET itself: its base path (the client prefixes it), or / for a bare origin.
        const fixed: LoadRequest = { method: o.method.toUpperCase(), path: new URL(url).pathname === '/' ? '/' : '' };
        requestFor = () => fixed;
      }
      const scheduled = expectedArrivals(startRps, stages);
      const totalMs = stages.reduce((s, x) => s + x.durationMs, 0);
      const ac = new AbortController();
      // Ctrl-C stops scheduling; the requests in flight are awaited and the summary still printed.
      const onSigint = () => ac.abort();
      process.once('SIGINT', onSigint);
      let run: Awaited<ReturnType<typeof runLoad>>;
      try {
        run = await runLoad({
          target: url,
          arrivals: arrivalOffsets(startRps, stages),
          requestFor,
          timeoutMs,
          headers: extraHeaders,
          maxInFlight,
          connections,
          spinMs: o.spin ? 1 : 0,
          signal: ac.signal,
          onProgress: cli.io.isTTY
            ? (p) =>
                cli.err(
                  `loadtest ${formatDurationMs(p.elapsedMs)}/${formatDurationMs(totalMs)}: ${p.currentRps.toFixed(0)}/s, p50 ${p.p50Ms.toFixed(2)} ms, p99 ${p.p99Ms.toFixed(2)} ms, errors ${p.errors}, in flight ${p.inFlight}, dropped ${p.dropped}`,
                )
            : undefined,
        });
      } finally {
        process.removeListener('SIGINT', onSigint);
      }
      const summary = buildSummary({
        target: url,
        run,
        startRps,
        stages,
        targetRps: (scheduled * 1000) / totalMs,
        maxInFlight,
        connections,
        thresholds,
        ...(scenario ? { scenario: scenario.map((r, i) => ({ method: r.method, path: r.path, weight: r.weight, sent: picked[i]! })) } : {}),
      });
      const json = JSON.stringify(summary, null, 2);
      if (o.out !== undefined) {
        try {
          writeFileSync(cli.path(o.out), `${json}\n`);
        } catch (e) {
          usage(`cannot write ${o.out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
      }
      cli.out(format === 'json' ? json : renderSummary(summary));
      if (summary.verdict === 'fail') cli.fail(EXIT.NO);
    });
}
