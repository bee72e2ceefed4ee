import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { field, parseRequestHead, upstreamRequestHead, type RequestHead } from './request-head';

const MAX = 8192;

function parse(s: string, max = MAX) {
  return parseRequestHead(Buffer.from(s, 'latin1'), max);
}

function ok(s: string, max = MAX): RequestHead {
  const r = parse(s, max);
  assert.ok(typeof r === 'object' && !('unsupported' in r), `expected a parsed head, got ${JSON.stringify(r)}`);
  return r;
}

/** A request head from its lines (request line first), terminated by the blank line. */
function req(...lines: string[]): string {
  return lines.join('\r\n') + '\r\n\r\n';
}

describe('parseRequestHead: accepted', () => {
  test('plain GET with Host', () => {
    const head = 'GET /a/b?c=1&d HTTP/1.1\r\nHost:  example.com \t\r\nX-Dup: one\r\nx-dup: two\r\nAccept: */*';
    const r = ok(head + '\r\n\r\nNEXT');
    assert.equal(r.method, 'GET');
    assert.equal(r.target, '/a/b?c=1&d');
    assert.equal(r.head, head);
    assert.equal(r.headEnd, head.length + 4);
    assert.equal(r.contentLength, 0);
    assert.equal(r.close, false);
    assert.equal(r.connectionListed, undefined);
  });

  describe('field lookup', () => {
    const r = ok(req('GET / HTTP/1.1', 'hOsT:  example.com \t', 'X-Dup: one', 'x-dup: two', 'X-Empty:', 'Accept:*/*'));
    const cases: { name: string; want: string | undefined }[] = [
      { name: 'host', want: 'example.com' },
      { name: 'x-dup', want: 'one' },
      { name: 'x-empty', want: '' },
      { name: 'accept', want: '*/*' },
      { name: 'x-missing', want: undefined },
      { name: 'x-du', want: undefined },
    ];
    for (const c of cases) test(`${c.name} → ${JSON.stringify(c.want)}`, () => assert.equal(field(r, c.name), c.want));
  });

  const lengths: { name: string; head: string; want: number }[] = [
    { name: 'Content-Length: 12', head: req('POST /up HTTP/1.1', 'Host: a', 'Content-Length: 12'), want: 12 },
    { name: 'content-length with OWS', head: req('POST /up HTTP/1.1', 'Host: a', 'content-length: \t7 '), want: 7 },
    { name: 'Content-Length: 0', head: req('POST /up HTTP/1.1', 'Host: a', 'Content-Length: 0'), want: 0 },
    { name: 'leading zeros', head: req('PUT /up HTTP/1.1', 'Host: a', 'Content-Length: 0042'), want: 42 },
    { name: '15 digits', head: req('PUT /up HTTP/1.1', 'Host: a', 'Content-Length: 100000000000000'), want: 1e14 },
  ];
  for (const c of lengths) test(`contentLength: ${c.name}`, () => assert.equal(ok(c.head).contentLength, c.want));

  test('headEnd is just after CRLFCRLF when the body follows', () => {
    const head = req('POST / HTTP/1.1', 'Host: a', 'Content-Length: 3');
    const r = ok(head + 'abc');
    assert.equal(r.headEnd, head.length);
    assert.equal(r.contentLength, 3);
  });

  test('obs-text in a value is accepted', () => {
    assert.equal(field(ok(req('GET / HTTP/1.1', 'Host: a', 'X-T: caf\xe9\xff')), 'x-t'), 'caf\xe9\xff');
  });
});

describe('parseRequestHead: Connection', () => {
  const cases: { name: string; lines: string[]; close: boolean; listed: string[] | undefined }[] = [
    { name: 'close', lines: ['Connection: close'], close: true, listed: undefined },
    { name: 'CLOSE in any case', lines: ['connection: CLOSE'], close: true, listed: undefined },
    { name: 'keep-alive', lines: ['Connection: keep-alive'], close: false, listed: undefined },
    { name: 'keep-alive, X-Foo', lines: ['Connection: keep-alive, X-Foo'], close: false, listed: ['x-foo'] },
    { name: 'two Connection fields', lines: ['Connection: X-A', 'Connection: close , X-B'], close: true, listed: ['x-a', 'x-b'] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const r = ok(req('GET / HTTP/1.1', 'Host: a', ...c.lines));
      assert.equal(r.close, c.close);
      assert.deepEqual(r.connectionListed, c.listed);
    });
  }
});

