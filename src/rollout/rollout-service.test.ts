import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Principal } from '../auth/roles';
import { ManualClock } from '../core/clock';
import { ConflictError, NotFoundError, RefusedError, type RefusalCode } from '../core/errors';
import type { Authorization, Authorizer, GateAction, GateSubject } from '../core/hooks';
import { SHIPGATE_API_VERSION } from '../core/kinds';
import type { StoredResource } from '../resources/resource-store';
import { rolloutSpec, type RolloutSpecInput } from './rollout-spec';
import { RolloutService, type RolloutManifests } from './rollout-service';
import * as sm from './run-state';
import { FakeRolloutStore, FakeRunJournal } from './testing/fake-rollout-store';

const deployer: Principal = { tokenId: 't1', role: 'deployer', user: 'dana', userId: 'usr_dana' };

function manifests(...specs: RolloutSpecInput[]): RolloutManifests {
  const items: StoredResource[] = specs.map((s, i) => ({
    manifest: { apiVersion: SHIPGATE_API_VERSION, kind: 'Rollout', metadata: { name: `rollout-${i}` }, spec: rolloutSpec.parse(s) },
    hash: `h${i}`,
    generation: 1,
    createdAt: '',
    updatedAt: '',
    updatedBy: 'admin',
  }));
  return {
    // The real store filters by kind in SQL; the service asks for Rollouts only.
    list: async <S>(_apiVersion: string, kind: string) => (kind === 'Rollout' ? items : []) as StoredResource<S>[],
  };
}

const shop: RolloutSpecInput = {
  service: 'shop',
  environment: 'production',
  route: 'shop',
  target: { type: 'static', endpoints: {} },
  strategy: { canary: { steps: [{ setWeight: 10 }, { pause: {} }, { setWeight: 50 }] } },
};

/** An authorizer that records what it was asked and what was claimed, and refuses on demand. */
class RecordingAuthorizer implements Authorizer {
  readonly asked: { action: GateAction; subject: GateSubject; actor: string }[] = [];
  readonly claimed: { changeId: string; runId: string }[] = [];
  refuse?: RefusalCode;

  async authorize(action: GateAction, subject: GateSubject, actor: Principal): Promise<Authorization> {
    this.asked.push({ action, subject, actor: actor.user });
    if (this.refuse) throw new RefusedError(this.refuse, `refused: ${this.refuse}`);
    const changeId = subject.changeId ?? `CHG-${String(this.asked.length).padStart(6, '0')}`;
    return { changeId, reasons: ['test'], claim: async (_trx, runId) => void this.claimed.push({ changeId, runId }) };
  }

  async prepareFinish(): Promise<() => Promise<void>> {
    return async () => {};
  }
}

function setup(opts: { authorizer?: RecordingAuthorizer | null } = {}) {
  const store = new FakeRolloutStore();
  const journal = new FakeRunJournal(store);
  const clock = new ManualClock();
  const authorizer = opts.authorizer === null ? undefined : (opts.authorizer ?? new RecordingAuthorizer());
  const service = new RolloutService(store, journal, manifests(shop), clock, () => authorizer);
  /** Ends the active run the way the engine would: completed (serving) or rolled back. */
  const finish = async (phase: 'completed' | 'rolledBack') => {
    const run = (await store.activeRun('shop', 'production'))!;
    clock.advance(1000);
    const done: sm.RunState = { ...run, phase, finishedAtMs: clock.now(), updatedAtMs: clock.now() };
    await journal.commit(run, done, phase, 'system:rollout');
    clock.advance(1000);
  };
  return { store, journal, clock, authorizer, service, finish };
}

const release = (version: string, set: Record<string, string> = {}) => ({ service: 'shop', environment: 'production', version, set });

