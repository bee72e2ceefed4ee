import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROLLOUT_LIMIT_DEFAULTS, rolloutLimits, rolloutLimitsSpec, rolloutSpec } from './rollout-spec';

const manifest = { service: 'shop', route: 'shop', target: { type: 'static' }, strategy: { canary: { steps: [] } } };

test('limit defaults: what a manifest without `limits` means (the values the engine hard-coded before)', () => {
  const rows: [keyof typeof ROLLOUT_LIMIT_DEFAULTS, number, string][] = [
    ['consecutiveErrorLimit', 4, 'the 5th analysis Error in a row pauses'],
    ['actionErrorLimit', 10, 'the 10th failed attempt at one action rolls back (reason error)'],
    ['burnCheckInterval', 5000, 'SLO burn checked every 5 s'],
    ['burnCheckTimeout', 3000, 'a burn check without an answer in 3 s is not burning'],
    ['analysisTimeout', 15_000, 'an analysis provider without an answer in 15 s is an Error'],
  ];
  const parsed = rolloutSpec.parse(manifest).limits;
  const stored = rolloutLimits({});
  for (const [k, want, why] of rows) {
    assert.equal(ROLLOUT_LIMIT_DEFAULTS[k], want, why);
    assert.equal(parsed[k], want, `parsed manifest: ${why}`);
    assert.equal(stored[k], want, `run stored before limits existed: ${why}`);
  }
  assert.deepEqual(Object.keys(parsed).sort(), rows.map((r) => r[0]).sort());
});

test('limits are fields of the Rollout spec: durations as text, bounds checked, documented', () => {
  const l = rolloutSpec.parse({ ...manifest, limits: { consecutiveErrorLimit: 1, burnCheckTimeout: '500ms', analysisTimeout: '2s' } }).limits;
  assert.deepEqual(l, { ...ROLLOUT_LIMIT_DEFAULTS, consecutiveErrorLimit: 1, burnCheckTimeout: 500, analysisTimeout: 2000 });
  const rows: [object, boolean][] = [
    [{ consecutiveErrorLimit: 0 }, true],
    [{ consecutiveErrorLimit: -1 }, false],
    [{ actionErrorLimit: 0 }, false],
    [{ burnCheckTimeout: 'soon' }, false],
    [{ unknown: 1 }, false],
  ];
  for (const [limits, ok] of rows) assert.equal(rolloutSpec.safeParse({ ...manifest, limits }).success, ok, JSON.stringify(limits));
  for (const [k, field] of Object.entries(rolloutLimitsSpec.shape)) assert.match(field.description ?? '', /Default/, `${k} has a description with its default`);
});
