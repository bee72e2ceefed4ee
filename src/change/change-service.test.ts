import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Principal, Role } from '../auth/roles';
import { ServiceRegistry, type ServerContext } from '../core/capability';
import { ManualClock } from '../core/clock';
import { ConflictError, DomainError, InputError, RefusedError } from '../core/errors';
import { SHIPGATE_API_VERSION } from '../core/kinds';
import type { StoredResource } from '../resources/resource-store';
import { catalogCapability } from '../catalog/capability';
import { FAKE_TX } from '../store/testing/fake-transaction';
import { ChangeService, type CreateChangeInput } from './change-service';
import { FakeAudit } from '../audit/testing/fake-audit';
import { FakeChangeStore } from './testing/fake-change-store';

const person = (user: string, role: Role = 'approver'): Principal => ({ tokenId: `tok_${user}`, role, user, userId: `usr_${user}` });
const ann = person('ann', 'deployer');
const bob = person('bob');
const cat = person('cat');
const dan = person('dan', 'deployer');

/**
 * The parts of a server context ChangeService reads besides its store: the clock, the service
 * registry with the catalog's graph hook, the catalog's manifests and a logger. Nothing here opens a database.
 */
function context(clock: ManualClock): ServerContext {
  const resources: StoredResource[] = [
    {
      manifest: { apiVersion: SHIPGATE_API_VERSION, kind: 'Service', metadata: { name: 'shop' }, spec: { tier: 3 } },
      hash: 'h',
      generation: 1,
      createdAt: '',
      updatedAt: '',
      updatedBy: 'admin',
    },
    {
      manifest: { apiVersion: SHIPGATE_API_VERSION, kind: 'Environment', metadata: { name: 'production' }, spec: { kind: 'production' } },
      hash: 'h',
      generation: 1,
      createdAt: '',
      updatedAt: '',
      updatedBy: 'admin',
    },
  ];
  const partial: Pick<ServerContext, 'clock' | 'services'> & { log: Pick<ServerContext['log'], 'warn'>; resources: Pick<ServerContext['resources'], 'list'> } =
    {
      clock,
      services: new ServiceRegistry(),
      resources: { list: async <S>(_v: string, kind: string) => resources.filter((r) => r.manifest.kind === kind) as StoredResource<S>[] },
      log: { warn: () => {} },
    };
  // Only these fields are read by the change service and its facts; a test reaching for another fails on undefined.
  const ctx = partial as unknown as ServerContext;
  // The catalog's own graph hook over the manifests above: services and environment kinds come from it.
  catalogCapability.init!(ctx);
  return ctx;
}

function setup() {
  const clock = new ManualClock(Date.parse('2026-03-02T10:00:00Z'));
  const store = new FakeChangeStore();
  const audit = new FakeAudit();
  const models = { model: async () => undefined, samples: async () => [] };
  const service = new ChangeService(context(clock), { store, models, audit, transaction: (fn) => store.transaction(fn) });
  return { clock, store, audit, service };
}

const normal = (extra: Partial<CreateChangeInput> = {}): CreateChangeInput => ({
  service: 'shop',
  environment: 'production',
  type: 'normal',
  title: 'ship v2',
  rollbackPlan: 'undo',
  oncall: 'olga',
  ...extra,
});

const rule = (r: string) => (e: unknown) => e instanceof DomainError && (e.details as { rule?: string } | undefined)?.rule === r;

test('a normal change: new, then assess on submit, then scheduled by one peer approval; each step audited', async () => {
  const { service, audit } = setup();
  const created = await service.create(normal(), ann);
  assert.equal(created.id, 'CHG-000001');
  assert.equal(created.state, 'new');
  const submitted = await service.submit(created.id, ann);
  assert.equal(submitted.state, 'assess');
  assert.ok(submitted.submittedAtMs);
  const approved = await service.approve(created.id, bob, 'fine');
  assert.equal(approved.state, 'scheduled');
  assert.ok(approved.authorizedAtMs);
  assert.deepEqual(
    audit.events.map((e) => e.action),
    ['change.create', 'change.submit', 'change.approve'],
  );
  assert.deepEqual(
    audit.events.map((e) => e.actor),
    ['ann', 'ann', 'bob'],
  );
});

test('the author cannot approve their own change, and nobody approves twice', async () => {
  const { service } = setup();
  const change = await service.create(normal({ irreversible: true }), ann);
  await service.submit(change.id, ann);
  await assert.rejects(service.approve(change.id, ann), rule('sod.author-approves'));
  await service.approve(change.id, bob);
  await assert.rejects(service.approve(change.id, bob), rule('sod.approve-twice'));
});

test('an irreversible change needs two approvers before it is scheduled', async () => {
  const { service } = setup();
  const change = await service.create(normal({ irreversible: true }), ann);
  await service.submit(change.id, ann);
  assert.equal((await service.approve(change.id, bob)).state, 'assess');
  assert.equal((await service.approve(change.id, cat)).state, 'scheduled');
});

test('a rejection sends the change back to new in a new round: earlier approvals no longer count', async () => {
  const { service } = setup();
  const change = await service.create(normal({ irreversible: true }), ann);
  await service.submit(change.id, ann);
  await service.approve(change.id, bob);
  const rejected = await service.reject(change.id, cat, 'not now');
  assert.equal(rejected.state, 'new');
  assert.equal(rejected.cycle, 2);
  assert.equal(rejected.submittedAtMs, null);
  await service.submit(change.id, ann);
  // bob approved in round 1; in round 2 he may approve again, and one approval is not two.
  assert.equal((await service.approve(change.id, bob)).state, 'assess');
});

