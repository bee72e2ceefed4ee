import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { kolmogorovQ, ksTwoSample } from './ks';

describe('KS two-sample test', () => {
  test('matches scipy: D of two small samples, Kolmogorov survival at 0.5 and 1.0', () => {
    const a = [1.2, 3.4, 2.2, 5.1, 0.7, 4.4, 3.3, 2.9, 6.0, 1.1];
    const b = [2.5, 3.9, 4.8, 5.5, 6.1, 7.2, 3.1, 4.0, 5.9, 6.6, 8.0, 4.2];
    const r = ksTwoSample(a, b);
    assert.ok(Math.abs(r.d - 0.5333333333333333) < 1e-12, String(r.d)); // scipy.stats.ks_2samp
    assert.ok(r.pValue > 0.03 && r.pValue < 0.1, String(r.pValue)); // scipy asymptotic: 0.074 (no Stephens correction)
    assert.ok(Math.abs(kolmogorovQ(1.0) - 0.26999967167735456) < 1e-9); // scipy.stats.kstwobign.sf
    assert.ok(Math.abs(kolmogorovQ(0.5) - 0.9639452436648751) < 1e-9);
  });
  test('one distribution: no evidence; shifted: strong evidence', () => {
    const a = Array.from({ length: 500 }, (_, i) => (i * 7919) % 1000);
    const b = Array.from({ length: 400 }, (_, i) => (i * 104729) % 1000);
    assert.ok(ksTwoSample(a, b).pValue > 0.5);
    assert.deepEqual(ksTwoSample(a, a), { d: 0, pValue: 1 });
    const shifted = b.map((x) => x + 200);
    assert.ok(ksTwoSample(a, shifted).pValue < 1e-6);
    assert.deepEqual(ksTwoSample([], a), { d: 0, pValue: 1 });
  });
});
