import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHOP_SLO, startRolloutFixture, type RolloutFixture } from './e2e-fixture';

describe('rollback on SLO burn, through the CLI', () => {
  let f: RolloutFixture;
  let dir: string;
  before(async () => {
    f = await startRolloutFixture('sqlite', { ratePerSecond: 20 });
    dir = mkdtempSync(join(tmpdir(), 'sg-slo-burn-'));
    writeFileSync(join(dir, 'slo.yaml'), SHOP_SLO);
    const a = await f.s.cli(['apply', '-f', join(dir, 'slo.yaml')]);
    assert.equal(a.code, 0, a.stderr);
    await f.apply({ strategy: { canary: { steps: [{ setWeight: 30 }, { pause: { duration: '60s' } }] } } });
    const r = await f.s.cli(['release', 'shop', '--version', 'v1', '--wait', '--timeout', '150s']);
    assert.equal(r.code, 0, r.stderr);
    f.load.start();
  });
  after(() => f.close());

  test('a page-level burn during the canary rolls it back with reason sloBurn', async () => {
    const started = f.s.cli(['release', 'shop', '--version', 'v2', '--wait', '--timeout', '150s']);
    await f.until((st) => (st.traffic ?? []).some((t) => t.version === 'v2' && t.weightPercent > 0), 60_000);
    // Half of the last minutes' requests failed: a burn rate of 50 over 1 h and 5 min, above 14.4.
    const now = Date.now() / 1000;
    const points = [0, 60, 120].flatMap((ago) => [
      { series: 'shop.total', labels: {}, t: now - ago, value: 1000 },
      { series: 'shop.good', labels: {}, t: now - ago, value: 500 },
    ]);
    writeFileSync(join(dir, 'points.jsonl'), points.map((p) => JSON.stringify(p)).join('\n') + '\n');
    const p = await f.s.cli(['push', join(dir, 'points.jsonl')]);
    assert.equal(p.code, 0, p.stderr);
    const r = await started;
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const st = await f.status();
    assert.equal(st.run!.rollback!.reason, 'sloBurn');
    assert.match(st.run!.rollback!.message, /shop-availability/);
    assert.deepEqual(st.traffic, [{ version: 'v1', weightPercent: 100 }]);
  });
});
