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
