import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Principal } from '../auth/roles';
import { ServiceRegistry, type ServerContext } from '../core/capability';
import { ManualClock } from '../core/clock';
import { ConflictError, InputError } from '../core/errors';
import { HOOKS } from '../core/hooks';
import { SHIPGATE_API_VERSION } from '../core/kinds';
import type { StoredResource } from '../resources/resource-store';
import { FakeAudit } from '../audit/testing/fake-audit';
import { countJudge } from '../analysis/count-judge';
import type { MetricsService } from '../core/metrics-service';
import { FlagEngine } from './flag-engine';
import { featureFlagSpecSchema, toFlagDefinition, type FeatureFlagSpec } from './flag-model';
import type { FlagState } from './flag-state-store';
import { FLAG_ERRORS_SERIES, FLAG_REQUESTS_SERIES, FlagRolloutService, type FlagRolloutFlags } from './flag-rollout-service';
import { FakeFlagRolloutStore } from './testing/fake-flag-stores';

const dana: Principal = { tokenId: 't', role: 'deployer', user: 'dana', userId: 'usr_dana' };
const MINUTE = 60_000;

const spec: FeatureFlagSpec = featureFlagSpecSchema.parse({ environments: { staging: { enabled: false } } });
const flagResource: StoredResource<FeatureFlagSpec> = {
  manifest: { apiVersion: SHIPGATE_API_VERSION, kind: 'FeatureFlag', metadata: { name: 'new-checkout' }, spec },
  hash: 'h',
  generation: 1,
  createdAt: '',
  updatedAt: '',
  updatedBy: 'admin',
};

/** The flag service as a guarded rollout sees it: one boolean flag, state changes recorded. */
class FakeFlags implements FlagRolloutFlags {
  readonly changes: { action: string; percentage?: number; actor: string }[] = [];
  async find(ref: string): Promise<StoredResource<FeatureFlagSpec>> {
    if (ref !== 'new-checkout') throw new InputError(`no flag ${ref}`);
    return flagResource;
  }
  async assertEnvironment(): Promise<void> {}
  async authorize(): Promise<undefined> {
    return undefined;
  }
  async setState(
    _ref: string,
    environment: string,
    change: { action: 'kill' | 'enable' | 'disable' | 'percentage'; percentage?: number },
    actor: string,
  ): Promise<FlagState> {
    this.changes.push({ action: change.action, ...(change.percentage !== undefined ? { percentage: change.percentage } : {}), actor });
    return { flag: 'new-checkout', environment, enabled: null, percentage: null, killedAtMs: null, updatedAtMs: 0, updatedBy: actor };
  }
  async engine(environment: string): Promise<{ engine: FlagEngine; etag: string }> {
    return { engine: new FlagEngine({ environment, flags: [toFlagDefinition('new-checkout', spec, environment)], segments: {} }), etag: '1' };
  }
}

/** Pushed flag series: per variant, requests and errors per minute. */
class FakeMetrics {
  perMinute: Record<string, [number, number]> = { on: [1000, 5], off: [1000, 5] };
  async sumSeries(q: { series: string; labels?: Record<string, string>; fromMs: number; toMs: number }): Promise<number> {
    const [requests, errors] = this.perMinute[q.labels?.variant ?? ''] ?? [0, 0];
    const minutes = (q.toMs - q.fromMs) / MINUTE;
    return (q.series === FLAG_REQUESTS_SERIES ? requests : q.series === FLAG_ERRORS_SERIES ? errors : 0) * minutes;
  }
}

function setup(templateSpec: Record<string, unknown> | null = { interval: '1m' }) {
  const clock = new ManualClock(Date.parse('2026-03-02T10:00:00Z'));
  const store = new FakeFlagRolloutStore();
  const audit = new FakeAudit();
  const flags = new FakeFlags();
  const metrics = new FakeMetrics();
  const services = new ServiceRegistry();
  // A fake of the two reads the service makes (sumSeries); the rest of the port is never called.
  services.provide(HOOKS.metrics, metrics as unknown as MetricsService);
  const templates: Record<string, unknown> = templateSpec ? { canary: templateSpec } : {};
  const warnings: unknown[] = [];
  // What the rollout service reads of its context: the clock, the metrics hook, AnalysisTemplates and a logger.
  const ctx = {
    clock,
    services,
    resources: {
      get: async (_v: string, kind: string, name: string) =>
        kind === 'AnalysisTemplate' && templates[name]
          ? { manifest: { apiVersion: SHIPGATE_API_VERSION, kind, metadata: { name }, spec: templates[name] } }
          : undefined,
    },
    log: { warn: (o: unknown) => void warnings.push(o) },
  } as unknown as ServerContext;
  // The real sequential judge of the analysis capability, reading the templates above.
  services.provide(HOOKS.countJudge, countJudge(ctx));
  const service = new FlagRolloutService(ctx, flags, { store, audit, transaction: (fn) => store.transaction(fn) });
  return { clock, store, audit, flags, metrics, service, templates, warnings };
}

