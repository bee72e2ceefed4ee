/**
 * The dashboard's capacity panel in a real browser (Debian's Chromium) against a real server: four
 * weeks of router buckets give a forecast drawn as a line over its interval band, a Database on
 * the real PostgreSQL gives the pools' bar, a CapacityReservation its row.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { stringify } from 'yaml';
import { HOOKS } from '../core/hooks';
import { baseSpec } from '../rollout/e2e-fixture';
import { startTestServer, type TestServer } from '../testing/harness';
import { createPgDatabase } from '../testing/postgres';

declare const document: { getElementById(id: string): { textContent: string | null } | null };

const H = 3_600_000;
const doc = (kind: string, name: string, spec: unknown) => stringify({ apiVersion: 'shipgate.dev/v1', kind, metadata: { name }, spec });

describe('web dashboard: capacity', () => {
  let s: TestServer;
  let browser: Browser;
  let db: Awaited<ReturnType<typeof createPgDatabase>>;
  const dir = mkdtempSync(join(tmpdir(), 'sg-web-capacity-'));
  before(async () => {
    db = await createPgDatabase();
    s = await startTestServer();
    const local = (ms: number) => new Date(ms).toISOString().slice(0, 16);
    writeFileSync(
      join(dir, 'all.yaml'),
      [
        doc('Service', 'shop', { owner: 'team-shop', databases: [{ database: 'orders-db', pool: 10, user: 'postgres' }] }),
        doc('Database', 'orders-db', { environments: { production: { url: db.url } } }),
        doc(
          'Rollout',
          'shop-production',
          baseSpec({
            target: { type: 'static', endpoints: { '1.0.0': ['http://127.0.0.1:9'] }, replicas: 3 } as never,
            strategy: { canary: { steps: [{ setWeight: 50 }] } },
          }),
        ),
        doc('CapacityReservation', 'winter-sale', {
          service: 'shop',
          minInstances: 5,
          start: local(Date.now() + 86_400_000),
          end: local(Date.now() + 90_000_000),
          reason: 'winter sale',
        }),
      ].join('---\n'),
    );
    const applied = await s.cli(['apply', '-f', join(dir, 'all.yaml')]);
    assert.equal(applied.code, 0, applied.stderr);
    const nowHour = Math.floor(Date.now() / H) * H;
    await s.server.ctx.services.get(HOOKS.metrics)!.ingestRouterBuckets(
      Array.from({ length: 28 * 24 }, (_, i) => {
        const startMs = nowHour - (28 * 24 - i) * H;
        const rps = 40 * (1 + 0.5 * Math.sin((2 * Math.PI * (new Date(startMs).getUTCHours() - 9)) / 24));
        return { route: 'shop', version: '1.0.0', startMs, counts: { '2xx': Math.round(rps * 3600) }, latency: {} };
      }),
    );
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
  });
  after(async () => {
    await browser?.close();
    await s?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the forecast as a chart, the pools as a bar, the reservation as a row', async () => {
    const page = await browser.newPage();
    await page.goto(`${s.url}/ui`);
    await page.fill('#token', await s.token('viewer', 'vera'));
    await page.click('#login button');
    await page.waitForFunction(() => /connection pools/.test(document.getElementById('capacity')!.textContent ?? ''), undefined, { timeout: 20_000 });
    const text = (await page.textContent('#capacity'))!;
    assert.match(text, /shop in production/);
    assert.match(text, /peak [\d.]+ req\/s at .*backtest MAPE [\d.]+%\); 3 replicas/);
    assert.equal(await page.locator('#capacity svg.chart polyline').count(), 1);
    const points = (await page.getAttribute('#capacity svg.chart polyline', 'points'))!.trim().split(' ');
    assert.equal(points.length, 7 * 24, 'one point per forecast hour');
    assert.equal(await page.locator('#capacity svg.chart polygon.band').count(), 1);
    // 10 connections × the canary's peak of 6 instances (3 beside 3 at promotion).
    assert.match(text, /orders-db\s*shop\s*60 \/ \d+/);
    assert.match(text, /winter-sale.*5 instances of shop\/production/);
    assert.doesNotMatch(text, /HTTP \d|invalid/);
    await page.screenshot({ path: process.env.SHIPGATE_SCREENSHOT ?? join(dir, 'capacity.png'), fullPage: true });
    await page.close();
  });
});
