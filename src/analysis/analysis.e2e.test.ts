import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { testStores } from '../testing/postgres';
import { startRolloutFixture, type RolloutFixture } from '../rollout/e2e-fixture';

/** Settings that decide within one or two 10-second intervals at the fixture's traffic (≈ 25 canary requests/s). */
const fast = { minCanaryRequests: 50, minBaselineRequests: 50, errorRate: { minAbsolute: 0.05 }, latency: { minRelative: 0.5 } };

function template(name: string, spec: object): string {
  return stringify({ apiVersion: 'shipgate.dev/v1', kind: 'AnalysisTemplate', metadata: { name }, spec });
}

for (const store of await testStores()) {
  describe(`rollouts judged by the sequential analysis on ${store}`, () => {
    let f: RolloutFixture;
    const dir = mkdtempSync(join(tmpdir(), 'sg-analysis-e2e-'));
    const runOf = async () => {
      const st = await f.status();
      const step = st.run!.steps.find((s) => s.kind === 'analysis')!;
      return { st, id: step.analysisRun!, step };
    };
    before(async () => {
      f = await startRolloutFixture(store);
      const file = join(dir, 'templates.yaml');
      writeFileSync(
        file,
        [
          template('shop-sequential', { judge: 'sequential', interval: '10s', maxDuration: '2m', inconclusive: 'rollback', sequential: fast }),
          template('shop-hold', { judge: 'sequential', interval: '10s', maxDuration: '25s', inconclusive: 'hold', sequential: fast }),
        ].join('---\n'),
      );
      const r = await f.s.cli(['apply', '-f', file]);
      assert.equal(r.code, 0, r.stderr);
      await f.apply({ strategy: { canary: { steps: [{ setWeight: 30 }, { analysis: { templateRef: 'shop-sequential' } }, { setWeight: 60 }] } } });
      const first = await f.s.cli(['release', 'shop', '--version', 'v1', '--wait', '--timeout', '30s']);
      assert.equal(first.code, 0, first.stdout + first.stderr);
      f.load.start();
    });
    after(() => f.close());

    test('a good canary is promoted; the run can be shown, exported and replayed offline', async () => {
      const r = await f.s.cli(['release', 'shop', '--version', 'v2', '--wait', '--timeout', '90s']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const { st, id, step } = await runOf();
      assert.equal(st.run?.phase, 'completed');
      assert.equal(step.verdicts.at(-1), 'pass');
      const show = await f.s.cli(['analysis', 'show', id, '-o', 'json']);
      assert.equal(show.code, 0, show.stderr);
      const shown = JSON.parse(show.stdout) as {
        run: { verdict: string; judge: string };
        intervals: { verdict: string; inputs: { canary: { requests: number } }; sequential: { tests: { metric: string; passEValue: number }[] } }[];
      };
      assert.equal(shown.run.verdict, 'pass');
      assert.equal(shown.run.judge, 'sequential');
      assert.ok(shown.intervals.length >= 1);
      assert.ok(
        shown.intervals.every((i) => i.inputs.canary.requests > 0),
        'each interval stored its inputs',
      );
      assert.deepEqual(
        shown.intervals[0].sequential.tests.map((t) => t.metric),
        ['error-rate', 'latency-p50', 'latency-p90'],
      );
      const table = await f.s.cli(['analysis', 'show', id]);
      assert.match(table.stdout, /verdict: pass/);
      const exported = await f.s.cli(['analysis', 'export', id]);
      assert.equal(exported.code, 0, exported.stderr);
      const lines = exported.stdout.trim().split('\n');
      assert.equal(lines.length, shown.intervals.length);
      const file = join(dir, 'good.jsonl');
      writeFileSync(file, exported.stdout);
      const tfile = join(dir, 'template.json');
      writeFileSync(tfile, JSON.stringify({ interval: '10s', sequential: fast }));
      const replay = await f.s.cli(['analysis', 'replay', file, '--template', tfile, '-o', 'json'], { env: { SHIPGATE_SERVER: 'http://127.0.0.1:9' } });
      assert.equal(replay.code, 0, replay.stdout + replay.stderr);
      assert.equal(JSON.parse(replay.stdout).verdict, 'pass');
    });

    test('a bad canary is rolled back by the sequential judge', async () => {
      const r = await f.s.cli(['release', 'shop', '--version', 'v3', '--set', 'SHOP_ERROR_RATE=0.4', '--wait', '--timeout', '90s']);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const { st, id } = await runOf();
      assert.equal(st.run?.phase, 'rolledBack');
      assert.deepEqual(st.traffic, [{ version: 'v2', weightPercent: 100 }]);
      const show = await f.s.cli(['analysis', 'show', id, '-o', 'json']);
      const shown = JSON.parse(show.stdout) as {
        run: { verdict: string; reason: string };
        intervals: { sequential: { tests: { metric: string; verdict: string; failEValue: number; failThreshold: number }[] } }[];
      };
      assert.equal(shown.run.verdict, 'fail');
      assert.match(shown.run.reason, /error-rate/);
      const e = shown.intervals.at(-1)!.sequential.tests.find((t) => t.metric === 'error-rate')!;
      assert.equal(e.verdict, 'fail');
      assert.ok(e.failEValue >= e.failThreshold);
    });

    test('with no traffic the step extends ("need more data"), then holds for a person', async () => {
      await f.load.stop();
      await f.apply({ strategy: { canary: { steps: [{ setWeight: 30 }, { analysis: { templateRef: 'shop-hold' } }, { setWeight: 60 }] } } });
      const r = await f.s.cli(['release', 'shop', '--version', 'v4']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const st = await f.until((s) => s.run?.toVersion === 'v4' && s.run.pausedBy === 'inconclusive', 60_000);
      const step = st.run!.steps.find((s) => s.kind === 'analysis')!;
      assert.ok(step.verdicts.filter((v) => v === 'continue').length >= 1, `extended first: ${step.verdicts.join(',')}`);
      assert.equal(step.verdicts.at(-1), 'inconclusive');
      const runsOf = async () =>
        (
          JSON.parse((await f.s.cli(['analysis', 'list', '--service', 'shop', '-o', 'json'])).stdout) as { runs: { id: string; verdict: string | null }[] }
        ).runs.filter((x) => x.id.startsWith(`${st.run!.id}.${step.index}.`));
      assert.ok(step.analysisRun?.startsWith(`${st.run!.id}.${step.index}.`));
      const [first] = await runsOf();
      const show = await f.s.cli(['analysis', 'show', first.id]);
      assert.match(show.stdout, /need more data/);
      assert.match(show.stdout, /verdict: inconclusive/);
      // Resumed, the step judges again in a new analysis run (not the decided one, which would pause at once).
      assert.equal((await f.s.cli(['rollout', 'resume', 'shop'])).code, 0);
      await f.until((s) => s.run?.pausedBy === null && s.run.phase === 'progressing', 30_000);
      await f.until((s) => s.run?.pausedBy === 'inconclusive', 60_000);
      const runs = await runsOf();
      assert.equal(runs.length, 2, JSON.stringify(runs));
      assert.ok(runs.every((x) => x.verdict === 'inconclusive'));
    });
  });
}
