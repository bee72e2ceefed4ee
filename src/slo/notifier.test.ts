import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { alertmanagerPayload, slackPayload, type AlertEvent } from './notifier';
import { gateJunit, gateMarkdown, type GateResult } from './gate-report';

const ev = (over: Partial<AlertEvent> = {}): AlertEvent => ({
  status: 'firing',
  fingerprint: 'a/b/page-fast',
  alertName: 'CheckoutBurn',
  slo: 'checkout-availability',
  service: 'checkout',
  objective: 'availability',
  severity: 'page',
  window: '5m/1h',
  threshold: 14.4,
  burnShort: 20,
  burnLong: 15,
  budgetRemaining: 0.5,
  startsAtMs: Date.parse('2026-03-01T10:00:00Z'),
  summary: 's',
  ...over,
});

describe('notification payloads', () => {
  test('Alertmanager webhook v4 shape, firing and resolved', () => {
    const p = alertmanagerPayload({ name: 'oncall', target: 'webhook', url: 'http://x' }, [ev()], 'http://shipgate') as any;
    assert.equal(p.version, '4');
    assert.equal(p.status, 'firing');
    assert.deepEqual(p.commonLabels, { alertname: 'CheckoutBurn', service: 'checkout', slo: 'checkout-availability', severity: 'page' });
    assert.equal(p.alerts[0].startsAt, '2026-03-01T10:00:00.000Z');
    assert.equal(p.alerts[0].endsAt, '0001-01-01T00:00:00Z');
    assert.equal(p.alerts[0].fingerprint, 'a/b/page-fast');
    assert.match(p.alerts[0].annotations.description, /burn rate 20\.00 \(short\) \/ 15\.00 \(long\) against 14\.4; error budget remaining 50\.0%/);
    const r = alertmanagerPayload(
      { name: 'oncall', target: 'webhook', url: 'http://x' },
      [ev({ status: 'resolved', endsAtMs: Date.parse('2026-03-01T11:00:00Z') })],
      'http://shipgate',
    ) as any;
    assert.equal(r.status, 'resolved');
    assert.equal(r.alerts[0].endsAt, '2026-03-01T11:00:00.000Z');
  });
  test('Slack payload colours by severity and status', () => {
    assert.equal((slackPayload([ev()]) as any).attachments[0].color, 'danger');
    assert.equal((slackPayload([ev({ severity: 'ticket' })]) as any).attachments[0].color, 'warning');
    const r = slackPayload([ev({ status: 'resolved', endsAtMs: 1 })]) as any;
    assert.equal(r.attachments[0].color, 'good');
    assert.match(r.text, /resolved/);
  });
});

describe('gate renderings', () => {
  const r: GateResult = {
    service: 'checkout',
    environment: 'production',
    atMs: 0,
    decision: 'freeze',
    reason: 'freeze by default/budget-exhausted',
    decidedBy: { slo: 'a', policy: 'default', rule: 'budget-exhausted' },
    slos: [
      {
        slo: 'a',
        service: 'checkout',
        relation: 'own',
        layer: 'user-facing',
        objective: 'o',
        sli: 0.9,
        target: 0.99,
        budgetRemaining: -1,
        burn1h: 3,
        firing: [],
        matched: ['default/budget-exhausted:freeze'],
      },
      {
        slo: 'b<&>',
        service: 'web',
        relation: 'dependent',
        layer: 'user-facing',
        objective: 'o',
        sli: 1,
        target: 0.99,
        budgetRemaining: 1,
        burn1h: 0,
        firing: [],
        matched: [],
      },
      {
        slo: 'c',
        service: 'web',
        relation: 'dependent',
        layer: 'user-facing',
        objective: '-',
        sli: null,
        target: 0.99,
        budgetRemaining: Number.NaN,
        burn1h: null,
        firing: [],
        matched: [],
        error: 'Prometheus down',
      },
    ],
  };
  test('JUnit: a failure, a pass, an error, escaped', () => {
    const x = gateJunit(r);
    assert.match(x, /tests="3" failures="1" errors="1"/);
    assert.match(x, /name="a\/o"><failure message="default\/budget-exhausted:freeze">/);
    assert.match(x, /name="b&lt;&amp;&gt;\/o"\/>/);
    assert.match(x, /name="c\/-"><error message="Prometheus down"\/>/);
  });
  test('Markdown names the deciding SLO and rule', () => {
    const m = gateMarkdown(r);
    assert.match(m, /⛔ Shipgate gate: `checkout` in `production`: \*\*freeze\*\*/);
    assert.match(m, /Decided by SLO `a`, rule `default\/budget-exhausted`/);
    assert.match(m, /\| c \| web \| dependent \| - \| n\/a \| 99\.00% \| n\/a \| n\/a \| error: Prometheus down \|/);
  });
});