describe('parseRequestHead: incomplete', () => {
  const cases: { name: string; s: string }[] = [
    { name: 'empty', s: '' },
    { name: 'request line only', s: 'GET / HTTP/1.1' },
    { name: 'no blank line', s: 'GET / HTTP/1.1\r\nHost: a\r\n' },
    { name: 'last LF missing', s: 'GET / HTTP/1.1\r\nHost: a\r\n\r' },
  ];
  for (const c of cases) test(c.name, () => assert.equal(parse(c.s), 'incomplete'));
});

describe('parseRequestHead: unsupported', () => {
  const H = 'Host: a';
  const cases: { name: string; s: string; why: string }[] = [
    { name: 'HTTP/1.0', s: req('GET / HTTP/1.0', H), why: 'not HTTP/1.1' },
    { name: 'HTTP/2.0', s: req('GET / HTTP/2.0', H), why: 'not HTTP/1.1' },
    { name: 'lower-case version', s: req('GET / http/1.1', H), why: 'not HTTP/1.1' },
    { name: 'trailing space after version', s: req('GET / HTTP/1.1 ', H), why: 'not HTTP/1.1' },
    { name: 'two spaces after method', s: req('GET  / HTTP/1.1', H), why: 'not HTTP/1.1' },
    { name: 'leading CRLF', s: '\r\n' + req('GET / HTTP/1.1', H), why: 'request line' },
    { name: 'leading space', s: req(' GET / HTTP/1.1', H), why: 'request line' },
    { name: 'method only', s: req('GET', H), why: 'request line' },
    { name: 'no version (space found on a later line)', s: req('GET /', 'Host: a b'), why: 'request line' },
    { name: 'non-token method', s: req('G@T / HTTP/1.1', H), why: 'request line' },
    { name: 'absolute-form target', s: req('GET http://a/ HTTP/1.1', H), why: 'target not in origin form' },
    { name: 'asterisk-form target', s: req('OPTIONS * HTTP/1.1', H), why: 'target not in origin form' },
    { name: 'CONNECT', s: req('CONNECT a:443 HTTP/1.1', 'Host: a:443'), why: 'CONNECT' },
    { name: 'non-ASCII in target', s: req('GET /caf\xe9 HTTP/1.1', H), why: 'request target characters' },
    { name: 'DEL in target', s: req('GET /a\x7f HTTP/1.1', H), why: 'request target characters' },
    { name: 'tab in target', s: req('GET /a\tb HTTP/1.1', H), why: 'request target characters' },
    // The space splits the line into four parts, so the version check is what fails.
    { name: 'space in target', s: req('GET /a b HTTP/1.1', H), why: 'not HTTP/1.1' },
    { name: 'space before colon', s: req('GET / HTTP/1.1', H, 'X-Foo : b'), why: 'header field' },
    { name: 'space before colon in Host', s: req('GET / HTTP/1.1', 'Host : a'), why: 'header field' },
    { name: 'obs-fold with space', s: req('GET / HTTP/1.1', H, 'X-Foo: a', ' b'), why: 'header field' },
    { name: 'obs-fold with tab', s: req('GET / HTTP/1.1', H, 'X-Foo: a', '\tb: c'), why: 'header field' },
    { name: 'empty header name', s: req('GET / HTTP/1.1', H, ': a'), why: 'header field' },
    { name: 'no colon', s: req('GET / HTTP/1.1', H, 'X-Foo'), why: 'header field' },
    { name: 'bare LF in a value', s: req('GET / HTTP/1.1', H, 'X-Foo: a\nb'), why: 'header field' },
    { name: 'bare LF ending a line', s: req('GET / HTTP/1.1', 'X-Foo: a\nHost: b'), why: 'header field' },
    { name: 'bare CR in a value', s: req('GET / HTTP/1.1', H, 'X-Foo: a\rb'), why: 'header field' },
    { name: 'NUL in a value', s: req('GET / HTTP/1.1', H, 'X-Foo: a\x00b'), why: 'header field' },
    { name: 'DEL in a value', s: req('GET / HTTP/1.1', H, 'X-Foo: a\x7f'), why: 'header field' },
    { name: 'ESC in a value', s: req('GET / HTTP/1.1', H, 'X-Foo: \x1b[0m'), why: 'header field' },
    { name: 'missing Host', s: req('GET / HTTP/1.1', 'X-Foo: a'), why: 'host' },
    { name: 'no fields at all', s: req('GET / HTTP/1.1'), why: 'host' },
    { name: 'two Host fields', s: req('GET / HTTP/1.1', 'Host: a', 'host: a'), why: 'host' },
    { name: 'Transfer-Encoding', s: req('POST / HTTP/1.1', H, 'Transfer-Encoding: chunked'), why: 'transfer-encoding' },
    { name: 'transfer-encoding lower case', s: req('POST / HTTP/1.1', H, 'transfer-encoding: chunked'), why: 'transfer-encoding' },
    { name: 'TRANSFER-ENCODING identity', s: req('POST / HTTP/1.1', H, 'TRANSFER-ENCODING: identity'), why: 'transfer-encoding' },
    {
      name: 'Transfer-Encoding with Content-Length',
      s: req('POST / HTTP/1.1', H, 'Content-Length: 5', 'Transfer-Encoding: chunked'),
      why: 'transfer-encoding',
    },
    { name: 'two equal Content-Length', s: req('POST / HTTP/1.1', H, 'Content-Length: 5', 'Content-Length: 5'), why: 'content-length' },
    { name: 'two different Content-Length', s: req('POST / HTTP/1.1', H, 'Content-Length: 5', 'content-length: 6'), why: 'content-length' },
    { name: 'Content-Length "+5"', s: req('POST / HTTP/1.1', H, 'Content-Length: +5'), why: 'content-length' },
    { name: 'Content-Length "5, 5"', s: req('POST / HTTP/1.1', H, 'Content-Length: 5, 5'), why: 'content-length' },
    { name: 'Content-Length "-1"', s: req('POST / HTTP/1.1', H, 'Content-Length: -1'), why: 'content-length' },
    { name: 'Content-Length "0x10"', s: req('POST / HTTP/1.1', H, 'Content-Length: 0x10'), why: 'content-length' },
    { name: 'Content-Length "1 2"', s: req('POST / HTTP/1.1', H, 'Content-Length: 1 2'), why: 'content-length' },
    { name: 'Content-Length "1e3"', s: req('POST / HTTP/1.1', H, 'Content-Length: 1e3'), why: 'content-length' },
    { name: 'empty Content-Length', s: req('POST / HTTP/1.1', H, 'Content-Length:'), why: 'content-length' },
    { name: 'Content-Length of 16 digits', s: req('POST / HTTP/1.1', H, 'Content-Length: 1000000000000000'), why: 'content-length' },
    { name: 'Upgrade', s: req('GET / HTTP/1.1', H, 'Upgrade: websocket'), why: 'upgrade' },
    { name: 'Connection: upgrade', s: req('GET / HTTP/1.1', H, 'Connection: Upgrade'), why: 'upgrade' },
    { name: 'Connection: keep-alive, upgrade', s: req('GET / HTTP/1.1', H, 'Connection: keep-alive, upgrade'), why: 'upgrade' },
    { name: 'Expect', s: req('POST / HTTP/1.1', H, 'Content-Length: 1', 'Expect: 100-continue'), why: 'expect' },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(parse(c.s), { unsupported: c.why }));
});

