/**
 * (3) The server running an experiment is killed (SIGKILL) while its fault is in force: no
 * rollback ran, the fault stays in the stored RouteTable. A new server on the same data serves
 * the stored table from its in-process router: the fault applies until its expiry and not after
 * it (with the table unchanged, so the expiry is what removed it), and once the dead run's
 * heartbeat is stale the new server rolls the run back (interrupted) and removes the fault.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { main } from '../../cli/main';
import { SHIPGATE_API_VERSION } from '../../core/kinds';
import type { RouteTableSpec } from '../../router/route-table';
import { startServer, type RunningServer } from '../../server';
import { freePort } from '../../targets/http-probe';
import { REPO_ROOT } from '../../testing/harness';
import { STALE_RUN_MS } from './experiment-runner';
import { startShop, type ShopProcess } from './testing/shop-process';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dir = mkdtempSync(join(tmpdir(), 'sg-chaos-kill-'));
let child: ChildProcess | undefined;
let second: RunningServer | undefined;
let shop: ShopProcess | undefined;

after(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await second?.close();
  await shop?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function waitHealthy(url: string): Promise<void> {
  // Starting a server compiles the TypeScript sources: slow on a busy machine.
  for (let i = 0; i < 1200; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      /* not up yet */
    }
    await sleep(50);
  }
  throw new Error(`${url} did not start`);
}

/** One request to the canary through a router: its status and whether the router injected it. */
async function canary(routerUrl: string): Promise<{ status: number; fault: boolean }> {
  const res = await fetch(`${routerUrl}/products`, { headers: { 'x-shipgate-version': 'canary' } });
  await res.arrayBuffer();
  return { status: res.status, fault: res.headers.get('x-shipgate-fault') === 'abort' };
}

test('(3) the server is killed mid-experiment: after the expiry the router serves without the fault; the dead run is rolled back', async () => {
  shop = await startShop('v1');
  const port = await freePort();
  const routerPort = await freePort();
  const url = `http://127.0.0.1:${port}`;
  child = spawn(
    process.execPath,
    [
      join(REPO_ROOT, 'bin', 'shipgate.js'),
      'server',
      '--listen',
      `127.0.0.1:${port}`,
      '--data',
      dir,
      '--router',
      `127.0.0.1:${routerPort}`,
      '--allow-loopback-egress',
    ],
    { cwd: REPO_ROOT, env: { ...process.env, SHIPGATE_LOG_LEVEL: 'silent' }, stdio: 'ignore' },
  );
  await waitHealthy(url);
  const token = readFileSync(join(dir, 'admin.token'), 'utf8').trim();
  const file = join(dir, 'chaos.yaml');
  writeFileSync(
    file,
    [
      { apiVersion: SHIPGATE_API_VERSION, kind: 'Service', metadata: { name: 'shop' }, spec: { owner: 'team-shop' } },
      { apiVersion: SHIPGATE_API_VERSION, kind: 'Environment', metadata: { name: 'staging' }, spec: { kind: 'staging' } },
      {
        apiVersion: SHIPGATE_API_VERSION,
        kind: 'RouteTable',
        metadata: { name: 'shop-routes' },
        spec: {
          routes: [
            {
              name: 'shop',
              backends: [
                { version: 'stable', weight: 50, instances: [shop.url] },
                { version: 'canary', weight: 50, instances: [shop.url] },
              ],
            },
          ],
        },
      },
      {
        apiVersion: SHIPGATE_API_VERSION,
        kind: 'Experiment',
        metadata: { name: 'outage' },
        spec: {
          service: 'shop',
          // A hypothesis that tolerates the outage: the run keeps its fault until the server dies.
          hypothesis: { probes: [{ name: 'any', canary: { route: 'shop', version: 'canary', baseline: 'stable', maxErrorRateOverBaseline: 1 } }] },
          method: [{ name: 'canary-down', fault: { route: 'shop', version: 'canary', abort: { percent: 100, status: 503 } } }],
          probeInterval: '500ms',
          duration: '4s',
        },
      },
    ]
      .map((d) => stringify(d))
      .join('---\n'),
  );
  let stderr = '';
  const applied = await main(['apply', '-f', file], {
    stdout: () => {},
    stderr: (s) => void (stderr += s),
    env: { SHIPGATE_SERVER: url, SHIPGATE_TOKEN: token },
    cwd: REPO_ROOT,
    isTTY: false,
  });
  assert.equal(applied, 0, stderr);
  const routerUrl = `http://127.0.0.1:${routerPort}`;
  const started = await fetch(`${url}/api/v1/experiments/outage/runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{}',
  });
  assert.equal(started.status, 201, await started.clone().text());
  const runId = ((await started.json()) as { id: string }).id;
  for (let i = 0; !(await canary(routerUrl)).fault; i++) {
    if (i > 200) assert.fail('the fault never reached the router');
    await sleep(25);
  }

  child.kill('SIGKILL');
  await new Promise((r) => child!.once('exit', r));

  // A new server on the same data, with its own in-process router fed from the stored tables.
  const routerPort2 = await freePort();
  second = await startServer({
    listen: '127.0.0.1:0',
    dataDir: dir,
    databaseUrl: `sqlite:${join(dir, 'shipgate.db')}`,
    router: `127.0.0.1:${routerPort2}`,
    logLevel: 'silent',
    options: { egress: { allowLoopback: true } },
  });
  const storedFault = async () =>
    (await second!.ctx.resources.get<RouteTableSpec>(SHIPGATE_API_VERSION, 'RouteTable', 'shop-routes'))!.manifest.spec.routes[0].backends[1].fault;
  const left = await storedFault();
  assert.ok(left?.abort && left.expiresAtMs, 'the killed server left its fault in the stored table');
  const expiresAtMs = left.expiresAtMs!;
  const router2 = `http://127.0.0.1:${routerPort2}`;
  if (Date.now() < expiresAtMs - 1_000) assert.deepEqual(await canary(router2), { status: 503, fault: true }, 'before its expiry the fault applies');
  await sleep(Math.max(0, expiresAtMs - Date.now() + 100));
  for (let i = 0; i < 20; i++) assert.deepEqual(await canary(router2), { status: 200, fault: false }, 'after its expiry the router serves without it');
  assert.deepEqual(await storedFault(), left, 'the table is unchanged: the expiry alone removed the fault');

  // The run's heartbeat goes stale: the new server rolls it back.
  let run: { status: string; journal: { name: string; detail: string }[] } | undefined;
  for (let i = 0; i < (STALE_RUN_MS + 10_000) / 250; i++) {
    const res = await fetch(`${second.url}/api/v1/experiment-runs/${runId}`, { headers: { authorization: `Bearer ${token}` } });
    run = (await res.json()) as typeof run;
    if (run!.status !== 'running') break;
    await sleep(250);
  }
  assert.equal(run!.status, 'interrupted');
  assert.ok(run!.journal.some((e) => e.name === 'route shop version canary' && e.detail === 'fault removed'));
  assert.equal(await storedFault(), undefined, 'the rollback removed the fault from the table');
});
