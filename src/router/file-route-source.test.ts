import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { FileRouteSource } from './file-route-source';
import { Router } from './router';
import { routeTable } from './testing/route-table-builder';

async function waitFor(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('FileRouteSource', () => {
  test('loads, reloads on change and SIGHUP, and keeps the table when the file is invalid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shipgate-rt-'));
    const file = join(dir, 'routes.yaml');
    const write = (w: number) => writeFileSync(file, stringify(routeTable([{ version: 'stable', weight: w, instances: ['http://127.0.0.1:9001'] }])));
    write(10);
    const router = new Router();
    const reports: string[] = [];
    const source = new FileRouteSource(file, router, (m) => reports.push(m));
    try {
      assert.equal(source.load(), 1);
      source.watch(10);
      write(20);
      await waitFor(() => router.current().spec.routes[0].backends[0].weight === 20);
      writeFileSync(file, 'apiVersion: shipgate.dev/v1\nkind: RouteTable\nmetadata: {name: x}\nspec:\n  routes:\n    - name: shop\n      backends: []\n');
      await waitFor(() => reports.some((r) => r.startsWith('route table refused')));
      assert.match(reports.find((r) => r.startsWith('route table refused'))!, /routes\.yaml:7:\d+ spec\.routes\[0\]\.backends: must be >= 1 items/);
      assert.equal(router.current().spec.routes[0].backends[0].weight, 20, 'old table kept');
      source.close();
      write(30);
      const g = router.current().generation;
      // After close, only an explicit reload applies it; SIGHUP is handled by a watching source.
      const again = new FileRouteSource(file, router, (m) => reports.push(m));
      again.watch(10);
      process.kill(process.pid, 'SIGHUP');
      await waitFor(() => router.current().generation > g);
      assert.equal(router.current().spec.routes[0].backends[0].weight, 30);
      assert.ok(reports.some((r) => r.includes('(SIGHUP)')));
      again.close();
    } finally {
      source.close();
      await router.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