describe('parseRequestHead: maxHeaderSize', () => {
  const head = req('GET / HTTP/1.1', 'Host: a', 'X-Pad: ' + 'p'.repeat(100));
  const partial = head.slice(0, -2);
  const cases: { name: string; s: string; max: number; want: 'ok' | 'incomplete' | 'too large' }[] = [
    { name: 'complete head of exactly the limit', s: head, max: head.length, want: 'ok' },
    { name: 'complete head one byte over', s: head, max: head.length - 1, want: 'too large' },
    { name: 'complete head far over', s: head, max: 20, want: 'too large' },
    { name: 'incomplete head within the limit', s: partial, max: partial.length, want: 'incomplete' },
    { name: 'incomplete head over the limit', s: partial, max: partial.length - 1, want: 'too large' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const r = parse(c.s, c.max);
      if (c.want === 'ok') assert.equal(ok(c.s, c.max).headEnd, head.length);
      else if (c.want === 'incomplete') assert.equal(r, 'incomplete');
      else assert.deepEqual(r, { unsupported: 'head too large' });
    });
  }
});

/** The head sent upstream for `s`, checked to end with exactly one blank line and hold no other. */
function upstream(s: string, ip = '10.0.0.1', extra?: string): string {
  const out = upstreamRequestHead(ok(s), ip, extra);
  assert.ok(out.endsWith('\r\n\r\n'), `no terminating blank line: ${JSON.stringify(out)}`);
  assert.equal(out.indexOf('\r\n\r\n'), out.length - 4, `an empty line before the end: ${JSON.stringify(out)}`);
  return out;
}

