import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startTestServer, type TestServer } from '../testing/harness';
import { testStores } from '../testing/postgres';
import { ManualClock } from '../core/clock';
import { HOOKS } from '../core/hooks';
import { SHIPGATE_API_VERSION } from '../core/kinds';
import { transaction } from '../store/db';
import { FLAG_TEST_CATALOG } from './flag-test-catalog';
import { FLAG_ERRORS_SERIES, FLAG_REQUESTS_SERIES } from './flag-rollout-service';

const T0 = Date.parse('2026-04-01T08:00:00Z');

const flag = (name: string) => `apiVersion: shipgate.dev/v1
kind: FeatureFlag
metadata: { name: ${name}, labels: { service: shop } }
spec:
  environments:
    production: { enabled: false }
`;

for (const store of await testStores()) {
  describe(`guarded flag rollouts on ${store}`, () => {
    let s: TestServer;
    let dir: string;
    const clock = new ManualClock(T0);

    before(async () => {
      s = await startTestServer({ store, clock, options: { flags: { tickMs: 20 } } });
      dir = mkdtempSync(join(tmpdir(), 'shipgate-flag-rollout-'));
      writeFileSync(join(dir, 'flags.yaml'), `${FLAG_TEST_CATALOG}${flag('search-v2')}---\n${flag('cart-v3')}`);
      assert.equal((await s.cli(['apply', '-f', join(dir, 'flags.yaml')])).code, 0);
      // The template is stored directly: the flags capability reads its sequential settings only.
      const ctx = s.server.ctx;
      await transaction(ctx.db, (trx) =>
        ctx.resources.put(
          trx,
          {
            apiVersion: SHIPGATE_API_VERSION,
            kind: 'AnalysisTemplate',
            metadata: { name: 'flag-guard' },
            spec: { judge: 'sequential', interval: '10s', sequential: { minCanaryRequests: 100, minBaselineRequests: 100 } },
          },
          'test',
        ),
      );
    });
    after(() => s.close());

    const push = async (key: string, fromMs: number, control: [number, number], treatment: [number, number]) => {
      const metrics = s.server.ctx.services.get(HOOKS.metrics)!;
      const labels = (variant: string) => ({ flag: key, environment: 'production', variant });
      await metrics.ingestPoints([
        { series: FLAG_REQUESTS_SERIES, labels: labels('off'), tMs: fromMs + 1000, value: control[0] },
        { series: FLAG_ERRORS_SERIES, labels: labels('off'), tMs: fromMs + 1000, value: control[1] },
        { series: FLAG_REQUESTS_SERIES, labels: labels('on'), tMs: fromMs + 1000, value: treatment[0] },
        { series: FLAG_ERRORS_SERIES, labels: labels('on'), tMs: fromMs + 1000, value: treatment[1] },
      ]);
    };
    const rollouts = async (name: string) =>
      JSON.parse((await s.cli(['flag', 'rollouts', name, '--env', 'production', '-o', 'json'])).stdout) as Array<{
        status: string;
        stepIndex: number;
        reason: string;
      }>;
    const waitFor = async (name: string, status: string) => {
      const deadline = Date.now() + 8000;
      let last: Array<{ status: string; stepIndex: number; reason: string }> = [];
      while (Date.now() < deadline) {
        last = await rollouts(name);
        if (last[0]?.status === status) return last[0];
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.fail(`rollout of ${name} did not reach ${status}: ${JSON.stringify(last)}`);
    };

    test('refuses bad steps and unknown templates with the field at fault', async () => {
      const bad = await s.cli(['flag', 'rollout', 'search-v2', '--env', 'production', '--steps', '5,1', '--interval', '1m', '--analysis', 'flag-guard']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /must rise/);
      const nf = await s.cli(['flag', 'rollout', 'search-v2', '--env', 'production', '--steps', '5,50', '--interval', '1m', '--analysis', 'nope']);
      assert.equal(nf.code, 2);
      assert.match(nf.stderr, /analysis template "nope"/);
    });

    test('a regression in the treatment kills the flag', async () => {
      const start = clock.now();
      const r = await s.cli(['flag', 'rollout', 'search-v2', '--env', 'production', '--steps', '10,50,100', '--interval', '1m', '--analysis', 'flag-guard']);
      assert.equal(r.code, 0, r.stderr);
      const again = await s.cli(['flag', 'rollout', 'search-v2', '--env', 'production', '--steps', '10,50', '--interval', '1m', '--analysis', 'flag-guard']);
      assert.notEqual(again.code, 0, 'one running rollout per flag and environment');
      const show = JSON.parse((await s.cli(['flag', 'show', 'search-v2', '--env', 'production', '-o', 'json'])).stdout) as {
        enabled: boolean;
        percentage: number;
      };
      assert.deepEqual([show.enabled, show.percentage], [true, 10]);
      await push('search-v2', start, [5000, 10], [5000, 600]);
      clock.advance(10_000);
      const run = await waitFor('search-v2', 'rolled-back');
      assert.match(run.reason, /regression at 10%/);
      const ev = (await (
        await s.fetch('/ofrep/v1/evaluate/flags/search-v2?env=production', {
          method: 'POST',
          body: JSON.stringify({ context: { targetingKey: 'u' } }),
          headers: { 'content-type': 'application/json' },
        })
      ).json()) as { reason: string; value: boolean };
      assert.deepEqual([ev.value, ev.reason], [false, 'DISABLED']);
      const audit = (await (await s.fetch('/api/v1/audit/events?kind=FeatureFlag&name=search-v2')).json()) as {
        items: Array<{ action: string; actor: string }>;
      };
      const actions = audit.items.map((e) => e.action);
      for (const a of ['flag.rollout.start', 'flag.percentage', 'flag.kill', 'flag.rollout.rollback'])
        assert.ok(actions.includes(a), `${a} in ${actions.join(',')}`);
      assert.match(audit.items.find((e) => e.action === 'flag.kill')!.actor, /^rollout:/);
    });

    test('a healthy treatment is raised step by step to the last percentage', async () => {
      const start = clock.now();
      const r = await s.cli(['flag', 'rollout', 'cart-v3', '--env', 'production', '--steps', '20,100', '--interval', '1m', '--analysis', 'flag-guard']);
      assert.equal(r.code, 0, r.stderr);
      await push('cart-v3', start, [5000, 10], [5000, 10]);
      clock.advance(60_000);
      const deadline = Date.now() + 8000;
      while ((await rollouts('cart-v3'))[0]?.stepIndex !== 1 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 25));
      const mid = JSON.parse((await s.cli(['flag', 'show', 'cart-v3', '--env', 'production', '-o', 'json'])).stdout) as { percentage: number };
      assert.equal(mid.percentage, 100);
      await push('cart-v3', clock.now(), [5000, 10], [5000, 10]);
      clock.advance(60_000);
      await waitFor('cart-v3', 'succeeded');
      const show = JSON.parse((await s.cli(['flag', 'show', 'cart-v3', '--env', 'production', '-o', 'json'])).stdout) as { enabled: boolean; killed: boolean };
      assert.deepEqual([show.enabled, show.killed], [true, false]);
    });
  });
}
