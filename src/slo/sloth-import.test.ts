import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { KindRegistry } from '../core/kinds';
import { goFloat, importSloth, slothConditions, slothErrorBudget } from './sloth-import';
import { OPENSLO_KINDS } from './openslo/openslo-kinds';
import { toSloModel } from './openslo/openslo-resolve';
import { toOpenSloYaml, parseOpenSloFile } from './openslo/openslo-documents';
import { FIXTURES } from '../testing/fixtures';

const DIR = `${FIXTURES}/sloth`;
const registry = new KindRegistry();
for (const k of OPENSLO_KINDS) registry.register(k);

describe('Sloth thresholds', () => {
  test('getting-started.gen.yml: every (window, factor × budget) pair matches', () => {
    const gen = parse(readFileSync(`${DIR}/getting-started.gen.yml`, 'utf8')) as {
      groups: { rules: { alert?: string; expr: string; labels: Record<string, string> }[] }[];
    };
    const alerts = gen.groups.flatMap((g) => g.rules).filter((r) => r.alert);
    const found: string[] = [];
    for (const a of alerts) {
      const re = /ratio_rate(\w+)\{[^}]*\} > \(([\d.]+) \* ([\d.]+)\)/g;
      const parts = [...a.expr.matchAll(re)].map((m) => ({ window: m[1], factor: m[2], budget: m[3] }));
      assert.equal(parts.length, 4);
      for (let i = 0; i < 4; i += 2) {
        assert.equal(parts[i].factor, parts[i + 1].factor);
        found.push(`${a.labels.sloth_severity} ${parts[i].window}/${parts[i + 1].window} ${parts[i].factor} * ${parts[i].budget}`);
      }
    }
    const spec = parse(readFileSync(`${DIR}/getting-started.yml`, 'utf8'));
    const ours = slothConditions(spec.slos[0].objective).map((c) => `${c.severity} ${c.shortWindow}/${c.longWindow} ${c.factor} * ${c.budget}`);
    assert.deepEqual(ours, found);
    assert.deepEqual(found, [
      'page 5m/1h 14.4 * 0.0009999999999999432',
      'page 30m/6h 6 * 0.0009999999999999432',
      'ticket 2h/1d 3 * 0.0009999999999999432',
      'ticket 6h/3d 1 * 0.0009999999999999432',
    ]);
  });
  test('objective and budget literals of the meta recordings', () => {
    assert.equal(String(99.9 / 100), '0.9990000000000001');
    assert.equal(goFloat(slothErrorBudget(99.9)), '0.0009999999999999432');
    assert.equal(goFloat(1e-7), '0.0000001');
    assert.equal(goFloat(2.5e21), '2500000000000000000000');
  });
  test('28-day period uses the 28d factors', () => {
    assert.deepEqual(
      slothConditions(99, '28d').map((c) => c.factor),
      ['13.44', '5.6', '2.8', goFloat((10 * 672) / 100 / 72)],
    );
  });
});

describe('Sloth import', () => {
  for (const f of ['getting-started.yml', 'home-wifi.yml', 'no-alerts.yml', 'kubernetes-apiserver.yml']) {
    test(`${f} becomes valid OpenSLO SLOs`, () => {
      const slos = importSloth(readFileSync(`${DIR}/${f}`, 'utf8'), f);
      const spec = parse(readFileSync(`${DIR}/${f}`, 'utf8'));
      assert.equal(slos.length, spec.slos.length);
      // exported text applies as OpenSLO
      for (const d of parseOpenSloFile(toOpenSloYaml(slos), 'out.yaml')) assert.deepEqual(registry.check(d).issues, []);
      slos.forEach((s, i) => {
        const m = toSloModel(s, () => undefined);
        assert.equal(m.objectives[0].target, spec.slos[i].objective / 100);
        assert.equal(m.budgetingMethod, 'Occurrences');
        assert.deepEqual(m.window, { duration: '30d', isRolling: true });
        assert.equal(m.indicator.kind, 'ratio');
      });
    });
  }
  test('getting-started details', () => {
    const [s] = importSloth(readFileSync(`${DIR}/getting-started.yml`, 'utf8'));
    assert.equal(s.metadata.name, 'myservice-requests-availability');
    assert.deepEqual(s.metadata.labels, { owner: 'myteam', repo: 'myorg/myservice', tier: '2' });
    const m = toSloModel(s, () => undefined);
    assert.equal(m.alertName, 'MyServiceHighErrorRate');
    assert.deepEqual(m.alertsDisabled, []);
    assert.ok(
      m.indicator.kind === 'ratio' &&
        m.indicator.bad?.spec.query === 'sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[{{.window}}]))',
    );
  });
  test('no-alerts: both severities disabled', () => {
    const [s] = importSloth(readFileSync(`${DIR}/no-alerts.yml`, 'utf8'));
    assert.deepEqual(toSloModel(s, () => undefined).alertsDisabled, ['page', 'ticket']);
  });
  test('refuses a spec with the field at fault', () => {
    assert.throws(
      () =>
        importSloth(
          'version: prometheus/v1\nservice: x\nslos:\n  - name: a\n    objective: 120\n    sli: {events: {error_query: a, total_query: b}}\n    alerting: {}\n',
        ),
      /slos\[0\]\.objective/,
    );
    assert.throws(() => importSloth('version: sloth.slok.dev/v1\n'), /version/);
  });
});
