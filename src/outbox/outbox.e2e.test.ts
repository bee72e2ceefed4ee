import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../testing/harness';
import { testStores } from '../testing/postgres';
import { ManualClock } from '../core/clock';
import { burningSlo, evaluate, T } from './testdata/burning-slo';
import { startBlackhole, startScriptedReceiver, until } from './testdata/receivers';
import type { OutboxView } from './outbox-store';

async function outbox(s: TestServer, token: string, query = ''): Promise<OutboxView[]> {
  const r = await s.fetch(`/api/v1/outbox${query}`, { token });
  assert.equal(r.status, 200);
  return ((await r.json()) as { items: OutboxView[] }).items;
}

for (const store of await testStores()) {
  describe(`outbox on ${store}`, () => {
    test('a blackholed webhook does not hold the store: API calls with tokens answer well under the 5 s webhook timeout', async (t) => {
      const hole = await startBlackhole();
      const s = await startTestServer({ store, clock: new ManualClock(T), options: { outbox: { timeoutMs: 5_000 } } });
      try {
        await burningSlo(s, hole.url);
        const viewer = await s.token('viewer', 'vera');
        const oncall = await s.token('oncall', 'otto');
        const fired = await evaluate(s, T);
        assert.deepEqual(
          fired.body.events.map((e) => e.status),
          ['firing'],
        );
        assert.equal(fired.body.outbox.length, 2);
        assert.ok(fired.ms < 1_000, `evaluation took ${fired.ms} ms`);
        // Both deliveries are now stuck on the blackhole, each for up to 5 s.
        assert.ok(await until(() => hole.accepted() >= 2, 3_000), 'the sender never connected');
        const timings: number[] = [];
        for (let i = 0; i < 5; i++) {
          const t0 = performance.now();
          const r = await s.fetch('/api/v1/slo/status', { token: viewer });
          assert.equal(r.status, 200);
          await r.arrayBuffer();
          timings.push(performance.now() - t0);
        }
        // A write too (SQLite's one writer must be free): the next evaluation.
        const again = await evaluate(s, T + 60_000);
        timings.push(again.ms);
        t.diagnostic(`evaluation ${fired.ms.toFixed(0)} ms; calls while both webhooks hang: ${timings.map((x) => x.toFixed(0)).join(', ')} ms`);
        assert.ok(Math.max(...timings) < 1_000, `slowest call ${Math.max(...timings).toFixed(0)} ms: ${timings.map((t) => t.toFixed(0)).join(', ')}`);
        const items = await outbox(s, oncall);
        assert.equal(items.length, 2);
        for (const m of items) {
          assert.equal(m.status, 'pending');
          assert.equal(m.attempts, 1);
          assert.equal(m.host, new URL(hole.url).host);
          assert.equal((m as unknown as Record<string, unknown>).url, undefined, 'the view shows the host only');
        }
      } finally {
        await s.close();
        await hole.close();
      }
    });

    test('a receiver that fails twice then succeeds gets the notification once, after retries', async () => {
      const rx = await startScriptedReceiver((_path, n) => (n < 2 ? 500 : 200));
      const s = await startTestServer({ store, clock: new ManualClock(T), options: { outbox: { baseDelayMs: 50, maxDelayMs: 200, pollMs: 50 } } });
      try {
        await burningSlo(s, rx.url);
        assert.equal((await evaluate(s, T)).body.outbox.length, 2);
        const oncall = await s.token('oncall', 'otto');
        assert.ok(await until(async () => (await outbox(s, oncall, '?status=sent')).length === 2), 'not delivered');
        await new Promise((r) => setTimeout(r, 400)); // more polls: nothing more is sent
        for (const path of ['/alertmanager', '/slack']) {
          const got = rx.received.filter((x) => x.path === path);
          assert.deepEqual(
            got.map((x) => x.answered),
            [500, 500, 200],
            path,
          );
          assert.equal(new Set(got.map((x) => x.body)).size, 1, 'every attempt carries the same notification');
        }
        assert.equal(JSON.parse(rx.received.find((x) => x.path === '/alertmanager' && x.answered === 200)!.body).alerts[0].status, 'firing');
        for (const m of await outbox(s, oncall)) {
          assert.equal(m.status, 'sent');
          assert.equal(m.attempts, 3);
          assert.equal(m.lastStatus, 200);
          assert.equal(m.lastError, null);
        }
        const cli = await s.cli(['outbox', 'list', '--status', 'sent', '-o', 'json'], { token: oncall });
        assert.equal(cli.code, 0, cli.stderr);
        assert.equal(JSON.parse(cli.stdout).length, 2);
      } finally {
        await s.close();
        await rx.close();
      }
    });

    test('a 302 is not followed: the second receiver never gets a request; the message goes dead, audited and counted', async () => {
      const second = await startScriptedReceiver(() => 200);
      const first = await startScriptedReceiver(() => 302, second.url);
      const s = await startTestServer({
        store,
        clock: new ManualClock(T),
        options: { outbox: { baseDelayMs: 50, maxDelayMs: 100, pollMs: 50, maxAttempts: 2 } },
      });
      try {
        await burningSlo(s, first.url);
        assert.equal((await evaluate(s, T)).body.outbox.length, 2);
        const oncall = await s.token('oncall', 'otto');
        assert.ok(await until(async () => (await outbox(s, oncall, '?status=dead')).length === 2), 'not given up');
        assert.equal(second.received.length, 0);
        assert.equal(first.received.length, 4);
        for (const m of await outbox(s, oncall)) {
          assert.equal(m.attempts, 2);
          assert.equal(m.lastStatus, null);
          assert.match(m.lastError!, new RegExp(`HTTP 302 \\(redirect to ${new URL(second.url).host}\\); redirects are not followed`));
        }
        const metrics = await (await s.fetch('/metrics')).text();
        assert.match(metrics, /shipgate_outbox_dead_total\{kind="slo.alert"\} 2/);
        const audit = (await (await s.fetch('/api/v1/audit/events?kind=OutboxMessage')).json()) as { items: { action: string; actor: string }[] };
        assert.deepEqual(
          audit.items.map((e) => `${e.actor} ${e.action}`),
          ['shipgate outbox.dead', 'shipgate outbox.dead'],
        );
        // Viewers do not see the outbox at all.
        const viewer = await s.token('viewer', 'vera');
        const r = await s.fetch('/api/v1/outbox', { token: viewer });
        assert.equal(r.status, 403);
        assert.equal(((await r.json()) as { code: string }).code, 'NOT_ALLOWED');
      } finally {
        await s.close();
        await first.close();
        await second.close();
      }
    });
  });
}
