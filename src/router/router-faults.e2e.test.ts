/**
 * Chaos faults on both data paths (the fast path and node:http): a reset fault drops the client's
 * connection with a TCP RST (the client sees ECONNRESET, no answer), and a fault past its
 * `expiresAtMs` is ignored at request time.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Router } from './router';
import { routeTable } from './testing/route-table-builder';
import { startUpstreams, type UpstreamProcess } from './testing/upstream-process';

/** One request on a fresh connection: its status, or the error code of a dropped connection. */
function once(base: string, path = '/plain'): Promise<{ status?: number; error?: string; fault?: string }> {
  return new Promise((resolve) => {
    const req = http.get(`${base}${path}`, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, fault: res.headers['x-shipgate-fault'] as string | undefined }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
  });
}

for (const fastPath of [true, false]) {
  describe(`router faults (${fastPath ? 'fast path' : 'node:http path'})`, () => {
    let ups: UpstreamProcess[];
    let router: Router;
    let base: string;

    before(async () => {
      ups = await startUpstreams(['stable']);
      router = new Router({ fastPath });
      router.applyTable(routeTable([{ version: 'stable', weight: 1, instances: [ups[0].url] }]));
      const { listen } = await router.start({ listen: '127.0.0.1:0' });
      base = `http://127.0.0.1:${listen.port}`;
    });
    after(async () => {
      await router.close();
      await Promise.all(ups.map((u) => u.kill()));
    });

    test('a reset fault resets the share of connections it names; the others are served', async () => {
      router.applyTable(routeTable([{ version: 'stable', weight: 1, instances: [ups[0].url], fault: { reset: { percent: 50 } } }]));
      const replies: Awaited<ReturnType<typeof once>>[] = [];
      for (let i = 0; i < 200; i++) replies.push(await once(base));
      const reset = replies.filter((r) => r.error !== undefined);
      assert.ok(
        reset.every((r) => r.error === 'ECONNRESET'),
        `errors: ${[...new Set(reset.map((r) => r.error))].join(',')}`,
      );
      assert.ok(reset.length >= 60 && reset.length <= 140, `reset ${reset.length} of 200`);
      assert.equal(replies.filter((r) => r.status === 200).length, 200 - reset.length);
      const series = router.stats().series.find((s) => s.route === 'shop' && s.version === 'stable' && !s.mirror)!;
      assert.ok((series.totals.connect_error ?? 0) >= reset.length, 'resets are counted as failures of the version');
    });

    test('a fault past its expiry is ignored; one before it applies', async () => {
      const abort = { percent: 100, status: 503 };
      router.applyTable(
        routeTable([{ version: 'stable', weight: 1, instances: [ups[0].url], fault: { abort, reset: { percent: 100 }, expiresAtMs: Date.now() - 1 } }]),
      );
      for (let i = 0; i < 20; i++) assert.equal((await once(base)).status, 200);
      router.applyTable(routeTable([{ version: 'stable', weight: 1, instances: [ups[0].url], fault: { abort, expiresAtMs: Date.now() + 400 } }]));
      const before = await once(base);
      assert.deepEqual(before, { status: 503, fault: 'abort' });
      await new Promise((r) => setTimeout(r, 450));
      // Same table, no reload: the expiry is checked per request.
      for (let i = 0; i < 20; i++) assert.equal((await once(base)).status, 200);
    });
  });
}
