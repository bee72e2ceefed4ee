/**
 * `shipgate capacity forecast` and `capacity plan` through the public CLI and API on a real
 * server: four weeks of generated hourly traffic ingested as router buckets (HOOKS.metrics), a
 * Rollout (static target, 3 replicas) naming the route, a TrafficEvent doubling one future day.
 * SQLite and PostgreSQL.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startTestServer, type TestServer } from '../testing/harness';
import { testStores } from '../testing/postgres';
import { baseSpec } from '../rollout/e2e-fixture';
import { HOOKS } from '../core/hooks';
import { seededVariates } from '../core/stats/variates';
import type { ForecastView, PlanView } from './capacity-service';

const H = 3_600_000;
const DAY = 24 * H;
const dir = mkdtempSync(join(tmpdir(), 'sg-capacity-'));
const doc = (kind: string, name: string, spec: unknown) => stringify({ apiVersion: 'shipgate.dev/v1', kind, metadata: { name }, spec });
/** Requests/s of the generated shop traffic at hour start `t`: a daily wave, a weekend dip, 3% noise. */
const v = seededVariates(42);
const rps = (t: number) => {
  const hour = new Date(t).getUTCHours();
  const weekday = new Date(t).getUTCDay();
  return 40 * (1 + 0.5 * Math.sin((2 * Math.PI * (hour - 9)) / 24)) * (weekday === 0 || weekday === 6 ? 0.7 : 1.05) * (1 + 0.03 * v.normal());
};

