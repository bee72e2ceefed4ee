import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Outbox, OutboxMessage } from '../core/hooks';
import type { Tx } from '../store/db';
import { AlertLoop, type SloStatusSource } from './alert-loop';
import type { AlertEvent, Notifier } from './notifier';
import type { SloEntry } from './slo-service';
import { FakeSloStore } from './testing/fake-slo-store';

/** A recording outbox; `fail` makes the next enqueue throw (as a failed insert would). */
class FakeOutbox implements Outbox {
  readonly messages: OutboxMessage[] = [];
  wakes = 0;
  fail = false;
  async enqueue(_trx: Tx, m: OutboxMessage): Promise<string> {
    if (this.fail) throw new Error('outbox insert failed');
    this.messages.push(m);
    return `obx_${this.messages.length}`;
  }
  wake(): void {
    this.wakes++;
  }
}

const webhook: Notifier = { type: 'webhook', payload: (_t, events: AlertEvent[]) => ({ events: events.map((e) => `${e.status}:${e.fingerprint}`) }) };

/**
 * One SLO of `shop` with one page alert whose condition holds or not. Only the fields the loop
 * reads are filled in: the entry stands for what SloService.status evaluates.
 */
function entry(firing: boolean, opts: { forMs?: number; url?: string } = {}): SloEntry {
  return {
    name: 'shop-availability',
    model: {
      name: 'shop-availability',
      service: 'shop',
      alertWindows: [{ name: 'page-fast', severity: 'page', shortWindowMs: 300_000, longWindowMs: 3_600_000, burnRate: 14.4, forMs: opts.forMs }],
      notificationTargets:
        opts.url === undefined
          ? [{ name: 'pager', target: 'webhook', url: 'https://hooks.example/alert' }]
          : opts.url
            ? [{ name: 'pager', target: 'webhook', url: opts.url }]
            : [],
    },
    status: {
      objectives: [
        {
          objective: 'success',
          budgetRemaining: 0.4,
          alerts: [{ name: 'page-fast', severity: 'page', shortWindow: '5m', longWindow: '1h', threshold: 14.4, burnShort: 20, burnLong: 16, firing }],
        },
      ],
    },
  } as unknown as SloEntry;
}

function setup() {
  const store = new FakeSloStore();
  const outbox = new FakeOutbox();
  let entries: SloEntry[] = [];
  let installed: Outbox | undefined = outbox;
  const slos: SloStatusSource = { status: async () => entries };
  const loop = new AlertLoop(slos, store, new Map([['webhook', webhook]]), () => installed);
  return {
    store,
    outbox,
    loop,
    set: (...e: SloEntry[]) => void (entries = e),
    uninstallOutbox: () => void (installed = undefined),
    installOutbox: () => void (installed = outbox),
  };
}

const KEY = 'shop-availability/success/page-fast';

test('a firing alert is notified once; while it keeps firing nothing more is sent; its end is notified as resolved', async () => {
  const t = setup();
  t.set(entry(true));
  const first = await t.loop.tick(1000);
  assert.deepEqual(
    first.events.map((e) => [e.status, e.fingerprint, e.severity]),
    [['firing', KEY, 'page']],
  );
  assert.deepEqual(
    t.outbox.messages.map((m) => [m.kind, m.url]),
    [['slo.alert', 'https://hooks.example/alert']],
  );
  assert.equal(t.outbox.wakes, 1);
  assert.equal((await t.loop.tick(2000)).events.length, 0);
  assert.equal(t.outbox.messages.length, 1);
  t.set(entry(false));
  const resolved = await t.loop.tick(3000);
  assert.deepEqual(
    resolved.events.map((e) => [e.status, e.startsAtMs, e.endsAtMs]),
    [['resolved', 1000, 3000]],
  );
  assert.deepEqual(t.outbox.messages[1].payload, { events: [`resolved:${KEY}`] });
});

test('the firing state survives the loop: a new loop over the same store does not notify it again', async () => {
  const t = setup();
  t.set(entry(true));
  await t.loop.tick(1000);
  const again = new AlertLoop({ status: async () => [entry(true)] }, t.store, new Map([['webhook', webhook]]), () => t.outbox);
  assert.equal((await again.tick(2000)).events.length, 0);
  assert.equal(t.store.alertStates[KEY]?.firing, true);
});

test('an alert with a hold time fires only once the condition held that long', async () => {
  const t = setup();
  t.set(entry(true, { forMs: 120_000 }));
  assert.equal((await t.loop.tick(0)).events.length, 0);
  assert.equal((await t.loop.tick(60_000)).events.length, 0);
  assert.deepEqual(
    (await t.loop.tick(120_000)).events.map((e) => e.status),
    ['firing'],
  );
});

test('without an outbox the transition is not remembered, so the first tick with one notifies it', async () => {
  const t = setup();
  t.uninstallOutbox();
  t.set(entry(true));
  const r = await t.loop.tick(1000);
  assert.deepEqual(r.failures, ['pager: no outbox to deliver through']);
  assert.equal(r.events.length, 0);
  assert.notEqual(t.store.alertStates[KEY]?.firing, true);
  t.installOutbox();
  assert.deepEqual(
    (await t.loop.tick(2000)).events.map((e) => e.status),
    ['firing'],
  );
  assert.equal(t.outbox.messages.length, 1);
});

test('a failed outbox write keeps the alert state as it was: the next tick notifies again', async () => {
  const t = setup();
  t.set(entry(true));
  t.outbox.fail = true;
  await assert.rejects(t.loop.tick(1000), /outbox insert failed/);
  assert.deepEqual(t.store.alertStates, {});
  assert.equal(t.outbox.wakes, 0);
  t.outbox.fail = false;
  assert.deepEqual(
    (await t.loop.tick(2000)).events.map((e) => e.status),
    ['firing'],
  );
});

test('an SLO without notification targets still tracks its alerts, and unevaluated SLOs are skipped', async () => {
  const t = setup();
  t.set(entry(true, { url: '' }), { name: 'broken', error: 'no data source' });
  const r = await t.loop.tick(1000);
  assert.equal(r.evaluated, 1);
  assert.deepEqual(
    r.events.map((e) => e.status),
    ['firing'],
  );
  assert.equal(t.outbox.messages.length, 0);
  assert.equal(t.outbox.wakes, 0);
});
