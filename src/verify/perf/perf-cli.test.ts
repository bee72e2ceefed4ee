import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main';
import type { CliIo } from '../../cli/context';
import { seededVariates } from '../../core/stats/variates';

const dir = mkdtempSync(join(tmpdir(), 'shipgate-perf-'));
const write = (f: string, text: string) => writeFileSync(join(dir, f), text);
const lat = (seed: number, n: number, scale = 1) => {
  const v = seededVariates(seed);
  return Array.from({ length: n }, () => Number((20 * scale * Math.exp(0.4 * v.normal())).toFixed(3)));
};
write('base.json', JSON.stringify(lat(1, 5000)));
write('same.json', JSON.stringify({ samples: lat(2, 5000) }));
write('slow.json', JSON.stringify(lat(3, 5000, 1.4)));
write('edge.json', JSON.stringify(lat(4, 200, 1.1)));
write('tiny.json', JSON.stringify(lat(5, 10)));
// k6 runs: one --summary-export file per run, p95 around 47 ms (baseline) and 60 ms (candidate).
const k6 = JSON.parse(readFileSync(join(import.meta.dirname, 'testdata', 'k6-summary-export.json'), 'utf8'));
for (let i = 0; i < 6; i++) {
  for (const [side, p95] of [
    ['base', 46.9],
    ['cand', 60.2],
  ] as const) {
    k6.metrics.http_req_duration['p(95)'] = p95 + i * 0.3 - 0.7;
    write(`k6-${side}-${i}.json`, JSON.stringify(k6));
  }
}
write('k6-handle.json', readFileSync(join(import.meta.dirname, 'testdata', 'k6-handle-summary.json'), 'utf8'));
const history = [...[20, 21, 19, 20, 22, 20, 21, 19], ...[26, 27, 25, 26, 28, 26, 27]];
history.forEach((v, i) => write(`h${String(i).padStart(2, '0')}.json`, JSON.stringify(lat(100 + i, 300, v / 20))));

async function run(...args: string[]) {
  const o = { out: '', err: '' };
  const io: CliIo = { stdout: (s) => (o.out += s), stderr: (s) => (o.err += s), env: {}, cwd: dir, isTTY: false };
  const code = await main(['verify', 'perf', ...args], io);
  return { code, ...o };
}

