import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { SHOP_SLO, startRolloutFixture, type RolloutFixture } from '../rollout/e2e-fixture';

// Functions passed to waitForFunction run in the page, where `document` exists.
declare const document: { getElementById(id: string): { textContent: string | null } | null };

/** The dashboard in a real browser (Debian's Chromium) against a real server with a real release. */
describe('web dashboard', () => {
  let f: RolloutFixture;
  let browser: Browser;
  let viewer: string;
  before(async () => {
    f = await startRolloutFixture('sqlite');
    await f.apply({});
    const r = await f.s.cli(['release', 'shop', '--version', 'v1', '--wait', '--timeout', '150s']);
    assert.equal(r.code, 0, r.stderr);
    const dir = mkdtempSync(join(tmpdir(), 'sg-web-'));
    writeFileSync(join(dir, 'slo.yaml'), SHOP_SLO);
    writeFileSync(
      join(dir, 'points.jsonl'),
      [
        { series: 'shop.total', t: Date.now() / 1000 - 180, value: 1000 },
        { series: 'shop.good', t: Date.now() / 1000 - 180, value: 998 },
      ]
        .map((p) => JSON.stringify(p))
        .join('\n'),
    );
    assert.equal((await f.s.cli(['apply', '-f', join(dir, 'slo.yaml')])).code, 0);
    assert.equal((await f.s.cli(['push', join(dir, 'points.jsonl')])).code, 0);
    viewer = await f.s.token('viewer', 'vera');
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  after(async () => {
    await browser?.close();
    await f.close();
  });

  test('asks for a token, then shows the release, the SLO, the catalog and the audit chain', async () => {
    const page = await browser.newPage();
    await page.goto(`${f.s.url}/ui`);
    await page.waitForFunction(() => document.getElementById('services')!.textContent !== '…');
    assert.match((await page.textContent('#audit'))!, /bearer token is required/);

    await page.fill('#token', viewer);
    await page.click('#login button');
    await page.waitForFunction(() => /intact/.test(document.getElementById('audit')!.textContent ?? ''), undefined, { timeout: 15_000 });
    await page.waitForFunction(() => /shop/.test(document.getElementById('rollouts')!.textContent ?? ''), undefined, { timeout: 15_000 });
    const rollouts = (await page.textContent('#rollouts'))!;
    assert.match(rollouts, /shop/);
    assert.match(rollouts, /v1 100%/);
    assert.match((await page.textContent('#services'))!, /shop/);
    await page.waitForFunction(() => /shop-availability/.test(document.getElementById('slos')!.textContent ?? ''), undefined, { timeout: 15_000 });
    assert.match((await page.textContent('#slos'))!, /0\.99800/);
    assert.match((await page.textContent('#markers'))!, /shop/);
    assert.match((await page.textContent('#changes'))!, /release shop v1/);
    assert.doesNotMatch((await page.textContent('main'))!, /invalid|HTTP \d/, 'no panel shows an error');
    await page.screenshot({ path: process.env.SHIPGATE_SCREENSHOT ?? join(f.s.dataDir, 'dashboard.png'), fullPage: true });
    // The token stays in this browser: a reload needs no new login.
    await page.reload();
    await page.waitForFunction(() => /intact/.test(document.getElementById('audit')!.textContent ?? ''), undefined, { timeout: 15_000 });
    await page.close();
  });
});
