import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { main } from '../../cli/main';
import type { CliIo } from '../../cli/context';
import { readLoadResult } from '../load-result';
import type { LoadtestSummary } from './loadtest-output';

const dir = mkdtempSync(join(tmpdir(), 'shipgate-loadtest-'));

async function run(args: string[], isTTY = false) {
  const o = { out: '', err: '' };
  const io: CliIo = { stdout: (s) => (o.out += s), stderr: (s) => (o.err += s), env: {}, cwd: dir, isTTY };
  const code = await main(args, io);
  return { code, ...o };
}

interface Hit {
  method: string;
  url: string;
  atMs: number;
  body: string;
  headers: IncomingMessage['headers'];
}
interface App {
  url: string;
  hits: Hit[];
  close(): Promise<void>;
}

const apps: App[] = [];
after(() => Promise.all(apps.map((a) => a.close())));

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void = (_q, r) => r.end('ok')): Promise<App> {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hits.push({ method: req.method!, url: req.url!, atMs: performance.now(), body, headers: req.headers });
      handler(req, res);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const app: App = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  apps.push(app);
  return app;
}

const summaryOf = (out: string) => JSON.parse(out) as LoadtestSummary;

describe('shipgate loadtest', () => {
  test('a constant rate is achieved (loose bounds); the JSON is a load result every request of which reached the target', async () => {
    const app = await serve();
    const r = await run(['loadtest', app.url, '--rate', '400/s', '--duration', '2s', '-o', 'json']);
    assert.equal(r.code, 0, r.err);
    const s = summaryOf(r.out);
    readLoadResult(s, 'stdout');
    assert.equal(s.requests, 800);
    assert.equal(app.hits.length, 800);
    assert.equal(s.counts.status2xx, 800);
    assert.equal(s.errors, 0);
    assert.ok(s.achievedRps > 340 && s.achievedRps < 460, `achieved ${s.achievedRps}/s of 400/s`);
    assert.equal(s.targetRps, 400);
    // The server saw them spread over about 2 s, not in a burst.
    const span = app.hits[app.hits.length - 1]!.atMs - app.hits[0]!.atMs;
    assert.ok(span > 1700 && span < 2600, `server-side span ${span} ms`);
    assert.ok(s.latencyMs.p50 > 0 && s.latencyMs.p99 >= s.latencyMs.p50);
  });

  test('a ramp: requests per second rise along the stages', async () => {
    const app = await serve();
    const r = await run(['loadtest', app.url, '--ramp', '1s:50/s,2s:350/s', '-o', 'json']);
    assert.equal(r.code, 0, r.err);
    const s = summaryOf(r.out);
    // Integral: 25 + (50→200: 125) + (200→350: 275) = 425.
    assert.equal(s.requests, 425);
    const perSecond = s.timeline.map((x: { sent: number }) => x.sent);
    assert.deepEqual(perSecond, [25, 125, 275]);
    // At the target too: hits bucketed by arrival second from the first one keep rising.
    const t0 = app.hits[0]!.atMs;
    const seen = [0, 0, 0, 0];
    for (const h of app.hits) seen[Math.min(3, Math.floor((h.atMs - t0) / 1000))]!++;
    assert.ok(seen[0]! < seen[1]! && seen[1]! < seen[2]!, `server saw ${seen.join(', ')} per second`);
    assert.ok(seen[2]! > 4 * seen[0]!, `server saw ${seen.join(', ')} per second`);
  });

  test('thresholds: pass, breach (exit 1), zero samples fail, bad syntax is exit 2 naming it', async () => {
    const app = await serve((req, res) => {
      res.statusCode = req.url === '/' ? 200 : 404;
      res.end();
    });
    const ok = await run(['loadtest', app.url, '--rate', '100/s', '--duration', '1s', '--thresholds', 'p(95)<500,avg<500,max<5s,med<500,errors<0.01,rps>50']);
    assert.equal(ok.code, 0, ok.out + ok.err);
    assert.match(ok.out, /PASS/);

    const breach = await run(['loadtest', app.url, '--rate', '100/s', '--duration', '1s', '--thresholds', 'p(95)<500,rps>1000', '-o', 'json']);
    assert.equal(breach.code, 1);
    const b = summaryOf(breach.out);
    assert.equal(b.verdict, 'fail');
    assert.deepEqual(
      b.thresholds.map((t: { threshold: string; ok: boolean }) => [t.threshold, t.ok]),
      [
        ['p(95)<500', true],
        ['rps>1000', false],
      ],
    );

    // Nothing listens there: every request fails, so no latency sample exists.
    const dead = await serve();
    await dead.close();
    const zero = await run(['loadtest', dead.url, '--rate', '20/s', '--duration', '500ms', '--thresholds', 'p(99)<100000', '-o', 'json']);
    assert.equal(zero.code, 1);
    const z = summaryOf(zero.out);
    assert.deepEqual([z.thresholds[0].ok, z.thresholds[0].reason, z.thresholds[0].actual], [false, 'no samples', null]);
    assert.equal(z.counts.noAnswer, 10);
    assert.equal(z.errors, 10);

    for (const bad of ['p(95)<<300', 'p95<300', 'latency<3', 'errors<5ms']) {
      const r = await run(['loadtest', app.url, '--rate', '10/s', '--duration', '1s', '--thresholds', bad]);
      assert.equal(r.code, 2, bad);
      assert.ok(r.err.includes(`"${bad}"`), r.err);
      assert.equal(r.out, '');
    }
  });

  test('error classes: 5xx and timeouts are errors, 4xx are counted apart; --header reaches the target', async () => {
    let n = 0;
    const app = await serve((_req, res) => {
      const k = n++ % 4;
      if (k === 0) res.writeHead(503).end();
      else if (k === 1) res.writeHead(404).end();
      else if (k === 2) setTimeout(() => res.writeHead(200).end(), 400);
      else res.writeHead(200).end();
    });
    const r = await run(['loadtest', `${app.url}/api`, '--rate', '40/s', '--duration', '1s', '--timeout', '150ms', '--header', 'X-Run: lt1', '-o', 'json']);
    assert.equal(r.code, 0, r.err);
    const s = summaryOf(r.out);
    assert.equal(s.requests, 40);
    assert.deepEqual([s.counts.status5xx, s.counts.status4xx, s.counts.timeouts, s.counts.status2xx], [10, 10, 10, 10]);
    assert.equal(s.errors, 20);
    assert.ok(app.hits.every((h) => h.url === '/api' && h.headers['x-run'] === 'lt1'));
  });

  test('scenario: paths picked by weight with a fixed seed, methods, headers and bodies as written', async () => {
    const app = await serve();
    writeFileSync(
      join(dir, 'scenario.yaml'),
      [
        'requests:',
        '  - path: /items?page=1',
        '    weight: 6',
        '  - path: /users/7',
        '    weight: 3',
        '  - method: POST',
        '    path: /orders',
        '    headers: { x-kind: order }',
        '    body: { sku: 42 }',
        '    weight: 1',
      ].join('\n'),
    );
    const args = ['loadtest', app.url, '--rate', '500/s', '--duration', '2s', '--scenario', 'scenario.yaml', '--seed', '42', '-o', 'json'];
    const r = await run(args);
    assert.equal(r.code, 0, r.err);
    const s = summaryOf(r.out);
    const count = (u: string) => app.hits.filter((h) => h.url === u).length;
    const counts = [count('/items?page=1'), count('/users/7'), count('/orders')];
    assert.equal(counts[0]! + counts[1]! + counts[2]!, 1000);
    [0.6, 0.3, 0.1].forEach((w, i) => assert.ok(Math.abs(counts[i]! / 1000 - w) < 0.05, `path ${i}: ${counts[i]} of 1000`));
    assert.deepEqual(
      s.scenario!.map((x: { sent: number }) => x.sent),
      counts,
    );
    const post = app.hits.find((h) => h.url === '/orders')!;
    assert.deepEqual([post.method, post.body, post.headers['content-type'], post.headers['x-kind']], ['POST', '{"sku":42}', 'application/json', 'order']);
    // The same seed picks the same paths again.
    app.hits.length = 0;
    const again = summaryOf((await run(args)).out);
    assert.deepEqual(
      again.scenario!.map((x: { sent: number }) => x.sent),
      counts,
    );
    writeFileSync(join(dir, 'bad.yaml'), '- path: /ok\n- path: relative\n');
    const bad = await run(['loadtest', app.url, '--rate', '10/s', '--duration', '1s', '--scenario', 'bad.yaml']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /bad\.yaml:2/);
  });

  test('open loop: a server that stalls shows the queueing in latency (p99 ≥ the pause)', async () => {
    const PAUSE = 300;
    let first = 0;
    let stallUntil = 0;
    let stalled = false;
    const app = await serve((_req, res) => {
      const now = performance.now();
      first ||= now;
      // 500 ms into the run, every answer is held until the pause ends.
      if (!stalled && now - first >= 500) {
        stalled = true;
        stallUntil = now + PAUSE;
      }
      const wait = stallUntil - now;
      if (wait > 0) setTimeout(() => res.end('late'), wait);
      else res.end('ok');
    });
    const r = await run(['loadtest', app.url, '--rate', '100/s', '--duration', '2s', '-o', 'json']);
    assert.equal(r.code, 0, r.err);
    const s = summaryOf(r.out);
    assert.equal(s.requests, 200);
    // About 30 arrivals fall in the pause; measured from their scheduled time the first waits the whole pause.
    assert.ok(s.latencyMs.max >= PAUSE - 5, `max ${s.latencyMs.max}`);
    assert.ok(s.latencyMs.p99 >= PAUSE - 30, `p99 ${s.latencyMs.p99} ms (pause ${PAUSE} ms)`);
    const slow = s.samplesMs!.filter((x: number) => x >= PAUSE / 2).length;
    assert.ok(slow >= 10, `${slow} requests waited ≥ ${PAUSE / 2} ms`);
    // And the schedule did not slow down: open loop keeps sending during the stall.
    assert.ok(s.achievedRps > 85, `achieved ${s.achievedRps}/s`);
  });

  test('--out writes the load result that `verify perf` reads; a slower candidate fails the gate', async () => {
    const fast = await serve();
    const slow = await serve((_q, res) => setTimeout(() => res.end('ok'), 25));
    const a = await run(['loadtest', fast.url, '--rate', '100/s', '--duration', '1s', '--out', 'a.json']);
    const b = await run(['loadtest', slow.url, '--rate', '100/s', '--duration', '1s', '--out', 'b.json']);
    assert.deepEqual([a.code, b.code], [0, 0], a.err + b.err);
    assert.match(a.out, /achieved/);
    const doc = JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8'));
    assert.equal(readLoadResult(doc, 'a.json').requests, 100);
    // A run against itself: no shift; 100 samples of a loopback server's noise need a wide allowance to decide.
    const same = await run(['verify', 'perf', '--baseline', 'a.json', '--candidate', 'a.json', '--metric', 'p50', '--max-regression', '60%', '-o', 'json']);
    assert.equal(same.code, 0, same.out + same.err);
    const perf = JSON.parse(same.out);
    assert.equal(perf.baseline.files[0].format, 'load-result');
    assert.equal(perf.baseline.files[0].n, 100);
    // The candidate answers 25 ms later: far beyond the same allowance.
    const worse = await run(['verify', 'perf', '--baseline', 'a.json', '--candidate', 'b.json', '--metric', 'p50', '--max-regression', '60%', '-o', 'json']);
    assert.equal(worse.code, 1, worse.out + worse.err);
    assert.equal(JSON.parse(worse.out).verdict, 'fail');
  });

  test('on a terminal, a progress line a second goes to stderr', async () => {
    const app = await serve();
    const r = await run(['loadtest', app.url, '--rate', '50/s', '--duration', '2500ms', '-o', 'json'], true);
    assert.equal(r.code, 0, r.err);
    const lines = r.err.split('\n').filter((l) => l.startsWith('loadtest '));
    assert.ok(lines.length >= 2 && lines.length <= 4, r.err);
    assert.match(lines[0]!, /\d+\/s, p50 [\d.]+ ms, p99 [\d.]+ ms, errors 0, in flight \d+, dropped 0/);
    summaryOf(r.out);
  });

  test('dropped: beyond --max-in-flight a due request is dropped, counted as an error and reported apart', async () => {
    const app = await serve((_q, res) => setTimeout(() => res.end('ok'), 300));
    const r = await run(['loadtest', app.url, '--rate', '100/s', '--duration', '1s', '--max-in-flight', '5', '--thresholds', 'errors<0.5', '-o', 'json']);
    assert.equal(r.code, 1);
    const s = summaryOf(r.out);
    assert.equal(s.requests, 100);
    assert.ok(s.counts.dropped >= 70, `dropped ${s.counts.dropped}`);
    assert.equal(s.errors, s.counts.dropped);
    assert.equal(app.hits.length, 100 - s.counts.dropped);
    assert.equal(s.client.peakInFlight, 5);
    assert.equal(s.client.connections, 5, 'never more connections than requests allowed in flight');
  });

  test('bounds and bad flags are exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--rate', '60000/s', '--duration', '1s'], /--rate/],
      [['--rate', '10/s', '--duration', '2h'], /at most 1h/],
      [['--rate', '10/s'], /--duration/],
      [['--rate', '10/s', '--duration', '1s', '--max-in-flight', '10001'], /--max-in-flight/],
      [['--rate', '10/s', '--duration', '1s', '--connections', '0'], /--connections/],
      [['--ramp', '10s:fast'], /--ramp: stage 1/],
      [['--ramp', '2s:0/s'], /holds no request/],
      [['--ramp', '10s:10/s', '--duration', '5s'], /shorter than the --ramp/],
      [['--rate', '10/s', '--duration', '1s', '--header', 'bad header'], /--header/],
      [['--rate', '10/s', '--duration', '1s', '--scenario', 'missing.yaml'], /cannot read missing\.yaml/],
    ];
    for (const [args, why] of cases) {
      const r = await run(['loadtest', 'http://127.0.0.1:9', ...args]);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, why);
    }
    const notUrl = await run(['loadtest', 'ftp://x', '--rate', '1/s', '--duration', '1s']);
    assert.equal(notUrl.code, 2);
  });
});
