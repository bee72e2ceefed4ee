import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceRegistry, type ServerContext } from '../core/capability';
import { ManualClock } from '../core/clock';
import { NotFoundError } from '../core/errors';
import { SHIPGATE_API_VERSION } from '../core/kinds';
import type { StoredResource } from '../resources/resource-store';
import { FakeAudit } from '../audit/testing/fake-audit';
import { featureFlagSpecSchema } from './flag-model';
import { FlagService } from './flag-service';
import { FakeFlagStateStore } from './testing/fake-flag-stores';

const MINUTE = 60_000;

function stored(kind: string, name: string, spec: unknown): StoredResource {
  return {
    manifest: { apiVersion: SHIPGATE_API_VERSION, kind, metadata: { name }, spec },
    hash: 'h',
    generation: 1,
    createdAt: '',
    updatedAt: '',
    updatedBy: 'admin',
  };
}

function setup() {
  const clock = new ManualClock(Date.parse('2026-03-02T10:00:00Z'));
  const store = new FakeFlagStateStore();
  const audit = new FakeAudit();
  const resources: StoredResource[] = [
    stored('FeatureFlag', 'new-checkout', featureFlagSpecSchema.parse({ key: 'checkout.v2', environments: { staging: { enabled: true } } })),
  ];
  const warnings: unknown[] = [];
  // What FlagService reads of its context: manifests, the clock, the (empty) service registry, options and a logger.
  const ctx = {
    clock,
    services: new ServiceRegistry(),
    config: { options: {} },
    log: { warn: (o: unknown) => void warnings.push(o) },
    resources: {
      get: async (_v: string, kind: string, name: string) => resources.find((r) => r.manifest.kind === kind && r.manifest.metadata.name === name),
      list: async (_v: string, kind: string) => resources.filter((r) => r.manifest.kind === kind),
    },
  } as unknown as ServerContext;
  const service = new FlagService(ctx, { store, audit, transaction: (fn) => store.transaction(fn) });
  const served = async () => (await service.engine('staging')).engine.evaluate('checkout.v2', { targetingKey: 'user-1' });
  return { clock, store, audit, service, resources, warnings, served };
}

test('kill turns the flag off for everyone at once and records when; enable clears the kill', async () => {
  const { service, audit, served, clock } = setup();
  assert.equal((await served()).variant, 'on');
  const killed = await service.setState('new-checkout', 'staging', { action: 'kill', reason: 'errors' }, 'olga');
  assert.deepEqual([killed.enabled, killed.killedAtMs], [false, clock.now()]);
  assert.equal((await served()).variant, 'off', 'the cached configuration was refreshed');
  clock.advance(MINUTE);
  const enabled = await service.setState('checkout.v2', 'staging', { action: 'enable' }, 'dana');
  assert.deepEqual([enabled.enabled, enabled.killedAtMs, enabled.updatedBy], [true, null, 'dana']);
  assert.equal((await served()).variant, 'on');
  assert.deepEqual(
    audit.events.map((e) => [e.action, e.actor, e.details?.environment]),
    [
      ['flag.kill', 'olga', 'staging'],
      ['flag.enable', 'dana', 'staging'],
    ],
  );
});

test('a percentage override keeps the on/off override it found', async () => {
  const { service } = setup();
  await service.setState('new-checkout', 'staging', { action: 'disable' }, 'dana');
  const s = await service.setState('new-checkout', 'staging', { action: 'percentage', percentage: 25 }, 'dana');
  assert.deepEqual([s.enabled, s.percentage], [false, 25]);
});

test('an unknown flag or environment changes nothing', async () => {
  const { service, store, audit } = setup();
  await assert.rejects(service.setState('nope', 'staging', { action: 'kill' }, 'olga'), NotFoundError);
  await assert.rejects(service.setState('new-checkout', 'moon', { action: 'kill' }, 'olga'), /unknown environment "moon"/);
  assert.deepEqual(await store.states(), []);
  assert.equal(audit.events.length, 0);
});

test('a state change whose audit event fails is not stored', async () => {
  const { service, store, audit, served } = setup();
  audit.failOn = 'flag.kill';
  await assert.rejects(service.setState('new-checkout', 'staging', { action: 'kill' }, 'olga'), /audit append failed/);
  assert.deepEqual(await store.states(), []);
  assert.equal((await served()).variant, 'on');
});

test('a due schedule runs once, as the person who set it; a later one waits', async () => {
  const { service, store, clock, audit } = setup();
  await service.schedule('new-checkout', 'staging', { atMs: clock.now() + MINUTE, action: 'disable' }, 'dana');
  await service.schedule('new-checkout', 'staging', { atMs: clock.now() + 10 * MINUTE, action: 'enable' }, 'dana');
  assert.equal(await service.runDueSchedules(), 0);
  clock.advance(MINUTE);
  assert.equal(await service.runDueSchedules(), 1);
  assert.equal(await service.runDueSchedules(), 0, 'not run twice');
  assert.equal((await store.state('new-checkout', 'staging'))?.enabled, false);
  assert.equal((await store.state('new-checkout', 'staging'))?.updatedBy, 'schedule:dana');
  assert.deepEqual(
    (await store.schedules()).map((s) => s.status),
    ['done', 'pending'],
  );
  assert.deepEqual(
    audit.events.map((e) => e.action),
    ['flag.schedule', 'flag.schedule', 'flag.disable'],
  );
});

test('a schedule another replica finished first is skipped; one that fails is logged and not retried', async () => {
  const { service, store, clock, resources, warnings } = setup();
  const a = await service.schedule('new-checkout', 'staging', { atMs: clock.now(), action: 'disable' }, 'dana');
  await store.transaction((trx) => store.finishSchedule(trx, a.id, clock.now()));
  assert.equal(await service.runDueSchedules(), 0);
  assert.equal(await store.state('new-checkout', 'staging'), undefined);
  await service.schedule('new-checkout', 'staging', { atMs: clock.now(), action: 'enable' }, 'dana');
  resources.length = 0; // the flag was deleted before its schedule ran
  assert.equal(await service.runDueSchedules(), 0);
  assert.equal(warnings.length, 1);
  assert.deepEqual(
    (await store.schedules()).map((s) => s.status),
    ['done', 'done'],
  );
});

test('evaluation counts are batched in memory and added up when flushed', async () => {
  const { service, store } = setup();
  service.countLocal('checkout.v2', 'staging', 'on');
  service.countLocal('checkout.v2', 'staging', 'on');
  service.countLocal('checkout.v2', 'staging', 'off');
  assert.deepEqual(await store.counts(), []);
  await service.flushCounts();
  service.countLocal('checkout.v2', 'staging', 'on');
  await service.flushCounts();
  await service.flushCounts();
  assert.deepEqual((await store.counts()).map((c) => [c.variant, c.count]).sort(), [
    ['off', 1],
    ['on', 3],
  ]);
});
