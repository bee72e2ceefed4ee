import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { baseSpec, startRolloutFixture, type RolloutFixture } from './e2e-fixture';
import type { LoadTestRun } from './run-state';

const loadThenWeight = (loadTest: Record<string, unknown>) => ({
  strategy: { canary: { steps: [{ loadTest }, { setWeight: 50 }, { pause: { duration: '300ms' } }] } },
});

describe('a loadTest step loads the new revision through the router before users reach it', () => {
  let f: RolloutFixture;
  before(async () => {
    f = await startRolloutFixture('sqlite', { ratePerSecond: 20 });
    await f.apply(loadThenWeight({ rate: 40, duration: '2s', thresholds: 'p(99)<1500,errors<0.01' }));
    const r = await f.s.cli(['release', 'shop', '--version', 'v1', '--wait', '--timeout', '150s']);
    assert.equal(r.code, 0, r.stderr);
    f.load.start();
  });
  after(() => f.close());

  test('a revision that holds the load is released; the outcome, rate and audit are stored', async () => {
    const r = await f.s.cli(['release', 'shop', '--version', 'v2', '--wait', '--timeout', '150s']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const st = await f.status();
    assert.equal(st.run?.phase, 'completed');
    const step = st.run!.steps[0] as NonNullable<typeof st.run>['steps'][number] & { loadTestRun?: LoadTestRun };
    assert.equal(step.kind, 'loadTest');
    assert.equal(step.loadTestRun?.ratePerSec, 40);
    assert.equal(step.loadTestRun?.rateFrom, 'rate');
    const o = step.loadTestRun!.outcome!;
    assert.equal(o.passed, true, JSON.stringify(o));
    assert.ok(o.requests >= 70 && o.requests <= 90, `about 80 requests scheduled in 2 s at 40/s: ${o.requests}`);
    assert.equal(o.errors, 0);
    assert.deepEqual(
      o.thresholds.map((t) => [t.threshold, t.ok]),
      [
        ['p(99)<1500', true],
        ['errors<0.01', true],
      ],
    );
    assert.match(step.message ?? '', /load test pass: \d+ requests/);
    const audit = (await (await f.s.fetch(`/api/v1/audit/events?kind=RolloutRun&name=${st.run!.id}&limit=50`)).json()) as {
      items: { action: string; actor: string; details: { ratePerSec?: number; rateFrom?: string } }[];
    };
    const started = audit.items.find((e) => e.action === 'rollout.loadTest.started');
    assert.equal(started?.details.ratePerSec, 40, JSON.stringify(audit.items.map((e) => e.action)));
    assert.equal(started?.actor, 'shipgate');
  });

  test('a revision too slow under load is rolled back before any user reaches it', async () => {
    const before = f.load.snapshot().byVersion.v3?.requests ?? 0;
    const r = await f.s.cli(['release', 'shop', '--version', 'v3', '--set', 'SHOP_EXTRA_LATENCY_MS=2500', '--wait', '--timeout', '150s']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /rolled back shop v3 .*loadTest/);
    const st = await f.status();
    assert.equal(st.run?.phase, 'rolledBack');
    assert.equal(st.run!.rollback!.reason, 'loadTest');
    assert.match(st.run!.rollback!.message, /load test failed: fail: .*p\(99\)<1500 was \d+/);
    assert.deepEqual(st.traffic, [{ version: 'v2', weightPercent: 100 }]);
    assert.equal(f.load.snapshot().byVersion.v3?.requests ?? 0, before, 'no user request reached v3');
  });

  test('peakFactor with no forecast and no rate pauses for a person; promote skips the test', async () => {
    await f.apply(loadThenWeight({ peakFactor: 1.5, duration: '2s' }));
    assert.equal((await f.s.cli(['release', 'shop', '--version', 'v4'])).code, 0);
    let st = await f.until((s) => s.run?.phase === 'paused');
    assert.equal(st.run!.pausedBy, 'inconclusive');
    assert.match(st.run!.step!.message ?? '', /no rate for the load test: .*set loadTest.rate, or promote to skip/);
    assert.equal((await f.s.cli(['rollout', 'promote', 'shop'])).code, 0);
    st = await f.until((s) => s.run?.phase === 'completed');
    assert.equal(st.run!.steps[0].message, 'promoted: load test skipped');
  });

  test('a loadTest step after users reach the revision is refused at apply, naming the step', async () => {
    const file = join(f.s.dataDir, 'late-load-test.yaml');
    const spec = baseSpec({ strategy: { canary: { steps: [{ setWeight: 10 }, { loadTest: { rate: 10 } }] } } });
    writeFileSync(file, stringify({ apiVersion: 'shipgate.dev/v1', kind: 'Rollout', metadata: { name: 'shop-production' }, spec }));
    const r = await f.s.cli(['apply', '-f', file]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /late-load-test\.yaml:\d+:\d+ spec\.strategy\.canary\.steps\[1\]\.loadTest: a loadTest step must come before the first setWeight above 0/,
    );
    const bad = baseSpec({ strategy: { canary: { steps: [{ loadTest: { rate: 10, thresholds: 'p(99)<fast' } }] } } });
    writeFileSync(file, stringify({ apiVersion: 'shipgate.dev/v1', kind: 'Rollout', metadata: { name: 'shop-production' }, spec: bad }));
    const r2 = await f.s.cli(['apply', '-f', file]);
    assert.equal(r2.code, 2, r2.stdout + r2.stderr);
    assert.match(r2.stderr, /thresholds.*threshold "p\(99\)<fast"/s);
  });
});
