import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../cli/main';
import { InputError } from '../core/errors';
import { analysisTemplateSpec } from './analysis-template';
import { parseReplayLines, replayRun } from './replay';

function line(t: number, canaryErrors: number, canaryFactor = 1, requests = 100): string {
  const lat = (n: number, f: number, phase: number) => Array.from({ length: n }, (_, i) => Math.round((40 + ((i * 37 + phase) % 23)) * f * 10) / 10);
  return JSON.stringify({
    t,
    baseline: { requests: 1000, errors: 10, latencyMs: lat(1000, 1, t) },
    canary: { requests, errors: canaryErrors, latencyMs: lat(requests, canaryFactor, t * 3) },
  });
}

describe('parsing', () => {
  test('line numbers on bad input', () => {
    const rows: [string, RegExp, number][] = [
      [`${line(0, 1)}\n{not json}\n`, /not valid JSON/, 2],
      [
        `${line(0, 1)}\n\n${JSON.stringify({ t: 60, baseline: { requests: 10, errors: 11 }, canary: { requests: 1, errors: 0 } })}`,
        /errors cannot exceed requests/,
        3,
      ],
      [`${JSON.stringify({ t: 0, baseline: { requests: -1, errors: 0 }, canary: { requests: 1, errors: 0 } })}`, /./, 1],
      [`${line(60, 1)}\n${line(0, 1)}`, /not after/, 2],
      ['\n\n', /expected one JSON object per line/, 1],
    ];
    for (const [text, re, lineNo] of rows) {
      assert.throws(
        () => parseReplayLines(text, 'run.jsonl'),
        (e: unknown) => e instanceof InputError && e.issues[0].line === lineNo && re.test(e.issues[0].message),
        text.slice(0, 40),
      );
    }
  });
  test('latencyMs may be missing or empty', () => {
    const r = parseReplayLines(JSON.stringify({ baseline: { requests: 1, errors: 0 }, canary: { requests: 1, errors: 0, latencyMs: [] } }));
    assert.deepEqual(r[0].baseline.latencyMs, []);
  });
});

describe('replay verdicts per judge', () => {
  const bad = Array.from({ length: 20 }, (_, i) => line(i * 60, 8)).join('\n');
  const good = Array.from({ length: 40 }, (_, i) => line(i * 60, 1, 1, 3000)).join('\n');
  const rows: { name: string; judge: 'sequential' | 'kayenta' | 'threshold'; text: string; verdict: string; extra?: object }[] = [
    { name: 'sequential fails a bad canary', judge: 'sequential', text: bad, verdict: 'fail' },
    { name: 'sequential passes a good canary with enough traffic', judge: 'sequential', text: good, verdict: 'pass' },
    {
      name: 'sequential is inconclusive at very low traffic',
      judge: 'sequential',
      text: Array.from({ length: 5 }, (_, i) => line(i * 60, 0, 1, 3)).join('\n'),
      verdict: 'inconclusive',
    },
    { name: 'threshold fails on the default 1% error rate', judge: 'threshold', text: bad, verdict: 'fail' },
    {
      name: 'threshold passes when the data end within limits',
      judge: 'threshold',
      text: Array.from({ length: 3 }, (_, i) => line(i * 60, 0)).join('\n'),
      verdict: 'pass',
    },
    { name: 'kayenta fails a bad canary', judge: 'kayenta', text: bad, verdict: 'fail' },
  ];
  for (const r of rows) {
    test(r.name, () => {
      const out = replayRun(analysisTemplateSpec({ judge: r.judge, ...r.extra }), parseReplayLines(r.text));
      assert.equal(out.verdict, r.verdict, out.reason);
      if (out.verdict === 'fail' || (out.verdict === 'pass' && r.judge === 'sequential')) assert.equal(out.decidedAt, out.intervals.length - 1);
      if (out.verdict === 'inconclusive') assert.equal(out.decidedAt, null);
      assert.ok(out.intervals.length > 0 && out.intervals.every((x, i) => x.index === i));
    });
  }
  test('maximum duration ends a sequential run inconclusive', () => {
    const out = replayRun(
      analysisTemplateSpec({ maxDuration: '3m', interval: '1m' }),
      parseReplayLines(Array.from({ length: 10 }, (_, i) => line(i * 60, 1)).join('\n')),
    );
    assert.equal(out.verdict, 'inconclusive');
    assert.equal(out.intervals.length, 3);
  });
  test('minimum duration holds a pass back', () => {
    const out = replayRun(analysisTemplateSpec({ minDuration: '60m', maxDuration: '2h' }), parseReplayLines(good));
    assert.equal(out.verdict, 'inconclusive');
    assert.match(out.intervals.at(-1)!.reason, /minimum duration/);
  });
});

