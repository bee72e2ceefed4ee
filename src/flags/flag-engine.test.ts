import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { FlagEngine, fromOpenFeatureContext } from './flag-engine';
import { featureFlagSpecSchema, toFlagDefinition, checkFlagSpec, type FlagConfig } from './flag-model';
import { rolloutBucket } from './bucket';

const ENV = 'production';

function engine(specs: Record<string, unknown>, segments: FlagConfig['segments'] = {}): FlagEngine {
  return new FlagEngine(
    {
      environment: ENV,
      flags: Object.entries(specs).map(([name, spec]) => toFlagDefinition(name, featureFlagSpecSchema.parse(spec), ENV)),
      segments,
    },
    { nowMs: () => Date.parse('2026-06-01T00:00:00Z'), random: () => 0.5 },
  );
}

describe('FlagEngine', () => {
  test('a disabled flag serves the default variant with reason DISABLED', () => {
    const e = engine({ checkout: { environments: { production: { enabled: false } } } });
    assert.deepEqual(
      { value: e.evaluate('checkout', {}).value, reason: e.evaluate('checkout', {}).reason, variant: e.evaluate('checkout', {}).variant },
      { value: false, reason: 'DISABLED', variant: 'off' },
    );
  });

  test('a flag absent from the environment is disabled', () => {
    const e = engine({ checkout: { environments: { staging: { enabled: true } } } });
    assert.equal(e.evaluate('checkout', {}).reason, 'DISABLED');
  });

  test('enabled without rules is on for everyone: STATIC', () => {
    const r = engine({ checkout: { environments: { production: { enabled: true } } } }).evaluate('checkout', {});
    assert.equal(r.value, true);
    assert.equal(r.reason, 'STATIC');
    assert.equal(r.enabled, true);
  });

  test('unknown flag: ERROR with FLAG_NOT_FOUND', () => {
    const r = engine({}).evaluate('nope', {});
    assert.equal(r.reason, 'ERROR');
    assert.equal(r.errorCode, 'FLAG_NOT_FOUND');
  });

  test('typed resolution refuses another type', () => {
    const e = engine({ banner: { valueType: 'string', variants: { a: 'A', b: 'B' }, defaultVariant: 'a', environments: { production: { enabled: true } } } });
    assert.equal(e.evaluate('banner', {}, 'boolean').errorCode, 'TYPE_MISMATCH');
    assert.equal(e.evaluate('banner', {}, 'string').value, 'A');
  });

  test('targeting: first matching rule wins, TARGETING_MATCH; no match gives DEFAULT', () => {
    const e = engine({
      theme: {
        valueType: 'string',
        variants: { light: 'light', dark: 'dark', neon: 'neon' },
        defaultVariant: 'light',
        environments: {
          production: {
            enabled: true,
            rules: [
              { constraints: [{ contextName: 'country', operator: 'IN', values: ['NO'] }], serve: { variant: 'dark' } },
              { constraints: [{ contextName: 'email', operator: 'STR_ENDS_WITH', values: ['@acme.io'] }], serve: { variant: 'neon' } },
            ],
          },
        },
      },
    });
    assert.deepEqual(pick(e.evaluate('theme', { country: 'NO', email: 'x@acme.io' })), ['dark', 'TARGETING_MATCH', 0]);
    assert.deepEqual(pick(e.evaluate('theme', { country: 'SE', email: 'x@acme.io' })), ['neon', 'TARGETING_MATCH', 1]);
    assert.deepEqual(pick(e.evaluate('theme', { country: 'SE' })), ['light', 'DEFAULT', undefined]);
  });

  test('segments add their constraints; a missing segment never matches', () => {
    const spec = (segment: string) => ({ environments: { production: { enabled: true, rules: [{ segments: [segment] }] } } });
    const e = engine(
      { a: spec('beta-users'), b: spec('missing') },
      { 'beta-users': { constraints: [{ contextName: 'plan', operator: 'IN', values: ['beta'], caseInsensitive: false, inverted: false }] } },
    );
    assert.equal(e.evaluate('a', { plan: 'beta' }).reason, 'TARGETING_MATCH');
    assert.equal(e.evaluate('a', { plan: 'free' }).reason, 'DEFAULT');
    assert.equal(e.evaluate('b', { plan: 'beta' }).reason, 'DEFAULT');
  });

  test('percentage rollout follows the Unleash bucket of groupId:userId', () => {
    const e = engine({ newcart: { environments: { production: { enabled: true, rules: [{ rollout: { percentage: 25 } }] } } } });
    let on = 0;
    for (let i = 0; i < 2000; i++) {
      const r = e.evaluate('newcart', { userId: `u${i}` });
      assert.equal(r.enabled, rolloutBucket('newcart', `u${i}`) <= 25);
      if (r.enabled) {
        on++;
        assert.equal(r.reason, 'SPLIT');
      }
    }
    assert.ok(on > 400 && on < 600, `${on} of 2000 at 25%`);
  });

  test('rollout with a stickiness field absent from the context does not match', () => {
    const e = engine({ f: { environments: { production: { enabled: true, rules: [{ rollout: { percentage: 100, stickiness: 'orgId' } }] } } } });
    assert.equal(e.evaluate('f', {}).enabled, false);
    assert.equal(e.evaluate('f', { orgId: 'o1' }).enabled, true);
  });

  test('variant split: weights, stickiness and overrides', () => {
    const e = engine({
      button: {
        valueType: 'string',
        variants: { off: 'grey', blue: 'blue', green: 'green' },
        defaultVariant: 'off',
        serve: {
          split: [
            { variant: 'blue', weight: 50, overrides: [{ contextName: 'userId', values: ['vip'] }] },
            { variant: 'green', weight: 50 },
          ],
        },
        environments: { production: { enabled: true } },
      },
    });
    const counts: Record<string, number> = {};
    for (let i = 0; i < 2000; i++) {
      const r = e.evaluate('button', { userId: `u${i}` });
      assert.equal(r.reason, 'SPLIT');
      counts[r.variant!] = (counts[r.variant!] ?? 0) + 1;
      assert.equal(e.evaluate('button', { userId: `u${i}` }).variant, r.variant, 'sticky');
    }
    assert.ok(counts.blue > 850 && counts.green > 850, JSON.stringify(counts));
    assert.equal(e.evaluate('button', { userId: 'vip' }).variant, 'blue');
  });

  test('prerequisites: parent on, parent off, parent variant', () => {
    const e = engine({
      parent: { environments: { production: { enabled: true, rules: [{ constraints: [{ contextName: 'userId', operator: 'IN', values: ['1'] }] }] } } },
      child: { prerequisites: [{ flag: 'parent' }], environments: { production: { enabled: true } } },
      antichild: { prerequisites: [{ flag: 'parent', enabled: false }], environments: { production: { enabled: true } } },
      variantchild: { prerequisites: [{ flag: 'parent', variants: ['off'] }], environments: { production: { enabled: true } } },
      orphan: { prerequisites: [{ flag: 'ghost' }], environments: { production: { enabled: true } } },
    });
    assert.equal(e.evaluate('child', { userId: '1' }).value, true);
    assert.deepEqual(pick(e.evaluate('child', { userId: '2' })), ['off', 'DEFAULT', undefined]);
    assert.equal(e.evaluate('antichild', { userId: '2' }).value, true);
    assert.equal(e.evaluate('antichild', { userId: '1' }).value, false);
    assert.equal(e.evaluate('variantchild', { userId: '1' }).value, false);
    assert.equal(e.evaluate('orphan', {}).value, false);
  });

  test('a prerequisite cycle is an ERROR, not a stack overflow', () => {
    const e = engine({
      a: { prerequisites: [{ flag: 'b' }], environments: { production: { enabled: true } } },
      b: { prerequisites: [{ flag: 'a' }], environments: { production: { enabled: true } } },
    });
    const r = e.evaluate('a', {});
    assert.equal(r.reason, 'ERROR');
    assert.equal(r.value, false);
  });

  test('date constraints use the engine clock', () => {
    const e = engine({
      promo: {
        environments: {
          production: { enabled: true, rules: [{ constraints: [{ contextName: 'currentTime', operator: 'DATE_AFTER', value: '2026-05-01T00:00:00Z' }] }] },
        },
      },
    });
    assert.equal(e.evaluate('promo', {}).value, true);
    assert.equal(e.evaluate('promo', { currentTime: '2026-04-01T00:00:00Z' }).value, false);
  });

  test('evaluateAll returns one result per flag', () => {
    const e = engine({ a: {}, b: { environments: { production: { enabled: true } } } });
    assert.deepEqual(
      e.evaluateAll({}).map((r) => [r.key, r.value]),
      [
        ['a', false],
        ['b', true],
      ],
    );
  });

  test('key overrides the resource name', () => {
    const e = engine({ 'new-checkout': { key: 'NewCheckout', environments: { production: { enabled: true } } } });
    assert.equal(e.evaluate('NewCheckout', {}).value, true);
  });

  test('targetingKey stands in for userId', () => {
    assert.deepEqual(fromOpenFeatureContext({ targetingKey: 'k' }), { targetingKey: 'k', userId: 'k' });
    assert.deepEqual(fromOpenFeatureContext({ targetingKey: 'k', userId: 'u' }), { targetingKey: 'k', userId: 'u' });
  });
});

describe('checkFlagSpec', () => {
  test('names unknown variants and mistyped values', () => {
    const spec = featureFlagSpecSchema.parse({
      valueType: 'number',
      variants: { a: 1, b: 'two' },
      defaultVariant: 'c',
      environments: { production: { enabled: true, rules: [{ serve: { variant: 'z' } }, { constraints: [{ contextName: 'n', operator: 'NUM_GT' }] }] } },
    });
    assert.deepEqual(
      checkFlagSpec(spec).map((i) => i.path),
      [
        'spec.variants.b',
        'spec.defaultVariant',
        'spec.environments.production.rules[0].serve.variant',
        'spec.environments.production.rules[1].constraints[0].value',
      ],
    );
  });

  test('a boolean flag with defaults is valid', () => {
    assert.deepEqual(checkFlagSpec(featureFlagSpecSchema.parse({})), []);
  });
});

function pick(r: { variant?: string; reason: string; ruleIndex?: number }): [string | undefined, string, number | undefined] {
  return [r.variant, r.reason, r.ruleIndex];
}
