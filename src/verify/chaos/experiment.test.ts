/** The Experiment schema's rules and the probes' tolerances (pure). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { activeFault } from '../../router/route-table';
import { errorRate, judgeBurn, judgeCanary, windowSince } from './experiment-judge';
import { experimentSpecSchema } from './experiment-spec';
import { describeFault } from './experiment-runner';

const minimal = {
  service: 'shop',
  hypothesis: { probes: [{ name: 'p', canary: { route: 'shop', version: 'canary', baseline: 'stable' } }] },
  method: [{ name: 'a', fault: { route: 'shop', version: 'canary', abort: { percent: 50 } } }],
};

describe('Experiment spec', () => {
  test('defaults: staging, 2s probes, 30s duration, production not allowed, abort 503, canary tolerance 5%', () => {
    const s = experimentSpecSchema.parse(minimal);
    assert.equal(s.environment, 'staging');
    assert.equal(s.probeInterval, 2_000);
    assert.equal(s.duration, 30_000);
    assert.equal(s.allowProduction, false);
    assert.deepEqual(s.method[0].fault?.abort, { percent: 50, status: 503 });
    assert.deepEqual(s.hypothesis.probes[0].canary, {
      route: 'shop',
      version: 'canary',
      baseline: 'stable',
      maxErrorRateOverBaseline: 0.05,
      minRequests: 10,
      window: 30_000,
    });
  });

  const refusals: [string, unknown, RegExp][] = [
    ['a probe of two kinds', { hypothesis: { probes: [{ name: 'p', slo: { name: 's', maxBurnRate: 1 }, synthetic: { check: 'c' } }] } }, /exactly one of/],
    ['a probe of no kind', { hypothesis: { probes: [{ name: 'p' }] } }, /exactly one of/],
    ['a fault with nothing to inject', { method: [{ name: 'a', fault: { route: 'shop' } }] }, /delay, abort or reset/],
    [
      'pauses longer than the duration',
      { duration: '5s', method: [{ name: 'a', fault: { route: 'shop', reset: { percent: 1 } }, pauses: { before: '4s', after: '2s' } }] },
      /do not fit/,
    ],
    ['a probe interval below 200ms', { probeInterval: '100ms' }, /at least 200ms/],
    ['a duration above 1h', { duration: '2h' }, /at most 1h/],
    [
      'duplicate probe names',
      {
        hypothesis: {
          probes: [
            { name: 'p', slo: { name: 's', maxBurnRate: 1 } },
            { name: 'p', synthetic: { check: 'c' } },
          ],
        },
      },
      /duplicate probe name "p"/,
    ],
    [
      'an action of two kinds',
      { method: [{ name: 'a', fault: { route: 'shop', reset: { percent: 1 } }, instances: { action: 'kill' } }] },
      /exactly one of fault or instances/,
    ],
    ['a kill with a duration', { method: [{ name: 'a', instances: { action: 'kill', duration: '1s' } }] }, /only a pause has a duration/],
    ['count and percent together', { method: [{ name: 'a', instances: { action: 'pause', count: 1, percent: 50 } }] }, /count or percent/],
    ['an unknown field (strict)', { rollbacks: [] }, /rollbacks/],
    ['a percent above 100', { method: [{ name: 'a', fault: { route: 'shop', delay: { percent: 101, delayMs: 5 } } }] }, /100/],
  ];
  for (const [what, over, message] of refusals) {
    test(`refuses ${what}`, () => {
      const r = experimentSpecSchema.safeParse({ ...minimal, ...(over as object) });
      assert.equal(r.success, false);
      assert.match(r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'), message);
    });
  }
});

describe('probe tolerances', () => {
  const tol = { maxErrorRateOverBaseline: 0.05, minRequests: 10 };
  const cases: [string, { requests: number; errors: number }, { requests: number; errors: number }, boolean, boolean][] = [
    // name, version, baseline, ok, inconclusive
    ['equal error rates', { requests: 100, errors: 1 }, { requests: 100, errors: 1 }, true, false],
    ['exactly at the tolerance', { requests: 100, errors: 6 }, { requests: 100, errors: 1 }, true, false],
    ['just over it', { requests: 100, errors: 7 }, { requests: 100, errors: 1 }, false, false],
    ['half aborted', { requests: 40, errors: 20 }, { requests: 40, errors: 0 }, false, false],
    ['too few requests', { requests: 9, errors: 9 }, { requests: 100, errors: 0 }, true, true],
    ['no baseline traffic counts as a zero baseline', { requests: 20, errors: 2 }, { requests: 0, errors: 0 }, false, false],
  ];
  for (const [name, v, b, ok, inconclusive] of cases) {
    test(`canary: ${name}`, () => {
      const r = judgeCanary(v, b, tol);
      assert.equal(r.ok, ok, r.reason);
      assert.equal(r.inconclusive === true, inconclusive);
      assert.equal(r.values.errorRate, errorRate(v));
    });
  }

  test('windowSince subtracts the reading taken when the method began, never below zero', () => {
    assert.deepEqual(windowSince({ requests: 130, errors: 22 }, { requests: 100, errors: 2 }), { requests: 30, errors: 20 });
    assert.deepEqual(windowSince({ requests: 5, errors: 0 }, { requests: 9, errors: 1 }), { requests: 0, errors: 0 });
    assert.deepEqual(windowSince({ requests: 5, errors: 1 }, undefined), { requests: 5, errors: 1 });
  });

  test('burn: at the bound passes, above fails, no events is inconclusive', () => {
    assert.equal(judgeBurn(2, 2, 'x').ok, true);
    assert.equal(judgeBurn(2.01, 2, 'x').ok, false);
    const none = judgeBurn(null, 2, 'no events');
    assert.equal(none.ok, true);
    assert.equal(none.inconclusive, true);
  });
});

describe('fault expiry', () => {
  test('a fault applies until its expiry, and always without one', () => {
    const f = { abort: { percent: 10, status: 503 }, expiresAtMs: 1_000 };
    assert.equal(activeFault(f, 999), f);
    assert.equal(activeFault(f, 1_000), undefined);
    assert.equal(activeFault({ reset: { percent: 1 } }, Number.MAX_SAFE_INTEGER)?.reset?.percent, 1);
    assert.equal(activeFault(undefined, 0), undefined);
  });

  test('describeFault names every part and the expiry', () => {
    assert.equal(
      describeFault({ delay: { percent: 50, delayMs: 100 }, abort: { percent: 5, status: 500 }, reset: { percent: 1 }, expiresAtMs: 0 }),
      'delay 100ms on 50%, abort 500 on 5%, reset on 1%, until 1970-01-01T00:00:00.000Z',
    );
  });
});
