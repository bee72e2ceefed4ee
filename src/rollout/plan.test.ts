import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planRelease, replicasForWeight, withPreScale, type PlanStep } from './plan';
import { strategySpec, type StrategySpec } from './rollout-spec';

const s = (v: unknown): StrategySpec => strategySpec.parse(v);
const row = (p: PlanStep) =>
  `${p.kind}:${p.label}|c${p.desired.canaryReplicas}s${p.desired.stableReplicas}w${p.desired.canaryWeightPercent}` +
  `${p.desired.headerRoutes.length ? 'h' + p.desired.headerRoutes.length : ''}${p.desired.mirrorPercent ? 'm' + p.desired.mirrorPercent : ''}${p.promotion ? '*' : ''}`;

test('replica count follows the weight', () => {
  const cases: [number, number, number][] = [
    [3, 0, 0],
    [3, 10, 1],
    [3, 34, 2],
    [3, 50, 2],
    [3, 100, 3],
    [10, 25, 3],
    [1, 1, 1],
  ];
  for (const [r, w, want] of cases) assert.equal(replicasForWeight(r, w), want, `${w}% of ${r}`);
});

test('plans per strategy', () => {
  const cases: [string, StrategySpec, number, boolean, string[]][] = [
    ['first release goes straight to full traffic', s({ canary: { steps: [{ setWeight: 10 }] } }), 3, false, ['converge:deploy (first release)|c3s0w100*']],
    [
      'canary steps, then promote, drain, scale down',
      s({
        canary: {
          steps: [{ setWeight: 10 }, { analysis: { metrics: [{ name: 'error-rate', max: 0.02 }] } }, { setWeight: 50 }, { pause: { duration: '20s' } }],
        },
      }),
      3,
      true,
      [
        'converge:setWeight 10|c1s3w10',
        'analysis:analysis|c1s3w10',
        'converge:setWeight 50|c2s3w50',
        'pause:pause 20s|c2s3w50',
        'converge:promote|c3s3w100*',
        'drain:drain stable|c3s3w100',
        'converge:scale down stable|c3s0w100',
      ],
    ],
    [
      'header route and mirror need a canary instance at 0%; setCanaryScale fixes the count',
      s({
        canary: {
          steps: [
            { setHeaderRoute: { header: 'x-canary', value: '1' } },
            { setMirror: { percent: 20 } },
            { pause: {} },
            { setCanaryScale: { replicas: 2 } },
            { setWeight: 5 },
            { setCanaryScale: { matchTrafficWeight: true } },
          ],
        },
      }),
      4,
      true,
      [
        'converge:setHeaderRoute x-canary: 1|c1s4w0h1',
        'converge:setMirror 20%|c1s4w0h1m20',
        'pause:pause (until promote)|c1s4w0h1m20',
        'converge:setCanaryScale 2|c2s4w0h1m20',
        'converge:setWeight 5|c2s4w5h1m20',
        'converge:setCanaryScale matchTrafficWeight|c1s4w5h1m20',
        'converge:promote|c4s4w100*',
        'drain:drain stable|c4s4w100',
        'converge:scale down stable|c4s0w100',
      ],
    ],
    [
      'blue-green: preview by header, analysis, manual switch, warm window',
      s({
        blueGreen: {
          prePromotionAnalysis: { metrics: [{ name: 'error-rate', max: 0.01 }] },
          autoPromotion: false,
          postPromotionAnalysis: { templateRef: 'sequential' },
          scaleDownDelay: '10s',
        },
      }),
      2,
      true,
      [
        'converge:deploy preview|c2s2w0h1',
        'analysis:pre-promotion analysis|c2s2w0h1',
        'pause:pause (until promote)|c2s2w0h1',
        'converge:switch|c2s2w100*',
        'analysis:post-promotion analysis|c2s2w100',
        'pause:keep stable warm 10s|c2s2w100',
        'drain:drain stable|c2s2w100',
        'converge:scale down stable|c2s0w100',
      ],
    ],
    [
      'rolling: traffic follows the instances; the last old ones drain first',
      s({ rolling: { maxSurge: 1, maxUnavailable: 0 } }),
      2,
      true,
      [
        'converge:batch 1: 1 new, 2 old|c1s2w33',
        'converge:batch 2: 1 new, 1 old|c1s1w50',
        'converge:batch 3: 2 new, all traffic|c2s1w100*',
        'drain:drain stable|c2s1w100',
        'converge:scale down stable|c2s0w100',
      ],
    ],
    [
      'rolling with maxUnavailable: scale up to the full count at the end',
      s({ rolling: { maxSurge: 0, maxUnavailable: 1 } }),
      2,
      true,
      [
        'converge:batch 1: 0 new, 1 old|c0s1w0',
        'converge:batch 2: 1 new, all traffic|c1s1w100*',
        'drain:drain stable|c1s1w100',
        'converge:scale down stable|c1s0w100',
        'converge:scale up to 2|c2s0w100',
      ],
    ],
  ];
  for (const [name, strategy, replicas, hasStable, want] of cases) {
    assert.deepEqual(planRelease(strategy, replicas, hasStable).map(row), want, name);
  }
});

