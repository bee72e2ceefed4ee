/**
 * Time from a bad promotion to all traffic back on the previous revision, in the post-promotion
 * window, median of N per failure mode (crash loop, start then exit 1, readiness lost, 5% errors),
 * with real shop processes behind the in-process router and steady user traffic (60 req/s).
 * "Promotion" is the start of the window (all traffic on the new revision); the rollback is done
 * when the router serves the previous revision again.
 *
 *   node --import tsx bench/rollout/post-promotion.ts [runs per mode]
 */
import { cpus, loadavg } from 'node:os';
import { startRolloutFixture } from '../../src/rollout/e2e-fixture';

const runs = Number(process.argv[2] ?? 10);
const CLEAR = ['SHOP_CRASH_AFTER_MS=', 'SHOP_FAIL_HEALTH_AFTER_MS=', 'SHOP_ERROR_RATE='];
const MODES = [
  { name: 'crash loop (exit after 0.9 s, every start)', set: ['SHOP_CRASH_AFTER_MS=900'] },
  { name: 'starts, then exits 1 after 2 s', set: ['SHOP_CRASH_AFTER_MS=2000'] },
  { name: 'readiness lost after 0.8 s', set: ['SHOP_FAIL_HEALTH_AFTER_MS=800'] },
  { name: '5% errors', set: ['SHOP_ERROR_RATE=0.05'] },
];
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const f = await startRolloutFixture('sqlite', { ratePerSecond: 60 });
try {
  await f.apply({
    target: {
      type: 'process',
      command: ['node', 'examples/shop/server.js'],
      replicas: 1,
      readiness: { httpGet: '/healthz', timeout: '5s' },
      gracePeriod: '300ms',
      maxRestarts: 10,
    },
    strategy: { blueGreen: { scaleDownDelay: '0s' } },
    drain: { quietPeriod: '100ms', maxWait: '2s' },
    postPromotion: { window: '30s', probe: { interval: '200ms', timeout: '500ms' }, maxErrorRate: 0.01, minRequests: 40 },
  });
  if ((await f.s.cli(['release', 'shop', '--version', 'v1', '--wait', '--timeout', '60s'])).code !== 0) throw new Error('first release failed');
  f.load.start();
  let n = 1;
  const rows: string[] = [];
  for (const mode of MODES) {
    const detect: number[] = [];
    const restore: number[] = [];
    const by = new Map<string, number>();
    for (let i = 0; i < runs; i++) {
      const r = await f.s.cli([
        'release',
        'shop',
        '--version',
        `v${++n}`,
        ...[...CLEAR, ...mode.set].flatMap((s) => ['--set', s]),
        '--wait',
        '--timeout',
        '90s',
      ]);
      const st = await f.status();
      const rb = st.run!.rollback as { reason: string; message: string; decidedAtMs: number; trafficRestoredAtMs?: number } | null;
      if (r.code !== 1 || !rb || rb.reason !== 'postPromotion') throw new Error(`${mode.name}: not rolled back by the window: ${JSON.stringify(rb)}`);
      const watch = st.run!.steps.find((s) => s.kind === 'watch')!;
      detect.push(rb.decidedAtMs - watch.startedAtMs!);
      restore.push(rb.trafficRestoredAtMs! - watch.startedAtMs!);
      const what = /restart/.test(rb.message) ? 'restarts' : /health probe/.test(rb.message) ? 'probe' : /smoke/.test(rb.message) ? 'smoke' : 'error rate';
      by.set(what, (by.get(what) ?? 0) + 1);
    }
    rows.push(
      `| ${mode.name} | ${runs}/${runs} | ${Math.round(median(detect))} ms | ${Math.round(median(restore))} ms | ${Math.round(Math.max(...restore))} ms | ${[...by].map(([k, v]) => `${k} ${v}`).join(', ')} |`,
    );
    console.error(rows.at(-1));
  }
  console.log(
    `post-promotion rollback, ${runs} releases per mode, ${cpus().length} × ${cpus()[0]?.model}, load ${loadavg()[0].toFixed(1)}, ${new Date().toISOString()}\n`,
  );
  console.log('| mode | rolled back | promotion → decision (median) | promotion → traffic restored (median) | max | seen first by |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(r);
} finally {
  await f.close();
}
