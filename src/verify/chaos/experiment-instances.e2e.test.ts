/**
 * Instance actions end to end: the shop released to staging by a Rollout (a process target with
 * two replicas behind the in-process router), an Experiment that pauses one instance (SIGSTOP,
 * resumed after its duration) and kills one (the target's supervision restarts it), with a
 * synthetic check through the router as the hypothesis.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { HOOKS } from '../../core/hooks';
import { SHIPGATE_API_VERSION } from '../../core/kinds';
import { startRolloutFixture, type RolloutFixture } from '../../rollout/e2e-fixture';
import type { viewOf } from './experiment-routes';

type RunView = ReturnType<typeof viewOf>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The state letter of /proc/PID/stat (R, S, T stopped…), or undefined when the process is gone. */
function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

let f: RolloutFixture;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sg-chaos-inst-'));
  f = await startRolloutFixture('sqlite', { ratePerSecond: 20 });
  const file = join(dir, 'env.yaml');
  writeFileSync(
    file,
    [
      { apiVersion: SHIPGATE_API_VERSION, kind: 'Environment', metadata: { name: 'staging' }, spec: { kind: 'staging' } },
      {
        apiVersion: SHIPGATE_API_VERSION,
        kind: 'SyntheticCheck',
        metadata: { name: 'storefront' },
        spec: { steps: [{ name: 'products', request: { path: '/products', timeout: '8s' }, assert: [{ status: 200 }] }] },
      },
      {
        apiVersion: SHIPGATE_API_VERSION,
        kind: 'Experiment',
        metadata: { name: 'instances' },
        spec: {
          service: 'shop',
          hypothesis: { probes: [{ name: 'storefront', synthetic: { check: 'storefront', target: f.router.url } }] },
          method: [
            { name: 'pause-one', instances: { action: 'pause', count: 1, duration: '1500ms' } },
            { name: 'kill-one', instances: { action: 'kill', count: 1 }, pauses: { before: '2s' } },
          ],
          probeInterval: '500ms',
          duration: '4s',
        },
      },
    ]
      .map((d) => stringify(d))
      .join('---\n'),
  );
  await f.apply({ environment: 'staging' }, 'shop-staging');
  const applied = await f.s.cli(['apply', '-f', file]);
  assert.equal(applied.code, 0, applied.stderr);
  const r = await f.s.cli(['release', 'shop', '--env', 'staging', '--version', 'v1', '--wait', '--timeout', '150s']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  f.load.start();
});
after(async () => {
  await f?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('pause and kill instances of the process target: the paused one resumes, the killed one is restarted', async () => {
  const hook = f.s.server.ctx.services.get(HOOKS.instances)!;
  const before = await hook.list({ service: 'shop', environment: 'staging' });
  assert.equal(before.length, 2, 'two replicas running');
  const running = f.s.cli(['experiment', 'run', 'instances', '-o', 'json']);
  // While it runs, one instance is stopped (state T) at some point.
  let sawStopped = false;
  const watch = (async () => {
    for (let i = 0; i < 100 && !sawStopped; i++) {
      sawStopped = before.some((x) => procState(x.pid) === 'T');
      await sleep(50);
    }
  })();
  const r = await running;
  await watch;
  assert.ok(sawStopped, 'an instance was paused (SIGSTOP)');
  const run = JSON.parse(r.stdout) as RunView;
  assert.equal(r.code, 0, `${run.status}: ${run.summary}`);
  const lines = run.journal.filter((e) => e.type === 'action').map((e) => e.detail);
  const paused = /paused instance (\S+) \(pid (\d+)\)/.exec(lines.join('\n'))!;
  const killed = /killed instance (\S+) \(pid (\d+)\)/.exec(lines.join('\n'))!;
  assert.ok(paused && killed, lines.join('\n'));
  assert.ok(lines.some((l) => l.startsWith(`resumed instance ${paused[1]}`)));
  const pausedPid = Number(paused[2]);
  if (pausedPid !== Number(killed[2])) assert.notEqual(procState(pausedPid), 'T', 'the paused instance runs again');
  assert.deepEqual(run.faults, []);
  // The killed process is gone; the target's supervision brings the replica count back to two.
  for (let i = 0; ; i++) {
    const now = await hook.list({ service: 'shop', environment: 'staging' });
    if (now.length === 2 && !now.some((x) => x.pid === Number(killed[2]))) break;
    if (i > 100) assert.fail(`instances after the kill: ${JSON.stringify(now)}`);
    await sleep(100);
  }
});