describe('shipgate verify perf', () => {
  test('the same distribution passes (exit 0); the table states the interval, the confidence and the method', async () => {
    const r = await run('--baseline', 'base.json', '--candidate', 'same.json', '--metric', 'p99');
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /^baseline +base\.json \(samples, 5000\) +5000 +\d+\.\d{3} ms$/m);
    assert.match(
      r.out,
      /regression [+-]\d+\.\d%, 95\.0% interval \[[+-]\d+\.\d%, [+-]\d+\.\d%\] \(lower-is-better; bootstrap of the p99 ratio \(2000 resamples, seed 20261204\)\)/,
    );
    assert.match(r.out, /^PASS: p99 regression/m);
  });
  test('a 40% slower candidate fails (exit 1); json and junit say so', async () => {
    const j = await run('--baseline', 'base.json', '--candidate', 'slow.json', '--metric', 'mean', '-o', 'json');
    assert.equal(j.code, 1);
    const r = JSON.parse(j.out);
    assert.equal(r.kind, 'shipgate.dev/verify-perf/v1');
    assert.equal(r.verdict, 'fail');
    assert.equal(r.method, 'hodges-lehmann');
    assert.ok(r.regression.lower > 0.3 && r.regression.upper < 0.5, JSON.stringify(r.regression));
    const x = await run('--baseline', 'base.json', '--candidate', 'slow.json', '-o', 'junit');
    assert.equal(x.code, 1);
    assert.match(x.out, /<testcase classname="perf\.p95" name="p95 regression ≤ 10\.0%"><failure type="fail" message="p95 regression/);
  });
  test('an undecided comparison exits 1 with "cannot decide: rerun with more samples (N needed)"; json says rerun', async () => {
    const r = await run('--baseline', 'base.json', '--candidate', 'edge.json', '-o', 'json');
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.out).verdict, 'rerun');
    assert.match(r.err, /^cannot decide: rerun with more samples \(\d+ needed\)/);
    const tiny = await run('--baseline', 'base.json', '--candidate', 'tiny.json');
    assert.equal(tiny.code, 1);
    assert.match(tiny.err, /cannot decide: rerun with more samples \(20 needed\)/);
    assert.match(tiny.out, /^RERUN:/m);
  });
  test('k6 summaries: one run per file, compared as values; a slower p95 fails, tighter allowance and confidence as given', async () => {
    const files = (side: string) => Array.from({ length: 6 }, (_, i) => `k6-${side}-${i}.json`);
    const r = await run('--baseline', ...files('base'), '--candidate', ...files('cand'), '--max-regression', '15%', '--confidence', '99', '-o', 'json');
    assert.equal(r.code, 1, r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.mode, 'aggregates');
    assert.equal(j.confidence, 0.99);
    assert.equal(j.maxRegression, 0.15);
    assert.equal(j.baseline.files[0].format, 'k6-summary-export');
    assert.ok(j.regression.estimate > 0.25 && j.regression.estimate < 0.3, String(j.regression.estimate));
    const same = await run('--baseline', ...files('base'), '--candidate', ...files('base').reverse());
    assert.equal(same.code, 0, same.out);
  });
  test('bad input exits 2 naming the file and the field', async () => {
    const p99 = await run('--baseline', 'k6-handle.json', '--candidate', 'k6-base-0.json', '--metric', 'p99');
    assert.equal(p99.code, 2);
    assert.match(p99.err, /k6-handle\.json: the k6-handle-summary result has no p99 \(add "p\(99\)" to summaryTrendStats\)/);
    write('broken.json', '[1, 2, "x"]');
    const broken = await run('--baseline', 'broken.json', '--candidate', 'base.json');
    assert.equal(broken.code, 2);
    assert.match(broken.err, /broken\.json: \[2\]: expected a finite number/);
    assert.equal((await run('--baseline', 'missing.json', '--candidate', 'base.json')).code, 2);
    const pct = await run('--baseline', 'base.json', '--candidate', 'base.json', '--max-regression', 'ten');
    assert.equal(pct.code, 2);
    assert.match(pct.err, /--max-regression "ten": expected a percentage/);
    assert.equal((await run('--baseline', 'base.json')).code, 2);
    assert.equal((await run('--baseline', 'base.json', '--candidate', 'same.json', '--metric', 'p42')).code, 2);
    const half = await run('--baseline', 'base.json', '--candidate', 'same.json', '--service', 'shop');
    assert.equal(half.code, 2);
    assert.match(half.err, /needs both --service and --version/);
  });
  test('--history: the change point of a series of runs, with its run, medians and p-value', async () => {
    const files = history.map((_, i) => `h${String(i).padStart(2, '0')}.json`);
    const r = await run('--history', ...files, '--metric', 'p50', '-o', 'json');
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.runs.length, history.length);
    assert.equal(j.changePoints.length, 1);
    assert.equal(j.changePoints[0].index, 8);
    assert.equal(j.changePoints[0].runId, 'h08.json');
    assert.ok(j.changePoints[0].change > 0.2 && j.changePoints[0].change < 0.4);
    const t = await run('--history', ...files, '--metric', 'p50');
    assert.match(t.out, /^8 +h08\.json +\d+\.\d{3} +\d+\.\d{3} +\+\d+\.\d% +\d/m);
    const x = await run('--history', ...files, '--metric', 'p50', '-o', 'junit');
    assert.match(x.out, /<testsuite name="perf-history" tests="1" failures="1">/);
    assert.match(x.out, /name="change point at h08\.json"><failure type="change-point" message="\+\d+\.\d% \(p = /);
    const flat = await run('--history', ...files.slice(0, 8), '--metric', 'p50');
    assert.match(flat.out, /^no change point$/m);
    write('runs.json', JSON.stringify({ runs: history.map((v, i) => ({ id: `build-${i}`, value: v })) }));
    const doc = await run('--history', 'runs.json', '-o', 'json');
    assert.equal(JSON.parse(doc.out).changePoints[0].runId, 'build-8');
    assert.equal((await run('--history', 'runs.json', '--baseline', 'base.json')).code, 2);
  });
});
