import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { clientResponseHead, parseResponseHead, type Framing, type ResponseHead } from './response-head';

const MAX = 8192;

function parse(s: string, method = 'GET', max = MAX) {
  return parseResponseHead(Buffer.from(s, 'latin1'), method, max);
}

function ok(s: string, method = 'GET'): ResponseHead {
  const r = parse(s, method);
  assert.ok(typeof r === 'object' && !('unsupported' in r), `expected a parsed head, got ${JSON.stringify(r)}`);
  return r;
}

/** A response head from its lines (status line first), terminated by the blank line. */
function res(...lines: string[]): string {
  return lines.join('\r\n') + '\r\n\r\n';
}

describe('parseResponseHead: framing', () => {
  const cases: { name: string; s: string; method?: string; status: number; framing: Framing; length?: number; reusable: boolean }[] = [
    { name: '200 with Content-Length', s: res('HTTP/1.1 200 OK', 'Content-Length: 5'), status: 200, framing: 'length', length: 5, reusable: true },
    { name: 'Content-Length with OWS', s: res('HTTP/1.1 200 OK', 'content-length:\t 12 \t'), status: 200, framing: 'length', length: 12, reusable: true },
    { name: 'Content-Length: 0', s: res('HTTP/1.1 200 OK', 'Content-Length: 0'), status: 200, framing: 'length', length: 0, reusable: true },
    {
      name: 'equal duplicate Content-Length',
      s: res('HTTP/1.1 200 OK', 'Content-Length: 5', 'content-length: 5'),
      status: 200,
      framing: 'length',
      length: 5,
      reusable: true,
    },
    { name: 'chunked', s: res('HTTP/1.1 200 OK', 'Transfer-Encoding: chunked'), status: 200, framing: 'chunked', reusable: true },
    { name: 'CHUNKED in any case', s: res('HTTP/1.1 200 OK', 'transfer-encoding: Chunked'), status: 200, framing: 'chunked', reusable: true },
    { name: 'gzip, chunked', s: res('HTTP/1.1 200 OK', 'Transfer-Encoding: gzip, chunked'), status: 200, framing: 'chunked', reusable: true },
    {
      name: 'gzip then chunked on two lines',
      s: res('HTTP/1.1 200 OK', 'Transfer-Encoding: gzip', 'Transfer-Encoding: chunked'),
      status: 200,
      framing: 'chunked',
      reusable: true,
    },
    {
      name: 'chunked then gzip on two lines',
      s: res('HTTP/1.1 200 OK', 'Transfer-Encoding: chunked', 'Transfer-Encoding: gzip'),
      status: 200,
      framing: 'close',
      reusable: false,
    },
    { name: 'chunked, gzip', s: res('HTTP/1.1 200 OK', 'Transfer-Encoding: chunked, gzip'), status: 200, framing: 'close', reusable: false },
    { name: 'Transfer-Encoding: gzip', s: res('HTTP/1.1 200 OK', 'Transfer-Encoding: gzip'), status: 200, framing: 'close', reusable: false },
    { name: 'neither length nor chunked', s: res('HTTP/1.1 200 OK', 'Content-Type: text/plain'), status: 200, framing: 'close', reusable: false },
    { name: 'no fields', s: res('HTTP/1.1 200 OK'), status: 200, framing: 'close', reusable: false },
    { name: 'HEAD with Content-Length', s: res('HTTP/1.1 200 OK', 'Content-Length: 5'), method: 'HEAD', status: 200, framing: 'none', reusable: true },
    { name: 'HEAD with chunked', s: res('HTTP/1.1 200 OK', 'Transfer-Encoding: chunked'), method: 'HEAD', status: 200, framing: 'none', reusable: true },
    { name: 'HEAD with neither', s: res('HTTP/1.1 200 OK'), method: 'HEAD', status: 200, framing: 'none', reusable: true },
    { name: '204', s: res('HTTP/1.1 204 No Content'), status: 204, framing: 'none', reusable: true },
    { name: '304 with Content-Length', s: res('HTTP/1.1 304 Not Modified', 'Content-Length: 10'), status: 304, framing: 'none', reusable: true },
    { name: '304 with chunked', s: res('HTTP/1.1 304 Not Modified', 'Transfer-Encoding: chunked'), status: 304, framing: 'none', reusable: true },
    { name: '100 Continue', s: res('HTTP/1.1 100 Continue'), status: 100, framing: 'none', reusable: true },
    { name: '103 Early Hints', s: res('HTTP/1.1 103 Early Hints', 'Link: </a.css>; rel=preload'), status: 103, framing: 'none', reusable: true },
    { name: 'a 3-digit status above 599', s: res('HTTP/1.1 999 Odd', 'Content-Length: 0'), status: 999, framing: 'length', length: 0, reusable: true },
    { name: 'no reason phrase, no space', s: res('HTTP/1.1 404', 'Content-Length: 0'), status: 404, framing: 'length', length: 0, reusable: true },
    { name: 'empty reason phrase', s: res('HTTP/1.1 404 ', 'Content-Length: 0'), status: 404, framing: 'length', length: 0, reusable: true },
    { name: 'HTTP/1.0', s: res('HTTP/1.0 200 OK', 'Content-Length: 5'), status: 200, framing: 'length', length: 5, reusable: false },
    {
      name: 'HTTP/1.0 keep-alive',
      s: res('HTTP/1.0 200 OK', 'Content-Length: 5', 'Connection: keep-alive'),
      status: 200,
      framing: 'length',
      length: 5,
      reusable: true,
    },
    {
      name: 'HTTP/1.0 Keep-Alive in any case',
      s: res('HTTP/1.0 200 OK', 'connection: Keep-Alive', 'Content-Length: 5'),
      status: 200,
      framing: 'length',
      length: 5,
      reusable: true,
    },
    { name: 'HTTP/1.0 keep-alive without length', s: res('HTTP/1.0 200 OK', 'Connection: keep-alive'), status: 200, framing: 'close', reusable: false },
    // RFC 9112 §9.3: with "close" the connection does not persist, whatever else is listed.
    {
      name: 'HTTP/1.0 keep-alive then close',
      s: res('HTTP/1.0 200 OK', 'Content-Length: 5', 'Connection: keep-alive, close'),
      status: 200,
      framing: 'length',
      length: 5,
      reusable: false,
    },
    {
      name: 'HTTP/1.0 close then keep-alive',
      s: res('HTTP/1.0 200 OK', 'Content-Length: 5', 'Connection: close, keep-alive'),
      status: 200,
      framing: 'length',
      length: 5,
      reusable: false,
    },
    {
      name: 'Connection: close',
      s: res('HTTP/1.1 200 OK', 'Content-Length: 5', 'Connection: close'),
      status: 200,
      framing: 'length',
      length: 5,
      reusable: false,
    },
    {
      name: 'Connection: CLOSE in a list',
      s: res('HTTP/1.1 200 OK', 'Connection: keep-alive, CLOSE', 'Content-Length: 5'),
      status: 200,
      framing: 'length',
      length: 5,
      reusable: false,
    },
    {
      name: 'HTTP/1.1 keep-alive',
      s: res('HTTP/1.1 200 OK', 'Content-Length: 5', 'Connection: keep-alive'),
      status: 200,
      framing: 'length',
      length: 5,
      reusable: true,
    },
    { name: '204 with Connection: close', s: res('HTTP/1.1 204 No Content', 'Connection: close'), status: 204, framing: 'none', reusable: false },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const r = ok(c.s, c.method);
      assert.equal(r.status, c.status);
      assert.equal(r.framing, c.framing);
      if (c.length !== undefined) assert.equal(r.length, c.length);
      assert.equal(r.reusable, c.reusable);
      assert.equal(r.headEnd, c.s.length);
    });
  }

  test('headEnd is just after CRLFCRLF when the body follows', () => {
    const head = res('HTTP/1.1 200 OK', 'Content-Length: 5');
    assert.equal(ok(head + 'hello').headEnd, head.length);
  });

  // RFC 9112 §6.1: a recipient of an HTTP/1.0 message with Transfer-Encoding MUST treat the framing
  // as faulty and close the connection after processing it.
  test('HTTP/1.0 with Transfer-Encoding is not reused', () => {
    const r = parse(res('HTTP/1.0 200 OK', 'Transfer-Encoding: chunked', 'Connection: keep-alive'));
    assert.ok(typeof r === 'object');
    if (!('unsupported' in r)) assert.equal(r.reusable, false);
  });
});

