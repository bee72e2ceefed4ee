// Overload protection of the router's concurrency limits, in one run: a real upstream of known
// capacity (CAPACITY at once, SERVICE_MS each, the rest queued at the upstream) behind the router
// (each in its own process), driven at 3× its capacity by the open-loop generator
// (src/verify/load/open-loop.ts, latency from each request's scheduled time). For each limit
// setting: WARM_S of overload (not counted: an adaptive limit learns), then MEASURE_S measured.
// Admitted requests' p99 (2xx only) against the unloaded p99 (25% of capacity, no limit), and
// goodput (2xx per second) as a share of capacity. A fresh upstream and router per setting, so
// one setting's backlog does not reach the next.
//   node --import tsx bench/router/adaptive-overload.ts [--warm 5] [--measure 10]
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { runOpenLoop } from '../../src/verify/load/open-loop';
import { ReplayClient } from '../../src/verify/replay/replay-client';

const CAPACITY = 20;
const SERVICE_MS = 50;
const CAPACITY_RPS = (CAPACITY * 1000) / SERVICE_MS;
const OVERLOAD = 3;
/** What a client waits before it gives up (an answer after this is lost work). */
const CLIENT_TIMEOUT_MS = 2_000;

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const WARM_S = arg('warm', 5);
const MEASURE_S = arg('measure', 10);

const upstreamScript = fileURLToPath(new URL('../../src/router/testing/capacity-upstream.ts', import.meta.url));
const routerScript = fileURLToPath(new URL('./limited-router-server.ts', import.meta.url));

interface Child {
  port: number;
  child: ChildProcess;
  stderr: string[];
}

function start(script: string, args: string[]): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}: ${stderr.join('\n')}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => resolve({ port: (JSON.parse(line) as { port: number }).port, child, stderr }));
  });
}

function stop(c: Child): Promise<void> {
  return new Promise((done) => {
    if (c.child.exitCode !== null || c.child.signalCode !== null) return done();
    c.child.removeAllListeners('exit');
    c.child.once('exit', () => done());
    c.child.kill('SIGKILL');
  });
}

function* evenArrivals(rps: number, seconds: number): Generator<number> {
  const n = Math.round(rps * seconds);
  for (let i = 0; i < n; i++) yield (i * 1000) / rps;
}

interface Phase {
  ok: number;
  refused: number;
  failed: number;
  okLatencies: number[];
  /** From the first send until every request settled, ms. */
  elapsedMs: number;
}

/** Drives `url` at `rps` for `seconds`; counts 2xx (with latency), 503s (and whether they carry Retry-After), failures. */
async function drive(url: string, rps: number, seconds: number): Promise<Phase> {
  const client = new ReplayClient(url, { timeoutMs: CLIENT_TIMEOUT_MS, keepBodies: false, maxSockets: 4_000 });
  const p: Phase = { ok: 0, refused: 0, failed: 0, okLatencies: [], elapsedMs: 0 };
  try {
    const loop = await runOpenLoop({
      arrivals: evenArrivals(rps, seconds),
      maxInFlight: 10_000,
      spinMs: 0,
      send: async (_i, scheduledAtMs) => {
        const r = await client.send('GET', '/', scheduledAtMs);
        if (r.status >= 200 && r.status < 300 && r.latencyMs <= CLIENT_TIMEOUT_MS) {
          p.ok++;
          p.okLatencies.push(r.latencyMs);
        } else if (r.status === 503 || r.status === 429) p.refused++;
        else p.failed++;
      },
    });
    p.elapsedMs = loop.elapsedMs;
  } finally {
    client.close();
  }
  return p;
}

/** One request on its own connection (ReplayClient keeps no headers): its status and Retry-After. */
async function sampleRefusal(port: number): Promise<{ status: number; retryAfter?: string }> {
  const http = await import('node:http');
  return new Promise((resolve) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: CLIENT_TIMEOUT_MS }, (res) => {
        res.resume();
        const ra = res.headers['retry-after'];
        resolve({ status: res.statusCode ?? 0, retryAfter: typeof ra === 'string' ? ra : undefined });
      })
      .on('error', () => resolve({ status: 0 }))
      .on('timeout', function (this: import('node:http').ClientRequest) {
        this.destroy();
      });
  });
}

function p99(xs: number[]): number {
  // Nearest rank.
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] : NaN;
}

interface Setting {
  name: string;
  route: Record<string, unknown>;
}

const settings: Setting[] = [
  { name: 'adaptive (defaults; queue sqrt(limit))', route: { concurrency: { adaptive: {} } } },
  {
    name: 'adaptive, tolerance 1.2',
    route: { concurrency: { adaptive: { tolerance: 1.2 } } },
  },
  { name: 'static, README example (max 256, queue 64)', route: { concurrency: { max: 256, queue: 64, queueTimeoutMs: 1_000 } } },
  // What an operator who knew the capacity exactly would set (queue as the adaptive default's).
  { name: 'static at capacity (max 20, queue 5)', route: { concurrency: { max: CAPACITY, queue: 5, queueTimeoutMs: 1_000 } } },
  { name: 'no limit', route: {} },
];