test('strategy validation names the field at fault', () => {
  const bad: [unknown, RegExp][] = [
    [{ canary: { steps: [{ setWeight: 120 }] } }, /setWeight/],
    [{ canary: { steps: [{ pause: { duration: 'soon' } }] } }, /duration/],
    [{ rolling: { maxSurge: 0, maxUnavailable: 0 } }, /both be 0/],
    [{ canary: { steps: [{ setCanaryScale: { replicas: 1, weight: 10 } }] } }, /exactly one/],
  ];
  for (const [v, re] of bad) {
    const r = strategySpec.safeParse(v);
    assert.equal(r.success, false);
    assert.match(JSON.stringify(r.error?.issues), re);
  }
});

test("a Rollout names services and environments by the catalog's own name rule", async () => {
  const { rolloutSpec } = await import('./rollout-spec');
  const base = { route: 'r', target: { type: 'static', endpoints: { v1: ['http://127.0.0.1:1'] } }, strategy: { canary: { steps: [{ setWeight: 10 }] } } };
  // A Service the catalog accepts (dots, up to 253 characters) can be rolled out.
  assert.equal(rolloutSpec.safeParse({ ...base, service: 'shop.eu', environment: 'prod.eu-1' }).success, true);
  assert.equal(rolloutSpec.safeParse({ ...base, service: 'a'.repeat(200) }).success, true);
  for (const bad of ['Shop', '-shop', 'shop-', 'a'.repeat(254), 'sh op']) assert.equal(rolloutSpec.safeParse({ ...base, service: bad }).success, false, bad);
});

test('a loadTest step routes its header to one instance of the new revision for that step only', () => {
  const plan = planRelease(
    s({ canary: { steps: [{ loadTest: { rate: 200, duration: '20s' } }, { loadTest: { peakFactor: 1.5 } }, { setWeight: 10 }] } }),
    3,
    true,
  );
  assert.deepEqual(plan.slice(0, 3).map(row), [
    'loadTest:loadTest 200/s for 20s|c1s3w0h1',
    'loadTest:loadTest 1.5× peak for 30s|c1s3w0h1',
    'converge:setWeight 10|c1s3w10',
  ]);
  assert.deepEqual(plan[0].desired.headerRoutes, [{ header: 'x-shipgate-load-test', value: 'true' }]);
  assert.equal(plan[1].loadTest?.maxRate, 1000);
  assert.equal(plan[1].loadTest?.thresholds, 'p(99)<1000,errors<0.01');
});

test('a loadTest step is refused after users reach the revision, or without a rate', () => {
  const late = strategySpec.safeParse({ canary: { steps: [{ setWeight: 5 }, { pause: {} }, { loadTest: { rate: 10 } }] } });
  assert.equal(late.success, false);
  assert.match(JSON.stringify(late.error?.issues), /before the first setWeight above 0 \(step 1\)/);
  // setWeight 0 is not user traffic: a load test may follow it.
  assert.equal(strategySpec.safeParse({ canary: { steps: [{ setWeight: 0 }, { loadTest: { rate: 10 } }] } }).success, true);
  assert.equal(strategySpec.safeParse({ canary: { steps: [{ loadTest: { duration: '10s' } }] } }).success, false);
  assert.equal(strategySpec.safeParse({ canary: { steps: [{ loadTest: { rate: 6000 } }] } }).success, false);
  assert.equal(strategySpec.safeParse({ canary: { steps: [{ loadTest: { rate: 10, duration: '11m' } }] } }).success, false);
});

test('pre-scaling: stable first to the planned count, the release at that count, then back to the replicas', () => {
  const plan = withPreScale(planRelease(s({ canary: { steps: [{ setWeight: 50 }] } }), 4, true, 60_000), 4, 2, true);
  assert.deepEqual(plan.map(row), [
    'converge:preScale stable to 4|c0s4w0',
    'converge:setWeight 50|c2s4w50',
    'converge:promote|c4s4w100*',
    'watch:post-promotion window 60s|c4s4w100',
    'drain:drain stable|c4s4w100',
    'converge:scale down stable|c4s0w100',
    'converge:scale back to 2|c2s0w100',
  ]);
  // Nothing to add when the need is within the replicas; a first release only scales back.
  assert.equal(withPreScale(planRelease(s({ canary: { steps: [] } }), 2, true), 2, 2, true).length, planRelease(s({ canary: { steps: [] } }), 2, true).length);
  assert.deepEqual(withPreScale(planRelease(s({ canary: { steps: [] } }), 3, false), 3, 2, false).map(row), [
    'converge:deploy (first release)|c3s0w100*',
    'converge:scale back to 2|c2s0w100',
  ]);
});
