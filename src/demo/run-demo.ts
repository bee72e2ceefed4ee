import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ApiClient } from '../cli/api-client';
import { renderTable } from '../cli/table';
import { startServer, type RunningServer } from '../server';
import { formatDurationMs } from '../core/duration';
import { HOOKS, type EmbeddedRouter } from '../core/hooks';
import type { RunView, StatusView } from '../rollout/rollout-status';
import { LoadGenerator } from './load-generator';
import { freePort } from '../targets/http-probe';
import { evidenceLines, summariseRelease, summaryRows, tallyDelta, type ReleaseSummary } from './demo-summary';

export interface DemoOptions {
  /** Router address users reach, e.g. 127.0.0.1:8080 (port 0 = any free port). */
  router: string;
  /** API address, default any free port. */
  listen: string;
  /** Data folder; default a new temporary folder, removed at the end. */
  dataDir?: string;
  ratePerSecond: number;
  users: number;
  /** Repository root, where examples/ lives. */
  repoDir: string;
  out: (line: string) => void;
  /** Stop after the summary instead of serving until interrupted. */
  exit: boolean;
}

export interface DemoResult {
  releases: ReleaseSummary[];
  routerUrl: string;
  apiUrl: string;
  durationMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `shipgate demo`: a server on SQLite, a router, the shop service, steady user traffic, then a
 * good release (v2, promoted) and a bad one (v3, rolled back automatically), with live progress
 * and a closing summary.
 */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const started = Date.now();
  const dataDir = o.dataDir ? resolve(o.dataDir) : mkdtempSync(join(tmpdir(), 'shipgate-demo-'));
  o.out(`starting Shipgate (SQLite in ${dataDir})…`);
  let server: RunningServer | undefined;
  let router: EmbeddedRouter | undefined;
  let load: LoadGenerator | undefined;
  const cleanup = async () => {
    await load?.stop();
    await router?.close();
    await server?.close();
    if (!o.dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const routerAddr = o.router.endsWith(':0') ? `${o.router.slice(0, -2)}:${await freePort()}` : o.router;
    server = await startServer({
      listen: o.listen,
      dataDir,
      databaseUrl: `sqlite:${join(dataDir, 'shipgate.db')}`,
      router: routerAddr,
      logLevel: 'silent',
      // The demo's shop, router and receivers all listen on loopback.
      options: { rollout: { tickMs: 100, stopInstancesOnShutdown: true, baseDir: o.repoDir }, router: { flushMs: 1000 }, egress: { allowLoopback: true } },
    });
    router = await embeddedRouter(server).ensure(routerAddr, { flushMs: 1000 });
    const api = new ApiClient(server.url, server.adminToken);
    o.out(`server ${server.url}   router ${router.url}`);
    await api.post('/api/v1/apply', { files: [{ name: 'examples/shop/shop.yaml', content: await readExample(o.repoDir) }] });

    o.out('release v1 (first release: straight to full traffic)…');
    await release(api, 'v1', o.out);
    load = new LoadGenerator(router.url, { ratePerSecond: o.ratePerSecond, users: o.users, timeoutMs: 5000 });
    load.start();
    o.out(`load: ${o.ratePerSecond} requests/s from ${o.users} simulated users`);
    await sleep(2000);

    const releases: ReleaseSummary[] = [];
    for (const version of ['v2', 'v3']) {
      const before = load.snapshot().byVersion;
      o.out(`\nrelease ${version} (canary)…`);
      const run = await release(api, version, o.out, load);
      await sleep(500);
      releases.push(summariseRelease(run, tallyDelta(before, load.snapshot().byVersion)));
    }
    await load.stop();
    const t = summaryRows(releases);
    o.out('\n' + renderTable(t.headers, t.rows).trimEnd());
    o.out('\nwhat the judge saw (sequential analysis, canary against the baseline serving beside it):');
    for (const line of evidenceLines(releases)) o.out(`  ${line}`);
    const result: DemoResult = { releases, routerUrl: router.url, apiUrl: server.url, durationMs: Date.now() - started };
    o.out(`demo took ${formatDurationMs(result.durationMs)}`);
    if (!o.exit) {
      o.out(`\nstill running: send traffic to ${router.url} (header x-user-id), watch \`shipgate rollout status shop --watch --server ${server.url}\``);
      o.out(`admin token: ${server.adminTokenFile ?? join(dataDir, 'admin.token')}; Ctrl-C to stop`);
      await new Promise<void>((r) => {
        process.once('SIGINT', () => r());
        process.once('SIGTERM', () => r());
      });
    }
    return result;
  } finally {
    await cleanup();
  }
}

/** The router capability's embedded starter: the demo's users reach the server's routes through it. */
function embeddedRouter(server: RunningServer) {
  const starter = server.ctx.services.get(HOOKS.embeddedRouter);
  if (!starter) throw new Error('the router capability is not installed: the demo needs its embedded router');
  return starter;
}

async function readExample(repoDir: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return readFile(join(repoDir, 'examples', 'shop', 'shop.yaml'), 'utf8');
}

/** Starts a release and prints its progress until it ends. */
async function release(api: ApiClient, version: string, out: (l: string) => void, load?: LoadGenerator): Promise<RunView> {
  const { run } = await api.post<{ run: RunView }>('/api/v1/releases', { service: 'shop', environment: 'production', version });
  let last = '';
  let lastLive = 0;
  for (let i = 0; i < 1200; i++) {
    const s = await api.get<StatusView>('/api/v1/rollouts/shop/status', { environment: 'production' });
    const r = s.run!;
    const line =
      r.phase === 'rollingBack'
        ? `  rolling back: ${r.rollback?.reason} — ${r.rollback?.message}`
        : r.step && r.phase !== 'completed' && r.phase !== 'rolledBack'
          ? `  step ${r.step.index + 1}/${r.steps.length} ${r.step.label}${r.step.message ? `: ${r.step.message}` : ''}`
          : '';
    if (line && line !== last) out(line);
    last = line;
    if (load && Date.now() - lastLive > 3000 && r.phase !== 'completed' && r.phase !== 'rolledBack') {
      lastLive = Date.now();
      const split = (s.traffic ?? []).map((t) => `${t.version} ${t.weightPercent}%`).join(' / ');
      const seen = Object.entries(load.snapshot().byVersion)
        .map(([v, t]) => `${v}: ${t.requests} req, ${t.errors} err`)
        .join('; ');
      out(`    traffic ${split}   users so far: ${seen}`);
    }
    if (r.id === run.id && (r.phase === 'completed' || r.phase === 'rolledBack')) {
      out(
        r.phase === 'completed'
          ? `  ${version} released: all traffic on ${version}`
          : `  ${version} rolled back: all traffic on ${r.fromVersion} (in ${formatDurationMs(r.rollback!.trafficRestoredAtMs! - r.rollback!.decidedAtMs)} after the decision)`,
      );
      return r;
    }
    await sleep(250);
  }
  throw new Error(`release ${version} did not finish in time`);
}
