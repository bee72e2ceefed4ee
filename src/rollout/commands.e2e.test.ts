import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRolloutFixture, type RolloutFixture } from './e2e-fixture';

describe('steering a release through the CLI: pause, resume, promote, abort, retry, undo', () => {
  let f: RolloutFixture;
  before(async () => {
    f = await startRolloutFixture('sqlite', { ratePerSecond: 20 });
    await f.apply({ strategy: { canary: { steps: [{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: { duration: '10s' } }] } } });
    const r = await f.s.cli(['release', 'shop', '--version', 'v1', '--wait', '--timeout', '150s']);
    assert.equal(r.code, 0, r.stderr);
    f.load.start();
  });
  after(() => f.close());

  test('pause until promote, manual pause and resume, promote --full', async () => {
    assert.equal((await f.s.cli(['release', 'shop', '--version', 'v2', '--set', 'GREETING=hello'])).code, 0);
    let st = await f.until((s) => s.run?.phase === 'paused');
    assert.equal(st.run!.step!.label, 'pause (until promote)');
    assert.deepEqual(st.traffic, [
      { version: 'v1', weightPercent: 75 },
      { version: 'v2', weightPercent: 25 },
    ]);
    const again = await f.s.cli(['release', 'shop', '--version', 'v9']);
    assert.equal(again.code, 2, 'one release at a time');
    assert.match(again.stderr, /already paused/);
    assert.equal((await f.s.cli(['rollout', 'promote', 'shop'])).code, 0);
    st = await f.until((s) => s.run?.step?.label === 'pause 10s' && s.run.step.status === 'running');
    assert.deepEqual(
      st.traffic?.map((t) => t.weightPercent),
      [50, 50],
    );
    assert.equal((await f.s.cli(['rollout', 'pause', 'shop'])).code, 0);
    st = await f.status();
    assert.equal(st.run!.pausedBy, 'user');
    const text = await f.s.cli(['rollout', 'status', 'shop']);
    assert.match(text.stdout, /paused by a person/);
    assert.match(text.stdout, /VERSION\s+REVISION\s+ROLE\s+WEIGHT/);
    assert.equal((await f.s.cli(['rollout', 'resume', 'shop'])).code, 0);
    const full = await f.s.cli(['rollout', 'promote', 'shop', '--full']);
    assert.equal(full.code, 0, full.stderr);
    st = await f.until((s) => s.run?.phase === 'completed');
    assert.equal(st.run!.steps.find((s) => s.label === 'pause 10s')!.status, 'succeeded');
    assert.deepEqual(st.traffic, [{ version: 'v2', weightPercent: 100 }]);
  });

  test('abort puts all traffic back on stable; retry releases the same revision again', async () => {
    assert.equal((await f.s.cli(['release', 'shop', '--version', 'v3'])).code, 0);
    await f.until((s) => s.run?.phase === 'paused');
    const a = await f.s.cli(['rollout', 'abort', 'shop']);
    assert.equal(a.code, 0, a.stderr);
    let st = await f.until((s) => s.run?.phase === 'rolledBack');
    assert.equal(st.run!.rollback!.reason, 'aborted');
    assert.ok(st.run!.rollback!.trafficRestoredAtMs! - st.run!.rollback!.decidedAtMs < 1000);
    assert.deepEqual(st.traffic, [{ version: 'v2', weightPercent: 100 }]);
    const abortAgain = await f.s.cli(['rollout', 'abort', 'shop']);
    assert.equal(abortAgain.code, 2);
    const retry = await f.s.cli(['rollout', 'retry', 'shop']);
    assert.equal(retry.code, 0, retry.stderr);
    assert.match(retry.stdout, /shop\.production\.3/);
    await f.until((s) => s.run?.phase === 'paused' && s.run.toRevision === 'shop.production.3');
    assert.equal((await f.s.cli(['rollout', 'promote', 'shop', '--full'])).code, 0);
    st = await f.until((s) => s.run?.phase === 'completed');
    assert.deepEqual(st.traffic, [{ version: 'v3', weightPercent: 100 }]);
  });

  test('undo releases the previous revision whole, config included', async () => {
    const u = await f.s.cli(['rollout', 'undo', 'shop']);
    assert.equal(u.code, 0, u.stderr);
    assert.match(u.stdout, /→ v2 \(shop\.production\.2\)/);
    await f.until((s) => s.run?.phase === 'paused');
    assert.equal((await f.s.cli(['rollout', 'promote', 'shop', '--full'])).code, 0);
    await f.until((s) => s.run?.phase === 'completed');
    const h = JSON.parse((await f.s.cli(['rollout', 'history', 'shop', '-o', 'json'])).stdout) as {
      stableRevision: string;
      revisions: { id: string; config: Record<string, string> }[];
    };
    assert.equal(h.stableRevision, 'shop.production.2');
    assert.equal(h.revisions.find((r) => r.id === 'shop.production.2')!.config.GREETING, 'hello');
    const bad = await f.s.cli(['rollout', 'undo', 'shop', '--to-revision', '42']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /no revision 42/);
    const to1 = await f.s.cli(['rollout', 'undo', 'shop', '--to-revision', '1']);
    assert.equal(to1.code, 0, to1.stderr);
    await f.until((s) => s.run?.phase === 'paused');
    assert.equal((await f.s.cli(['rollout', 'abort', 'shop'])).code, 0);
    await f.until((s) => s.run?.phase === 'rolledBack');
  });

  test('bad input is refused with the field at fault', async () => {
    const r = await f.s.cli(['release', 'shop', '--version', 'bad version!']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /invalid version/);
    const s = await f.s.cli(['release', 'shop', '--version', 'v5', '--set', 'not-a-key']);
    assert.equal(s.code, 2);
    assert.match(s.stderr, /--set "not-a-key"/);
    const n = await f.s.cli(['release', 'nosuch', '--version', 'v1']);
    assert.equal(n.code, 2);
    assert.match(n.stderr, /no Rollout for service "nosuch"/);
    const res = await f.s.fetch('/api/v1/releases', { method: 'POST', body: JSON.stringify({ service: 'shop', version: 'v1', set: { 'bad-key': 'x' } }) });
    assert.equal(res.status, 400);
    const viewer = await f.s.token('viewer', 'vera');
    const denied = await f.s.cli(['rollout', 'abort', 'shop'], { token: viewer });
    assert.equal(denied.code, 2);
    assert.match(denied.stderr, /may not/);
  });
});
