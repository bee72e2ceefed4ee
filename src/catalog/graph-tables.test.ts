import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { availabilitySummary, cycleLines, formatPath, formatPercent, driftTable } from './graph-tables';
import type { AvailabilityReport } from './availability';

describe('formatPercent', () => {
  const cases: [number, number | undefined, string][] = [
    [0.999, undefined, '99.9%'],
    [1, undefined, '100%'],
    [0, undefined, '0%'],
    [0.99221676, 6, '99.221676%'],
    [0.123456789, 2, '12.35%'],
  ];
  for (const [x, digits, want] of cases) test(`${x} -> ${want}`, () => assert.equal(formatPercent(x, digits), want));
});

describe('formatPath', () => {
  const cases: [string[], ('hard' | 'soft')[], string][] = [
    [['a'], [], 'a'],
    [['a', 'b', 'c'], ['hard', 'soft'], 'a -> b ~> c'],
  ];
  for (const [path, kinds, want] of cases) test(want, () => assert.equal(formatPath(path, kinds), want));
});

describe('cycleLines', () => {
  test('marks hard cycles and long loops', () => {
    assert.deepEqual(
      cycleLines([
        { services: ['a', 'b'], path: ['a', 'b', 'a'], kinds: ['hard', 'hard'], hard: true },
        { services: ['x', 'y', 'z'], path: ['x', 'y', 'x'], kinds: ['soft', 'hard'], hard: false },
      ]),
      ['cycle (hard): a -> b -> a', 'cycle: x ~> y -> x (3 services in the loop)'],
    );
  });
});

describe('availabilitySummary', () => {
  const base: AvailabilityReport = { service: 's', composite: 0.998, verdict: 'meets', unknown: [], factors: [], excluded: [], cycles: [] };
  const cases: [string, Partial<AvailabilityReport>, RegExp][] = [
    ['meets', { target: 0.99 }, /^s: composite availability 99\.8%, target 99%: meets the target$/],
    ['below, in an environment', { target: 0.999, verdict: 'below', environment: 'production' }, /99\.8% in production, target 99\.9%: BELOW the target$/],
    ['no target', { verdict: 'undecided' }, /no target \(spec\.sla\): undecided: the service declares no sla$/],
    ['unknown sla', { target: 0.99, verdict: 'undecided', unknown: ['ghost'] }, /undecided: no sla for ghost \(counted as 100%\)$/],
  ];
  for (const [name, over, want] of cases) test(name, () => assert.match(availabilitySummary({ ...base, ...over }), want));
});

describe('driftTable', () => {
  test('one column per environment, blank where absent', () => {
    const t = driftTable({
      environments: ['staging', 'production', 'dev'],
      compared: 1,
      drift: [
        {
          service: 'a',
          differs: ['version'],
          environments: { staging: { version: '2', configHash: 'x' }, production: { version: '1' }, dev: null },
          absentFrom: ['dev'],
        },
      ],
    });
    assert.deepEqual(t, { headers: ['service', 'differs', 'staging', 'production', 'dev'], rows: [['a', 'version', '2 (x)', '1', undefined]] });
  });
});
