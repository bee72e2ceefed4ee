/**
 * Memory after a deploy, end to end: the shop as real processes, their resident memory sampled
 * from /proc, a leaking revision found (block floors, Mann–Kendall, Theil–Sen, faster than the
 * revision before it) while its canary runs, the finding audited and sent to an Alertmanager-style
 * receiver, and the `memoryLeak` rollback trigger taking the release back. Short blocks and
 * warm-up (server options) keep it to seconds; the detector's accuracy is measured in bench/.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRolloutFixture, type RolloutFixture } from '../rollout/e2e-fixture';
import type { MemoryView } from './memory-watch';

const MEMORY = { sampleMs: 100, checkMs: 300, blockMs: 1000, minBlocks: 6, warmupMs: 2000, minSlopeBytesPerMinute: 30 * 1024 * 1024 };

describe('memory leaks after a deploy, from the instances’ resident memory', () => {
  let f: RolloutFixture;
  let receiver: Server;
  const alerts: { labels: Record<string, string>; annotations: Record<string, string> }[] = [];
  before(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        alerts.push(...(JSON.parse(body) as { alerts: typeof alerts }).alerts);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    f = await startRolloutFixture('sqlite', { ratePerSecond: 20, options: { capacity: { memory: MEMORY } } });
    const port = (receiver.address() as AddressInfo).port;
    const file = join(f.s.dataDir, 'pager.yaml');
    writeFileSync(
      file,
      `apiVersion: openslo/v1\nkind: AlertNotificationTarget\nmetadata:\n  name: pager\n  annotations: {shipgate.dev/url: "http://127.0.0.1:${port}/"}\nspec: {target: webhook}\n`,
    );
    assert.equal((await f.s.cli(['apply', '-f', file])).code, 0);
    await f.apply({
      strategy: { canary: { steps: [{ setWeight: 50 }, { pause: { duration: '40s' } }], rollbackOn: ['healthFailed', 'memoryLeak'] } },
      capacity: { memoryLimitMb: 2048 },
    });
    const r = await f.s.cli(['release', 'shop', '--version', 'v1', '--wait', '--timeout', '150s']);
    assert.equal(r.code, 0, r.stderr);
    f.load.start();
  });
  after(async () => {
    await f.close();
    receiver.close();
  });

  test('a steady revision: sampled, judged, no leak (exit 0)', async () => {
    let v: MemoryView | undefined;
    for (let i = 0; i < 80; i++) {
      const r = await f.s.cli(['capacity', 'memory', 'shop', '-o', 'json']);
      v = JSON.parse(r.stdout) as MemoryView;
      if (v.revisions[0]?.slopeBytesPerMinute !== null && v.revisions[0]?.slopeBytesPerMinute !== undefined) {
        assert.equal(r.code, 0, r.stdout);
        break;
      }
      await new Promise((res) => setTimeout(res, 250));
    }
    const rev = v!.revisions[0]!;
    assert.equal(rev.revision, 'shop.production.1');
    assert.equal(rev.instances.length, 2);
    assert.ok(
      rev.instances.every((i) => i.lastBytes > 10 * 1024 * 1024 && i.lastBytes < 1024 * 1024 * 1024),
      JSON.stringify(rev.instances.map((i) => i.lastBytes)),
    );
    assert.equal(rev.leak, false, rev.reason);
    assert.equal(v!.limitBytes, 2048 * 1024 * 1024);
  });

  test('a leaking canary is found, alerted with the time to the limit, and rolled back by the memoryLeak trigger', async () => {
    const r = await f.s.cli(['release', 'shop', '--version', 'v2', '--set', 'SHOP_LEAK_KB_PER_S=3072', '--wait', '--timeout', '150s']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const st = await f.status();
    assert.equal(st.run?.phase, 'rolledBack');
    assert.equal(st.run!.rollback!.reason, 'memoryLeak');
    assert.match(st.run!.rollback!.message, /memory leak in shop\.production\.2: \d of \d instances: the memory floor rises [\d.]+ MB\/min/);
    assert.deepEqual(st.traffic, [{ version: 'v1', weightPercent: 100 }]);
    // The serving revision is sound again: exit 0; the leaking one keeps its finding.
    const mem = await f.s.cli(['capacity', 'memory', 'shop']);
    assert.match(mem.stdout, /shop\.production\.2\s+(yes|no)\s+\d\s+[\d.,]+\s+[\d.]+\s+FINDING/);
    assert.match(mem.stdout, /finding on shop\.production\.2 at /);
    const audit = (await (await f.s.fetch('/api/v1/audit/events?kind=Revision&name=shop.production.2')).json()) as {
      items: { action: string; actor: string; details: { slopeBytesPerMinute: number; timeToLimitMs: number | null } }[];
    };
    const found = audit.items.filter((e) => e.action === 'capacity.memoryLeak');
    assert.equal(found.length, 1, 'one finding per revision');
    assert.equal(found[0].actor, 'shipgate');
    assert.ok(found[0].details.slopeBytesPerMinute > 60 * 1024 * 1024, `about 180 MB/min: ${found[0].details.slopeBytesPerMinute}`);
    assert.ok(found[0].details.timeToLimitMs !== null && found[0].details.timeToLimitMs > 0);
    for (let i = 0; i < 40 && alerts.length === 0; i++) await new Promise((res) => setTimeout(res, 250));
    assert.equal(alerts[0]?.labels.alertname, 'MemoryLeak');
    assert.equal(alerts[0]?.labels.revision, 'shop.production.2');
    assert.match(alerts[0]?.annotations.description ?? '', /the memory limit is reached in about \d+ min/);
    let after = await f.s.cli(['capacity', 'memory', 'shop']);
    for (let i = 0; i < 40 && !/shop\.production\.2\s+no\s+/.test(after.stdout); i++) {
      await new Promise((res) => setTimeout(res, 250));
      after = await f.s.cli(['capacity', 'memory', 'shop']);
    }
    assert.match(after.stdout, /shop\.production\.2\s+no\s+/);
    assert.equal(after.code, 0, after.stdout);
  });

  test('without the trigger a leak is a finding, not a rollback: capacity memory exits 1 while the revision runs', async () => {
    await f.apply({
      strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }], rollbackOn: ['healthFailed'] } },
      capacity: { memoryLimitMb: 2048 },
    });
    assert.equal((await f.s.cli(['release', 'shop', '--version', 'v3', '--set', 'SHOP_LEAK_KB_PER_S=3072'])).code, 0);
    let mem = await f.s.cli(['capacity', 'memory', 'shop']);
    for (let i = 0; i < 80 && !/finding on shop\.production\.3/.test(mem.stdout); i++) {
      await new Promise((res) => setTimeout(res, 250));
      mem = await f.s.cli(['capacity', 'memory', 'shop']);
    }
    assert.equal(mem.code, 1, mem.stdout);
    assert.match(mem.stdout, /shop\.production\.3\s+yes\s+1\s+[\d.]+\s+[\d.]+\s+FINDING .*the previous revision's [\d.]+ MB\/min/);
    assert.match(mem.stdout, /finding on shop\.production\.3 .*over [\d.]+s /);
    const st = await f.status();
    assert.equal(st.run?.phase, 'paused', 'no rollback without the trigger');
    assert.equal((await f.s.cli(['rollout', 'abort', 'shop'])).code, 0);
    await f.until((s) => s.run?.phase === 'rolledBack');
  });
});