test('a first release creates revision 1, starts a canary run and claims its change in the same transaction', async () => {
  const { service, store, journal, authorizer } = setup();
  const run = await service.release(release('v1'), deployer);
  assert.equal(run.toRevision, 'shop.production.1');
  assert.equal(run.fromRevision, null);
  assert.equal(run.phase, 'progressing');
  assert.equal(run.changeId, 'CHG-000001');
  assert.ok(store.revisionsById.has('shop.production.1'));
  assert.deepEqual(
    authorizer!.asked.map((a) => a.action),
    ['release'],
  );
  assert.equal(authorizer!.asked[0].subject.revision?.version, 'v1');
  assert.deepEqual(authorizer!.claimed, [{ changeId: 'CHG-000001', runId: run.id }]);
  assert.deepEqual(
    journal.entries.map((e) => e.event),
    ['started'],
  );
});

test('revision numbers go up per release; the next release starts from the serving revision', async () => {
  const { service, finish } = setup();
  await service.release(release('v1', { COLOR: 'blue' }), deployer);
  await finish('completed');
  const second = await service.release(release('v2'), deployer);
  assert.equal(second.toRevision, 'shop.production.2');
  assert.equal(second.fromRevision, 'shop.production.1');
  assert.equal(second.fromVersion, 'v1');
});

test('releasing the exact revision that serves is refused before the gate is asked', async () => {
  const { service, finish, authorizer } = setup();
  await service.release(release('v1', { COLOR: 'blue' }), deployer);
  await finish('completed');
  authorizer!.asked.length = 0;
  await assert.rejects(
    service.release(release('v1', { COLOR: 'blue' }), deployer),
    (e) => e instanceof ConflictError && /already runs this exact revision/.test(e.message),
  );
  assert.equal(authorizer!.asked.length, 0);
  // A config change is a new revision, even with the same version.
  const run = await service.release(release('v1', { COLOR: 'green' }), deployer);
  assert.equal(run.toRevision, 'shop.production.2');
});

test('a release while a run is active is refused, and stores no revision', async () => {
  const { service, store } = setup();
  const first = await service.release(release('v1'), deployer);
  await assert.rejects(service.release(release('v2'), deployer), (e) => e instanceof ConflictError && e.message.includes(first.id));
  assert.deepEqual([...store.revisionsById.keys()], ['shop.production.1']);
});

test('a refusal by the gate starts nothing', async () => {
  const authorizer = new RecordingAuthorizer();
  authorizer.refuse = 'BUDGET_FROZEN';
  const { service, store } = setup({ authorizer });
  await assert.rejects(service.release(release('v1'), deployer), (e) => e instanceof RefusedError && e.code === 'BUDGET_FROZEN');
  assert.equal(store.runsById.size, 0);
  assert.equal(store.revisionsById.size, 0);
});

test('two releases racing past the active-run check: the loser is a conflict and its revision rolls back with its run', async () => {
  const { service, store } = setup();
  await service.release(release('v1'), deployer);
  // The second release reads "no active run" before the first one's insert is visible.
  const activeRun = store.activeRun.bind(store);
  store.activeRun = async () => undefined;
  await assert.rejects(
    service.release(release('v2'), deployer),
    (e) => e instanceof ConflictError && /another release of shop in production started at the same time/.test(e.message),
  );
  store.activeRun = activeRun;
  assert.deepEqual([...store.revisionsById.keys()], ['shop.production.1'], "the loser's revision rolled back with its run");
  assert.equal(store.runsById.size, 1);
});

test('without the change capability releases are not gated', async () => {
  const { service } = setup({ authorizer: null });
  const run = await service.release(release('v1'), deployer);
  assert.equal(run.changeId, null);
});

test('a service with no Rollout is not found', async () => {
  const { service } = setup();
  await assert.rejects(
    service.release({ ...release('v1'), service: 'cart' }, deployer),
    (e) => e instanceof NotFoundError && /known: shop\/production/.test(e.message),
  );
});

test('retry starts the rolled-back revision again, unchanged, through the gate', async () => {
  const { service, store, finish, authorizer } = setup();
  await service.release(release('v1'), deployer);
  await finish('completed');
  const failed = await service.release(release('v2'), deployer);
  await finish('rolledBack');
  const again = await service.retry('shop', 'production', deployer);
  assert.equal(again.toRevision, failed.toRevision);
  assert.equal(again.fromRevision, 'shop.production.1');
  assert.equal(store.revisionsById.size, 2, 'no new revision');
  assert.equal(authorizer!.asked.at(-1)!.action, 'retry');
});

