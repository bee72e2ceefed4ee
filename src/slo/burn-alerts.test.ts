import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { conditionWindow, defaultAlertWindows, windowLengths } from './alert-windows';
import { AlertTracker, evaluateAlerts } from './burn-alerts';

const MIN = 60_000;
const H = 60 * MIN;
const D = 24 * H;

describe('default alert windows', () => {
  const table: { period: string; periodMs: number; want: [string, number, number, number][] }[] = [
    {
      period: '30d (SRE Workbook table)',
      periodMs: 30 * D,
      want: [
        ['page-fast', 5 * MIN, H, 14.4],
        ['page-slow', 30 * MIN, 6 * H, 6],
        ['ticket-fast', 2 * H, D, 3],
        ['ticket-slow', 6 * H, 3 * D, 1],
      ],
    },
    {
      period: '28d (Sloth google-28d)',
      periodMs: 28 * D,
      want: [
        ['page-fast', 5 * MIN, H, 13.44],
        ['page-slow', 30 * MIN, 6 * H, 5.6],
        ['ticket-fast', 2 * H, D, 2.8],
        ['ticket-slow', 6 * H, 3 * D, (672 * 10) / 100 / 72],
      ],
    },
    {
      period: '7d (windows scaled by 7/30, factors kept)',
      periodMs: 7 * D,
      want: [
        ['page-fast', MIN, 14 * MIN, 14.4],
        ['page-slow', 7 * MIN, 84 * MIN, 6],
        ['ticket-fast', 28 * MIN, 336 * MIN, 3],
        ['ticket-slow', 84 * MIN, 1008 * MIN, 1],
      ],
    },
  ];
  for (const c of table) {
    test(c.period, () => {
      const got = defaultAlertWindows(c.periodMs).map((w) => [w.name, w.shortWindowMs, w.longWindowMs, Math.round(w.burnRate * 1e9) / 1e9]);
      assert.deepEqual(
        got,
        c.want.map(([n, s, l, f]) => [n, s, l, Math.round(f * 1e9) / 1e9]),
      );
    });
  }
  test('distinct window lengths for 30d', () => {
    assert.deepEqual(windowLengths(defaultAlertWindows(30 * D)), [5 * MIN, 30 * MIN, H, 2 * H, 6 * H, D, 3 * D]);
  });
  test('an OpenSLO AlertCondition: long = lookback, short = 1/12', () => {
    const w = conditionWindow({ name: 'cpu', severity: 'page', op: 'gt', threshold: 2, lookbackWindowMs: H, alertAfterMs: 5 * MIN });
    assert.equal(w.shortWindowMs, 5 * MIN);
    assert.equal(w.burnRate, 2);
    assert.equal(w.forMs, 5 * MIN);
    assert.equal(conditionWindow({ name: 'x', severity: 'warning', op: 'gt', threshold: 1, lookbackWindowMs: D }).severity, 'ticket');
  });
});

describe('evaluateAlerts', () => {
  const windows = defaultAlertWindows(30 * D);
  const at = 1_000 * D;
  const burns = (m: Record<number, number | null>) => (w: number) => (w in m ? m[w] : 0);
  const table: { name: string; burn: Record<number, number | null>; deployAgoMs?: number; firing: string[]; held?: string[] }[] = [
    { name: 'nothing burns', burn: {}, firing: [] },
    { name: 'fast page: 5m and 1h both over 14.4', burn: { [5 * MIN]: 20, [H]: 15 }, firing: ['page-fast'] },
    { name: 'short window recovered: no page', burn: { [5 * MIN]: 2, [H]: 15 }, firing: [] },
    { name: 'exactly at the threshold does not fire (>)', burn: { [5 * MIN]: 14.4, [H]: 14.4 }, firing: [] },
    { name: 'slow ticket: 6h and 3d over 1', burn: { [6 * H]: 1.5, [3 * D]: 1.2 }, firing: ['ticket-slow'] },
    { name: 'no data in a window: no alert', burn: { [5 * MIN]: null, [H]: 20 }, firing: [] },
    { name: 'deploy grace holds a page 5m after a deploy', burn: { [5 * MIN]: 20, [H]: 15 }, deployAgoMs: 5 * MIN, firing: [], held: ['page-fast'] },
    { name: 'deploy grace over: fires', burn: { [5 * MIN]: 20, [H]: 15 }, deployAgoMs: 11 * MIN, firing: ['page-fast'] },
    { name: 'far above the threshold (2x) fires through grace', burn: { [5 * MIN]: 40, [H]: 30 }, deployAgoMs: MIN, firing: ['page-fast'] },
  ];
  for (const c of table) {
    test(c.name, () => {
      const grace = c.deployAgoMs !== undefined ? { spec: { durationMs: 10 * MIN, overrideFactor: 2 }, lastDeployMs: at - c.deployAgoMs } : undefined;
      const r = evaluateAlerts(windows, burns(c.burn), at, grace);
      assert.deepEqual(
        r.filter((e) => e.firing).map((e) => e.window.name),
        c.firing,
      );
      assert.deepEqual(
        r.filter((e) => e.heldUntilMs !== undefined).map((e) => e.window.name),
        c.held ?? [],
      );
    });
  }
  test('lte conditions fire when the burn is low (as OpenSLO allows)', () => {
    const w = [conditionWindow({ name: 'low', severity: 'page', op: 'lte', threshold: 2, lookbackWindowMs: H })];
    assert.equal(evaluateAlerts(w, () => 1, at)[0].firing, true);
    assert.equal(evaluateAlerts(w, () => 3, at)[0].firing, false);
  });
});

describe('AlertTracker', () => {
  test('fires once, resolves once, honours forMs, survives toJSON', () => {
    const t = new AlertTracker();
    assert.equal(t.observe('a', true, 0, 5 * MIN), undefined); // pending
    assert.equal(t.observe('a', true, 4 * MIN, 5 * MIN), undefined);
    assert.deepEqual(t.observe('a', true, 5 * MIN, 5 * MIN), { key: 'a', status: 'firing', atMs: 5 * MIN, startsAtMs: 5 * MIN });
    assert.equal(t.observe('a', true, 6 * MIN, 5 * MIN), undefined); // deduplicated
    const copy = new AlertTracker(JSON.parse(JSON.stringify(t.toJSON())));
    assert.deepEqual(copy.firingKeys(), ['a']);
    assert.deepEqual(copy.observe('a', false, 9 * MIN), { key: 'a', status: 'resolved', atMs: 9 * MIN, startsAtMs: 5 * MIN });
    assert.equal(copy.observe('a', false, 10 * MIN), undefined);
  });
  test('a blip shorter than forMs never fires', () => {
    const t = new AlertTracker();
    t.observe('b', true, 0, 2 * MIN);
    t.observe('b', false, MIN, 2 * MIN);
    assert.equal(t.observe('b', true, 2 * MIN, 2 * MIN), undefined);
    assert.equal(t.isFiring('b'), false);
  });
});
