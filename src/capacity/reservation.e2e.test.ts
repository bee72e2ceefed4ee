/**
 * CapacityReservations through the CLI on a real server with the shop as real processes: the
 * serving revision pre-warmed to the reserved instances while users keep being served, a release
 * that would scale below refused by the one authorisation path, a pre-scaled release keeping the
 * reservation, the change calendar showing it, and the scale back once it is gone.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startRolloutFixture, type RolloutFixture } from '../rollout/e2e-fixture';

const local = (ms: number) => new Date(ms).toISOString().slice(0, 16);

describe('capacity reservations: pre-warming, refusals and the calendar', () => {
  let f: RolloutFixture;
  const strategy = { canary: { steps: [{ setWeight: 50 }] } };
  const audit = async (action: string) =>
    (
      (await (await f.s.fetch('/api/v1/audit/events?kind=Rollout&limit=100')).json()) as {
        items: { action: string; details: { from: number; to: number; reason: string } }[];
      }
    ).items.filter((e) => e.action === action);
  before(async () => {
    f = await startRolloutFixture('sqlite', { ratePerSecond: 20, options: { capacity: { reservationTickMs: 200 } } });
    await f.apply({ strategy });
    const r = await f.s.cli(['release', 'shop', '--version', 'v1', '--wait', '--timeout', '150s']);
    assert.equal(r.code, 0, r.stderr);
    f.load.start();
  });
  after(() => f.close());

  test('a reservation in force scales the serving revision up, ready before the route takes the new instances', async () => {
    const file = join(f.s.dataDir, 'reservation.yaml');
    writeFileSync(
      file,
      stringify({
        apiVersion: 'shipgate.dev/v1',
        kind: 'CapacityReservation',
        metadata: { name: 'winter-sale' },
        spec: {
          service: 'shop',
          environment: 'production',
          minInstances: 3,
          start: local(Date.now() - 60_000),
          end: local(Date.now() + 3_600_000),
          leadTime: '0s',
          reason: 'winter sale',
        },
      }),
    );
    const applied = await f.s.cli(['apply', '-f', file]);
    assert.equal(applied.code, 0, applied.stderr);
    const errorsBefore = f.load.snapshot().errors;
    const st = await f.until((s) => s.versions.find((v) => v.version === 'v1')?.instances.ready === 3, 30_000);
    assert.deepEqual(st.traffic, [{ version: 'v1', weightPercent: 100 }]);
    const scaled = await audit('rollout.scaled');
    assert.deepEqual([scaled[0]?.details.from, scaled[0]?.details.to], [2, 3]);
    assert.match(scaled[0]!.details.reason, /CapacityReservation winter-sale: 3 instances/);
    assert.equal(f.load.snapshot().errors, errorsBefore, 'users were served throughout');
    const cal = JSON.parse((await f.s.cli(['calendar', '-o', 'json'])).stdout) as { entries: { what: string; name: string; detail: string }[] };
    const entry = cal.entries.find((e) => e.what === 'reservation');
    assert.equal(entry?.name, 'winter-sale');
    assert.match(entry!.detail, /3 instances of shop\/production .*winter sale/);
  });

  test('a release that would run below the reservation is refused; a pre-scaled one keeps it', async () => {
    const r = await f.s.cli(['release', 'shop', '--version', 'v2']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /CapacityReservation winter-sale reserves 3 instances of shop in production until .* \(winter sale\); this release would run 2/);
    await f.apply({ strategy, capacity: { preScale: true } });
    const ok = await f.s.cli(['release', 'shop', '--version', 'v2', '--wait', '--timeout', '150s']);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const st = await f.status();
    assert.equal(st.run?.phase, 'completed');
    assert.equal(st.versions.find((v) => v.version === 'v2')?.instances.desired, 3, 'the new revision keeps the reserved instances');
  });

  test('once the reservation is gone, the serving revision goes back to its replicas', async () => {
    assert.equal((await f.s.cli(['delete', 'capacityreservation', 'winter-sale'])).code, 0);
    const st = await f.until((s) => s.versions.find((v) => v.version === 'v2')?.instances.desired === 2, 30_000);
    assert.deepEqual(st.traffic, [{ version: 'v2', weightPercent: 100 }]);
    // The scale-down is audited once its instances have stopped (a graceful stop takes a moment).
    const down = (e: { details: { from: number; to: number; reason: string } }) =>
      e.details.from === 3 && e.details.to === 2 && /no CapacityReservation in force/.test(e.details.reason);
    let scaled = await audit('rollout.scaled');
    for (let i = 0; i < 40 && !scaled.some(down); i++) {
      await new Promise((r) => setTimeout(r, 250));
      scaled = await audit('rollout.scaled');
    }
    assert.ok(scaled.some(down), JSON.stringify(scaled.map((e) => e.details)));
    const bad = join(f.s.dataDir, 'bad-reservation.yaml');
    writeFileSync(
      bad,
      stringify({
        apiVersion: 'shipgate.dev/v1',
        kind: 'CapacityReservation',
        metadata: { name: 'bad' },
        spec: { service: 'shop', minInstances: 0, start: '2026-12-10T09:00', rrule: 'FREQ=DAILY' },
      }),
    );
    const refused = await f.s.cli(['apply', '-f', bad]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /spec\.minInstances/);
    assert.match(refused.stderr, /spec\.duration: a recurring event needs duration/);
  });
});
