import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RouterBucket } from '../metrics/types';
import { total } from '../metrics/latency-histogram';
import { StatsRecorder } from './stats-recorder';
import { renderPrometheus } from './prometheus-text';

class ArraySink {
  got: RouterBucket[] = [];
  push(b: RouterBucket[]) {
    this.got.push(...b);
  }
}

describe('StatsRecorder', () => {
  test('deltas per 10-second bucket add up to what was recorded', async () => {
    const sink = new ArraySink();
    const r = new StatsRecorder(sink);
    const s = r.series('shop', 'stable');
    s.record('2xx', 1, 1_000);
    s.record('5xx', 5, 9_999);
    s.record('2xx', 2, 10_000);
    await r.flush();
    s.record('2xx', 3, 12_000);
    await r.flush();
    await r.flush();
    assert.deepEqual(
      sink.got.map((b) => [b.startMs, b.counts]),
      [
        [0, { '2xx': 1, '5xx': 1 }],
        [10_000, { '2xx': 1 }],
        [10_000, { '2xx': 1 }],
      ],
    );
    assert.equal(
      sink.got.reduce((n, b) => n + total(b.latency), 0),
      4,
    );
    assert.deepEqual(
      s.buckets().map((b) => [b.startMs, b.counts]),
      [
        [0, { '2xx': 1, '5xx': 1 }],
        [10_000, { '2xx': 2 }],
      ],
    );
  });
  test('mirror series are marked', async () => {
    const sink = new ArraySink();
    const r = new StatsRecorder(sink);
    r.series('shop', 'canary', true).record('2xx', 1, 0);
    await r.flush();
    assert.equal(sink.got[0].mirror, true);
  });
  test('a failing sink does not throw', async () => {
    const errors: unknown[] = [];
    const r = new StatsRecorder({ push: () => Promise.reject(new Error('down')) }, (e) => errors.push(e));
    r.series('a', 'b').record('2xx', 1, 0);
    await r.flush();
    assert.equal(errors.length, 1);
  });
});

describe('renderPrometheus', () => {
  test('counters and a cumulative histogram', () => {
    const r = new StatsRecorder();
    const s = r.series('shop', 'canary');
    s.record('2xx', 0.8, 0);
    s.record('2xx', 20, 0);
    s.record('5xx', 2_000, 0);
    r.series('shop', 'canary', true).record('2xx', 1, 0);
    const text = renderPrometheus(r.all());
    assert.match(text, /^shipgate_router_requests_total\{route="shop",version="canary",code_class="2xx"\} 2$/m);
    assert.match(text, /^shipgate_router_requests_total\{route="shop",version="canary",code_class="5xx"\} 1$/m);
    assert.match(text, /^shipgate_router_mirror_requests_total\{route="shop",version="canary",code_class="2xx"\} 1$/m);
    assert.match(text, /^shipgate_router_request_duration_seconds_bucket\{route="shop",version="canary",le="0.001"\} 1$/m);
    assert.match(text, /^shipgate_router_request_duration_seconds_bucket\{route="shop",version="canary",le="0.025"\} 2$/m);
    assert.match(text, /^shipgate_router_request_duration_seconds_bucket\{route="shop",version="canary",le="2.5"\} 3$/m);
    assert.match(text, /^shipgate_router_request_duration_seconds_count\{route="shop",version="canary"\} 3$/m);
    assert.match(text, /^shipgate_router_request_duration_seconds_sum\{route="shop",version="canary"\} 2.0208$/m);
  });
});
