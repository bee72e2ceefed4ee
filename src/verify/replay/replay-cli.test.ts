import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync, copyFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main';
import type { CliIo } from '../../cli/context';
import { FIXTURES } from '../../testing/fixtures';
import { readLoadResult } from '../load-result';
import { ReplayClient } from './replay-client';

const dir = mkdtempSync(join(tmpdir(), 'shipgate-replay-'));
for (const f of ['access.log', 'logfile_bad_access_log.0']) copyFileSync(join(FIXTURES, 'access-logs', f), join(dir, f));

async function run(...args: string[]) {
  const o = { out: '', err: '' };
  const io: CliIo = { stdout: (s) => (o.out += s), stderr: (s) => (o.err += s), env: {}, cwd: dir, isTTY: false };
  const code = await main(['verify', 'replay', ...args], io);
  return { code, ...o };
}

interface App {
  url: string;
  hits: { method: string; url: string; headers: IncomingMessage['headers'] }[];
  close(): Promise<void>;
}

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<App> {
  const hits: App['hits'] = [];
  const server: Server = createServer((req, res) => {
    hits.push({ method: req.method!, url: req.url!, headers: req.headers });
    handler(req, res);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

/**
 * The service under test. Every answer carries a random request id and a timestamp (noise). The
 * `changed` variant renames user 7 and answers 404 to page 2 of /items: two real differences.
 */
function service(changed: boolean) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url!, 'http://x');
    // servedAt has nanosecond resolution, so it differs between any two answers.
    const meta = { requestId: randomUUID(), servedAt: `${new Date().toISOString()}+${process.hrtime.bigint()}` };
    const user = /^\/users\/(\d+)$/.exec(u.pathname);
    if (user) {
      const id = Number(user[1]);
      // Key order differs between variants: it must not count.
      const body = changed ? { meta, name: id === 7 ? 'User Seven' : `user ${id}`, id } : { id, name: `user ${id}`, meta };
      return json(res, 200, body);
    }
    if (u.pathname === '/items') {
      if (changed && u.searchParams.get('page') === '2') return json(res, 404, { error: 'no such page', meta });
      return json(res, 200, { items: [1, 2, 3].map((i) => ({ i, page: u.searchParams.get('page') })), meta });
    }
    if (u.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end('<h1>home</h1>');
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  };
}

const T = Date.UTC(2026, 11, 4, 4, 0, 0);
/** A JSON-lines log over 1 s: 7 users, 3 item pages, a POST (not replayed by default), a bad line. */
const jsonLog = [
  ...Array.from({ length: 8 }, (_, i) =>
    JSON.stringify({ ts: (T + i * 40) / 1000, method: 'GET', path: `/users/${i}`, status: 200, headers: { 'X-Trace': `t${i}`, Host: 'prod.example.com' } }),
  ),
  JSON.stringify({ time: new Date(T + 400).toISOString(), method: 'GET', url: 'http://prod.example.com/items?page=1', status: 200 }),
  JSON.stringify({ time: new Date(T + 500).toISOString(), method: 'GET', url: '/items?page=2', status: 200 }),
  JSON.stringify({ time: new Date(T + 600).toISOString(), method: 'POST', path: '/users', status: 201 }),
  '{"time": "broken',
  JSON.stringify({ time: new Date(T + 700).toISOString(), method: 'GET', uri: '/items?page=2', status: 200 }),
].join('\n');
writeFileSync(join(dir, 'app.jsonl'), jsonLog + '\n');

describe('shipgate verify replay', () => {
  let base: App;
  let base2: App;
  let same: App;
  let changed: App;
  before(async () => {
    [base, base2, same, changed] = await Promise.all([serve(service(false)), serve(service(false)), serve(service(false)), serve(service(true))]);
  });
  after(() => Promise.all([base, base2, same, changed].map((a) => a.close())));

  test('A/A: the same code as baseline and candidate shows no difference beyond noise (exit 0); the noise is named', async () => {
    const r = await run('app.jsonl', '--target', same.url, '--baseline', base.url, '--noise', base2.url, '--rate', 'x4');
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /no differences beyond noise in 11 compared requests/);
    assert.match(r.out, /noise on GET \/users\/\{id\}: \$\.meta\.requestId, \$\.meta\.servedAt/);
    assert.match(r.out, /bad line app\.jsonl:12: invalid JSON/);
    assert.match(r.out, /11 replayed at x4 \(skipped by method: POST 1\)/);
    assert.match(r.out, /^PASS$/m);
    // Each side saw every replayed request, and none saw the POST.
    for (const a of [same, base, base2]) assert.equal(a.hits.filter((h) => h.method === 'POST').length, 0);
    // A JSON log's recorded headers are replayed, except Host: the request is the target's.
    const u3 = same.hits.find((h) => h.url === '/users/3')!;
    assert.equal(u3.headers['x-trace'], 't3');
    assert.equal(u3.headers.host, new URL(same.url).host);
  });

  test('A/B: a changed field and a changed status are reported with their endpoint (exit 1); -o json carries load results', async () => {
    const r = await run('app.jsonl', '--target', changed.url, '--baseline', base.url, '--noise', base2.url, '--rate', 'x4', '-o', 'json');
    assert.equal(r.code, 1, r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.kind, 'shipgate.dev/verify-replay/v1');
    assert.equal(j.verdict, 'fail');
    assert.deepEqual(
      j.diff.differences.map((d: { endpoint: string; kind: string; detail: string; count: number }) => [d.endpoint, d.kind, d.detail, d.count]),
      [
        ['GET /items', 'status', '200 → 404', 2],
        ['GET /users/{id}', 'field', '$.name', 1],
      ],
    );
    assert.equal(j.diff.differences[0].example, '/items?page=2');
    assert.equal(j.diff.differences[1].example, '/users/7');
    const candidate = readLoadResult(j.candidate, 'candidate');
    const baseline = readLoadResult(j.baseline, 'baseline');
    assert.equal(candidate.target, changed.url);
    assert.equal(baseline.target, base.url);
    assert.deepEqual([candidate.requests, candidate.errors, baseline.requests], [11, 0, 11]);
    assert.equal(candidate.samplesMs!.length, 11);
    assert.deepEqual(j.candidateStatuses.statuses, { 200: 9, 404: 2 });
    assert.deepEqual(j.logs[0], {
      file: 'app.jsonl',
      records: 12,
      badLines: 1,
      bad: [{ file: 'app.jsonl', line: 12, reason: j.logs[0].bad[0].reason }],
      formats: { combined: 0, common: 0, json: 12 },
      malformedTail: 0,
    });
    assert.ok(j.latency.ks.pValue >= 0 && j.latency.ks.pValue <= 1);
    assert.ok(j.pacing.sendLagMs.p99 >= j.pacing.sendLagMs.p50);
  });

  test('without --noise the random request id is a difference, unless --ignore-field names it', async () => {
    const noisy = await run('app.jsonl', '--target', same.url, '--baseline', base.url, '--rate', 'x4', '--max-requests', '3', '-o', 'json');
    assert.equal(noisy.code, 1);
    const fields = JSON.parse(noisy.out).diff.differences.map((d: { detail: string }) => d.detail);
    assert.deepEqual([...new Set(fields)].sort(), ['$.meta.requestId', '$.meta.servedAt']);
    const quiet = await run('app.jsonl', '--target', same.url, '--baseline', base.url, '--rate', 'x4', '--max-requests', '3', '--ignore-field', '$.meta');
    assert.equal(quiet.code, 0, quiet.out);
  });

  test('the fixtures replay to the target only: absolute URLs lose their host; bad lines are listed by number', async () => {
    const before = same.hits.length;
    const r = await run('access.log', 'logfile_bad_access_log.0', '--target', same.url, '--rate', '200/s', '-o', 'json');
    const j = JSON.parse(r.out);
    assert.deepEqual(
      j.logs.map((l: { file: string; records: number; badLines: number; malformedTail: number }) => [l.file, l.records, l.badLines, l.malformedTail]),
      [
        ['access.log', 25, 0, 24],
        ['logfile_bad_access_log.0', 2, 1, 0],
      ],
    );
    assert.equal(j.logs[1].bad[0].line, 2);
    assert.equal(j.plan.requests, 27);
    assert.equal(same.hits.length - before, 27);
    // /vmw/... answers 404 here, which is not an error (only no answer and 5xx are).
    assert.deepEqual(j.candidateStatuses.statuses, { 200: 25, 404: 2 });
    assert.equal(r.code, 0, r.err);
    // The log's host (prod.example.com) is never contacted: its path goes to the target.
    await run('app.jsonl', '--target', same.url, '--rate', '100/s');
    assert.ok(same.hits.some((h) => h.url === '/items?page=1'));
  });

  test('open-loop: a slow target does not lower the send rate; latency counts from the scheduled time', async () => {
    const slow = await serve((_req, res) => setTimeout(() => res.end('ok'), 150));
    try {
      const r = await run('access.log', '--target', slow.url, '--rate', '100/s', '--duration', '400ms', '-o', 'json');
      const j = JSON.parse(r.out);
      assert.equal(r.code, 0, r.err);
      const sleeping = JSON.parse((await run('access.log', '--target', slow.url, '--rate', '100/s', '--duration', '400ms', '--no-spin', '-o', 'json')).out);
      assert.ok(sleeping.pacing.achievedRps > 70 && sleeping.pacing.peakInFlight >= 10, 'sleeping between sends is open-loop too');
      assert.equal(j.plan.requests, 40);
      // Closed-loop over one connection would achieve under 7/s; open-loop keeps ~100/s.
      assert.ok(j.pacing.achievedRps > 70, `achieved ${j.pacing.achievedRps}`);
      assert.ok(j.pacing.peakInFlight >= 10, `peak in flight ${j.pacing.peakInFlight}`);
      assert.ok(j.candidate.latencyMs.p50 >= 145, `p50 ${j.candidate.latencyMs.p50}`);
      assert.ok(Math.abs(j.candidate.achievedRps - j.pacing.achievedRps) < 1e-6, 'the load result states the achieved send rate');
      assert.equal(j.candidate.targetRps, 100);
      // Beyond --max-in-flight a due request is dropped, counted as a request and an error, and fails the run.
      const capped = JSON.parse(
        (await run('access.log', '--target', slow.url, '--rate', '100/s', '--duration', '200ms', '--max-in-flight', '2', '-o', 'json')).out,
      );
      assert.ok(capped.pacing.dropped >= 10, `dropped ${capped.pacing.dropped}`);
      assert.equal(capped.pacing.sent + capped.pacing.dropped, 20);
      assert.deepEqual([capped.candidate.requests, capped.candidate.errors], [20, capped.pacing.dropped]);
      assert.equal(capped.verdict, 'fail');
    } finally {
      await slow.close();
    }
  });

  test('errors: 5xx and timeouts count against --max-errors (default 1%); redirects are not followed; --header is sent', async () => {
    const other = await serve((_req, res) => res.end('elsewhere'));
    const flaky = await serve((req, res) => {
      if (req.url === '/vmw/cgi/tramp') return; // never answers
      if (req.url!.endsWith('vmkboot.gz')) {
        res.writeHead(503);
        return res.end();
      }
      res.writeHead(302, { location: `${other.url}/x` });
      res.end();
    });
    try {
      writeFileSync(
        join(dir, 'three.log'),
        ['/vmw/cgi/tramp', '/vmw/vSphere/default/vmkboot.gz', '/r'].map((p) => `1.2.3.4 - - [04/Dec/2026:04:00:00 +0000] "GET ${p} HTTP/1.1" 200 1`).join('\n'),
      );
      const r = await run('three.log', '--target', flaky.url, '--timeout', '300ms', '--header', 'X-Replay: shipgate');
      assert.equal(r.code, 1, r.out);
      assert.match(r.out, /candidate statuses: 302 1, 503 1, error 1/);
      assert.match(r.out, /candidate error ×1: no complete response within N ms/);
      assert.match(r.out, /FAIL: candidate errors 2 of 3 \(66\.67%\) exceed --max-errors 1\.00%/);
      assert.equal(other.hits.length, 0, 'the redirect was not followed');
      assert.ok(flaky.hits.every((h) => h.headers['x-replay'] === 'shipgate'));
      assert.equal((await run('three.log', '--target', flaky.url, '--timeout', '300ms', '--max-errors', '70%')).code, 0);
    } finally {
      await Promise.all([other.close(), flaky.close()]);
    }
  });

  test('--methods and --all-methods choose what is replayed', async () => {
    const before = same.hits.filter((h) => h.method === 'POST').length;
    const all = await run('app.jsonl', '--target', same.url, '--rate', '200/s', '--all-methods', '-o', 'json');
    assert.equal(JSON.parse(all.out).plan.requests, 12);
    assert.equal(same.hits.filter((h) => h.method === 'POST').length - before, 1);
    const none = await run('app.jsonl', '--target', same.url, '--methods', 'DELETE');
    assert.equal(none.code, 2);
    assert.match(none.err, /nothing to replay: 12 requests read \(1 bad lines\), all skipped by method \(GET, POST; see --methods\)/);
  });

  const usage: [string, string[], RegExp][] = [
    ['a missing log', ['nope.log', '--target', 'http://127.0.0.1:1'], /cannot read nope\.log: ENOENT/],
    ['a bad rate', ['app.jsonl', '--target', 'http://127.0.0.1:1', '--rate', 'fast'], /--rate: expected x1, x2, x0\.5 or N\/s/],
    ['--noise without --baseline', ['app.jsonl', '--target', 'http://127.0.0.1:1', '--noise', 'http://127.0.0.1:2'], /--noise needs --baseline/],
    ['a non-http target', ['app.jsonl', '--target', 'file:///etc/passwd'], /--target: expected an http\(s\) URL/],
    ['a bad --ignore-field', ['app.jsonl', '--target', 'http://127.0.0.1:1', '--ignore-field', 'a..b'], /--ignore-field: "a\.\.b" is not a JSON path/],
    ['a bad --header', ['app.jsonl', '--target', 'http://127.0.0.1:1', '--header', 'novalue'], /--header: expected NAME:VALUE/],
    ['a bad --max-errors', ['app.jsonl', '--target', 'http://127.0.0.1:1', '--max-errors', 'lots'], /--max-errors: expected a percentage/],
  ];
  for (const [what, args, message] of usage)
    test(`bad input (exit 2): ${what}`, async () => {
      const r = await run(...args);
      assert.equal(r.code, 2, r.out);
      assert.match(r.err, message);
    });
});

