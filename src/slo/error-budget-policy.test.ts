import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_POLICY, errorBudgetPolicySpecSchema, evaluatePolicies, postmortemRequired, type SloPolicyInput } from './error-budget-policy';

const slo = (over: Partial<SloPolicyInput>): SloPolicyInput => ({
  slo: 'checkout-availability',
  service: 'checkout',
  layer: 'user-facing',
  budgetRemaining: 0.6,
  burnRates: { '1h': 0.5 },
  firing: [],
  ...over,
});

describe('default policy (SRE Workbook)', () => {
  const table: { name: string; slos: SloPolicyInput[]; changeType?: string; decision: string; rule?: string; exempted?: boolean }[] = [
    { name: 'healthy budget: allow', slos: [slo({})], decision: 'allow' },
    { name: 'spent budget: freeze', slos: [slo({ budgetRemaining: -0.1 })], decision: 'freeze', rule: 'budget-exhausted' },
    { name: 'exactly 0 left is not below 0: allow', slos: [slo({ budgetRemaining: 0 })], decision: 'allow' },
    { name: 'page firing: approval', slos: [slo({ firing: ['page'] })], decision: 'requireApproval', rule: 'page-burn' },
    { name: 'ticket only: allow', slos: [slo({ firing: ['ticket'] })], decision: 'allow' },
    {
      name: 'freeze beats approval across SLOs',
      slos: [slo({ firing: ['page'] }), slo({ slo: 'b', budgetRemaining: -1 })],
      decision: 'freeze',
      rule: 'budget-exhausted',
    },
    {
      name: 'emergency change passes a freeze',
      slos: [slo({ budgetRemaining: -1 })],
      changeType: 'emergency',
      decision: 'allow',
      rule: 'budget-exhausted',
      exempted: true,
    },
    {
      name: 'security change passes a freeze',
      slos: [slo({ budgetRemaining: -1 })],
      changeType: 'security',
      decision: 'allow',
      exempted: true,
      rule: 'budget-exhausted',
    },
    { name: 'standard change does not', slos: [slo({ budgetRemaining: -1 })], changeType: 'standard', decision: 'freeze', rule: 'budget-exhausted' },
    {
      name: 'emergency change still needs approval under page burn',
      slos: [slo({ firing: ['page'] })],
      changeType: 'emergency',
      decision: 'requireApproval',
      rule: 'page-burn',
    },
  ];
  for (const c of table) {
    test(c.name, () => {
      const d = evaluatePolicies([DEFAULT_POLICY], c.slos, c.changeType);
      assert.equal(d.decision, c.decision);
      assert.equal(d.rule, c.rule);
      assert.equal(d.exempted, c.exempted);
    });
  }
});

describe('custom policy', () => {
  const spec = errorBudgetPolicySpecSchema.parse({
    selector: { layer: 'user-facing' },
    rules: [
      { name: 'quarter-left', when: { budgetRemainingBelow: 0.25 }, action: 'requireApproval' },
      { name: 'fast-burn', when: { burnRateAbove: { window: '1h', value: 6 } }, action: 'freeze' },
    ],
  });
  const p = { ...spec, name: 'strict' };
  test('defaults: exempt types and 20% postmortem share', () => {
    assert.deepEqual(spec.freezeExemptChangeTypes, ['emergency', 'security']);
    assert.equal(spec.postmortemBudgetShare, 0.2);
  });
  test('budget under a quarter asks for approval, naming SLO and rule', () => {
    const d = evaluatePolicies([p], [slo({ budgetRemaining: 0.2 })]);
    assert.equal(d.decision, 'requireApproval');
    assert.equal(d.slo, 'checkout-availability');
    assert.match(d.reason, /strict\/quarter-left/);
  });
  test('burn above 6 over 1h freezes', () => {
    assert.equal(evaluatePolicies([p], [slo({ burnRates: { '1h': 7 } })]).decision, 'freeze');
    assert.equal(evaluatePolicies([p], [slo({ burnRates: { '1h': null } })]).decision, 'allow');
  });
  test('selector skips backend SLOs', () => {
    assert.equal(evaluatePolicies([p], [slo({ layer: 'backend', budgetRemaining: -5 })]).decision, 'allow');
  });
  test('a rule without conditions is refused', () => {
    const r = errorBudgetPolicySpecSchema.safeParse({ rules: [{ name: 'x', when: {}, action: 'freeze' }] });
    assert.equal(r.success, false);
  });
});

describe('postmortem', () => {
  for (const [share, want] of [
    [0.19, false],
    [0.2, false],
    [0.21, true],
    [1.5, true],
  ] as const) {
    test(`${share} of the budget → ${want}`, () => assert.equal(postmortemRequired(share), want));
  }
});
