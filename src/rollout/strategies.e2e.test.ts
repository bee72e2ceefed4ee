import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRolloutFixture, type RolloutFixture } from './e2e-fixture';

async function get(url: string, headers: Record<string, string> = {}): Promise<string | null> {
  const res = await fetch(url, { headers });
  await res.text();
  return res.headers.get('x-shipgate-version');
}

describe('blue-green release through the CLI', () => {
  let f: RolloutFixture;
  before(async () => {
    f = await startRolloutFixture('sqlite', { ratePerSecond: 20 });
    await f.apply({
      strategy: {
        blueGreen: {
          autoPromotion: false,
          scaleDownDelay: '500ms',
          postPromotionAnalysis: { metrics: [{ name: 'error-rate', max: 0.05 }], interval: '300ms', count: 2, minRequests: 5 },
        },
      },
    });
    const r = await f.s.cli(['release', 'shop', '--version', 'v1', '--wait', '--timeout', '150s']);
    assert.equal(r.code, 0, r.stderr);
    f.load.start();
  });
  after(() => f.close());

  test('the new revision is reachable by header only, until promote switches all traffic at once', async () => {
    const r = await f.s.cli(['release', 'shop', '--version', 'v2']);
    assert.equal(r.code, 0, r.stderr);
    const st = await f.until((s) => s.run?.phase === 'paused' && s.run.pausedBy === 'step');
    assert.deepEqual(st.traffic, [
      { version: 'v1', weightPercent: 100 },
      { version: 'v2', weightPercent: 0 },
    ]);
    assert.equal(await get(f.router.url, { 'x-shipgate-preview': 'true' }), 'v2');
    assert.equal(await get(f.router.url, { 'x-user-id': 'someone' }), 'v1');
    const resume = await f.s.cli(['rollout', 'resume', 'shop']);
    assert.equal(resume.code, 2, 'a pause step needs promote');
    assert.match(resume.stderr, /use promote/);
    const p = await f.s.cli(['rollout', 'promote', 'shop']);
    assert.equal(p.code, 0, p.stderr);
    const done = await f.until((s) => s.run?.phase === 'completed');
    assert.deepEqual(done.traffic, [{ version: 'v2', weightPercent: 100 }]);
    const labels = done.run!.steps.map((s) => `${s.label}:${s.status}`);
    assert.deepEqual(labels, [
      'deploy preview:succeeded',
      'pause (until promote):succeeded',
      'switch:succeeded',
      'post-promotion analysis:succeeded',
      'keep stable warm 0.5s:succeeded',
      'drain stable:succeeded',
      'scale down stable:succeeded',
    ]);
  });

  test('a rollback inside the warm window is a switch back', async () => {
    await f.apply({ strategy: { blueGreen: { autoPromotion: true, scaleDownDelay: '20s' } } });
    const r = await f.s.cli(['release', 'shop', '--version', 'v3']);
    assert.equal(r.code, 0, r.stderr);
    await f.until((s) => s.run?.step?.label.startsWith('keep stable warm') === true && s.run.step.status === 'running');
    const before = await f.status();
    const v2 = before.versions.find((v) => v.role === 'stable')!;
    assert.equal(v2.instances.ready, 2, 'old revision still warm');
    const started = Date.now();
    const a = await f.s.cli(['rollout', 'abort', 'shop']);
    assert.equal(a.code, 0, a.stderr);
    const st = await f.until((s) => s.run?.phase === 'rolledBack');
    assert.ok(Date.now() - started < 5000);
    assert.equal(st.run!.rollback!.reason, 'aborted');
    assert.deepEqual(st.traffic, [{ version: 'v2', weightPercent: 100 }]);
    assert.equal(st.versions[0].instances.restarts, 0);
  });
});

describe('rolling release through the CLI', () => {
  let f: RolloutFixture;
  before(async () => {
    f = await startRolloutFixture('sqlite', { ratePerSecond: 20 });
    await f.apply({
      target: {
        type: 'process',
        command: ['node', 'examples/shop/server.js'],
        replicas: 3,
        readiness: { httpGet: '/healthz', timeout: '15s' },
        gracePeriod: '1s',
      },
      strategy: { rolling: { maxSurge: 1, maxUnavailable: 0 } },
    });
    const r = await f.s.cli(['release', 'shop', '--version', 'v1', '--wait', '--timeout', '150s']);
    assert.equal(r.code, 0, r.stderr);
    f.load.start();
  });
  after(() => f.close());

  test('replaces instances in batches; traffic follows the instances', async () => {
    const r = await f.s.cli(['release', 'shop', '--version', 'v2', '--wait', '--timeout', '150s']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const st = await f.status();
    assert.deepEqual(
      st.run!.steps.map((s) => s.label),
      [
        'batch 1: 1 new, 3 old',
        'batch 2: 1 new, 2 old',
        'batch 3: 2 new, 2 old',
        'batch 4: 2 new, 1 old',
        'batch 5: 3 new, all traffic',
        'drain stable',
        'scale down stable',
      ],
    );
    assert.ok(
      st.run!.steps.every((s) => s.status === 'succeeded'),
      'every batch ran',
    );
    assert.match(r.stdout, /released shop v2 to production/);
    assert.deepEqual(st.traffic, [{ version: 'v2', weightPercent: 100 }]);
    assert.equal(st.versions[0].instances.ready, 3);
    // All traffic is on v2 now: users get it (the load generator may lag on a busy machine).
    for (let i = 0; i < 60 && !((f.load.snapshot().byVersion.v2?.requests ?? 0) > 0); i++) await new Promise((r) => setTimeout(r, 250));
    const snap = f.load.snapshot();
    assert.ok((snap.byVersion.v2?.requests ?? 0) > 0 && (snap.byVersion.v1?.requests ?? 0) > 0, JSON.stringify(snap));
  });
});