test('approving outside assess or authorize is refused by the state machine', async () => {
  const { service } = setup();
  const change = await service.create(normal(), ann);
  await assert.rejects(service.approve(change.id, bob), (e) => e instanceof ConflictError && rule('approve-when-awaiting')(e));
});

test('an approval whose audit event fails is not stored: change and approval commit together', async () => {
  const { service, store, audit } = setup();
  const change = await service.create(normal(), ann);
  await service.submit(change.id, ann);
  audit.failOn = 'change.approve';
  await assert.rejects(service.approve(change.id, bob), /audit append failed/);
  const after = await store.get(change.id);
  assert.equal(after.state, 'assess');
  assert.deepEqual(await store.approvals(change.id), []);
  audit.failOn = undefined;
  assert.equal((await service.approve(change.id, bob)).state, 'scheduled');
});

test('an approver may not implement; someone else may, and completing closes or asks for a review by outcome', async () => {
  const { service } = setup();
  const a = await service.create(normal(), ann);
  await service.submit(a.id, ann);
  await service.approve(a.id, bob);
  await assert.rejects(service.implement(a.id, bob), rule('sod.approver-implements'));
  const implementing = await service.implement(a.id, dan);
  assert.equal(implementing.state, 'implement');
  assert.equal(implementing.implementer, 'dan');
  assert.equal((await service.complete(a.id, dan, { outcome: 'successful' })).state, 'closed');

  const b = await service.create(normal({ title: 'ship v3' }), ann);
  await service.submit(b.id, ann);
  await service.approve(b.id, bob);
  await service.implement(b.id, dan);
  const failed = await service.complete(b.id, dan, { outcome: 'failed' });
  assert.equal(failed.state, 'review');
  await assert.rejects(service.cancel(b.id, ann), rule('cancel-before-implement'));
  assert.equal((await service.review(b.id, cat, { summary: 'bad migration' })).state, 'closed');
});

test('implementing a change that is not scheduled is refused', async () => {
  const { service } = setup();
  const change = await service.create(normal(), ann);
  await assert.rejects(service.implement(change.id, dan), rule('implement-when-scheduled'));
});

test('claimIn refuses a change that moved since it was authorised (row version), and stores nothing', async () => {
  const { service, store } = setup();
  const change = await service.create(normal(), ann);
  await service.submit(change.id, ann);
  await service.approve(change.id, bob);
  const seen = await store.get(change.id);
  await service.schedule(change.id, ann, { startMs: Date.parse('2026-03-02T12:00:00Z') });
  await assert.rejects(
    store.transaction((trx) => service.claimIn(trx, change.id, dan, 'run_1', { rowVersion: seen.rowVersion })),
    rule('stale-update'),
  );
  assert.equal((await store.get(change.id)).state, 'scheduled');
  const now = await store.get(change.id);
  const claimed = await store.transaction((trx) => service.claimIn(trx, change.id, dan, 'run_1', { rowVersion: now.rowVersion }));
  assert.deepEqual([claimed.state, claimed.runId, claimed.implementer], ['implement', 'run_1', 'dan']);
});

test("completeIn records the run's outcome once: a change completed by hand meanwhile is left alone", async () => {
  const { service, store, audit } = setup();
  const change = await service.create(normal(), ann);
  await service.submit(change.id, ann);
  await service.approve(change.id, bob);
  const c = await store.get(change.id);
  await store.transaction((trx) => service.claimIn(trx, change.id, dan, 'run_1', { rowVersion: c.rowVersion }));
  await service.completeIn(FAKE_TX, change.id, 'system:rollout', 'rolled-back', undefined);
  assert.equal((await store.get(change.id)).state, 'review');
  const events = audit.events.length;
  await service.completeIn(FAKE_TX, change.id, 'system:rollout', 'successful', undefined);
  assert.equal((await store.get(change.id)).outcome, 'rolled-back');
  assert.equal(audit.events.length, events, 'no second audit event');
});

test('create refuses an unknown service, a standard change without a template, and an emergency declared by anyone but on-call', async () => {
  const { service, store } = setup();
  await assert.rejects(service.create(normal({ service: 'cart' }), ann), (e) => e instanceof InputError && /known: shop/.test(e.message));
  await assert.rejects(service.create(normal({ type: 'standard' }), ann), (e) => e instanceof RefusedError && e.code === 'STANDARD_TEMPLATE_REQUIRED');
  await assert.rejects(
    service.create(normal({ type: 'emergency', emergencyReason: 'outage' }), ann),
    (e) => e instanceof RefusedError && e.code === 'EMERGENCY_NOT_ALLOWED',
  );
  await assert.rejects(
    service.create(normal({ type: 'emergency' }), person('olga', 'oncall')),
    (e) => e instanceof RefusedError && e.code === 'EMERGENCY_NOT_ALLOWED',
  );
  assert.deepEqual(await store.list(), []);
  const emergency = await service.create(normal({ type: 'emergency', emergencyReason: 'outage' }), person('olga', 'oncall'));
  assert.equal((await service.submit(emergency.id, person('olga', 'oncall'))).state, 'authorize');
});
