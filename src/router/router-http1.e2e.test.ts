import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from '../testing/harness';
import { Router } from './router';
import { routeTable } from './testing/route-table-builder';

/**
 * The fast path's HTTP/1.1 framing against upstreams that answer exactly what a test scripts, and
 * the requests it leaves to node:http. Upstreams are real servers on loopback.
 */

/** An upstream answering each bodiless request with the bytes `script` gives for its path; counts connections. */
async function scriptedUpstream(script: (path: string, method: string) => string | Buffer) {
  let connections = 0;
  const heads: string[] = [];
  const server = net.createServer((sock) => {
    connections++;
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      let end: number;
      while ((end = buf.indexOf('\r\n\r\n')) >= 0) {
        const head = buf.slice(0, end);
        buf = buf.slice(end + 4);
        heads.push(head);
        const [method, path] = head.split(' ');
        const out = script(path, method);
        sock.write(out);
        if (/connection: close\r\n\r\n/i.test(out.toString('latin1')) || path === '/eof') sock.end();
      }
    });
    sock.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    connections: () => connections,
    heads,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Writes `text` on one connection and collects what comes back until the router closes it or `untilCount` responses arrived. */
function exchange(port: number, text: string | Buffer, untilCount = Infinity, marker = /HTTP\/1\.1 [2-5]\d\d /g): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(text));
    let out = '';
    const done = () => {
      sock.destroy();
      resolve(out);
    };
    sock.on('data', (d) => {
      out += d.toString('latin1');
      if ((out.match(marker) ?? []).length >= untilCount && /\r\n\r\n[\s\S]*$/.test(out)) setTimeout(done, 50);
    });
    sock.on('end', done);
    sock.on('error', (e) => (out ? resolve(out) : reject(e)));
    sock.setTimeout(5_000, done);
  });
}

