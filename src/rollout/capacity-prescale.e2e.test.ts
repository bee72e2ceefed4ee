/**
 * A Rollout's `spec.capacity` through the CLI on a real server with the shop as real processes:
 * four weeks of router buckets give the forecast peak; `preScale` runs the release at the
 * instances the peak needs and scales back after it; `require` refuses a release that would run
 * too few; a rolled-back pre-scaled release leaves the serving revision at its own size.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { HOOKS } from '../core/hooks';
import { startRolloutFixture, type RolloutFixture } from './e2e-fixture';

const H = 3_600_000;
/** The shop's hourly traffic: a daily wave around 10 req/s, peaking near 15. */
const rps = (t: number) => 10 * (1 + 0.5 * Math.sin((2 * Math.PI * (new Date(t).getUTCHours() - 9)) / 24));

describe('spec.capacity: pre-scaling for the forecast peak, and refusing too few instances', () => {
  let f: RolloutFixture;
  let needed = 0;
  const strategy = {
    canary: {
      steps: [{ setWeight: 30 }, { analysis: { metrics: [{ name: 'error-rate' as const, max: 0.05 }], interval: '400ms', count: 3, minRequests: 10 } }],
    },
  };
  before(async () => {
    f = await startRolloutFixture('sqlite', { ratePerSecond: 20 });
    const nowHour = Math.floor(Date.now() / H) * H;
    await f.s.server.ctx.services.get(HOOKS.metrics)!.ingestRouterBuckets(
      Array.from({ length: 28 * 24 }, (_, i) => {
        const startMs = nowHour - (28 * 24 - i) * H;
        return { route: 'shop', version: 'v0', startMs, counts: { '2xx': Math.round(rps(startMs) * 3600) }, latency: {} };
      }),
    );
    await f.apply({ strategy });
    const r = await f.s.cli(['release', 'shop', '--version', 'v1', '--wait', '--timeout', '150s']);
    assert.equal(r.code, 0, r.stderr);
    f.load.start();
    const plan = await f.s.cli(['capacity', 'plan', 'shop', '--version', 'v1', '--per-instance', '8', '--headroom', '30%', '-o', 'json']);
    needed = (JSON.parse(plan.stdout) as { needed: number }).needed;
    assert.ok(needed > 2 && needed <= 4, `the forecast peak needs more than the 2 replicas: ${plan.stdout}`);
  });
  after(() => f.close());

  test('require: a release that would run too few instances for the peak is refused with the arithmetic', async () => {
    await f.apply({ strategy, capacity: { perInstance: 8, headroom: 0.3 } });
    const r = await f.s.cli(['release', 'shop', '--version', 'v2']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`would run too few instances for the forecast peak: peak [\\d.]+ req/s .*→ ${needed} instances; the environment runs 2`));
    assert.equal((await f.status()).run?.toVersion, 'v1', 'no run started');
  });

  test("without require a shortfall is the change's risk fact, not a refusal", async () => {
    await f.apply({ strategy, capacity: { perInstance: 8, headroom: 0.3, require: false } });
    const r = await f.s.cli(['release', 'shop', '--version', 'v2']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const st = await f.status();
    const change = (await (await f.s.fetch(`/api/v1/changes/${st.run!.changeId}`)).json()) as {
      risk: { factors: { id: string; points: number; detail: string }[] };
    };
    const factor = change.risk.factors.find((x) => x.id === 'capacity');
    assert.equal(factor?.points, 8, JSON.stringify(change.risk.factors));
    assert.match(factor!.detail, new RegExp(`too few instances for the forecast peak: .*→ ${needed} instances; the environment runs 2`));
    assert.equal((await f.s.cli(['rollout', 'abort', 'shop'])).code, 0);
    await f.until((s) => s.run?.phase === 'rolledBack');
  });

  test('preScale: the serving revision is scaled to the need before weight moves; the new one goes back to 2 after', async () => {
    await f.apply({ strategy, capacity: { perInstance: 8, headroom: 0.3, preScale: true, maxReplicas: 6 } });
    const r = await f.s.cli(['release', 'shop', '--version', 'v2', '--wait', '--timeout', '150s']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const st = await f.status();
    assert.equal(st.run?.phase, 'completed');
    const labels = st.run!.steps.map((s) => s.label);
    assert.equal(labels[0], `preScale stable to ${needed}`);
    assert.equal(labels.at(-1), 'scale back to 2');
    assert.equal(st.versions.find((v) => v.version === 'v2')?.instances.desired, 2);
    const audit = (await (await f.s.fetch(`/api/v1/audit/events?kind=Gate&limit=100`)).json()) as {
      items: { action: string; details: { changeId?: string; reasons?: string[] } }[];
    };
    const allow = audit.items.find((e) => e.action === 'gate.allow' && e.details.changeId === st.run!.changeId);
    assert.match(JSON.stringify(allow?.details.reasons), new RegExp(`capacity: .*→ ${needed} instances; the environment runs ${needed}: fits`));
  });

  test('a pre-scaled release that rolls back leaves the serving revision at its own size', async () => {
    const r = await f.s.cli(['release', 'shop', '--version', 'v3', '--set', 'SHOP_ERROR_RATE=0.5', '--wait', '--timeout', '150s']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const st = await f.until((s) => s.run?.phase === 'rolledBack');
    assert.equal(st.run!.steps[0].label, `preScale stable to ${needed}`);
    assert.equal(st.run!.steps[0].status, 'succeeded');
    const v2 = st.versions.find((v) => v.version === 'v2');
    assert.equal(v2?.instances.desired, 2, JSON.stringify(st.versions));
    assert.deepEqual(st.traffic, [{ version: 'v2', weightPercent: 100 }]);
  });
});
