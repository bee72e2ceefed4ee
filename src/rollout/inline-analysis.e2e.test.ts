import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { HOOKS } from '../core/hooks';
import type { MetricsService } from '../metrics/types';
import type { RunView } from './rollout-status';
import type { Measurement, StepRecord } from './run-state';
import { startRolloutFixture, type RolloutFixture } from './e2e-fixture';

/**
 * The inline analysis step is an analysis run: a broken metric source gives Error measurements and
 * pauses the rollout at the Rollout's consecutiveErrorLimit (no rollback), a breached threshold
 * gives Failed and rolls back.
 */
describe('inline analysis: Error pauses, Failed rolls back', () => {
  let f: RolloutFixture;
  let metrics: MetricsService;
  let broken = false;
  before(async () => {
    f = await startRolloutFixture('sqlite', { ratePerSecond: 30 });
    metrics = f.s.server.ctx.services.get(HOOKS.metrics)!;
    // The same metrics service, whose windows can be made to fail (as a metric source that is down).
    const faulty: MetricsService = Object.create(metrics, {
      routerWindow: {
        value: (q: Parameters<MetricsService['routerWindow']>[0]) => (broken ? Promise.reject(new Error('metric source down')) : metrics.routerWindow(q)),
      },
    });
    f.s.server.ctx.services.provide(HOOKS.metrics, faulty);
    await f.apply({
      limits: { consecutiveErrorLimit: 2 },
      strategy: {
        canary: {
          steps: [
            { setWeight: 30 },
            { analysis: { metrics: [{ name: 'error-rate', max: 0.05 }], interval: '300ms', count: 3, minRequests: 5 } },
            { setWeight: 60 },
          ],
        },
      },
    });
    const r = await f.s.cli(['release', 'shop', '--version', 'v1', '--wait', '--timeout', '150s']);
    assert.equal(r.code, 0, r.stderr);
    f.load.start();
  });
  after(() => f.close());

  /** The run by id: its view and its steps as stored (this route reads no metrics). */
  async function run(id: string): Promise<{ run: RunView; steps: StepRecord[] }> {
    return (await (await f.s.fetch(`/api/v1/rollout-runs/${id}`)).json()) as { run: RunView; steps: StepRecord[] };
  }
  async function until(id: string, cond: (r: { run: RunView; steps: StepRecord[] }) => boolean, timeoutMs = 60_000) {
    const end = Date.now() + timeoutMs;
    let last: { run: RunView; steps: StepRecord[] } | undefined;
    while (Date.now() < end) {
      last = await run(id);
      if (cond(last)) return last;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`condition not met: ${JSON.stringify(last?.run)}`);
  }
  const analysisStep = (r: { steps: StepRecord[] }) => r.steps.find((s) => s.kind === 'analysis')!;

  test('a broken metric source pauses at the configured consecutive-error limit: Error, not Failed, no rollback', async () => {
    broken = true;
    const rel = await f.s.cli(['release', 'shop', '--version', 'v2']);
    assert.equal(rel.code, 0, rel.stderr);
    const id = /started: run (\S+),/.exec(rel.stdout)![1];
    const paused = await until(id, (r) => r.run.phase !== 'progressing');
    assert.equal(paused.run.phase, 'paused', JSON.stringify(paused.run));
    assert.equal(paused.run.pausedBy, 'inconclusive');
    assert.equal(paused.run.rollback, null);
    const step = analysisStep(paused);
    const ms = step.measurements as Measurement[];
    // consecutiveErrorLimit 2: the third error in a row ends the analysis run in Error.
    assert.deepEqual(
      ms.map((m) => m.phase),
      ['Error', 'Error', 'Error'],
    );
    assert.deepEqual(paused.run.steps.find((s) => s.kind === 'analysis')!.verdicts, ['error', 'error', 'error']);
    assert.match(ms[0].reasons[0], /metric source down/);
    assert.match(step.message ?? '', /error/);
    // The analysis capability judged it, and stored every interval.
    const show = JSON.parse((await f.s.cli(['analysis', 'show', `${id}.${step.index}.${step.startedAtMs}`, '-o', 'json'])).stdout) as {
      run: { template: string; verdict: string; reason: string };
      intervals: { phase: string }[];
    };
    assert.equal(show.run.template, '(inline)');
    assert.equal(show.run.verdict, 'error');
    assert.match(show.run.reason, /3 errors in a row > consecutiveErrorLimit 2/);
    assert.deepEqual(
      show.intervals.map((i) => i.phase),
      ['Error', 'Error', 'Error'],
    );

    // The source is back (`rollout status` reads live figures from it): the paused run shows the
    // Error verdicts; resume starts the analysis over, as a new run, and the release completes.
    broken = false;
    const st = await f.s.cli(['rollout', 'status', 'shop']);
    assert.equal(st.code, 0, st.stderr);
    assert.match(st.stdout, /error,error,error/);
    const resumed = await f.s.cli(['rollout', 'resume', 'shop']);
    assert.equal(resumed.code, 0, resumed.stderr);
    const done = await until(id, (r) => r.run.phase === 'completed' || r.run.phase === 'rolledBack');
    assert.equal(done.run.phase, 'completed', JSON.stringify(done.run));
    const again = analysisStep(done).measurements as Measurement[];
    assert.deepEqual(
      again.map((m) => m.phase),
      ['Successful', 'Successful', 'Successful'],
    );
    assert.ok(
      again.every((m) => m.requests >= 5 && m.values['error-rate'] !== undefined),
      JSON.stringify(again),
    );
  });

  test('a breached threshold is Failed and rolls back', async () => {
    const rel = await f.s.cli(['release', 'shop', '--version', 'v3', '--set', 'SHOP_ERROR_RATE=0.4', '--wait', '--timeout', '150s']);
    assert.equal(rel.code, 1, rel.stdout + rel.stderr);
    assert.match(rel.stdout, /rolled back shop v3 .*analysisFailed: analysis failed: error-rate [\d.]+ > max 0.05/);
    const st = await f.status();
    assert.equal(st.run!.phase, 'rolledBack');
    const verdicts = st.run!.steps.find((s) => s.kind === 'analysis')!.verdicts;
    assert.equal(verdicts.at(-1), 'fail');
    assert.deepEqual(st.traffic, [{ version: 'v2', weightPercent: 100 }]);
  });
});