describe('router: HTTP/1.1 fast path', () => {
  let up: Awaited<ReturnType<typeof scriptedUpstream>>;
  let echo: http.Server;
  let echoUrl: string;
  let router: Router;
  let port: number;

  before(async () => {
    up = await scriptedUpstream((path, method) => {
      switch (path) {
        case '/chunked':
          return 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: x-sum\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nx-sum: 11\r\n\r\n';
        case '/eof':
          return 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil the end';
        case '/hints':
          return 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
        case '/empty':
          return 'HTTP/1.1 204 No Content\r\nX-Up: 1\r\n\r\n';
        case '/garbage':
          return 'HTTP/1.1 200 OK\r\nbad header\r\n\r\n';
        case '/hop':
          return 'HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nx-shipgate-version: forged\r\nContent-Length: 2\r\nUpgrade: h2c\r\n\r\nok';
        default:
          return `HTTP/1.1 200 OK\r\nContent-Length: ${method === 'HEAD' ? 5 : 2}\r\n\r\n${method === 'HEAD' ? '' : 'ok'}`;
      }
    });
    // Echoes the request body's length and hash, and the headers it got.
    echo = http.createServer((req, res) => {
      const h = createHash('sha256');
      let n = 0;
      req.on('data', (d: Buffer) => {
        n += d.length;
        h.update(d);
      });
      req.on('end', () => {
        const body = JSON.stringify({ length: n, sha256: h.digest('hex'), headers: req.headers, httpVersion: req.httpVersion });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    echoUrl = `http://127.0.0.1:${(echo.address() as net.AddressInfo).port}`;
    router = new Router({ headersTimeoutMs: 1_000 });
    router.applyTable({
      apiVersion: 'shipgate.dev/v1',
      kind: 'RouteTable',
      metadata: { name: 'http1' },
      spec: {
        routes: [
          { name: 'echo', match: { host: '*', pathPrefix: '/echo' }, backends: [{ version: 'v1', weight: 1, instances: [echoUrl] }] },
          { name: 'scripted', match: { host: '*', pathPrefix: '/' }, backends: [{ version: 'v1', weight: 1, instances: [up.url] }] },
        ],
      },
    });
    port = (await router.start({ listen: '127.0.0.1:0' })).listen.port;
  });
  after(async () => {
    await router.close();
    await up.close();
    await new Promise<void>((r) => echo.close(() => r()));
  });

  test('chunked responses pass through byte for byte, trailers included, and the upstream connection is reused', async () => {
    const before = up.connections();
    const out = await exchange(port, 'GET /chunked HTTP/1.1\r\nHost: a\r\n\r\nGET /chunked HTTP/1.1\r\nHost: a\r\n\r\n', 2);
    const bodies = out.split(/HTTP\/1\.1 200 OK\r\n/).slice(1);
    assert.equal(bodies.length, 2);
    for (const b of bodies) {
      assert.match(b, /transfer-encoding: chunked\r\n/i);
      assert.match(b, /x-shipgate-version: v1\r\n/);
      assert.ok(b.endsWith('\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nx-sum: 11\r\n\r\n'), b);
    }
    assert.ok(up.connections() - before <= 1, `opened ${up.connections() - before} upstream connections`);
  });

  test('a body that ends when the upstream closes reaches the client, which is told the connection closes', async () => {
    const out = await exchange(port, 'GET /eof HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.match(out, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(out, /connection: close\r\n/i);
    assert.ok(out.endsWith('\r\n\r\nuntil the end'), out);
  });

  test('1xx interim responses are passed on before the final one', async () => {
    const out = await exchange(port, 'GET /hints HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    assert.match(out, /^HTTP\/1\.1 103 Early Hints\r\nLink: <\/a\.css>; rel=preload\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
    assert.ok(out.endsWith('\r\n\r\nok'));
  });

  test('HEAD and 204 answers have no body, and the connection goes on', async () => {
    const out = await exchange(port, 'HEAD /x HTTP/1.1\r\nHost: a\r\n\r\nGET /empty HTTP/1.1\r\nHost: a\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n', 3);
    const parts = out.split(/(?=HTTP\/1\.1 )/);
    assert.deepEqual(
      parts.map((p) => p.slice(0, 12)),
      ['HTTP/1.1 200', 'HTTP/1.1 204', 'HTTP/1.1 200'],
    );
    assert.match(parts[0], /Content-Length: 5\r\n[\s\S]*\r\n\r\n$/);
    assert.match(parts[1], /X-Up: 1\r\n[\s\S]*\r\n\r\n$/);
    assert.ok(parts[2].endsWith('\r\n\r\nok'));
  });

  test('hop-by-hop response fields and a forged x-shipgate-version do not reach the client', async () => {
    const out = await exchange(port, 'GET /hop HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    assert.doesNotMatch(out, /keep-alive|forged|upgrade/i);
    assert.match(out, /x-shipgate-version: v1\r\n/);
    assert.ok(out.endsWith('\r\n\r\nok'));
  });

  test('a malformed upstream answer is a 502 that names the version, and the router goes on', async () => {
    const out = await exchange(port, 'GET /garbage HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    assert.match(out, /^HTTP\/1\.1 502 /);
    assert.match(out, /UPSTREAM_BAD_RESPONSE/);
    assert.match(await exchange(port, 'GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 200/);
  });

  test('request bodies are forwarded intact (1 MiB, in pieces) and forwarding headers are set', async () => {
    const body = Buffer.alloc(1 << 20);
    for (let i = 0; i < body.length; i++) body[i] = (i * 31) & 0xff;
    const head = `POST /echo HTTP/1.1\r\nHost: shop.test\r\nContent-Length: ${body.length}\r\nX-Forwarded-For: 203.0.113.9\r\nKeep-Alive: timeout=9\r\nConnection: keep-alive, x-private\r\nx-private: secret\r\nConnection: close\r\n\r\n`;
    const out = await new Promise<string>((resolve, reject) => {
      const sock = net.connect(port, '127.0.0.1', async () => {
        sock.write(head);
        for (let i = 0; i < body.length; i += 100_000) {
          sock.write(body.subarray(i, i + 100_000));
          await new Promise((r) => setImmediate(r));
        }
      });
      let text = '';
      sock.on('data', (d) => (text += d.toString('latin1')));
      sock.on('close', () => resolve(text));
      sock.on('error', reject);
    });
    const json = JSON.parse(out.slice(out.indexOf('\r\n\r\n') + 4));
    assert.equal(json.length, body.length);
    assert.equal(json.sha256, createHash('sha256').update(body).digest('hex'));
    assert.equal(json.headers['x-forwarded-for'], '203.0.113.9, 127.0.0.1');
    assert.equal(json.headers['x-forwarded-host'], 'shop.test');
    assert.equal(json.headers['x-forwarded-proto'], 'http');
    assert.equal(json.headers['keep-alive'], undefined);
    assert.equal(json.headers['x-private'], undefined);
  });

  test('pipelined requests are answered in order on one connection', async () => {
    const reqs = ['/a', '/echo/b', '/c'].map((p) => `GET ${p} HTTP/1.1\r\nHost: a\r\n\r\n`).join('');
    const out = await exchange(port, reqs, 3);
    const parts = out.split(/(?=HTTP\/1\.1 200 OK)/);
    assert.equal(parts.length, 3);
    assert.ok(parts[0].endsWith('ok') && parts[2].endsWith('ok'));
    assert.match(parts[1], /"length":0/);
  });

  test('requests the fast path does not take are served by node:http on the same connection', async () => {
    const before = router.stats().handoffs;
    const count = (reason: string) => (router.stats().handoffs[reason] ?? 0) - (before[reason] ?? 0);
    // HTTP/1.0
    const h10 = await exchange(port, 'GET /echo HTTP/1.0\r\nHost: a\r\n\r\n');
    assert.match(h10, /^HTTP\/1\.1 200 /);
    assert.match(h10, /x-shipgate-version: v1/);
    // A chunked upload, after one request served on the fast path.
    const chunked = await exchange(
      port,
      'GET /x HTTP/1.1\r\nHost: a\r\n\r\nPOST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n',
      2,
    );
    assert.match(chunked, /^HTTP\/1\.1 200 OK\r\n[\s\S]*ok(HTTP\/1\.1 200 OK)/);
    assert.match(chunked, /"length":5/);
    // Expect: 100-continue
    const cont = await exchange(port, 'POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nExpect: 100-continue\r\nConnection: close\r\n\r\nxyz');
    assert.match(cont, /"length":3/);
    // Request smuggling shapes get node's 400, never reach the upstream.
    const smuggle = await exchange(
      port,
      'POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n',
    );
    assert.match(smuggle, /^HTTP\/1\.1 400 /);
    const bareLf = await exchange(port, 'GET /x HTTP/1.1\r\nHost: a\r\nx-a: 1\nContent-Length: 5\r\n\r\n');
    assert.match(bareLf, /^HTTP\/1\.1 400 /);
    assert.equal(count('not HTTP/1.1'), 1);
    assert.equal(count('transfer-encoding'), 2);
    assert.equal(count('expect'), 1);
    assert.equal(count('header field'), 1);
  });

  test('after a handoff, node:http reads what arrives later on the same connection', async () => {
    const out = await new Promise<string>((resolve, reject) => {
      const sock = net.connect(port, '127.0.0.1', async () => {
        sock.write('POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n');
        await new Promise((r) => setTimeout(r, 50));
        sock.write('4\r\nabcd\r\n');
        await new Promise((r) => setTimeout(r, 50));
        sock.write('0\r\n\r\nGET /echo/again HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
      });
      let text = '';
      sock.on('data', (d) => (text += d.toString('latin1')));
      sock.on('close', () => resolve(text));
      sock.on('error', reject);
      sock.setTimeout(5_000, () => sock.destroy());
    });
    const bodies = out.split(/HTTP\/1\.1 200 OK\r\n/).slice(1);
    assert.equal(bodies.length, 2, out);
    assert.match(bodies[0], /"length":4/);
    assert.match(bodies[1], /"length":0/);
  });

  test('a client that leaves mid-response does not disturb the next one', async () => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write('GET /chunked HTTP/1.1\r\nHost: a\r\n\r\n'));
    sock.on('error', () => {});
    sock.once('data', () => sock.destroy());
    await new Promise((r) => sock.once('close', r));
    assert.match(await exchange(port, 'GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 200[\s\S]*ok$/);
  });
});

describe('router: kept-alive upstream connections', () => {
  test('an instance that closes a reused connection instead of answering gets the GET again on a fresh one', async () => {
    // Answers the first request of each connection and drops the connection at the second, as an
    // upstream does when its keep-alive timeout races a new request.
    const server = net.createServer((sock) => {
      let n = 0;
      sock.on('data', () => (++n === 1 ? sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok') : sock.destroy()));
      sock.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const router = new Router();
    router.applyTable(routeTable([{ version: 'stable', weight: 1, instances: [`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`] }]));
    const { port } = (await router.start({ listen: '127.0.0.1:0' })).listen;
    try {
      for (let i = 0; i < 5; i++)
        assert.match(await exchange(port, 'GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 200[\s\S]*ok$/, `request ${i}`);
      assert.ok(router.stats().retries.shop >= 4);
    } finally {
      await router.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('router: idle client connections', () => {
  test('close after keepAliveTimeoutMs without a request, and stay open while in use', async () => {
    const up = await scriptedUpstream(() => 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    const router = new Router({ keepAliveTimeoutMs: 300 });
    router.applyTable(routeTable([{ version: 'stable', weight: 1, instances: [up.url] }]));
    const { port } = (await router.start({ listen: '127.0.0.1:0' })).listen;
    try {
      const sock = net.connect(port, '127.0.0.1');
      sock.on('error', () => {});
      let closedAt = 0;
      let answers = 0;
      sock.on('data', (d) => (answers += (d.toString().match(/HTTP\/1\.1 200/g) ?? []).length));
      sock.on('close', () => (closedAt = Date.now()));
      await new Promise((r) => sock.once('connect', r));
      // In use: a request every 100 ms for 900 ms, three times the idle timeout.
      for (let i = 0; i < 9; i++) {
        sock.write('GET /x HTTP/1.1\r\nHost: a\r\n\r\n');
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(closedAt, 0, 'closed while in use');
      assert.equal(answers, 9);
      const idleSince = Date.now();
      while (!closedAt && Date.now() - idleSince < 3_000) await new Promise((r) => setTimeout(r, 20));
      assert.ok(closedAt > 0, 'an idle connection is closed');
      assert.ok(closedAt - idleSince >= 150 && closedAt - idleSince < 1_000, `closed ${closedAt - idleSince} ms after the last answer`);
    } finally {
      await router.close();
      await up.close();
    }
  });
});

describe('router: pipelining', () => {
  test('thousands of pipelined requests refused at once are answered in order, without deep recursion', async () => {
    const up = await scriptedUpstream(() => 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    const router = new Router();
    router.applyTable(routeTable([{ version: 'stable', weight: 1, instances: [up.url] }], { match: { host: '*', pathPrefix: '/api' } }));
    const { port } = (await router.start({ listen: '127.0.0.1:0' })).listen;
    try {
      const n = 20_000;
      const out = await exchange(port, 'GET /nowhere HTTP/1.1\r\nHost: a\r\n\r\n'.repeat(n) + 'GET /api HTTP/1.1\r\nHost: a\r\n\r\n', n + 1);
      assert.equal(out.match(/HTTP\/1\.1 404 /g)?.length, n);
      assert.ok(out.endsWith('\r\n\r\nok'), out.slice(-200));
    } finally {
      await router.close();
      await up.close();
    }
  });
  /** A router, and a client that has pipelined `n` requests it gets 404s for and reads nothing yet. */
  async function clientNotReading(n: number, options: ConstructorParameters<typeof Router>[0] = {}) {
    const router = new Router(options);
    router.applyTable(routeTable([{ version: 'stable', weight: 1, instances: ['http://127.0.0.1:9'] }], { match: { host: '*', pathPrefix: '/api' } }));
    const { port } = (await router.start({ listen: '127.0.0.1:0' })).listen;
    const sock = net.connect(port, '127.0.0.1');
    await new Promise<void>((r) => sock.once('connect', () => r()));
    sock.pause();
    sock.write('GET /nowhere HTTP/1.1\r\nHost: a\r\n\r\n'.repeat(n));
    return { router, sock };
  }

  test('a client that pipelines without reading gets no more answers buffered than the socket holds', async () => {
    const n = 100_000;
    const { router, sock } = await clientNotReading(n);
    try {
      await new Promise((r) => setTimeout(r, 1_500));
      // Unbounded, about 20 MB of 404s would wait in the router for this client.
      const buffered = Math.max(...[...router['clients']].map((c) => c.socket.writableLength));
      assert.ok(buffered < 1024 * 1024, `${buffered} bytes of answers held for a client that does not read`);
      // Once the client reads, every request is answered, in order, none lost.
      let seen = 0;
      let carry = ''; // the end of the last chunk, for a status line cut in two
      await new Promise<void>((resolve, reject) => {
        sock.on('data', (d: Buffer) => {
          const text = carry + d.toString('latin1');
          for (const m of text.matchAll(/HTTP\/1\.1 404 /g)) if (m.index + m[0].length > carry.length) seen++;
          carry = text.slice(-13);
          if (seen >= n) resolve();
        });
        sock.on('error', reject);
        setTimeout(() => reject(new Error(`only ${seen} answers`)), 20_000).unref();
        sock.resume();
      });
      assert.equal(seen, n);
    } finally {
      sock.destroy();
      await router.close();
    }
  });
  test('a client that stops reading its answers is closed after the keep-alive timeout', async () => {
    const { router, sock } = await clientNotReading(100_000, { keepAliveTimeoutMs: 300 });
    try {
      await new Promise((r) => setTimeout(r, 2_000));
      assert.equal(router['clients'].size, 0, 'the connection was closed');
    } finally {
      sock.destroy();
      await router.close();
    }
  });
});

describe('router: fastPath off', () => {
  test('`shipgate router --no-fast-path` leaves every request to node:http; by default only the odd ones', async () => {
    const up = await scriptedUpstream(() => 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    const dir = mkdtempSync(join(tmpdir(), 'shipgate-http1-'));
    const file = join(dir, 'routes.json');
    writeFileSync(file, JSON.stringify(routeTable([{ version: 'stable', weight: 1, instances: [up.url] }])));
    const run = async (flags: string[]) => {
      const adminToken = 'http1-fast-path-admin-token-0123';
      const child = spawn(
        process.execPath,
        [join(REPO_ROOT, 'bin', 'shipgate.js'), 'router', '--config', file, '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', ...flags],
        {
          stdio: ['ignore', 'ignore', 'pipe'],
          env: { ...process.env, SHIPGATE_ROUTER_ADMIN_TOKEN: adminToken },
        },
      );
      const auth = { headers: { authorization: `Bearer ${adminToken}` } };
      try {
        const line = await new Promise<string>((resolve, reject) => {
          child.once('exit', (c) => reject(new Error(`router exited ${c}`)));
          createInterface({ input: child.stderr! }).on('line', (l) => /router listening on/.test(l) && resolve(l));
        });
        const [, proxy, admin] = /listening on http:\/\/[^:]+:(\d+), admin on (http:\/\/\S+)/.exec(line)!;
        assert.match(await exchange(Number(proxy), 'GET /x HTTP/1.0\r\nHost: a\r\n\r\n'), /^HTTP\/1\.1 200[\s\S]*x-shipgate-version: stable/);
        assert.match(await exchange(Number(proxy), 'GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 200[\s\S]*ok$/);
        const metrics = await (await fetch(`${admin}/metrics`, auth)).text();
        assert.equal(/shipgate_router_handoffs_total\{reason="not HTTP\/1\.1"\} 1\n/.test(metrics), flags.length === 0, metrics);
        return ((await (await fetch(`${admin}/stats`, auth)).json()) as { handoffs: Record<string, number> }).handoffs;
      } finally {
        child.kill('SIGTERM');
      }
    };
    try {
      assert.deepEqual(await run([]), { 'not HTTP/1.1': 1 });
      assert.deepEqual(await run(['--no-fast-path']), {});
    } finally {
      await up.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('node:http serves every request, with the same answers', async () => {
    const up = await scriptedUpstream(() => 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    const router = new Router({ fastPath: false });
    router.applyTable(routeTable([{ version: 'stable', weight: 1, instances: [up.url] }]));
    const { port } = (await router.start({ listen: '127.0.0.1:0' })).listen;
    try {
      const out = await exchange(port, 'GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
      assert.match(out, /^HTTP\/1\.1 200 OK\r\n/);
      assert.match(out, /x-shipgate-version: stable/);
      assert.deepEqual(router.stats().handoffs, {});
      const none = await exchange(port, 'GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'.replace('/x', 'x'));
      assert.match(none, /^HTTP\/1\.1 (400|404) /);
    } finally {
      await router.close();
      await up.close();
    }
  });
});
