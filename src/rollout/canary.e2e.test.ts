import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testStores } from '../testing/postgres';
import { startRolloutFixture, type RolloutFixture } from './e2e-fixture';

for (const store of await testStores()) {
  describe(`canary release through the CLI on ${store}`, () => {
    let f: RolloutFixture;
    before(async () => {
      f = await startRolloutFixture(store);
      await f.apply({});
    });
    after(() => f.close());

    test('the first release goes straight to full traffic', async () => {
      const r = await f.s.cli(['release', 'shop', '--version', 'v1', '--wait', '--timeout', '150s']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /released shop v1 to production/);
      const st = await f.status();
      assert.equal(st.run?.steps.length, 1);
      assert.deepEqual(st.traffic, [{ version: 'v1', weightPercent: 100 }]);
      f.load.start();
    });

    test('a healthy canary is promoted; the old version drains, then scales down', async () => {
      const r = await f.s.cli(['release', 'shop', '--version', 'v2', '--wait', '--timeout', '150s']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /step 2\/6 analysis/);
      const st = await f.status();
      assert.equal(st.run?.phase, 'completed');
      assert.deepEqual(st.traffic, [{ version: 'v2', weightPercent: 100 }]);
      const drain = st.run!.steps.find((s) => s.label === 'drain stable')!;
      assert.match(drain.message ?? '', /quiet|gave up/);
      const analysis = st.run!.steps.find((s) => s.kind === 'analysis')!;
      assert.deepEqual(analysis.verdicts.filter((v) => v === 'pass').length, 3);
      for (let i = 0; i < 60 && !((f.load.snapshot().byVersion.v2?.requests ?? 0) > 0); i++) await new Promise((r) => setTimeout(r, 250));
      const snap = f.load.snapshot();
      assert.ok((snap.byVersion.v2?.requests ?? 0) > 0, `users reached v2: ${JSON.stringify(snap)}`);
    });

    test('a bad canary is rolled back automatically and --wait exits 1', async () => {
      const r = await f.s.cli(['release', 'shop', '--version', 'v3', '--set', 'SHOP_ERROR_RATE=0.4', '--wait', '--timeout', '150s']);
      assert.equal(r.code, 1, r.stdout + r.stderr + JSON.stringify(f.load.snapshot()));
      assert.match(r.stdout, /rolled back shop v3 .*analysisFailed/);
      const st = await f.status();
      assert.equal(st.run?.phase, 'rolledBack');
      assert.ok(st.run!.rollback!.trafficRestoredAtMs! - st.run!.rollback!.decidedAtMs < 1000, 'traffic back on stable within 1 s of the decision');
      assert.deepEqual(st.traffic, [{ version: 'v2', weightPercent: 100 }]);
      const h = await f.s.cli(['rollout', 'history', 'shop', '-o', 'json']);
      const hist = JSON.parse(h.stdout) as { stableRevision: string; runs: { phase: string }[]; revisions: { config: Record<string, string> }[] };
      assert.equal(hist.stableRevision, 'shop.production.2');
      assert.deepEqual(
        hist.runs.map((x) => x.phase),
        ['rolledBack', 'completed', 'completed'],
      );
      assert.equal(hist.revisions[0].config.SHOP_ERROR_RATE, '0.4');
      const markers = (await (await f.s.fetch('/api/v1/deploy-markers?service=shop')).json()) as { markers: { event: string }[] };
      assert.ok(markers.markers.some((m) => m.event.startsWith('rollback.decided')));
      assert.ok(markers.markers.some((m) => m.event === 'rollback.trafficRestored'));
    });
  });
}