test('retry refuses when the last release did not roll back, or there was none', async () => {
  const { service, finish } = setup();
  await assert.rejects(service.retry('shop', 'production', deployer), NotFoundError);
  await service.release(release('v1'), deployer);
  await assert.rejects(service.retry('shop', 'production', deployer), (e) => e instanceof ConflictError && /is progressing/.test(e.message));
  await finish('completed');
  await assert.rejects(service.retry('shop', 'production', deployer), (e) => e instanceof ConflictError && /is completed/.test(e.message));
});

test('undo goes back to the revision before the serving one, and only to revisions that served', async () => {
  const { service, finish, authorizer } = setup();
  await assert.rejects(service.undo('shop', 'production', undefined, deployer), (e) => e instanceof ConflictError && /no serving revision/.test(e.message));
  await service.release(release('v1'), deployer);
  await finish('completed');
  await service.release(release('v2'), deployer);
  await finish('rolledBack');
  await service.release(release('v3'), deployer);
  await finish('completed');
  // Revision 2 was rolled back: it never served.
  await assert.rejects(
    service.undo('shop', 'production', 2, deployer),
    (e) => e instanceof ConflictError && (e.details as { rule?: string }).rule === 'undo-to-served',
  );
  await assert.rejects(service.undo('shop', 'production', 9, deployer), NotFoundError);
  await assert.rejects(service.undo('shop', 'production', 3, deployer), (e) => e instanceof ConflictError && /already serving/.test(e.message));
  const back = await service.undo('shop', 'production', undefined, deployer);
  assert.equal(back.toRevision, 'shop.production.1');
  assert.equal(back.fromRevision, 'shop.production.3');
  assert.equal(authorizer!.asked.at(-1)!.action, 'undo');
});

test("pause and abort are never gated; promote and resume ask the gate with the run's change and claim it", async () => {
  const { service, journal, authorizer } = setup();
  const run = await service.release(release('v1'), deployer);
  authorizer!.asked.length = 0;
  authorizer!.claimed.length = 0;
  await service.command('shop', 'production', 'pause', deployer);
  assert.equal(authorizer!.asked.length, 0);
  const resumed = await service.command('shop', 'production', 'resume', deployer);
  assert.equal(resumed.phase, 'progressing');
  assert.deepEqual(
    authorizer!.asked.map((a) => [a.action, a.subject.changeId]),
    [['promote', run.changeId]],
  );
  assert.deepEqual(authorizer!.claimed, [{ changeId: run.changeId, runId: run.id }]);
  const aborted = await service.command('shop', 'production', 'abort', deployer);
  assert.equal(aborted.phase, 'rollingBack');
  assert.equal(aborted.rollback?.reason, 'aborted');
  assert.equal(authorizer!.asked.length, 1, 'abort did not ask');
  assert.deepEqual(
    journal.entries.map((e) => e.event),
    ['started', 'paused', 'resumed', 'rollback.decided'],
  );
  // Each stored transition bumped the run's version (compare-and-set).
  assert.equal(aborted.version, run.version + 3);
});

test('a gate refusal of promote leaves the run as it was', async () => {
  const authorizer = new RecordingAuthorizer();
  const { service, store } = setup({ authorizer });
  const run = await service.release(release('v1'), deployer);
  authorizer.refuse = 'OUTSIDE_WINDOW';
  await assert.rejects(service.command('shop', 'production', 'promote', deployer), RefusedError);
  assert.deepEqual(await store.activeRun('shop', 'production'), run);
});

test('abort while already rolling back, and commands without an active run, are conflicts', async () => {
  const { service } = setup();
  await assert.rejects(
    service.command('shop', 'production', 'pause', deployer),
    (e) => e instanceof ConflictError && /no rollout of shop in production is in progress/.test(e.message),
  );
  await service.release(release('v1'), deployer);
  await service.command('shop', 'production', 'abort', deployer);
  await assert.rejects(service.command('shop', 'production', 'abort', deployer), (e) => e instanceof ConflictError && /already rolling back/.test(e.message));
});
