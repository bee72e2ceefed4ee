import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkedScanner } from './chunked';

const b = (s: string) => Buffer.from(s, 'latin1');

/** Scans `s` in one call. */
function whole(s: string): number {
  const buf = b(s);
  return new ChunkedScanner().scan(buf, 0, buf.length);
}

/**
 * Feeds `s` one byte at a time, each byte in its own buffer, and returns where the body ends
 * relative to the start of `s` (-1 or -2 as the scanner says). Every call before the end must
 * ask for more.
 */
function byteByByte(s: string): number {
  const sc = new ChunkedScanner();
  const buf = b(s);
  for (let k = 0; k < buf.length; k++) {
    const r = sc.scan(buf.subarray(k, k + 1), 0, 1);
    if (r === -2) return -2;
    if (r >= 0) {
      assert.equal(r, 1, `end inside a one-byte buffer must be 1, got ${r}`);
      return k + 1;
    }
  }
  return -1;
}

/** Feeds `s` in two calls over one buffer, split at `at`; returns the final answer. */
function split(s: string, at: number): number {
  const sc = new ChunkedScanner();
  const buf = b(s);
  const first = sc.scan(buf, 0, at);
  if (first !== -1) return first;
  return sc.scan(buf, at, buf.length);
}

/** Chunk data that looks like framing. */
const TRICKY = '0\r\n\r\n\n\rxyz';

const valid: { name: string; body: string }[] = [
  { name: 'last chunk only', body: '0\r\n\r\n' },
  { name: 'one chunk', body: '5\r\nhello\r\n0\r\n\r\n' },
  { name: 'several chunks', body: '5\r\nhello\r\n1\r\n \r\n6\r\nworld!\r\n0\r\n\r\n' },
  { name: 'data holding CR, LF and "0\\r\\n\\r\\n"', body: `${TRICKY.length.toString(16)}\r\n${TRICKY}\r\n0\r\n\r\n` },
  { name: 'uppercase hex', body: 'A\r\n0123456789\r\n1F\r\n' + 'x'.repeat(31) + '\r\n0\r\n\r\n' },
  { name: 'lowercase and mixed hex', body: 'a\r\n0123456789\r\n1f\r\n' + 'y'.repeat(31) + '\r\n1a\r\n' + 'z'.repeat(26) + '\r\n0\r\n\r\n' },
  { name: 'leading zeros, 15 digits', body: '000000000000005\r\nhello\r\n000\r\n\r\n' },
  { name: 'chunk extension', body: '5;name=value\r\nhello\r\n0\r\n\r\n' },
  { name: 'extensions with quoted value and on the last chunk', body: '5;a="b c";d\r\nhello\r\n0;last=1\r\n\r\n' },
  { name: 'extension after whitespace', body: '5 ;a=b\r\nhello\r\n0\t;x\r\n\r\n' },
  { name: 'one trailer', body: '5\r\nhello\r\n0\r\nExpires: never\r\n\r\n' },
  { name: 'several trailers', body: '0\r\nX-A: 1\r\nx-b:\t2 \r\nX-C: \x80\xff\r\n\r\n' },
  { name: 'extension and trailer', body: '3;e\r\nabc\r\n0;f\r\nX-T: t\r\n\r\n' },
];

describe('ChunkedScanner: valid bodies', () => {
  for (const c of valid) {
    test(`${c.name}: whole`, () => assert.equal(whole(c.body), c.body.length));
    test(`${c.name}: one byte at a time`, () => assert.equal(byteByByte(c.body), c.body.length));
    test(`${c.name}: split at every position`, () => {
      for (let at = 0; at <= c.body.length; at++) assert.equal(split(c.body, at), c.body.length, `split at ${at}`);
    });
  }
});