describe('shipgate analysis replay (offline CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sg-replay-'));
  const io = () => {
    const o = { out: '', err: '' };
    return { o, io: { stdout: (t: string) => (o.out += t), stderr: (t: string) => (o.err += t), env: {}, cwd: dir, isTTY: false } };
  };
  writeFileSync(join(dir, 'bad.jsonl'), Array.from({ length: 20 }, (_, i) => line(i * 60, 8)).join('\n'));
  writeFileSync(join(dir, 'low.jsonl'), Array.from({ length: 4 }, (_, i) => line(i * 60, 0, 1, 2)).join('\n'));
  writeFileSync(join(dir, 'broken.jsonl'), `${line(0, 0)}\n${line(60, 0)}\n{"t": 120, "baseline": {}}\n`);
  writeFileSync(
    join(dir, 'template.yaml'),
    'apiVersion: shipgate.dev/v1\nkind: AnalysisTemplate\nmetadata: {name: t}\nspec:\n  judge: threshold\n  threshold:\n    metrics:\n      - {name: errors, measure: error-rate, failureCondition: "result > 0.5"}\n',
  );
  writeFileSync(join(dir, 'bad-template.yaml'), 'spec:\n  judge: magic\n');
  const rows: { args: string[]; code: number; out?: RegExp; err?: RegExp }[] = [
    { args: ['bad.jsonl', '-o', 'json'], code: 1, out: /"verdict": "fail"/ },
    { args: ['bad.jsonl'], code: 1, out: /verdict: fail at interval \d+ \(sequential\)/ },
    { args: ['bad.jsonl', '--judge', 'kayenta', '-o', 'json'], code: 1, out: /"judge": "kayenta"/ },
    { args: ['bad.jsonl', '--template', 'template.yaml', '-o', 'json'], code: 0, out: /"verdict": "pass"/ },
    { args: ['low.jsonl', '-o', 'json'], code: 4, out: /"decidedAt": null/ },
    { args: ['broken.jsonl'], code: 2, err: /broken\.jsonl:3 baseline\.requests/ },
    { args: ['missing.jsonl'], code: 2, err: /cannot read missing\.jsonl: ENOENT/ },
    { args: ['bad.jsonl', '--judge', 'oracle'], code: 2, err: /--judge must be one of/ },
    { args: ['bad.jsonl', '--template', 'bad-template.yaml'], code: 2, err: /spec\.judge/ },
  ];
  for (const r of rows) {
    test(r.args.join(' '), async () => {
      const { o, io: cliIo } = io();
      const code = await main(['analysis', 'replay', ...r.args], cliIo);
      assert.equal(code, r.code, o.out + o.err);
      if (r.out) assert.match(o.out, r.out);
      if (r.err) assert.match(o.err, r.err);
    });
  }
  test('-o json output has verdict, decidedAt and per-interval statistics', async () => {
    const { o, io: cliIo } = io();
    await main(['analysis', 'replay', 'bad.jsonl', '-o', 'json'], cliIo);
    const r = JSON.parse(o.out);
    assert.equal(r.verdict, 'fail');
    assert.equal(typeof r.decidedAt, 'number');
    const t = r.intervals[0].sequential.tests[0];
    assert.equal(t.metric, 'error-rate');
    assert.ok(t.failEValue > 0 && t.failThreshold > 0 && t.cumulative.canaryTotal === 100);
  });
});
