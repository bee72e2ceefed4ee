/**
 * The README's test command on a machine without a package a selected test needs: it stops at
 * once (exit 2) naming the package and the command that installs it, before any test runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
/** A PATH holding node and nothing else: no apt-get, no pg_ctlcluster, no browser. */
const BARE_PATH = mkdtempSync(join(tmpdir(), 'shipgate-bare-path-'));
symlinkSync(process.execPath, join(BARE_PATH, 'node'));

test('a missing system package stops the test command at once, naming the package and how to install it', () => {
  // No apt-get on this PATH, and no browser where the console test looks.
  const r = spawnSync(process.execPath, ['scripts/test.mjs', 'src/web/dashboard'], {
    cwd: ROOT,
    env: { PATH: BARE_PATH, CHROMIUM_PATH: '/nonexistent/chromium', HOME: process.env.HOME },
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /missing system package chromium/);
  assert.match(r.stderr, /apt-get install -y chromium/);
  assert.doesNotMatch(r.stdout, /ℹ tests/, 'no test may run');
});

test('tests that need no system package are not held back by one that is missing', () => {
  const r = spawnSync(process.execPath, ['scripts/test.mjs', 'src/core/manifest.test'], {
    cwd: ROOT,
    env: { PATH: BARE_PATH, CHROMIUM_PATH: '/nonexistent/chromium', HOME: process.env.HOME, SHIPGATE_TEST_PG_URL: 'postgres://postgres@127.0.0.1:1/postgres' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stderr, /PostgreSQL is not reachable at 127\.0\.0\.1:1/);
  assert.match(r.stdout, /ℹ fail 0/);
});
