import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeProblems, evidenceProblems, latestByKind, type EvidenceRecord } from './evidence';

const subject = { service: 'shop', version: 'v2', artifact: 'shop-2.tar.gz' };
let n = 0;
const rec = (over: Partial<EvidenceRecord>): EvidenceRecord => ({
  id: `vev_${String(++n).padStart(20, '0')}`,
  ...subject,
  kind: 'migration',
  verdict: 'pass',
  summary: 'no findings',
  inputs: {},
  result: null,
  irreversible: false,
  counterpart: null,
  recordedAtMs: 1000,
  recordedBy: 'ci',
  ...over,
});

test('evidence binds to the exact revision: another version or artifact does not count', () => {
  const cases: [string, EvidenceRecord[], string[]][] = [
    ['none', [], ['migration:missing']],
    ['passing', [rec({})], []],
    ['another version', [rec({ version: 'v3' })], ['migration:missing']],
    ['another artifact of the same version (a rebuild)', [rec({ artifact: 'shop-2b.tar.gz' })], ['migration:missing']],
    ['another service', [rec({ service: 'cart' })], ['migration:missing']],
    ['failing', [rec({ verdict: 'fail', summary: '1 finding' })], ['migration:failing']],
  ];
  for (const [name, records, want] of cases) {
    assert.deepEqual(
      evidenceProblems(['migration'], records, subject).map((p) => `${p.kind}:${p.problem}`),
      want,
      name,
    );
  }
});

test('the latest record of a kind decides, whatever order the store returns them in', () => {
  const fixed = [rec({ verdict: 'fail', recordedAtMs: 1000 }), rec({ verdict: 'pass', recordedAtMs: 2000 })];
  assert.deepEqual(evidenceProblems(['migration'], fixed, subject), []);
  assert.deepEqual(evidenceProblems(['migration'], [...fixed].reverse(), subject), []);
  const broke = [rec({ verdict: 'pass', recordedAtMs: 1000 }), rec({ verdict: 'fail', recordedAtMs: 2000, summary: 'DROP TABLE orders' })];
  const p = evidenceProblems(['migration'], broke, subject);
  assert.equal(p[0].problem, 'failing');
  assert.equal(p[0].evidenceId, broke[1].id);
  // Same millisecond: the later id (ids sort by time, then random) wins.
  const same = [rec({ verdict: 'pass', recordedAtMs: 5 }), rec({ verdict: 'fail', recordedAtMs: 5 })];
  assert.equal(latestByKind(same, subject).get('migration')!.verdict, 'fail');
});

test('each required kind is answered once, and the message says what to run', () => {
  const p = evidenceProblems(['migration', 'scan', 'scan', 'openapi'], [rec({ kind: 'scan' })], subject);
  assert.deepEqual(
    p.map((x) => x.kind),
    ['migration', 'openapi'],
  );
  assert.match(p[0].message, /no migration verification is recorded for shop v2 \(artifact shop-2\.tar\.gz\): run `shipgate verify migration/);
  assert.match(describeProblems(p), /migration.*; .*openapi/);
  assert.deepEqual(evidenceProblems([], [], subject), []);
});
