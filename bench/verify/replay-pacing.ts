/**
 * `shipgate verify replay` pacing accuracy: the open-loop scheduler at 500 and 2,000 requests/s
 * for 10 s each against a loopback node http server (in its own process, so the client's event
 * loop is measured alone), then a naive closed-loop replayer (N workers: wait for the scheduled
 * time, send, wait for the answer) at 2,000/s with the open-loop run's concurrency, for
 * comparison (Debian's wrk has no -R: it is closed-loop too). Goal: achieved rate within 5% of
 * 2,000/s. Prints the figures; bench/RESULTS.md is written by hand from them. Bounded (< 60 s).
 *
 *   node --import tsx bench/verify/replay-pacing.ts [--seconds 10] [--delay-ms 2]
 */
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { LogRecord } from '../../src/verify/replay/access-log';
import { ReplayClient } from '../../src/verify/replay/replay-client';
import { planReplay, type ReplayPlan } from '../../src/verify/replay/replay-plan';
import { runReplay } from '../../src/verify/replay/replay-run';
import { latencyHistogram, recordLatency } from '../../src/verify/load-result';

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, 'delay-ms': { type: 'string', default: '2' } } });
const SECONDS = Math.min(10, Number(args.seconds));
const DELAY_MS = Number(args['delay-ms']);

/** The target: answers every request with a small JSON body after DELAY_MS (a stand-in for work). */
const SERVER = `
const http = require('node:http');
const delay = Number(process.argv[1]);
const stall = Number(process.argv[2]);
// A stand-in for a lock wait or a stop-the-world pause elsewhere: every 2 s the server holds
// every answer for \`stall\` ms (without burning CPU), then sends them all.
let held = null;
if (stall > 0) setInterval(() => { held = []; setTimeout(() => { const h = held; held = null; for (const f of h) f(); }, stall); }, 2000).unref();
const s = http.createServer((req, res) => {
  const body = JSON.stringify({ path: req.url, at: Date.now() });
  const send = () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(body); };
  const later = () => (held ? held.push(send) : send());
  if (delay > 0) setTimeout(later, delay); else later();
});
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port) + '\\n'));
`;

