/**
 * `shipgate loadtest` rate accuracy and overhead: the whole command (through `main`, `-o json`) at
 * 1,000 and 5,000 requests/s for 10 s each against a loopback node http server in its own process
 * (so the generator's process is measured alone: its CPU time is process.cpuUsage over the run),
 * then `wrk` on the same target in the same run. wrk is closed-loop (Debian's wrk has no -R): it
 * sends as fast as its connections are answered, so its figure is the target's capacity, not a
 * rate it was asked for. Prints the figures; bench/RESULTS.md is written by hand from them.
 * Bounded (< 90 s).
 *
 * Each rate runs twice: spinning the last millisecond before a send (default) and `--no-spin`.
 *
 *   node --import tsx bench/verify/loadtest-rate.ts [--seconds 10] [--wrk-connections 32]
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { main } from '../../src/cli/main';
import type { LoadtestSummary } from '../../src/verify/load/loadtest-output';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    'wrk-connections': { type: 'string', default: '32' },
  },
});
const SECONDS = Math.min(10, Number(args.seconds));
const WRK_CONNECTIONS = Number(args['wrk-connections']);

const SERVER = `
const http = require('node:http');
const s = http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"ok":true}'); });
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port) + '\\n'));
`;

async function startServer(): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) => child.stdout!.once('data', (d) => resolve(String(d).trim())));
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

async function loadtest(url: string, rate: number, spin: boolean, seconds = SECONDS): Promise<LoadtestSummary> {
  let out = '';
  let err = '';
  const code = await main(['loadtest', url, '--rate', `${rate}/s`, '--duration', `${seconds}s`, '-o', 'json', ...(spin ? [] : ['--no-spin'])], {
    stdout: (s) => (out += s),
    stderr: (s) => (err += s),
    env: {},
    cwd: process.cwd(),
    isTTY: false,
  });
  if (code !== 0) throw new Error(`loadtest exit ${code}: ${err}`);
  return JSON.parse(out) as LoadtestSummary;
}

/** wrk's own report: requests/s and latency percentiles (ms), and its CPU seconds from /usr/bin/time. */
function wrk(url: string): { rps: number; p50: string; p99: string; cpuS: number; raw: string } {
  const r = spawnSync('/usr/bin/time', ['-f', 'CPU %U %S', 'wrk', '-t2', `-c${WRK_CONNECTIONS}`, `-d${SECONDS}s`, '--latency', url], { encoding: 'utf8' });
  const text = r.stdout + r.stderr;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? Number.NaN);
  const p = (q: string) => new RegExp(`\\s${q}%\\s+([\\d.]+\\w+)`).exec(text)?.[1] ?? '-';
  const cpu = /CPU ([\d.]+) ([\d.]+)/.exec(text);
  return { rps, p50: p('50'), p99: p('99'), cpuS: cpu ? Number(cpu[1]) + Number(cpu[2]) : Number.NaN, raw: text };
}

const row = (label: string, s: LoadtestSummary) => {
  const cpuS = (s.client.cpuMs.user + s.client.cpuMs.system) / 1000;
  const windowS = s.durationMs / 1000;
  return `| ${label} | ${s.targetRps}/s | ${s.achievedRps.toFixed(1)}/s (${(((s.achievedRps - s.targetRps!) / s.targetRps!) * 100).toFixed(2)} %) | ${s.requests} | ${s.errors} / ${s.counts.dropped} | ${s.client.sendLagMs.p50.toFixed(3)} / ${s.client.sendLagMs.p99.toFixed(3)} ms | ${s.latencyMs.p50.toFixed(2)} / ${s.latencyMs.p99.toFixed(2)} ms | ${s.client.peakInFlight} | ${cpuS.toFixed(2)} s (${(cpuS / windowS).toFixed(2)} core) |`;
};

const server = await startServer();
console.log(
  `# ${cpus().length} × ${cpus()[0]?.model}, load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}; ${SECONDS} s per run`,
);
console.log('| run | target | achieved | requests | errors / dropped | send lag p50 / p99 | latency p50 / p99 | peak in flight | generator CPU |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
try {
  // A short warm-up: JIT and the first connections, not measured.
  await loadtest(server.url, 500, true, 1).catch(() => undefined);
  for (const rate of [1000, 5000])
    for (const spin of [true, false]) console.log(row(`loadtest ${rate}/s${spin ? '' : ' --no-spin'}`, await loadtest(server.url, rate, spin)));
  const w = wrk(server.url);
  console.log(
    `| wrk -t2 -c${WRK_CONNECTIONS} (closed loop, not rate-limited) | - | ${w.rps.toFixed(1)}/s | ${Math.round(w.rps * SECONDS)} | - | - | ${w.p50} / ${w.p99} | ${WRK_CONNECTIONS} | ${w.cpuS.toFixed(2)} s (${(w.cpuS / SECONDS).toFixed(2)} core) |`,
  );
  console.log(
    `# load after: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
} finally {
  server.stop();
}
