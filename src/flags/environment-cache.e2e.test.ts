import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../testing/harness';
import { FLAG_SERVICE } from './capability';
import { ManualClock } from '../core/clock';
import { DEFAULT_CACHE_IDLE_MS, MAX_CACHED_ENVIRONMENTS, MAX_WATCHED_ENVIRONMENTS } from './flag-service';

test('flag configurations read for many environment names stay bounded in memory', async () => {
  const s = await startTestServer();
  try {
    const service = s.server.ctx.services.get(FLAG_SERVICE)!;
    const names = Array.from({ length: MAX_CACHED_ENVIRONMENTS + 44 }, (_, i) => `made-up-${i}`);
    for (const env of names) {
      const res = await s.fetch(`/api/v1/sdk/flags?env=${env}`);
      assert.equal(res.status, 200, env);
    }
    assert.equal(service.cachedEnvironments(), MAX_CACHED_ENVIRONMENTS);
    // A dropped environment is built again when read.
    const again = await s.fetch(`/api/v1/sdk/flags?env=${names[0]}`);
    assert.equal(again.status, 200);
    assert.equal(((await again.json()) as { environment: string }).environment, names[0]);
    assert.equal(service.cachedEnvironments(), MAX_CACHED_ENVIRONMENTS);
  } finally {
    await s.close();
  }
});

test('subscribed environments are capped (the next stream is a 429), never push the cache past its bound, and are evicted once their subscribers are gone', async () => {
  const s = await startTestServer();
  const unsubscribes: Array<() => void> = [];
  try {
    const service = s.server.ctx.services.get(FLAG_SERVICE)!;
    // Subscribers as streams hold them: one per environment, up to the cap.
    for (let i = 0; i < MAX_WATCHED_ENVIRONMENTS; i++) {
      const env = `watched-${i}`;
      unsubscribes.push(service.subscribe(env, () => {}));
      await service.config(env);
    }
    assert.equal(service.watchedEnvironments(), MAX_WATCHED_ENVIRONMENTS);
    assert.throws(
      () => service.subscribe('one-more', () => {}),
      (e: Error & { code?: string }) => e.code === 'RATE_LIMITED' && new RegExp(`at most ${MAX_WATCHED_ENVIRONMENTS} environments`).test(e.message),
    );
    // Through the API: a stream for one more environment is refused, one for a watched environment is not.
    const token = await s.token('viewer', 'reader');
    const refused = await s.fetch('/api/v1/sdk/flags/stream?env=one-more', { token });
    assert.equal(refused.status, 429);
    assert.match(((await refused.json()) as { message: string }).message, /environments may have open flag streams/);
    const ok = await s.fetch('/api/v1/sdk/flags/stream?env=watched-0', { token });
    assert.equal(ok.status, 200);
    await ok.body!.cancel();
    for (let i = 0; i < 200 && service.subscriberCount() > MAX_WATCHED_ENVIRONMENTS; i++) await new Promise((r) => setTimeout(r, 25));
    assert.equal(service.subscriberCount(), MAX_WATCHED_ENVIRONMENTS, 'the stream unsubscribed when it closed');

    // Reads of many other names keep the cache bounded although half of it is subscribed.
    for (let i = 0; i < MAX_CACHED_ENVIRONMENTS; i++) await service.config(`read-${i}`);
    assert.equal(service.cachedEnvironments(), MAX_CACHED_ENVIRONMENTS);
    await service.refresh();
    assert.ok(service.cachedEnvironments() <= MAX_CACHED_ENVIRONMENTS);

    // Once their subscribers are gone, the watched environments are evicted like any other.
    for (const u of unsubscribes.splice(0)) u();
    assert.equal(service.watchedEnvironments(), 0);
    for (let i = 0; i < MAX_CACHED_ENVIRONMENTS; i++) await service.config(`later-${i}`);
    assert.equal(service.cachedEnvironments(), MAX_CACHED_ENVIRONMENTS);
    const res = await s.fetch('/api/v1/sdk/flags?env=watched-1');
    assert.equal(res.status, 200);
    // And a stream for a new environment is allowed again.
    const again = await s.fetch('/api/v1/sdk/flags/stream?env=one-more', { token });
    assert.equal(again.status, 200);
    await again.body!.cancel();
  } finally {
    for (const u of unsubscribes) u();
    await s.close();
  }
});

test('environments nobody reads or watches for cacheIdleMs are dropped at the next refresh; watched ones stay until their last subscriber goes', async () => {
  const clock = new ManualClock(Date.parse('2026-06-01T00:00:00Z'));
  const s = await startTestServer({ clock, options: { flags: { cacheIdleMs: 60_000, tickMs: 3_600_000 } } });
  try {
    const service = s.server.ctx.services.get(FLAG_SERVICE)!;
    await service.config('idle');
    await service.config('busy');
    const unsubscribe = service.subscribe('watched', () => {});
    await service.config('watched');
    assert.equal(service.cachedEnvironments(), 3);
    clock.advance(30_000);
    await service.config('busy');
    clock.advance(45_000);
    await service.refresh();
    // idle: 75 s unread; busy: read 45 s ago; watched: subscribed.
    assert.equal(service.cachedEnvironments(), 2);
    assert.ok(!service.isCached('idle') && service.isCached('busy') && service.isCached('watched'));
    clock.advance(DEFAULT_CACHE_IDLE_MS);
    await service.refresh();
    assert.ok(!service.isCached('busy') && service.isCached('watched'), 'a watched environment is never idle');
    unsubscribe();
    clock.advance(59_000);
    await service.refresh();
    assert.ok(service.isCached('watched'), 'idle counts from the last subscriber leaving');
    clock.advance(2_000);
    await service.refresh();
    assert.equal(service.cachedEnvironments(), 0);
    // A dropped environment is built again when read.
    assert.equal((await service.config('idle')).config.environment, 'idle');
  } finally {
    await s.close();
  }
});
