import { test } from 'node:test';
import assert from 'node:assert/strict';
import { junitXml, xmlText } from './junit';

test('JUnit counts failures and errors per suite and in all, and escapes what XML cannot carry raw', () => {
  const xml = junitXml('shipgate verify', [
    {
      name: 'a <suite>',
      cases: [
        { classname: 'c', name: 'ok' },
        { classname: 'c', name: 'bad', failure: { message: 'x "y" & z', body: 'body <b>' } },
      ],
    },
    { name: 'b', cases: [{ classname: 'c', name: 'broken', error: { message: 'no connection' } }] },
  ]);
  assert.match(xml, /<testsuites name="shipgate verify" tests="3" failures="1" errors="1">/);
  assert.match(xml, /<testsuite name="a &lt;suite&gt;" tests="2" failures="1" errors="0">/);
  assert.match(xml, /<failure message="x &quot;y&quot; &amp; z">body &lt;b&gt;<\/failure>/);
  assert.match(xml, /<testcase classname="c" name="broken"><error message="no connection"\/><\/testcase>/);
  assert.equal(xmlText('a\u0000b\u0007c'), 'abc');
});

test('a skipped case is counted on its suite and carries its reason', () => {
  const xml = junitXml('shipgate verify scan', [
    {
      name: 'scan',
      cases: [
        { classname: 's', name: 'ignored', skipped: { message: 'ignored: accepted until 2099\u0007' } },
        { classname: 's', name: 'ok' },
      ],
    },
  ]);
  assert.match(xml, /<testsuite name="scan" tests="2" failures="0" errors="0" skipped="1">/);
  assert.match(xml, /<testcase classname="s" name="ignored"><skipped message="ignored: accepted until 2099"\/><\/testcase>/);
});
