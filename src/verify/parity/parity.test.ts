import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareEnvironments, parityReport, type EnvironmentSide, type ServiceSide } from './parity';

const svc = (over: Partial<ServiceSide> = {}): ServiceSide => ({
  version: 'v1',
  instances: 2,
  configKeys: ['A'],
  route: { timeouts: { requestMs: 1000 } },
  routeName: 'r',
  ...over,
});
const staging: EnvironmentSide = {
  name: 'staging',
  services: {
    shop: svc({ version: 'v2', instances: 1, configKeys: ['A', 'DEBUG'], route: { timeouts: { requestMs: 5000 }, name: 'shop-staging', backends: [1] } }),
    web: svc(),
  },
};
const production: EnvironmentSide = {
  name: 'production',
  services: {
    shop: svc({ configKeys: ['A', 'PAYMENTS_URL'], route: { timeouts: { requestMs: 1000 }, name: 'shop', backends: [2] } }),
    web: svc(),
    payments: svc(),
  },
};
const deps = (s: string) => ({ shop: ['payments'], web: ['shop'] })[s] ?? [];

test('every difference that matters for availability testing, named for people', () => {
  const d = compareEnvironments(staging, production, deps);
  assert.deepEqual(
    d.map((x) => `${x.service} ${x.aspect} ${x.a} | ${x.b}`),
    [
      'payments services absent | present',
      'shop version v2 | v1',
      'shop redundancy 1 | 2',
      'shop configKeys DEBUG | PAYMENTS_URL',
      'shop routes timeouts={"requestMs":5000} | timeouts={"requestMs":1000}',
      'shop dependencies no payments | payments',
    ],
  );
  assert.match(d[2].message, /losing one instance is an outage in staging but survived in production/);
  assert.match(d[5].message, /shop depends on payments, which runs in production but not in staging/);
});

test("a Rollout's rules decide: only the aspects it requires, only its service, only between its two environments", () => {
  const d = compareEnvironments(staging, production, deps);
  const rule = (require: ('services' | 'dependencies' | 'configKeys' | 'redundancy' | 'routes')[], service = 'shop', against = 'staging') => ({
    rollout: `${service}-production`,
    service,
    environment: 'production',
    against,
    require,
  });
  assert.equal(parityReport(staging, production, d, [rule(['routes'])]).verdict, 'fail');
  assert.equal(parityReport(staging, production, d, [rule(['services'])]).verdict, 'pass', 'shop itself runs in both');
  assert.equal(parityReport(staging, production, d, [rule(['routes'], 'web')]).verdict, 'pass');
  assert.equal(
    parityReport(staging, production, d, [rule(['routes'], 'shop', 'qa')]).rules.length,
    0,
    'a rule against another environment is not checked here',
  );
  const r = parityReport(staging, production, d, [rule(['configKeys', 'dependencies'])]);
  assert.deepEqual(
    r.rules[0].violations.map((v) => v.aspect),
    ['configKeys', 'dependencies'],
  );
  // Versions differ by design (staging tests the next one): never a violation.
  assert.ok(
    !parityReport(staging, production, d, [rule(['services', 'dependencies', 'configKeys', 'redundancy', 'routes'])]).rules[0].violations.some(
      (v) => v.aspect === 'version',
    ),
  );
});
