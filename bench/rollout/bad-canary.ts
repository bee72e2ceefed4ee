/**
 * The demo's bad release (v3: 5% errors, +150 ms) measured over 10 runs: time from the bad canary
 * first receiving user traffic to all traffic back on stable, and how many user requests got an
 * error from it. Writes bench/results/rollout.md.
 *
 *   node --import tsx bench/rollout/bad-canary.ts [runs]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServer } from '../../src/server';
import { ApiClient } from '../../src/cli/api-client';
import { HOOKS } from '../../src/core/hooks';
import { LoadGenerator } from '../../src/demo/load-generator';
import { freePort } from '../../src/targets/http-probe';
import type { RunView, StatusView } from '../../src/rollout/rollout-status';

const runs = Number(process.argv[2] ?? 10);
const repo = resolve(import.meta.dirname, '..', '..');
const dataDir = mkdtempSync(join(tmpdir(), 'sg-bench-rollout-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitEnd(api: ApiClient, runId: string, timeoutMs: number): Promise<RunView> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const s = await api.get<StatusView>('/api/v1/rollouts/shop/status', { environment: 'production' });
    if (s.run?.id === runId && (s.run.phase === 'completed' || s.run.phase === 'rolledBack')) return s.run;
    await sleep(100);
  }
  throw new Error(`run ${runId} did not end within ${timeoutMs} ms`);
}

const routerAddr = `127.0.0.1:${await freePort()}`;
const server = await startServer({
  listen: '127.0.0.1:0',
  router: routerAddr,
  dataDir,
  databaseUrl: `sqlite:${join(dataDir, 'shipgate.db')}`,
  logLevel: 'silent',
  options: { rollout: { tickMs: 100, stopInstancesOnShutdown: true, baseDir: repo }, router: { flushMs: 1000 } },
});
const router = await server.ctx.services.get(HOOKS.embeddedRouter)!.ensure(routerAddr, { flushMs: 1000 });
const api = new ApiClient(server.url, server.adminToken);
const rows: { run: number; detectMs: number; restoreMs: number; totalMs: number; badRequests: number; badErrors: number; outcome: string }[] = [];
try {
  await api.post('/api/v1/apply', { files: [{ name: 'shop.yaml', content: readFileSync(join(repo, 'examples/shop/shop.yaml'), 'utf8') }] });
  const first = await api.post<{ run: RunView }>('/api/v1/releases', { service: 'shop', version: 'v1' });
  await waitEnd(api, first.run.id, 120_000);
  const load = new LoadGenerator(router.url, { ratePerSecond: 50, users: 500, timeoutMs: 5000 });
  load.start();
  await sleep(2000);
  for (let i = 1; i <= runs; i++) {
    const before = load.snapshot().byVersion.v3 ?? { requests: 0, errors: 0 };
    const { run } = await api.post<{ run: RunView }>('/api/v1/releases', { service: 'shop', version: 'v3' });
    const done = await waitEnd(api, run.id, 120_000);
    await sleep(1500); // responses in flight when traffic moved back
    const after = load.snapshot().byVersion.v3 ?? { requests: 0, errors: 0 };
    const rb = done.rollback;
    const row = {
      run: i,
      detectMs: rb && done.canaryTrafficAtMs ? rb.decidedAtMs - done.canaryTrafficAtMs : NaN,
      restoreMs: rb?.trafficRestoredAtMs ? rb.trafficRestoredAtMs - rb.decidedAtMs : NaN,
      totalMs: rb?.trafficRestoredAtMs && done.canaryTrafficAtMs ? rb.trafficRestoredAtMs - done.canaryTrafficAtMs : NaN,
      badRequests: after.requests - before.requests,
      badErrors: after.errors - before.errors,
      outcome: done.phase + (rb ? ` (${rb.reason})` : ''),
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
  await load.stop();
} finally {
  await router.close();
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
}

const stat = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: q(0.5), p90: q(0.9), max: s[s.length - 1], mean: s.reduce((a, b) => a + b, 0) / s.length };
};
const total = stat(rows.map((r) => r.totalMs));
const errs = stat(rows.map((r) => r.badErrors));
const md = `# Rollout: the demo's bad release, ${rows.length} runs

Date: ${new Date().toISOString().slice(0, 10)}. Machine: ${cpus().length} cores, Node ${process.versions.node}; 1-minute
load average at the end of the run ${loadavg()[0].toFixed(1)} (a loaded machine makes the times pessimistic).

Setup: \`examples/shop/shop.yaml\` (canary: setWeight 20, analysis every 3 s on error rate ≤ 2% and
p50 latency at most 100 ms above stable's over the same window, with at least 20 canary requests),
3 instances per revision, the in-process router
(stats flushed every second), 50 requests/s from 500 users with sticky \`x-user-id\`. Each run releases
v3 (5% errors, +150 ms) over v1. Script: \`node --import tsx bench/rollout/bad-canary.ts\`.

| figure | median | p90 | max | mean |
|---|---|---|---|---|
| bad canary first served → 100% back on stable (ms) | ${total.median} | ${total.p90} | ${total.max} | ${Math.round(total.mean)} |
| user requests that got an error from the bad canary | ${errs.median} | ${errs.p90} | ${errs.max} | ${errs.mean.toFixed(1)} |

| run | outcome | traffic → decision (ms) | decision → stable (ms) | total (ms) | requests to v3 | errors from v3 |
|---|---|---|---|---|---|---|
${rows.map((r) => `| ${r.run} | ${r.outcome} | ${r.detectMs} | ${r.restoreMs} | ${r.totalMs} | ${r.badRequests} | ${r.badErrors} |`).join('\n')}

The decision waits for the first analysis interval (3 s) with enough canary requests; putting
traffic back on stable after the decision is one RouteTable update picked up by the router.
`;
writeFileSync(join(repo, 'bench', 'results', 'rollout.md'), md);
console.log(md);