for (const store of await testStores()) {
  describe(`capacity forecast and plan on ${store}`, () => {
    let s: TestServer;
    let viewer: string;
    const nowHour = Math.floor(Date.now() / H) * H;
    const eventDay = Math.floor(Date.now() / DAY) * DAY + 3 * DAY;
    const cli = (args: string[]) => s.cli(args, { token: viewer, cwd: dir });

    before(async () => {
      s = await startTestServer({ store });
      const file = join(dir, `manifests-${store}.yaml`);
      const day = (ms: number) => new Date(ms).toISOString().slice(0, 16);
      writeFileSync(
        file,
        [
          doc('Service', 'shop', { owner: 'team-shop' }),
          doc(
            'Rollout',
            'shop-production',
            baseSpec({
              target: { type: 'static', endpoints: { '1.0.0': ['http://127.0.0.1:9'] }, replicas: 3 } as never,
              strategy: { canary: { steps: [{ setWeight: 100 }] } },
            }),
          ),
          doc('TrafficEvent', 'winter-sale', {
            type: 'campaign',
            multiplier: 2,
            start: day(eventDay),
            end: day(eventDay + DAY),
            timeZone: 'UTC',
            services: ['shop'],
          }),
          doc('TrafficEvent', 'web-launch', { type: 'launch', multiplier: 5, start: day(eventDay), end: day(eventDay + DAY), services: ['web'] }),
        ].join('---\n'),
      );
      const applied = await s.cli(['apply', '-f', file]);
      assert.equal(applied.code, 0, applied.stderr);
      viewer = await s.token('viewer', 'vic');
      const metrics = s.server.ctx.services.get(HOOKS.metrics)!;
      const buckets = Array.from({ length: 28 * 24 }, (_, i) => {
        const startMs = nowHour - (28 * 24 - i) * H;
        return { route: 'shop', version: '1.0.0', startMs, counts: { '2xx': Math.round(rps(startMs) * 3600) }, latency: {} };
      });
      await metrics.ingestRouterBuckets(buckets);
    });
    after(async () => {
      await s.close();
    });

    test('forecast -o json: 14 days of hours, a backtest MAPE near the noise, the sale day doubled and holding the peak', async () => {
      const r = await cli(['capacity', 'forecast', 'shop', '-o', 'json']);
      assert.equal(r.code, 0, r.stderr);
      const f = JSON.parse(r.stdout) as ForecastView;
      assert.equal(f.route, 'shop');
      assert.equal(f.points.length, 14 * 24);
      // The forecast starts at the current hour, which may have turned since the history was written.
      assert.ok(f.points[0].atMs === nowHour || f.points[0].atMs === nowHour + H, `first point at ${new Date(f.points[0].atMs).toISOString()}`);
      assert.ok(f.backtestMape !== null && f.backtestMape < 0.06, `mape ${f.backtestMape}`);
      assert.deepEqual(f.events, [{ name: 'winter-sale', multiplier: 2, hours: 24 }]);
      const onDay = f.points.filter((p) => p.atMs >= eventDay && p.atMs < eventDay + DAY);
      assert.ok(onDay.every((p) => p.eventFactor === 2));
      assert.ok(f.peak.atMs >= eventDay && f.peak.atMs < eventDay + DAY, `peak at ${new Date(f.peak.atMs).toISOString()}`);
      // Same weekday a week later, no event: about half the sale day's peak.
      const later = f.points.filter((p) => p.atMs >= eventDay + 7 * DAY && p.atMs < eventDay + 8 * DAY);
      assert.equal(later.length, 24);
      const ratio = f.peak.rps / Math.max(...later.map((p) => p.rps));
      assert.ok(ratio > 1.7 && ratio < 2.3, `ratio ${ratio}`);
      // The generated peak is 40 × 1.5 × 1.05 = 63 req/s on weekdays.
      const plain = Math.max(...f.points.filter((p) => p.eventFactor === 1).map((p) => p.rps));
      assert.ok(plain > 55 && plain < 72, `peak without event ${plain}`);
      assert.ok(f.peak.lowerRps < f.peak.rps && f.peak.rps < f.peak.upperRps);
    });

    test('forecast table: the summary, one row per day with the event marked, and the candidates', async () => {
      const r = await cli(['capacity', 'forecast', 'shop', '--horizon', '7d']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /shop in production \(route shop\): model \S+, backtest MAPE \d+\.\d%/);
      assert.match(r.stdout, /events: winter-sale ×2 \(24h\)/);
      assert.match(r.stdout, new RegExp(`${new Date(eventDay).toISOString().slice(0, 10)} .*×2\\.00`));
      assert.match(r.stdout, /candidates: additive \d/);
    });

    test('plan: 100 req/s per instance fits 3 replicas (exit 0); 50 does not (exit 1), with the arithmetic', async () => {
      const ok = await cli(['capacity', 'plan', 'shop', '--version', '1.0.0', '--per-instance', '100', '-o', 'json']);
      assert.equal(ok.code, 0, ok.stderr);
      const p = JSON.parse(ok.stdout) as PlanView;
      assert.equal(p.replicas, 3);
      assert.equal(p.needed, Math.ceil((p.peakRps * 1.3) / 100));
      assert.equal(p.fits, true);
      const no = await cli(['capacity', 'plan', 'shop', '--version', '1.0.0', '--per-instance', '50', '--headroom', '30%']);
      assert.equal(no.code, 1, no.stderr);
      const needed = Math.ceil((p.peakRps * 1.3) / 50);
      assert.ok(needed > 3);
      const m =
        /^DOES NOT FIT: shop 1\.0\.0 in production: peak (\d+\.\d\d) req\/s × 1\.30 headroom = (\d+\.\d\d) req\/s ÷ 50\.00 req\/s per instance = (\d+\.\d\d) → (\d+) instances/.exec(
          no.stdout,
        );
      assert.ok(m, no.stdout);
      // The arithmetic in the message holds: peak × 1.3 = required; required ÷ 50 = exact; ⌈exact⌉ = needed.
      assert.ok(Math.abs(Number(m[1]) - p.peakRps) < 0.006);
      assert.ok(Math.abs(Number(m[1]) * 1.3 - Number(m[2])) < 0.01);
      assert.ok(Math.abs(Number(m[2]) / 50 - Number(m[3])) < 0.006);
      assert.equal(Number(m[4]), needed);
      assert.match(no.stdout, new RegExp(`→ ${needed} instances; the environment runs 3: does NOT fit \\(${needed - 3} short\\)`));
    });

    test('plan from a load result: achievedRps over --instances; bad files and flags exit 2', async () => {
      writeFileSync(join(dir, 'load.json'), JSON.stringify({ kind: 'shipgate.dev/load-result/v1', achievedRps: 400, requests: 1, errors: 0 }));
      const r = await cli(['capacity', 'plan', 'shop', '--version', '1.0.0', '--load-result', 'load.json', '--instances', '4', '-o', 'json']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((JSON.parse(r.stdout) as PlanView).perInstanceRps, 100);
      writeFileSync(join(dir, 'bad.json'), JSON.stringify({ kind: 'shipgate.dev/load-result/v1' }));
      const bad = await cli(['capacity', 'plan', 'shop', '--version', '1.0.0', '--load-result', 'bad.json']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /bad\.json: achievedRps/);
      const neither = await cli(['capacity', 'plan', 'shop', '--version', '1.0.0']);
      assert.equal(neither.code, 2);
      assert.match(neither.stderr, /--per-instance N or --load-result/);
      const head = await cli(['capacity', 'plan', 'shop', '--version', '1.0.0', '--per-instance', '5', '--headroom', 'lots']);
      assert.equal(head.code, 2);
    });

    test("the peak a Rollout's loadTest step reads (HOOKS.capacityPeak) is the forecast's; no forecast is an answer, not an error", async () => {
      const r = await cli(['capacity', 'forecast', 'shop', '--horizon', '7d', '-o', 'json']);
      const f = JSON.parse(r.stdout) as ForecastView;
      const hook = s.server.ctx.services.get(HOOKS.capacityPeak)!;
      const peak = await hook.peak({ service: 'shop', environment: 'production', horizonMs: 7 * DAY });
      assert.ok('rps' in peak, JSON.stringify(peak));
      assert.equal(peak.rps, f.peak.rps);
      assert.equal(peak.atMs, f.peak.atMs);
      assert.equal(peak.model, f.model);
      const none = await hook.peak({ service: 'web', environment: 'production', horizonMs: 7 * DAY });
      assert.deepEqual(none, { unavailable: 'no Rollout of web in production: its route (and replicas) are unknown' });
    });

    test('no Rollout: 404 (exit 2); too little history: exit 2 naming it; a bad TrafficEvent is refused at apply', async () => {
      const none = await cli(['capacity', 'forecast', 'web']);
      assert.equal(none.code, 2);
      assert.match(none.stderr, /no Rollout of web in production/);
      const short = await cli(['capacity', 'forecast', 'shop', '--history', '14d']);
      assert.equal(short.code, 2);
      assert.match(short.stderr, /at least 21d/);
      const file = join(dir, `bad-${store}.yaml`);
      writeFileSync(file, doc('TrafficEvent', 'bad', { multiplier: 2, start: '2026-12-10T09:00', rrule: 'FREQ=DAILY' }));
      const applied = await s.cli(['apply', '-f', file]);
      assert.equal(applied.code, 2);
      assert.match(applied.stderr, /duration/);
    });
  });
}

after(() => rmSync(dir, { recursive: true, force: true }));
