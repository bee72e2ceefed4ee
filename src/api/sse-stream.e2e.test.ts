import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { runCliProcess, startTestServer, type TestServer } from '../testing/harness';
import { FLAG_SERVICE } from '../flags/capability';
import { DEFAULT_SSE_LIMITS } from './sse';

/** A flag whose configuration is ~128 KiB, so every change pushes that much to each stream. */
const BIG_FLAG = `apiVersion: shipgate.dev/v1
kind: FeatureFlag
metadata: { name: big }
spec:
  valueType: string
  variants: { a: "${'x'.repeat(128 * 1024)}", b: "b" }
  defaultVariant: b
  environments:
    dev: { enabled: false }
`;

const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 15_000) => {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

/** A client that sends the request and then never reads: the kernel buffers fill, the server's writes back up. */
function slowClient(url: string, path: string, token: string): Promise<{ socket: net.Socket; closed: Promise<void> }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(u.port), u.hostname, () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${u.host}\r\nAuthorization: Bearer ${token}\r\nAccept: text/event-stream\r\n\r\n`);
      // Never reads: paused, with no data listener.
      socket.pause();
      resolve({ socket, closed: new Promise((r) => socket.once('close', () => r())) });
    });
    socket.on('error', () => {});
    socket.once('error', reject);
  });
}

async function dropped(s: TestServer, stream: string, reason: string): Promise<number> {
  const text = await (await s.fetch('/metrics', { token: null })).text();
  const m = new RegExp(`shipgate_sse_dropped_total\\{stream="${stream}",reason="${reason}"\\} (\\d+)`).exec(text);
  return m ? Number(m[1]) : 0;
}

/** Opens a stream with fetch and waits for its headers; the body is left unread until cancelled. */
async function openStream(s: TestServer, path: string, token: string): Promise<Response> {
  return s.fetch(path, { token, headers: { accept: 'text/event-stream' } });
}

describe('event streams: backpressure, slow clients, per-token cap', () => {
  test('a client that never reads is dropped (buffer bound), counted, its slot freed; the server and other streams go on', async () => {
    const s = await startTestServer({ options: { sse: { maxBufferBytes: 512 * 1024, drainTimeoutMs: 60_000, maxStreamsPerToken: 2 } } });
    const fast: Response[] = [];
    try {
      const apply = await s.fetch('/api/v1/apply', { method: 'POST', body: JSON.stringify({ files: [{ name: 'big.yaml', content: BIG_FLAG }] }) });
      assert.equal(apply.status, 200, await apply.text());
      const service = s.server.ctx.services.get(FLAG_SERVICE)!;
      const slowToken = await s.token('sdk', 'slow', 'dev');
      const fastToken = await s.token('sdk', 'fast', 'dev');

      // A well-behaved stream on another token reads everything.
      const good = await openStream(s, '/api/v1/sdk/flags/stream', fastToken);
      assert.equal(good.status, 200);
      fast.push(good);
      let goodBytes = 0;
      let goodEvents = 0;
      void (async () => {
        const dec = new TextDecoder();
        try {
          for await (const chunk of good.body!) {
            goodBytes += chunk.byteLength;
            goodEvents += (dec.decode(chunk, { stream: true }).match(/event: config/g) ?? []).length;
          }
        } catch {
          /* cancelled at the end */
        }
      })();

      const slow = await slowClient(s.url, '/api/v1/sdk/flags/stream', slowToken);
      await until('both streams subscribed', () => service.subscriberCount() === 2);
      // A second stream fills the slow token's cap of 2.
      const second = await openStream(s, '/api/v1/sdk/flags/stream', slowToken);
      assert.equal(second.status, 200);
      const refused = await openStream(s, '/api/v1/sdk/flags/stream', slowToken);
      assert.equal(refused.status, 429);
      await second.body!.cancel();
      await until('the second stream to close', () => service.subscriberCount() === 2);

      // Each change pushes ~128 KiB to both streams; the slow one cannot take them.
      for (let i = 0; i < 40 && (await dropped(s, 'flags', 'buffer')) === 0; i++) {
        await service.setState('big', 'dev', { action: i % 2 === 0 ? 'enable' : 'disable' }, 'test');
      }
      assert.equal(await dropped(s, 'flags', 'buffer'), 1, 'the slow client is dropped once, for its buffer');
      await until('the slow subscriber to go', () => service.subscriberCount() === 1);
      // The server closed the connection: once the client reads what its buffers hold, it sees the end.
      let slowBytes = 0;
      slow.socket.on('data', (d: Buffer) => (slowBytes += d.length));
      slow.socket.resume();
      await Promise.race([slow.closed, new Promise((_, rej) => setTimeout(() => rej(new Error('slow socket not closed by the server')), 10_000))]);
      assert.ok(slowBytes < goodBytes, `the slow client got less (${slowBytes}) than the good one (${goodBytes})`);

      // The server answers at once, and the well-behaved stream got the changes.
      const started = Date.now();
      const cfg = await s.fetch('/api/v1/sdk/flags', { token: fastToken });
      assert.equal(cfg.status, 200);
      assert.ok(Date.now() - started < 5_000);
      await until('the good stream to get the changes', () => goodEvents >= 4 && goodBytes > 4 * 128 * 1024);
      // The dropped stream's slot is free again: the slow token can open two streams.
      const again = await openStream(s, '/api/v1/sdk/flags/stream', slowToken);
      assert.equal(again.status, 200);
      fast.push(again);
    } finally {
      for (const r of fast) await r.body?.cancel().catch(() => {});
      await s.close();
    }
  });

  test('a client that stops reading and never drains is dropped after drainTimeoutMs', async () => {
    const s = await startTestServer({ options: { sse: { maxBufferBytes: 64 * 1024 * 1024, drainTimeoutMs: 500 } } });
    try {
      const apply = await s.fetch('/api/v1/apply', { method: 'POST', body: JSON.stringify({ files: [{ name: 'big.yaml', content: BIG_FLAG }] }) });
      assert.equal(apply.status, 200);
      const service = s.server.ctx.services.get(FLAG_SERVICE)!;
      const slow = await slowClient(s.url, '/api/v1/sdk/flags/stream', await s.token('sdk', 'slow', 'dev'));
      await until('subscribed', () => service.subscriberCount() === 1);
      for (let i = 0; i < 40 && service.subscriberCount() === 1; i++) {
        await service.setState('big', 'dev', { action: i % 2 === 0 ? 'enable' : 'disable' }, 'test');
      }
      await until('the drain timeout to drop the client', async () => (await dropped(s, 'flags', 'drain-timeout')) === 1);
      await until('the subscriber to go', () => service.subscriberCount() === 0);
      assert.equal(await dropped(s, 'flags', 'buffer'), 0);
      slow.socket.destroy();
    } finally {
      await s.close();
    }
  });

  test('a reading client gets messages larger than the buffer bound; it is not dropped', async () => {
    const s = await startTestServer({ options: { sse: { maxBufferBytes: 32 * 1024, drainTimeoutMs: 10_000 } } });
    let res: Response | undefined;
    try {
      const apply = await s.fetch('/api/v1/apply', { method: 'POST', body: JSON.stringify({ files: [{ name: 'big.yaml', content: BIG_FLAG }] }) });
      assert.equal(apply.status, 200);
      const service = s.server.ctx.services.get(FLAG_SERVICE)!;
      res = await openStream(s, '/api/v1/sdk/flags/stream', await s.token('sdk', 'reader', 'dev'));
      assert.equal(res.status, 200);
      let events = 0;
      const reading = (async () => {
        const dec = new TextDecoder();
        for await (const chunk of res!.body!) {
          events += (dec.decode(chunk, { stream: true }).match(/event: config/g) ?? []).length;
          if (events >= 4) return;
        }
      })();
      await until('subscribed', () => service.subscriberCount() === 1);
      for (let i = 0; i < 3; i++) {
        await service.setState('big', 'dev', { action: i % 2 === 0 ? 'enable' : 'disable' }, 'test');
        await until(`event ${i + 2}`, () => events >= i + 2);
      }
      await reading;
      assert.equal(events, 4, 'the first configuration and three changes, each over 128 KiB');
      assert.equal(await dropped(s, 'flags', 'buffer'), 0);
    } finally {
      await res?.body?.cancel().catch(() => {});
      await s.close();
    }
  });

  test(`at most ${DEFAULT_SSE_LIMITS.maxStreamsPerToken} streams per token by default, over flag and router streams; the next is a 429 naming the limit; closing frees a slot`, async () => {
    const s = await startTestServer();
    const open: Response[] = [];
    try {
      const token = await s.token('viewer', 'watcher');
      const other = await s.token('viewer', 'other');
      const max = DEFAULT_SSE_LIMITS.maxStreamsPerToken;
      for (let i = 0; i < max; i++) {
        const r = await openStream(s, i % 2 === 0 ? '/api/v1/sdk/flags/stream?env=dev' : '/api/v1/router/watch', token);
        assert.equal(r.status, 200, `stream ${i + 1}`);
        open.push(r);
      }
      for (const path of ['/api/v1/sdk/flags/stream?env=dev', '/api/v1/router/watch']) {
        const r = await openStream(s, path, token);
        assert.equal(r.status, 429, path);
        const body = (await r.json()) as { code: string; message: string };
        assert.equal(body.code, 'RATE_LIMITED');
        assert.match(body.message, new RegExp(`at most ${max} event streams may be open per token \\(options\\.sse\\.maxStreamsPerToken\\)`));
      }
      // Another token is not affected.
      const r = await openStream(s, '/api/v1/router/watch', other);
      assert.equal(r.status, 200);
      open.push(r);
      // Closing one frees its slot (once the server sees the close).
      await open.shift()!.body!.cancel();
      let next: Response | undefined;
      await until('a slot to be freed', async () => {
        const t = await openStream(s, '/api/v1/router/watch', token);
        if (t.status === 200) next = t;
        else await t.body?.cancel();
        return t.status === 200;
      });
      open.push(next!);
    } finally {
      for (const r of open) await r.body?.cancel().catch(() => {});
      await s.close();
    }
  });

  test('shipgate server refuses a per-token stream cap that is not a positive integer (exit 2)', async () => {
    for (const bad of ['0', '-1', 'many', '2.5']) {
      const r = await runCliProcess(['server', '--listen', '127.0.0.1:0', '--max-streams-per-token', bad]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /--max-streams-per-token \(or SHIPGATE_MAX_STREAMS_PER_TOKEN\) must be an integer from 1 to 100000/);
    }
    const env = await runCliProcess(['server', '--listen', '127.0.0.1:0'], { SHIPGATE_MAX_STREAMS_PER_TOKEN: '0' });
    assert.equal(env.code, 2, env.stderr);
  });
});
