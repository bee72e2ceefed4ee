/**
 * Chaos experiments end to end: a real server with its in-process router, the example shop
 * service as two real processes (stable and canary) behind it, steady traffic from the load
 * generator, and `shipgate experiment run` through the CLI. Proves: a tolerated latency fault
 * passes and leaves no fault; an abort fault that breaks the hypothesis is caught within one probe
 * interval and rolled back; a hypothesis not met before injects nothing; production is refused
 * without allowProduction and without a change.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { HOOKS } from '../../core/hooks';
import { SHIPGATE_API_VERSION } from '../../core/kinds';
import type { RouteTableSpec } from '../../router/route-table';
import { startRolloutFixture, type RolloutFixture } from '../../rollout/e2e-fixture';
import { startShop, type ShopProcess } from './testing/shop-process';
import type { viewOf } from './experiment-routes';

type RunView = ReturnType<typeof viewOf>;

const PROBES = [
  { name: 'canary-errors', canary: { route: 'shop', version: 'canary', baseline: 'stable', maxErrorRateOverBaseline: 0.05, minRequests: 5 } },
  { name: 'storefront', synthetic: { check: 'storefront' } },
];

describe('chaos experiments against the shop behind the router', () => {
  let f: RolloutFixture;
  let shops: ShopProcess[];
  let dir: string;

  const apply = async (docs: unknown[], token?: string) => {
    const file = join(dir, `m${Math.random().toString(16).slice(2)}.yaml`);
    writeFileSync(file, docs.map((d) => stringify(d)).join('---\n'));
    return f.s.cli(['apply', '-f', file], token ? { token } : {});
  };
  const experiment = (name: string, spec: Record<string, unknown>) => ({ apiVersion: SHIPGATE_API_VERSION, kind: 'Experiment', metadata: { name }, spec });
  const shopRoute = async () => {
    const t = await f.s.server.ctx.resources.get<RouteTableSpec>(SHIPGATE_API_VERSION, 'RouteTable', 'shop-routes');
    return t!.manifest.spec.routes.find((r) => r.name === 'shop')!;
  };
  /** The route as the in-process router serves it now (faults included). */
  const served = () =>
    (f.s.server.ctx.services
      .get(HOOKS.inProcessRouter)!
      .current()
      .spec.routes.find((r) => r.name === 'shop') as unknown as RouteTableSpec['routes'][number]) ?? assert.fail('no shop route served');
  const canaryStatuses = async (n: number) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const res = await fetch(`${f.router.url}/products`, { headers: { 'x-shipgate-version': 'canary' } });
      await res.arrayBuffer();
      out.push(res.status);
    }
    return out;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sg-chaos-e2e-'));
    f = await startRolloutFixture('sqlite', { ratePerSecond: 40 });
    shops = await Promise.all([startShop('v1'), startShop('v2')]);
    const r = await apply([
      { apiVersion: SHIPGATE_API_VERSION, kind: 'Service', metadata: { name: 'shop' }, spec: { owner: 'team-shop', tier: 2 } },
      { apiVersion: SHIPGATE_API_VERSION, kind: 'Environment', metadata: { name: 'staging' }, spec: { kind: 'staging' } },
      {
        apiVersion: SHIPGATE_API_VERSION,
        kind: 'RouteTable',
        metadata: { name: 'shop-routes' },
        spec: {
          routes: [
            {
              name: 'shop',
              versionHeader: true,
              backends: [
                { version: 'stable', weight: 50, instances: [shops[0].url] },
                { version: 'canary', weight: 50, instances: [shops[1].url] },
              ],
            },
          ],
        },
      },
      {
        apiVersion: SHIPGATE_API_VERSION,
        kind: 'SyntheticCheck',
        metadata: { name: 'storefront' },
        spec: {
          service: 'shop',
          steps: [{ name: 'products', request: { path: '/products', headers: { 'x-shipgate-version': 'stable' } }, assert: [{ status: 200 }] }],
          schedule: { every: '1h', environment: 'staging', target: f.router.url },
        },
      },
    ]);
    assert.equal(r.code, 0, r.stderr);
    f.load.start();
    // Wait until the router serves the table and its buckets reach the metrics store.
    const metrics = f.s.server.ctx.services.get(HOOKS.metrics)!;
    for (let i = 0; ; i++) {
      const w = await metrics.routerWindow({ route: 'shop', version: 'canary', fromMs: Date.now() - 60_000, toMs: Date.now() + 10_000 });
      if (w.requests >= 10) break;
      if (i > 200) assert.fail('no router traffic reached the metrics store');
      await new Promise((res) => setTimeout(res, 100));
    }
  });
  after(async () => {
    await f?.close();
    await Promise.all((shops ?? []).map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  test('(1) a latency fault the hypothesis tolerates: exit 0, journal of every probe and action, no fault left', async () => {
    const applied = await apply([
      experiment('slow-canary', {
        service: 'shop',
        hypothesis: { title: 'canary errors stay at the baseline', probes: PROBES },
        method: [{ name: 'slow-canary', fault: { route: 'shop', version: 'canary', delay: { percent: 50, delayMs: 100 } } }],
        probeInterval: '500ms',
        duration: '3s',
      }),
    ]);
    assert.equal(applied.code, 0, applied.stderr);
    const t0 = Date.now();
    const r = await f.s.cli(['experiment', 'run', 'slow-canary', '-o', 'json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const run = JSON.parse(r.stdout) as RunView;
    assert.equal(run.status, 'completed');
    assert.equal(run.environment, 'staging');
    const phases = (phase: string, type = 'probe') => run.journal.filter((e) => e.phase === phase && e.type === type);
    assert.equal(phases('before').length, 2, 'both probes before the method');
    assert.ok(phases('during').length >= 2 * 3, `probes every 500ms during 3s, saw ${phases('during').length}`);
    assert.equal(phases('after').length, 2);
    assert.ok([...phases('before'), ...phases('during'), ...phases('after')].every((e) => e.ok));
    const action = run.journal.find((e) => e.type === 'action')!;
    assert.match(action.detail, /delay 100ms on 50%/);
    assert.ok(run.journal.some((e) => e.type === 'rollback' && e.ok && e.detail === 'fault removed'));
    assert.ok(Date.now() - t0 >= 3_000, 'the method ran for its duration');
    assert.deepEqual(run.faults, []);
    assert.equal((await shopRoute()).backends[1].fault, undefined, 'no fault stored');
    assert.equal(served().backends[1].fault, undefined, 'no fault served');
    // The journal is the server's: `show` prints the same run; `list` names it.
    const shown = await f.s.cli(['experiment', 'show', run.id, '-o', 'json']);
    assert.deepEqual(JSON.parse(shown.stdout), run);
    const list = await f.s.cli(['experiment', 'list', '--experiment', 'slow-canary']);
    assert.match(list.stdout, new RegExp(`${run.id}\\s+slow-canary\\s+shop\\s+staging\\s+completed`));
    const audit = await f.s.server.ctx.audit.list(f.s.server.ctx.db, { kind: 'Experiment', name: 'slow-canary' });
    assert.deepEqual(
      audit.map((e) => e.action).filter((a) => a.startsWith('experiment.')),
      ['experiment.start', 'experiment.end'],
    );
  });

  test('(2) an abort fault that breaks the hypothesis: caught within one probe interval, rolled back, exit 1', async () => {
    await apply([
      experiment('failing-canary', {
        service: 'shop',
        hypothesis: { probes: PROBES },
        method: [{ name: 'abort-canary', fault: { route: 'shop', version: 'canary', abort: { percent: 50, status: 503 } } }],
        probeInterval: '1s',
        duration: '30s',
      }),
    ]);
    const t0 = Date.now();
    const r = await f.s.cli(['experiment', 'run', 'failing-canary']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /DEVIATED: hypothesis deviated during the method \(canary-errors: error rate/);
    assert.ok(Date.now() - t0 < 15_000, 'stopped long before the 30s duration');
    const id = /started (exp_[0-9a-f]+)/.exec(r.stdout)![1];
    const run = JSON.parse((await f.s.cli(['experiment', 'show', id, '-o', 'json'])).stdout) as RunView;
    const action = run.journal.find((e) => e.type === 'action')!;
    const failed = run.journal.find((e) => e.phase === 'during' && !e.ok)!;
    const rollback = run.journal.find((e) => e.type === 'rollback')!;
    const at = (e: { at: string }) => Date.parse(e.at);
    assert.ok(at(failed) - at(action) <= 1_000 + 300, `the first probe round after the fault caught it (${at(failed) - at(action)}ms)`);
    assert.ok(at(rollback) - at(failed) < 1_000, 'rolled back at once');
    assert.ok(failed.values!.errorRate! > 0.05);
    assert.equal(run.journal.filter((e) => e.phase === 'after').length, 0, 'no after-probes once deviated');
    assert.equal((await shopRoute()).backends[1].fault, undefined);
    assert.ok(
      (await canaryStatuses(30)).every((s) => s === 200),
      'the canary serves without the fault',
    );
    const audit = await f.s.server.ctx.audit.list(f.s.server.ctx.db, { kind: 'Experiment', name: 'failing-canary' });
    assert.deepEqual(
      audit.map((e) => e.action).filter((a) => a.startsWith('experiment.')),
      ['experiment.start', 'experiment.abort', 'experiment.end'],
    );
  });

  test('a hypothesis not met before the method: exit 1, nothing injected', async () => {
    const before = await f.s.server.ctx.audit.list(f.s.server.ctx.db, { kind: 'RouteTable' });
    await apply([
      experiment('no-steady-state', {
        service: 'shop',
        hypothesis: { probes: [{ name: 'availability', slo: { name: 'no-such-slo', maxBurnRate: 1 } }] },
        method: [{ name: 'abort-canary', fault: { route: 'shop', version: 'canary', abort: { percent: 100, status: 503 } } }],
      }),
    ]);
    const r = await f.s.cli(['experiment', 'run', 'no-steady-state', '-o', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const run = JSON.parse(r.stdout) as RunView;
    assert.equal(run.status, 'not-steady');
    assert.match(run.journal[0].detail, /SLO "no-such-slo" not found/);
    assert.equal(run.journal.filter((e) => e.type === 'action').length, 0);
    assert.equal((await f.s.server.ctx.audit.list(f.s.server.ctx.db, { kind: 'RouteTable' })).length, before.length, 'no route change');
  });

  test('(4) production: refused without allowProduction, and with it until a change is approved; then it runs', async () => {
    const spec = (allowProduction: boolean) => ({
      service: 'shop',
      environment: 'production',
      allowProduction,
      // The synthetic probe reads the stable version (the canary's buckets still hold the faults of the tests before).
      hypothesis: { probes: PROBES.slice(1) },
      method: [{ name: 'abort-stable', fault: { route: 'shop', version: 'stable', abort: { percent: 100, status: 503 } } }],
      probeInterval: '500ms',
    });
    await apply([experiment('prod-chaos', spec(false)), experiment('prod-chaos-allowed', spec(true))]);
    const runsBefore = (await f.s.fetch('/api/v1/experiment-runs?limit=200').then((x) => x.json())) as { runs: unknown[] };

    const refused = await f.s.cli(['experiment', 'run', 'prod-chaos']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /environment "production" is not declared .*counts as production.*allowProduction: true/);
    // --env staging overrides: the same Experiment may run in staging.
    const deployer = await f.s.token('deployer', 'dana');
    const noChange = await f.s.cli(['experiment', 'run', 'prod-chaos-allowed'], { token: deployer });
    assert.equal(noChange.code, 2, noChange.stdout);
    assert.match(noChange.stderr, /change request CHG-\d+ .*awaiting approval/);
    const viewer = await f.s.token('viewer', 'vic');
    const res = await f.s.fetch('/api/v1/experiments/prod-chaos-allowed/runs', { method: 'POST', body: '{}', token: viewer });
    assert.equal(res.status, 403, 'a viewer may not run experiments');

    const runsAfter = (await f.s.fetch('/api/v1/experiment-runs?limit=200').then((x) => x.json())) as { runs: unknown[] };
    assert.equal(runsAfter.runs.length, runsBefore.runs.length, 'no run started');
    assert.equal((await shopRoute()).backends[0].fault, undefined, 'nothing injected');
    const audit = await f.s.server.ctx.audit.list(f.s.server.ctx.db, { kind: 'Experiment', name: 'prod-chaos' });
    assert.ok(audit.some((e) => e.action === 'experiment.refuse'));

    // The refusal opened a change request; once a peer approves it, the authorizer allows the
    // run: it goes ahead in production, and its abort fault is caught and rolled back.
    const changeId = /(CHG-\d+)/.exec(noChange.stderr)![1];
    const approver = await f.s.token('approver', 'april');
    const approved = await f.s.fetch(`/api/v1/changes/${changeId}/approve`, { method: 'POST', body: '{}', token: approver });
    assert.equal(approved.status, 200, await approved.text());
    const allowed = await f.s.cli(['experiment', 'run', 'prod-chaos-allowed', '-o', 'json'], { token: deployer });
    assert.equal(allowed.code, 1, allowed.stderr);
    const run = JSON.parse(allowed.stdout) as RunView;
    assert.equal(run.environment, 'production');
    assert.equal(run.status, 'deviated');
    assert.equal(run.actor, 'dana');
    assert.match(run.summary, /storefront: .*503/);
    assert.equal((await shopRoute()).backends[0].fault, undefined, 'rolled back');
    const gate = await f.s.server.ctx.audit.list(f.s.server.ctx.db, {});
    assert.ok(
      gate.some((e) => e.action === 'gate.allow' && (e.details as { run?: string } | null)?.run === run.id),
      'the change was claimed by the run',
    );
  });
});