describe('upstreamRequestHead', () => {
  const FWD = 'x-forwarded-for: 10.0.0.1\r\nx-forwarded-proto: http\r\nx-forwarded-host: a\r\n\r\n';

  test('keeps the request as it came and adds forwarding fields', () => {
    const s = req('GET /p?q HTTP/1.1', 'hOST: Example.com', 'X-Custom:  Va lue \t', 'accept: */*');
    assert.equal(
      upstream(s),
      'GET /p?q HTTP/1.1\r\nhOST: Example.com\r\nX-Custom:  Va lue \t\r\naccept: */*\r\n' +
        'x-forwarded-for: 10.0.0.1\r\nx-forwarded-proto: http\r\nx-forwarded-host: Example.com\r\n\r\n',
    );
  });

  describe('drops hop-by-hop fields wherever they are', () => {
    const hop = [
      'Connection: keep-alive',
      'connection: close',
      'Keep-Alive: timeout=5',
      'Proxy-Connection: keep-alive',
      'TE: trailers',
      'te: trailers',
      'Trailer: X-T',
      'TRAILER: X-T',
    ];
    const kept = ['Host: a', 'X-A: 1', 'x-b: 2'];
    for (const h of hop) {
      for (let at = 0; at <= kept.length; at++) {
        const where = at === 0 ? 'first' : at === kept.length ? 'last' : `line ${at + 1}`;
        test(`${h} (${where})`, () => {
          const lines = [...kept.slice(0, at), h, ...kept.slice(at)];
          assert.equal(upstream(req('GET / HTTP/1.1', ...lines)), ['GET / HTTP/1.1', ...kept].join('\r\n') + '\r\n' + FWD);
        });
      }
    }
    test('several, adjacent and apart', () => {
      const s = req('GET / HTTP/1.1', 'TE: trailers', 'Keep-Alive: 5', 'Host: a', 'Trailer: X', 'X-A: 1', 'Proxy-Connection: x', 'Connection: close');
      assert.equal(upstream(s), 'GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n' + FWD);
    });
  });

  describe('drops Connection-listed fields wherever they are', () => {
    const kept = ['Host: a', 'X-A: 1'];
    for (let at = 0; at <= kept.length; at++) {
      test(`listed field at line ${at + 1}`, () => {
        const lines = [...kept.slice(0, at), 'x-secret: s', ...kept.slice(at)];
        const s = req('GET / HTTP/1.1', ...lines, 'Connection: X-Secret, keep-alive');
        assert.equal(upstream(s), ['GET / HTTP/1.1', ...kept].join('\r\n') + '\r\n' + FWD);
      });
    }
    test('every occurrence of several listed fields, any case', () => {
      const s = req('GET / HTTP/1.1', 'X-One: 1', 'Connection: x-one', 'Host: a', 'X-ONE: 2', 'X-Keep: k', 'Connection: X-Two', 'x-two: t');
      assert.equal(upstream(s), 'GET / HTTP/1.1\r\nHost: a\r\nX-Keep: k\r\n' + FWD);
    });
    test('a field whose name only starts like a listed one stays', () => {
      const s = req('GET / HTTP/1.1', 'Host: a', 'Connection: x-a', 'X-A: 1', 'X-AB: 2');
      assert.equal(upstream(s), 'GET / HTTP/1.1\r\nHost: a\r\nX-AB: 2\r\n' + FWD);
    });
  });

  test('obs-text bytes round-trip through latin1', () => {
    const value = Buffer.from(Array.from({ length: 128 }, (_, k) => 0x80 + k));
    const before = Buffer.from('GET / HTTP/1.1\r\nHost: a\r\nX-Bin: ', 'latin1');
    const input = Buffer.concat([before, value, Buffer.from('\r\nConnection: close\r\n\r\n', 'latin1')]);
    const r = parseRequestHead(input, MAX);
    assert.ok(typeof r === 'object' && !('unsupported' in r));
    const out = Buffer.from(upstreamRequestHead(r, '10.0.0.1'), 'latin1');
    assert.deepEqual(out, Buffer.concat([before, value, Buffer.from('\r\n' + FWD, 'latin1')]));
  });

  describe('X-Forwarded-For', () => {
    const cases: { name: string; lines: string[]; want: string }[] = [
      { name: 'set to the client address', lines: ['Host: a'], want: 'GET / HTTP/1.1\r\nHost: a\r\n' + FWD },
      {
        name: "appended to the client's",
        lines: ['X-Forwarded-For: 1.1.1.1', 'Host: a'],
        want: 'GET / HTTP/1.1\r\nHost: a\r\nx-forwarded-for: 1.1.1.1, 10.0.0.1\r\nx-forwarded-proto: http\r\nx-forwarded-host: a\r\n\r\n',
      },
      {
        name: 'two client fields joined',
        lines: ['X-Forwarded-For: 1.1.1.1', 'Host: a', 'x-forwarded-for:  2.2.2.2, 3.3.3.3 '],
        want: 'GET / HTTP/1.1\r\nHost: a\r\nx-forwarded-for: 1.1.1.1, 2.2.2.2, 3.3.3.3, 10.0.0.1\r\nx-forwarded-proto: http\r\nx-forwarded-host: a\r\n\r\n',
      },
      { name: 'empty client field ignored', lines: ['Host: a', 'X-Forwarded-For:'], want: 'GET / HTTP/1.1\r\nHost: a\r\n' + FWD },
    ];
    for (const c of cases) test(c.name, () => assert.equal(upstream(req('GET / HTTP/1.1', ...c.lines)), c.want));
  });

  describe('X-Forwarded-Proto and X-Forwarded-Host only when absent', () => {
    const cases: { name: string; lines: string[]; want: string }[] = [
      {
        name: 'client X-Forwarded-Proto kept, none added',
        lines: ['Host: a', 'X-Forwarded-Proto: https'],
        want: 'GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-Proto: https\r\nx-forwarded-for: 10.0.0.1\r\nx-forwarded-host: a\r\n\r\n',
      },
      {
        name: 'client X-Forwarded-Host kept, none added',
        lines: ['x-forwarded-host: outer.example', 'Host: a'],
        want: 'GET / HTTP/1.1\r\nx-forwarded-host: outer.example\r\nHost: a\r\nx-forwarded-for: 10.0.0.1\r\nx-forwarded-proto: http\r\n\r\n',
      },
      {
        name: 'both present',
        lines: ['Host: a', 'X-FORWARDED-PROTO: https', 'X-Forwarded-Host: o'],
        want: 'GET / HTTP/1.1\r\nHost: a\r\nX-FORWARDED-PROTO: https\r\nX-Forwarded-Host: o\r\nx-forwarded-for: 10.0.0.1\r\n\r\n',
      },
    ];
    for (const c of cases) test(c.name, () => assert.equal(upstream(req('GET / HTTP/1.1', ...c.lines)), c.want));
  });

  test('extra lines go last, before the blank line', () => {
    const s = req('GET / HTTP/1.1', 'Host: a', 'Connection: close');
    assert.equal(
      upstream(s, '10.0.0.1', 'x-shipgate-mirror: 1\r\nx-b: 2\r\n'),
      'GET / HTTP/1.1\r\nHost: a\r\nx-forwarded-for: 10.0.0.1\r\nx-forwarded-proto: http\r\nx-forwarded-host: a\r\nx-shipgate-mirror: 1\r\nx-b: 2\r\n\r\n',
    );
  });

  test('the client address is used as given', () => {
    assert.equal(
      upstream(req('GET / HTTP/1.1', 'Host: a'), '::1'),
      'GET / HTTP/1.1\r\nHost: a\r\nx-forwarded-for: ::1\r\nx-forwarded-proto: http\r\nx-forwarded-host: a\r\n\r\n',
    );
  });
});
