/**
 * The post-promotion window with real processes (the example shop behind the in-process router,
 * steady user traffic): after the switch the previous revision stays ready while every instance of
 * the new one is probed directly, its restarts counted, its error rate read and its smoke check run;
 * each failure mode rolls back within the window every time, a healthy release never does.
 * SHIPGATE_POST_PROMOTION_RUNS sets the releases per mode (default 10).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRolloutFixture, type RolloutFixture } from './e2e-fixture';
import type { StatusView } from './rollout-status';

const RUNS = Number(process.env.SHIPGATE_POST_PROMOTION_RUNS ?? 10);
const WINDOW_MS = 4000;

/** Every knob of the shop, cleared: a release's config is merged onto the serving one's. */
const CLEAR = ['SHOP_CRASH_AFTER_MS=', 'SHOP_FAIL_HEALTH_AFTER_MS=', 'SHOP_ERROR_RATE='];
// Which watch sees a failure first depends on timing: a crashed instance shows as users' connection
// errors, a failed probe, a restart or a refused smoke check, whichever comes first; 5% errors as the error rate or, when a
// smoke request draws one of them, the smoke check. Each mode names what may report it.
const RESTARTED = /instance restart\(s\) in the post-promotion window/;
const PROBE = /failed \d health probe\(s\) of \/healthz in a row/;
const ERRORS = /errors in \d+ requests \(.*%\) since promotion, over 1\.0%/;
const SMOKE_500 = /smoke check shop-smoke failed .*status: expected 200, got 500/;
// A crashed instance the smoke check reaches first refuses its connection.
const SMOKE_DOWN = /smoke check shop-smoke failed on instance .*: connect ECONNREFUSED/;
const any = (...rs: RegExp[]) => new RegExp(rs.map((r) => r.source).join('|'));
const MODES: { name: string; set: string[]; message: RegExp }[] = [
  { name: 'crash loop', set: ['SHOP_CRASH_AFTER_MS=900'], message: any(RESTARTED, PROBE, ERRORS, SMOKE_DOWN) },
  { name: 'starts, then exits 1', set: ['SHOP_CRASH_AFTER_MS=2000'], message: any(RESTARTED, PROBE, ERRORS, SMOKE_DOWN) },
  { name: 'readiness never true again', set: ['SHOP_FAIL_HEALTH_AFTER_MS=800'], message: PROBE },
  { name: '5% errors', set: ['SHOP_ERROR_RATE=0.05'], message: any(ERRORS, SMOKE_500) },
];

describe('post-promotion window: rollback of bad promotions, none of healthy ones', () => {
  let f: RolloutFixture;
  let n = 1;
  const release = async (set: string[]) => {
    const version = `v${++n}`;
    const args = ['release', 'shop', '--version', version, ...[...CLEAR, ...set].flatMap((s) => ['--set', s]), '--wait', '--timeout', '60s'];
    const r = await f.s.cli(args);
    return { version, code: r.code, out: r.stdout + r.stderr, status: await f.status() };
  };
  const watchStep = (st: StatusView) => st.run!.steps.find((s) => s.kind === 'watch')!;

  before(async () => {
    f = await startRolloutFixture('sqlite', { ratePerSecond: 60 });
    await f.apply({
      target: {
        type: 'process',
        command: ['node', 'examples/shop/server.js'],
        replicas: 1,
        readiness: { httpGet: '/healthz', timeout: '5s' },
        gracePeriod: '300ms',
        maxRestarts: 10,
      },
      strategy: { blueGreen: { scaleDownDelay: '0s' } },
      drain: { quietPeriod: '100ms', maxWait: '2s' },
      postPromotion: { window: `${WINDOW_MS}ms`, probe: { interval: '200ms', timeout: '500ms' }, maxErrorRate: 0.01, minRequests: 40 },
    });
    // A smoke check of the shop, run against every new instance directly.
    const smoke = join(f.s.dataDir, 'smoke.yaml');
    writeFileSync(
      smoke,
      `apiVersion: shipgate.dev/v1
kind: SyntheticCheck
metadata: {name: shop-smoke}
spec:
  service: shop
  smoke: true
  steps:
    - name: products
      request: {path: /products}
      assert: [{status: 200}, {json: {path: "$.products[0].name", equals: kettle}}]
`,
    );
    const applied = await f.s.cli(['apply', '-f', smoke]);
    assert.equal(applied.code, 0, applied.stderr);
    const first = await f.s.cli(['release', 'shop', '--version', 'v1', '--wait', '--timeout', '60s']);
    assert.equal(first.code, 0, first.stderr);
    f.load.start();
  });
  after(() => f.close());

  for (const mode of MODES) {
    test(`${mode.name}: ${RUNS} of ${RUNS} promotions rolled back within the window`, async () => {
      for (let i = 0; i < RUNS; i++) {
        const r = await release(mode.set);
        assert.equal(r.code, 1, `${mode.name} #${i + 1} (${r.version}) was not rolled back: ${r.out}`);
        const rb = r.status.run!.rollback as { reason: string; message: string; decidedAtMs: number };
        assert.equal(rb.reason, 'postPromotion', `${mode.name} #${i + 1}: ${JSON.stringify(rb)}`);
        assert.match(rb.message, mode.message);
        const w = watchStep(r.status);
        assert.ok(w.startedAtMs !== null && rb.decidedAtMs - w.startedAtMs <= WINDOW_MS, `decided ${rb.decidedAtMs - (w.startedAtMs ?? 0)} ms into the window`);
        // The previous revision took everyone back.
        assert.deepEqual(r.status.traffic, [{ version: r.status.run!.fromVersion, weightPercent: 100 }]);
      }
    });
  }

  test(`healthy: 0 of ${RUNS} promotions rolled back; the old revision goes only after a quiet window`, async () => {
    for (let i = 0; i < RUNS; i++) {
      const r = await release([]);
      assert.equal(r.code, 0, `healthy #${i + 1} (${r.version}) was rolled back: ${r.out}`);
      assert.equal(r.status.run!.rollback, null);
      const w = watchStep(r.status);
      assert.equal(w.status, 'succeeded');
      assert.ok(w.finishedAtMs! - w.startedAtMs! >= WINDOW_MS, 'the window ran its whole length');
      const scaledDown = r.status.run!.steps.find((s) => s.label === 'scale down stable')!;
      assert.ok(scaledDown.startedAtMs! >= w.finishedAtMs!, 'the previous revision was scaled down after the window');
    }
  });

  test('a failing smoke check on the new instances rolls back', async () => {
    // The smoke check asks for a product name the release's config renames away.
    const smoke = join(f.s.dataDir, 'smoke-broken.yaml');
    writeFileSync(
      smoke,
      `apiVersion: shipgate.dev/v1
kind: SyntheticCheck
metadata: {name: shop-smoke}
spec:
  service: shop
  smoke: true
  steps:
    - name: products
      request: {path: /products}
      assert: [{status: 200}, {json: {path: "$.products[0].name", equals: samovar}}]
`,
    );
    assert.equal((await f.s.cli(['apply', '-f', smoke])).code, 0);
    const r = await release([]);
    assert.equal(r.code, 1, r.out);
    const rb = r.status.run!.rollback as { reason: string; message: string };
    assert.equal(rb.reason, 'postPromotion');
    assert.match(
      rb.message,
      /smoke check shop-smoke failed on instance .*: step "products" \(GET \/products\): json \$\.products\[0\]\.name equals: expected "samovar", got "kettle"/,
    );
  });
});