describe('replay client', () => {
  test('reads at most 1 MiB of a body and discards the rest; the connection is reused', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 0x61);
    const ports = new Set<number>();
    const app = await serve((req, res) => {
      ports.add(req.socket.remotePort!);
      res.end(big);
    });
    const c = new ReplayClient(app.url, { timeoutMs: 5000 });
    try {
      for (let i = 0; i < 3; i++) {
        const r = await c.send('GET', '/big', performance.now());
        assert.deepEqual([r.status, r.body.length, r.truncated], [200, 1024 * 1024, true]);
      }
      assert.equal(ports.size, 1, 'keep-alive: one connection for three sequential requests');
      const down = await new ReplayClient('http://127.0.0.1:1', { timeoutMs: 1000 }).send('GET', '/', performance.now());
      assert.equal(down.status, 0);
      assert.match(down.error!, /ECONNREFUSED/);
    } finally {
      c.close();
      await app.close();
    }
  });
  test('an IPv6 loopback origin (the brackets of the URL are not part of the address)', async () => {
    const server = createServer((_req, res) => res.end('v6'));
    await new Promise<void>((r, j) => server.once('error', j).listen(0, '::1', r));
    const c = new ReplayClient(`http://[::1]:${(server.address() as AddressInfo).port}`, { timeoutMs: 5000 });
    try {
      const r = await c.send('GET', '/', performance.now());
      assert.equal(r.body.toString(), 'v6');
    } finally {
      c.close();
      server.close();
    }
  });
  test('a base path in the origin URL prefixes every replayed path', async () => {
    const app = await serve((_req, res) => res.end('ok'));
    const c = new ReplayClient(`${app.url}/staging/`, { timeoutMs: 5000 });
    try {
      await c.send('GET', '/a?b=1', performance.now());
      assert.equal(app.hits[0]!.url, '/staging/a?b=1');
    } finally {
      c.close();
      await app.close();
    }
  });
});
