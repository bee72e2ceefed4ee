/**
 * What the rollout end-to-end tests share: a real server (SQLite or PostgreSQL), a real router
 * on a free port, the example shop service as real processes, steady user traffic, and the
 * clean-up of every process started.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { REPO_ROOT, startTestServer, type TestServer } from '../testing/harness';
import type { StoreKind } from '../testing/postgres';
import { HOOKS, type EmbeddedRouter } from '../core/hooks';
import { LoadGenerator } from '../demo/load-generator';
import type { RolloutSpecInput } from './rollout-spec';
import type { StatusView } from './rollout-status';
import { rolloutRuntime } from './capability';
import { freePort } from '../targets/http-probe';

export interface RolloutFixture {
  s: TestServer;
  router: EmbeddedRouter;
  load: LoadGenerator;
  apply(spec: Partial<RolloutSpecInput>, name?: string): Promise<void>;
  status(service?: string): Promise<StatusView>;
  /** Polls until `cond` holds on the status, or fails after `timeoutMs`. */
  until(cond: (s: StatusView) => boolean, timeoutMs?: number, service?: string): Promise<StatusView>;
  close(): Promise<void>;
}

/** An availability SLO of the shop on pushed series, as a team would declare it in OpenSLO. */
export const SHOP_SLO = `apiVersion: openslo/v1
kind: SLO
metadata: {name: shop-availability}
spec:
  service: shop
  indicator:
    metadata: {name: shop-requests}
    spec:
      ratioMetric:
        counter: false
        good: {metricSource: {type: shipgate, spec: {series: shop.good}}}
        total: {metricSource: {type: shipgate, spec: {series: shop.total}}}
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
`;

export const TEST_ROLLOUT_OPTIONS = { tickMs: 50, leaseMs: 1500, stopInstancesOnShutdown: true, baseDir: REPO_ROOT, superviseEveryMs: 100 };

export function baseSpec(over: Partial<RolloutSpecInput> = {}): RolloutSpecInput {
  return {
    service: 'shop',
    environment: 'production',
    route: 'shop',
    target: {
      type: 'process',
      command: ['node', 'examples/shop/server.js'],
      replicas: 2,
      readiness: { httpGet: '/healthz', timeout: '15s' },
      gracePeriod: '1s',
      maxRestarts: 2,
    },
    strategy: {
      canary: {
        steps: [
          { setWeight: 30 },
          { analysis: { metrics: [{ name: 'error-rate', max: 0.05 }], interval: '400ms', count: 3, minRequests: 10 } },
          { setWeight: 60 },
        ],
      },
    },
    drain: { quietPeriod: '300ms', maxWait: '3s' },
    ...over,
  };
}

/** Releases in these tests are pre-approved standard changes; the change tests cover approvals. */
export function releaseTemplate(service: string) {
  return {
    apiVersion: 'shipgate.dev/v1',
    kind: 'StandardChangeTemplate',
    metadata: { name: `${service}-releases` },
    spec: { services: [service], environments: ['*'], kinds: ['code', 'config'], maxRisk: 'critical' },
  };
}

export async function startRolloutFixture(
  store: StoreKind = 'sqlite',
  opts: { ratePerSecond?: number; options?: Record<string, unknown> } = {},
): Promise<RolloutFixture> {
  // The server's own in-process router (`--router`), on a port picked here so users know where to go.
  // A port found free can be taken before the router binds it (tests run in parallel): try another.
  let started: TestServer | undefined;
  for (let attempt = 1; !started; attempt++) {
    const routerAddr = `127.0.0.1:${await freePort()}`;
    try {
      started = await startTestServer({ store, router: routerAddr, options: { rollout: TEST_ROLLOUT_OPTIONS, router: { flushMs: 200 }, ...opts.options } });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 5) throw e;
    }
  }
  const s = started;
  const router = await s.server.ctx.services.get(HOOKS.embeddedRouter)!.ensure('127.0.0.1:0', { flushMs: 200 });
  const load = new LoadGenerator(router.url, { ratePerSecond: opts.ratePerSecond ?? 30, users: 200, timeoutMs: 10_000 });
  const dir = mkdtempSync(join(tmpdir(), 'sg-rollout-e2e-'));
  // Instances are detached (they outlive a killed server by design); a test process that ends
  // without its after() hooks still takes them along.
  const onExit = () => stopRecordedInstances(join(s.dataDir, 'instances'));
  process.once('exit', onExit);
  const f: RolloutFixture = {
    s,
    router,
    load,
    async apply(spec, name = 'shop-production') {
      const file = join(dir, `${name}.yaml`);
      const full = baseSpec(spec);
      // The service must be in the catalog: releases are changes, and changes name catalogued services.
      const service = { apiVersion: 'shipgate.dev/v1', kind: 'Service', metadata: { name: full.service }, spec: { owner: 'team-shop', tier: 2 } };
      writeFileSync(
        file,
        [
          stringify(service),
          stringify(releaseTemplate(full.service)),
          stringify({ apiVersion: 'shipgate.dev/v1', kind: 'Rollout', metadata: { name }, spec: full }),
        ].join('---\n'),
      );
      const r = await s.cli(['apply', '-f', file]);
      if (r.code !== 0) throw new Error(`apply failed: ${r.stderr}`);
    },
    async status(service = 'shop') {
      const res = await s.fetch(`/api/v1/rollouts/${service}/status`);
      return (await res.json()) as StatusView;
    },
    async until(cond, timeoutMs = 60_000, service = 'shop') {
      const end = Date.now() + timeoutMs;
      let last: StatusView | undefined;
      while (Date.now() < end) {
        last = await f.status(service);
        if (cond(last)) return last;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(
        `condition not met within ${timeoutMs} ms; last status: ${JSON.stringify(last?.run && { phase: last.run.phase, step: last.run.step, rollback: last.run.rollback, lastError: last.run.lastError })}`,
      );
    },
    async close() {
      await load.stop();
      await router.close();
      await rolloutRuntime(s.server.ctx).stop();
      stopRecordedInstances(join(s.dataDir, 'instances'));
      process.off('exit', onExit);
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return f;
}

/** Kills every instance a process target recorded under `dir` (left over by a killed server). */
export function stopRecordedInstances(dir: string): number {
  let n = 0;
  let subdirs: string[] = [];
  try {
    subdirs = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const sub of subdirs) {
    for (const f of readdirSync(join(dir, sub))) {
      if (!f.endsWith('.json')) continue;
      try {
        for (const e of JSON.parse(readFileSync(join(dir, sub, f), 'utf8')) as { pid: number }[]) {
          // An intent entry has pid 0: kill(-0) would signal this test's own process group.
          if (!(e.pid > 0)) continue;
          try {
            process.kill(-e.pid, 'SIGKILL');
            n++;
          } catch {
            /* gone */
          }
        }
      } catch {
        /* unreadable */
      }
    }
  }
  return n;
}
