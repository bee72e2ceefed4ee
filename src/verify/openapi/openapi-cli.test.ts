import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main';
import type { CliIo } from '../../cli/context';

const dir = mkdtempSync(join(tmpdir(), 'shipgate-openapi-'));
for (const f of ['openapi-test1.yaml', 'openapi-test3.yaml', 'bc_request_params_base.yaml', 'bc_request_params_decreased.yaml'])
  copyFileSync(join(import.meta.dirname, 'testdata', f), join(dir, f));
writeFileSync(join(dir, 'bad.yaml'), 'openapi: 3.0.0\npaths:\n  /p:\n    get:\n      parameters:\n        - name: a\n          in: body\n');
writeFileSync(
  join(dir, 'a.json'),
  JSON.stringify({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/p': { get: { responses: { '200': { description: 'ok' } } } } } }),
);

function io(): { o: { out: string; err: string }; io: CliIo } {
  const o = { out: '', err: '' };
  return { o, io: { stdout: (s) => (o.out += s), stderr: (s) => (o.err += s), env: {}, cwd: dir, isTTY: false } };
}

async function run(...args: string[]) {
  const { o, io: cliIo } = io();
  const code = await main(['verify', 'openapi', ...args], cliIo);
  return { code, ...o };
}

describe('shipgate verify openapi', () => {
  test('errors fail (exit 1) and the table names direction, level, id and operation', async () => {
    const r = await run('openapi-test1.yaml', 'openapi-test3.yaml', '--fail-on-rollback', 'error');
    assert.equal(r.code, 1, r.err);
    assert.match(
      r.out,
      /forward +ERR +response-success-status-removed +GET \/api\/\{domain\}\/\{project\}\/badges\/security-score +removed the success response with the status `201`/,
    );
    assert.match(r.out, /rollback +ERR +api-security-added/);
    assert.match(r.out, /^FAIL \(fail on ERR, rollback ERR\): forward: 5 error, 4 warning, 7 info; rollback: 6 error, 1 warning, 6 info$/m);
  });
  test('warnings pass by default and fail with --fail-on warning', async () => {
    assert.equal((await run('bc_request_params_base.yaml', 'bc_request_params_decreased.yaml')).code, 0);
    const r = await run('bc_request_params_base.yaml', 'bc_request_params_decreased.yaml', '--fail-on', 'warning');
    assert.equal(r.code, 1);
    assert.match(r.out, /forward +WARN +request-parameter-removed/);
  });
  test('identical documents pass; JSON and YAML inputs mix', async () => {
    const r = await run('a.json', 'a.json');
    assert.equal(r.code, 0);
    assert.match(r.out, /no changes found/);
  });
  test('-o json carries every finding with direction and blocking', async () => {
    const r = await run('openapi-test1.yaml', 'openapi-test3.yaml', '-o', 'json');
    const j = JSON.parse(r.out);
    assert.equal(j.result, 'fail');
    assert.equal(j.summary.forward.ERR, 5);
    const f = j.findings.find((x: { id: string; text: string }) => x.id === 'request-body-removed' || x.text.includes('`201`'));
    assert.deepEqual(
      { direction: f.direction, level: f.level, method: f.method, blocking: f.blocking, operationId: f.operationId },
      { direction: 'forward', level: 'ERR', method: 'GET', blocking: true, operationId: 'GetSecurityScores' },
    );
    assert.equal(f.location, 'paths./api/{domain}/{project}/badges/security-score.get.responses');
  });
  test('-o junit: one suite per direction, blocking findings are failures', async () => {
    const r = await run('openapi-test1.yaml', 'openapi-test3.yaml', '-o', 'junit', '--fail-on-rollback', 'error');
    assert.match(r.out, /^<\?xml/);
    assert.match(r.out, /<testsuite name="openapi forward" tests="16" failures="5" errors="0">/);
    assert.match(r.out, /<testsuite name="openapi rollback" tests="13" failures="6" errors="0">/);
    assert.match(r.out, /<failure type="response-success-status-removed"/);
  });
  test('rollback findings are reported, and gate only when asked (--fail-on-rollback)', async () => {
    writeFileSync(
      join(dir, 'one.json'),
      JSON.stringify({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/p': { get: { responses: { '200': { description: 'ok' } } } } } }),
    );
    writeFileSync(
      join(dir, 'two.json'),
      JSON.stringify({
        openapi: '3.1.0',
        info: { title: 't', version: '1' },
        paths: { '/p': { get: { responses: { '200': { description: 'ok' } } } }, '/q': { get: { responses: { '200': { description: 'ok' } } } } },
      }),
    );
    const added = await run('one.json', 'two.json');
    assert.equal(added.code, 0, added.out);
    assert.match(added.out, /rollback +ERR +api-path-removed-without-deprecation +GET \/q/);
    assert.match(added.out, /^PASS \(fail on ERR; rollback findings reported, not gating\)/m);
    const strict = await run('one.json', 'two.json', '--fail-on-rollback', 'error');
    assert.equal(strict.code, 1);
    assert.equal((await run('one.json', 'two.json', '--fail-on-rollback', 'severe')).code, 2);
  });
  test('-o markdown has a section per direction', async () => {
    const r = await run('bc_request_params_base.yaml', 'bc_request_params_decreased.yaml', '-o', 'markdown');
    assert.match(r.out, /### forward/);
    assert.match(r.out, /\| WARN \| `request-parameter-removed` \| GET \/widgets \|/);
    assert.match(r.out, /### rollback/);
  });
  test('bad input is exit 2 naming the file, field and line', async () => {
    const r = await run('a.json', 'bad.yaml');
    assert.equal(r.code, 2);
    assert.match(r.err, /bad\.yaml/);
    assert.match(r.err, /paths\.\/p\.get\.parameters\[0\]\.in/);
    assert.match(r.err, /line 7/);
  });
  test('a missing file, an unknown level or format are exit 2', async () => {
    const missing = await run('a.json', 'nope.yaml');
    assert.equal(missing.code, 2);
    assert.match(missing.err, /cannot read nope\.yaml: ENOENT/);
    assert.equal((await run('a.json', 'a.json', '--fail-on', 'fatal')).code, 2);
    assert.equal((await run('a.json', 'a.json', '-o', 'html')).code, 2);
  });
});
