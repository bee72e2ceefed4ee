import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRolloutFixture, type RolloutFixture } from './e2e-fixture';

describe('rollback on health failure, through the CLI', () => {
  let f: RolloutFixture;
  before(async () => {
    f = await startRolloutFixture('sqlite', { ratePerSecond: 20 });
    await f.apply({
      target: {
        type: 'process',
        command: ['node', 'examples/shop/server.js'],
        replicas: 2,
        readiness: { httpGet: '/healthz', timeout: '4s' },
        gracePeriod: '500ms',
        maxRestarts: 2,
      },
      strategy: { canary: { steps: [{ setWeight: 30 }, { pause: { duration: '20s' } }] } },
    });
    const r = await f.s.cli(['release', 'shop', '--version', 'v1', '--wait', '--timeout', '150s']);
    assert.equal(r.code, 0, r.stderr);
    f.load.start();
  });
  after(() => f.close());

  test('a canary that never becomes ready is rolled back before it gets traffic', async () => {
    const r = await f.s.cli(['release', 'shop', '--version', 'v2', '--set', 'SHOP_FAIL_HEALTH=1', '--wait', '--timeout', '150s']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const st = await f.status();
    assert.equal(st.run!.rollback!.reason, 'healthFailed');
    assert.match(st.run!.rollback!.message, /not ready after 4000 ms/);
    assert.equal(st.run!.canaryTrafficAtMs, null, 'no user traffic reached it');
    assert.deepEqual(st.traffic, [{ version: 'v1', weightPercent: 100 }]);
    assert.equal(f.load.snapshot().byVersion.v2, undefined);
  });

  test('a canary that crashes in a loop after it got traffic is rolled back', async () => {
    const r = await f.s.cli([
      'release',
      'shop',
      '--version',
      'v3',
      '--set',
      'SHOP_CRASH_AFTER_MS=700',
      '--set',
      'SHOP_FAIL_HEALTH=',
      '--wait',
      '--timeout',
      '150s',
    ]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const st = await f.status();
    assert.equal(st.run!.rollback!.reason, 'healthFailed');
    // Crashing 700 ms after start: caught by the restart limit, or by readiness when the machine is slow.
    assert.match(st.run!.rollback!.message, /restarted 2 time|not ready after/);
    assert.notEqual(st.run!.canaryTrafficAtMs, null);
    assert.deepEqual(st.traffic, [{ version: 'v1', weightPercent: 100 }]);
    const text = await f.s.cli(['rollout', 'status', 'shop']);
    assert.match(text.stdout, /rolledBack — healthFailed/);
  });
});
