import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from '../testing/harness';
import { routeTable } from '../router/testing/route-table-builder';

const bin = join(REPO_ROOT, 'bin', 'shipgate.js');

/** A route table file in a fresh folder (remove `dir` afterwards). */
function routesFile(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'shipgate-cli-'));
  const file = join(dir, 'routes.json');
  writeFileSync(file, JSON.stringify(routeTable([{ version: 'stable', weight: 1, instances: ['http://127.0.0.1:9'] }])));
  return { dir, file };
}

test('a command whose output reader has gone (EPIPE) exits quietly with its own code', async () => {
  const child = spawn(process.execPath, [bin, 'help'], { stdio: ['ignore', 'pipe', 'pipe'] });
  // Closed before the process has started, so its first write meets a pipe with no reader.
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /EPIPE|Error/);
});

test('`shipgate router` goes on serving when its log pipe closes', async () => {
  const { dir, file } = routesFile();
  const adminToken = 'cli-process-admin-token-0123456789';
  const child = spawn(process.execPath, [bin, 'router', '--config', file, '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SHIPGATE_ROUTER_ADMIN_TOKEN: adminToken },
  });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      child.once('exit', (c) => reject(new Error(`router exited ${c}`)));
      createInterface({ input: child.stderr }).on('line', (l) => /router listening on/.test(l) && resolve(l));
    });
    const admin = /admin on (http:\/\/\S+)/.exec(line)![1];
    child.stdout.destroy();
    child.stderr.destroy();
    // A reload writes a log line to the closed pipe.
    child.kill('SIGHUP');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(child.exitCode, null, 'the router is still running');
    const routes = (await (await fetch(`${admin}/routes`, { headers: { authorization: `Bearer ${adminToken}` } })).json()) as { generation: number };
    assert.equal(routes.generation, 2, 'the SIGHUP reload was applied');
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('`shipgate router` on an address in use exits with a usage error instead of hanging', async () => {
  const { dir, file } = routesFile();
  const taken = net.createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
  const port = (taken.address() as net.AddressInfo).port;
  const child = spawn(process.execPath, [bin, 'router', '--config', file, '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  try {
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    assert.equal(code, 2, stderr);
    assert.match(stderr, new RegExp(`cannot listen \\(--listen 127\\.0\\.0\\.1:${port}\\): .*EADDRINUSE`));
  } finally {
    clearTimeout(timer);
    taken.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
