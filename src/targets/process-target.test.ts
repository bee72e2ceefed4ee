import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProcessTarget } from './process-target';
import { FileLedger, type LedgerEntry } from './instance-ledger';
import { readProcessIdentity } from './process-identity';
import { spawn } from 'node:child_process';
import { isTargetError } from './deploy-target';
import { processTargetSpec } from './target-spec';
import { makeRevision } from '../rollout/revision';
import { sleep } from './http-probe';

const here = fileURLToPath(new URL('.', import.meta.url));
const shop = fileURLToPath(new URL('../../examples/shop/server.js', import.meta.url));
const echo = join(here, 'testdata', 'env-echo.js');
const targets: ProcessTarget[] = [];
const dirs: string[] = [];
after(async () => {
  for (const t of targets) await t.close({ stopInstances: true });
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function target(over: Record<string, unknown> = {}, ledgerDir?: string): ProcessTarget {
  const spec = processTargetSpec.parse({
    type: 'process',
    command: ['node', shop],
    readiness: { httpGet: '/healthz', timeout: '5s' },
    gracePeriod: '1s',
    ...over,
  });
  const t = new ProcessTarget(spec, { superviseEveryMs: 50, restartBaseMs: 50, ledger: ledgerDir ? new FileLedger(ledgerDir) : undefined });
  targets.push(t);
  return t;
}
function rev(version: string, config: Record<string, string> = {}, artifact = '', n = 1) {
  return makeRevision({ service: 'shop', environment: 'test', number: n, version, artifact, config, createdAt: new Date().toISOString() });
}
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
async function until(cond: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(25);
  }
}

test('deploys N ready instances with PORT, SHIPGATE_VERSION and the config; scaling is idempotent', async () => {
  const t = target({ command: ['node', echo], readiness: { httpGet: '/', timeout: '5s' } });
  const r = rev('v7', { GREETING: 'hello' });
  const list = await t.deploy(r, 2);
  assert.equal(list.length, 2);
  assert.ok(list.every((i) => i.ready));
  for (const i of list) {
    const body = (await (await fetch(i.url)).json()) as Record<string, unknown>;
    assert.equal(body.version, 'v7');
    assert.equal(body.greeting, 'hello');
    assert.equal(body.port, new URL(i.url).port);
  }
  const again = await t.deploy(r, 2);
  assert.deepEqual(
    again.map((i) => i.pid),
    list.map((i) => i.pid),
    'same instances, none started twice',
  );
  const one = await t.deploy(r, 1);
  assert.equal(one.length, 1);
  assert.equal(one[0].pid, list[0].pid);
  await until(() => !alive(list[1].pid!), 3000);
  await t.teardown(r);
  await until(() => !alive(list[0].pid!), 3000);
  assert.deepEqual(await t.instances(r), []);
});

test('restarts a crashed instance and counts the restart', async () => {
  const t = target();
  const r = rev('v1');
  const [i] = await t.deploy(r, 1);
  process.kill(i.pid!, 'SIGKILL');
  await until(async () => {
    const [now] = await t.instances(r);
    return now !== undefined && now.pid !== i.pid && now.ready;
  }, 5000);
  const h = await t.health(r);
  assert.equal(h.restarts, 1);
  assert.equal(h.ready, 1);
  assert.equal(h.failed, false);
  const [now] = await t.instances(r);
  assert.equal(now.url, i.url, 'restarted on the same port');
  await t.teardown(r);
});

test('a crash loop past maxRestarts marks the revision failed', async () => {
  const t = target({ maxRestarts: 2 });
  const r = rev('v2', { SHOP_CRASH_AFTER_MS: '150' });
  await t.deploy(r, 1).catch(() => undefined);
  await until(async () => (await t.health(r)).failed, 8000);
  const h = await t.health(r);
  assert.equal(h.restarts, 2);
  assert.match(h.reason ?? '', /restarted 2/);
  await t.teardown(r);
});

test('a restart that cannot be recorded is reported on the revision and does not stop the process', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sg-ledger-'));
  dirs.push(dir);
  const t = target({}, dir);
  const r = rev('v1');
  const [i] = await t.deploy(r, 1);
  // The ledger's folder is replaced by a file: recording the restarted instance throws ENOTDIR.
  rmSync(dir, { recursive: true });
  writeFileSync(dir, 'not a folder');
  process.kill(i.pid!, 'SIGKILL');
  await until(async () => /restarting instance 0 failed: .*ENOTDIR/.test((await t.health(r)).reason ?? ''), 5000);
  assert.ok((await t.health(r)).restarts >= 1);
  rmSync(dir);
  await t.teardown(r);
});

test('instances that never become ready fail the deploy after the readiness timeout', async () => {
  const t = target({ readiness: { httpGet: '/healthz', timeout: '600ms' } });
  const r = rev('v2', { SHOP_FAIL_HEALTH: '1' });
  const started = Date.now();
  await assert.rejects(t.deploy(r, 1), (e) => isTargetError(e) && /not ready after 600 ms/.test((e as Error).message));
  assert.ok(Date.now() - started >= 550);
  await t.teardown(r);
});

test('graceful stop sends SIGKILL after the grace period to an instance that ignores SIGTERM', async () => {
  const t = target({ command: ['node', echo], readiness: { httpGet: '/', timeout: '5s' }, gracePeriod: '300ms' });
  const r = rev('v1', { IGNORE_TERM: '1' });
  const [i] = await t.deploy(r, 1);
  const started = Date.now();
  await t.teardown(r);
  const tookMs = Date.now() - started;
  assert.ok(tookMs >= 280, `waited the grace period (${tookMs} ms)`);
  assert.equal(alive(i.pid!), false);
});

