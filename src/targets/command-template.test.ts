import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandTemplate, renderCommand, tokenizeCommand, usesPlaceholder, type CommandTemplate } from './command-template';

test('tokenizeCommand: whitespace separates, quotes group and are removed, nothing is expanded', () => {
  const cases: [string, string[]][] = [
    ['node server.js', ['node', 'server.js']],
    ['  node   server.js\t--x  ', ['node', 'server.js', '--x']],
    [`node 'two words' "three more words"`, ['node', 'two words', 'three more words']],
    [`a'b c'd`, ['ab cd']],
    [`echo "it's"`, ['echo', "it's"]],
    [`echo '$HOME' "\\n"`, ['echo', '$HOME', '\\n']],
    [`echo ''`, ['echo', '']],
    ['', []],
  ];
  for (const [line, want] of cases) assert.deepEqual(tokenizeCommand(line), want, line);
  assert.throws(() => tokenizeCommand(`node 'open`), /unterminated single quote/);
});

test('parseCommandTemplate: argv templates pass; templates written for a shell are refused with the reason', () => {
  const ok: [CommandTemplate, string[]][] = [
    ['node examples/shop/server.js', ['node', 'examples/shop/server.js']],
    ['node server.js --artifact={artifact} --v {version}', ['node', 'server.js', '--artifact={artifact}', '--v', '{version}']],
    [
      ['node', 'server.js', '{artifact}'],
      ['node', 'server.js', '{artifact}'],
    ],
    [
      ['node', '-e', 'a|b; c && d'],
      ['node', '-e', 'a|b; c && d'],
    ],
    [`node -e 'console.log(1); process.exit(0)'`, ['node', '-e', 'console.log(1); process.exit(0)']],
    [['./releases/{artifact}/bin/server'], ['./releases/{artifact}/bin/server']],
    [`node '$PORT'`, ['node', '$PORT']],
  ];
  for (const [t, argv] of ok) assert.deepEqual(parseCommandTemplate(t), { argv }, JSON.stringify(t));
  const refused: [CommandTemplate, RegExp][] = [
    ['node server.js | tee log', /"\|" is shell syntax.*argv array.*wrapper script/],
    ['node a.js; rm -rf /', /holds shell syntax \(;\)/],
    ['node a.js && node b.js', /"&&" is shell syntax/],
    ['node a.js > out.log', /">" is shell syntax/],
    ['node a.js 2>&1', /"2>&1" is shell syntax/],
    ['node a.js >out.log', /holds shell syntax \(>\)/],
    ['node a.js &', /"&" is shell syntax/],
    ['node $(cat file)', /expand \$/],
    ['node `cat file`', /shell syntax \(`\)|expand/],
    ['node --port $PORT', /expand \$/],
    ['node "${HOME}/x"', /expand \$/],
    ['~/bin/server', /expand ~/],
    [['node', '|', 'tee'], /"\|" is shell syntax/],
    [['node', '$(id)'], /expand \$/],
    [['node', '`id`'], /expand/],
    ['node {artefact}', /unknown placeholder \{artefact\}/],
    ['{artifact} --serve', /must not start with a placeholder/],
    [['{artifact}'], /must not start with a placeholder/],
    ['   ', /empty/],
    [[''], /empty/],
    [`node 'x`, /unterminated single quote/],
  ];
  for (const [t, re] of refused) {
    const r = parseCommandTemplate(t);
    assert.ok('error' in r, `refused: ${JSON.stringify(t)}`);
    assert.match(r.error, re, JSON.stringify(t));
  }
});

test('renderCommand substitutes inside one argument and never re-splits', () => {
  const argv = ['node', 'server.js', '--artifact={artifact}', '{version}', '{other}'];
  assert.deepEqual(renderCommand(argv, { version: 'v1', artifact: 'a b; rm -rf /' }), ['node', 'server.js', '--artifact=a b; rm -rf /', 'v1', '{other}']);
  assert.equal(usesPlaceholder(argv, 'artifact'), true);
  assert.equal(usesPlaceholder(['node', 'x'], 'artifact'), false);
});
