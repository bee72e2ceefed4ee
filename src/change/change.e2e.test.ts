import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startTestServer, type TestServer } from '../testing/harness';
import { testStores } from '../testing/postgres';
import { ManualClock } from '../core/clock';
import { HOOKS, type ReleaseGate } from '../core/hooks';
import { transaction } from '../store/db';
import type { ChangeView } from './change-view';

const TESTDATA = join(import.meta.dirname, 'testdata');
const H = 3600_000;

for (const store of await testStores()) {
  describe(`change governance on ${store}`, () => {
    let s: TestServer;
    const clock = new ManualClock(Date.parse('2026-03-02T09:00:00Z'));
    const tok: Record<string, string> = {};

    async function ok(args: string[], who: string): Promise<string> {
      const r = await s.cli(args, { token: tok[who] });
      assert.equal(r.code, 0, `${args.join(' ')} as ${who}: ${r.stderr}`);
      return r.stdout;
    }
    async function refused(args: string[], who: string, pattern: RegExp): Promise<void> {
      const r = await s.cli(args, { token: tok[who] });
      assert.equal(r.code, 2, `${args.join(' ')} as ${who} should be refused: ${r.stdout}`);
      assert.match(r.stderr, pattern);
    }
    async function json(args: string[], who: string): Promise<ChangeView> {
      return JSON.parse(await ok([...args, '-o', 'json'], who)) as ChangeView;
    }

    before(async () => {
      s = await startTestServer({ store, clock });
      const r = await s.cli(['apply', '-f', TESTDATA]);
      assert.equal(r.code, 0, r.stderr);
      tok.alice = await s.token('deployer', 'alice');
      tok.bob = await s.token('approver', 'bob');
      tok.bobDeployer = await s.token('deployer', 'bob');
      tok.carol = await s.token('approver', 'carol');
      tok.dave = await s.token('approver', 'dave');
      tok.erin = await s.token('deployer', 'erin');
      tok.olga = await s.token('oncall', 'olga');
    });
    after(() => s.close());

    test('a standard change flows straight to scheduled and closes', async () => {
      const c = await json(
        [
          'change',
          'create',
          '--service',
          'search',
          '--env',
          'production',
          '--type',
          'standard',
          '--template',
          'search-routine',
          '--title',
          'bump cache size',
          '--kind',
          'config',
          '--rollback-plan',
          'revert config',
        ],
        'alice',
      );
      assert.equal(c.state, 'new');
      assert.match(c.id, /^CHG-\d{6}$/);
      assert.equal((await json(['change', 'submit', c.id.replace(/^CHG-0+/, 'chg-')], 'alice')).state, 'scheduled');
      assert.equal((await json(['change', 'implement', c.id], 'alice')).state, 'implement');
      const done = await json(['change', 'complete', c.id, '--outcome', 'successful'], 'alice');
      assert.equal(done.state, 'closed');
      assert.deepEqual(done.reviewReasons, []);
      const audit = (await (await s.fetch(`/api/v1/audit/events?kind=ChangeRequest&name=${c.id}`)).json()) as { items: { action: string; actor: string }[] };
      assert.deepEqual(
        audit.items.map((e) => e.action),
        ['change.create', 'change.submit', 'change.implement', 'change.complete'],
      );
      assert.ok(audit.items.every((e) => e.actor === 'alice'));
    });

    test('a normal change: risk factors, SoD refusals, compensating review, failure and review', async () => {
      const c = await json(
        [
          'change',
          'create',
          '--service',
          'shop',
          '--env',
          'production',
          '--type',
          'normal',
          '--title',
          'checkout v2',
          '--rollback-plan',
          'roll back to 2.3',
          '--oncall',
          'olga',
          '--scheduled-for',
          '2026-03-03T20:30:00Z',
        ],
        'alice',
      );
      const show = await ok(['change', 'show', c.id], 'alice');
      assert.match(show, /FACTOR\s+POINTS\s+DETAIL/);
      assert.match(show, /tier\s+15\s+tier 1 service/);
      assert.match(show, /spof\s+6\s+other services hard-depend on it/);
      assert.equal(c.risk!.factors.length, 18);
      assert.equal(
        c.risk!.points,
        c.risk!.factors.reduce((a, f) => a + f.points, 0),
      );

      assert.equal((await json(['change', 'submit', c.id], 'alice')).state, 'assess');
      await refused(['change', 'approve', c.id], 'alice', /role "deployer"|not allowed|may not/i);
      const aliceApprover = await s.token('approver', 'alice');
      const r = await s.cli(['change', 'approve', c.id], { token: aliceApprover });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /sod\.author-approves/);

      const approved = await json(['change', 'approve', c.id, '--comment', 'looks fine'], 'bob');
      assert.equal(approved.state, 'scheduled');
      assert.equal(approved.approvals[0].comment, 'looks fine');

      await refused(['change', 'implement', c.id], 'bobDeployer', /sod\.approver-implements/);
      await refused(['change', 'review', c.id, '--compensating', '--summary', 'self check'], 'alice', /sod\.compensating-reviewer/);
      await ok(['change', 'review', c.id, '--compensating', '--summary', 'diff and plan checked'], 'carol');
      assert.equal((await json(['change', 'implement', c.id], 'bobDeployer')).implementer, 'bob');

      const failed = await json(['change', 'complete', c.id, '--outcome', 'failed'], 'bobDeployer');
      assert.equal(failed.state, 'review');
      assert.deepEqual(failed.reviewReasons, ['the change failed']);
      const closed = await json(['change', 'review', c.id, '--summary', 'missing index; add a canary step'], 'erin');
      assert.equal(closed.state, 'closed');
      assert.equal(closed.reviews.find((x) => x.kind === 'post-implementation')!.late, false);
    });

    test('an irreversible high-risk change needs a rollback plan, two approvers and the CAB', async () => {
      const bare = await json(
        [
          'change',
          'create',
          '--service',
          'db',
          '--env',
          'production',
          '--type',
          'normal',
          '--kind',
          'data-migration',
          '--irreversible',
          '--title',
          'drop legacy column',
        ],
        'alice',
      );
      assert.ok(['high', 'critical'].includes(bare.risk!.level), bare.risk!.level);
      await ok(['change', 'submit', bare.id], 'alice');
      await refused(['change', 'approve', bare.id], 'bob', /policy\.rollback-plan-required/);
      await ok(['change', 'cancel', bare.id, '--reason', 'redo with a plan'], 'alice');

      const c = await json(
        [
          'change',
          'create',
          '--service',
          'db',
          '--env',
          'production',
          '--type',
          'normal',
          '--kind',
          'data-migration',
          '--irreversible',
          '--title',
          'drop legacy column',
          '--rollback-plan',
          'restore from snapshot',
          '--oncall',
          'olga',
        ],
        'alice',
      );
      await ok(['change', 'submit', c.id], 'alice');
      assert.equal((await json(['change', 'approve', c.id], 'bob')).state, 'assess');
      await refused(['change', 'approve', c.id], 'bob', /sod\.approve-twice/);
      assert.equal((await json(['change', 'approve', c.id], 'carol')).state, 'authorize');
      const agenda = await ok(['cab', 'agenda'], 'alice');
      assert.match(agenda, new RegExp(`${c.id}.*1 from cab`));
      await refused(['change', 'implement', c.id], 'erin', /only a scheduled change request can be implemented/);
      assert.equal((await json(['change', 'approve', c.id], 'dave')).state, 'scheduled');
      assert.equal((await json(['change', 'implement', c.id], 'erin')).state, 'implement');
      assert.equal((await json(['change', 'complete', c.id, '--outcome', 'successful', '--budget-consumed', '0.3'], 'erin')).state, 'review');
    });

    test('a rejected change goes back to new and starts a new round', async () => {
      const c = await json(
        ['change', 'create', '--service', 'web', '--env', 'production', '--type', 'normal', '--title', 'new banner', '--rollback-plan', 'revert'],
        'alice',
      );
      await ok(['change', 'submit', c.id], 'alice');
      const rejected = await json(['change', 'reject', c.id, '--comment', 'needs a flag'], 'bob');
      assert.equal(rejected.state, 'new');
      assert.equal(rejected.cycle, 2);
      await ok(['change', 'submit', c.id], 'alice');
      assert.equal((await json(['change', 'approve', c.id], 'bob')).state, 'scheduled');
    });

    test('an emergency change crosses the freeze; its retrospective review becomes overdue', async () => {
      clock.set(Date.parse('2026-03-30T10:00:00Z'));
      const normal = await json(
        ['change', 'create', '--service', 'web', '--env', 'production', '--type', 'normal', '--title', 'copy fix', '--rollback-plan', 'revert'],
        'alice',
      );
      await refused(['change', 'schedule', normal.id, '--start', '+1h'], 'alice', /quarter-end reporting.*only an emergency change/);
      await refused(
        ['change', 'create', '--service', 'web', '--env', 'production', '--type', 'normal', '--title', 'x', '--scheduled-for', '+2h'],
        'alice',
        /freeze window quarter-end/,
      );
      const std = await json(
        ['change', 'create', '--service', 'search', '--env', 'production', '--type', 'standard', '--template', 'search-routine', '--title', 'reindex'],
        'alice',
      );
      await ok(['change', 'submit', std.id], 'alice');
      await refused(['change', 'implement', std.id], 'alice', /freeze window is in force/);

      const emergency = [
        'change',
        'create',
        '--service',
        'shop',
        '--env',
        'production',
        '--type',
        'emergency',
        '--title',
        'hotfix payment timeout',
        '--rollback-plan',
        'revert',
        '--oncall',
        'olga',
        '--scheduled-for',
        'now',
      ];
      await refused([...emergency, '--reason', 'payments time out'], 'alice', /only an on-call engineer/);
      await refused(emergency, 'olga', /needs a reason/);
      const e = await json([...emergency, '--reason', 'payments time out'], 'olga');
      assert.equal((await json(['change', 'submit', e.id], 'olga')).state, 'authorize');
      await refused(['change', 'approve', e.id], 'bob', /cab.*policy\.no-open-requirement/);
      const agenda = await ok(['cab', 'agenda'], 'alice');
      assert.match(agenda.split('\n')[1], new RegExp(`^1\\s+${e.id}\\s+emergency`));
      const authorised = await json(['change', 'approve', e.id], 'dave');
      assert.equal(authorised.state, 'scheduled');
      assert.ok(authorised.conflicts.some((x) => x.kind === 'freeze' && x.with === 'quarter-end'));
      const implemented = await json(['change', 'implement', e.id], 'olga');
      assert.equal(implemented.state, 'implement');
      const done = await json(['change', 'complete', e.id, '--outcome', 'successful'], 'olga');
      assert.equal(done.state, 'review');
      assert.equal(done.reviewOverdue, false);

      clock.advance(25 * H);
      assert.match(await ok(['change', 'show', e.id], 'alice'), /retrospective review due: .*OVERDUE/);
      assert.match(await ok(['change', 'list', '--state', 'review'], 'alice'), new RegExp(`${e.id}\\s+review \\(review overdue\\)`));
      const reviewed = await json(['change', 'review', e.id, '--summary', 'timeout raised; alert added'], 'olga');
      assert.equal(reviewed.state, 'closed');
      assert.equal(reviewed.reviews[0].late, true);
      const audit = (await (await s.fetch(`/api/v1/audit/events?kind=ChangeRequest&name=${e.id}`)).json()) as {
        items: { action: string; details: { crossedFreeze?: string } }[];
      };
      assert.equal(audit.items.find((x) => x.action === 'change.implement')!.details.crossedFreeze, 'quarter-end');
      clock.set(Date.parse('2026-04-02T09:00:00Z'));
    });

    test('calendar, dora, risk model and bad input', async () => {
      const cal = await ok(['calendar', '--from', '2026-03-30', '--to', '2026-04-01'], 'alice');
      assert.match(cal, /freeze\s+quarter-end\s+quarter-end reporting/);
      assert.match(cal, /maintenance\s+shop-evenings/);
      assert.match(cal, /change\s+CHG-/);

      const dora = JSON.parse(await ok(['dora', '--since', '90d', '-o', 'json'], 'alice'));
      assert.equal(dora.overall.deployments, 4);
      assert.equal(dora.overall.failures, 1);
      assert.equal(dora.overall.changeFailRate.value, 0.25);
      assert.equal(dora.overall.deploymentReworkRate.value, 0.25);
      assert.match(await ok(['dora', '--service', 'shop'], 'alice'), /change fail rate\s+0\.500/);

      const model = JSON.parse(await ok(['risk', 'model', '-o', 'json'], 'alice'));
      assert.equal(model.outcomes, 4);
      assert.match(await ok(['risk', 'model'], 'alice'), /4 closed changes with an outcome/);

      await refused(
        ['change', 'create', '--service', 'nope', '--env', 'production', '--type', 'normal', '--title', 'x'],
        'alice',
        /service "nope" is not in the catalog/,
      );
      await refused(
        ['change', 'create', '--service', 'shop', '--env', 'production', '--type', 'normal', '--title', 'x', '--scheduled-for', 'tomorrow'],
        'alice',
        /scheduledStart/,
      );
      await refused(['change', 'show', 'CHG-999999'], 'alice', /not found/);
      const bad = await s.fetch('/api/v1/changes', {
        method: 'POST',
        body: JSON.stringify({ service: 'shop', environment: 'production', type: 'urgent', title: 'x' }),
        token: tok.alice,
      });
      assert.equal(bad.status, 400);
      assert.match(JSON.stringify(await bad.json()), /type/);
    });

    test('the SLO release gate feeds the error budget factor and the >20% review rule', async () => {
      let remaining = 0.5;
      const gate: ReleaseGate = {
        evaluate: async () => ({ decision: 'allow', reason: 'ok', details: { objectives: [{ budgetRemaining: remaining, burnRate: 2.5 }] } }),
      };
      s.server.ctx.services.provide(HOOKS.releaseGate, gate);
      try {
        const c = await json(
          [
            'change',
            'create',
            '--service',
            'search',
            '--env',
            'production',
            '--type',
            'standard',
            '--template',
            'search-routine',
            '--title',
            'tune ranking',
            '--rollback-plan',
            'revert',
          ],
          'alice',
        );
        const factor = (id: string) => c.risk!.factors.find((f) => f.id === id)!;
        assert.deepEqual([factor('error-budget').points, factor('burn-rate').points], [0, 6]);
        await ok(['change', 'submit', c.id], 'alice');
        await ok(['change', 'implement', c.id], 'alice');
        remaining = 0.2;
        const done = await json(['change', 'complete', c.id, '--outcome', 'successful'], 'alice');
        assert.equal(done.state, 'review');
        assert.match(done.reviewReasons[0], /consumed 30\.0% of the error budget/);
      } finally {
        s.server.ctx.services.remove(HOOKS.releaseGate);
      }
    });

    test('releases wait for authorisation through the one authorisation path', async () => {
      assert.equal(new Date(clock.now()).toISOString(), '2026-04-02T09:00:00.000Z', 'after the quarter-end freeze');
      const hook = s.server.ctx.services.get(HOOKS.authorizer)!;
      const actor = { tokenId: 't', role: 'deployer' as const, user: 'erin' };
      const rev = (version: string) => ({ version, artifact: '', configHash: 'c'.repeat(64) });
      const free = await hook.authorize('release', { service: 'search', environment: 'staging', revision: rev('1.2.0') }, actor);
      assert.ok(free.changeId);
      assert.equal((await json(['change', 'show', free.changeId], 'alice')).type, 'standard', 'covered by the search-routine template');
      const gated = await hook.authorize('release', { service: 'web', environment: 'production', revision: rev('3.0.0') }, actor).catch((e) => e);
      assert.equal(gated.code, 'CHANGE_NOT_APPROVED');
      assert.match(gated.message, /awaiting approval: 1 from peers/);
      const changeId = gated.details.changeId as string;
      assert.match(await ok(['cab', 'agenda'], 'alice'), new RegExp(`${changeId}\\s+normal`));
      assert.doesNotMatch(await ok(['cab', 'agenda', '--date', '2026-04-03'], 'alice'), new RegExp(changeId));
      await ok(['change', 'approve', changeId], 'bob');
      const other = await hook.authorize('release', { service: 'web', environment: 'production', revision: rev('3.0.1'), changeId }, actor).catch((e) => e);
      assert.equal(other.code, 'CHANGE_MISMATCH');
      assert.match(other.message, /version: approved 3\.0\.0, requested 3\.0\.1/);
      const again = await hook.authorize('release', { service: 'web', environment: 'production', revision: rev('3.0.0') }, actor);
      assert.equal(again.changeId, changeId);
      await transaction(s.server.ctx.db, (trx) => again.claim(trx, 'run-test'));
      const used = await hook.authorize('release', { service: 'web', environment: 'production', revision: rev('3.0.0'), changeId }, actor).catch((e) => e);
      assert.equal(used.code, 'CHANGE_NOT_APPROVED');
      assert.match(used.message, /already authorised run run-test/);
      const finish = await hook.prepareFinish(changeId, 'rolled-back');
      await transaction(s.server.ctx.db, (trx) => finish(trx));
      const v = await json(['change', 'show', changeId], 'alice');
      assert.deepEqual([v.state, v.outcome], ['review', 'rolled-back']);
      const audit = (await (await s.fetch(`/api/v1/audit/events?kind=Gate`)).json()) as { items: { action: string; details: { code?: string } }[] };
      assert.deepEqual(
        audit.items.filter((e) => e.action === 'gate.refuse').map((e) => e.details.code),
        ['CHANGE_NOT_APPROVED', 'CHANGE_MISMATCH', 'CHANGE_NOT_APPROVED'],
      );
    });

    test("an environment's kind comes from its Environment resource, never its name; none means production", async () => {
      const file = join(mkdtempSync(join(tmpdir(), 'shipgate-change-envs-')), 'envs.yaml');
      const env = (name: string, kind: string) => `apiVersion: shipgate.dev/v1\nkind: Environment\nmetadata: { name: ${name} }\nspec: { kind: ${kind} }\n`;
      writeFileSync(file, `${env('prod-eu', 'staging')}---\n${env('eu-live', 'production')}`);
      const applied = await s.cli(['apply', '-f', file]);
      assert.equal(applied.code, 0, applied.stderr);
      const assessed: [string, string, number][] = [];
      for (const environment of ['prod-eu', 'eu-live', 'sandbox-7']) {
        const c = await json(
          ['change', 'create', '--service', 'search', '--env', environment, '--type', 'normal', '--title', `kind of ${environment}`],
          'alice',
        );
        assessed.push([environment, c.environmentKind, c.risk!.factors.find((f) => f.id === 'environment')!.points]);
        await ok(['change', 'cancel', c.id, '--reason', 'only assessed'], 'alice');
      }
      assert.deepEqual(assessed, [
        ['prod-eu', 'staging', 2],
        ['eu-live', 'production', 8],
        ['sandbox-7', 'production', 8],
      ]);
    });
  });
}
