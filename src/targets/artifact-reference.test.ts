import { test } from 'node:test';
import assert from 'node:assert/strict';
import { artifactProblem, referenceProblem } from './artifact-reference';
import { targetSpec } from './target-spec';

test('referenceProblem: references pass, commands and paths out of a folder do not', () => {
  const cases: [string, RegExp | undefined][] = [
    ['shop-1.4.2.tar.gz', undefined],
    ['registry.example/shop@sha256:0123abcd', undefined],
    ['builds/v2+meta=x', undefined],
    ['a', undefined],
    ['a'.repeat(256), undefined],
    ['a'.repeat(257), /expected a reference/],
    ['x; touch /tmp/pwned', /expected a reference/],
    ['$(id)', /expected a reference/],
    ['a b', /expected a reference/],
    ['`id`', /expected a reference/],
    ['--require=/tmp/x.js', /must not start with "-"/],
    ['-x', /must not start with "-"/],
    ['builds/../../etc/passwd', /"\.\." path segment/],
    ['..', /expected a reference|"\.\."/],
    ['a/..', /"\.\." path segment/],
    ['a..b', undefined],
    ['/abs/path', /expected a reference/],
    ['', /expected a reference/],
    ['a\nb', /expected a reference/],
  ];
  for (const [s, re] of cases) {
    const p = referenceProblem(s);
    if (re) assert.match(p ?? '', re, JSON.stringify(s));
    else assert.equal(p, undefined, JSON.stringify(s));
  }
});

test('artifactProblem: process needs an {artifact} placeholder; static URLs must be approved endpoints', () => {
  const withPlaceholder = targetSpec.parse({ type: 'process', command: ['node', 'server.js', '{artifact}'] });
  const without = targetSpec.parse({ type: 'process', command: 'node server.js' });
  const stat = targetSpec.parse({ type: 'static', endpoints: { v1: ['http://10.0.0.1:8080'], v2: ['https://b.example/app'] } });
  const cases: [string, typeof stat, RegExp | undefined][] = [
    ['shop-1.tar.gz', withPlaceholder, undefined],
    ['x; touch /tmp/p', withPlaceholder, /expected a reference/],
    ['shop-1.tar.gz', without, /no \{artifact\} placeholder/],
    ['http://10.0.0.1:8080', stat, undefined],
    ['http://10.0.0.1:8080/', stat, undefined],
    ['http://10.0.0.1:8080, https://b.example/app', stat, undefined],
    ['http://evil.example', stat, /not one of the URLs listed in spec\.target\.endpoints/],
    ['http://10.0.0.1:8080 http://evil.example', stat, /"http:\/\/evil\.example" is not one/],
    ['file:///etc/passwd', stat, /not an http\(s\) URL/],
    ['not a url', stat, /not an http\(s\) URL/],
    [' , ', stat, /expected one or more URLs/],
  ];
  for (const [a, t, re] of cases) {
    const p = artifactProblem(a, t);
    if (re) assert.match(p ?? '', re, `${a} on ${t.type}`);
    else assert.equal(p, undefined, `${a} on ${t.type}`);
  }
});
