import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, statSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, runCliProcess } from '../testing/harness';

/** The real binary: `shipgate server` in one process, the CLI in others. */
test('shipgate server starts, writes the admin token 0600, and the CLI uses it', async () => {
  const data = mkdtempSync(join(tmpdir(), 'shipgate-proc-'));
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'shipgate.js'), 'server', '--listen', '127.0.0.1:0', '--data', data], {
    env: { ...process.env, SHIPGATE_LOG_LEVEL: 'warn', DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let err = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start: ${err}`)), 60_000);
      child.stderr.on('data', (d) => {
        err += d;
        const m = /listening on (http:\/\/\S+)/.exec(err);
        if (m && /admin token written/.test(err)) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    const tokenFile = join(data, 'admin.token');
    assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
    const token = readFileSync(tokenFile, 'utf8').trim();
    assert.ok(!err.includes(token), 'the token must never be logged');
    const r = await runCliProcess(['get', 'services', '-o', 'json'], { SHIPGATE_SERVER: url, SHIPGATE_DATA: data, SHIPGATE_TOKEN: '' });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), []);
    const noToken = await runCliProcess(['get', 'services'], { SHIPGATE_SERVER: url, SHIPGATE_DATA: join(data, 'nowhere'), SHIPGATE_TOKEN: '' });
    assert.equal(noToken.code, 2);
    assert.match(noToken.stderr, /bearer token/);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('close', r));
    rmSync(data, { recursive: true, force: true });
  }
});

test('exit code 3 when the server is unreachable, 2 for usage errors, help lists exit codes', async () => {
  const r = await runCliProcess(['get', 'services'], { SHIPGATE_SERVER: 'http://127.0.0.1:9', SHIPGATE_TOKEN: 'x' });
  assert.equal(r.code, 3);
  assert.match(r.stderr, /cannot reach the Shipgate server at http:\/\/127\.0\.0\.1:9/);
  const u = await runCliProcess(['apply']);
  assert.equal(u.code, 2);
  const h = await runCliProcess(['help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /Exit codes/);
  assert.match(h.stdout, /4 {2}undecided/);
});