describe('parseResponseHead: incomplete and too large', () => {
  test('incomplete', () => {
    assert.equal(parse(''), 'incomplete');
    assert.equal(parse('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n'), 'incomplete');
    assert.equal(parse('HTTP/1.1 200 OK\r\n\r'), 'incomplete');
  });
  test('incomplete within the limit, too large beyond it', () => {
    const s = 'HTTP/1.1 200 OK\r\nX-Pad: ' + 'p'.repeat(100);
    assert.equal(parse(s, 'GET', s.length), 'incomplete');
    assert.deepEqual(parse(s, 'GET', s.length - 1), { unsupported: 'response head too large' });
  });
});

describe('parseResponseHead: rejected', () => {
  const cases: { name: string; s: string; why: string }[] = [
    { name: 'HTTP/2 200', s: res('HTTP/2 200 OK', 'Content-Length: 0'), why: 'status line' },
    { name: 'HTTP/1.2', s: res('HTTP/1.2 200 OK', 'Content-Length: 0'), why: 'status line' },
    { name: 'HTTP/1.10', s: res('HTTP/1.10 200 OK', 'Content-Length: 0'), why: 'status line' },
    { name: 'lower-case version', s: res('http/1.1 200 OK', 'Content-Length: 0'), why: 'status line' },
    { name: 'ICY 200 OK', s: res('ICY 200 OK', 'Content-Length: 0'), why: 'status line' },
    { name: 'two-digit status', s: res('HTTP/1.1 20', 'Content-Length: 0'), why: 'status line' },
    { name: 'two-digit status and reason', s: res('HTTP/1.1 20 OK', 'Content-Length: 0'), why: 'status line' },
    { name: 'four-digit status', s: res('HTTP/1.1 2000 OK', 'Content-Length: 0'), why: 'status line' },
    { name: 'no space after status', s: res('HTTP/1.1 200OK', 'Content-Length: 0'), why: 'status line' },
    { name: 'two spaces before status', s: res('HTTP/1.1  200 OK', 'Content-Length: 0'), why: 'status line' },
    { name: 'status below 100', s: res('HTTP/1.1 099 Low', 'Content-Length: 0'), why: 'status line' },
    { name: 'letters for status', s: res('HTTP/1.1 abc OK', 'Content-Length: 0'), why: 'status line' },
    // status-code = 3DIGIT (RFC 9112 §4); "2e2" is not digits even though Number() reads it as 200.
    { name: 'exponent status "2e2"', s: res('HTTP/1.1 2e2 OK', 'Content-Length: 0'), why: 'status line' },
    { name: 'exponent status "1E2"', s: res('HTTP/1.1 1E2 Continue'), why: 'status line' },
    { name: 'NUL in the reason', s: res('HTTP/1.1 200 O\x00K', 'Content-Length: 0'), why: 'status line' },
    { name: 'bare LF in the status line', s: res('HTTP/1.1 200 OK\nX: y', 'Content-Length: 0'), why: 'status line' },
    { name: 'space before colon', s: res('HTTP/1.1 200 OK', 'Content-Length : 0'), why: 'response header field' },
    { name: 'obs-fold with space', s: res('HTTP/1.1 200 OK', 'X-A: 1', ' 2', 'Content-Length: 0'), why: 'response header field' },
    { name: 'obs-fold with tab', s: res('HTTP/1.1 200 OK', 'X-A: 1', '\t2: 3', 'Content-Length: 0'), why: 'response header field' },
    { name: 'empty header name', s: res('HTTP/1.1 200 OK', ': v', 'Content-Length: 0'), why: 'response header field' },
    { name: 'no colon', s: res('HTTP/1.1 200 OK', 'X-A', 'Content-Length: 0'), why: 'response header field' },
    { name: 'bare LF in a value', s: res('HTTP/1.1 200 OK', 'X-A: a\nb', 'Content-Length: 0'), why: 'response header field' },
    { name: 'bare CR in a value', s: res('HTTP/1.1 200 OK', 'X-A: a\rb', 'Content-Length: 0'), why: 'response header field' },
    { name: 'NUL in a value', s: res('HTTP/1.1 200 OK', 'X-A: \x00', 'Content-Length: 0'), why: 'response header field' },
    { name: 'differing Content-Length', s: res('HTTP/1.1 200 OK', 'Content-Length: 5', 'Content-Length: 6'), why: 'response content-length' },
    { name: 'Content-Length "+5"', s: res('HTTP/1.1 200 OK', 'Content-Length: +5'), why: 'response content-length' },
    { name: 'Content-Length "-1"', s: res('HTTP/1.1 200 OK', 'Content-Length: -1'), why: 'response content-length' },
    { name: 'Content-Length "0x10"', s: res('HTTP/1.1 200 OK', 'Content-Length: 0x10'), why: 'response content-length' },
    { name: 'Content-Length "1e3"', s: res('HTTP/1.1 200 OK', 'Content-Length: 1e3'), why: 'response content-length' },
    { name: 'Content-Length "5, 5"', s: res('HTTP/1.1 200 OK', 'Content-Length: 5, 5'), why: 'response content-length' },
    { name: 'empty Content-Length', s: res('HTTP/1.1 200 OK', 'Content-Length:'), why: 'response content-length' },
    { name: 'equal then non-digit Content-Length', s: res('HTTP/1.1 200 OK', 'Content-Length: 5', 'Content-Length: 5x'), why: 'response content-length' },
    // OWS is SP / HTAB only (RFC 9110 §5.6.3); 0xA0 is obs-text, so the value is not 1*DIGIT.
    { name: 'Content-Length with a leading 0xA0 byte', s: res('HTTP/1.1 200 OK', 'Content-Length: \xa05'), why: 'response content-length' },
    { name: 'Content-Length with a trailing 0xA0 byte', s: res('HTTP/1.1 200 OK', 'Content-Length: 5\xa0'), why: 'response content-length' },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(parse(c.s), { unsupported: c.why }));
});

