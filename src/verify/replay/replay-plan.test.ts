import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { LogRecord } from './access-log';
import { parseRate, planReplay, recordedOffsets } from './replay-plan';

let line = 0;
const rec = (timeMs: number, method = 'GET', target = '/', resolutionMs = 1000): LogRecord => ({
  file: 'f.log',
  line: ++line,
  format: 'combined',
  timeMs,
  resolutionMs,
  method,
  target,
});
const T0 = Date.UTC(2026, 11, 4, 4, 0, 0);

describe('replay plan', () => {
  test('rates: x1, x2, x0.5, 500/s; anything else is refused', () => {
    assert.deepEqual(parseRate('x1'), { kind: 'scale', factor: 1 });
    assert.deepEqual(parseRate('X0.5'), { kind: 'scale', factor: 0.5 });
    assert.deepEqual(parseRate('500/s'), { kind: 'fixed', rps: 500 });
    for (const bad of ['1', 'x0', 'x-1', '0/s', '500', '500/m', 'fast']) assert.equal(parseRate(bad), undefined, bad);
  });
  test('x1: the requests of one logged second are spread evenly within it; order and gaps are kept', () => {
    const rs = [rec(T0), rec(T0), rec(T0), rec(T0), rec(T0 + 1000), rec(T0 + 3000), rec(T0 + 3000)];
    assert.deepEqual(
      recordedOffsets(rs).map((x) => x.offsetMs),
      [0, 250, 500, 750, 1000, 3000, 3500],
    );
    const p = planReplay(rs, { rate: { kind: 'scale', factor: 1 } });
    assert.deepEqual(
      p.requests.map((r) => r.record.line),
      rs.map((r) => r.line),
    );
  });
  test('records out of time order are sorted; millisecond times are not spread', () => {
    const rs = [rec(T0 + 20, 'GET', '/b', 1), rec(T0, 'GET', '/a', 1), rec(T0 + 20, 'GET', '/c', 1)];
    assert.deepEqual(
      recordedOffsets(rs).map((x) => [x.record.target, x.offsetMs]),
      [
        ['/a', 0],
        ['/b', 20],
        ['/c', 20],
      ],
    );
  });
  test('x2 halves and x0.5 doubles every offset', () => {
    const rs = [rec(T0), rec(T0), rec(T0 + 2000)];
    assert.deepEqual(
      planReplay(rs, { rate: { kind: 'scale', factor: 2 } }).requests.map((r) => r.offsetMs),
      [0, 250, 1000],
    );
    assert.deepEqual(
      planReplay(rs, { rate: { kind: 'scale', factor: 0.5 } }).requests.map((r) => r.offsetMs),
      [0, 1000, 4000],
    );
  });
  test('methods: idempotent by default, skipped ones counted; undefined keeps all', () => {
    const rs = [rec(T0, 'GET'), rec(T0, 'POST'), rec(T0, 'HEAD'), rec(T0, 'DELETE'), rec(T0, 'POST')];
    const p = planReplay(rs, { rate: { kind: 'scale', factor: 1 }, methods: ['GET', 'HEAD', 'OPTIONS'] });
    assert.deepEqual(
      p.requests.map((r) => r.method),
      ['GET', 'HEAD'],
    );
    assert.deepEqual(p.skippedMethods, { POST: 2, DELETE: 1 });
    assert.equal(planReplay(rs, { rate: { kind: 'scale', factor: 1 } }).requests.length, 5);
  });
  test('fixed rate: evenly spaced; --duration cycles the log to fill it; --max-requests caps', () => {
    const rs = [rec(T0, 'GET', '/a'), rec(T0 + 5000, 'GET', '/b'), rec(T0 + 9000, 'GET', '/c')];
    const once = planReplay(rs, { rate: { kind: 'fixed', rps: 100 } });
    assert.deepEqual(
      once.requests.map((r) => [r.target, r.offsetMs]),
      [
        ['/a', 0],
        ['/b', 10],
        ['/c', 20],
      ],
    );
    assert.equal(once.targetRps, 100);
    const filled = planReplay(rs, { rate: { kind: 'fixed', rps: 100 }, durationMs: 1000 });
    assert.equal(filled.requests.length, 100);
    assert.equal(filled.requests[99]!.target, '/a');
    assert.ok(Math.abs(filled.requests[99]!.offsetMs - 990) < 1e-9);
    assert.equal(planReplay(rs, { rate: { kind: 'fixed', rps: 100 }, durationMs: 1000, maxRequests: 7 }).requests.length, 7);
  });
  test('--duration cuts a recorded-pace replay; an empty log plans nothing', () => {
    const rs = [rec(T0), rec(T0 + 1000), rec(T0 + 2000), rec(T0 + 3000)];
    assert.equal(planReplay(rs, { rate: { kind: 'scale', factor: 1 }, durationMs: 2000 }).requests.length, 2);
    const empty = planReplay([], { rate: { kind: 'fixed', rps: 10 }, durationMs: 1000 });
    assert.deepEqual([empty.requests.length, empty.targetRps], [0, null]);
  });
});
