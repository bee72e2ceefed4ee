import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES } from '../../testing/fixtures';
import { parseAccessLog, parseClfLine, parseClfTime, parseJsonLine, replayTarget } from './access-log';

const fixture = (f: string) => readFileSync(join(FIXTURES, 'access-logs', f), 'utf8');

describe('access logs: the shared fixtures', () => {
  test('access.log (bitfield/script): 25 requests, none bad; 24 malformed referer quotes are kept', () => {
    const p = parseAccessLog(fixture('access.log'), 'access.log');
    assert.equal(p.records.length, 25);
    assert.deepEqual(p.bad, []);
    assert.deepEqual(p.formats, { combined: 25, common: 0, json: 0 });
    // Every line but 23 (the "-" referer) has the unclosed referer quote.
    assert.deepEqual(
      p.malformedTail,
      Array.from({ length: 25 }, (_, i) => i + 1).filter((l) => l !== 23),
    );
    assert.equal(p.records.filter((r) => r.status === 404).length, 1);
    assert.equal(p.records.filter((r) => r.status === 200).length, 24);
    assert.equal(p.records[24]!.line, 25, 'the last line has no newline and is still read');
    assert.equal(p.records[0]!.timeMs, Date.UTC(2019, 5, 30, 17, 6, 15));
    assert.ok(p.records.every((r) => r.method === 'GET' && r.target === '/' && r.resolutionMs === 1000));
  });
  test('logfile_access_log.0 (lnav): 3 combined lines', () => {
    const p = parseAccessLog(fixture('logfile_access_log.0'), 'a.log');
    assert.deepEqual(
      p.records.map((r) => [r.line, r.method, r.target, r.status]),
      [
        [1, 'GET', '/vmw/cgi/tramp', 200],
        [2, 'GET', '/vmw/vSphere/default/vmkboot.gz', 404],
        [3, 'GET', '/vmw/vSphere/default/vmkernel.gz', 200],
      ],
    );
    assert.deepEqual(p.bad, []);
    assert.deepEqual(p.malformedTail, []);
  });
  test('logfile_bad_access_log.0 (lnav): lines 1 and 3 read, line 2 (no ident/user fields) bad', () => {
    const p = parseAccessLog(fixture('logfile_bad_access_log.0'), 'bad.log');
    assert.deepEqual(
      p.records.map((r) => r.line),
      [1, 3],
    );
    assert.equal(p.bad.length, 1);
    assert.deepEqual({ file: p.bad[0]!.file, line: p.bad[0]!.line }, { file: 'bad.log', line: 2 });
    assert.match(p.bad[0]!.reason, /not a combined, common or JSON log line/);
  });
});

describe('access logs: formats and bad lines', () => {
  test('common format (no referer/user agent) and time zones', () => {
    const r = parseClfLine('10.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif?x=1 HTTP/1.0" 200 2326');
    assert.ok('record' in r);
    assert.equal(r.record.format, 'common');
    assert.equal(r.record.target, '/apache_pb.gif?x=1');
    assert.equal(r.record.timeMs, Date.UTC(2000, 9, 10, 20, 55, 36));
    assert.equal(parseClfTime('10/Oct/2000:13:55:36 +0530'), Date.UTC(2000, 9, 10, 8, 25, 36));
    assert.equal(parseClfTime('10/Foo/2000:13:55:36 +0000'), undefined);
  });
  const badCases: [string, RegExp][] = [
    ['1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "-" 400 0 "-" "-"', /unreadable request line "-"/],
    ['1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET /x FTP/1.0" 200 1', /unreadable protocol/],
    ['1.2.3.4 - - [10/Oct/2000:25:55:36 +0000] "GET /x HTTP/1.1" 200 1', /unreadable time/],
    ['1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET x HTTP/1.1" 200 1', /is not a path/],
    ['1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "get /x HTTP/1.1" 200 1', /unreadable method/],
    ['{"time": 1700000000, "method": "GET"}', /no path, url or uri/],
    ['{"method": "GET", "path": "/"}', /no readable time/],
    ['{"ts": "yesterday", "method": "GET", "path": "/"}', /no readable time/],
    ['{"ts": 1700000000, "method": "GET", "path": "/", "status": 999}', /not an HTTP status/],
    ['{"ts": 1700000000, "method": "GET", "path": "/"', /invalid JSON/],
    ['[1, 2]', /not a combined/],
  ];
  for (const [line, reason] of badCases)
    test(`bad: ${line.slice(0, 60)}`, () => {
      const p = parseAccessLog(`${line}\n`, 'x.log');
      assert.equal(p.records.length, 0);
      assert.equal(p.bad.length, 1);
      assert.equal(p.bad[0]!.line, 1);
      assert.match(p.bad[0]!.reason, reason);
    });
  test('JSON lines: time fields, epoch seconds and milliseconds, ISO, url/uri, latency, route, headers (host and hop-by-hop left out)', () => {
    const text = [
      '{"time":"2026-12-04T04:00:00.250Z","method":"get","path":"/a?x=1","status":200,"latency_ms":12.5,"route":"/a"}',
      '{"timestamp":1796356800,"method":"HEAD","url":"https://evil.example/b?y=2#frag","status":"404","duration":3}',
      '{"ts":1796356800123,"method":"GET","uri":"/c","headers":{"Accept":"application/json","X-N":5,"Host":"prod.example.com","Connection":"close","Content-Length":"9"}}',
      '',
      'garbage',
    ].join('\r\n');
    const p = parseAccessLog(text, 'j.log');
    assert.deepEqual(p.formats, { combined: 0, common: 0, json: 3 });
    assert.deepEqual(p.bad, [{ file: 'j.log', line: 5, reason: 'not a combined, common or JSON log line' }]);
    const [a, b, c] = p.records;
    assert.deepEqual(
      [a!.timeMs, a!.resolutionMs, a!.method, a!.target, a!.latencyMs, a!.route],
      [Date.UTC(2026, 11, 4, 4, 0, 0, 250), 1, 'GET', '/a?x=1', 12.5, '/a'],
    );
    assert.deepEqual([b!.timeMs, b!.resolutionMs, b!.target, b!.status, b!.latencyMs], [1796356800000, 1000, '/b?y=2', 404, 3]);
    assert.deepEqual([c!.timeMs, c!.resolutionMs, c!.headers], [1796356800123, 1, { accept: 'application/json' }]);
    const r = parseJsonLine('{"ts":"2026-12-04 04:00:00","method":"GET","path":"/"}');
    assert.ok('record' in r && r.record.resolutionMs === 1000);
  });
  test('replay targets: absolute URLs lose their host; odd targets are refused', () => {
    assert.deepEqual(replayTarget('http://other.example:8080/p/q?a=b'), { target: '/p/q?a=b' });
    assert.deepEqual(replayTarget('//evil.example/x'), { target: '/evil.example/x' });
    assert.deepEqual(replayTarget('/x#y'), { target: '/x' });
    assert.ok('reason' in replayTarget('*'));
    assert.ok('reason' in replayTarget('/a\u0001b'));
    assert.ok('reason' in replayTarget('/' + 'a'.repeat(9000)));
  });
  test('Apache escapes a quote inside the request line', () => {
    const r = parseClfLine('1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET /q?s=\\"x\\" HTTP/1.1" 200 1 "-" "ua"');
    assert.ok('record' in r && r.record.target === '/q?s="x"');
    const ok = parseClfLine('1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET /q HTTP/1.1" 200 1 "-" "ua \\"quoted\\"" 0.003');
    assert.ok('record' in ok && ok.record.format === 'combined' && !ok.malformedTail);
  });
});
