/**
 * How fast a chaos experiment catches a fault that breaks its hypothesis: the shop (stable and
 * canary, real processes) behind the server's in-process router with steady traffic, an
 * Experiment that aborts 50% of the canary's requests with 503 and a canary-vs-baseline probe
 * (tolerance +5%). Measures, from the run's journal, fault injected → failing probe → fault
 * removed, per probe interval. Goal: caught within one probe interval. Prints the figures;
 * bench/RESULTS.md is written by hand from them.
 *
 *   node --import tsx bench/verify/chaos-detection.ts [--rounds 3] [--rate 40]
 */
import { loadavg } from 'node:os';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { startRolloutFixture } from '../../src/rollout/e2e-fixture';
import { startShop } from '../../src/verify/chaos/testing/shop-process';

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, rate: { type: 'string', default: '40' } } });
const ROUNDS = Math.max(1, Number(args.rounds));
const INTERVALS = ['500ms', '1s', '2s'];

const dir = mkdtempSync(join(tmpdir(), 'sg-chaos-bench-'));
const f = await startRolloutFixture('sqlite', { ratePerSecond: Number(args.rate) });
const shops = await Promise.all([startShop('v1'), startShop('v2')]);
const v1 = 'shipgate.dev/v1';
const docs: unknown[] = [
  { apiVersion: v1, kind: 'Service', metadata: { name: 'shop' }, spec: { owner: 'team-shop' } },
  { apiVersion: v1, kind: 'Environment', metadata: { name: 'staging' }, spec: { kind: 'staging' } },
  {
    apiVersion: v1,
    kind: 'RouteTable',
    metadata: { name: 'shop-routes' },
    spec: {
      routes: [
        {
          name: 'shop',
          backends: [
            { version: 'stable', weight: 50, instances: [shops[0].url] },
            { version: 'canary', weight: 50, instances: [shops[1].url] },
          ],
        },
      ],
    },
  },
  ...INTERVALS.map((interval) => ({
    apiVersion: v1,
    kind: 'Experiment',
    metadata: { name: `abort-${interval}` },
    spec: {
      service: 'shop',
      hypothesis: { probes: [{ name: 'canary', canary: { route: 'shop', version: 'canary', baseline: 'stable', minRequests: 5, window: '1s' } }] },
      method: [{ name: 'abort', fault: { route: 'shop', version: 'canary', abort: { percent: 50, status: 503 } } }],
      probeInterval: interval,
      duration: '60s',
    },
  })),
];
writeFileSync(join(dir, 'm.yaml'), docs.map((d) => stringify(d)).join('---\n'));
const applied = await f.s.cli(['apply', '-f', join(dir, 'm.yaml')]);
if (applied.code !== 0) throw new Error(applied.stderr);
f.load.start();
// Let buckets from earlier rounds age out of the probe's window, and traffic settle.
const settle = () => new Promise((r) => setTimeout(r, 21_000));
await settle();

console.log(`load average at start ${loadavg()[0].toFixed(2)}; ${args.rate} req/s; ${ROUNDS} round(s) per interval`);
for (const interval of INTERVALS) {
  const detect: number[] = [];
  const rollback: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const r = await f.s.cli(['experiment', 'run', `abort-${interval}`, '-o', 'json']);
    const run = JSON.parse(r.stdout) as { status: string; journal: { at: string; phase: string; type: string; ok: boolean }[] };
    const at = (p: (e: (typeof run.journal)[number]) => boolean) => Date.parse(run.journal.find(p)?.at ?? 'x');
    const injected = at((e) => e.type === 'action');
    detect.push(at((e) => e.phase === 'during' && !e.ok) - injected);
    rollback.push(at((e) => e.type === 'rollback') - injected);
    if (run.status !== 'deviated') console.log(`  round ${i + 1}: status ${run.status}`);
    await settle();
  }
  const fmt = (xs: number[]) => xs.map((x) => `${x}ms`).join(', ');
  console.log(`probeInterval ${interval}: fault → failing probe ${fmt(detect)}; fault → removed ${fmt(rollback)}`);
}
console.log(`load average at end ${loadavg()[0].toFixed(2)}`);
await f.close();
await Promise.all(shops.map((s) => s.stop()));
rmSync(dir, { recursive: true, force: true });
process.exit(0);