describe('ChunkedScanner: the end index', () => {
  const cases: { name: string; prefix: string; body: string; after: string }[] = [
    { name: 'next response follows', prefix: '', body: '5\r\nhello\r\n0\r\n\r\n', after: 'HTTP/1.1 200 OK\r\n' },
    { name: 'a byte follows', prefix: '', body: '0\r\n\r\n', after: 'x' },
    { name: 'trailers, then more', prefix: '', body: '0\r\nX: y\r\n\r\n', after: '0\r\n\r\n' },
    { name: 'scan starts at an offset', prefix: 'HTTP/1.1 200 OK\r\n\r\n', body: '2\r\nhi\r\n0\r\n\r\n', after: 'rest' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const buf = b(c.prefix + c.body + c.after);
      assert.equal(new ChunkedScanner().scan(buf, c.prefix.length, buf.length), c.prefix.length + c.body.length);
    });
  }
  test('a range that stops at the end returns the end', () => {
    const s = '0\r\n\r\nmore';
    assert.equal(new ChunkedScanner().scan(b(s), 0, 5), 5);
  });
  test('bytes after the range are not read', () => {
    const buf = b('5\r\nhello\r\n0\r\n\r\n');
    assert.equal(new ChunkedScanner().scan(buf, 0, buf.length - 1), -1);
  });
});

describe('ChunkedScanner: incomplete (-1)', () => {
  const cases: { name: string; s: string }[] = [
    { name: 'nothing', s: '' },
    { name: 'size only', s: '5' },
    { name: 'size and CR', s: '5\r' },
    { name: 'inside the data', s: '5\r\nhel' },
    { name: 'data without its CRLF', s: '5\r\nhello' },
    { name: 'inside an extension', s: '5;a=' },
    { name: 'last chunk without the blank line', s: '5\r\nhello\r\n0\r\n' },
    { name: 'last CR without LF', s: '0\r\n\r' },
    { name: 'inside a trailer', s: '0\r\nX-A: 1' },
    { name: 'after a trailer line', s: '0\r\nX-A: 1\r\n' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(whole(c.s), -1);
      assert.equal(byteByByte(c.s), -1);
    });
  }
});

describe('ChunkedScanner: invalid (-2)', () => {
  const cases: { name: string; s: string }[] = [
    { name: 'data longer than the size', s: '5\r\nhelloX\r\n0\r\n\r\n' },
    { name: 'data shorter than the size', s: '5\r\nhell\r\n0\r\n\r\n' },
    { name: 'no CRLF after data, next size follows', s: '5\r\nhello0\r\n\r\n' },
    { name: 'LF only after data', s: '5\r\nhello\n0\r\n\r\n' },
    { name: 'CR then not LF after data', s: '5\r\nhello\rX0\r\n\r\n' },
    { name: 'non-hex size', s: 'g\r\nhello\r\n0\r\n\r\n' },
    { name: 'non-hex after hex digits', s: '5x\r\nhello\r\n0\r\n\r\n' },
    { name: '0x prefix', s: '0x5\r\nhello\r\n0\r\n\r\n' },
    { name: 'sign', s: '+5\r\nhello\r\n0\r\n\r\n' },
    { name: 'empty size', s: '\r\nhello\r\n0\r\n\r\n' },
    { name: 'extension without size', s: ';a\r\nhello\r\n0\r\n\r\n' },
    { name: 'leading space', s: ' 5\r\nhello\r\n0\r\n\r\n' },
    { name: '16 hex digits', s: '0000000000000005\r\nhello\r\n0\r\n\r\n' },
    { name: '16 hex digits in the last chunk', s: '0000000000000000\r\n\r\n' },
    { name: 'bare LF after size', s: '5\nhello\r\n0\r\n\r\n' },
    { name: 'CR then not LF after size', s: '5\rhello\r\n0\r\n\r\n' },
    { name: 'bare LF in an extension', s: '5;a\nb\r\nhello\r\n0\r\n\r\n' },
    { name: 'bare CR in an extension', s: '5;a\rb\r\nhello\r\n0\r\n\r\n' },
    { name: 'NUL in an extension', s: '5;a\x00\r\nhello\r\n0\r\n\r\n' },
    { name: 'bare LF inside a trailer', s: '0\r\nX-A: a\nb\r\n\r\n' },
    { name: 'bare LF ending a trailer', s: '0\r\nX-A: 1\n\r\n' },
    { name: 'bare LF as the final line', s: '0\r\n\n' },
    { name: 'bare CR in a trailer', s: '0\r\nX-A: a\rb\r\n\r\n' },
    { name: 'CR then not LF at the end', s: '0\r\n\rX' },
    { name: 'control char in a trailer', s: '0\r\nX-A: \x01\r\n\r\n' },
    { name: 'trailer starting with a control char', s: '0\r\n\x01X: 1\r\n\r\n' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(whole(c.s), -2);
      assert.equal(byteByByte(c.s), -2);
    });
  }
});