test('a new target on the same ledger adopts running instances instead of starting duplicates', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sg-ledger-'));
  dirs.push(dir);
  const a = target({}, dir);
  const r = rev('v1');
  const first = await a.deploy(r, 2);
  await a.close(); // as if the server died: instances keep running
  const b = target({}, dir);
  const adopted = await b.instances(r);
  assert.deepEqual(
    adopted.map((i) => i.pid),
    first.map((i) => i.pid),
  );
  assert.ok(adopted.every((i) => i.ready));
  const again = await b.deploy(r, 2);
  assert.deepEqual(
    again.map((i) => i.pid),
    first.map((i) => i.pid),
  );
  // an adopted instance that dies is noticed and restarted
  process.kill(first[0].pid!, 'SIGKILL');
  await until(async () => (await b.health(r)).restarts === 1 && (await b.health(r)).ready === 2, 5000);
  await b.teardown(r);
  // Stopped; on a loaded machine the kernel may report an exited child a moment later (until reaped).
  await until(async () => first.every((i) => !alive(i.pid!)), 3000);
  for (const i of first) assert.equal(alive(i.pid!), false);
});

test('a recorded PID now held by an unrelated process is not adopted and survives teardown', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sg-ledger-'));
  dirs.push(dir);
  // As if the instance died while the server was down and the kernel gave its PID to `sleep`.
  const unrelated = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
  const pid = unrelated.pid!;
  try {
    const me = readProcessIdentity(pid)!;
    const r = rev('v1');
    const ledger = new FileLedger(dir);
    ledger.save(r.id, [
      // the instance's command, the PID's real start time: the command line differs
      { slot: 0, pid, port: 1, startedAtMs: 0, command: ['node', shop], startTime: me.startTime },
      // the PID's own command line, another start time: a process started later with that PID
      { slot: 1, pid, port: 2, startedAtMs: 0, command: me.cmdline, startTime: String(Number(me.startTime) + 1) },
      // written by an older version (no identity) or an intent never completed
      { slot: 2, pid, port: 3, startedAtMs: 0 },
      { slot: 3, pid: 0, port: 4, startedAtMs: 0, command: ['node', shop] },
    ]);
    const t = target({}, dir);
    assert.deepEqual(await t.instances(r), [], 'nothing adopted');
    assert.deepEqual(ledger.load(r.id), [], 'dropped from the ledger');
    await t.teardown(r);
    await sleep(100);
    assert.equal(alive(pid), true, 'the unrelated process was never signalled');
  } finally {
    unrelated.kill('SIGKILL');
  }
});

test('the ledger records an intent before the spawn and the pid, start time and argv after it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sg-ledger-'));
  dirs.push(dir);
  const saves: LedgerEntry[][] = [];
  const file = new FileLedger(dir);
  const ledger = {
    load: (id: string) => file.load(id),
    revisions: () => file.revisions(),
    save: (id: string, e: LedgerEntry[]) => (saves.push(e.map((x) => ({ ...x }))), file.save(id, e)),
  };
  const spec = processTargetSpec.parse({
    type: 'process',
    command: ['node', echo, '--artifact={artifact}'],
    readiness: { httpGet: '/', timeout: '5s' },
    gracePeriod: '1s',
  });
  const t = new ProcessTarget(spec, { ledger, superviseEveryMs: 50 });
  targets.push(t);
  const r = rev('v1', {}, 'shop@sha256:ab+c=d');
  const [i] = await t.deploy(r, 1);
  const intent = saves.find((e) => e.some((x) => x.pid === 0));
  assert.ok(intent, 'an intent (pid 0) was saved before the spawn');
  assert.deepEqual(intent!.find((x) => x.pid === 0)!.command, ['node', echo, '--artifact=shop@sha256:ab+c=d']);
  const [done] = file.load(r.id);
  assert.equal(done.pid, i.pid);
  assert.deepEqual(done.command, ['node', echo, '--artifact=shop@sha256:ab+c=d']);
  assert.equal(done.startTime, readProcessIdentity(i.pid!)!.startTime);
  const body = (await (await fetch(i.url)).json()) as { argv: string[] };
  assert.deepEqual(body.argv, ['--artifact=shop@sha256:ab+c=d'], 'one literal argument');
  await t.teardown(r);
});

test('instances see only the allowlisted environment and their config', async () => {
  process.env.SG_UNIT_CANARY = 'leaked';
  try {
    const t = target({ command: ['node', echo], readiness: { httpGet: '/', timeout: '5s' } });
    const r = rev('v1', { GREETING: 'hello' });
    const [i] = await t.deploy(r, 1);
    const body = (await (await fetch(i.url)).json()) as { env: Record<string, string> };
    assert.equal(body.env.SG_UNIT_CANARY, undefined);
    assert.equal(body.env.GREETING, 'hello');
    assert.deepEqual(
      Object.keys(body.env).sort(),
      ['GREETING', 'PORT', 'SHIPGATE_VERSION', ...['PATH', 'HOME', 'TZ', 'LANG'].filter((k) => process.env[k] !== undefined)].sort(),
    );
    await t.teardown(r);
  } finally {
    delete process.env.SG_UNIT_CANARY;
  }
});
