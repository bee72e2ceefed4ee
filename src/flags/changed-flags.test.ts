import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changedFlagKeys } from './changed-flags';
import { featureFlagSpecSchema, toFlagDefinition, type FlagConfig } from './flag-model';

const cfg = (flags: Record<string, unknown>, segments: FlagConfig['segments'] = {}): FlagConfig => ({
  environment: 'production',
  flags: Object.entries(flags).map(([k, s]) => toFlagDefinition(k, featureFlagSpecSchema.parse(s), 'production')),
  segments,
});
const seg = (v: string) => ({ constraints: [{ contextName: 'plan', operator: 'IN' as const, values: [v], caseInsensitive: false, inverted: false }] });

test('changedFlagKeys: changed, added, removed, and flags using a changed segment', () => {
  const on = { environments: { production: { enabled: true } } };
  const bySeg = { environments: { production: { enabled: true, rules: [{ segments: ['beta'] }] } } };
  const before = cfg({ a: on, b: on, c: on, d: bySeg }, { beta: seg('x') });
  const after = cfg({ a: on, b: {}, d: bySeg, e: on }, { beta: seg('y') });
  assert.deepEqual(changedFlagKeys(before, after), ['b', 'c', 'd', 'e']);
  assert.deepEqual(changedFlagKeys(after, after), []);
  assert.deepEqual(changedFlagKeys(undefined, cfg({ a: on })), ['a']);
});
