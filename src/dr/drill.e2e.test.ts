/**
 * Rollback drills through the CLI on a real server with the shop as real processes and the
 * server's own router: user load, the serving version released again as a new revision, rolled
 * back once it takes traffic, the figures judged; due dates from the RRULE; refusals.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startRolloutFixture, type RolloutFixture } from '../rollout/e2e-fixture';
import type { DrillRun } from './drill-store';

describe('rollback drills', () => {
  let f: RolloutFixture;
  const drill = (name: string, objectives: Record<string, unknown>) => {
    const file = join(f.s.dataDir, `${name}.yaml`);
    writeFileSync(
      file,
      stringify({
        apiVersion: 'shipgate.dev/v1',
        kind: 'Drill',
        metadata: { name },
        spec: { service: 'shop', environment: 'production', objectives, load: { rate: 20, duration: '6s' } },
      }),
    );
    return f.s.cli(['apply', '-f', file]);
  };
  before(async () => {
    f = await startRolloutFixture('sqlite', { ratePerSecond: 10 });
    await f.apply({});
    const r = await f.s.cli(['release', 'shop', '--version', 'v1', '--wait', '--timeout', '150s']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await drill('quarterly-rollback', { timeToRollback: '2s', maxUserErrors: 0.01 })).code, 0);
  });
  after(() => f.close());

  const drillFactor = async () => {
    const r = await f.s.fetch('/api/v1/changes', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ service: 'shop', environment: 'production', type: 'normal', title: 'a change', rollbackPlan: 'undo', oncall: 'olga' }),
    });
    const c = (await r.json()) as { risk: { factors: { id: string; points: number; detail: string }[] } };
    return c.risk.factors.find((x) => x.id === 'drill-overdue')!;
  };

  test('never run: overdue; a run releases again, rolls back under load and passes; then due next quarter', async () => {
    const overdue = await drillFactor();
    assert.equal(overdue.points, 4, "an overdue drill is a risk fact of the service's changes");
    assert.match(overdue.detail, /recovery drill overdue: quarterly-rollback \(due 2026-01-05\)/);
    const before = await f.s.cli(['drill', 'list']);
    assert.match(before.stdout, /quarterly-rollback\s+shop\/production\s+rollback\s+-\s+never run\s+2026-01-05 10:00:00\s+OVERDUE/);
    const r = await f.s.cli(['drill', 'run', 'quarterly-rollback', '-o', 'json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const run = JSON.parse(r.stdout) as DrillRun;
    assert.equal(run.verdict, 'pass', run.reasons.join('; '));
    assert.ok(run.figures!.timeToRollbackMs! >= 0 && run.figures!.timeToRollbackMs! <= 2000, JSON.stringify(run.figures));
    assert.ok(run.figures!.userRequests >= 100, `user load measured: ${run.figures!.userRequests}`);
    assert.equal(run.figures!.userErrors, 0);
    assert.deepEqual(
      run.steps.map((s) => s.what.split(/[:(]/)[0]!.trim()),
      [
        'started by admin',
        'serving shop.production.1',
        'user load 20/s for 6s through the router',
        'released v1 again as run ' + run.rolloutRun,
        'the new revision takes user traffic',
        'rollback decided',
        'rolled back',
        'user load',
        'passed',
      ],
    );
    // The drill's release is in the history, rolled back; the serving revision did not change.
    const h = JSON.parse((await f.s.cli(['rollout', 'history', 'shop', '-o', 'json'])).stdout) as {
      stableRevision: string;
      runs: { id: string; phase: string }[];
    };
    assert.equal(h.stableRevision, 'shop.production.1');
    assert.equal(h.runs.find((x) => x.id === run.rolloutRun)?.phase, 'rolledBack');
    const after = await f.s.cli(['drill', 'list']);
    assert.match(after.stdout, /quarterly-rollback\s+shop\/production\s+rollback\s+\S+ \S+\s+pass\s+2027-01-05 10:00:00\s*$/m);
    assert.equal((await drillFactor()).points, 0, 'no longer overdue');
  });

  test('an objective missed fails the drill (exit 1) with the figure; refusals', async () => {
    assert.equal((await drill('too-strict', { timeToRollback: '1ms' })).code, 0);
    const r = await f.s.cli(['drill', 'run', 'too-strict']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /FAIL: traffic back \d+ ms after the decision.*traffic back after \d+ ms, over the objective 1 ms/);
    const viewer = await f.s.token('viewer', 'vic');
    const refused = await f.s.cli(['drill', 'run', 'quarterly-rollback'], { token: viewer });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /403|not allowed|role/i);
    const none = await f.s.cli(['drill', 'run', 'nope']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no Drill named nope/);
    const audit = (await (await f.s.fetch('/api/v1/audit/events?kind=Drill&limit=20')).json()) as { items: { action: string; name: string }[] };
    assert.deepEqual(
      audit.items.filter((e) => e.name === 'too-strict' && e.action.startsWith('drill.')).map((e) => e.action),
      ['drill.started', 'drill.finished'],
    );
  });
});
