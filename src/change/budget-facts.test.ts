import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractBudget } from './budget-facts';

const cases: [string, unknown, object][] = [
  ['nothing', undefined, {}],
  ['flat', { budgetRemaining: 0.4, burnRate: 2 }, { budgetRemainingFraction: 0.4, burnRate: 2 }],
  [
    'nested, smallest budget and largest burn win',
    {
      objectives: [
        { budgetRemaining: 0.8, burnRate: 1 },
        { budget_remaining: -0.1, burn_rate: 6 },
      ],
    },
    { budgetRemainingFraction: -0.1, burnRate: 6 },
  ],
  ['fraction spelled out', { slo: { budgetRemainingFraction: 0.25 } }, { budgetRemainingFraction: 0.25 }],
  ['strings are ignored', { budgetRemaining: '0.3' }, {}],
];
for (const [name, details, expected] of cases) test(name, () => assert.deepEqual(extractBudget(details), expected));
