import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeRevision, mergeConfig, parseSets, revisionDigest } from './revision';
import { formatDurationMs, parseDurationMs } from './duration';

test('a revision is immutable and its digest covers version, artifact and config', () => {
  const r = makeRevision({ service: 'shop', environment: 'prod', number: 3, version: 'v2', artifact: 'node s.js', config: { A: '1' }, createdAt: 'x' });
  assert.equal(r.id, 'shop.prod.3');
  assert.throws(() => ((r as { version: string }).version = 'v3'));
  assert.throws(() => ((r.config as Record<string, string>).A = '2'));
  const base = { version: 'v2', artifact: 'node s.js', config: { A: '1' } };
  assert.equal(r.digest, revisionDigest(base));
  assert.equal(revisionDigest({ ...base, config: { A: '1' } }), revisionDigest({ artifact: 'node s.js', config: { A: '1' }, version: 'v2' }));
  for (const other of [{ ...base, version: 'v3' }, { ...base, artifact: 'node t.js' }, { ...base, config: { A: '2' } }]) assert.notEqual(revisionDigest(other), r.digest);
});

test('config changes and --set parsing', () => {
  assert.deepEqual(mergeConfig({ A: '1', B: '2' }, { B: '', C: '3' }), { A: '1', C: '3' });
  assert.deepEqual(parseSets(['A=1', 'B=x=y', 'C=']), { sets: { A: '1', B: 'x=y', C: '' } });
  assert.deepEqual(parseSets(['=1']), { bad: '=1' });
  assert.deepEqual(parseSets(['1A=1']), { bad: '1A=1' });
  assert.deepEqual(parseSets(['noequals']), { bad: 'noequals' });
});

test('durations', () => {
  const cases: [string | number, number][] = [
    ['250ms', 250],
    ['5s', 5000],
    ['1.5s', 1500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['7', 7000],
    [300, 300],
    ['soon', NaN],
    [-1, NaN],
  ];
  for (const [v, want] of cases) assert.deepEqual(parseDurationMs(v), want, String(v));
  assert.deepEqual([formatDurationMs(850), formatDurationMs(12_340), formatDurationMs(245_000)], ['850ms', '12.3s', '4m05s']);
});
