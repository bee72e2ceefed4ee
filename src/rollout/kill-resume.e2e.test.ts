import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import { REPO_ROOT } from '../testing/harness';
import { main } from '../cli/main';
import { freePort, sleep } from '../targets/http-probe';
import { baseSpec, releaseTemplate, stopRecordedInstances } from './e2e-fixture';
import type { StatusView } from './rollout-status';

const dir = mkdtempSync(join(tmpdir(), 'sg-kill-'));
const tag = `sgkill${randomBytes(4).toString('hex')}`;
let server: ChildProcess | undefined;
let url = '';

process.once('exit', () => stopRecordedInstances(join(dir, 'instances')));
after(() => {
  if (server?.exitCode === null) server.kill('SIGKILL');
  stopRecordedInstances(join(dir, 'instances'));
  rmSync(dir, { recursive: true, force: true });
});

async function startServer(): Promise<void> {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  server = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'shipgate.js'), 'server', '--listen', `127.0.0.1:${port}`, '--data', dir], {
    cwd: REPO_ROOT,
    env: { ...process.env, SHIPGATE_LOG_LEVEL: 'silent', SHIPGATE_ROLLOUT_LEASE_MS: '600', SHIPGATE_ROLLOUT_TICK_MS: '50' },
    stdio: 'ignore',
  });
  // Starting a server compiles the TypeScript sources: slow on a busy machine.
  for (let i = 0; i < 1200; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      /* not up yet */
    }
    await sleep(50);
  }
  throw new Error('server did not start');
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const token = readFileSync(join(dir, 'admin.token'), 'utf8').trim();
  const code = await main(args, {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    env: { SHIPGATE_SERVER: url, SHIPGATE_TOKEN: token },
    cwd: REPO_ROOT,
    isTTY: false,
  });
  return { code, stdout, stderr };
}

async function status(): Promise<StatusView> {
  return JSON.parse((await cli(['rollout', 'status', 'shop', '-o', 'json'])).stdout) as StatusView;
}

/** Processes of this test's service, by the tag on their command line. */
function tagged(): number {
  try {
    return execFileSync('pgrep', ['-f', tag], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

test('kill -9 of the server at random moments: the release resumes, no step skipped or applied twice', async () => {
  await startServer();
  const spec = baseSpec({
    target: {
      type: 'process',
      command: ['node', 'examples/shop/server.js', `--tag=${tag}`],
      replicas: 2,
      readiness: { httpGet: '/healthz', timeout: '15s' },
      gracePeriod: '500ms',
    },
    strategy: {
      canary: {
        steps: [
          { setWeight: 25 },
          { pause: { duration: '700ms' } },
          { setWeight: 50 },
          { pause: { duration: '700ms' } },
          { setWeight: 75 },
          { pause: { duration: '700ms' } },
        ],
      },
    },
    drain: { quietPeriod: '200ms', maxWait: '2s' },
  });
  const file = join(dir, 'rollout.yaml');
  writeFileSync(
    file,
    [
      stringify({ apiVersion: 'shipgate.dev/v1', kind: 'Service', metadata: { name: 'shop' }, spec: {} }),
      stringify(releaseTemplate('shop')),
      stringify({ apiVersion: 'shipgate.dev/v1', kind: 'Rollout', metadata: { name: 'shop-production' }, spec }),
    ].join('---\n'),
  );
  assert.equal((await cli(['apply', '-f', file])).code, 0);
  const first = await cli(['release', 'shop', '--version', 'v1', '--wait', '--timeout', '150s']);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(tagged(), 2);

  assert.equal((await cli(['release', 'shop', '--version', 'v2'])).code, 0);
  let kills = 0;
  for (let i = 0; i < 3; i++) {
    await sleep(150 + Math.floor(Math.random() * 900));
    const st = await status();
    if (st.run?.phase === 'completed') break;
    server!.kill('SIGKILL');
    await new Promise((r) => server!.once('exit', r));
    kills++;
    // Never more instances than both revisions at full size: no duplicate spawns.
    assert.ok(tagged() <= 4, `at most 4 instances after a kill, saw ${tagged()}`);
    await startServer();
  }
  assert.ok(kills >= 1, 'killed the server at least once during the release');

  let st = await status();
  for (let i = 0; i < 1200 && st.run?.phase !== 'completed'; i++) {
    await sleep(100);
    st = await status();
  }
  assert.equal(st.run?.phase, 'completed', JSON.stringify(st.run));
  assert.ok(
    st.run!.steps.every((s) => s.status === 'succeeded'),
    'every step ran',
  );
  assert.deepEqual(st.traffic, [{ version: 'v2', weightPercent: 100 }]);

  const markers = (await (
    await fetch(`${url}/api/v1/deploy-markers?service=shop`, { headers: { authorization: `Bearer ${readFileSync(join(dir, 'admin.token'), 'utf8').trim()}` } })
  ).json()) as {
    markers: { event: string; runId: string }[];
  };
  const ofRun = markers.markers.filter((m) => m.runId === st.run!.id);
  const labels = st.run!.steps.map((s) => s.label);
  const started = ofRun.filter((m) => m.event.startsWith('step.started: ')).map((m) => m.event.slice('step.started: '.length));
  const completed = ofRun.filter((m) => m.event.startsWith('step.completed: ')).map((m) => m.event.slice('step.completed: '.length));
  assert.deepEqual(started, labels, 'each step started once, in order');
  assert.deepEqual(completed, labels, 'each step completed once, in order, none skipped');
  for (let i = 0; i < 40 && tagged() !== 2; i++) await sleep(50);
  assert.equal(tagged(), 2, 'exactly the new revision’s 2 instances are left running');
  server!.kill('SIGTERM');
  await new Promise((r) => server!.once('exit', r));
});