const start = (service: FlagRolloutService, steps = [10, 50, 100]) =>
  service.start('new-checkout', 'staging', { steps, intervalMs: 10 * MINUTE, template: 'canary' }, dana);

test('start records a running rollout at its first step, then sets the percentage and enables the flag', async () => {
  const { service, store, flags, audit } = setup();
  const run = await start(service);
  assert.deepEqual([run.status, run.stepIndex, run.reason], ['running', 0, 'step 1 of 3: 10%']);
  assert.deepEqual(
    (await store.list()).map((r) => r.id),
    [run.id],
  );
  assert.deepEqual(
    flags.changes.map((c) => [c.action, c.percentage]),
    [
      ['percentage', 10],
      ['enable', undefined],
    ],
  );
  assert.deepEqual(
    audit.events.map((e) => e.action),
    ['flag.rollout.start'],
  );
});

test('a second rollout of the same flag and environment is refused while one runs; an unknown template stores nothing', async () => {
  const { service, store } = setup();
  await start(service);
  await assert.rejects(start(service), (e) => e instanceof ConflictError && /already has a guarded rollout running in staging/.test(e.message));
  assert.equal((await store.list()).length, 1);
  const fresh = setup(null);
  await assert.rejects(start(fresh.service), InputError);
  assert.deepEqual(await fresh.store.list(), []);
  assert.equal(fresh.flags.changes.length, 0);
});

test("healthy steps go up one at a time after each step's interval, then the rollout succeeds", async () => {
  const { service, store, flags, clock, audit } = setup();
  const run = await start(service);
  clock.advance(5 * MINUTE);
  await service.tick();
  assert.equal((await store.get(run.id))!.stepIndex, 0, 'the step has not lasted its interval yet');
  clock.advance(5 * MINUTE);
  await service.tick();
  assert.equal((await store.get(run.id))!.stepIndex, 1);
  clock.advance(10 * MINUTE);
  await service.tick();
  clock.advance(10 * MINUTE);
  await service.tick();
  const done = (await store.get(run.id))!;
  assert.equal(done.status, 'succeeded');
  assert.equal(done.reason, 'rolled out to 100%');
  assert.deepEqual(
    flags.changes.filter((c) => c.action === 'percentage').map((c) => c.percentage),
    [10, 50, 100],
  );
  assert.deepEqual(
    audit.events.map((e) => e.action),
    ['flag.rollout.start', 'flag.rollout.step', 'flag.rollout.step', 'flag.rollout.succeeded'],
  );
  // Nothing more happens to a finished rollout.
  clock.advance(60 * MINUTE);
  await service.tick();
  assert.equal(audit.events.length, 4);
});

test('a regression in the treatment kills the flag and rolls the rollout back', async () => {
  const { service, store, flags, metrics, clock, audit } = setup();
  metrics.perMinute.on = [1000, 300];
  const run = await start(service);
  for (let i = 0; i < 5 && (await store.get(run.id))!.status === 'running'; i++) {
    clock.advance(MINUTE);
    await service.tick();
  }
  const after = (await store.get(run.id))!;
  assert.equal(after.status, 'rolled-back', after.reason);
  assert.match(after.reason, /^regression at 10%/);
  assert.equal(after.stepIndex, 0, 'never stepped up');
  assert.equal(flags.changes.at(-1)!.action, 'kill');
  assert.equal(audit.events.at(-1)!.action, 'flag.rollout.rollback');
});

test('a rollout whose template is gone is aborted at the next tick', async () => {
  const { service, store, templates, clock, audit } = setup();
  const run = await start(service);
  delete templates.canary;
  clock.advance(MINUTE);
  await service.tick();
  const after = (await store.get(run.id))!;
  assert.equal(after.status, 'aborted');
  assert.match(after.reason, /analysis template "canary" is gone/);
  assert.equal(audit.events.at(-1)!.action, 'flag.rollout.abort');
});

test('a transition another replica made first is not written twice: the tick logs the conflict and leaves the run as stored', async () => {
  const { service, store, clock, warnings, audit } = setup();
  const run = await start(service);
  clock.advance(10 * MINUTE);
  // Another replica moved the run since this one listed it: its update no longer matches updatedMs.
  const list = store.list.bind(store);
  store.list = async (f) => (await list(f)).map((r) => ({ ...r, updatedMs: r.updatedMs - 1 }));
  await service.tick();
  assert.equal(warnings.length, 1);
  assert.equal((await store.get(run.id))!.stepIndex, 0);
  assert.deepEqual(
    audit.events.map((e) => e.action),
    ['flag.rollout.start'],
  );
});
