import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventsOver, promDuration, sloRuleGroup, type AlertingRule, type RecordingRule } from './prometheus-rules';
import type { SloModel } from './slo-model';

const HOUR = 3_600_000;
const model = (over: Partial<SloModel> = {}): SloModel => ({
  name: 'shop-availability',
  service: 'shop',
  indicatorName: 'shop-requests',
  indicator: {
    kind: 'ratio',
    counter: false,
    good: { type: 'shipgate', spec: { series: 'router.requests', labels: { route: 'shop', code_class: '2xx|3xx|4xx' } } },
    total: { type: 'shipgate', spec: { series: 'router.requests', labels: { route: 'shop' } } },
  },
  budgetingMethod: 'Occurrences',
  window: { kind: 'rolling', durationMs: 30 * 24 * HOUR } as never,
  objectives: [{ name: 'objective-1', target: 0.999 }],
  notificationTargets: [],
  layer: 'user-facing',
  components: [],
  alertsDisabled: [],
  ...over,
});

test('durations as Prometheus writes them', () => {
  assert.equal(promDuration(300_000), '5m');
  assert.equal(promDuration(90_000), '1m30s');
  assert.equal(promDuration(6 * HOUR), '6h');
  assert.equal(promDuration(3 * 24 * HOUR), '3d');
});

test('SLI queries: router series, Prometheus queries with {{.window}}, pushed series refused with the reason', () => {
  assert.deepEqual(
    eventsOver({ type: 'shipgate', spec: { series: 'router.requests', labels: { route: 'shop', version: 'v2', code_class: '5xx|timeout|bogus' } } }, '5m'),
    {
      expr: 'sum(rate(shipgate_router_requests_total{route="shop",version="v2",code_class=~"5xx|timeout"}[5m]))',
    },
  );
  assert.deepEqual(eventsOver({ type: 'prometheus', spec: { query: 'sum(increase(http_total[{{.window}}]))' } }, '1h'), {
    expr: 'sum(increase(http_total[1h]))',
  });
  assert.match(
    (eventsOver({ type: 'shipgate', spec: { series: 'checkout.good' } }, '5m') as { unsupported: string }).unsupported,
    /pushed to Shipgate, not scraped/,
  );
});

test('a 30-day SLO: one recording rule per window, the Workbook burn alerts with Sloth factors, release-specific pages per version', () => {
  const r = sloRuleGroup(model(), 30 * 24 * HOUR);
  assert.ok('group' in r);
  const records = r.group.rules.filter((x): x is RecordingRule => 'record' in x).map((x) => x.record);
  const windows = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'];
  assert.deepEqual(records, [
    ...windows.map((w) => `shipgate:slo_error_ratio:rate${w}`),
    ...windows.map((w) => `shipgate:slo_error_ratio_by_version:rate${w}`),
  ]);
  const alerts = r.group.rules.filter((x): x is AlertingRule => 'alert' in x && !x.labels.scope);
  assert.deepEqual(
    alerts.map((a) => `${a.labels.window} ${a.labels.severity}`),
    ['page-fast page', 'page-slow page', 'ticket-fast ticket', 'ticket-slow ticket'],
  );
  assert.equal(
    alerts[0].expr,
    '(shipgate:slo_error_ratio:rate5m{slo="shop-availability",service="shop"} > (14.4 * 0.001)) and (shipgate:slo_error_ratio:rate1h{slo="shop-availability",service="shop"} > (14.4 * 0.001))',
  );
  const versioned = r.group.rules.filter((x): x is AlertingRule => 'alert' in x && x.labels.scope === 'version');
  assert.deepEqual(
    versioned.map((a) => `${a.alert} ${a.labels.window}`),
    ['shop-availability-burn-version page-fast', 'shop-availability-burn-version page-slow'],
  );
  assert.match(versioned[0].expr, /^\(shipgate:slo_error_ratio_by_version:rate5m\{/);
  const byVersion = r.group.rules.find((x): x is RecordingRule => 'record' in x && x.record === 'shipgate:slo_error_ratio_by_version:rate5m')!;
  assert.match(byVersion.expr, /sum by \(version\)\(rate\(shipgate_router_requests_total\{route="shop",code_class=~"2xx\|3xx\|4xx"\}\[5m\]\)\)/);
  // A Prometheus query names no version: no per-version rules.
  const prom = sloRuleGroup(
    model({
      indicator: {
        kind: 'ratio',
        counter: false,
        good: { type: 'prometheus', spec: { query: 'a[{{.window}}]' } },
        total: { type: 'prometheus', spec: { query: 'b[{{.window}}]' } },
      },
    }),
    30 * 24 * HOUR,
  );
  assert.ok('group' in prom && !prom.group.rules.some((x) => ('record' in x ? x.record : x.alert).includes('version')));
  const bad = sloRuleGroup(model({ indicator: { kind: 'threshold', metric: { type: 'shipgate', spec: {} } } }), 30 * 24 * HOUR);
  assert.ok('unsupported' in bad && /threshold indicator/.test(bad.unsupported));
});
