import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeRevision, mergeConfig, revisionDigest } from './revision';
import { parseSets } from '../cli/sets';
import { formatDurationMs, parseDurationMs } from '../core/duration';

test('a revision is immutable and its digest covers version, artifact and config', () => {
  const r = makeRevision({ service: 'shop', environment: 'prod', number: 3, version: 'v2', artifact: 'node s.js', config: { A: '1' }, createdAt: 'x' });
  assert.equal(r.id, 'shop.prod.3');
  assert.throws(() => ((r as { version: string }).version = 'v3'));
  assert.throws(() => ((r.config as Record<string, string>).A = '2'));
  const base = { version: 'v2', artifact: 'node s.js', config: { A: '1' } };
  assert.equal(r.digest, revisionDigest(base));
  assert.equal(revisionDigest({ ...base, config: { A: '1' } }), revisionDigest({ artifact: 'node s.js', config: { A: '1' }, version: 'v2' }));
  for (const other of [
    { ...base, version: 'v3' },
    { ...base, artifact: 'node t.js' },
    { ...base, config: { A: '2' } },
  ])
    assert.notEqual(revisionDigest(other), r.digest);
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

test('secret config values: plain values for instances and the hash, secret keys carried over, markers for readers', async () => {
  const { splitSets, mergeSecretKeys, redactConfig, configHash, mergeConfig } = await import('./revision');
  const { secretMarkerWith } = await import('../resources/secrets');
  const secretMarker = secretMarkerWith(Buffer.alloc(32, 7));
  const sets = { API_KEY: { secret: true as const, value: 'k-123' }, GREETING: 'hi' };
  const { values, secret } = splitSets(sets);
  assert.deepEqual(values, { API_KEY: 'k-123', GREETING: 'hi' });
  assert.deepEqual(secret, ['API_KEY']);
  // The config hash a change request binds to covers the real value, secret or not.
  assert.equal(configHash(mergeConfig({}, values)), configHash({ API_KEY: 'k-123', GREETING: 'hi' }));
  assert.notEqual(configHash(mergeConfig({}, values)), configHash({ API_KEY: secretMarker('k-123'), GREETING: 'hi' }));
  // Kept secret across releases that do not touch it; set plainly or removed, it is no longer secret.
  assert.deepEqual(mergeSecretKeys(['API_KEY'], { GREETING: 'yo' }), ['API_KEY']);
  assert.deepEqual(mergeSecretKeys(['API_KEY'], { API_KEY: 'plain-now' }), []);
  assert.deepEqual(mergeSecretKeys(['API_KEY'], { API_KEY: '' }), []);
  assert.deepEqual(mergeSecretKeys([], { B: { secret: true, value: 'x' }, A: { secret: true, value: 'y' } }), ['A', 'B']);
  assert.deepEqual(redactConfig({ API_KEY: 'k-123', GREETING: 'hi' }, ['API_KEY'], secretMarker), { API_KEY: secretMarker('k-123'), GREETING: 'hi' });
  const r = makeRevision({
    service: 's',
    environment: 'e',
    number: 1,
    version: 'v1',
    artifact: '',
    config: { A: '1' },
    secretKeys: ['A', 'GONE'],
    createdAt: '',
  });
  assert.deepEqual(r.secretKeys, ['A'], 'only keys the config has');
});
