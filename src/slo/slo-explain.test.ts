import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainSlo } from './slo-explain';
import type { SloModel } from './slo-model';

test('explain names data, window, budget, alerts, grace and policy', () => {
  const m: SloModel = {
    name: 'search-latency',
    service: 'search',
    indicatorName: 'p99',
    budgetingMethod: 'Timeslices',
    indicator: { kind: 'threshold', metric: { type: 'shipgate', spec: { series: 'router.latency', labels: { route: 'search' }, quantile: 0.99 } } },
    window: { duration: '1M', isRolling: false, calendar: { startTime: '2026-01-01 00:00:00', timeZone: 'Europe/Paris' } },
    objectives: [{ name: 'fast', target: 0.999, op: 'lt', value: 300, timeSliceTarget: 1, timeSliceWindowMs: 60_000 }],
    notificationTargets: [{ name: 'mail', target: 'email' }],
    layer: 'user-facing',
    components: ['search-api'],
    alertsDisabled: ['ticket'],
    deployGrace: { durationMs: 600_000, overrideFactor: 3 },
    exclusions: 'synthetic probes',
  };
  const text = explainSlo(m, [], Date.parse('2026-03-15T12:00:00Z'));
  for (const re of [
    /Shipgate router series router\.latency\{route=search\}, quantile 0\.99 in ms, from Shipgate's builtin store/,
    /a minute is good when the value is < 300/,
    /calendar-aligned periods of 1 month, starting 2026-01-01 00:00:00 in Europe\/Paris .* 2026-02-28T23:00:00\.000Z → 2026-03-31T22:00:00\.000Z/,
    /error budget is 0\.1% of the window's slices \(44m 35s of bad time\)/,
    /page "page-fast": burn rate gt 14\.86 over both 1h and 5m/, // 2% of a 743-hour month within 1h
    /disabled: ticket alerts/,
    /mail \(email, no URL: not delivered\)/,
    /Deploy grace: for 10m after a deploy marker of search, page alerts wait unless both burn rates reach 3× the page threshold\. The error budget still counts/,
    /Exclusions: synthetic probes/,
    /Error budget policy: the default/,
  ])
    assert.match(text, re);
});
