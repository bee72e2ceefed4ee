import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { planCapacity } from './capacity-plan';

describe('planCapacity', () => {
  const cases = [
    { peakRps: 120, headroom: 0.3, perInstanceRps: 50, replicas: 4, required: 156, needed: 4, fits: true },
    { peakRps: 120, headroom: 0.3, perInstanceRps: 50, replicas: 3, required: 156, needed: 4, fits: false },
    // Exactly 3 instances' worth is 3, not 4 (no floating-point round-up).
    { peakRps: 100, headroom: 0.5, perInstanceRps: 50, replicas: 3, required: 150, needed: 3, fits: true },
    // No traffic still needs one instance.
    { peakRps: 0, headroom: 0.3, perInstanceRps: 50, replicas: 1, required: 0, needed: 1, fits: true },
  ];
  for (const c of cases) {
    test(`${c.peakRps} req/s × ${1 + c.headroom} ÷ ${c.perInstanceRps} against ${c.replicas}`, () => {
      const p = planCapacity(c);
      assert.ok(Math.abs(p.requiredRps - c.required) < 1e-9);
      assert.equal(p.needed, c.needed);
      assert.equal(p.fits, c.fits);
      assert.match(p.message, new RegExp(`→ ${c.needed} instance`));
      assert.match(p.message, c.fits ? /fits$/ : /does NOT fit \(\d+ short\)/);
    });
  }
  test('a capacity of 0 per instance is refused', () => {
    assert.throws(() => planCapacity({ peakRps: 1, headroom: 0, perInstanceRps: 0, replicas: 1 }), /above 0/);
  });
});
