import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { importUnleash } from './unleash-import';
import { featureFlagSpecSchema, checkFlagSpec } from './flag-model';
import { resourceName } from '../core/kinds';
import { InputError } from '../core/errors';

describe('importUnleash', () => {
  const doc = {
    version: 2,
    segments: [{ id: 7, name: 'Beta Users', constraints: [{ contextName: 'plan', operator: 'IN', values: ['beta'] }] }],
    features: [
      {
        name: 'Checkout.New',
        type: 'experiment',
        enabled: true,
        strategies: [
          { name: 'userWithId', parameters: { userIds: '1, 2,3' } },
          { name: 'flexibleRollout', parameters: { rollout: '30', stickiness: 'default', groupId: 'g' }, segments: [7] },
          { name: 'custom-thing', parameters: {} },
          { name: 'default', constraints: [{ contextName: 'x', operator: 'FANCY_OP', values: [] }] },
        ],
        variants: [
          { name: 'a', weight: 500, payload: { type: 'json', value: '{"color":"red"}' } },
          { name: 'b', weight: 500, payload: { type: 'json', value: '{"color":"blue"}' } },
        ],
      },
      { name: 'checkout.new', enabled: false, strategies: [], dependencies: [{ feature: 'Checkout.New', variants: ['a'] }] },
    ],
  };

  test('converts features, strategies, segments and variants', () => {
    const out = importUnleash(doc, 'production');
    assert.deepEqual(
      out.segments.map((s) => s.metadata.name),
      ['segment-beta-users'],
    );
    const [a, b] = out.flags;
    assert.equal(a.spec.key, 'Checkout.New');
    assert.equal(a.spec.type, 'experiment');
    assert.equal(a.spec.valueType, 'object');
    assert.deepEqual(a.spec.variants, { disabled: {}, a: { color: 'red' }, b: { color: 'blue' } });
    const rules = a.spec.environments.production.rules;
    assert.deepEqual(rules[0].constraints[0].values, ['1', '2', '3']);
    assert.deepEqual(rules[1].rollout, { percentage: 30, stickiness: 'default', groupId: 'g' });
    assert.deepEqual(rules[1].segments, ['segment-beta-users']);
    assert.equal(rules[2].rollout?.percentage, 0, 'unknown strategy never matches');
    assert.equal(rules[3].rollout?.percentage, 0, 'unknown operator never matches');
    assert.equal(out.warnings.length, 2);
    // Two keys that differ only in case get distinct, valid resource names.
    assert.notEqual(a.metadata.name, b.metadata.name);
    for (const f of out.flags) {
      assert.ok(resourceName.safeParse(f.metadata.name).success, f.metadata.name);
      assert.deepEqual(checkFlagSpec(featureFlagSpecSchema.parse(f.spec)), []);
    }
    assert.deepEqual(b.spec.prerequisites, [{ flag: 'Checkout.New', enabled: true, variants: ['a'] }]);
    assert.equal(b.spec.environments.production.enabled, false);
  });

  test('a malformed document is an InputError naming the field', () => {
    assert.throws(
      () => importUnleash({ features: [{ name: 'x' }] }, 'production'),
      (e: unknown) => e instanceof InputError && /features\.0\.enabled|features\[0\]\.enabled/.test(e.message),
    );
  });
});
