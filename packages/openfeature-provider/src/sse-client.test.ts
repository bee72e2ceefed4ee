import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SseParser, type SseEvent } from './sse-client';

test('SseParser: fields, multi-line data, comments, CRLF, split chunks, retry', () => {
  const events: SseEvent[] = [];
  const p = new SseParser((e) => events.push(e));
  p.push('retry: 1000\n\n: keep-alive\n\nid: "a1"\nevent: config\nchanged: ["f"]\nunknown: ignored\ndata: {"x":\ndata: 1}\n\n');
  p.push('id: b2\r\nda');
  p.push('ta: plain\r\n\r\n');
  assert.deepEqual(events, [
    { id: '"a1"', event: 'config', data: '{"x":\n1}', changed: '["f"]' },
    { id: 'b2', event: 'message', data: 'plain' },
  ]);
  assert.equal(p.retryMs, 1000);
});