async function startServer(stallMs = 0): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['-e', SERVER, String(DELAY_MS), String(stallMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

function plan(rps: number, seconds: number): ReplayPlan {
  const t0 = Date.UTC(2026, 11, 4, 4, 0, 0);
  const records: LogRecord[] = Array.from({ length: 1000 }, (_, i) => ({
    file: 'synthetic',
    line: i + 1,
    format: 'combined',
    timeMs: t0 + i * 10,
    resolutionMs: 1000,
    method: 'GET',
    target: `/items/${i % 97}?page=${i % 7}`,
  }));
  return planReplay(records, { rate: { kind: 'fixed', rps }, durationMs: seconds * 1000 });
}

async function openLoop(url: string, rps: number, seconds = SECONDS, spinMs = 1) {
  const p = plan(rps, seconds);
  const cpu0 = process.cpuUsage();
  const r = await runReplay(p, { target: url, timeoutMs: 10_000, spinMs });
  const cpu = process.cpuUsage(cpu0);
  const meanInFlight = ((r.loop.achievedRps ?? 0) * r.candidate.latencyMs.mean) / 1000;
  return {
    mode: spinMs ? 'open-loop' : 'open-loop (no spin)',
    cpuS: (cpu.user + cpu.system) / 1e6,
    targetRps: rps,
    requests: r.candidate.requests,
    achievedRps: r.loop.achievedRps,
    errorPct: (100 * r.candidate.errors) / r.candidate.requests,
    sendLagMs: r.loop.sendLagMs,
    latencyMs: r.candidate.latencyMs,
    peakInFlight: r.loop.peakInFlight,
    meanInFlight,
    dropped: r.loop.dropped,
  };
}

/** The naive replayer: `concurrency` workers, each waits for the scheduled time, sends, awaits the answer. */
async function closedLoop(url: string, rps: number, concurrency: number, seconds: number) {
  const p = plan(rps, seconds);
  const client = new ReplayClient(url, { timeoutMs: 10_000 });
  const lag = latencyHistogram();
  const lat = latencyHistogram();
  let next = 0;
  let errors = 0;
  const origin = performance.now();
  let last = origin;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= p.requests.length) return;
      const due = origin + p.requests[i]!.offsetMs;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const sentAt = performance.now();
      recordLatency(lag, sentAt - due);
      // A closed-loop tool measures from its own send time: the wait behind a slow answer is hidden.
      const res = await client.send(p.requests[i]!.method, p.requests[i]!.target, sentAt);
      if (res.status !== 200) errors++;
      recordLatency(lat, res.latencyMs);
      last = sentAt;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  client.close();
  const n = p.requests.length;
  return {
    mode: `closed-loop ×${concurrency}`,
    targetRps: rps,
    requests: n,
    achievedRps: ((n - 1) * 1000) / (last - origin),
    errorPct: (100 * errors) / n,
    sendLagMs: { p50: lag.getValueAtPercentile(50) / 1000, p99: lag.getValueAtPercentile(99) / 1000, max: lag.maxValue / 1000 },
    latencyMs: { p50: lat.getValueAtPercentile(50) / 1000, p99: lat.getValueAtPercentile(99) / 1000 },
    scheduleOverrunS: (last - origin) / 1000 - p.requests[n - 1]!.offsetMs / 1000,
  };
}

const f = (n: number | null | undefined, d = 1) => (n === null || n === undefined ? '-' : n.toFixed(d));

async function main() {
  const server = await startServer();
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model}, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; server delay ${DELAY_MS} ms`,
  );
  try {
    // Warm-up: JIT and connections, not measured.
    await openLoop(server.url, 500, 2).catch(() => undefined);
    const rows: string[] = [];
    const o500 = await openLoop(server.url, 500);
    const o2000 = await openLoop(server.url, 2000);
    const o2000sleep = await openLoop(server.url, 2000, 5, 0);
    for (const r of [o500, o2000, o2000sleep])
      rows.push(
        `${r.mode} @${r.targetRps}/s: ${r.requests} req, achieved ${f(r.achievedRps)}/s (${f((100 * (r.achievedRps ?? 0)) / r.targetRps - 100, 2)}%), ` +
          `send lag p50 ${f(r.sendLagMs.p50, 3)} p99 ${f(r.sendLagMs.p99, 3)} max ${f(r.sendLagMs.max, 2)} ms, latency p50 ${f(r.latencyMs.p50, 2)} p99 ${f(r.latencyMs.p99, 2)} ms, ` +
          `in flight mean ${f(r.meanInFlight, 1)} peak ${r.peakInFlight}, dropped ${r.dropped}, errors ${f(r.errorPct, 2)}%, client CPU ${f(r.cpuS, 2)} s`,
      );
    const peak = o2000.peakInFlight;
    const little = Math.max(1, Math.ceil(o2000.meanInFlight));
    for (const c of [...new Set([little, peak])]) {
      const r = await closedLoop(server.url, 2000, c, 4);
      rows.push(
        `${r.mode} @${r.targetRps}/s: ${r.requests} req, achieved ${f(r.achievedRps)}/s (${f((100 * r.achievedRps) / r.targetRps - 100, 2)}%), ` +
          `send lag p50 ${f(r.sendLagMs.p50, 3)} p99 ${f(r.sendLagMs.p99, 2)} max ${f(r.sendLagMs.max, 1)} ms, latency (from its own send) p50 ${f(r.latencyMs.p50, 2)} p99 ${f(r.latencyMs.p99, 2)} ms, ` +
          `finished ${f(r.scheduleOverrunS, 2)} s behind schedule, errors ${f(r.errorPct, 2)}%`,
      );
    }
    // The same two replayers against a target that holds its answers 200 ms every 2 s.
    const stalling = await startServer(200);
    try {
      const o = await openLoop(stalling.url, 2000, 4);
      rows.push(
        `stalling target, open-loop @2000/s: achieved ${f(o.achievedRps)}/s, send lag p99 ${f(o.sendLagMs.p99, 2)} ms, latency (from the scheduled time) p50 ${f(o.latencyMs.p50, 2)} p99 ${f(o.latencyMs.p99, 1)} max ${f(o.latencyMs.max, 1)} ms, peak in flight ${o.peakInFlight}`,
      );
      const c = await closedLoop(stalling.url, 2000, little, 4);
      rows.push(
        `stalling target, ${c.mode} @2000/s: achieved ${f(c.achievedRps)}/s, send lag p99 ${f(c.sendLagMs.p99, 1)} max ${f(c.sendLagMs.max, 1)} ms, latency (from its own send) p50 ${f(c.latencyMs.p50, 2)} p99 ${f(c.latencyMs.p99, 1)} ms`,
      );
    } finally {
      stalling.stop();
    }
    for (const r of rows) console.log(r);
    const ok = Math.abs((o2000.achievedRps ?? 0) / 2000 - 1) <= 0.05;
    console.log(`goal (achieved within 5% of 2,000/s): ${ok ? 'met' : 'NOT met'}`);
  } finally {
    server.stop();
  }
}

await main();