async function withRouter<T>(route: Record<string, unknown>, run: (port: number, router: Child) => Promise<T>): Promise<T> {
  const upstream = await start(upstreamScript, [String(CAPACITY), String(SERVICE_MS)]);
  const router = await start(routerScript, [`http://127.0.0.1:${upstream.port}`, JSON.stringify(route)]);
  try {
    return await run(router.port, router);
  } finally {
    await stop(router);
    await stop(upstream);
  }
}

const unloaded = await withRouter({}, async (port) => {
  await drive(`http://127.0.0.1:${port}`, CAPACITY_RPS / 4, 1);
  return drive(`http://127.0.0.1:${port}`, CAPACITY_RPS / 4, 5);
});
const unloadedP99 = p99(unloaded.okLatencies);
const unloadedP50 = [...unloaded.okLatencies].sort((a, b) => a - b)[Math.floor(unloaded.okLatencies.length / 2)];
process.stderr.write(`unloaded (${CAPACITY_RPS / 4}/s): p99 ${unloadedP99.toFixed(1)} ms over ${unloaded.ok} requests\n`);

const rows: string[] = [];
for (const s of settings) {
  const r = await withRouter(s.route, async (port, router) => {
    const url = `http://127.0.0.1:${port}`;
    await drive(url, CAPACITY_RPS * OVERLOAD, WARM_S);
    // Beside the generator, bursts of 10 requests every 500 ms: do the 503s carry Retry-After?
    const sampled = { refused: 0, withRetryAfter: 0 };
    let measuring = true;
    const [m] = await Promise.all([
      drive(url, CAPACITY_RPS * OVERLOAD, MEASURE_S).finally(() => (measuring = false)),
      (async () => {
        while (measuring) {
          for (const r of await Promise.all(Array.from({ length: 10 }, () => sampleRefusal(port)))) {
            if (r.status !== 503) continue;
            sampled.refused++;
            if (Number(r.retryAfter) >= 1) sampled.withRetryAfter++;
          }
          await new Promise((d) => setTimeout(d, 500));
        }
      })(),
    ]);
    const limits = router.stderr.flatMap((l) => (l.startsWith('{"limit"') ? [(JSON.parse(l) as { limit: number }).limit] : [])).slice(-MEASURE_S);
    return { m, sampled, limits };
  });
  const sent = r.m.ok + r.m.refused + r.m.failed;
  // Per second of the phase until its last answer: requests admitted near its end still count.
  const goodput = (r.m.ok * 1000) / r.m.elapsedMs / CAPACITY_RPS;
  const admittedP99 = p99(r.m.okLatencies);
  const sorted = [...r.limits].sort((a, b) => a - b);
  // Median of the per-second readings, and the lowest (a probe halves the limit for a few windows).
  const limits = sorted.length ? `${sorted[Math.floor(sorted.length / 2)]} (min ${sorted[0]})` : '—';
  const p99Text = r.m.ok ? `${admittedP99.toFixed(0)} ms | ${(admittedP99 / unloadedP99).toFixed(2)}×` : 'none admitted in time | —';
  rows.push(
    `| ${s.name} | ${limits} | ${p99Text} | ${(goodput * 100).toFixed(1)}% | ${((r.m.refused / sent) * 100).toFixed(1)}% | ${((r.m.failed / sent) * 100).toFixed(1)}% | ${r.sampled.refused ? `${r.sampled.withRetryAfter}/${r.sampled.refused}` : '—'} |`,
  );
  process.stderr.write(`${s.name}: ${JSON.stringify({ ok: r.m.ok, refused: r.m.refused, failed: r.m.failed, limits: r.limits })}\n`);
}

console.log(`Upstream: ${CAPACITY} at once × ${SERVICE_MS} ms = ${CAPACITY_RPS} req/s; offered ${OVERLOAD}× = ${CAPACITY_RPS * OVERLOAD} req/s open-loop,`);
console.log(
  `client timeout ${CLIENT_TIMEOUT_MS} ms; ${WARM_S} s warm-up then ${MEASURE_S} s measured per setting; unloaded p50 ${unloadedP50.toFixed(1)} ms, p99 ${unloadedP99.toFixed(1)} ms (${CAPACITY_RPS / 4} req/s, no limit).`,
);
console.log(`Machine: ${os.cpus().length} cores ${os.cpus()[0]?.model ?? ''}, load ${os.loadavg()[0].toFixed(1)} at the end.\n`);
console.log(
  '| limit | limit in force, median (min) | admitted p99 | vs unloaded p99 | goodput / capacity | refused (503) | failed (timeout, error) | sampled 503s with Retry-After |',
);
console.log(
  '| ----- | ---------------------------- | ------------ | --------------- | ------------------ | ------------- | ----------------------- | ----------------------------- |',
);
for (const r of rows) console.log(r);
process.exit(0);
