import { test } from 'node:test';
import assert from 'node:assert/strict';
import { staleFlags, fullyRolledOut, type StaleInput } from './stale-report';
import { featureFlagSpecSchema } from './flag-model';
import { applyStateOverride } from './flag-state';
import { toFlagDefinition } from './flag-model';

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-01T00:00:00Z');
const spec = (s: unknown) => featureFlagSpecSchema.parse(s);
const input = (name: string, s: unknown, o: Partial<StaleInput>): StaleInput => ({
  name,
  spec: spec(s),
  createdAtMs: NOW - DAY,
  changedAtMs: NOW - DAY,
  enabled: true,
  percentage: null,
  evaluations: 10,
  ...o,
});

test('stale report: lifetime, fully rolled out and unchanged, never evaluated', () => {
  const rows = staleFlags(
    [
      input('old-release', { type: 'release' }, { createdAtMs: NOW - 41 * DAY, enabled: false }),
      input('old-kill-switch', { type: 'kill-switch' }, { createdAtMs: NOW - 400 * DAY, enabled: false }),
      input('done', { environments: { production: { enabled: true } } }, { changedAtMs: NOW - 15 * DAY }),
      input('half', { environments: { production: { enabled: true, rules: [{ rollout: { percentage: 50 } }] } } }, { changedAtMs: NOW - 15 * DAY }),
      input('unused', {}, { createdAtMs: NOW - 8 * DAY, evaluations: 0, enabled: false }),
      input('new-unused', {}, { evaluations: 0 }),
    ],
    { nowMs: NOW, environment: 'production' },
  );
  assert.deepEqual(
    rows.map((r) => [r.name, r.reasons]),
    [
      ['old-release', ['past-expected-lifetime']],
      ['done', ['fully-rolled-out']],
      ['unused', ['never-evaluated']],
    ],
  );
});

test('fullyRolledOut', () => {
  const targeted = spec({ environments: { production: { enabled: true, rules: [{ constraints: [{ contextName: 'a', operator: 'IN', values: ['1'] }] }] } } });
  assert.equal(fullyRolledOut(targeted, 'production', true, null), false);
  assert.equal(fullyRolledOut(spec({}), 'production', true, 100), true);
  assert.equal(fullyRolledOut(spec({}), 'production', true, 99), false);
  assert.equal(fullyRolledOut(spec({}), 'production', false, null), false);
});

test('state override: enabled and percentage replace the manifest', () => {
  const def = toFlagDefinition(
    'f',
    spec({ environments: { production: { enabled: true, rules: [{ rollout: { percentage: 10, stickiness: 'orgId' } }] } } }),
    'production',
  );
  assert.equal(applyStateOverride(def, { enabled: false, percentage: null }).environment.enabled, false);
  assert.deepEqual(applyStateOverride(def, { enabled: null, percentage: 25 }).environment.rules[0].rollout, { percentage: 25, stickiness: 'orgId' });
  const bare = toFlagDefinition('f', spec({ environments: { production: { enabled: true } } }), 'production');
  assert.equal(applyStateOverride(bare, { enabled: null, percentage: 5 }).environment.rules[0].rollout?.percentage, 5);
  assert.equal(applyStateOverride(def, undefined), def);
});