/** The client's head for `s` with `extra`, checked to end with exactly one blank line and hold no other. */
function client(s: string, extra = ''): string {
  const out = clientResponseHead(ok(s), extra);
  assert.ok(out.endsWith('\r\n\r\n'), `no terminating blank line: ${JSON.stringify(out)}`);
  assert.equal(out.indexOf('\r\n\r\n'), out.length - 4, `an empty line before the end: ${JSON.stringify(out)}`);
  return out;
}

describe('clientResponseHead', () => {
  const EXTRA = 'x-shipgate-version: v2\r\n';

  describe('status line is HTTP/1.1 with the original code and reason', () => {
    const cases: { name: string; line: string; want: string }[] = [
      { name: 'HTTP/1.1', line: 'HTTP/1.1 201 Created', want: 'HTTP/1.1 201 Created' },
      { name: 'HTTP/1.0', line: 'HTTP/1.0 404 Not Found', want: 'HTTP/1.1 404 Not Found' },
      { name: 'odd reason', line: "HTTP/1.0 418 I'm a\tteapot \xe9", want: "HTTP/1.1 418 I'm a\tteapot \xe9" },
      { name: 'no reason', line: 'HTTP/1.1 500', want: 'HTTP/1.1 500' },
      { name: 'empty reason', line: 'HTTP/1.1 500 ', want: 'HTTP/1.1 500 ' },
    ];
    for (const c of cases) test(c.name, () => assert.equal(client(res(c.line, 'Content-Length: 0'), EXTRA), `${c.want}\r\nContent-Length: 0\r\n${EXTRA}\r\n`));
  });

  describe('drops hop-by-hop fields wherever they are', () => {
    const hop = [
      'Connection: keep-alive',
      'CONNECTION: close',
      'Keep-Alive: timeout=5, max=100',
      'Proxy-Connection: keep-alive',
      'TE: trailers',
      'Upgrade: h2c',
      'X-Shipgate-Version: stale',
      'x-shipgate-version: stale',
    ];
    const kept = ['Content-Type: text/plain', 'Transfer-Encoding: chunked', 'x-b: 2'];
    for (const h of hop) {
      for (let at = 0; at <= kept.length; at++) {
        const where = at === 0 ? 'first' : at === kept.length ? 'last' : `line ${at + 1}`;
        test(`${h} (${where})`, () => {
          const lines = [...kept.slice(0, at), h, ...kept.slice(at)];
          assert.equal(client(res('HTTP/1.1 200 OK', ...lines), EXTRA), ['HTTP/1.1 200 OK', ...kept].join('\r\n') + '\r\n' + EXTRA + '\r\n');
        });
      }
    }
    test('several, adjacent and apart', () => {
      const s = res(
        'HTTP/1.0 200 OK',
        'Connection: keep-alive',
        'Keep-Alive: 5',
        'Content-Length: 3',
        'TE: x',
        'X-A: 1',
        'Upgrade: x',
        'X-Shipgate-Version: old',
      );
      assert.equal(client(s, EXTRA), 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-A: 1\r\n' + EXTRA + '\r\n');
    });
    test('every field dropped', () => {
      assert.equal(client(res('HTTP/1.1 204 No Content', 'Connection: close', 'Keep-Alive: 5'), EXTRA), 'HTTP/1.1 204 No Content\r\n' + EXTRA + '\r\n');
    });
    test('names that only resemble hop-by-hop ones stay', () => {
      const lines = ['Connections: 1', 'X-Connection: 2', 'Keep-Alive-X: 3', 'TEA: 4', 'Upgrades: 5', 'X-Shipgate-Versions: 6', 'Content-Length: 0'];
      assert.equal(client(res('HTTP/1.1 200 OK', ...lines)), ['HTTP/1.1 200 OK', ...lines].join('\r\n') + '\r\n\r\n');
    });
  });

  test('other fields keep their bytes, case and order', () => {
    const lines = [
      'content-TYPE:  text/html ; charset=x \t',
      'Set-Cookie: a=1',
      'set-cookie: b=2',
      'X-Bin: \x80\xff',
      'Trailer: X-T',
      'Transfer-Encoding: gzip, chunked',
    ];
    assert.equal(client(res('HTTP/1.1 200 OK', ...lines), EXTRA), ['HTTP/1.1 200 OK', ...lines].join('\r\n') + '\r\n' + EXTRA + '\r\n');
  });

  describe('a head with no fields', () => {
    const cases: { name: string; extra: string; want: string }[] = [
      { name: 'no extra', extra: '', want: 'HTTP/1.1 204 No Content\r\n\r\n' },
      { name: 'extra lines', extra: 'x-a: 1\r\nx-b: 2\r\n', want: 'HTTP/1.1 204 No Content\r\nx-a: 1\r\nx-b: 2\r\n\r\n' },
    ];
    for (const c of cases) test(c.name, () => assert.equal(client(res('HTTP/1.0 204 No Content'), c.extra), c.want));
  });

  // RFC 9110 §7.6.1: an intermediary MUST remove the fields named in Connection before forwarding.
  describe('drops Connection-listed fields', () => {
    const cases: { name: string; lines: string[]; want: string[] }[] = [
      { name: 'listed field after Connection', lines: ['Connection: X-Internal', 'X-Internal: secret', 'Content-Length: 0'], want: ['Content-Length: 0'] },
      {
        name: 'listed field before Connection, other case',
        lines: ['x-internal: secret', 'Content-Length: 0', 'Connection: keep-alive, X-INTERNAL'],
        want: ['Content-Length: 0'],
      },
      { name: 'listed field last', lines: ['Content-Length: 0', 'Connection: x-a', 'X-B: 2', 'X-A: 1'], want: ['Content-Length: 0', 'X-B: 2'] },
    ];
    for (const c of cases)
      test(c.name, () => assert.equal(client(res('HTTP/1.1 200 OK', ...c.lines)), ['HTTP/1.1 200 OK', ...c.want].join('\r\n') + '\r\n\r\n'));
  });

  // RFC 9112 §6.3: with both Transfer-Encoding and Content-Length, an intermediary that forwards the
  // message MUST first remove Content-Length.
  test('Transfer-Encoding with Content-Length: Content-Length is not forwarded', () => {
    const r = parse(res('HTTP/1.1 200 OK', 'Content-Length: 5', 'Transfer-Encoding: chunked'));
    assert.ok(typeof r === 'object');
    if (!('unsupported' in r)) {
      assert.equal(r.framing, 'chunked');
      assert.equal(clientResponseHead(r, ''), 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
    }
  });
});
