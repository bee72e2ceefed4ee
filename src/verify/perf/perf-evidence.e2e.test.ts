/**
 * `perf` evidence through the public CLI and API against a real server (SQLite and PostgreSQL):
 * the server receives the result files, recomputes the verdict with the same pure code, records
 * a `rerun` as failing, and `verify evidence check --require perf` follows the latest record.
 */
import { buildLoadResult, latencyHistogram } from '../load-result';
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '../../core/ids';
import { startTestServer, type TestServer } from '../../testing/harness';
import { testStores } from '../../testing/postgres';
import { seededVariates } from '../../core/stats/variates';

const dir = mkdtempSync(join(tmpdir(), 'sg-perf-evidence-'));
const lat = (seed: number, n: number, scale = 1) => {
  const v = seededVariates(seed);
  return Array.from({ length: n }, () => Number((20 * scale * Math.exp(0.4 * v.normal())).toFixed(3)));
};
writeFileSync(join(dir, 'base.json'), JSON.stringify(lat(1, 4000)));
writeFileSync(join(dir, 'same.json'), JSON.stringify(lat(2, 4000)));
writeFileSync(join(dir, 'slow.json'), JSON.stringify(lat(3, 4000, 1.5)));
writeFileSync(join(dir, 'edge.json'), JSON.stringify(lat(4, 150, 1.1)));

interface Evidence {
  id: string;
  kind: string;
  version: string;
  verdict: string;
  summary: string;
  inputs: Record<string, string>;
  result: { verdict: string; metric: string; regression: { lower: number; upper: number } | null; seed: number | null };
  recordedBy: string;
}

for (const store of await testStores()) {
  describe(`perf evidence on ${store}`, () => {
    let s: TestServer;
    let dev: string;
    const cli = (args: string[]) => s.cli(args, { token: dev, cwd: dir });
    const latest = async (version: string): Promise<Evidence> =>
      ((await (await s.fetch(`/api/v1/verifications?service=shop&kind=perf&version=${version}`)).json()) as { items: Evidence[] }).items[0];

    before(async () => {
      s = await startTestServer({ store });
      dev = await s.token('deployer', 'ci-shop');
    });
    after(() => s.close());

    test('a pass is recomputed by the server and recorded with the SHA-256 of each file', async () => {
      const r = await cli(['verify', 'perf', '--baseline', 'base.json', '--candidate', 'same.json', '--metric', 'p99', '--service', 'shop', '--version', 'v1']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stderr, /recorded perf evidence vev_[0-9a-f]{20} for shop v1: pass \(pass: p99 regression/);
      const e = await latest('v1');
      assert.equal(e.verdict, 'pass');
      assert.equal(e.recordedBy, 'ci-shop');
      assert.equal(e.result.metric, 'p99');
      assert.equal(e.result.seed, 20261204);
      assert.deepEqual(Object.keys(e.inputs).sort(), ['baseline:base.json', 'candidate:same.json']);
      assert.equal(e.inputs['baseline:base.json'], sha256(readFileSync(join(dir, 'base.json'), 'utf8')));
      const check = await cli(['verify', 'evidence', 'check', '--service', 'shop', '--version', 'v1', '--require', 'perf']);
      assert.equal(check.code, 0, check.stdout);
    });

    test('a regression is recorded failing; an undecided comparison (rerun) is recorded failing too', async () => {
      const slow = await cli([
        'verify',
        'perf',
        '--baseline',
        'base.json',
        '--candidate',
        'slow.json',
        '--metric',
        'mean',
        '--service',
        'shop',
        '--version',
        'v2',
      ]);
      assert.equal(slow.code, 1);
      const f = await latest('v2');
      assert.equal(f.verdict, 'fail');
      assert.ok(f.result.regression!.lower > 0.1);
      const edge = await cli(['verify', 'perf', '--baseline', 'base.json', '--candidate', 'edge.json', '--service', 'shop', '--version', 'v3']);
      assert.equal(edge.code, 1);
      assert.match(edge.stderr, /cannot decide: rerun with more samples \(\d+ needed\)/);
      const r = await latest('v3');
      assert.equal(r.verdict, 'fail');
      assert.equal(r.result.verdict, 'rerun');
      assert.match(r.summary, /^rerun: cannot decide/);
      const check = await cli(['verify', 'evidence', 'check', '--service', 'shop', '--version', 'v3', '--require', 'perf']);
      assert.equal(check.code, 1);
      assert.match(check.stdout, /perf +failing/);
    });

    test('the server decides from the files, not from the caller; bad files are a 400 naming the file and field', async () => {
      const post = (input: unknown) =>
        s.fetch('/api/v1/verifications/perf', { method: 'POST', token: dev, body: JSON.stringify({ service: 'shop', version: 'v4', artifact: '', input }) });
      const text = (f: string) => ({ name: f, text: readFileSync(join(dir, f), 'utf8') });
      // A client cannot send a verdict: the input is only the files and the parameters.
      assert.equal((await post({ baseline: [text('base.json')], candidate: [text('slow.json')], verdict: 'pass' })).status, 400);
      const ok = await post({ baseline: [text('base.json')], candidate: [text('slow.json')], metric: 'p95', maxRegressionPercent: 60 });
      assert.equal(ok.status, 201, await ok.clone().text());
      assert.equal(((await ok.json()) as Evidence).verdict, 'pass', 'a 50% regression is within an allowance of 60%');
      const bad = await post({ baseline: [{ name: 'b.json', text: '[1, "x"]' }], candidate: [text('slow.json')] });
      assert.equal(bad.status, 400);
      assert.match(await bad.text(), /b\.json: \[1\]: expected a finite number/);
      // A few bytes of histogram that claim 3 million samples: refused before they are expanded.
      const h = latencyHistogram();
      h.recordValueWithCount(2000, 3_000_000);
      const bomb = JSON.stringify(buildLoadResult({ target: 'http://x', startedAtMs: 0, durationMs: 1000, requests: 3_000_000, errors: 0, histogram: h }));
      assert.ok(bomb.length < 2000, `${bomb.length} bytes`);
      const huge = await post({ baseline: [{ name: 'bomb.json', text: bomb }], candidate: [text('slow.json')] });
      assert.equal(huge.status, 400);
      assert.match(await huge.text(), /bomb\.json: the histogram holds 3000000 values; at most 2000000 are read here/);
      const items = ((await (await s.fetch('/api/v1/verifications?service=shop&kind=perf&version=v4')).json()) as { items: Evidence[] }).items;
      assert.equal(items.length, 1, 'refused requests record nothing');
    });
  });
}
